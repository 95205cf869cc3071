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

from .ansible_runner import PlaybookRun, run_playbook, write_playbook

FIRST = "+4915799912345"
SECOND = "+4915799912346"
SMS_MODULE = "sipgateio.sms.sipgate_sms"

# Each task's result is registered and written to a file (whatever the task's outcome and even in
# check mode), since parsing it from the output would depend on the stdout callback.
TASK = """\
    - name: Task {index}
      {module}: {args}
      register: result_{index}
      ignore_errors: true
{keywords}"""
# Keys of a task mapping that are not module arguments: task keywords, and the module to run.
TASK_KEYWORDS = ("check_mode",)
MODULE_KEY = "module"
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
    """One ansible-playbook run of sipgate_sms tasks: what it printed and each task's registered result."""

    run: PlaybookRun
    results: list

    @property
    def output(self) -> str:
        return self.run.output

    def recap(self) -> dict:
        return self.run.recap()

    def result(self, index: int = 0) -> dict:
        return self.results[index]


def sipgate_env(api_url: str, token_id: str = TOKEN_ID, token: str = TOKEN, **extra: str) -> dict:
    """The simulator's address and a token in the environment, where the modules and the callback look for them."""
    return {"SIPGATE_TOKEN_ID": token_id, "SIPGATE_TOKEN": token, "SIPGATE_API_URL": api_url, **extra}


def state_file(workdir: Path) -> Path:
    """Where sipgate_sms keeps its record by default in these runs (the runner sets XDG_STATE_HOME)."""
    return workdir / "state" / "sipgateio.sms" / "sent.json"


def task_text(index: int, task: Mapping[str, Any]) -> str:
    args = {key: value for key, value in task.items() if key not in TASK_KEYWORDS and key != MODULE_KEY}
    keywords = "".join("      {0}: {1}\n".format(key, json.dumps(task[key])) for key in TASK_KEYWORDS if key in task)
    return TASK.format(index=index, module=task.get(MODULE_KEY, SMS_MODULE), args=json.dumps(args), keywords=keywords)


def run_sms_tasks(workdir: Path, api_url: str, tasks: Sequence[Mapping[str, Any]], options: Sequence[str] = (),
                  env: Optional[Mapping[str, str]] = None, extra_vars: Optional[Mapping[str, Any]] = None,
                  name: str = "sms.yml") -> SmsRun:
    """One playbook with a task per mapping of module arguments; failures are tolerated and every result kept.

    A mapping may name another module of the collection under ``module`` (sipgate_sms_info) and set
    ``check_mode``. Credentials come from the environment, ``env`` adds to or overrides them.
    """
    body = "".join(task_text(index, task) for index, task in enumerate(tasks))
    body += KEEP_RESULTS.format(names=", ".join("result_{0}".format(index) for index in range(len(tasks))))
    playbook = write_playbook(workdir, body, name=name)
    result_file = workdir / (name + ".results.json")
    if result_file.exists():
        result_file.unlink()
    run = run_playbook(playbook, workdir, env={**sipgate_env(api_url), **(env or {})}, options=options,
                       extra_vars={"result_file": str(result_file), **(extra_vars or {})})
    assert result_file.exists(), run.output
    results = json.loads(result_file.read_text(encoding="utf-8"))
    assert len(results) == len(tasks), run.output
    return SmsRun(run, results)
