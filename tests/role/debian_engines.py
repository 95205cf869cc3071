# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nagios 4 and Icinga 2 run in the foreground with Debian's own configuration in /etc, plus one test file.

Unlike tests/engines (self-contained configurations), these daemons read what the role wrote into
Debian's configuration, so the role is tested where users run it. Only the process handling is shared.
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path
from typing import Dict, List

from engines.engine import base_environment
from engines.process import DaemonProcess
from engines.waiting import wait_until

TEST_HOST = "sipgate-e2e-web"
TEST_SERVICE = "HTTP"

NAGIOS_MAIN_CONFIG = Path("/etc/nagios4/nagios.cfg")
NAGIOS_TEST_OBJECTS = Path("/etc/nagios4/conf.d/sipgate-e2e-test.cfg")
NAGIOS_COMMAND_FILE = Path("/var/lib/nagios4/rw/nagios.cmd")
# Debian's defaults are made for production: results reaped every 10 s, a call home for updates,
# state kept across restarts. For a test: quick, offline, and no memory of the last run.
NAGIOS_TEST_SETTINGS = {
    "check_result_reaper_frequency": "1",
    "check_for_updates": "0",
    "retain_state_information": "0",
    "use_syslog": "0",
}
NAGIOS_OBJECTS = """\
# Test objects only: a passive service whose contact uses the role's contact template.
define command {{
    command_name    sipgate-e2e-passive
    command_line    /bin/true
}}

define contact {{
    use             sipgate-sms-contact
    contact_name    sipgate-e2e-oncall
    alias           On call
    pager           {pager}
}}

define host {{
    host_name                 {host}
    alias                     {host}
    address                   127.0.0.1
    check_command             sipgate-e2e-passive
    max_check_attempts        1
    check_period              24x7
    active_checks_enabled     0
    passive_checks_enabled    1
    notification_period       24x7
    notification_interval     0
    contacts                  sipgate-e2e-oncall
}}

define service {{
    host_name                 {host}
    service_description       {service}
    check_command             sipgate-e2e-passive
    max_check_attempts        1
    check_interval            5
    retry_interval            1
    check_period              24x7
    active_checks_enabled     0
    passive_checks_enabled    1
    notification_options      w,u,c,r
    notification_period       24x7
    notification_interval     0
    first_notification_delay  0
    contacts                  sipgate-e2e-oncall
}}
"""

ICINGA_MAIN_CONFIG = Path("/etc/icinga2/icinga2.conf")
ICINGA_TEST_OBJECTS = Path("/etc/icinga2/conf.d/sipgate-e2e-test.conf")
ICINGA_OBJECTS = """\
// Test objects only: a passive service notifying a user with a pager through the role's templates.
object ExternalCommandListener "sipgate-e2e-command" {{
  command_path = "{command_path}"
}}

object User "sipgate-e2e-oncall" {{
  pager = "{pager}"
  enable_notifications = true
}}

object Host "{host}" {{
  address = "127.0.0.1"
  check_command = "dummy"
  enable_active_checks = false
  max_check_attempts = 1
}}

object Service "{service}" {{
  host_name = "{host}"
  check_command = "dummy"
  enable_active_checks = false
  max_check_attempts = 1
}}

object Notification "sipgate-e2e-sms" {{
  import "sipgate-sms-service"
  host_name = "{host}"
  service_name = "{service}"
  users = [ "sipgate-e2e-oncall" ]
  interval = 0
}}
"""
ICINGA_READY_LOG_LINE = "Activated all objects."


def set_main_config_options(path: Path, settings: Dict[str, str]) -> None:
    """Give ``key=value`` lines of a Nagios main config new values."""
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        key = line.split("=", 1)[0].strip()
        if key in settings and not line.lstrip().startswith("#"):
            lines[index] = "{0}={1}".format(key, settings[key])
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def write_command(pipe: Path, command: str) -> None:
    """One external command into the daemon's FIFO (it must be open for reading)."""
    descriptor = os.open(pipe, os.O_WRONLY | os.O_NONBLOCK)
    try:
        os.write(descriptor, "[{0}] {1}\n".format(int(time.time()), command).encode("utf-8"))
    finally:
        os.close(descriptor)


