# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Deduplication, budget, digests and recoveries, decided on the state with a clock the test sets."""

from __future__ import annotations

import hashlib
import json
from typing import Optional

from hypothesis import given, settings
from hypothesis import strategies as st

from sipgate_notify import policy
from sipgate_notify.alert import Alert

ALICE = "+4915799912345"
BOB = "+4915799912346"
LIMITS = policy.Limits(dedup_window=900, budget=5, budget_window=600)


def problem(host: str = "web01", service: str = "HTTP", state: str = "CRITICAL", output: str = "refused") -> Alert:
    return Alert("PROBLEM", host, state, output, service=service)


def recovery(host: str = "web01", service: str = "HTTP", state: str = "OK") -> Alert:
    return Alert("RECOVERY", host, state, "fine", service=service)


def fates(state: dict, alerts: list, now: float, recipient: str = ALICE) -> list:
    return [policy.decide(state, alert, recipient, now, LIMITS).fate for alert in alerts]


def test_identical_repeat_within_the_window_is_deduplicated() -> None:
    state = policy.empty_state()
    assert fates(state, [problem(), problem(output="refused again, other figures")], now=1000) == [policy.SEND, policy.DEDUPLICATED]


def test_repeat_after_the_window_is_sent_again() -> None:
    state = policy.empty_state()
    assert fates(state, [problem()], now=1000) == [policy.SEND]
    assert fates(state, [problem()], now=1000 + 899) == [policy.DEDUPLICATED]
    assert fates(state, [problem()], now=1000 + 900) == [policy.SEND]


def test_window_counts_from_the_last_alert_texted_not_from_the_last_repeat() -> None:
    state = policy.empty_state()
    for moment in (0, 300, 600):
        fates(state, [problem()], now=moment)
    assert fates(state, [problem()], now=900) == [policy.SEND]


def test_dedup_is_per_recipient_and_per_subject_and_state() -> None:
    state = policy.empty_state()
    assert fates(state, [problem()], 0, ALICE) == [policy.SEND]
    assert fates(state, [problem()], 1, BOB) == [policy.SEND]
    assert fates(state, [problem(service="SSH"), problem(state="WARNING"), problem(host="web02")], 2) == [policy.SEND] * 3


def test_a_state_change_and_back_is_not_a_repeat() -> None:
    state = policy.empty_state()
    assert fates(state, [problem(), recovery(), problem()], now=10) == [policy.SEND, policy.SEND, policy.SEND]


def test_acknowledgement_with_a_new_comment_is_not_a_repeat() -> None:
    state = policy.empty_state()
    ack = Alert("ACKNOWLEDGEMENT", "web01", "CRITICAL", "", service="HTTP", author="alice", comment="on it")
    ack2 = Alert("ACKNOWLEDGEMENT", "web01", "CRITICAL", "", service="HTTP", author="alice", comment="fixed in 5 min")
    assert fates(state, [ack, ack, ack2], now=10) == [policy.SEND, policy.DEDUPLICATED, policy.SEND]


def test_budget_holds_back_the_sixth_sms_within_the_window() -> None:
    state = policy.empty_state()
    alerts = [problem(host="web{0}".format(number)) for number in range(8)]
    assert fates(state, alerts, now=0) == [policy.SEND] * 5 + [policy.HELD] * 3
    assert fates(state, [problem(host="other")], now=1, recipient=BOB) == [policy.SEND]  # per recipient


def storm(state: dict, count: int, now: float) -> None:
    fates(state, [problem(host="web{0:03d}".format(number)) for number in range(count)], now)


def test_digest_waits_for_room_in_the_budget_and_then_counts_everything_held() -> None:
    state = policy.empty_state()
    storm(state, 200, now=0)
    assert policy.due_digests(state, now=599, limits=LIMITS) == []
    digests = policy.due_digests(state, now=600, limits=LIMITS)
    assert [(digest.recipient, digest.total, len(digest.entries)) for digest in digests] == [(ALICE, 195, 195)]
    assert policy.due_digests(state, now=601, limits=LIMITS) == []  # gone out once
    assert state["held"] == {}


def test_digest_uses_the_budget_it_waits_for() -> None:
    state = policy.empty_state()
    storm(state, 6, now=0)
    policy.due_digests(state, now=600, limits=LIMITS)
    assert policy.room(state, ALICE, 600, LIMITS) == 4


def test_recovery_of_a_texted_problem_bypasses_an_exhausted_budget() -> None:
    state = policy.empty_state()
    storm(state, 10, now=0)  # web000..web004 texted, the rest held
    decision = policy.decide(state, recovery(host="web000"), ALICE, 5, LIMITS)
    assert decision.fate == policy.SEND and "over the budget" in decision.reason


