# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notifier reads recipients like the module: real-world spellings in the region of notify.ini.

A spelling read once is kept in the state, so a repeat needs no libphonenumber; a refused one is not kept."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.notifier_script import ScriptRunner, icinga_args
from support.notifier_stand_ins import Clock, StandInSender, make_run
from support.notifier_stand_ins import journal as journal_of
from support.number_spellings import AUSTRIAN_MOBILE, SPELLINGS, Spelling  # pylint: disable=import-error

from sipgate_api.credentials import choose_credentials
from sipgate_notify import number_book
from sipgate_notify.alert import Alert
from sipgate_notify.config import load
from sipgate_notify.run import EXIT_OK, EXIT_PERMANENT, Run


def sent_to(sender: StandInSender) -> list:
    return [recipient for recipient, _text in sender.delivered]


def spelling_id(spelling: Spelling) -> str:
    return "{0} in {1}".format(spelling.written, spelling.region)


@pytest.mark.parametrize("spelling", SPELLINGS, ids=spelling_id)
def test_every_spelling_is_sent_to_its_number_or_journaled_as_refused(spelling: Spelling, state_dir: Path, sipgate: StandInSender,
                                                                      clock: Clock) -> None:
    run = make_run(state_dir, sipgate, clock, region=spelling.region)
    result = run.execute(Alert("PROBLEM", "web01", "CRITICAL", "Connection refused", service="HTTP", recipients=(spelling.written,)))
    journal = [json.loads(line) for line in (state_dir / "journal.jsonl").read_text(encoding="utf-8").splitlines()]
    if spelling.refused:
        assert (result.exit_code, sent_to(sipgate)) == (EXIT_PERMANENT, [])
        assert [entry["event"] for entry in journal] == ["failed"]
        assert spelling.reason in journal[0]["reason"]
    else:
        assert (result.exit_code, sent_to(sipgate)) == (EXIT_OK, [spelling.e164])
        assert [(entry["event"], entry["recipient"]) for entry in journal] == [("sent", spelling.e164)]


def write_ini(folder: Path, **notify_settings: str) -> str:
    path = folder / "notify.ini"
    path.write_text("[notify]\n" + "".join("{0} = {1}\n".format(key, value) for key, value in notify_settings.items()), encoding="utf-8")
    path.chmod(0o600)
    return str(path)


