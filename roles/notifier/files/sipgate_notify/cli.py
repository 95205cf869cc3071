# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command line: options, help, choosing the engine's input, exit codes."""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import Mapping, Optional, Sequence

from sipgate_api.api_url import plain_http_warning  # pylint: disable=import-error
from sipgate_api.state_file import StateFileError  # pylint: disable=import-error
from sipgate_api.credentials import Credentials, choose_credentials  # pylint: disable=import-error
from sipgate_api.errors import SmsValidationError  # pylint: disable=import-error
from sipgate_api.request import validate_sms_id  # pylint: disable=import-error

from . import alert as alerts
from . import journal
from .config import DEFAULT_CONFIG_FILE, DEFAULT_STATE_DIR, ConfigError, Settings, load
from .message import TEMPLATE_FIELDS, TemplateError
from .run import EXIT_PERMANENT, Run, RunResult

DESCRIPTION = """\
Send a monitoring alert as an SMS through sipgate.

The alert comes from, in this order:
  - Icinga 2: the options below with the letters of the stock mail-*-notification.sh;
  - Checkmk: the NOTIFY_* environment (NOTIFY_WHAT, NOTIFY_NOTIFICATIONTYPE, NOTIFY_HOSTNAME,
    NOTIFY_SERVICEDESC, NOTIFY_HOSTSTATE/SERVICESTATE, NOTIFY_HOSTOUTPUT/SERVICEOUTPUT,
    NOTIFY_CONTACTPAGER; NOTIFY_PARAMETER_n that are phone numbers add recipients);
  - Nagios 4 / Naemon: the NAGIOS_* environment macros (enable_environment_macros=1):
    NAGIOS_NOTIFICATIONTYPE, NAGIOS_HOSTNAME, NAGIOS_SERVICEDESC, NAGIOS_HOSTSTATE/SERVICESTATE,
    NAGIOS_HOSTOUTPUT/SERVICEOUTPUT, NAGIOS_CONTACTPAGER, NAGIOS_NOTIFICATIONAUTHOR/COMMENT, ...
Host and service alerts, every notification type; several recipients separated by commas.
"""

EPILOG = """\
settings (file, then environment, which wins):
  [sipgate]  token_id, token, sms_id, api_url, validate_certs
  [notify]   template, max_segments (1), dedup_window (900 s), budget (5 SMS),
             budget_window (600 s), state_dir, recipients (when the alert names none),
             spool_max_age (86400 s: older undelivered SMS are given up, and journaled),
             region (DE: the country national numbers are read in, ISO 3166 alpha-2)
  environment: SIPGATE_TOKEN_ID, SIPGATE_TOKEN, SIPGATE_SMS_ID, SIPGATE_API_URL,
             SIPGATE_SMS_STATE_DIR (default {state_dir})
  The file must not be readable by group or others (chmod 600): it holds the token.
  Secrets are never taken from the command line, which every user sees in ps.
  Without sms_id the account's first SMS extension is looked up (scope sms:read).
  Recipients in international format (+4915799912345, 0049...) or national (0157 ...) in region;
  a number that libphonenumber does not call valid there is refused with the reason, and so are
  digits without + or leading 0 (15799912345 could be a German or a Canadian number).
  api_url: plain http is refused except on loopback (a test endpoint), where it is warned about.

message template (str.format), default "{{type}} {{subject}} {{state}}{{note}}: {{output}}":
  fields: {fields}
  The text is made GSM-7 (typographic characters replaced), white space folded, and cut to
  max_segments at a word boundary; the output is cut, never host, service or state.

alert storms: a repeat of the same type and state for the same host/service and recipient
  within dedup_window is dropped; over budget, alerts are held and go out as one digest SMS
  ("3 held: web01/HTTP CRITICAL, db1 DOWN->UP, ...") on the first run or --flush after the
  budget has room again; a recovery of a problem that was texted goes out over budget.

state directory: state.json (dedup, budget, held alerts, spool; shared under a lock) and
  journal.jsonl (one JSON line per alert and recipient: sent, deduplicated, held, spooled,
  failed, digest_sent; with time, host/service/state and the text; never a secret).
  --dry-run reads the state but writes neither file.

exit codes:
  0  delivered, or deliberately held back (deduplicated, held for a digest)
  1  temporary failure: the SMS is spooled, a later run or --flush delivers it
  2  permanent error: settings, credentials, bad input (the alert is journaled as failed)
"""

# Letters of Icinga 2's stock mail-*-notification.sh that carry the alert.
ICINGA_LETTERS = {"t": "notification type (PROBLEM, RECOVERY, ...)", "l": "host name", "n": "host display name",
                  "e": "service name (omit for a host alert)", "u": "service display name", "s": "state",
                  "o": "plugin output", "r": "recipient phone number(s), comma-separated", "d": "date and time",
                  "b": "author (acknowledgement, downtime, custom)", "c": "comment"}
# The stock script's other letters (addresses, sender, Icinga Web URL, logging): accepted, not needed for an SMS.
IGNORED_LETTERS = ("4", "6", "f", "i", "v", "X")
SECRET_OPTIONS = ("--token", "--password", "--access-token", "--access_token", "--secret", "--api-token", "--api_token")


