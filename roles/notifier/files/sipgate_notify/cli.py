# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command line: options, help, choosing the engine's input, exit codes."""

from __future__ import annotations

import argparse
import os
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import IO, List, Mapping, Optional, Sequence, Tuple

from sipgate_api.api_url import plain_http_warning  # pylint: disable=import-error
from sipgate_api.state_file import StateFileError  # pylint: disable=import-error
from sipgate_api.credentials import Credentials, choose_credentials  # pylint: disable=import-error
from sipgate_api.errors import SmsValidationError  # pylint: disable=import-error
from sipgate_api.request import validate_sms_id  # pylint: disable=import-error

from . import alert as alerts
from . import checkmk_bulk, decoding, events, journal
from .config import DEFAULT_CONFIG_FILE, DEFAULT_STATE_DIR, ConfigError, Settings, load
from .alertmanager import DEFAULT_LISTEN, WEBHOOK_PATH
from .alertmanager import TEMPLATE_FIELDS as WEBHOOK_FIELDS
from .message import TEMPLATE_FIELDS, TemplateError
from .run import EXIT_PERMANENT, Run, RunResult

DESCRIPTION = """\
Send a monitoring alert as an SMS through sipgate.

The alert comes from, in this order:
  - options with the letters of Icinga 2's stock mail-*-notification.sh (below): Icinga 2, and
    Nagios 4 / Naemon commands that pass their macros as arguments (-t '$NOTIFICATIONTYPE$'
    -l '$HOSTNAME$' -s '$SERVICESTATE$' -o '$SERVICEOUTPUT$' -r '$CONTACTPAGER$' ...); where
    Nagios also sets NAGIOS_* environment macros for the same alert, those complete them
    (intact output, display names, comments);
  - Checkmk: the NOTIFY_* environment (NOTIFY_WHAT, NOTIFY_NOTIFICATIONTYPE, NOTIFY_HOSTNAME,
    NOTIFY_SERVICEDESC, NOTIFY_HOSTSTATE/SERVICESTATE, NOTIFY_HOSTOUTPUT/SERVICEOUTPUT,
    NOTIFY_CONTACTPAGER; NOTIFY_PARAMETER_n that are phone numbers add recipients), or with
    --bulk a Checkmk bulk on standard input (a script header "# Bulk: yes");
  - Nagios 4 / Naemon: the NAGIOS_* environment macros (enable_environment_macros=1):
    NAGIOS_NOTIFICATIONTYPE, NAGIOS_HOSTNAME, NAGIOS_SERVICEDESC, NAGIOS_HOSTSTATE/SERVICESTATE,
    NAGIOS_HOSTOUTPUT/SERVICEOUTPUT, NAGIOS_CONTACTPAGER, NAGIOS_NOTIFICATIONAUTHOR/COMMENT, ...
Host and service alerts, every notification type; several recipients separated by commas.
An unknown option is ignored with a warning (stderr and journal); the alert is sent all the same.

With --serve it is instead an HTTP receiver for Prometheus Alertmanager's webhook and Grafana's
webhook contact point (see "webhook receiver" below).
"""

