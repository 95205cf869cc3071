# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Whole runs in-process with a test clock and a stand-in for sipgate: spool, flush, digests, journal, dry run."""

from __future__ import annotations

import json
from pathlib import Path

from sipgate_api.outcomes import DELIVERED, NOT_DELIVERED, UNKNOWN
from sipgate_notify.run import EXIT_OK, EXIT_PERMANENT, EXIT_TEMPORARY
from support.notifier_stand_ins import ALICE, SECRET, Clock, StandInSender, alert, journal, make_run


def test_delivered_alert_is_journaled_as_sent(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    result = make_run(state_dir, sipgate, clock).execute(alert())
    assert result.exit_code == EXIT_OK
    assert sipgate.delivered == [(ALICE, "PROBLEM web01/HTTP CRITICAL: Connection refused")]
    [entry] = journal(state_dir)
    assert (entry["event"], entry["recipient"], entry["host"], entry["service"], entry["state"]) == ("sent", ALICE, "web01", "HTTP", "CRITICAL")
    assert json.loads((state_dir / "state.json").read_text(encoding="utf-8"))["outbox"] == []


def test_several_recipients_each_get_the_sms(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    make_run(state_dir, sipgate, clock).execute(alert(recipients=("+49 157 99912345", "0157 99912346", "+4915799912345")))
    assert [recipient for recipient, _text in sipgate.delivered] == ["+4915799912345", "+4915799912346"]


def test_settings_recipients_stand_in_when_the_alert_names_none(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    make_run(state_dir, sipgate, clock, recipients=("+4915799912347",)).execute(alert(recipients=()))
    assert [recipient for recipient, _text in sipgate.delivered] == ["+4915799912347"]


def test_bad_recipient_is_journaled_and_exits_2_while_the_good_one_is_served(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    result = make_run(state_dir, sipgate, clock).execute(alert(recipients=("nobody", ALICE)))
    assert result.exit_code == EXIT_PERMANENT and len(sipgate.delivered) == 1
    assert sorted(entry["event"] for entry in journal(state_dir)) == ["failed", "sent"]


def test_no_recipient_at_all_is_journaled_as_failed(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    result = make_run(state_dir, sipgate, clock).execute(alert(recipients=()))
    assert result.exit_code == EXIT_PERMANENT and "pager" in journal(state_dir)[0]["reason"]


def test_an_sms_that_surely_did_not_go_out_is_spooled_and_delivered_once(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    sipgate.outcome = NOT_DELIVERED
    assert make_run(state_dir, sipgate, clock).execute(alert()).exit_code == EXIT_TEMPORARY
    [spooled] = journal(state_dir)
    assert spooled["event"] == "spooled" and spooled["delivery"] == NOT_DELIVERED
    sipgate.outcome = DELIVERED
    clock.now += 1
    assert make_run(state_dir, sipgate, clock).execute(None).exit_code == EXIT_OK
    assert make_run(state_dir, sipgate, clock).execute(None).exit_code == EXIT_OK
    assert len(sipgate.delivered) == 1
    assert [entry["event"] for entry in journal(state_dir)] == ["spooled", "sent"]
    assert journal(state_dir)[1]["attempts"] == 2


def test_an_unknown_delivery_is_sent_once_more_after_the_hold_off_and_no_more(state_dir: Path, sipgate: StandInSender,
                                                                              clock: Clock) -> None:
    sipgate.outcome = UNKNOWN
    assert make_run(state_dir, sipgate, clock).execute(alert()).exit_code == EXIT_TEMPORARY
    [held] = journal(state_dir)
    assert held["event"] == "delivery_unknown" and "sent once more after 120 s" in held["reason"]
    sipgate.outcome = DELIVERED
    clock.now += 119
    make_run(state_dir, sipgate, clock).execute(None)
    assert sipgate.delivered == []
    clock.now += 1
    assert make_run(state_dir, sipgate, clock).execute(None).exit_code == EXIT_OK
    assert make_run(state_dir, sipgate, clock).execute(None).exit_code == EXIT_OK
    assert len(sipgate.delivered) == 1
    assert [entry["event"] for entry in journal(state_dir)] == ["delivery_unknown", "sent"]


def test_a_second_unknown_delivery_is_quarantined_and_never_sent_again(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    sipgate.outcome = UNKNOWN
    make_run(state_dir, sipgate, clock).execute(alert())
    clock.now += 120
    assert make_run(state_dir, sipgate, clock).execute(None).exit_code == EXIT_PERMANENT
    sipgate.outcome = DELIVERED
    for _later in range(3):
        clock.now += 1000
        make_run(state_dir, sipgate, clock).execute(None)
    assert sipgate.delivered == []
    assert [entry["event"] for entry in journal(state_dir)] == ["delivery_unknown", "quarantined"]
    state = json.loads((state_dir / "state.json").read_text(encoding="utf-8"))
    assert state["outbox"] == [] and state["quarantine"][0]["text"] == journal(state_dir)[1]["text"]


def test_a_repeat_of_a_spooled_alert_is_not_queued_twice(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    sipgate.outcome = NOT_DELIVERED
    make_run(state_dir, sipgate, clock).execute(alert())
    sipgate.outcome = DELIVERED
    make_run(state_dir, sipgate, clock).execute(alert())
    assert len(sipgate.delivered) == 1
    assert [entry["event"] for entry in journal(state_dir)] == ["spooled", "deduplicated", "sent"]


def test_wrong_credentials_exit_2_but_keep_the_sms_for_after_the_fix(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    sipgate.outcome, sipgate.temporary = NOT_DELIVERED, False
    assert make_run(state_dir, sipgate, clock).execute(alert()).exit_code == EXIT_PERMANENT
    assert len(json.loads((state_dir / "state.json").read_text(encoding="utf-8"))["outbox"]) == 1


def test_an_sms_sipgate_calls_malformed_is_dropped_and_journaled_as_failed(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    sipgate.outcome, sipgate.temporary, sipgate.unsendable = NOT_DELIVERED, False, True
    assert make_run(state_dir, sipgate, clock).execute(alert()).exit_code == EXIT_PERMANENT
    assert journal(state_dir)[0]["event"] == "failed"
    assert json.loads((state_dir / "state.json").read_text(encoding="utf-8"))["outbox"] == []


def test_spool_gives_up_after_its_maximum_age_and_says_so(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    sipgate.outcome = NOT_DELIVERED
    make_run(state_dir, sipgate, clock, spool_max_age=3600.0).execute(alert())
    clock.now += 3600
    sipgate.outcome = DELIVERED
    make_run(state_dir, sipgate, clock, spool_max_age=3600.0).execute(None)
    assert sipgate.delivered == []
    assert journal(state_dir)[-1]["event"] == "failed" and "given up" in journal(state_dir)[-1]["reason"]


def test_storm_is_capped_at_the_budget_and_the_rest_goes_out_as_one_digest(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    for number in range(20):
        make_run(state_dir, sipgate, clock).execute(alert(host="web{0:02d}".format(number)))
    assert len(sipgate.delivered) == 5
    make_run(state_dir, sipgate, clock).execute(None)
    assert len(sipgate.delivered) == 5  # still no room
    clock.now += 600
    make_run(state_dir, sipgate, clock).execute(None)
    assert len(sipgate.delivered) == 6
    assert sipgate.delivered[-1][1].startswith("15 held: web05/HTTP CRITICAL, web06/HTTP CRITICAL")
    events = [entry["event"] for entry in journal(state_dir)]
    assert events.count("sent") == 5 and events.count("held") == 15 and events.count("digest_sent") == 1
    digest = journal(state_dir)[-1]
    assert digest["alerts_total"] == 15 and len(digest["alerts"]) == 15


def test_recovery_before_the_digest_is_reported_as_recovered(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    for number in range(6):
        make_run(state_dir, sipgate, clock).execute(alert(host="web{0}".format(number)))
    make_run(state_dir, sipgate, clock).execute(alert("RECOVERY", host="web5", state="OK"))
    make_run(state_dir, sipgate, clock).execute(alert("RECOVERY", host="web0", state="OK"))  # texted: bypasses the budget
    assert sipgate.delivered[-1][1] == "RECOVERY web0/HTTP OK: Connection refused"
    clock.now += 601
    make_run(state_dir, sipgate, clock).execute(None)
    assert sipgate.delivered[-1][1] == "2 held: web5/HTTP CRITICAL->OK"


def test_dry_run_prints_what_would_go_out_and_writes_nothing(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    result = make_run(state_dir, sipgate, clock).preview(alert())
    assert [(preview["recipient"], preview["encoding"], preview["segments"]) for preview in result.previews] == [(ALICE, "gsm7", 1)]
    assert sipgate.delivered == [] and list(state_dir.iterdir()) == []


def test_dry_run_reports_a_deduplication_without_recording_it(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    make_run(state_dir, sipgate, clock).execute(alert())
    before = {path.name: path.read_bytes() for path in state_dir.iterdir()}
    result = make_run(state_dir, sipgate, clock).preview(alert())
    assert result.previews == [] and result.records[0]["event"] == "deduplicated"
    assert {path.name: path.read_bytes() for path in state_dir.iterdir()} == before


def test_the_token_is_never_written(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    sipgate.outcome = NOT_DELIVERED
    make_run(state_dir, sipgate, clock).execute(alert())
    for path in state_dir.iterdir():
        assert SECRET not in path.read_text(encoding="utf-8")


def test_moments_from_a_clock_that_ran_a_day_ahead_hold_alerts_no_longer_than_a_window(
        state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    ahead = clock.now + 86400
    state = {"version": 1, "subjects": {}, "sends": {ALICE: [ahead] * 5}, "held": {}, "outbox": [], "quarantine": [], "numbers": {}}
    (state_dir / "state.json").write_text(json.dumps(state), encoding="utf-8")
    held = make_run(state_dir, sipgate, clock).execute(alert(host="db1", state="DOWN"))
    assert held.exit_code == EXIT_OK and sipgate.delivered == []
    problem, decision = journal(state_dir)
    assert problem["event"] == "state_problem" and "5 moments" in problem["reason"] and "the clock was set back" in problem["reason"]
    assert decision["event"] == "held"
    clock.now += 600  # the default budget window, counted from the moment the clock was set back
    make_run(state_dir, sipgate, clock).execute(None)
    assert [text for _recipient, text in sipgate.delivered] == ["1 held: db1/HTTP DOWN"]
