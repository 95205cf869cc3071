# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Icinga 2 (Debian packages icinga2-bin, icinga2-common), headless, with all state in one scratch folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence

from .engine import DEFAULT_PAGER, HOST_NAME, SERVICE_NAME, EngineError, EngineInstance, base_environment, write_file

ICINGA = "icinga2"

# The letters of Icinga 2's stock mail-*-notification.sh, so a stock command switches by its `command`.
HOST_ARGUMENTS: Dict[str, str] = {
    "-t": "$notification.type$",
    "-l": "$host.name$",
    "-n": "$host.display_name$",
    "-s": "$host.state$",
    "-o": "$host.output$",
    "-r": "$user.pager$",
    "-d": "$icinga.long_date_time$",
    "-b": "$notification.author$",
    "-c": "$notification.comment$",
}
SERVICE_ARGUMENTS: Dict[str, str] = {
    **HOST_ARGUMENTS,
    "-e": "$service.name$",
    "-u": "$service.display_name$",
    "-s": "$service.state$",
    "-o": "$service.output$",
}

# Logged once every object, the command listener and the notification component included, is active.
READY_LOG_LINE = "Activated all objects."

CONFIG = """\
// Written by the test harness: a self-contained Icinga 2, nothing read from /etc/icinga2.
object IcingaApplication "app" {{ }}
object NotificationComponent "notification" {{ }}
object ExternalCommandListener "command" {{
  command_path = {command_path}
}}

object CheckCommand "passive-only" {{
  command = [ "/bin/true" ]
}}

object Host {host} {{
  address = "127.0.0.1"
  check_command = "passive-only"
  enable_active_checks = false
  enable_passive_checks = true
  max_check_attempts = 1
}}

object Service {service} {{
  host_name = {host}
  check_command = "passive-only"
  enable_active_checks = false
  enable_passive_checks = true
  max_check_attempts = 1
}}

object User "oncall" {{
  display_name = "On call"
  pager = {pager}
  enable_notifications = true
}}

object NotificationCommand "sms-host-notification" {{
  command = {host_command}
  arguments = {host_arguments}
  env = {env}
}}

object NotificationCommand "sms-service-notification" {{
  command = {service_command}
  arguments = {service_arguments}
  env = {env}
}}

apply Notification "sms" to Host {{
  command = "sms-host-notification"
  users = [ "oncall" ]
  interval = 0
  assign where true
}}

apply Notification "sms" to Service {{
  command = "sms-service-notification"
  users = [ "oncall" ]
  interval = 0
  assign where true
}}
"""


def dsl_string(value: str, macros: bool = False) -> str:
    """An Icinga 2 string literal; unless ``macros``, a ``$`` stays a literal dollar sign.

    JSON string escapes (``\\"``, ``\\\\``, ``\\n``) are also Icinga 2's.
    """
    return json.dumps(value if macros else value.replace("$", "$$"), ensure_ascii=False)


def dsl_array(values: Sequence[str]) -> str:
    """An array of literal strings, e.g. a command's argv."""
    return "[ " + ", ".join(dsl_string(value) for value in values) + " ]"


def dsl_dictionary(entries: Mapping[str, str], macros: bool = False) -> str:
    """A dictionary with string values; keys are quoted, so any name works."""
    lines = [f"    {json.dumps(key)} = {dsl_string(value, macros)}" for key, value in entries.items()]
    return "{\n" + "\n".join(lines) + "\n  }" if lines else "{ }"