EPILOG = """\
settings (file, then environment, which wins):
  [sipgate]  token_id, token, sms_id, api_url, validate_certs
  [notify]   template, max_segments (1), dedup_window (900 s), budget (5 SMS),
             budget_window (600 s), state_dir, recipients (when the alert names none),
             spool_max_age (86400 s: older undelivered SMS are given up, and journaled),
             unknown_hold_off (120 s before an SMS of unknown delivery goes out once more),
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
  {{subject}} is host/service with the display names where the engine gives them (Icinga -n -u,
  Nagios $HOSTDISPLAYNAME$ ...), else the names; {{host}} and {{service}} are always the names.
  The text is made GSM-7 (typographic characters replaced), white space folded, and cut to
  max_segments at a word boundary; the output is cut, never host, service or state.

alert storms: a repeat of the same type and state for the same host/service and recipient
  within dedup_window is dropped; over budget, alerts are held and go out as one digest SMS
  ("3 held: web01/HTTP CRITICAL, db1 DOWN->UP, ...") on the first run or --flush after the
  budget has room again; a recovery of a problem that was texted goes out over budget.
  A Checkmk bulk is one SMS per recipient ("3 alerts: web01/HTTP CRITICAL, db1 DOWN, +1 more",
  worst first) and costs one SMS of the budget; each of its alerts is journaled.

delivery (a send is repeated only when it surely had no effect):
  no connection, HTTP 429 or 503     retried at once, then spooled: the next run or --flush sends it
  HTTP 401, 402, 403, 404, 405, 415  spooled (exit 2): sent by --flush once the cause is fixed
  HTTP 500                           spooled: tried again until spool_max_age
  HTTP 400, 413, 422                 this SMS is malformed: given up, journaled as failed
  HTTP 502, 504, timeout, lost       delivery unknown: sent once more after unknown_hold_off
    answer, or a run that died mid-    (120 s); unknown a second time, it is quarantined in
    send                               state.json and never sent again
  Before a request goes out it is written to state.json as in flight; the outcome replaces it.
  SIGTERM or SIGINT mid-send records what is known, then the run exits 1.

webhook receiver (--serve [HOST:]PORT, default {listen}):
  POST {webhook}?to=+49...,+49...  one notification (Alertmanager's payload version 4, or
                            Grafana's); a '+' in the query is the number's own; without ?to= the
                            numbers of the receiver's name in [receivers], else [notify] recipients
  GET /healthz              200 when webhooks can be journaled
  One SMS per group and recipient, "FIRING 3 HighLatency web01,web02,+1: summary": every alert
  of the group goes through deduplication, budget and digests like an engine's alert, and is
  journaled. The answer comes once every SMS is journaled or in the outbox: 200; 400 malformed
  payload, 401 token, 413 too large, 422 no or an invalid recipient; 503 when the journal or
  the state could not take it (the sender's retry is deduplicated). The spool is flushed every
  flush_interval seconds. SIGTERM: no new calls, those in progress finish or stay in the outbox.
  [notify]    alertmanager_template, default "{{status}} {{count}} {{alertname}}{{hosts}}{{also}}: {{summary}}"
              fields: {webhook_fields}
              ({{hosts}} and {{also}} start with a space when not empty; the summary is cut first)
  [serve]     bearer_token (required to listen beyond loopback; at least 16 characters),
              flush_interval (30 s)
  [receivers] receiver name = numbers, e.g. oncall = +4915799912345, 0157 99912346

state directory: state.json (dedup, budget, held alerts, outbox, quarantine; shared under a
  lock) and journal.jsonl (one JSON line per alert and recipient: sent, digest_sent,
  deduplicated, held, spooled, delivery_unknown, quarantined, failed, state_problem; with time,
  host/service/state and the text; never a secret). An unusable state.json is set aside and
  the alert still goes out. --dry-run reads the state but writes neither file.

exit codes:
  0  delivered, or deliberately held back (deduplicated, held for a digest)
  1  temporary: the SMS is spooled or its delivery is unknown; a later run or --flush sends
     it (also: stopped by a signal, or not sent and not spoolable while the state is unusable)
  2  permanent: bad settings or input (journaled as failed), credentials or permissions
     refused (journaled as spooled, sent once fixed), an SMS refused as malformed (failed),
     or one quarantined
"""

# Letters of Icinga 2's stock mail-*-notification.sh that carry the alert.
ICINGA_LETTERS = {"t": "notification type (PROBLEM, RECOVERY, ...)", "l": "host name", "n": "host display name",
                  "e": "service name (omit for a host alert)", "u": "service display name", "s": "state",
                  "o": "plugin output", "r": "recipient phone number(s), comma-separated", "d": "date and time",
                  "b": "author (acknowledgement, downtime, custom)", "c": "comment"}
