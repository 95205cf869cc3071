# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Icinga 2 (Debian packages icinga2-bin, icinga2-common), headless, with all state in one scratch folder."""

from __future__ import annotations

import json
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

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

# Icinga 2's own conf.d/commands.conf: the arguments and vars of "mail-host-notification" and
# "mail-service-notification", which pass the alert to the stock mail scripts. A value is a macro, or
# the attributes of the argument (``required``, ``value``).
ArgumentValue = Union[str, Mapping[str, Any]]
STOCK_HOST_ARGUMENTS: Dict[str, ArgumentValue] = {
    "-4": "$notification_address$",
    "-6": "$notification_address6$",
    "-b": "$notification_author$",
    "-c": "$notification_comment$",
    "-d": {"required": True, "value": "$notification_date$"},
    "-f": {"value": "$notification_from$"},
    "-i": "$notification_icingaweb2url$",
    "-l": {"required": True, "value": "$notification_hostname$"},
    "-n": {"required": True, "value": "$notification_hostdisplayname$"},
    "-o": {"required": True, "value": "$notification_hostoutput$"},
    "-r": {"required": True, "value": "$notification_useremail$"},
    "-s": {"required": True, "value": "$notification_hoststate$"},
    "-t": {"required": True, "value": "$notification_type$"},
    "-v": "$notification_logtosyslog$",
    "-X": "$notification_hostnotes$",
}
STOCK_SERVICE_ARGUMENTS: Dict[str, ArgumentValue] = {
    **{letter: value for letter, value in STOCK_HOST_ARGUMENTS.items() if letter not in ("-o", "-s")},
    "-e": {"required": True, "value": "$notification_servicename$"},
    "-o": {"required": True, "value": "$notification_serviceoutput$"},
    "-s": {"required": True, "value": "$notification_servicestate$"},
    "-u": {"required": True, "value": "$notification_servicedisplayname$"},
    "-x": "$notification_servicenotes$",
}
STOCK_HOST_VARS: Dict[str, str] = {
    "notification_address": "$address$",
    "notification_address6": "$address6$",
    "notification_author": "$notification.author$",
    "notification_comment": "$notification.comment$",
    "notification_type": "$notification.type$",
    "notification_date": "$icinga.long_date_time$",
    "notification_hostname": "$host.name$",
    "notification_hostdisplayname": "$host.display_name$",
    "notification_hostoutput": "$host.output$",
    "notification_hoststate": "$host.state$",
    "notification_useremail": "$user.email$",
    "notification_hostnotes": "$host.notes$",
}
STOCK_SERVICE_VARS: Dict[str, str] = {
    **{name: value for name, value in STOCK_HOST_VARS.items() if name not in ("notification_hostoutput", "notification_hoststate")},
    "notification_servicename": "$service.name$",
    "notification_serviceoutput": "$service.output$",
    "notification_servicestate": "$service.state$",
    "notification_servicedisplayname": "$service.display_name$",
    "notification_servicenotes": "$service.notes$",
}


@dataclass(frozen=True)
class ArgumentSet:
    """The ``arguments`` (and ``vars``) of the host and the service NotificationCommand."""

    host: Mapping[str, ArgumentValue]
    service: Mapping[str, ArgumentValue]
    host_vars: Mapping[str, str] = field(default_factory=dict)
    service_vars: Mapping[str, str] = field(default_factory=dict)


# The letters the role's NotificationCommands use (no vars: the macros sit in the arguments).
MAIL_SCRIPT_LETTERS = ArgumentSet(HOST_ARGUMENTS, SERVICE_ARGUMENTS)
# The stock commands.conf, whose `command` a user points at another script.
STOCK_COMMANDS = ArgumentSet(STOCK_HOST_ARGUMENTS, STOCK_SERVICE_ARGUMENTS, STOCK_HOST_VARS, STOCK_SERVICE_VARS)

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
  address6 = "::1"
  display_name = {host_display}
  notes = {host_notes}
  check_command = "passive-only"
  enable_active_checks = false
  enable_passive_checks = true
  max_check_attempts = 1
}}

