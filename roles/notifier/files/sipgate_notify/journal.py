# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The journal (``journal.jsonl``) and the log lines: what became of every alert, never a secret.

Each record is one JSON object on one line. Records are appended while the caller holds the
state lock, in one write each, so concurrent runs never interleave lines.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import Iterable, Optional

JOURNAL_FILE = "journal.jsonl"
SYSLOG_SOCKET = "/dev/log"
IDENT = "sipgate-sms-notify"

# Fates of an alert or an SMS as the journal names them.
SENT = "sent"
DEDUPLICATED = "deduplicated"
HELD = "held"
SPOOLED = "spooled"
FAILED = "failed"
DIGEST_SENT = "digest_sent"


def record(event: str, now: float, recipient: str = "", reason: str = "", alert: Optional[dict] = None, **extra: object) -> dict:
    entry: dict = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "time": round(now, 3), "event": event,
                   "recipient": recipient}
    entry.update(alert or {})
    if reason:
        entry["reason"] = reason
    entry.update(extra)
    return entry


def append(state_dir: Path, records: Iterable[dict]) -> None:
    lines = "".join(json.dumps(entry, sort_keys=True, ensure_ascii=False) + "\n" for entry in records)
    if not lines:
        return
    descriptor = os.open(str(state_dir / JOURNAL_FILE), os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(descriptor, lines.encode("utf-8"))
    finally:
        os.close(descriptor)


def describe(entry: dict) -> str:
    """One log line: ``PROBLEM web01/HTTP CRITICAL -> +4915799912345: sent (within the budget)``."""
    if entry.get("host"):
        subject = entry["host"] + ("/" + entry["service"] if entry.get("service") else "")
        what = "{0} {1} {2}".format(entry.get("type", ""), subject, entry.get("state", "")).strip()
    else:
        what = "digest of {0} held alerts".format(entry.get("alerts_total", "?"))
    line = "{0} -> {1}: {2}".format(what, entry.get("recipient") or "nobody", entry["event"])
    return line + (" ({0})".format(entry["reason"]) if entry.get("reason") else "")


def log(entries: Iterable[dict], stderr: bool = True) -> None:
    """Each entry as one line to stderr and, where a syslog socket exists, to syslog (facility user)."""
    lines = [describe(entry) for entry in entries]
    if stderr:
        for line in lines:
            sys.stderr.write("{0}: {1}\n".format(IDENT, line))
    if lines and os.path.exists(SYSLOG_SOCKET):
        # Imported here: only needed where a syslog socket exists.
        import syslog  # pylint: disable=import-outside-toplevel

        syslog.openlog(IDENT, syslog.LOG_PID, syslog.LOG_USER)
        for line in lines:
            syslog.syslog(syslog.LOG_INFO, line)
        syslog.closelog()
