# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The receiver behind the HTTP layer: recipients, the notifier's Run, and the answer, against the simulator."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest
import support.notifier_script  # noqa: F401  # pylint: disable=unused-import  # makes the notifier's packages importable
from sipgate_api.credentials import choose_credentials  # pylint: disable=import-error
from sipgate_api.delivery import StopSignals  # pylint: disable=import-error
from sipgate_notify import journal  # pylint: disable=import-error
from sipgate_notify.config import settings_from  # pylint: disable=import-error
from sipgate_notify.receiver import Answer, Receiver, recipients_in  # pylint: disable=import-error
from sipgate_notify.run import network_sender  # pylint: disable=import-error
from sipgate_notify.alertmanager import PayloadError  # pylint: disable=import-error
from sipgate_notify.serve_settings import ServeSettings  # pylint: disable=import-error
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from webhook_notifications import latency, notification

ONCALL = "+4915799912345"
SECOND = "+4915799912346"


class Calls:
    """A receiver with its answers, and the order in which answers and sends happened."""

    def __init__(self, state_dir: Path, api_url: str, serve: ServeSettings = ServeSettings(), **notify: str) -> None:
        settings = settings_from(dict({"api_url": api_url, "sms_id": SMS_ID}, **notify)).replace(state_dir=str(state_dir))
        credentials = choose_credentials(token_id=TOKEN_ID, token=TOKEN)
        self.order: List[str] = []
        real = network_sender(settings, credentials)

        def sender(items: list, deadline: float, stop: object) -> dict:
            self.order.append("send")
            return real(items, deadline, stop)

        self.receiver = Receiver(settings, credentials, serve, StopSignals(), sender=sender)
        self.state_dir = state_dir

    def __call__(self, body: bytes, query: str = "to=" + ONCALL) -> Answer:
        answers: List[Answer] = []

        def reply(answer: Answer) -> None:
            self.order.append("answer")
            answers.append(answer)

        self.receiver.handle(body, query, reply)
        assert len(answers) == 1, answers
        return answers[0]

    def journal(self) -> list:
        path = self.state_dir / journal.JOURNAL_FILE
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()] if path.exists() else []


@pytest.fixture
def calls(tmp_path: Path, sipgate_sim) -> Calls:  # type: ignore[no-untyped-def]
    return Calls(tmp_path / "state", sipgate_sim.url)


def texts(sim) -> list:  # type: ignore[no-untyped-def]
    return [(sms["recipient"], sms["message"]) for sms in sim.sent_sms()]


def test_a_plus_in_the_query_is_the_numbers_own() -> None:
    assert recipients_in("to=+4915799912345,%2B4915799912346&to=0157%20999%2012347&to=+4915799912345") == (
        "+4915799912345", "+4915799912346", "0157 999 12347")
    assert recipients_in("") == ()
    with pytest.raises(PayloadError, match="unknown query parameter 'recipient'"):
        recipients_in("recipient=+4915799912345")