# The stock scripts' other letters (addresses, notes, sender, Icinga Web URL, syslog): accepted, not needed for an SMS.
IGNORED_LETTERS = ("4", "6", "f", "i", "v", "X", "x")
LETTER_OPTIONS = frozenset("-" + letter for letter in (*ICINGA_LETTERS, *IGNORED_LETTERS))
VALUE_OPTIONS = ("--config",)
# Options whose value may be left out.
OPTIONAL_VALUE_OPTIONS = ("--serve",)
FLAG_OPTIONS = ("--flush", "--dry-run", "--bulk", "-h", "--help")
SECRET_OPTIONS = ("--token", "--password", "--access-token", "--access_token", "--secret", "--api-token", "--api_token")
# Starts every option's value, so argparse takes any value, even '--' or '-1', as it is.
GLUE = "\x00"


def _is_option(argument: str) -> bool:
    """An option of ours as a word of its own (``-t``, ``--config``, ``--config=FILE``, ``--flush``)."""
    return (argument in LETTER_OPTIONS or argument in VALUE_OPTIONS or argument in OPTIONAL_VALUE_OPTIONS or argument in FLAG_OPTIONS
            or argument.startswith(("--config=", "--serve=")))


def sort_arguments(argv: Sequence[str]) -> Tuple[list, list]:
    """The arguments for the parser, each value glued to its option; and the arguments it does not know.

    Like the stock script's getopts, a letter takes the next word whatever it looks like: plugin
    output such as '-1' or '-nodata' is a value. An unknown option takes the next word as its value
    unless that is one of ours, so an unknown letter with its value is skipped as a whole and the
    alert still goes out.
    """
    known: list = []
    unknown: list = []
    arguments = list(argv)
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        following = arguments[index + 1] if index + 1 < len(arguments) else None
        if argument in LETTER_OPTIONS or argument in VALUE_OPTIONS:
            known.append(argument + (GLUE if argument in LETTER_OPTIONS else "=" + GLUE) + (following or ""))
            index += 2
        elif argument.startswith(("--config=", "--serve=")):
            name, _equals, value = argument.partition("=")
            known.append(name + "=" + GLUE + value)
            index += 1
        elif argument in OPTIONAL_VALUE_OPTIONS:
            takes_value = following is not None and not following.startswith("-")
            known.append(argument + ("=" + GLUE + following if takes_value else ""))
            index += 2 if takes_value else 1
        elif argument[:2] in LETTER_OPTIONS and not argument.startswith("--"):
            known.append(argument[:2] + GLUE + argument[2:])  # attached, as getopts allows: -tPROBLEM
            index += 1
        elif argument in FLAG_OPTIONS:
            known.append(argument)
            index += 1
        elif argument.startswith("-") and len(argument) > 1 and "=" not in argument and following is not None and not _is_option(following):
            unknown.append([argument, following])
            index += 2
        else:
            unknown.append([argument])
            index += 1
    return known, unknown


def ignored_arguments(unknown: Sequence[Sequence[str]]) -> list:
    """A warning per argument the notifier does not know; values are not repeated (they may be long or private)."""
    warnings = []
    for words in unknown:
        if words[0].startswith("-") and len(words[0]) > 1:
            name = words[0].split("=", 1)[0]
            warnings.append("unknown option {0} ignored{1}".format(name, " with the value after it" if len(words) > 1 else ""))
        else:
            warnings.append("a word that belongs to no option ignored")
    return warnings


class _IcingaArgumentParser(argparse.ArgumentParser):
    """argparse that reads the stock script's letters as its getopts does and hands back what it does not know."""

    def parse_known_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        known, unknown = sort_arguments(sys.argv[1:] if args is None else args)
        options, rest = super().parse_known_args(known, namespace)
        for name, value in vars(options).items():
            if isinstance(value, str) and value.startswith(GLUE):
                setattr(options, name, value[len(GLUE):])
        return options, unknown + [[word] for word in rest]

    def parse_args(self, args=None, namespace=None):  # type: ignore[no-untyped-def]
        options, unknown = self.parse_known_args(args, namespace)
        if unknown:
            self.error("; ".join(ignored_arguments(unknown)))
        return options


