# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Alert-storm hygiene: deduplication, a per-recipient budget and digests, decided on the shared state.

Pure functions of the state (a JSON-able dict), the alert and ``now``; the caller holds the lock,
supplies the clock and does the sending. The rules:

- Deduplicated: the latest alert about the same subject for the same recipient had the same type,
  state, author and comment, less than ``dedup_window`` seconds ago. The output is left out on
  purpose: it often carries changing figures. A state change (PROBLEM, RECOVERY, PROBLEM) is new.
- Budget: at most ``budget`` SMS per recipient within ``budget_window`` seconds (digests included).
- Held: over budget, the alert joins the recipient's held list; a later alert about a subject that
  is already held joins its entry (``web01/HTTP CRITICAL->OK``: it recovered before the digest).
- Recoveries are never lost: a RECOVERY of a problem that was texted goes out even over budget
  (their number is bounded by the problems texted, so the cost stays bounded); any other one is
  named in the digest.
- Digest: once the budget has room again, everything held for a recipient goes out as one SMS.
"""

from __future__ import annotations

from sipgate_api.json_text import dumps  # pylint: disable=import-error

from . import events
from .alert import PROBLEM, RECOVERY, Alert

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

# A decision is SEND, or the journal event of an alert that is not sent now.
SEND = "send"
DEDUPLICATED = events.DEDUPLICATED
HELD = events.HELD

STATE_VERSION = 1
# How long a subject's history is kept: a problem may last days before its recovery bypasses the budget.
SUBJECT_MEMORY = 7 * 24 * 3600.0
# How many subjects are kept at most: every run reads and writes them all under the lock, so a host
# that hears of very many (20,000 is about 4 MiB of state) forgets the longest silent ones first.
MAX_SUBJECTS = 20000


class Limits:
    __slots__ = ("dedup_window", "budget", "budget_window")

    def __init__(self, dedup_window: float = 900.0, budget: int = 5, budget_window: float = 600.0) -> None:
        self.dedup_window = dedup_window
        self.budget = budget
        self.budget_window = budget_window


class Decision:
    __slots__ = ("fate", "reason")

    def __init__(self, fate: str, reason: str) -> None:
        self.fate = fate
        self.reason = reason


class Digest:
    """One digest SMS due for ``recipient``: ``total`` held alerts about the subjects in ``entries``."""

    __slots__ = ("recipient", "total", "entries")

    def __init__(self, recipient: str, total: int, entries: list) -> None:
        self.recipient = recipient
        self.total = total
        self.entries = entries


def empty_state() -> dict:
    return {"version": STATE_VERSION, "subjects": {}, "sends": {}, "held": {}, "outbox": [], "quarantine": [], "numbers": {}}


def complete(state: dict) -> dict:
    """Give a state read from disk every part (a file from an older version may lack some)."""
    for key, value in empty_state().items():
        if not isinstance(state.get(key), type(value)):
            state[key] = value
    return state


def subject_key(recipient: str, alert: Alert) -> str:
    return dumps([recipient, alert.host, alert.service] + ([alert.identity] if alert.identity else []))


def fingerprint(alert: Alert) -> str:
    """What makes a repeat a repeat, as it is: type, state, author and comment (not the output)."""
    return dumps([alert.notification_type, alert.state, alert.author, alert.comment])


def _hashed_fingerprint(alert: Alert) -> str:
    """The fingerprint as earlier versions wrote it, a SHA-256 prefix: still recognised, so an upgrade texts no repeat."""
    import hashlib  # pylint: disable=import-outside-toplevel  # only such a file needs it

    return hashlib.sha256(fingerprint(alert).encode("utf-8")).hexdigest()[:16]


def is_repeat(seen: Optional[dict], alert: Alert, now: float, limits: Limits) -> bool:
    """Whether the subject's latest alert ``seen`` was this one, within the dedup window."""
    if not seen or now - seen.get("at", 0) >= limits.dedup_window:
        return False
    known = seen.get("fingerprint")
    if known == fingerprint(alert):
        return True
    return isinstance(known, str) and not known.startswith("[") and known == _hashed_fingerprint(alert)


def prune(state: dict, now: float, limits: Limits) -> None:
    """Forget sends outside the budget window and subjects not heard of for a long time."""
    for recipient in list(state["sends"]):
        recent = [moment for moment in state["sends"][recipient] if now - moment < limits.budget_window]
        if recent:
            state["sends"][recipient] = recent
        else:
            del state["sends"][recipient]
    memory = max(SUBJECT_MEMORY, limits.dedup_window)
    for key in [key for key, seen in state["subjects"].items() if now - seen.get("at", 0) >= memory]:
        del state["subjects"][key]
    if len(state["subjects"]) > MAX_SUBJECTS:
        by_age = sorted(state["subjects"], key=lambda key: state["subjects"][key].get("at", 0))
        for key in by_age[:len(by_age) - MAX_SUBJECTS]:
            del state["subjects"][key]


def room(state: dict, recipient: str, now: float, limits: Limits) -> int:
    """How many more SMS the recipient's budget allows right now."""
    recent = [moment for moment in state["sends"].get(recipient, []) if now - moment < limits.budget_window]
    return max(0, limits.budget - len(recent))


def _count_send(state: dict, recipient: str, now: float) -> None:
    state["sends"].setdefault(recipient, []).append(now)


def _remember(state: dict, key: str, alert: Alert, now: float, texted: bool) -> None:
    seen = state["subjects"].setdefault(key, {})
    seen.update({"fingerprint": fingerprint(alert), "at": now})
    if alert.category == PROBLEM:
        seen["texted_problem"] = texted
    elif alert.category == RECOVERY:
        seen["texted_problem"] = False


def _held_entry(state: dict, recipient: str, key: str) -> Optional[dict]:
    return next((entry for entry in state["held"].get(recipient, []) if entry["key"] == key), None)


def _hold(state: dict, recipient: str, key: str, alert: Alert, now: float) -> dict:
    entry = _held_entry(state, recipient, key)
    if entry is None:
        entry = {"key": key, "subject": alert.subject, "states": [], "type": alert.notification_type, "alerts": 0, "first": now}
        state["held"].setdefault(recipient, []).append(entry)
    if alert.category in (PROBLEM, RECOVERY):
        if not entry["states"] or entry["states"][-1] != alert.state:
            entry["states"].append(alert.state)
        entry["type"] = alert.notification_type
    elif not entry["states"]:
        entry["type"] = alert.notification_type
    entry["alerts"] += 1
    return entry


def decide(state: dict, alert: Alert, recipient: str, now: float, limits: Limits) -> Decision:
    """What to do with ``alert`` for ``recipient``; the state records the decision."""
    key = subject_key(recipient, alert)
    seen = state["subjects"].get(key)
    if is_repeat(seen, alert, now, limits):
        return Decision(DEDUPLICATED, "the same {0} {1} came {2:.0f} s ago".format(alert.notification_type, alert.state, now - seen["at"]))
    if _held_entry(state, recipient, key) is not None:
        _hold(state, recipient, key, alert, now)
        _remember(state, key, alert, now, texted=False)
        why = "recovered before the digest went out" if alert.category == RECOVERY else "joins the alert already held for the digest"
        return Decision(HELD, why)
    if room(state, recipient, now, limits) > 0:
        _count_send(state, recipient, now)
        _remember(state, key, alert, now, texted=True)
        return Decision(SEND, "within the budget")
    if alert.category == RECOVERY and seen and seen.get("texted_problem"):
        _count_send(state, recipient, now)
        _remember(state, key, alert, now, texted=True)
        return Decision(SEND, "recovery of a problem that was texted: sent over the budget")
    _hold(state, recipient, key, alert, now)
    _remember(state, key, alert, now, texted=False)
    return Decision(HELD, "budget of {0} SMS per {1:.0f} s used up: held for a digest".format(limits.budget, limits.budget_window))


def decide_bulk(state: dict, alerts: list, recipient: str, now: float, limits: Limits) -> list:
    """The decisions for the alerts of one bulk, whose SEND alerts go out together as one SMS.

    The rules of ``decide``, except that the bulk costs one SMS of the budget, not one per alert.
    """
    has_room = room(state, recipient, now, limits) > 0
    decisions = []
    for alert in alerts:
        key = subject_key(recipient, alert)
        seen = state["subjects"].get(key)
        held_already = _held_entry(state, recipient, key) is not None
        if is_repeat(seen, alert, now, limits):
            decision = Decision(DEDUPLICATED, "the same {0} {1} came {2:.0f} s ago".format(alert.notification_type, alert.state, now - seen["at"]))
        elif not held_already and has_room:
            decision = Decision(SEND, "within the budget, in one SMS with the rest of the bulk")
        elif not held_already and alert.category == RECOVERY and seen and seen.get("texted_problem"):
            decision = Decision(SEND, "recovery of a problem that was texted: sent over the budget")
        else:
            _hold(state, recipient, key, alert, now)
            decision = Decision(HELD, "joins the alert already held for the digest" if held_already else
                                "budget of {0} SMS per {1:.0f} s used up: held for a digest".format(limits.budget, limits.budget_window))
        if decision.fate != DEDUPLICATED:
            _remember(state, key, alert, now, texted=decision.fate == SEND)
        decisions.append(decision)
    if any(decision.fate == SEND for decision in decisions):
        _count_send(state, recipient, now)
    return decisions


def due_digests(state: dict, now: float, limits: Limits) -> list:
    """The digests whose recipients' budget has room again; their entries leave the held list."""
    digests = []
    for recipient in list(state["held"]):
        entries = state["held"][recipient]
        if not entries:
            del state["held"][recipient]
            continue
        if room(state, recipient, now, limits) <= 0:
            continue
        _count_send(state, recipient, now)
        del state["held"][recipient]
        for entry in entries:
            # Its problem has now been texted (in the digest): a later recovery may bypass the budget.
            seen = state["subjects"].get(entry["key"])
            if seen is not None and entry["type"] == "PROBLEM":
                seen["texted_problem"] = True
        digests.append(Digest(recipient, sum(entry["alerts"] for entry in entries), entries))
    return digests
