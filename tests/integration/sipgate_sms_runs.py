# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Playbooks of sipgate_sms tasks run against the simulator, with every task's result kept in a file."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from simulator.sipgate_simulator import TOKEN, TOKEN_ID
from support.ansible_runner import PlaybookRun, run_playbook, write_playbook

FIRST = "+4915799912345"
SECOND = "+4915799912346"

# Each task's result is registered and written to a file (whatever the task's outcome and
# even in check mode), since parsing it from the output would depend on the stdout callback.
SMS_TASK = """\
    - name: SMS {index}
      sipgateio.sms.sipgate_sms: {args}
      register: sms_{index}
      ignore_errors: true
{keywords}"""
# Keys of a task mapping that are task keywords, not module arguments.
TASK_KEYWORDS = ("check_mode",)
KEEP_RESULTS = """\
    - name: Keep the results
      ansible.builtin.copy:
        content: "{{{{ [{names}] | to_json }}}}"
        dest: "{{{{ result_file }}}}"
        mode: "0600"
      check_mode: false
      diff: false
      changed_when: false
"""


@dataclass
class SmsRun:
    """One ansible-playbook run: its output and each sipgate_sms task's registered result."""

    run: PlaybookRun
    results: list

    @property
    def output(self) -> str:
        return self.run.output

    def recap(self) -> dict:
        return self.run.recap()


def credentials_env(api_url: str, token_id: str = TOKEN_ID, token: str = TOKEN) -> dict:
    return {"SIPGATE_TOKEN_ID": token_id, "SIPGATE_TOKEN": token, "SIPGATE_API_URL": api_url}


def run_sms_tasks(workdir: Path, api_url: str, tasks: Sequence[Mapping[str, Any]], options: Sequence[str] = (),
                  env: Optional[Mapping[str, str]] = None, extra_vars: Optional[Mapping[str, Any]] = None,
                  name: str = "sms.yml") -> SmsRun:
    """Run one playbook with a sipgate_sms task per mapping of module arguments.

    Tasks get ``state_file`` in ``workdir`` unless they name one; credentials come from the environment.
    """
    text = ""
    for index, task in enumerate(tasks):
        args = {key: value for key, value in task.items() if key not in TASK_KEYWORDS}
        keywords = "".join("      {0}: {1}\n".format(key, json.dumps(task[key])) for key in TASK_KEYWORDS if key in task)
        text += SMS_TASK.format(index=index, keywords=keywords,
                                args=json.dumps({"state_file": str(workdir / "sent.json"), **args}))
    result_file = workdir / (name + ".results.json")
    if result_file.exists():
        result_file.unlink()
    text += KEEP_RESULTS.format(names=", ".join("sms_{0}".format(index) for index in range(len(tasks))))
    playbook = write_playbook(workdir, text, name=name)
    run = run_playbook(playbook, workdir, env={**credentials_env(api_url), **(env or {})}, options=options,
                       extra_vars={"result_file": str(result_file), **(extra_vars or {})})
    results = json.loads(result_file.read_text(encoding="utf-8")) if result_file.exists() else []
    assert len(results) == len(tasks), run.output
    return SmsRun(run, results)


def posts(simulator: Any) -> list:
    """The SMS sends the simulator received (whatever it answered)."""
    return [request for request in simulator.requests() if request["method"] == "POST" and request["path"].endswith("/sessions/sms")]
