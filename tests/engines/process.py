# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A daemon as a child process in its own session, stopped by PID with nothing left behind.

Both engines fork helpers (Nagios 4 its check workers, Icinga 2 its umbrella and worker
process, either of them the notification commands). A new session gives all of them one
marker, the session id, that survives the main process: after stopping it, any process still
carrying that session id is a leftover, found by PID in /proc and never by name.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import List, Mapping, Optional, Sequence

from .waiting import WaitTimeout, wait_until


def session_members(session_id: int) -> List[int]:
    """PIDs of the live (not zombie) processes in a session."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text(encoding="utf-8", errors="replace")
        except OSError:  # it ended while we looked
            continue
        # The command name in parentheses may contain spaces and ')': the fields follow the last ')'.
        fields = stat.rpartition(")")[2].split()
        state, session = fields[0], int(fields[3])
        if session == session_id and state != "Z":
            members.append(int(entry.name))
    return sorted(members)


class DaemonProcess:
    """One started daemon: its Popen, its output file, and how to end it and its offspring."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str], output_path: Path, cwd: Path) -> None:
        self.argv = list(argv)
        self.output_path = output_path
        # Kept open for the daemon's lifetime: a pipe nobody reads would block a chatty daemon.
        with open(output_path, "ab") as output:
            self.popen = subprocess.Popen(  # pylint: disable=consider-using-with
                self.argv, env=dict(env), cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=output, stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.pid = self.popen.pid
        self.killed_leftovers: List[int] = []

    def is_running(self) -> bool:
        """True while the main process has not exited."""
        return self.popen.poll() is None

    def output(self) -> str:
        """Everything the daemon wrote to stdout and stderr so far."""
        return self.output_path.read_text(encoding="utf-8", errors="replace")

    def remaining(self) -> List[int]:
        """The daemon's processes that are still alive (the main one included, if running)."""
        return session_members(self.pid)

    def stop(self, timeout: float = 10.0, helper_grace: float = 3.0) -> Optional[int]:
        """TERM the main process, KILL it if it does not end in time, then make sure its helpers end too.

        Helpers still alive ``helper_grace`` seconds after the main process are killed by PID and remembered in
        ``killed_leftovers``, so a test can tell a clean shutdown from one that needed help.
        Returns the main process's exit status.
        """
        if self.is_running():
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout)
        try:
            wait_until(lambda: not self.remaining(), helper_grace, "the daemon's helper processes to end")
        except WaitTimeout:
            self._kill_leftovers()
        return self.popen.returncode

    def _kill_leftovers(self) -> None:
        for pid in self.remaining():
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                continue
            self.killed_leftovers.append(pid)
        deadline = time.monotonic() + 3.0
        while self.remaining() and time.monotonic() < deadline:
            time.sleep(0.05)