class Icinga2Instance(EngineInstance):
    """Icinga 2 with host ``web01``, service ``HTTP`` and user ``oncall`` whose pager is ``pager``.

    ``service_command`` (and ``host_command``, by default the same) is the NotificationCommand's
    ``command``: an argv array, run without a shell, followed by the stock mail script's options
    (HOST_ARGUMENTS, SERVICE_ARGUMENTS). ``notify_env`` becomes the command's ``env``, the way
    secrets are meant to reach it; the daemon itself gets none of them.
    """

    name = "Icinga 2"

    def __init__(
        self,
        workdir: Path,
        notify_env: Optional[Mapping[str, str]] = None,
        service_command: Sequence[str] = ("/bin/true",),
        host_command: Optional[Sequence[str]] = None,
        pager: str = DEFAULT_PAGER,
    ) -> None:
        super().__init__(workdir, notify_env, pager)
        self.service_command = list(service_command)
        self.host_command = self.service_command if host_command is None else list(host_command)

    @property
    def main_config(self) -> Path:
        """icinga2.conf."""
        return self.workdir / "icinga2.conf"

    @property
    def command_pipe(self) -> Path:
        return self.workdir / "run" / "cmd" / "icinga2.cmd"

    @property
    def log_path(self) -> Path:
        # The console log, unbuffered; a FileLogger flushes only every second or so.
        return self.console_path

    def write_config(self) -> Path:
        for folder in ("lib", "log", "cache", "spool", "run/cmd"):
            (self.workdir / folder).mkdir(parents=True, exist_ok=True)
        # The command's env may hold secrets: only the owner reads the file.
        return write_file(self.main_config, CONFIG.format(
            command_path=dsl_string(str(self.command_pipe)),
            host=dsl_string(HOST_NAME), service=dsl_string(SERVICE_NAME), pager=dsl_string(self.pager),
            host_command=dsl_array(self.host_command), service_command=dsl_array(self.service_command),
            host_arguments=dsl_dictionary(HOST_ARGUMENTS, macros=True),
            service_arguments=dsl_dictionary(SERVICE_ARGUMENTS, macros=True),
            env=dsl_dictionary(self.notify_env),
        ), mode=0o600)

    def validate(self) -> str:
        self.write_config()
        result = subprocess.run(
            [self._binary(), "daemon", "-C", *self._options()], capture_output=True, text=True, check=False,
            env=self.daemon_environment(), cwd=self.workdir, timeout=60,
        )
        if result.returncode != 0:
            raise EngineError(f"icinga2 daemon -C refused {self.main_config}:\n{result.stdout}{result.stderr}")
        return result.stdout

    def daemon_argv(self) -> List[str]:
        return [self._binary(), "daemon", *self._options()]

    def daemon_environment(self) -> Dict[str, str]:
        # Icinga 2 would switch to the user 'nagios' by default; the tests run as root.
        return {**base_environment(), "ICINGA2_USER": "root", "ICINGA2_GROUP": "root"}

    def is_ready(self) -> bool:
        # The pipe opens before the other objects are active: wait for both.
        return READY_LOG_LINE in self.log() and super().is_ready()

    def notifications_logged(self) -> List[str]:
        """The log lines of notifications sent."""
        return [line for line in self.log().splitlines() if "Completed sending" in line]

    def _options(self) -> List[str]:
        """The configuration file and every path Icinga 2 writes to, all under ``workdir``."""
        work = self.workdir
        paths = {
            "ConfigDir": work,
            "DataDir": work / "lib",
            "LogDir": work / "log",
            "CacheDir": work / "cache",
            "SpoolDir": work / "spool",
            "InitRunDir": work / "run",
            "PidPath": work / "run" / "icinga2.pid",
            "StatePath": work / "lib" / "icinga2.state",
            "ModAttrPath": work / "lib" / "modified-attributes.conf",
            "ObjectsPath": work / "cache" / "icinga2.debug",
            "VarsPath": work / "cache" / "icinga2.vars",
            "IncludeConfDir": work / "conf.d",
            "ZonesDir": work / "zones.d",
        }
        return ["-c", str(self.main_config)] + [f"-DConfiguration.{name}={path}" for name, path in paths.items()]

    @staticmethod
    def _binary() -> str:
        binary = shutil.which(ICINGA) or shutil.which(ICINGA, path="/usr/sbin:/usr/local/sbin")
        if binary is None:
            raise EngineError("icinga2 not found: install the Debian packages icinga2-bin and icinga2-common")
        return binary
