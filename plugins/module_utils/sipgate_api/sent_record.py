# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's record of what it sent, so a rerun texts nobody twice.

One JSON file per user, outside any repository, mapping a delivery key to when it was
sent and how that ended (delivered, or unknown when the answer never came).
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

from .state_file import StateFileError, read_state, updating_state
from .client import SendResult
from .errors import DELIVERED, DELIVERY_UNKNOWN

# Entries older than this are dropped; no dedup window is meant to be longer.
KEEP_SECONDS = 90 * 24 * 3600


def default_state_file() -> Path:
    base = os.environ.get("XDG_STATE_HOME") or os.path.join(os.path.expanduser("~"), ".local", "state")
    return Path(base) / "sipgateio.sms" / "sent.json"


def earlier_send(entries: dict, key: str, window: int, now: float) -> Optional[dict]:
    """The recorded send of ``key`` within the window, if any."""
    entry = entries.get(key)
    if not window or not isinstance(entry, dict) or now - float(entry.get("at", 0)) > window:
        return None
    return entry


def peek(path: Path) -> dict:
    """The record as it is, creating nothing: check mode must leave no trace, not even a lock file."""
    if not path.exists():
        return {}
    data = read_state(path, {})
    return data if isinstance(data, dict) else {}


@contextmanager
def holding(path: Path, now: float) -> Iterator[dict]:
    """The record, locked for the whole decide-send-remember step and written back atomically.

    Holding the lock while sending keeps parallel tasks (one per host, all delegated to the
    controller) from sending the same SMS: the second one waits and then finds it recorded.
    """
    with updating_state(path, {}) as entries:
        if not isinstance(entries, dict):
            raise StateFileError("state file {0} does not hold a JSON object; move it aside or delete it".format(path))
        for key in [key for key, entry in entries.items()
                    if not isinstance(entry, dict) or now - float(entry.get("at", 0)) > KEEP_SECONDS]:
            del entries[key]
        yield entries


def remember(entries: dict, key: str, result: SendResult, now: float) -> None:
    """Note a send that delivered or may have; one that surely failed leaves no trace, so a rerun sends it."""
    if result.delivery in (DELIVERED, DELIVERY_UNKNOWN):
        entries[key] = {"at": now, "outcome": result.delivery}
