# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outbox's claims that keep concurrent runs from sending one SMS twice."""

from __future__ import annotations

from sipgate_notify import policy, spool

ALICE = "+4915799912345"


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