def passive_result(pipe: Path, state: int, output: str) -> None:
    """A passive check result for the test service."""
    write_command(pipe, "PROCESS_SERVICE_CHECK_RESULT;{0};{1};{2};{3}".format(TEST_HOST, TEST_SERVICE, state, output))


def accepts_commands(pipe: Path) -> bool:
    """The FIFO has a reader: a stale one left by an earlier run has none (ENXIO)."""
    try:
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))
    except OSError:
        return False
    return True


class NagiosOnDebian:
    """``nagios4 /etc/nagios4/nagios.cfg`` in the foreground (it drops to the user nagios, as in production)."""

    command_pipe = NAGIOS_COMMAND_FILE

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.daemon: DaemonProcess | None = None

    def start(self) -> "NagiosOnDebian":
        for folder in ("/var/run/nagios4", "/var/lib/nagios4/rw", "/var/lib/nagios4/spool/checkresults"):
            Path(folder).mkdir(parents=True, exist_ok=True)
        self.daemon = DaemonProcess(["nagios4", str(NAGIOS_MAIN_CONFIG)], base_environment(), self.workdir / "nagios.out",
                                    self.workdir)
        wait_until(lambda: accepts_commands(self.command_pipe) or not self.daemon.is_running(), 20, "Nagios' command file",
                   details=self.output)
        assert self.daemon.is_running(), self.output()
        return self

    def output(self) -> str:
        log = Path("/var/log/nagios4/nagios.log")
        tail = "\n".join(log.read_text(encoding="utf-8", errors="replace").splitlines()[-30:]) if log.exists() else ""
        return (self.daemon.output() if self.daemon else "") + "\n--- nagios.log ---\n" + tail

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()


class IcingaOnDebian:
    """``icinga2 daemon`` with /etc/icinga2 as Debian ships it; what it writes goes to ``workdir``."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.command_pipe = workdir / "run" / "cmd" / "icinga2.cmd"
        self.daemon: DaemonProcess | None = None

    def test_objects(self, pager: str) -> str:
        return ICINGA_OBJECTS.format(command_path=self.command_pipe, pager=pager, host=TEST_HOST, service=TEST_SERVICE)

    def _options(self) -> List[str]:
        work = self.workdir
        paths = {"DataDir": work / "lib", "LogDir": work / "log", "CacheDir": work / "cache", "SpoolDir": work / "spool",
                 "InitRunDir": work / "run", "PidPath": work / "run" / "icinga2.pid", "StatePath": work / "lib" / "icinga2.state",
                 "ModAttrPath": work / "lib" / "modified-attributes.conf", "ObjectsPath": work / "cache" / "icinga2.debug",
                 "VarsPath": work / "cache" / "icinga2.vars"}
        for folder in ("lib", "log", "cache", "spool", "run/cmd"):
            (work / folder).mkdir(parents=True, exist_ok=True)
        return ["-c", str(ICINGA_MAIN_CONFIG)] + ["-DConfiguration.{0}={1}".format(name, path) for name, path in paths.items()]

    def start(self) -> "IcingaOnDebian":
        # Root instead of the user nagios: the test's scratch folders then need no chown.
        env = {**base_environment(), "ICINGA2_USER": "root", "ICINGA2_GROUP": "root"}
        self.daemon = DaemonProcess(["icinga2", "daemon", *self._options()], env, self.workdir / "icinga2.out", self.workdir)
        wait_until(lambda: (ICINGA_READY_LOG_LINE in self.output() and accepts_commands(self.command_pipe)) or not self.daemon.is_running(),
                   30, "Icinga 2 to activate its objects", details=self.output)
        assert self.daemon.is_running(), self.output()
        return self

    def output(self) -> str:
        return self.daemon.output() if self.daemon else ""

    def stop(self) -> None:
        if self.daemon is not None:
            self.daemon.stop()


def validate(argv: List[str]) -> subprocess.CompletedProcess:
    """The engine's own check of its whole configuration."""
    return subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120)
