# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Does every alert of the corpus become one GSM-7 SMS that still names host, service and state?

The corpus (``corpus/plugin_outputs.jsonl``) holds real-world shaped plugin outputs: check_http,
check_disk, check_ping, check_load, check_procs, check_swap, check_ssl_cert, check_mysql, SNMP traps,
systemd units, Checkmk; with umlauts, typographic quotes, dashes, degree signs, emoji, perfdata
after ``|``, multi-line output and tabs. The text is built by the notifier's own message builder.
Typographic quotes are stored as JSON escapes (``\\u201c``): the data holds them, while the file
passes ansible-test's no-smart-quotes check.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, List

REPO_ROOT = Path(__file__).resolve().parents[2]
CORPUS = Path(__file__).resolve().parent / "corpus" / "plugin_outputs.jsonl"
NOTIFIER_FILES = REPO_ROOT / "roles" / "notifier" / "files"

if str(NOTIFIER_FILES) not in sys.path:
    sys.path.insert(0, str(NOTIFIER_FILES))
    sys.path.insert(0, str(NOTIFIER_FILES.parents[2] / "plugins" / "module_utils"))

from sipgate_api.encoding import GSM7, measure  # noqa: E402  pylint: disable=wrong-import-position,import-error
from sipgate_notify.alert import Alert  # noqa: E402  pylint: disable=wrong-import-position
from sipgate_notify.message import DEFAULT_TEMPLATE, plain, render  # noqa: E402  pylint: disable=wrong-import-position

ALERT_FIELDS = ("type", "host", "service", "state", "output", "author", "comment")


@dataclass(frozen=True)
class FittedAlert:
    """One corpus line and the SMS the notifier makes of it."""

    entry: dict
    text: str
    encoding: str
    segments: int
    head_intact: bool

    @property
    def fits(self) -> bool:
        return self.encoding == GSM7 and self.segments == 1 and self.head_intact


def load_corpus(path: Path = CORPUS) -> List[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def alert_of(entry: dict) -> Alert:
    return Alert(entry["type"], entry["host"], entry["state"], entry.get("output", ""), service=entry.get("service", ""),
                 author=entry.get("author", ""), comment=entry.get("comment", ""))


def head_of(alert: Alert) -> str:
    """What the reader must see in full: ``PROBLEM web01/HTTP CRITICAL`` (as GSM-7)."""
    return plain("{0} {1} {2}".format(alert.notification_type, alert.subject, alert.state))


def fit_entry(entry: dict, template: str = DEFAULT_TEMPLATE) -> FittedAlert:
    alert = alert_of(entry)
    text = render(template, alert, 1)
    size = measure(text)
    return FittedAlert(entry, text, size.encoding, size.segments, text.startswith(head_of(alert)))


def fit_corpus(entries: Iterable[dict]) -> List[FittedAlert]:
    return [fit_entry(entry) for entry in entries]


def share_fitting(fitted: List[FittedAlert]) -> float:
    return sum(1 for alert in fitted if alert.fits) / len(fitted) if fitted else 0.0
