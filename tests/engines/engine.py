# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Nagios 4 and Icinga 2 have in common here: a scratch folder, a daemon, a command pipe."""

from __future__ import annotations

import errno
import os
import time
from pathlib import Path
from types import TracebackType
from typing import Callable, Dict, List, Mapping, Optional, Type, TypeVar

from .process import DaemonProcess
from .waiting import wait_until

T = TypeVar("T")
EngineT = TypeVar("EngineT", bound="EngineInstance")

DEFAULT_PAGER = "+4915799912345"
HOST_NAME = "web01"
SERVICE_NAME = "HTTP"
# What a daemon gets from the test's own environment: enough to find programs and decode text,
# nothing that could carry a secret into the notification command by accident.
PASSED_ENVIRONMENT = ("PATH", "LANG", "LC_ALL", "TZ")

SERVICE_STATES = {"OK": 0, "WARNING": 1, "CRITICAL": 2, "UNKNOWN": 3}
HOST_STATES = {"UP": 0, "DOWN": 1, "UNREACHABLE": 2}


class EngineError(RuntimeError):
    """The daemon refused its configuration or did not come up; the message holds its output."""


def base_environment() -> Dict[str, str]:
    """The part of the test's environment a daemon inherits."""
    env = {name: os.environ[name] for name in PASSED_ENVIRONMENT if name in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin")
    env.setdefault("LANG", "C.UTF-8")
    return env


def check_result_code(code: int | str, states: Mapping[str, int]) -> int:
    """A state given as its plugin exit code or its name (``2`` or ``"CRITICAL"``)."""
    if isinstance(code, str):
        return states[code.upper()]
    if code not in states.values():
        raise ValueError(f"no such state: {code}")
    return code


def one_line(text: str) -> str:
    """Plugin output for an external command, which ends at the first newline."""
    if "\n" in text or "\r" in text:
        raise ValueError("an external command is one line; write a literal \\n for multi-line plugin output")
    return text


class EngineInstance:
    """One monitoring daemon in ``workdir``: write its configuration, validate, start, feed, stop.

    Subclasses say where the files go and how the daemon is called. Use it as a context manager
    (``with Nagios4Instance(...) as nagios:``): entering starts the daemon, leaving stops it,
    even when the test failed.
    """

    name = "engine"

    def __init__(self, workdir: Path, notify_env: Optional[Mapping[str, str]] = None, pager: str = DEFAULT_PAGER) -> None:
        self.workdir = Path(workdir).resolve()
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.notify_env = dict(notify_env or {})
        self.pager = pager
        self.daemon: Optional[DaemonProcess] = None

    # What each engine provides.
    @property
    def command_pipe(self) -> Path:
        """The external command FIFO."""
        raise NotImplementedError

    @property
    def log_path(self) -> Path:
        """The daemon's main log file."""
        raise NotImplementedError

    def write_config(self) -> Path:
        """Write the whole configuration into ``workdir``; return the main file."""
        raise NotImplementedError

    def validate(self) -> str:
        """Let the daemon check the configuration; raise EngineError with its output if it refuses."""
        raise NotImplementedError

    def daemon_argv(self) -> List[str]:
        """The command line that runs the daemon in the foreground."""
        raise NotImplementedError

    def daemon_environment(self) -> Dict[str, str]:
        """The environment the daemon runs in."""
        raise NotImplementedError

    def is_ready(self) -> bool:
        """True once the daemon takes external commands and will act on them."""
        return self._pipe_has_reader()

    # Shared behaviour.
    @property
    def console_path(self) -> Path:
        """Where the daemon's stdout and stderr go."""
        return self.workdir / "daemon.out"

    def start(self, timeout: float = 20.0) -> None:
        """Write the configuration, start the daemon and wait (bounded) until it takes commands."""
        if self.daemon is not None and self.daemon.is_running():
            raise EngineError(f"{self.name} is already running (PID {self.daemon.pid})")
        self.write_config()
        self.daemon = DaemonProcess(self.daemon_argv(), self.daemon_environment(), self.console_path, self.workdir)
        try:
            wait_until(self._ready_or_dead, timeout, f"{self.name} to take external commands", details=self.diagnostics)
        except BaseException:
            self.stop()
            raise
        if not self.daemon.is_running():
            self.stop()
            raise EngineError(f"{self.name} exited during start-up\n{self.diagnostics()}")

    def stop(self, timeout: float = 10.0, helper_grace: float = 3.0) -> None:
        """Stop the daemon by its PID and make sure none of its processes is left (see DaemonProcess.stop)."""
        if self.daemon is not None:
            self.daemon.stop(timeout, helper_grace)

    @property
    def pid(self) -> int:
        """The daemon's main process id."""
        return self._running_daemon().pid

    def remaining_processes(self) -> List[int]:
        """The daemon's processes still alive: empty once stopped."""
        return self.daemon.remaining() if self.daemon is not None else []

    def submit_service_result(self, host: str, service: str, code: int | str, output: str) -> None:
        """A passive service check result, as a monitoring agent would send it."""
        state = check_result_code(code, SERVICE_STATES)
        self.send_command("PROCESS_SERVICE_CHECK_RESULT", host, service, str(state), one_line(output))

    def submit_host_result(self, host: str, code: int | str, output: str) -> None:
        """A passive host check result."""
        state = check_result_code(code, HOST_STATES)
        self.send_command("PROCESS_HOST_CHECK_RESULT", host, str(state), one_line(output))

    def send_command(self, name: str, *fields: str) -> None:
        """Write ``[now] NAME;field;...`` to the command pipe (both engines read the Nagios format)."""
        self._running_daemon()
        line = f"[{int(time.time())}] {';'.join((name,) + fields)}\n"
        fd = self._open_pipe()
        if fd is None:
            raise EngineError(f"nobody reads {self.command_pipe}\n{self.diagnostics()}")
        try:
            os.write(fd, line.encode("utf-8"))
        finally:
            os.close(fd)

    def log(self) -> str:
        """The daemon's log so far (empty if it has written none yet)."""
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def diagnostics(self) -> str:
        """Log and console output, for failure messages."""
        parts = [f"--- {self.log_path} ---", self.log()[-6000:]]
        if self.daemon is not None and self.daemon.output_path != self.log_path:
            parts += [f"--- {self.name} stdout/stderr ---", self.daemon.output()[-6000:]]
        return "\n".join(parts)

    def wait_until(self, condition: Callable[[], Optional[T]], timeout: float, what: str, interval: float = 0.02) -> T:
        """Like ``waiting.wait_until``; a timeout also fails when the daemon died, and shows its log."""
        def check() -> Optional[T]:
            if not self._running_daemon().is_running():
                raise EngineError(f"{self.name} exited while waiting for {what}\n{self.diagnostics()}")
            return condition()
        return wait_until(check, timeout, what, interval=interval, details=self.diagnostics)

    def __enter__(self: EngineT) -> EngineT:
        self.start()
        return self

    def __exit__(self, exc_type: Optional[Type[BaseException]], exc: Optional[BaseException], traceback: Optional[TracebackType]) -> None:
        self.stop()

    def _running_daemon(self) -> DaemonProcess:
        if self.daemon is None:
            raise EngineError(f"{self.name} has not been started")
        return self.daemon

    def _ready_or_dead(self) -> bool:
        return not self._running_daemon().is_running() or self.is_ready()

    def _open_pipe(self) -> Optional[int]:
        """A write end of the command FIFO, or None while no reader has it open.

        Non-blocking, because a blocking open waits forever for a reader that may never come.
        """
        try:
            return os.open(self.command_pipe, os.O_WRONLY | os.O_NONBLOCK)
        except OSError as error:
            if error.errno in (errno.ENXIO, errno.ENOENT):
                return None
            raise

    def _pipe_has_reader(self) -> bool:
        fd = self._open_pipe()
        if fd is None:
            return False
        os.close(fd)
        return True


def write_file(path: Path, text: str, mode: int = 0o644) -> Path:
    """Write a configuration file (creating its folder)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(mode)
    return path
