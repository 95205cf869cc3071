# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Kill the module and the notifier at each step of a send and count what reaches sipgate.

Each case stops the process once (SIGKILL, SIGTERM or SIGINT before the POST, while the answer is
out, or right after it), or makes the outcome unwritable, then lets the tool run again as an
operator would (the module rerun, the notifier's --flush). The promises:

- the module sends each SMS at most once without ``force`` and reports delivery unknown;
- the notifier loses no alert from its journal, sends each at most twice, and never again once it
  is quarantined;
- neither prints a traceback.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

import pytest
from support.notifier_script import SCRIPT, ScriptRunner, icinga_args
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.ansible_runner import ansible_command, ansible_env, run_playbook

INJECT = Path(__file__).resolve().parent / "inject"
ONCALL = "+4915799912345"
# Long enough to kill the process while sipgate's answer is out.
ANSWER_DELAY = 4.0

pytestmark = pytest.mark.integration


def sms_posts(sim: Any) -> int:
    return len([r for r in sim.requests() if r["method"] == "POST" and r["path"].endswith("/sessions/sms")])


def crash_env(step: str, signal_name: str = "KILL", target: Optional[Path] = None) -> dict:
    env = {"PYTHONPATH": str(INJECT), "SIPGATE_CRASH_AT": step, "SIPGATE_CRASH_SIGNAL": signal_name}
    if target is not None:
        env["SIPGATE_CRASH_FILE"] = str(target)
    return env


def wait_for_post(sim: Any, count: int = 1, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while sms_posts(sim) < count:
        assert time.monotonic() < deadline, "no POST reached the simulator"
        time.sleep(0.05)


def assert_no_traceback(*outputs: str) -> None:
    for output in outputs:
        assert "Traceback" not in output, output


# --- the module, run by ansible-playbook -------------------------------------------------------

SMS_TASK = """\
    - name: Tell the on-call people
      sipgateio.sms.sipgate_sms:
        recipients: ["{recipient}"]
        msg: Deployment 42 done
        sms_id: {sms_id}
        state_file: "{state_file}"
      register: sms
      ignore_errors: true
    - name: Keep the result
      ansible.builtin.copy:
        content: "{{{{ sms | to_json }}}}"
        dest: "{result}"
        mode: "0600"
"""


class ModuleRuns:
    """One playbook with one sipgate_sms task, run as a user would, and stopped as the case says."""

    def __init__(self, workdir: Path, sim: Any) -> None:
        self.workdir = workdir
        self.sim = sim
        self.state_file = workdir / "sent.json"
        self.result_file = workdir / "result.json"
        self.playbook = workdir / "notify.yml"
        self.playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n" + SMS_TASK.format(
            recipient=ONCALL, sms_id=SMS_ID, state_file=self.state_file, result=self.result_file), encoding="utf-8")
        self.env = {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN, "SIPGATE_API_URL": sim.url}

    def run(self, extra: Optional[dict] = None) -> str:
        done = run_playbook(self.playbook, self.workdir, env=dict(self.env, **(extra or {})))
        return done.output

    def start(self) -> subprocess.Popen:
        argv = [ansible_command("ansible-playbook"), "-i", "localhost,", "-c", "local",
                "-e", "ansible_python_interpreter=" + sys.executable, str(self.playbook)]
        return subprocess.Popen(argv, cwd=str(self.workdir), env=ansible_env(self.workdir, self.env), stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True, start_new_session=True)

    def result(self) -> dict:
        return json.loads(self.result_file.read_text(encoding="utf-8"))


