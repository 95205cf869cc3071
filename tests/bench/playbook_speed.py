# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Rows 1 and 2: the ``sipgate_sms`` task next to the ``ansible.builtin.uri`` task people write instead.

Both run as real ``ansible-playbook`` processes against localhost and the simulator, taking turns
(module first in one round, uri first in the next). Every run has its own message text, so the
module's idempotency never skips a send: each run really sends, which the simulator confirms.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List

from bench.results import Row, ratio_row
from bench.timing import median, milliseconds
from support.ansible_runner import run_playbook

HERE = Path(__file__).resolve().parent
PLAYBOOKS = HERE / "playbooks"
CALLBACKS = HERE / "callback_plugins"
TASK = "Send the SMS"
LATENCY = 0.1


@dataclass
class PlaybookBench:
    """Where the playbooks run, the simulator's credentials, and how to read its SMS count."""

    workdir: Path
    credentials: Dict[str, str]
    sent_count: Callable[[], int]
    runs: int = 0

    def play(self, playbook: str, recipients: List[str]) -> Dict[str, float]:
        """Run one playbook; its wall time and its task's time, in seconds. Fails unless every SMS arrived."""
        self.runs += 1
        timings = self.workdir / "task-seconds.json"
        env = dict(self.credentials, ANSIBLE_CALLBACK_PLUGINS=str(CALLBACKS), ANSIBLE_CALLBACKS_ENABLED="task_seconds",
                   BENCH_TASK_SECONDS=str(timings))
        before = self.sent_count()
        text = "Deployment {0} of shop finished ({1}, run {2})".format(self.runs, playbook, time.time())
        started = time.perf_counter()
        result = run_playbook(PLAYBOOKS / playbook, self.workdir, env=env, extra_vars={"sms_recipients": recipients, "sms_text": text})
        wall = time.perf_counter() - started
        if result.rc != 0:
            raise AssertionError("{0} failed (rc {1}):\n{2}".format(playbook, result.rc, result.output[-3000:]))
        if self.sent_count() - before != len(recipients):
            raise AssertionError("{0} sent {1} SMS, expected {2}".format(playbook, self.sent_count() - before, len(recipients)))
        return {"wall": wall, "task": json.loads(timings.read_text(encoding="utf-8"))[TASK]}


def recipients(count: int) -> List[str]:
    return ["+49157999{0:05d}".format(12300 + number) for number in range(count)]


def in_turns(bench: PlaybookBench, contenders: Dict[str, str], how_many: int, rounds: int) -> Dict[str, list]:
    """Timings per contender; the order flips every round so neither always runs on a warmer machine."""
    timings: Dict[str, list] = {name: [] for name in contenders}
    for number in range(rounds):
        order = list(contenders) if number % 2 == 0 else list(reversed(list(contenders)))
        for name in order:
            timings[name].append(bench.play(contenders[name], recipients(how_many)))
    return timings


def samples(timings: Dict[str, list]) -> dict:
    """Every run's figures in milliseconds, for the JSON: a median alone hides how noisy the machine was."""
    return {name: [{kind: round(value * 1000, 1) for kind, value in run.items()} for run in runs] for name, runs in timings.items()}


def one_recipient(bench: PlaybookBench, rounds: int) -> Row:
    """Row 1: whole ansible-playbook runs, one SMS each."""
    for playbook in ("sipgate_sms.yml", "uri_one.yml"):
        bench.play(playbook, recipients(1))  # warm-up: byte-compiling and caches are not what is measured
    timings = in_turns(bench, {"module": "sipgate_sms.yml", "uri": "uri_one.yml"}, 1, rounds)
    ours, theirs = (median([run["wall"] for run in timings[name]]) for name in ("module", "uri"))
    # The task alone (without ansible-playbook's own start-up) says where a difference comes from.
    ours_task, theirs_task = (median([run["task"] for run in timings[name]]) for name in ("module", "uri"))
    return ratio_row("`sipgate_sms` task vs. `uri` task, 1 recipient (ansible-playbook wall time)", ours, theirs, "<= 1.0x", "<=", 1.0,
                     "{0} vs. {1}, median of {2} (the task alone: {3} vs. {4})".format(
                         milliseconds(ours), milliseconds(theirs), rounds, milliseconds(ours_task), milliseconds(theirs_task)),
                     {"module_ms": ours * 1000, "uri_ms": theirs * 1000, "module_task_ms": ours_task * 1000, "uri_task_ms": theirs_task * 1000,
                      "runs": rounds, "samples_ms": samples(timings)})


def thirty_recipients(bench: PlaybookBench, rounds: int, set_latency: Callable[[float], None], count: int = 30) -> Row:
    """Row 2: task time for 30 recipients with 0.1 s API latency: one module task vs. a uri loop."""
    set_latency(LATENCY)
    try:
        timings = in_turns(bench, {"module": "sipgate_sms.yml", "uri loop": "uri_loop.yml"}, count, rounds)
    finally:
        set_latency(0.0)
    ours, theirs = (median([run["task"] for run in timings[name]]) for name in ("module", "uri loop"))
    row = ratio_row("{0} recipients, 0.1 s API latency: `sipgate_sms` task vs. `uri` loop (task time)".format(count), theirs, ours,
                    ">= 10x faster", ">=", 10.0,
                    "{0} vs. {1}, median of {2}".format(milliseconds(ours), milliseconds(theirs), rounds),
                    {"module_task_ms": ours * 1000, "uri_loop_task_ms": theirs * 1000, "runs": rounds,
                     "module_wall_ms": median([run["wall"] for run in timings["module"]]) * 1000,
                     "uri_loop_wall_ms": median([run["wall"] for run in timings["uri loop"]]) * 1000, "samples_ms": samples(timings)})
    row.shown = "{0:.1f}x faster".format(row.value)
    return row
