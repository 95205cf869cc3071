# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sending within the deadline, and the outbox's claims that keep concurrent runs from sending one SMS twice."""

from __future__ import annotations

import threading
import time

from sipgate_api.client import SendResult
from sipgate_api.errors import DELIVERED, DELIVERY_UNKNOWN, NOT_DELIVERED, SipgateError
from sipgate_notify import delivery, policy, spool

ALICE = "+4915799912345"


class SlowClient:
    """A client whose sends take ``seconds`` each, or fail as told."""

    def __init__(self, seconds: float = 0.0, error: SipgateError = None) -> None:  # type: ignore[assignment]
        self.seconds = seconds
        self.error = error
        self.sent: list = []
        self.lock = threading.Lock()

    def send_one(self, sms):  # type: ignore[no-untyped-def]
        time.sleep(self.seconds)
        if self.error is not None:
            return SendResult(sms, self.error.delivery, self.error)
        with self.lock:
            self.sent.append(sms.recipient)
        return SendResult(sms, DELIVERED)


def items(count: int) -> list:
    state = policy.empty_state()
    return [spool.enqueue(state, "+49157999{0:05d}".format(number), "text", 0, "run", {}) for number in range(count)]


def test_everything_is_sent_in_parallel_when_sipgate_answers() -> None:
    client = SlowClient(0.2)
    started = time.monotonic()
    outcomes = delivery._send_until(client, "s0", items(16), time.monotonic() + 10)  # pylint: disable=protected-access
    assert time.monotonic() - started < 1.5  # 16 sends of 0.2 s over 8 threads
    assert {outcome.delivery for outcome in outcomes.values()} == {DELIVERED} and len(client.sent) == 16


def test_at_the_deadline_sends_in_flight_are_unknown_and_the_rest_untried() -> None:
    client = SlowClient(3.0)
    started = time.monotonic()
    outcomes = delivery._send_until(client, "s0", items(12), time.monotonic() + 0.5)  # pylint: disable=protected-access
    assert time.monotonic() - started < 1.5
    deliveries = sorted(outcome.delivery for outcome in outcomes.values())
    assert deliveries == [NOT_DELIVERED] * 4 + [DELIVERY_UNKNOWN] * 8


def test_trouble_stops_further_sends() -> None:
    client = SlowClient(0.05, SipgateError("503", status=503, temporary=True))
    outcomes = delivery._send_until(client, "s0", items(100), time.monotonic() + 10)  # pylint: disable=protected-access
    assert all(outcome.delivery == NOT_DELIVERED for outcome in outcomes.values()) and len(outcomes) == 100


def test_malformed_sms_is_flagged_unsendable() -> None:
    client = SlowClient(0, SipgateError("400", status=400, temporary=False))
    [outcome] = list(delivery._send_until(client, "s0", items(1), time.monotonic() + 10).values())  # pylint: disable=protected-access
    assert outcome.unsendable and not outcome.temporary


def test_a_claimed_sms_is_not_claimed_again_until_its_run_is_presumed_dead() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id="first", about={})
    assert spool.claim_waiting(state, now=100 + spool.STALE_CLAIM - 1, run_id="second") == []
    assert spool.claim_waiting(state, now=100 + spool.STALE_CLAIM, run_id="second") == [item]
    assert item["claimed_by"] == "second"


def test_released_sms_waits_for_the_next_run_and_counts_its_attempts() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=0, run_id="first", about={})
    spool.release(state, item["id"], "first", "503")
    assert item["attempts"] == 1 and item["last_error"] == "503"
    assert spool.claim_waiting(state, now=1, run_id="second") == [item]


def test_a_run_that_lost_its_claim_does_not_release_the_new_owners() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=0, run_id="first", about={})
    spool.claim_waiting(state, now=spool.STALE_CLAIM, run_id="second")
    spool.release(state, item["id"], "first", "late")
    assert item["claimed_by"] == "second" and item["attempts"] == 0
