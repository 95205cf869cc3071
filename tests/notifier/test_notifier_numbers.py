# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The notifier reads recipients like the module: real-world spellings in the region of notify.ini."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.notifier_script import ScriptRunner, icinga_args
from support.notifier_stand_ins import Clock, StandInSender, make_run
from support.number_spellings import AUSTRIAN_MOBILE, SPELLINGS, Spelling  # pylint: disable=import-error

from sipgate_api.credentials import choose_credentials
from sipgate_notify.alert import Alert
from sipgate_notify.config import load
from sipgate_notify.run import EXIT_OK, EXIT_PERMANENT, Run


def recipients(sender: StandInSender) -> list:
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
        assert (result.exit_code, recipients(sipgate)) == (EXIT_PERMANENT, [])
        assert [entry["event"] for entry in journal] == ["failed"]
        assert spelling.reason in journal[0]["reason"]
    else:
        assert (result.exit_code, recipients(sipgate)) == (EXIT_OK, [spelling.e164])
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
    assert recipients(sipgate) == [AUSTRIAN_MOBILE]


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