object Service {service} {{
  host_name = {host}
  display_name = {service_display}
  notes = {service_notes}
  check_command = "passive-only"
  enable_active_checks = false
  enable_passive_checks = true
  max_check_attempts = 1
}}

object User "oncall" {{
  display_name = "On call"
  pager = {pager}
  email = "oncall@example.org"
  enable_notifications = true
}}

object NotificationCommand "sms-host-notification" {{
  command = {host_command}
  arguments = {host_arguments}
  vars += {host_vars}
  env = {env}
}}

object NotificationCommand "sms-service-notification" {{
  command = {service_command}
  arguments = {service_arguments}
  vars += {service_vars}
  env = {env}
}}

apply Notification "sms" to Host {{
  command = "sms-host-notification"
  users = [ "oncall" ]
  interval = 0
  vars += {notification_vars}
  assign where true
}}

apply Notification "sms" to Service {{
  command = "sms-service-notification"
  users = [ "oncall" ]
  interval = 0
  vars += {notification_vars}
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


def dsl_arguments(arguments: Mapping[str, ArgumentValue]) -> str:
    """A command's ``arguments``: each a macro string, or a dictionary of its attributes."""
    def value(entry: ArgumentValue) -> str:
        if isinstance(entry, str):
            return dsl_string(entry, macros=True)
        attributes = "; ".join(f"{name} = {json.dumps(item) if isinstance(item, bool) else dsl_string(item, macros=True)}"
                               for name, item in entry.items())
        return "{ " + attributes + " }"
    lines = [f"    {json.dumps(letter)} = {value(entry)}" for letter, entry in arguments.items()]
    return "{\n" + "\n".join(lines) + "\n  }"


class Icinga2Instance(EngineInstance):
    """Icinga 2 with host ``web01``, service ``HTTP`` and user ``oncall`` whose pager is ``pager``.

    ``service_command`` (and ``host_command``, by default the same) is the NotificationCommand's
    ``command``: an argv array, run without a shell, followed by ``arguments``: the mail script's
    letters as the role passes them (MAIL_SCRIPT_LETTERS), or the stock commands.conf with its vars
    (STOCK_COMMANDS). ``notification_vars`` go to the Notification objects, whose vars win over the
    command's. ``notify_env`` becomes the command's ``env``; the daemon itself gets none of it.
    Host and service carry display names and notes (``host_display``, ``service_notes``, ...).
    """

    name = "Icinga 2"

    def __init__(
        self,
        workdir: Path,
        notify_env: Optional[Mapping[str, str]] = None,
        service_command: Sequence[str] = ("/bin/true",),
        host_command: Optional[Sequence[str]] = None,
        pager: str = DEFAULT_PAGER,
        arguments: ArgumentSet = MAIL_SCRIPT_LETTERS,
        notification_vars: Optional[Mapping[str, str]] = None,
        names: Optional[Mapping[str, str]] = None,
    ) -> None:
        super().__init__(workdir, notify_env, pager)
        self.service_command = list(service_command)
        self.host_command = self.service_command if host_command is None else list(host_command)
        self.arguments = arguments
        self.notification_vars = dict(notification_vars or {})
        self.names = {"host_display": HOST_NAME, "service_display": SERVICE_NAME, "host_notes": "", "service_notes": "", **(names or {})}

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
            host_arguments=dsl_arguments(self.arguments.host), service_arguments=dsl_arguments(self.arguments.service),
            host_vars=dsl_dictionary(self.arguments.host_vars, macros=True),
            service_vars=dsl_dictionary(self.arguments.service_vars, macros=True),
            notification_vars=dsl_dictionary(self.notification_vars, macros=True),
            env=dsl_dictionary(self.notify_env),
            **{name: dsl_string(value) for name, value in self.names.items()},
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
