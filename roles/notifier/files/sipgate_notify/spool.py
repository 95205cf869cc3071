# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outbox: every SMS about to go out, kept in the shared state until it is delivered.

An SMS enters the outbox claimed by the run that created it and is sent without the lock held.
Delivered, it leaves; not delivered (or delivery unknown: a duplicate is better than a lost
alert), its claim is released and it waits for the next run or ``--flush``. A claim older than
``STALE_CLAIM`` belongs to a run that died and may be taken over. Claims are taken under the lock,
so concurrent runs never send the same spooled SMS.
"""

from __future__ import annotations

import os
from typing import Optional

# Longer than any run may take (the engines kill a notification after 30 s).
STALE_CLAIM = 120.0


# Random ids from os.urandom: the uuid module would cost a few milliseconds of imports on every run.
def new_run_id() -> str:
    return "{0}-{1}".format(os.getpid(), os.urandom(4).hex())


def enqueue(state: dict, recipient: str, text: str, now: float, run_id: str, about: dict) -> dict:
    """Add an SMS claimed by ``run_id``; ``about`` says what it reports (an alert, or a digest's alerts)."""
    item = {"id": os.urandom(16).hex(), "recipient": recipient, "text": text, "created": now, "attempts": 0,
            "claimed_by": run_id, "claimed_at": now, "about": about}
    state["outbox"].append(item)
    return item


def claim_waiting(state: dict, now: float, run_id: str) -> list:
    """Claim every SMS that waits for delivery: unclaimed, or claimed by a run that died."""
    claimed = []
    for item in state["outbox"]:
        if item.get("claimed_by") and now - item.get("claimed_at", 0) < STALE_CLAIM:
            continue
        item["claimed_by"], item["claimed_at"] = run_id, now
        claimed.append(item)
    return claimed


def find(state: dict, item_id: str) -> Optional[dict]:
    return next((item for item in state["outbox"] if item["id"] == item_id), None)


def remove(state: dict, item_id: str) -> None:
    state["outbox"] = [item for item in state["outbox"] if item["id"] != item_id]


def release(state: dict, item_id: str, run_id: str, error: str) -> Optional[dict]:
    """Put an undelivered SMS back to wait for the next run (unless another run took it over meanwhile)."""
    item = find(state, item_id)
    if item is not None and item.get("claimed_by") == run_id:
        item["claimed_by"], item["claimed_at"] = None, 0
        item["attempts"] = item.get("attempts", 0) + 1
        item["last_error"] = error
    return item


def expire(state: dict, now: float, max_age: float) -> list:
    """Give up on unclaimed SMS older than ``max_age``: alerts that old would only mislead."""
    old = [item for item in state["outbox"] if not item.get("claimed_by") and now - item["created"] >= max_age]
    for item in old:
        remove(state, item["id"])
    return old