def module_pid() -> int:
    """The module process ansible-playbook started (its AnsiballZ wrapper runs it)."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                argv = (entry / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"python" in Path(argv[0].decode()).name.encode() and any(arg.endswith(b"AnsiballZ_sipgate_sms.py") for arg in argv):
                return int(entry.name)
    raise AssertionError("the module process was not found")


MODULE_CASES = [
    ("before_post", "KILL"),
    ("during", "KILL"),
    ("during", "TERM"),
    ("during", "INT"),
    ("after_answer", "KILL"),
    ("after_answer", "TERM"),
    ("record_write", ""),
]


@pytest.mark.parametrize("step, signal_name", MODULE_CASES, ids=["-".join(filter(None, case)) for case in MODULE_CASES])
def test_the_module_stopped_at_any_step_of_a_send_never_sends_twice(sipgate_sim, tmp_path: Path, step: str, signal_name: str):
    runs = ModuleRuns(tmp_path, sipgate_sim)
    if step == "during":
        sipgate_sim.add_fault(delay=ANSWER_DELAY, path="/sessions/sms")
        playbook = runs.start()
        wait_for_post(sipgate_sim)
        if signal_name == "INT":
            os.killpg(playbook.pid, signal.SIGINT)  # Ctrl-C reaches the whole foreground process group
        else:
            os.kill(module_pid(), getattr(signal, "SIG" + signal_name))
        first = playbook.communicate(timeout=120)[0]
    elif step == "record_write":
        first = runs.run(crash_env(step, target=runs.state_file))
    else:
        first = runs.run(crash_env(step, signal_name))
    rerun = runs.run()
    assert_no_traceback(first, rerun)
    posts = sms_posts(sipgate_sim)
    print("\nmodule {0:<13} {1:<5} POSTs {2}  SMS {3}  rerun: {4}".format(
        step, signal_name or "-", posts, len(sipgate_sim.sent_sms()), runs.result()["skipped_recipients"]))
    assert posts == (0 if step == "before_post" else 1)
    again = runs.result()
    assert again["changed"] is False and again["sent"] == []
    assert again["skipped_recipients"][0]["reason"].startswith(("delivery unknown in an earlier run", "already sent at"))


# --- the notifier, run by a monitoring engine and flushed by its timer -------------------------

class NotifierRuns:
    """The real notifier for one alert, then --flush as its timer would run it."""

    def __init__(self, workdir: Path, sim: Any) -> None:
        state_dir = workdir / "state"
        state_dir.mkdir(mode=0o700)
        self.runner = ScriptRunner(state_dir, {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN,
                                               "SIPGATE_SMS_ID": SMS_ID, "SIPGATE_API_URL": sim.url})
        self.config = self.runner.config(unknown_hold_off="0")
        self.state_file = state_dir / "state.json"

    def alert(self, extra: Optional[dict] = None) -> subprocess.CompletedProcess:
        return self.runner(icinga_args() + self.config, env=extra)

    def start(self) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, str(SCRIPT), *icinga_args(), *self.config], env=self.runner.environment(),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def flush(self, extra: Optional[dict] = None) -> subprocess.CompletedProcess:
        return self.runner(["--flush"] + self.config, env=extra)

    def events(self) -> list:
        return [entry["event"] for entry in self.runner.journal() if entry.get("host") == "web01"]


NOTIFIER_CASES = [
    ("before_post", "KILL"),
    ("during", "KILL"),
    ("during", "TERM"),
    ("during", "INT"),
    ("after_answer", "KILL"),
    ("after_answer", "TERM"),
    ("after_answer", "INT"),
]


@pytest.mark.parametrize("step, signal_name", NOTIFIER_CASES, ids=["-".join(case) for case in NOTIFIER_CASES])
def test_the_notifier_stopped_at_any_step_of_a_send_delivers_the_alert_at_most_twice(
        sipgate_sim, tmp_path: Path, step: str, signal_name: str):
    runs = NotifierRuns(tmp_path, sipgate_sim)
    if step == "during":
        sipgate_sim.add_fault(delay=ANSWER_DELAY, path="/sessions/sms")
        notifier = runs.start()
        wait_for_post(sipgate_sim)
        notifier.send_signal(getattr(signal, "SIG" + signal_name))
        first = "".join(notifier.communicate(timeout=60))
    else:
        done = runs.alert(crash_env(step, signal_name))
        first = done.stdout + done.stderr
    flushes = [runs.flush() for _flush in range(3)]
    assert_no_traceback(first, *(done.stdout + done.stderr for done in flushes))
    posts = sms_posts(sipgate_sim)
    print("\nnotifier {0:<13} {1:<5} POSTs {2}  SMS {3}  journal {4}".format(
        step, signal_name, posts, len(sipgate_sim.sent_sms()), runs.events()))
    assert 1 <= posts <= 2 and len(sipgate_sim.sent_sms()) >= 1
    assert runs.events()[-1] == "sent" and runs.events().count("sent") == 1
    assert [done.returncode for done in flushes[1:]] == [0, 0]


def test_a_notifier_that_cannot_record_outcomes_sends_at_most_twice_then_quarantines(sipgate_sim, tmp_path: Path):
    runs = NotifierRuns(tmp_path, sipgate_sim)
    broken = crash_env("record_write", target=runs.state_file)
    results = [runs.alert(broken)] + [runs.flush(broken) for _flush in range(4)]
    assert_no_traceback(*(done.stdout + done.stderr for done in results))
    posts = sms_posts(sipgate_sim)
    print("\nnotifier outcome unwritable    POSTs {0}  SMS {1}  journal {2}".format(posts, len(sipgate_sim.sent_sms()), runs.events()))
    assert posts == 2 and len(sipgate_sim.sent_sms()) == 2
    assert "quarantined" in runs.events()
    assert json.loads(runs.state_file.read_text(encoding="utf-8"))["outbox"] == []
    for _later in range(2):
        runs.flush()
    assert sms_posts(sipgate_sim) == 2, "nothing is sent after the quarantine"


def test_a_notifier_that_keeps_dying_before_the_post_quarantines_instead_of_looping(sipgate_sim, tmp_path: Path):
    runs = NotifierRuns(tmp_path, sipgate_sim)
    dies = crash_env("before_post", "KILL")
    results = [runs.alert(dies)] + [runs.flush(dies) for _flush in range(3)]
    assert_no_traceback(*(done.stdout + done.stderr for done in results))
    print("\nnotifier dies before every POST POSTs {0}  journal {1}".format(sms_posts(sipgate_sim), runs.events()))
    assert sms_posts(sipgate_sim) == 0
    assert runs.events() == ["delivery_unknown", "quarantined"]
    runs.flush()
    assert sms_posts(sipgate_sim) == 0, "a quarantined alert is never sent"
