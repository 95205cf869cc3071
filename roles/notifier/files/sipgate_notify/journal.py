# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The journal (``journal.jsonl``) and the log lines: what became of every alert, never a secret.

Each record is one JSON object on one line. A run's records are appended in one write to a
file opened for appending, so concurrent runs never interleave lines. The journal is written
after the state it describes is recorded, and a journal that cannot be written never stops a
run: the failure is reported on stderr and to syslog, where the records go anyway.
"""

from __future__ import annotations

import os
import sys
import time

from sipgate_api.json_text import dumps  # pylint: disable=import-error
from sipgate_api.state_file import StateFileError, open_replacing  # pylint: disable=import-error

from . import events

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional, Union

    PathLike = Union[str, "os.PathLike[str]"]

JOURNAL_FILE = "journal.jsonl"
SYSLOG_SOCKET = "/dev/log"
IDENT = "sipgate-sms-notify"


def record(event: str, now: float, recipient: str = "", reason: str = "", alert: Optional[dict] = None, **extra: object) -> dict:
    entry: dict = {"at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now)), "time": round(now, 3), "event": event,
                   "recipient": recipient}
    entry.update(alert or {})
    if reason:
        entry["reason"] = reason
    entry.update(extra)
    return entry


def _line(entry: dict) -> bytes:
    # A path holding bytes that are not UTF-8 reaches a reason as surrogates: backslashreplace makes
    # them a JSON \u escape inside the string instead of an error that would lose the line.
    return (dumps(entry, sort_keys=True, ensure_ascii=False) + "\n").encode("utf-8", "backslashreplace")


def append(state_dir: PathLike, records: Iterable[dict]) -> bool:
    """Append the records; True when they are in the journal, False (reported, never raised) when not."""
    lines = b"".join(_line(entry) for entry in records)
    if not lines:
        return True
    path = os.path.join(os.fspath(state_dir), JOURNAL_FILE)
    try:
        descriptor, planted = open_replacing(path, os.O_WRONLY | os.O_APPEND)
    except (OSError, StateFileError) as error:
        alarm("cannot write the journal {0} ({1}); its lines go to stderr and syslog only".format(path, error))
        return False
    try:
        if planted:
            alarm(planted + "; a new journal was started")
            lines = _line(record(events.STATE_PROBLEM, time.time(), reason=planted)) + lines
        written = os.write(descriptor, lines)
    except OSError as error:
        alarm("cannot write the journal {0} ({1}); its lines go to stderr and syslog only".format(path, error))
        return False
    finally:
        os.close(descriptor)
    if written < len(lines):
        alarm("the journal {0} took only {1} of {2} bytes (disk full?); its lines go to stderr and syslog".format(path, written, len(lines)))
        return False
    return True


def describe(entry: dict) -> str:
    """One log line: ``PROBLEM web01/HTTP CRITICAL -> +4915799912345: sent (within the budget)``."""
    if entry["event"] == events.STATE_PROBLEM:
        return "{0}: {1}".format(entry["event"], entry.get("reason", ""))
    if entry.get("host"):
        subject = entry["host"] + ("/" + entry["service"] if entry.get("service") else "")
        what = "{0} {1} {2}".format(entry.get("type", ""), subject, entry.get("state", "")).strip()
    elif entry.get("digest"):
        what = "digest of {0} held alerts".format(entry.get("alerts_total", "?"))
    else:  # input refused before it became an alert
        what = "{0} input".format(entry.get("source") or "the")
    line = "{0} -> {1}: {2}".format(what, entry.get("recipient") or "nobody", entry["event"])
    return line + (" ({0})".format(entry["reason"]) if entry.get("reason") else "")


# Characters that would let a host name or plugin output start a forged log line, or reorder or
# hide what a reader sees: controls, line separators, bidirectional overrides. Escaped, not dropped.
_UNSHOWN = [*range(0x20), *range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)]
_ESCAPES = {code: "\\x{0:02x}".format(code) if code < 0x100 else "\\u{0:04x}".format(code) for code in _UNSHOWN}


def one_line(text: str) -> str:
    """``text`` as one log line that shows what it holds."""
    return text.translate(_ESCAPES)


def _syslog(priority: str, lines: list) -> None:
    if not lines or not os.path.exists(SYSLOG_SOCKET):
        return
    # Imported here: only needed where a syslog socket exists.
    import syslog  # pylint: disable=import-outside-toplevel

    syslog.openlog(IDENT, syslog.LOG_PID, syslog.LOG_USER)
    for line in lines:
        # syslog takes UTF-8 only: a surrogate from a path that is not UTF-8 is written as an escape.
        syslog.syslog(getattr(syslog, priority), line.encode("utf-8", "backslashreplace").decode("utf-8"))
    syslog.closelog()


def log(entries: Iterable[dict], stderr: bool = True) -> None:
    """Each entry as one line to stderr and, where a syslog socket exists, to syslog (facility user)."""
    lines = [one_line(describe(entry)) for entry in entries]
    if stderr:
        for line in lines:
            sys.stderr.write("{0}: {1}\n".format(IDENT, line))
    _syslog("LOG_INFO", lines)


def alarm(message: str) -> None:
    """A problem with the notifier's own files: loud on stderr and, where there is one, in syslog as an error."""
    message = one_line(message)
    sys.stderr.write("{0}: ERROR: {1}\n".format(IDENT, message))
    _syslog("LOG_ERR", [message])
