# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The outbox as a write-ahead ledger: claims, lost runs, one more try for an unknown delivery, then quarantine."""

from __future__ import annotations

import os

import pytest
from sipgate_notify import policy, spool

ALICE = "+4915799912345"


DEAD_RUN = "999999999-dead"  # no process has that pid


def live_run() -> str:
    return "{0}-live".format(os.getpid())


class HostClock:
    """Stands in for the clock since boot that claims are aged on."""

    def __init__(self, boot: str = "boot-1", uptime: float = 5000.0) -> None:
        self.boot = boot
        self.uptime = uptime

    def __call__(self) -> tuple:
        return self.boot, self.uptime


@pytest.fixture
def host_clock(monkeypatch: pytest.MonkeyPatch) -> HostClock:
    clock = HostClock()
    monkeypatch.setattr(spool, "host_clock", clock)
    return clock


def test_a_claim_of_a_running_run_is_left_alone_until_it_is_presumed_dead(host_clock: HostClock) -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=live_run(), about={})
    host_clock.uptime += spool.STALE_CLAIM - 1
    assert spool.claim_waiting(state, now=100 + spool.STALE_CLAIM - 1, run_id="second", hold_off=0) == ([], [])
    host_clock.uptime += 1
    claimed, [lost] = spool.claim_waiting(state, now=100 + spool.STALE_CLAIM, run_id="second", hold_off=0)
    assert claimed == [item] and lost.item is item and not lost.quarantined
    assert item["claimed_by"] == "second" and item["uncertain"] == 1


def test_a_wall_clock_set_forward_never_takes_over_the_claim_of_a_run_still_sending(host_clock: HostClock) -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=live_run(), about={})
    host_clock.uptime += 4  # four seconds later, after an NTP step of a day
    assert spool.claim_waiting(state, now=100 + 86400, run_id="second", hold_off=0) == ([], [])
    assert item["claimed_by"] == live_run() and "uncertain" not in item


def test_a_claim_from_before_the_host_restarted_has_ended_whoever_has_its_pid_now(host_clock: HostClock) -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=live_run(), about={})
    host_clock.boot, host_clock.uptime = "boot-2", 30.0
    claimed, [lost] = spool.claim_waiting(state, now=200, run_id="second", hold_off=0)
    assert claimed == [item] and not lost.quarantined and item["uncertain"] == 1


def test_a_clock_reading_another_run_left_behind_is_not_trusted(host_clock: HostClock) -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=DEAD_RUN, about={})
    item["claimed_by"], item["claimed_at"] = live_run(), 150  # claimed again by a version that reads no clock since boot
    host_clock.uptime += spool.STALE_CLAIM + 60
    assert spool.claim_waiting(state, now=160, run_id="second", hold_off=0) == ([], [])
    assert item["claimed_by"] == live_run()


def test_without_a_clock_since_boot_a_claim_ages_on_the_wall_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(spool, "host_clock", lambda: None)
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=live_run(), about={})
    assert "claimed_boot" not in item
    assert spool.claim_waiting(state, now=100 + spool.STALE_CLAIM - 1, run_id="second", hold_off=0) == ([], [])
    assert spool.claim_waiting(state, now=100 + spool.STALE_CLAIM, run_id="second", hold_off=0)[0] == [item]


def test_the_real_clock_since_boot_ages_a_claim() -> None:
    boot, uptime = spool.host_clock()
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=live_run(), about={})
    assert item["claimed_boot"] == boot and uptime <= item["claimed_uptime"] < uptime + 5


def test_an_sms_in_flight_when_its_run_died_is_unknown_and_waits_the_hold_off() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=DEAD_RUN, about={})
    claimed, [lost] = spool.claim_waiting(state, now=101, run_id="second", hold_off=60)
    assert claimed == [] and not lost.quarantined and "delivery unknown" in item["last_error"]
    assert (item["claimed_by"], item["not_before"], item["attempts"]) == (None, 160, 1)
    assert spool.claim_waiting(state, now=159, run_id="second", hold_off=60) == ([], [])
    assert spool.claim_waiting(state, now=160, run_id="second", hold_off=60) == ([item], [])


def test_a_second_unknown_attempt_is_quarantined_never_sent_again() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=100, run_id=DEAD_RUN, about={})
    spool.claim_waiting(state, now=101, run_id=DEAD_RUN, hold_off=0)  # resent once by a run that died too
    claimed, [lost] = spool.claim_waiting(state, now=102, run_id="third", hold_off=0)
    assert claimed == [] and lost.quarantined
    assert state["outbox"] == [] and state["quarantine"] == [item] and item["uncertain"] == 2
    assert spool.claim_waiting(state, now=10_000, run_id="fourth", hold_off=0) == ([], [])


def test_an_unknown_answer_is_held_once_then_quarantined() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=0, run_id="first", about={})
    assert spool.hold_unknown(state, item["id"], "first", "timed out", now=10, hold_off=30) is False
    assert item["not_before"] == 40 and item["claimed_by"] is None
    assert spool.claim_waiting(state, now=40, run_id="second", hold_off=30) == ([item], [])
    assert spool.hold_unknown(state, item["id"], "second", "timed out", now=50, hold_off=30) is True
    assert state["outbox"] == [] and state["quarantine"][0]["quarantined_at"] == 50


def test_released_sms_waits_for_the_next_run_and_counts_its_attempts() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=0, run_id="first", about={})
    spool.release(state, item["id"], "first", "503")
    assert item["attempts"] == 1 and item["last_error"] == "503" and "uncertain" not in item
    assert spool.claim_waiting(state, now=1, run_id="second", hold_off=0) == ([item], [])


def test_a_run_that_lost_its_claim_does_not_release_the_new_owners() -> None:
    state = policy.empty_state()
    item = spool.enqueue(state, ALICE, "text", now=0, run_id=DEAD_RUN, about={})
    spool.claim_waiting(state, now=spool.STALE_CLAIM, run_id="second", hold_off=0)
    spool.release(state, item["id"], DEAD_RUN, "late")
    assert item["claimed_by"] == "second" and item["attempts"] == 1
    assert spool.hold_unknown(state, item["id"], DEAD_RUN, "late", now=200, hold_off=0) is None


def test_quarantine_is_forgotten_after_a_month() -> None:
    state = policy.empty_state()
    state["quarantine"] = [{"quarantined_at": 0.0}, {"quarantined_at": spool.QUARANTINE_KEPT}]
    spool.expire(state, now=spool.QUARANTINE_KEPT + 1, max_age=60)
    assert state["quarantine"] == [{"quarantined_at": spool.QUARANTINE_KEPT}]
