# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Nagios 4 (Debian package nagios4-core), headless, with every file in one scratch folder."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Tuple

from .engine import DEFAULT_PAGER, HOST_NAME, SERVICE_NAME, EngineError, EngineInstance, base_environment, write_file

NAGIOS = "nagios4"
# sun_path holds 108 bytes on Linux, the terminating NUL included; pytest's tmp_path can be longer.
UNIX_SOCKET_PATH_MAX = 108

MAIN_CONFIG = """\
# Written by the test harness: a self-contained Nagios 4 that reacts within about a second.
log_file={workdir}/nagios.log
cfg_file={workdir}/objects.cfg
object_cache_file={workdir}/objects.cache
precached_object_file={workdir}/objects.precache
status_file={workdir}/status.dat
state_retention_file={workdir}/retention.dat
retain_state_information=0
use_retained_program_state=0
use_retained_scheduling_info=0
temp_file={workdir}/nagios.tmp
temp_path={workdir}/tmp
lock_file={workdir}/nagios.lock
check_result_path={workdir}/checkresults
query_socket={query_socket}
command_file={workdir}/nagios.cmd
check_external_commands=1
nagios_user=root
nagios_group=root
use_syslog=0
log_notifications=1
log_passive_checks=1
log_external_commands=1
event_broker_options=0
# Seconds instead of minutes for every interval, and results reaped every second.
interval_length=1
check_result_reaper_frequency=1
status_update_interval=1
# 1: commands also see every macro as a NAGIOS_* variable, which keeps the characters stripped below.
enable_environment_macros={environment_macros}
# Debian's default: stripped from $...OUTPUT$ macros on command lines, kept in NAGIOS_* variables.
illegal_macro_output_chars=`~$&|'"<>
enable_notifications=1
execute_service_checks=1
accept_passive_service_checks=1
accept_passive_host_checks=1
passive_host_checks_are_soft=0
check_service_freshness=0
check_host_freshness=0
enable_flap_detection=0
notification_timeout=30
# One worker is plenty for one host and keeps start and stop quick.
check_workers=1
"""

OBJECTS = """\
define timeperiod {{
    timeperiod_name    always
    alias              always
    sunday             00:00-24:00
    monday             00:00-24:00
    tuesday            00:00-24:00
    wednesday          00:00-24:00
    thursday           00:00-24:00
    friday             00:00-24:00
    saturday           00:00-24:00
}}

define command {{
    command_name    passive-only
    command_line    /bin/true
}}

define command {{
    command_name    notify-host-by-sms
    command_line    {host_command_line}
}}

define command {{
    command_name    notify-service-by-sms
    command_line    {service_command_line}
}}

define contact {{
    contact_name                     oncall
    alias                            On call
    pager                            {pager}
    host_notifications_enabled       1
    service_notifications_enabled    1
    host_notification_period         always
    service_notification_period      always
    host_notification_options        d,u,r
    service_notification_options     w,u,c,r
    host_notification_commands       {host_notification_command}
    service_notification_commands    {service_notification_command}
}}

define host {{
    host_name                 {host}
    alias                     {host}
    address                   127.0.0.1
    check_command             passive-only
    max_check_attempts        1
    check_period              always
    active_checks_enabled     0
    passive_checks_enabled    1
    notifications_enabled     1
    notification_options      d,u,r
    notification_period       always
    notification_interval     0
    first_notification_delay  0
    contacts                  oncall
}}

define service {{
    host_name                 {host}
    service_description       {service}
    check_command             passive-only
    max_check_attempts        1
    check_interval            60
    retry_interval            60
    check_period              always
    active_checks_enabled     0
    passive_checks_enabled    1
    notifications_enabled     1
    notification_options      w,u,c,r
    notification_period       always
    notification_interval     0
    first_notification_delay  0
    contacts                  oncall
}}

{extra_objects}
"""


def object_value(value: str) -> str:
    """A value for an object definition, where ';' starts a comment and a newline ends the value."""
    if "\n" in value or "\r" in value:
        raise ValueError(f"a Nagios object value is one line: {value!r}")
    return value.replace(";", "\\;")


