# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Drivers for the hardening tests: module tasks through ansible-playbook, and the notifier script as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.ansible_runner import PlaybookRun, run_playbook, write_playbook

REPO_ROOT = Path(__file__).resolve().parents[2]
NOTIFIER = REPO_ROOT / "roles" / "notifier" / "files" / "sipgate_sms_notify.py"
ONCALL = "+4915799912345"

TASK = """\
    - name: Task {index}
      {module}: {args}
      register: result_{index}
      ignore_errors: true
"""
KEEP_RESULTS = """\
    - name: Keep the results
      ansible.builtin.copy:
        content: "{{{{ [{names}] | to_json }}}}"
        dest: "{{{{ result_file }}}}"
        mode: "0600"
      changed_when: false
"""


@dataclass
class TaskRun:
    run: PlaybookRun
    results: list


def sipgate_env(api_url: str, token_id: str = TOKEN_ID, token: str = TOKEN, **extra: str) -> dict:
    return {"SIPGATE_TOKEN_ID": token_id, "SIPGATE_TOKEN": token, "SIPGATE_API_URL": api_url, **extra}


def run_tasks(workdir: Path, api_url: str, tasks: Sequence[tuple], options: Sequence[str] = (),
              env: Optional[Mapping[str, str]] = None) -> TaskRun:
    """Each (module, arguments) becomes one task; failures are tolerated and every result is kept."""
    body = "".join(TASK.format(index=index, module=module, args=json.dumps(args)) for index, (module, args) in enumerate(tasks))
    body += KEEP_RESULTS.format(names=", ".join("result_{0}".format(index) for index in range(len(tasks))))
    playbook = write_playbook(workdir, body, name="tasks.yml")
    result_file = workdir / "results.json"
    if result_file.exists():
        result_file.unlink()
    run = run_playbook(playbook, workdir, env=sipgate_env(api_url) if env is None else env,
                       extra_vars={"result_file": str(result_file)}, options=options)
    assert result_file.exists(), run.output
    return TaskRun(run, json.loads(result_file.read_text(encoding="utf-8")))


def sms_task(message: str, **args: Any) -> tuple:
    return "sipgateio.sms.sipgate_sms", {"recipient": ONCALL, "message": message, "sms_id": SMS_ID, **args}


def posts(simulator: Any) -> list:
    return [request for request in simulator.requests() if request["method"] == "POST" and request["path"].endswith("/sessions/sms")]


def notifier_env(api_url: str, state_dir: Path, token: str = TOKEN, **extra: str) -> dict:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("NAGIOS_", "NOTIFY_", "SIPGATE_", "ICINGA"))}
    env.update({"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": token, "SIPGATE_SMS_ID": SMS_ID, "SIPGATE_API_URL": api_url,
                "SIPGATE_SMS_STATE_DIR": str(state_dir)})
    env.update(extra)
    return env


def icinga_args(host: str = "web01", service: str = "HTTP", state: str = "CRITICAL", output: str = "Connection refused",
                notification_type: str = "PROBLEM", recipient: str = ONCALL) -> list:
    return ["-t", notification_type, "-l", host, "-e", service, "-s", state, "-o", output, "-r", recipient]


def notifier_command(args: Sequence[str]) -> list:
    return [sys.executable, str(NOTIFIER), *args]


def run_notifier(args: Sequence[str], env: Mapping[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run(notifier_command(args), env=dict(env), capture_output=True, text=True, timeout=timeout, check=False)


def journal_lines(state_dir: Path) -> list:
    path = state_dir / "journal.jsonl"
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []
