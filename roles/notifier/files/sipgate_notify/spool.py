# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outbox: a write-ahead ledger of every SMS about to go out, kept in the shared state until it is settled.

An SMS enters the outbox claimed by the run that will send it: the claim, written durably under
the lock before the request goes out, says "in flight". The run sends without the lock held and
records the outcome under it again:

- delivered, or refused as malformed: it leaves the outbox;
- not delivered (it surely had no effect): the claim is released and the next run or ``--flush``
  sends it again, until ``spool_max_age``;
- delivery unknown (the answer never came): it may have reached the phone. At least once, but
  bounded: it goes out once more after a hold-off, and a second unknown puts it in quarantine,
  where nothing sends it again.

A claim whose run has ended (its process is gone, the host has restarted since, or the claim is
older than any run may take) was in flight when that run died or failed to record the outcome: it
counts as delivery unknown too. A claim's age is measured on the clock since boot, which no NTP
step or admin moves: a wall clock set forward must not make a run that is still sending look dead.
So a run that keeps dying mid-send, or keeps failing to write the state, costs at most two requests
per SMS, never a resend loop.
"""

from __future__ import annotations

import os
import time

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Tuple

# Longer than any run may take (the engines kill a notification after 30 s, Icinga after 60 s).
STALE_CLAIM = 120.0
# Attempts that may each have reached the phone; one more is quarantined instead of sent.
MAX_UNCERTAIN = 2
# How long quarantined SMS are kept in the state for inspection.
QUARANTINE_KEPT = 30 * 24 * 3600.0


class Lost:
    """An SMS whose run ended while it was in flight: journaled as delivery unknown, or quarantined."""

    __slots__ = ("item", "quarantined")

    def __init__(self, item: dict, quarantined: bool) -> None:
        self.item = item
        self.quarantined = quarantined


# Random ids from os.urandom: the uuid module would cost a few milliseconds of imports on every run.
def new_run_id() -> str:
    return "{0}-{1}".format(os.getpid(), os.urandom(4).hex())


def _run_is_alive(run_id: str) -> bool:
    """Whether the process of ``run_id`` (``<pid>-<random>``) still exists on this host."""
    try:
        pid = int(run_id.split("-", 1)[0])
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (ValueError, PermissionError, OverflowError):
        return True  # not ours to judge (another user's process, or no pid): the claim's age decides
    return True


_BOOT_ID_FILE = "/proc/sys/kernel/random/boot_id"
_boot_id: Optional[str] = None


def host_clock() -> Optional[Tuple[str, float]]:
    """(this boot's id, seconds since boot), or None where the system has no such clock."""
    global _boot_id  # pylint: disable=global-statement  # read once per process
    try:
        if _boot_id is None:
            with open(_BOOT_ID_FILE, "rb") as source:
                _boot_id = source.read(64).strip().decode("ascii")
        return _boot_id, time.clock_gettime(time.CLOCK_BOOTTIME)
    except (OSError, AttributeError, UnicodeDecodeError):
        return None


def _claim(item: dict, run_id: str, now: float) -> None:
    item["claimed_by"], item["claimed_at"] = run_id, now
    clock = host_clock()
    if clock is not None:
        # Whose clock reading it is: an older version claiming the item would leave these fields behind.
        item["claimed_boot"], item["claimed_uptime"], item["claimed_clock_of"] = clock[0], clock[1], run_id
    else:
        _forget_clock(item)


def _forget_clock(item: dict) -> None:
    for field in ("claimed_boot", "claimed_uptime", "claimed_clock_of"):
        item.pop(field, None)


def _unclaim(item: dict) -> None:
    item["claimed_by"], item["claimed_at"] = None, 0
    _forget_clock(item)


def enqueue(state: dict, recipient: str, text: str, now: float, run_id: str, about: dict) -> dict:
    """Add an SMS claimed by ``run_id``; ``about`` says what it reports (an alert, or a digest's alerts)."""
    item = {"id": os.urandom(16).hex(), "recipient": recipient, "text": text, "created": now, "attempts": 0, "about": about}
    _claim(item, run_id, now)
    state["outbox"].append(item)
    return item


def _quarantine(state: dict, item: dict, now: float, why: str) -> None:
    remove(state, item["id"])
    _unclaim(item)
    item.update(quarantined_at=now, last_error=why)
    state["quarantine"].append(item)


def _in_flight_when_its_run_ended(state: dict, item: dict, now: float, hold_off: float) -> Lost:
    """Count the lost attempt as delivery unknown: hold the SMS back for its one more try, or quarantine it."""
    why = "the run that sent it ended before it learnt the answer: delivery unknown"
    item["uncertain"] = item.get("uncertain", 0) + 1
    item["attempts"] = item.get("attempts", 0) + 1
    if item["uncertain"] >= MAX_UNCERTAIN:
        _quarantine(state, item, now, why)
        return Lost(item, True)
    not_before = item["claimed_at"] + hold_off
    _unclaim(item)
    item.update(last_error=why, not_before=not_before)
    return Lost(item, False)


def _claim_has_ended(item: dict, now: float) -> bool:
    if not _run_is_alive(item["claimed_by"]):
        return True
    boot, uptime = item.get("claimed_boot"), item.get("claimed_uptime")
    clock = host_clock()
    if clock is None or boot is None or uptime is None or item.get("claimed_clock_of") != item["claimed_by"]:
        return now - item.get("claimed_at", 0) >= STALE_CLAIM  # claimed where there is no clock since boot
    if boot != clock[0]:
        return True  # the host has restarted since: whatever process has that number now is another one
    return clock[1] - uptime >= STALE_CLAIM


def claim_waiting(state: dict, now: float, run_id: str, hold_off: float) -> tuple:
    """Claim every SMS that may be sent now; report those whose run ended while they were in flight.

    An SMS of unknown delivery waits ``hold_off`` seconds after its last attempt before it is sent once more.

    Returns ``(claimed, lost)``: the items this run sends, and ``Lost`` entries to journal.
    """
    claimed, lost = [], []
    for item in list(state["outbox"]):
        if item.get("claimed_by"):
            if not _claim_has_ended(item, now):
                continue  # in flight in a run that is still going
            lost.append(_in_flight_when_its_run_ended(state, item, now, hold_off))
            if lost[-1].quarantined:
                continue
        if item.get("not_before", 0) > now:
            continue
        _claim(item, run_id, now)
        claimed.append(item)
    return claimed, lost


def find(state: dict, item_id: str) -> Optional[dict]:
    return next((item for item in state["outbox"] if item["id"] == item_id), None)


def remove(state: dict, item_id: str) -> None:
    state["outbox"] = [item for item in state["outbox"] if item["id"] != item_id]


def release(state: dict, item_id: str, run_id: str, error: str) -> Optional[dict]:
    """Put an SMS that surely did not go out back to wait for the next run (unless another run took it over)."""
    item = find(state, item_id)
    if item is not None and item.get("claimed_by") == run_id:
        _unclaim(item)
        item["attempts"] = item.get("attempts", 0) + 1
        item["last_error"] = error
    return item


def hold_unknown(state: dict, item_id: str, run_id: str, error: str, now: float, hold_off: float) -> Optional[bool]:
    """An SMS whose answer never came: held back for one more try (False) or quarantined (True); None if not ours."""
    item = find(state, item_id)
    if item is None or item.get("claimed_by") != run_id:
        return None
    item["uncertain"] = item.get("uncertain", 0) + 1
    item["attempts"] = item.get("attempts", 0) + 1
    if item["uncertain"] >= MAX_UNCERTAIN:
        _quarantine(state, item, now, error)
        return True
    _unclaim(item)
    item.update(last_error=error, not_before=now + hold_off)
    return False


def expire(state: dict, now: float, max_age: float) -> list:
    """Give up on unclaimed SMS older than ``max_age`` (alerts that old would only mislead); forget old quarantine."""
    old = [item for item in state["outbox"] if not item.get("claimed_by") and now - item["created"] >= max_age]
    for item in old:
        remove(state, item["id"])
    state["quarantine"] = [item for item in state["quarantine"] if now - item.get("quarantined_at", now) < QUARANTINE_KEPT]
    return old