def test_recovery_of_a_held_problem_is_reported_in_the_digest_as_recovered() -> None:
    state = policy.empty_state()
    storm(state, 10, now=0)  # web009 held
    decision = policy.decide(state, recovery(host="web009"), ALICE, 5, LIMITS)
    assert decision.fate == policy.HELD and "recovered" in decision.reason
    [digest] = policy.due_digests(state, now=600, limits=LIMITS)
    entry = next(entry for entry in digest.entries if entry["subject"] == "web009/HTTP")
    assert entry["states"] == ["CRITICAL", "OK"] and entry["type"] == "RECOVERY"
    assert digest.total == 6  # five held problems and the recovery


def test_recovery_of_a_problem_texted_in_a_digest_bypasses_the_budget() -> None:
    state = policy.empty_state()
    storm(state, 6, now=0)  # web005 held
    policy.due_digests(state, now=600, limits=LIMITS)
    storm(state, 10, now=601)  # web000-web005 are repeats now, web006-web009 use up the budget
    fates(state, [problem(host="x{0}".format(number)) for number in range(10)], now=1600)
    assert policy.decide(state, recovery(host="web005"), ALICE, 1601, LIMITS).fate == policy.SEND


def test_unrelated_recovery_over_budget_is_held_not_dropped() -> None:
    state = policy.empty_state()
    storm(state, 5, now=0)
    assert policy.decide(state, recovery(host="never-seen"), ALICE, 1, LIMITS).fate == policy.HELD
    [digest] = policy.due_digests(state, now=600, limits=LIMITS)
    assert digest.entries[0]["states"] == ["OK"]


def test_prune_forgets_old_sends_but_keeps_problems_for_their_recovery() -> None:
    state = policy.empty_state()
    storm(state, 5, now=0)
    policy.prune(state, now=3600, limits=LIMITS)
    assert state["sends"] == {} and len(state["subjects"]) == 5
    policy.prune(state, now=policy.SUBJECT_MEMORY + 1, limits=LIMITS)
    assert state["subjects"] == {}


def test_prune_keeps_the_most_recent_subjects_when_there_are_too_many(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(policy, "MAX_SUBJECTS", 3)
    state = policy.empty_state()
    for moment in (5, 1, 4, 2, 3):
        state["subjects"]["host{0}".format(moment)] = {"fingerprint": "x", "at": float(moment)}
    policy.prune(state, now=10, limits=LIMITS)
    assert sorted(state["subjects"]) == ["host3", "host4", "host5"]


def test_complete_repairs_a_state_missing_parts() -> None:
    assert policy.complete({"sends": {}, "held": "nonsense"}) == policy.empty_state()


alert_kinds = st.tuples(st.sampled_from(["PROBLEM", "RECOVERY"]), st.integers(0, 9), st.sampled_from([ALICE, BOB]), st.floats(0, 30))


@settings(max_examples=200, deadline=None)
@given(events=st.lists(alert_kinds, max_size=80))
def test_no_alert_is_ever_lost_and_cost_stays_bounded(events: list) -> None:
    """Every alert is sent, a repeat, or lands in a digest; no recipient gets more SMS than budget allows plus recoveries."""
    state = policy.empty_state()
    now = 0.0
    held_alerts = 0
    sent: dict = {ALICE: [], BOB: []}
    texted_problems: dict = {}
    for notification_type, host, recipient, pause in events:
        now += pause
        for digest in policy.due_digests(state, now, LIMITS):
            held_alerts -= digest.total
            sent[digest.recipient].append((now, "digest"))
        state_name = "CRITICAL" if notification_type == "PROBLEM" else "OK"
        alert = Alert(notification_type, "h{0}".format(host), state_name, "")
        decision: Optional[policy.Decision] = policy.decide(state, alert, recipient, now, LIMITS)
        if decision.fate == policy.HELD:
            held_alerts += 1
        elif decision.fate == policy.SEND:
            sent[recipient].append((now, notification_type))
            texted_problems[(recipient, host)] = notification_type == "PROBLEM"
    assert held_alerts == sum(entry["alerts"] for entries in state["held"].values() for entry in entries)
    for recipient, sends in sent.items():
        for moment, _kind in sends:
            window = [kind for when, kind in sends if moment <= when < moment + LIMITS.budget_window]
            non_recoveries = [kind for kind in window if kind != "RECOVERY"]
            assert len(non_recoveries) <= LIMITS.budget, recipient


def test_a_repeat_is_recognised_by_the_fingerprint_earlier_versions_wrote_too() -> None:
    # They kept a SHA-256 prefix of the same JSON; a state file of theirs must not text every repeat once more.
    state = policy.empty_state()
    legacy = hashlib.sha256(json.dumps(["PROBLEM", "CRITICAL", "", ""]).encode("utf-8")).hexdigest()[:16]
    state["subjects"][policy.subject_key(ALICE, problem())] = {"fingerprint": legacy, "at": 1000.0, "texted_problem": True}
    key = policy.subject_key(ALICE, problem())
    assert fates(state, [problem()], now=1100) == [policy.DEDUPLICATED] and state["subjects"][key]["fingerprint"] == legacy
    assert fates(state, [problem(state="WARNING")], now=1200) == [policy.SEND]
    assert state["subjects"][key]["fingerprint"] == policy.fingerprint(problem(state="WARNING"))