def parser() -> _IcingaArgumentParser:
    epilog = EPILOG.format(state_dir=DEFAULT_STATE_DIR, fields=", ".join(TEMPLATE_FIELDS), listen=DEFAULT_LISTEN, webhook=WEBHOOK_PATH,
                           webhook_fields=", ".join(WEBHOOK_FIELDS))
    parse = _IcingaArgumentParser(prog="sipgate-sms-notify", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
                                  epilog=epilog, allow_abbrev=False)
    parse.add_argument("--config", metavar="FILE", help="settings file (default {0}, used when it exists)".format(DEFAULT_CONFIG_FILE))
    parse.add_argument("--flush", action="store_true", help="deliver spooled SMS and due digests (also done by every run)")
    parse.add_argument("--dry-run", action="store_true",
                       help="print the SMS per recipient (text, encoding, segments) and what would be done; send nothing, write no state")
    parse.add_argument("--bulk", action="store_true",
                       help="Checkmk bulk notification: the alerts' contexts on standard input; one SMS per recipient for all of them")
    parse.add_argument("--serve", nargs="?", const=DEFAULT_LISTEN, metavar="[HOST:]PORT",
                       help="run the webhook receiver for Alertmanager and Grafana until SIGTERM (default {0})".format(DEFAULT_LISTEN))
    icinga = parse.add_argument_group("Icinga 2 (letters of the stock mail-*-notification.sh)",
                                      "The stock scripts' other letters -4 -6 -f -i -v -X -x are accepted and not used; "
                                      "an unknown option is ignored with a warning, and the alert is sent.")
    for letter, meaning in ICINGA_LETTERS.items():
        icinga.add_argument("-" + letter, dest="icinga_" + letter, metavar="VALUE", help=meaning)
    for letter in IGNORED_LETTERS:
        icinga.add_argument("-" + letter, dest="ignored_" + letter, metavar="VALUE", help=argparse.SUPPRESS)
    return parse


def refuse_secrets(argv: Sequence[str]) -> Optional[str]:
    for argument in argv:
        if argument.split("=", 1)[0].lower().startswith(SECRET_OPTIONS):
            return ("{0}: secrets are never taken from the command line (every user sees it in ps); put token_id and token "
                    "into the settings file (chmod 600) or SIPGATE_TOKEN_ID / SIPGATE_TOKEN into the environment".format(argument.split("=", 1)[0]))
    return None


def alert_from(options: argparse.Namespace, env: Mapping[str, str], warnings: Sequence[str] = ()) -> Optional[alerts.Alert]:
    given = {letter: getattr(options, "icinga_" + letter) for letter in ICINGA_LETTERS}
    if any(value is not None for value in given.values()):
        return alerts.with_nagios_environment(alerts.from_icinga_options(given, warnings), env)
    alert = alerts.from_environment(env)
    return replace(alert, warnings=tuple(warnings)) if alert is not None and warnings else alert


def read_bulk(stream: IO[bytes]) -> Tuple[List[alerts.Alert], List[dict]]:
    """The alerts of a Checkmk bulk on ``stream``, and a journal entry for each context or line that is none."""
    # Checkmk writes UTF-8; a stray byte must not cost the other alerts of the bulk.
    bulk = checkmk_bulk.parse(stream.read().decode("utf-8", errors="replace").split("\n"))
    found, refused = checkmk_bulk.alerts_of(bulk)
    now = time.time()
    problems = [journal.record(events.FAILED, now, context.get("CONTACTPAGER", ""), "bulk context refused: " + reason,
                               {"host": context.get("HOSTNAME", ""), "service": context.get("SERVICEDESC", ""), "source": alerts.CHECKMK})
                for context, reason in refused]
    problems += [journal.record(events.FAILED, now, "", "bulk line without KEY=VALUE ignored", {"source": alerts.CHECKMK})
                 for _line in bulk.unreadable]
    return found, problems


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


def warn(message: Optional[str]) -> None:
    if message:
        sys.stderr.write("{0}: warning: {1}\n".format(journal.IDENT, message))


