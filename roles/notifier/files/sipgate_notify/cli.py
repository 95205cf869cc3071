# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The command line: options, help, choosing the engine's input, exit codes.

A run imports what its input needs: an engine's alert that is deduplicated or held loads neither
argparse, nor the text's fitting, nor requests or phonenumbers (see ``run``); --help, a usage
error, --dry-run, --bulk and --serve load what they need when they are asked for.
"""

from __future__ import annotations

import os
import sys
import time

from sipgate_api.api_url import connection_warning  # pylint: disable=import-error
from sipgate_api.state_file import StateFileError  # pylint: disable=import-error
from sipgate_api.errors import SmsValidationError  # pylint: disable=import-error

from . import alert as alerts
from . import decoding, events, journal
from .arguments import ICINGA_LETTERS, ignored_arguments, quick_options, refuse_secrets
from .config import DEFAULT_STATE_DIR, STATE_DIR_VARIABLE, ConfigError, Settings, checked_credentials, credentials_of, load
from .run import EXIT_PERMANENT, EXIT_TEMPORARY, Run, RunResult
from .template import TemplateError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import IO, Any, List, Mapping, Optional, Sequence, Tuple

# What the command line's callers use; ignored_arguments and refuse_secrets live in ``arguments``.
__all__ = ["alert_from", "ignored_arguments", "main", "parser", "refuse_secrets"]


def parser() -> Any:
    """The full parser (argparse): --help, usage errors and the options an alert rarely has."""
    from .usage import parser as full_parser  # pylint: disable=import-outside-toplevel

    return full_parser()


def alert_from(options: Any, env: Mapping[str, str], warnings: Sequence[str] = ()) -> Optional[alerts.Alert]:
    given = {letter: getattr(options, "icinga_" + letter) for letter in ICINGA_LETTERS}
    if any(value is not None for value in given.values()):
        return alerts.with_nagios_environment(alerts.from_icinga_options(given, warnings), env)
    alert = alerts.from_environment(env)
    return alert.replace(warnings=tuple(warnings)) if alert is not None and warnings else alert


def read_bulk(stream: IO[bytes]) -> Tuple[List[alerts.Alert], List[dict]]:
    """The alerts of a Checkmk bulk on ``stream``, and a journal entry for each context or line that is none."""
    from . import checkmk_bulk  # pylint: disable=import-outside-toplevel

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


def print_previews(result: RunResult) -> None:
    for preview in result.previews:
        print("{recipient} [{kind}, {encoding}, {segments} segment(s), {characters} units]: {text}".format(**preview))
    for entry in result.records:
        print(journal.describe(entry))
    if not result.previews and not result.records:
        print("nothing would be sent")


def warn(message: Optional[str]) -> None:
    if message:
        sys.stderr.write("{0}: warning: {1}\n".format(journal.IDENT, journal.one_line(message)))


def fail(message: str) -> int:
    sys.stderr.write("{0}: {1}\n".format(journal.IDENT, journal.one_line(message)))
    return EXIT_PERMANENT


def journal_refusal(settings: Optional[Settings], env: Mapping[str, str], options: Any, refused: Sequence[alerts.Alert], reason: str) -> None:
    """A run refused for its settings still leaves a trace of its alerts, where the state directory allows.

    Settings that could not be read name no state directory: then the one of the environment or the
    default is used, if it exists. An alert that could not be read is journaled with what is known of it.
    """
    state_dir = settings.state_dir if settings is not None else env.get(STATE_DIR_VARIABLE) or DEFAULT_STATE_DIR
    if settings is None and not os.path.isdir(state_dir):
        return
    now = time.time()
    entries = [journal.record(events.FAILED, now, ",".join(alert.recipients), reason, alert.summary()) for alert in refused]
    if not entries and (getattr(options, "flush", False) or getattr(options, "bulk", False)):
        return  # no alert was handed over
    if not entries:
        recipients, about = _unreadable_alert(options, env)
        entries = [journal.record(events.FAILED, now, recipients, reason, about)]
    journal.append(state_dir, entries)


def _unreadable_alert(options: Any, env: Mapping[str, str]) -> Tuple[str, dict]:
    """The recipients and what is known of an alert that could not be read, for its journal line."""
    def given(letter: str, *names: str) -> str:
        value = getattr(options, "icinga_" + letter, None)
        return value if value is not None else next((env[name] for name in names if env.get(name)), "")

    about = {"host": given("l", "NAGIOS_HOSTNAME", "NOTIFY_HOSTNAME"), "service": given("e", "NAGIOS_SERVICEDESC", "NOTIFY_SERVICEDESC"),
             "type": given("t", "NAGIOS_NOTIFICATIONTYPE", "NOTIFY_NOTIFICATIONTYPE")}
    return given("r", "NAGIOS_CONTACTPAGER", "NOTIFY_CONTACTPAGER"), about


def handle(options: Any, settings: Settings, alert: Optional[alerts.Alert], bulk: List[alerts.Alert], started: float) -> int:
    """Send (or with --dry-run show) the alert or the bulk; what waits in the spool goes along."""
    checked_credentials(settings)
    run = Run(settings, None, started=started)
    if options.dry_run:
        result = run.preview(alert, bulk)
        print_previews(result)
        return result.exit_code
    result = run.execute(alert, bulk)
    journal.log(result.records)
    return result.exit_code


def serve_command(options: Any, env: Mapping[str, str], given: decoding.Given) -> int:
    """``--serve``: the webhook receiver, until a stop signal."""
    if options.bulk or options.flush or options.dry_run or any(getattr(options, "icinga_" + letter) is not None for letter in ICINGA_LETTERS):
        return fail("--serve runs the webhook receiver: give it no alert, --bulk, --flush or --dry-run")
    # Imported here: only the receiver needs the HTTP server.
    from . import serve, serve_settings  # pylint: disable=import-outside-toplevel

    try:
        settings = load(options.config, env)
        given.check()
        warn(connection_warning(settings.api_url, settings.validate_certs))
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
    options: Any = quick_options(argv)
    unknown: list = []
    if options is None:
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
        settings = load(options.config, env, cached=not options.dry_run)
        given.check()
        warn(connection_warning(settings.api_url, settings.validate_certs))
        if problems and not options.dry_run:
            journal.append(settings.state_dir, problems)
            journal.log(problems)
        code = handle(options, settings, alert, bulk, started)
    except (alerts.AlertError, ConfigError, SmsValidationError, TemplateError, StateFileError, decoding.InputError) as error:
        journal_refusal(settings, env, options, [alert] if alert else bulk, str(error))
        return fail(str(error))
    except OSError as error:
        journal_refusal(settings, env, options, [alert] if alert else bulk, str(error))
        return fail("cannot use the state directory {0}: {1}".format(settings.state_dir if settings else "?", error))
    except KeyboardInterrupt:
        # Ctrl-C outside a send (a send notes it and records what it knows): nothing of this run is recorded.
        fail("stopped by SIGINT before the run ended: its alert may not have gone out, and an SMS in flight counts as "
             "delivery unknown to the next run")
        return EXIT_TEMPORARY
    return max(code, EXIT_PERMANENT if problems else code)