def test_the_answer_comes_once_every_sms_is_in_the_outbox_before_the_send(calls: Calls, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    answer = calls(notification(latency("web01"), latency("web02")), "to=" + ONCALL + "," + SECOND)
    assert answer.status == 200 and answer.body["alerts"] == 2, answer
    assert calls.order == ["answer", "send"]
    text = "FIRING 2 HighLatency web01,web02: p99 latency above 1 s"
    assert sorted(texts(sipgate_sim)) == [(ONCALL, text), (SECOND, text)]
    assert [record["event"] for record in calls.journal()] == ["sent"] * 4


def test_a_repeat_of_the_notification_is_deduplicated(calls: Calls, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    body = notification(latency("web01"), latency("web02"))
    calls(body)
    again = calls(body)
    assert again.status == 200 and again.body["journaled"] == {"deduplicated": 2}, again
    assert len(texts(sipgate_sim)) == 1 and calls.order == ["answer", "send", "answer"]


def test_a_new_alert_of_the_group_is_texted_alone(calls: Calls, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    calls(notification(latency("web01")))
    calls(notification(latency("web01"), latency("web02")))
    assert [text for _number, text in texts(sipgate_sim)] == [
        "FIRING 1 HighLatency web01: p99 latency above 1 s", "FIRING 1 HighLatency web02: p99 latency above 1 s"]


def test_a_resolved_group_that_was_texted_goes_out_over_the_budget(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    calls = Calls(tmp_path / "state", sipgate_sim.url, budget="1")
    calls(notification(latency("web01")))
    held = calls(notification(latency("db1"), groupKey="other"))
    resolved = calls(notification(latency("web01", "resolved"), status="resolved"))
    assert (held.status, held.body["journaled"], resolved.status) == (200, {"held": 1}, 200)
    assert [text for _number, text in texts(sipgate_sim)] == [
        "FIRING 1 HighLatency web01: p99 latency above 1 s", "RESOLVED 1 HighLatency web01: p99 latency above 1 s"]


def test_receivers_of_the_settings_file_give_the_numbers_without_a_query(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    calls = Calls(tmp_path / "state", sipgate_sim.url, ServeSettings(receivers={"oncall": (SECOND,)}))
    answer = calls(notification(latency("web01"), receiver="OnCall"), query="")
    assert answer.status == 200 and [number for number, _text in texts(sipgate_sim)] == [SECOND]


def test_without_a_recipient_the_alerts_are_journaled_as_failed_and_answered_422(calls: Calls, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    answer = calls(notification(latency("web01"), latency("web02"), receiver="team-db"), query="")
    assert answer.status == 422 and "no recipient for receiver 'team-db'" in answer.body["error"], answer
    assert "[receivers]" in answer.body["error"] and "?to=" in answer.body["error"]
    assert [record["event"] for record in calls.journal()] == ["failed", "failed"] and sipgate_sim.sent_sms() == []


def test_an_invalid_number_is_answered_422_and_the_valid_one_still_gets_its_sms(calls: Calls, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    answer = calls(notification(latency("web01")), "to=+49123," + ONCALL)
    assert answer.status == 422 and answer.body["error"].startswith("+49123: "), answer
    assert texts(sipgate_sim) == [(ONCALL, "FIRING 1 HighLatency web01: p99 latency above 1 s")]


def test_a_malformed_notification_is_answered_400_and_journaled(
        calls: Calls, sipgate_sim, capsys: pytest.CaptureFixture) -> None:  # type: ignore[no-untyped-def]
    answer = calls(b'{"version": "4", "alerts": "none"}')
    assert answer.status == 400 and answer.body["error"].startswith("alerts: expected a list"), answer
    record, = calls.journal()
    assert (record["event"], record["reason"]) == ("failed", "webhook refused: " + answer.body["error"])
    assert "webhook input -> nobody: failed (webhook refused: alerts: expected a list" in capsys.readouterr().err
    assert sipgate_sim.requests() == []


def test_json_nested_beyond_reason_is_answered_400_and_journaled(calls: Calls, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    answer = calls(b"[" * 100000 + b"]" * 100000)
    assert answer.status == 400 and "nested deeper" in answer.body["error"], answer
    assert [record["event"] for record in calls.journal()] == ["failed"] and sipgate_sim.requests() == []


def test_it_is_ready_only_while_the_state_directory_can_be_written(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    assert Calls(tmp_path / "state" / "not-yet", sipgate_sim.url).receiver.unready() == ""
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    assert "is not writable" in Calls(blocker / "state", sipgate_sim.url).receiver.unready()


def test_a_journal_that_cannot_be_written_is_answered_503(calls: Calls, monkeypatch: pytest.MonkeyPatch, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(journal, "append", lambda state_dir, records: False)
    answer = calls(notification(latency("web01")))
    assert answer.status == 503 and "journal could not be written" in answer.body["error"], answer
    # What was decided stands: the SMS was in the outbox and goes out; Alertmanager's retry is deduplicated.
    assert len(texts(sipgate_sim)) == 1


def test_an_sms_neither_sent_nor_kept_is_answered_503_after_the_attempt(tmp_path: Path, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    calls = Calls(blocker / "state", sipgate_sim.url)
    sipgate_sim.add_fault(status=503, count=4, path="/sessions/sms")
    answer = calls(notification(latency("web01")))
    assert answer.status == 503 and calls.order == ["send", "answer"], (answer, calls.order)
    sipgate_sim.reset()
    retried = calls(notification(latency("web01")))
    # It went out now; nothing could deduplicate another retry, so this one is not asked for.
    assert retried.status == 200 and "without deduplication" in retried.body["warning"] and len(texts(sipgate_sim)) == 1