def fail(message: str) -> int:
    sys.stderr.write("{0}: {1}\n".format(journal.IDENT, message))
    return EXIT_PERMANENT


def journal_refusal(settings: Optional[Settings], refused: Sequence[alerts.Alert], reason: str) -> None:
    """A run refused for its settings still leaves a trace of its alerts, where the state directory allows."""
    if settings is None or not refused:
        return
    entries = [journal.record(events.FAILED, time.time(), ",".join(alert.recipients), reason, alert.summary()) for alert in refused]
    journal.append(Path(settings.state_dir), entries)


def handle(options: argparse.Namespace, settings: Settings, alert: Optional[alerts.Alert], bulk: List[alerts.Alert],
           started: float) -> int:
    """Send (or with --dry-run show) the alert or the bulk; what waits in the spool goes along."""
    run = Run(settings, credentials_of(settings), started=started)
    if options.dry_run:
        result = run.preview(alert, bulk)
        print_previews(result)
        return result.exit_code
    result = run.execute(alert, bulk)
    journal.log(result.records)
    return result.exit_code


def serve_command(options: argparse.Namespace, env: Mapping[str, str], given: decoding.Given) -> int:
    """``--serve``: the webhook receiver, until a stop signal."""
    if options.bulk or options.flush or options.dry_run or any(getattr(options, "icinga_" + letter) is not None for letter in ICINGA_LETTERS):
        return fail("--serve runs the webhook receiver: give it no alert, --bulk, --flush or --dry-run")
    # Imported here: only the receiver needs the HTTP server.
    from . import serve, serve_settings  # pylint: disable=import-outside-toplevel

    try:
        settings = load(options.config, env)
        given.check()
        warn(plain_http_warning(settings.api_url))
        credentials = credentials_of(settings)
        receiving = serve_settings.load(options.config)
        serve_settings.check_numbers(receiving, settings.region)
        return serve.main(options.serve, settings, credentials, receiving)
    except (ConfigError, SmsValidationError, decoding.InputError) as error:
        return fail(str(error))


def main(argv: Sequence[str], env: Optional[Mapping[str, str]] = None, stdin: Optional[IO[bytes]] = None) -> int:
    started = time.monotonic()
    given = decoding.decode(argv, os.environ if env is None else env)
    argv, env = given.argv, given.env
    options, unknown = parser().parse_known_args(list(argv))
    # Only options are looked at: a value such as plugin output may say "--password expired".
    refusal = refuse_secrets([words[0] for words in unknown])
    if refusal:
        return fail(refusal)
    warnings = ignored_arguments(unknown)
    for warning in warnings:
        warn(warning)
    if options.serve is not None:
        return serve_command(options, env, given)
    settings: Optional[Settings] = None
    alert: Optional[alerts.Alert] = None
    bulk: List[alerts.Alert] = []
    problems: List[dict] = []
    try:
        if options.bulk:
            bulk, problems = read_bulk(stdin or sys.stdin.buffer)
        else:
            alert = alert_from(options, env, warnings)
        if alert is None and not bulk and not problems and not options.flush:
            return fail("no alert: give the Icinga options (-t -l -s ...), run from Nagios (NAGIOS_*) or Checkmk (NOTIFY_*), "
                        "or pipe a Checkmk bulk into --bulk; --flush delivers what waits; --help explains")
        settings = load(options.config, env)
        given.check()
        warn(plain_http_warning(settings.api_url))
        if problems and not options.dry_run:
            journal.append(Path(settings.state_dir), problems)
            journal.log(problems)
        code = handle(options, settings, alert, bulk, started)
    except (alerts.AlertError, ConfigError, SmsValidationError, TemplateError, StateFileError, decoding.InputError) as error:
        journal_refusal(settings, [alert] if alert else bulk, str(error))
        return fail(str(error))
    except OSError as error:
        journal_refusal(settings, [alert] if alert else bulk, str(error))
        return fail("cannot use the state directory {0}: {1}".format(settings.state_dir if settings else "?", error))
    return max(code, EXIT_PERMANENT if problems else code)
