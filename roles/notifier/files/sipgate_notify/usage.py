# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The full command line: argparse with the help text, for --help, usage errors and the rarer options.

An engine's alert with the usual letters is read by ``arguments.quick_options`` without it.
"""

from __future__ import annotations

import argparse
import sys

from .alertmanager import DEFAULT_LISTEN, WEBHOOK_PATH
from .alertmanager import TEMPLATE_FIELDS as WEBHOOK_FIELDS
from .arguments import GLUE, ICINGA_LETTERS, IGNORED_LETTERS, ignored_arguments, sort_arguments
from .config import DEFAULT_CONFIG_FILE, DEFAULT_STATE_DIR
from .template import TEMPLATE_FIELDS

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
  no connection, HTTP 429 or 503     retried at once while the answer can come before the 22 s
                                     deadline, then spooled: the next run or --flush sends it
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

state directory: state.json (dedup, budget, held alerts, outbox, quarantine, the numbers
  recipients' spellings were read as; shared under a lock), journal.jsonl (one JSON line per
  alert and recipient: sent, digest_sent, deduplicated, held, spooled, delivery_unknown,
  quarantined, failed, state_problem; with time, host/service/state and the text; never a
  secret) and settings.cache.json (the settings file's values but the token, until the file
  changes). An unusable state.json is set aside and the alert still goes out, as it does when
  another run holds the state's lock for over 10 s. --dry-run reads the state but writes nothing.

exit codes:
  0  delivered, or deliberately held back (deduplicated, held for a digest)
  1  temporary: the SMS is spooled or its delivery is unknown; a later run or --flush sends
     it (also: stopped by a signal, or not sent and not spoolable while the state is unusable)
  2  permanent: bad settings or input (journaled as failed), credentials or permissions
     refused (journaled as spooled, sent once fixed), an SMS refused as malformed (failed),
     or one quarantined
"""


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