class _IcingaArgumentParser(argparse.ArgumentParser):
    """argparse that takes a value starting with '-' for the Icinga letters, as the stock script's getopts does."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        options, rest = super().parse_known_args(attach_dashed_values(sys.argv[1:] if args is None else args), namespace)
        for name, value in vars(options).items():
            if isinstance(value, str) and value.startswith(GLUE):
                setattr(options, name, value[len(GLUE):])
        return options, rest


def parser() -> argparse.ArgumentParser:
    parse = _IcingaArgumentParser(prog="sipgate-sms-notify", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog=EPILOG.format(state_dir=DEFAULT_STATE_DIR, fields=", ".join(TEMPLATE_FIELDS)))
    parse.add_argument("--config", metavar="FILE", help="settings file (default {0}, used when it exists)".format(DEFAULT_CONFIG_FILE))
    parse.add_argument("--flush", action="store_true", help="deliver spooled SMS and due digests (also done by every run)")
    parse.add_argument("--dry-run", action="store_true",
                       help="print the SMS per recipient (text, encoding, segments) and what would be done; send nothing, write no state")
    icinga = parse.add_argument_group("Icinga 2 (letters of the stock mail-*-notification.sh)")
    for letter, meaning in ICINGA_LETTERS.items():
        icinga.add_argument("-" + letter, dest="icinga_" + letter, metavar="VALUE", help=meaning)
    for letter in IGNORED_LETTERS:
        icinga.add_argument("-" + letter, dest="ignored_" + letter, metavar="VALUE", help=argparse.SUPPRESS)
    return parse


# Marks a glued value, so argparse does not strip a value that is exactly '--'.
GLUE = "\x00"


def attach_dashed_values(argv: Sequence[str]) -> list:
    """Glue a value that starts with '-' to its letter (-o -nodata becomes -o-nodata).

    Icinga passes each macro as its own argument; plugin output like '-nodata' or '-1' would
    otherwise be taken for an option and the alert refused before it is journaled.
    """
    letters = {"-" + letter for letter in (*ICINGA_LETTERS, *IGNORED_LETTERS)}
    glued: list = []
    arguments = list(argv)
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument in letters and index + 1 < len(arguments) and arguments[index + 1].startswith("-"):
            glued.append(argument + GLUE + arguments[index + 1])
            index += 2
            continue
        glued.append(argument)
        index += 1
    return glued


def refuse_secrets(argv: Sequence[str]) -> Optional[str]:
    for argument in argv:
        if argument.split("=", 1)[0].lower().startswith(SECRET_OPTIONS):
            return ("{0}: secrets are never taken from the command line (every user sees it in ps); put token_id and token "
                    "into the settings file (chmod 600) or SIPGATE_TOKEN_ID / SIPGATE_TOKEN into the environment".format(argument.split("=", 1)[0]))
    return None


def alert_from(options: argparse.Namespace, env: Mapping[str, str]) -> Optional[alerts.Alert]:
    given = {letter: getattr(options, "icinga_" + letter) for letter in ICINGA_LETTERS}
    if any(value is not None for value in given.values()):
        return alerts.from_icinga_options(given)
    return alerts.from_environment(env)


def credentials_of(settings: Settings) -> Credentials:
    if settings.sms_id:
        validate_sms_id(settings.sms_id)
    return choose_credentials(token_id=settings.token_id or None, token=settings.token or None)


def print_previews(result: RunResult) -> None:
    for preview in result.previews:
        print("{recipient} [{kind}, {encoding}, {segments} segment(s), {characters} units]: {text}".format(**preview))
    for entry in result.records:
        print(journal.describe(entry))
    if not result.previews and not result.records:
        print("nothing would be sent")


def warn_about(warning: Optional[str]) -> None:
    if warning:
        sys.stderr.write("{0}: warning: {1}\n".format(journal.IDENT, warning))


def fail(message: str) -> int:
    sys.stderr.write("{0}: {1}\n".format(journal.IDENT, message))
    return EXIT_PERMANENT


def journal_refusal(settings: Optional[Settings], alert: Optional[alerts.Alert], reason: str) -> None:
    """A run refused for its settings still leaves a trace of the alert, where the state directory allows."""
    if settings is None or alert is None:
        return
    try:
        from pathlib import Path  # pylint: disable=import-outside-toplevel

        entry = journal.record(journal.FAILED, time.time(), ",".join(alert.recipients), reason, alert.summary())
        journal.append(Path(settings.state_dir), [entry])
    except OSError:
        pass


def main(argv: Sequence[str], env: Optional[Mapping[str, str]] = None) -> int:
    started = time.monotonic()
    env = os.environ if env is None else env
    refusal = refuse_secrets(argv)
    if refusal:
        return fail(refusal)
    options = parser().parse_args(list(argv))
    settings: Optional[Settings] = None
    alert: Optional[alerts.Alert] = None
    try:
        alert = alert_from(options, env)
        if alert is None and not options.flush:
            return fail("no alert: give the Icinga options (-t -l -s ...), or run from Nagios (NAGIOS_*) or Checkmk (NOTIFY_*); "
                        "--flush delivers what waits; --help explains")
        settings = load(options.config, env)
        warn_about(plain_http_warning(settings.api_url))
        credentials = credentials_of(settings)
        run = Run(settings, credentials, started=started)
        if options.dry_run:
            result = run.preview(alert)
            print_previews(result)
            return result.exit_code
        result = run.execute(alert)
    except (alerts.AlertError, ConfigError, SmsValidationError, TemplateError, StateFileError) as error:
        journal_refusal(settings, alert, str(error))
        return fail(str(error))
    except OSError as error:
        journal_refusal(settings, alert, str(error))
        return fail("cannot use the state directory {0}: {1}".format(settings.state_dir if settings else "?", error))
    journal.log(result.records)
    return result.exit_code
