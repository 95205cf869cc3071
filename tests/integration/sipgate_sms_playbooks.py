# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbooks of sipgate_sms tasks, run by ansible-playbook, with every task's result kept in a file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional, Sequence

from simulator.sipgate_simulator import TOKEN, TOKEN_ID
from support.ansible_runner import PlaybookRun, run_playbook, write_playbook

FIRST = "+4915799912345"
SECOND = "+4915799912346"

SMS_TASK = """\
    - name: SMS {index}
      sipgateio.sms.sipgate_sms: {args}
      register: sms_{index}
      ignore_errors: true
"""

# Written even in check mode, and without a diff of its own (it would show the messages too).
KEEP_RESULTS = """\
    - name: Keep the results
      ansible.builtin.copy:
        content: "{{{{ [{names}] | to_json }}}}"
        dest: "{{{{ result_file }}}}"
        mode: "0600"
      changed_when: false
      check_mode: false
      diff: false
"""


@dataclass
class SmsRun:
    """One ansible-playbook run of sipgate_sms tasks: what it printed and each task's result."""

    run: PlaybookRun
    results: list

    def result(self, index: int = 0) -> dict:
        return self.results[index]


def sipgate_env(api_url: str, token_id: str = TOKEN_ID, token: str = TOKEN, **extra: str) -> dict:
    return {"SIPGATE_TOKEN_ID": token_id, "SIPGATE_TOKEN": token, "SIPGATE_API_URL": api_url, **extra}


def run_sms_tasks(tmp_path: Path, api_url: str, *tasks: dict, options: Sequence[str] = (),
                  env: Optional[dict] = None, name: str = "sms.yml") -> SmsRun:
    """Each mapping becomes the arguments of one sipgate_sms task; failures are tolerated and kept."""
    body = "".join(SMS_TASK.format(index=index, args=json.dumps(args)) for index, args in enumerate(tasks))
    body += KEEP_RESULTS.format(names=", ".join("sms_{0}".format(index) for index in range(len(tasks))))
    playbook = write_playbook(tmp_path, body, name=name)
    result_file = tmp_path / (name + ".results.json")
    if result_file.exists():
        result_file.unlink()
    run = run_playbook(playbook, tmp_path, env=sipgate_env(api_url) if env is None else env,
                       extra_vars={"result_file": str(result_file)}, options=options)
    assert result_file.exists(), run.output
    return SmsRun(run, json.loads(result_file.read_text(encoding="utf-8")))


def posts(sim: Any) -> list:
    """Bodies of every POST /sessions/sms the simulator received (refused ones too)."""
    return [request["body"] for request in sim.requests() if request["method"] == "POST" and request["path"].endswith("/sessions/sms")]


def state_dir(tmp_path: Path) -> Path:
    """Where the module keeps its record by default in these runs (the runner sets XDG_STATE_HOME)."""
    return tmp_path / "state" / "sipgateio.sms"
