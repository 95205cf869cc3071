# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Timing child processes: wall time and the child's own peak memory (``wait4``), medians of runs."""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import Mapping, Optional, Sequence


@dataclass(frozen=True)
class ChildRun:
    """One finished child process: how long it took, its peak resident memory, what it said."""

    seconds: float
    max_rss_kib: int
    returncode: int
    stdout: str
    stderr: str


class ChildFailed(RuntimeError):
    """A timed command exited with an unexpected status; the message carries its output."""


def run_child(argv: Sequence[str], env: Optional[Mapping[str, str]] = None, cwd: Optional[str] = None,
              expect: Sequence[int] = (0,), timeout: float = 120.0, stdin_text: str = "") -> ChildRun:
    """Run ``argv`` and reap it with ``wait4``: unlike ``subprocess.run`` that yields its own rusage.

    Output goes to temporary files rather than pipes, so reaping needs no reader thread.
    """
    with tempfile.TemporaryFile() as given, tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        given.write(stdin_text.encode("utf-8"))
        given.seek(0)
        started = time.perf_counter()
        child = subprocess.Popen(list(argv), env=dict(env) if env is not None else None, cwd=cwd,  # pylint: disable=consider-using-with
                                 stdin=given, stdout=out, stderr=err)
        status, usage = _reap(child, timeout)
        seconds = time.perf_counter() - started
        out.seek(0)
        err.seek(0)
        result = ChildRun(seconds, int(usage.ru_maxrss), os.waitstatus_to_exitcode(status),
                          out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"))
    if result.returncode not in expect:
        raise ChildFailed("{0} exited {1}\n{2}{3}".format(" ".join(argv[:3]), result.returncode, result.stdout[-2000:], result.stderr[-2000:]))
    return result


def _reap(child: subprocess.Popen, timeout: float) -> tuple:
    """Block in ``wait4`` (no polling, which would blur short timings); a timer kills a child that hangs."""
    killer = threading.Timer(timeout, child.kill)
    killer.start()
    try:
        _pid, status, usage = os.wait4(child.pid, 0)
    finally:
        killer.cancel()
    child.returncode = os.waitstatus_to_exitcode(status)  # keeps Popen from reaping it again
    if child.returncode == -signal.SIGKILL:
        raise ChildFailed("killed after {0:g} s: {1}".format(timeout, " ".join(str(part) for part in child.args[:3])))
    return status, usage


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def milliseconds(seconds: float) -> str:
    return "{0:.0f} ms".format(seconds * 1000)