class Nagios4Instance(EngineInstance):
    """Nagios 4 with host ``web01``, service ``HTTP`` and contact ``oncall`` whose pager is ``pager``.

    ``service_command_line`` (and ``host_command_line``, by default the same) is the notification
    command's ``command_line``, written as given: Nagios macros such as ``$CONTACTPAGER$`` work,
    a literal ``$`` is ``$$``. With ``environment_macros`` the command also sees every ``NAGIOS_*``
    environment macro. It always sees ``notify_env``, which the daemon is started with: Nagios hands
    its own environment on to notification commands.

    ``extra_objects`` (object definitions, e.g. the role's commands) go into the configuration too;
    ``contact_commands`` names the contact's host and service notification commands in them.
    """

    name = "Nagios 4"

    def __init__(
        self,
        workdir: Path,
        notify_env: Optional[Mapping[str, str]] = None,
        service_command_line: str = "/bin/true",
        host_command_line: Optional[str] = None,
        pager: str = DEFAULT_PAGER,
        environment_macros: bool = True,
        extra_objects: str = "",
        contact_commands: Tuple[str, str] = ("notify-host-by-sms", "notify-service-by-sms"),
    ) -> None:
        super().__init__(workdir, notify_env, pager)
        self.service_command_line = service_command_line
        self.host_command_line = service_command_line if host_command_line is None else host_command_line
        self.environment_macros = environment_macros
        self.extra_objects = extra_objects
        self.contact_commands = contact_commands
        self._short_socket_folder: Optional[Path] = None

    @property
    def main_config(self) -> Path:
        """nagios.cfg."""
        return self.workdir / "nagios.cfg"

    @property
    def query_socket(self) -> Path:
        """The query handler's Unix socket, in ``workdir`` unless that path is too long for a socket."""
        socket = self.workdir / "nagios.qh"
        if len(bytes(socket)) < UNIX_SOCKET_PATH_MAX:
            return socket
        if self._short_socket_folder is None:
            self._short_socket_folder = Path(tempfile.mkdtemp(prefix="nagios4-"))
        return self._short_socket_folder / "nagios.qh"

    @property
    def command_pipe(self) -> Path:
        return self.workdir / "nagios.cmd"

    @property
    def log_path(self) -> Path:
        return self.workdir / "nagios.log"

    def write_config(self) -> Path:
        for folder in ("tmp", "checkresults"):
            (self.workdir / folder).mkdir(exist_ok=True)
        write_file(self.workdir / "objects.cfg", OBJECTS.format(
            host=HOST_NAME, service=SERVICE_NAME, pager=object_value(self.pager),
            host_command_line=object_value(self.host_command_line),
            service_command_line=object_value(self.service_command_line),
            host_notification_command=self.contact_commands[0], service_notification_command=self.contact_commands[1],
            extra_objects=self.extra_objects,
        ))
        return write_file(self.main_config, MAIN_CONFIG.format(workdir=self.workdir, query_socket=self.query_socket,
                                                               environment_macros=int(self.environment_macros)))

    def validate(self) -> str:
        self.write_config()
        result = subprocess.run(
            [self._binary(), "-v", str(self.main_config)], capture_output=True, text=True, check=False,
            env=self.daemon_environment(), cwd=self.workdir, timeout=60,
        )
        if result.returncode != 0:
            raise EngineError(f"nagios4 -v refused {self.main_config}:\n{result.stdout}{result.stderr}")
        return result.stdout

    def daemon_argv(self) -> List[str]:
        return [self._binary(), str(self.main_config)]

    def daemon_environment(self) -> Dict[str, str]:
        return {**base_environment(), **self.notify_env}

    def stop(self, timeout: float = 10.0, helper_grace: float = 3.0) -> None:
        super().stop(timeout, helper_grace)
        if self._short_socket_folder is not None:
            shutil.rmtree(self._short_socket_folder, ignore_errors=True)

    def notifications_logged(self) -> List[str]:
        """The ``SERVICE NOTIFICATION`` / ``HOST NOTIFICATION`` lines of the log."""
        return [line for line in self.log().splitlines() if " NOTIFICATION: " in line]

    @staticmethod
    def _binary() -> str:
        binary = shutil.which(NAGIOS) or shutil.which(NAGIOS, path="/usr/sbin:/usr/local/sbin")
        if binary is None:
            raise EngineError("nagios4 not found: install the Debian package nagios4-core")
        return binary