def test_region_comes_from_notify_ini_in_any_case(tmp_path: Path, state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    assert load(write_ini(tmp_path), {}).region == "DE"
    settings = load(write_ini(tmp_path, region=" at ", state_dir=str(state_dir)), {})
    run = Run(settings, choose_credentials(token_id="token-T", token="secret"), clock=clock, sender=sipgate)
    assert run.execute(Alert("PROBLEM", "web01", "DOWN", "", recipients=("0664 1234567",))).exit_code == EXIT_OK
    assert sent_to(sipgate) == [AUSTRIAN_MOBILE]


def test_script_reads_national_numbers_in_the_region_of_its_settings(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier([*notifier.config(region="AT"), *icinga_args(recipient="0664 1234567")])
    assert done.returncode == 0, done.stderr
    assert [sms["recipient"] for sms in sipgate_sim.sent_sms()] == [AUSTRIAN_MOBILE]


def test_script_refuses_a_german_mobile_without_its_zero_and_sends_nothing(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(icinga_args(recipient="15799912345"))
    assert done.returncode == EXIT_PERMANENT
    assert "neither + nor a leading 0" in done.stderr and "+1 579-991-2345" in done.stderr
    assert sipgate_sim.requests() == []
    assert [entry["event"] for entry in notifier.journal()] == ["failed"]


def test_script_refuses_an_unknown_region_by_name(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier([*notifier.config(region="UK"), *icinga_args()])
    assert done.returncode == EXIT_PERMANENT
    assert "region: 'UK' is not a region" in done.stderr
    assert sipgate_sim.requests() == []


def test_script_warns_about_plain_http_on_loopback_and_refuses_it_elsewhere(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(icinga_args())
    assert done.returncode == 0 and "warning: api_url {0} is plain http".format(sipgate_sim.url) in done.stderr
    refused = notifier(icinga_args(host="web02"), env={"SIPGATE_API_URL": "http://api.example.com/v2"})
    assert refused.returncode == EXIT_PERMANENT
    assert "api_url: http://api.example.com/v2 is plain http to another machine" in refused.stderr
    assert len(sipgate_sim.sent_sms()) == 1


def alert_to(*numbers: str, host: str = "web01") -> Alert:
    return Alert("PROBLEM", host, "CRITICAL", "Connection refused", service="HTTP", recipients=numbers)


def state(state_dir: Path) -> dict:
    path = state_dir / "state.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {"numbers": {}}


def libphonenumber_not_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    def asked(*args: object, **kwargs: object) -> str:
        raise AssertionError("libphonenumber was asked about {0}".format(args))
    monkeypatch.setattr("sipgate_api.request.normalise_recipient", asked)


def test_a_spelling_read_once_is_taken_from_the_state_the_next_time(state_dir: Path, sipgate: StandInSender, clock: Clock,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    run = make_run(state_dir, sipgate, clock)
    assert run.execute(alert_to("0157 999-12345")).exit_code == EXIT_OK
    assert state(state_dir)["numbers"] == {"DE": {"0157 999-12345": {"number": "+4915799912345", "used": clock.now}}}

    libphonenumber_not_asked(monkeypatch)
    clock.now += 60
    assert run.execute(alert_to("0157 999-12345", host="web02")).exit_code == EXIT_OK
    assert sent_to(sipgate) == ["+4915799912345", "+4915799912345"]


def test_a_spelling_is_kept_per_region(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    make_run(state_dir, sipgate, clock, region="AT").execute(alert_to("0664 1234567"))
    make_run(state_dir, sipgate, clock, region="DE").execute(alert_to("0664 1234567", host="web02"))
    assert sent_to(sipgate) == [AUSTRIAN_MOBILE, "+496641234567"]
    assert {region: spellings["0664 1234567"]["number"] for region, spellings in state(state_dir)["numbers"].items()} == {
        "AT": AUSTRIAN_MOBILE, "DE": "+496641234567"}


def test_a_refused_spelling_is_read_again_each_time_and_never_kept(state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    run = make_run(state_dir, sipgate, clock)
    first, second = run.execute(alert_to("15799912345")), run.execute(alert_to("15799912345", host="web02"))
    assert (first.exit_code, second.exit_code, sent_to(sipgate)) == (EXIT_PERMANENT, EXIT_PERMANENT, [])
    assert first.records[0]["reason"] == second.records[0]["reason"] and "neither + nor a leading 0" in first.records[0]["reason"]
    assert state(state_dir)["numbers"] == {}


def test_a_spelling_in_use_is_renewed_daily_and_one_unused_for_a_month_forgotten(
        state_dir: Path, sipgate: StandInSender, clock: Clock) -> None:
    run = make_run(state_dir, sipgate, clock)
    started = clock.now
    run.execute(alert_to("+4915799912345"))
    clock.now = started + 3600
    run.execute(alert_to("+4915799912345", host="web02"))
    assert state(state_dir)["numbers"]["DE"]["+4915799912345"]["used"] == started  # a repeat writes nothing for it
    clock.now = started + number_book.USE_RENEWAL
    run.execute(alert_to("+4915799912345", host="web03"))
    assert state(state_dir)["numbers"]["DE"]["+4915799912345"]["used"] == clock.now
    clock.now += number_book.NUMBER_MEMORY
    run.execute(None)
    assert state(state_dir)["numbers"] == {}


def test_at_most_so_many_spellings_are_kept_the_least_recently_used_go_first() -> None:
    known = {"DE": {"+49{0}".format(number): {"number": "+49157999{0:05d}".format(number), "used": float(number)}
                    for number in range(number_book.MAX_NUMBERS + 2)}}
    number_book.forget_unused(known, now=float(number_book.MAX_NUMBERS + 2))
    assert len(known["DE"]) == number_book.MAX_NUMBERS and "+490" not in known["DE"] and "+491" not in known["DE"]


def test_a_bad_entry_among_the_numbers_sets_the_state_aside_and_the_alert_still_goes_out(state_dir: Path, sipgate: StandInSender,
                                                                                         clock: Clock) -> None:
    (state_dir / "state.json").write_text(json.dumps({"numbers": {"DE": {"0157 999-12345": {"number": "+4915799912346"},
                                                                         "+4915799912345": {"number": "0157", "used": 1.0}}}}),
                                          encoding="utf-8")
    result = make_run(state_dir, sipgate, clock).execute(alert_to("+4915799912345"))
    assert result.exit_code == EXIT_OK and sent_to(sipgate) == ["+4915799912345"]
    problems = [entry["reason"] for entry in journal_of(state_dir) if entry["event"] == "state_problem"]
    assert len(problems) == 1 and "numbers 'DE' spelling '0157 999-12345' lacks 'used'" in problems[0] and "moved aside" in problems[0]
    assert state(state_dir)["numbers"] == {"DE": {"+4915799912345": {"number": "+4915799912345", "used": clock.now}}}
