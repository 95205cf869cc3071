# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's record of what it sent, so a rerun texts nobody twice.

One JSON file per user, outside any repository, mapping a delivery key to when it was
sent and how that ended (delivered, or unknown when the answer never came).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

from .locked_json import read_state, updating_state
from .sipgate_client import SendResult
from .sipgate_errors import DELIVERED, DELIVERY_UNKNOWN

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


def load(path: Path) -> dict:
    data = read_state(path, {})
    return data if isinstance(data, dict) else {}


def record(path: Path, outcomes: list, now: float) -> None:
    """Add (key, SendResult) pairs that delivered or may have, and prune old entries, under the lock."""
    with updating_state(path, {}) as entries:
        for key in [key for key, entry in entries.items() if now - float(entry.get("at", 0)) > KEEP_SECONDS]:
            del entries[key]
        for key, result in outcomes:
            if isinstance(result, SendResult) and result.delivery in (DELIVERED, DELIVERY_UNKNOWN):
                entries[key] = {"at": now, "outcome": result.delivery}
