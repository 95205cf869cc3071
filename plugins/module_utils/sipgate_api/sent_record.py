# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's record of what it sent, so a rerun texts nobody twice.

One JSON file per user, outside any repository, mapping a delivery key to when it was sent and how
that ended. It is a write-ahead ledger: before a request goes out its key is written ``in_flight``
(durably, under the lock), and the outcome replaces it after the answer. A process that dies in
between leaves ``in_flight``, which every later run reads as delivery unknown and does not resend
without ``force``. A send that surely failed leaves no trace, so a rerun sends it.
"""

from __future__ import annotations

import math
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional

from .outcomes import DELIVERED, IN_FLIGHT, UNKNOWN
from .state_file import StateFileError, locked_state, read_unlocked

# Entries older than this are dropped; no dedup window is meant to be longer.
KEEP_SECONDS = 90 * 24 * 3600
RECORDED_OUTCOMES = frozenset({DELIVERED, UNKNOWN, IN_FLIGHT})


def default_state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "sipgateio.sms" / "sent.json"


def _malformed(path: Path, what: str) -> StateFileError:
    return StateFileError("state file {0} is malformed ({1}); move it aside or delete it: it only records what was sent, "
                          "so without it a rerun may send again".format(path, what))


def _checked(path: Path, data: object) -> dict:
    """The record's entries, or an error naming what is wrong: a bad record must stop a send, not crash it."""
    if not isinstance(data, dict):
        raise _malformed(path, "it holds a JSON {0}, not an object".format(type(data).__name__))
    for key, entry in data.items():
        if not isinstance(entry, dict):
            raise _malformed(path, "entry {0!r} is not an object".format(key))
        at = entry.get("at")
        if isinstance(at, bool) or not isinstance(at, (int, float)) or not math.isfinite(at):
            raise _malformed(path, "entry {0!r} has no time in 'at'".format(key))
        if entry.get("outcome") not in RECORDED_OUTCOMES:
            raise _malformed(path, "entry {0!r} has an unknown outcome {1!r}".format(key, entry.get("outcome")))
    return data


class SentRecord:
    """The entries of the record; ``begin`` and ``settle`` write them through ``save`` (a no-op when peeking)."""

    def __init__(self, path: Path, entries: dict, save: Optional[Callable[[], None]] = None) -> None:
        self.path = path
        self.entries = entries
        self._save = save

    def earlier(self, key: str, window: int, now: float) -> Optional[dict]:
        """The recorded send of ``key`` within the window, if any; ``in_flight`` reads as ``unknown``."""
        entry = self.entries.get(key)
        if not window or entry is None or now - float(entry["at"]) > window:
            return None
        outcome = UNKNOWN if entry["outcome"] == IN_FLIGHT else entry["outcome"]
        return {"at": float(entry["at"]), "outcome": outcome}

    def begin(self, keys: Iterable[str], now: float) -> None:
        """Write the intent to send, durably, before any request: a failure here means nothing is sent."""
        for key in keys:
            self.entries[key] = {"at": now, "outcome": IN_FLIGHT}
        self._write()

    def settle(self, outcomes: Iterable[tuple], now: float) -> None:
        """Replace the intent by ``(key, delivery)`` outcomes; a send that surely failed leaves no trace."""
        for key, delivery in outcomes:
            if delivery in (DELIVERED, UNKNOWN):
                self.entries[key] = {"at": now, "outcome": delivery}
            else:
                self.entries.pop(key, None)
        self._write()

    def _write(self) -> None:
        if self._save is not None:
            self._save()


def _pruned(entries: dict, now: float) -> dict:
    return {key: entry for key, entry in entries.items() if now - float(entry["at"]) <= KEEP_SECONDS}


def peek(path: Path) -> SentRecord:
    """The record as it is, creating nothing: check mode must leave no trace, not even a lock file."""
    if not path.exists():
        return SentRecord(path, {})
    # Every write replaces the file whole, so it is read without its lock, which might not exist yet.
    return SentRecord(path, _checked(path, read_unlocked(path, {})))


@contextmanager
def opened(path: Path, now: float) -> Iterator[SentRecord]:
    """The record, locked for the whole decide-send-record step.

    Holding the lock while sending keeps parallel tasks (one per host, all delegated to the
    controller) from sending the same SMS: the second one waits and then finds it recorded.
    """
    with locked_state(path, {}) as state:
        state.data = _pruned(_checked(path, state.data), now)
        yield SentRecord(path, state.data, state.save)
