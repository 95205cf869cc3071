# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Writes how long each task took (seconds, by task name) to the JSON file named in $BENCH_TASK_SECONDS.

A task lasts from its start to the next task's start (or the end of the play), loops included,
as profile_tasks counts it; ansible-core ships no such callback, and the benchmark needs one.
"""

from __future__ import annotations

import json
import os
import time

from ansible.plugins.callback import CallbackBase

DOCUMENTATION = """
name: task_seconds
type: aggregate
short_description: task durations as JSON, for the benchmark
description:
  - Writes a JSON object mapping task names to seconds to the file named by the environment variable E(BENCH_TASK_SECONDS).
"""


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "task_seconds"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._starts: list = []

    def v2_playbook_on_task_start(self, task, is_conditional) -> None:  # pylint: disable=unused-argument
        self._starts.append((task.get_name(), time.perf_counter()))

    def v2_playbook_on_stats(self, stats) -> None:  # pylint: disable=unused-argument
        ends = [moment for _name, moment in self._starts[1:]] + [time.perf_counter()]
        seconds = {name: end - start for (name, start), end in zip(self._starts, ends)}
        target = os.environ.get("BENCH_TASK_SECONDS")
        if target:
            with open(target, "w", encoding="utf-8") as stream:
                json.dump(seconds, stream)
