# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms with the client's API calls replaced: validation, idempotency, the ledger, check and diff mode, failures.

The real connection, delivery core and record run; only the HTTP calls are stood in for.
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Optional

import phonenumbers
import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import SipgateClient
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SipgateError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import DELIVERED, IN_FLIGHT, UNKNOWN
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest, delivery_key
from ansible_collections.sipgateio.sms.plugins.modules import sipgate_sms

SECRET = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
FIRST = "+4915799912345"
SECOND = "+4915799912346"
TEXT = "Maintenance starts at 22:00"


class FakeApi:
    """Stands in for the client's API calls and records every one. ``refuse`` decides each send's error."""

    def __init__(self, refuse: Optional[Callable[[SmsRequest], Optional[Exception]]] = None,
                 history_items: Optional[list] = None, history_error: Optional[SipgateError] = None,
                 lookup_error: Optional[SipgateError] = None, send_seconds: float = 0.0) -> None:
        self.refuse = refuse or (lambda sms: None)
        self.lookup_error = lookup_error
        self.history_items = history_items or []
        self.history_error = history_error
        self.send_seconds = send_seconds
        self.sent: list = []
        self.calls: list = []
        self.lock = threading.Lock()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> FakeApi:
        api = self

        def send(_client: SipgateClient, sms: SmsRequest, deadline: Optional[float] = None) -> None:
            with api.lock:
                api.calls.append("send")
                api.sent.append(sms)
            time.sleep(api.send_seconds)
            error = api.refuse(sms)
            if error is not None:
                raise error

        def sms_extensions(_client: SipgateClient, user_id: Optional[str] = None) -> list:
            api.calls.append("sms_extensions")
            if api.lookup_error is not None:
                raise api.lookup_error
            return [{"id": "s3"}, {"id": "s4"}]

        def history(_client: SipgateClient, since: str, until: Optional[str] = None, phonenumber: Optional[str] = None,
                    limit: int = 100) -> list:
            api.calls.append("history:{0}:{1}".format(phonenumber, since))
            if api.history_error is not None:
                raise api.history_error
            return [item for item in api.history_items
                    if phonenumber is None or phonenumbers.parse(item["target"], "DE") == phonenumbers.parse(phonenumber)]

        def no_http(_client: SipgateClient, method: str, path: str, **_kwargs: Any) -> Any:
            raise AssertionError("unexpected HTTP request {0} {1}".format(method, path))

        monkeypatch.setattr(SipgateClient, "send", send)
        monkeypatch.setattr(SipgateClient, "sms_extensions", sms_extensions)
        monkeypatch.setattr(SipgateClient, "history", history)
        monkeypatch.setattr(SipgateClient, "_call", no_http)
        return self


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("SIPGATE_TOKEN_ID", "SIPGATE_TOKEN", "SIPGATE_ACCESS_TOKEN", "SIPGATE_SMS_ID", "SIPGATE_API_URL"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    return FakeApi().install(monkeypatch)


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "sent.json"


def run(capsys: pytest.CaptureFixture, state_file: Path, **args: Any) -> dict:
    params = {"token_id": "token-ABC123", "token": SECRET, "sms_id": "s0", "recipients": [FIRST, SECOND],
              "msg": TEXT, "state_file": str(state_file), **args}
    params = {name: value for name, value in params.items() if value is not None}
    with patch_module_args(params), pytest.raises(SystemExit):
        sipgate_sms.main()
    out = capsys.readouterr().out
    assert SECRET not in out
    return json.loads(out)


def key_for(recipient: str, message: str = TEXT, sms_id: str = "s0") -> str:
    return delivery_key(SmsRequest(sms_id, recipient, message), None, "")


def write_record(state_file: Path, entries: Any) -> None:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(entries), encoding="utf-8")


def recorded(state_file: Path) -> dict:
    return json.loads(state_file.read_text(encoding="utf-8"))


def statuses(result: dict) -> dict:
    return {entry["recipient"]: entry["status"] for entry in result["results"]}


def refuse(recipient: str, error: Exception) -> Callable[[SmsRequest], Optional[Exception]]:
    return lambda sms: error if sms.recipient == recipient else None


LOST = SipgateError("POST /sessions/sms lost the connection after the request was sent: delivery unknown",
                    delivery=UNKNOWN, temporary=True)


# --- bad input: the task fails naming the field, and nothing is requested ---------------------

@pytest.mark.parametrize("args, field, words", [
    ({"sms_id": "0"}, "sms_id", "'s' followed by digits"),
    ({"sms_id": "s0x"}, "sms_id", "'s' followed by digits"),
    ({"recipients": ["+49 157"]}, "recipients[0]", ""),
    ({"recipients": [FIRST, "call me"]}, "recipients[1]", ""),
    ({"recipients": []}, "recipients", "no recipient"),
    ({"msg": "   "}, "msg", "blank"),
    ({"send_at": "2001-01-01T00:00:00+00:00"}, "send_at", "in the past"),
    ({"send_at": "31d"}, "send_at", "more than 30 days"),
    ({"send_at": "2099-01-01T08:00:00"}, "send_at", "no time zone"),
    ({"send_at": "next tuesday"}, "send_at", "not a time"),
    ({"send_at": 1000000000}, "send_at", "in the past"),
    ({"dedup_window": "a while"}, "dedup_window", "not a duration"),
    ({"dedup_window": "-5"}, "dedup_window", "not a duration"),
    ({"token": None}, "token", "give both token_id and token"),
    ({"token_id": None}, "token_id", "give both token_id and token"),
    ({"token_id": None, "token": None}, "token_id", "no credentials"),
    ({"access_token": "bearer-secret"}, "credentials", "more than one kind"),
    ({"timeout": 0}, "timeout", "above 0"),
    ({"timeout": -1.5}, "timeout", "above 0"),
    ({"retries": -1}, "retries", "negative"),
    ({"concurrency": 0}, "concurrency", "between 1 and"),
    ({"recipients": ["15799912345"]}, "recipients[0]", "neither + nor a leading 0"),
    ({"recipients": ["0157 999 12345"], "country_code": ""}, "country_code", "is empty"),
    ({"recipients": ["0157 999 12345"], "country_code": "DE"}, "country_code", "not a country calling code"),
    ({"region": "UK"}, "region", "not a region"),
    ({"api_url": "http://api.example.com/v2"}, "api_url", "plain http to another machine"),
])
def test_bad_input_fails_naming_the_field_before_any_request(api, capsys, state_file, args, field, words):
    result = run(capsys, state_file, **args)
    assert result["failed"] is True
    assert result["field"] == field, result["msg"]
    assert result["msg"].startswith(field + ":") and words in result["msg"]
    assert result["changed"] is False
    assert api.calls == []
    assert not state_file.parent.exists()


def test_the_tasks_own_credentials_win_over_a_token_in_the_environment(api, capsys, state_file, monkeypatch):
    monkeypatch.setenv("SIPGATE_TOKEN_ID", "token-ENV001")
    monkeypatch.setenv("SIPGATE_TOKEN", "env-secret")
    made = []
    real = sipgate_sms.connection_from_params

    def spy(params, warn=None, **extra):
        made.append(real(params, warn, **extra))
        return made[-1]

    monkeypatch.setattr(sipgate_sms, "connection_from_params", spy)
    result = run(capsys, state_file, token_id=None, token=None, access_token="bearer-abc", recipients=[FIRST])
    assert "failed" not in result, result
    assert made[0].credentials.kind == "OAuth access token" and len(api.sent) == 1


def test_two_kinds_of_credentials_in_the_task_itself_are_still_refused(api, capsys, state_file, monkeypatch):
    monkeypatch.setenv("SIPGATE_TOKEN_ID", "token-ENV001")
    monkeypatch.setenv("SIPGATE_TOKEN", "env-secret")
    result = run(capsys, state_file, access_token="bearer-abc")  # token_id and token given by the task too
    assert result["failed"] is True and result["field"] == "credentials" and api.calls == []


def test_a_bad_recipient_late_in_the_list_keeps_the_good_ones_from_being_sent(api, capsys, state_file):
    result = run(capsys, state_file, recipients=[FIRST, SECOND, "+49 1"], sms_id=None)
    assert result["field"] == "recipients[2]"
    assert api.calls == []


# --- sending and recording -----------------------------------------------------------------

def test_first_run_sends_to_each_recipient_once_in_e164_and_records_them(api, capsys, state_file):
    result = run(capsys, state_file, recipients=["+49 157 999 12345", "0157-99912346", "0049 15799912345"])
    assert result["changed"] is True and "failed" not in result
    assert [sms.recipient for sms in api.sent] == [FIRST, SECOND]
    assert result["sent"] == [FIRST, SECOND]
    assert statuses(result) == {FIRST: "sent", SECOND: "sent"}
    assert result["skipped_recipients"] == []
    assert (result["sms_id"], result["encoding"], result["segments"]) == ("s0", "gsm7", 1)
    entries = recorded(state_file)
    assert set(entries) == {key_for(FIRST), key_for(SECOND)}
    assert all(entry["outcome"] == DELIVERED for entry in entries.values())


def test_the_record_holds_neither_the_token_nor_numbers_nor_text(api, capsys, state_file):
    run(capsys, state_file)
    text = state_file.read_text(encoding="utf-8")
    assert SECRET not in text and FIRST not in text and "Maintenance" not in text


def test_reports_ucs2_and_segments_without_changing_the_message(api, capsys, state_file):
    text = "Störung – " + "x" * 70
    result = run(capsys, state_file, msg=text, recipients=[FIRST])
    assert (result["encoding"], result["segments"]) == ("ucs2", 2)
    assert result["results"][0]["segments"] == 2
    assert api.sent[0].message == text


def test_national_numbers_take_the_country_code(api, capsys, state_file):
    run(capsys, state_file, recipients=["0171 2345678"], country_code="43")
    assert api.sent[0].recipient == "+431712345678"


def test_scheduled_send_carries_the_unix_time(api, capsys, state_file):
    moment = int(time.time()) + 3600
    result = run(capsys, state_file, recipients=[FIRST], send_at=moment)
    assert api.sent[0].send_at == moment and result["results"][0]["send_at"] == moment


def test_relative_send_at_is_resolved_and_rerun_is_skipped(api, capsys, state_file):
    before = int(time.time())
    result = run(capsys, state_file, recipients=[FIRST], send_at="2h")
    assert before + 7200 <= api.sent[0].send_at <= int(time.time()) + 7200
    assert result["results"][0]["send_at"] == api.sent[0].send_at
    assert run(capsys, state_file, recipients=[FIRST], send_at="2h")["changed"] is False
    assert run(capsys, state_file, recipients=[FIRST], send_at="3h")["changed"] is True
    assert len(api.sent) == 2


def test_one_moment_written_three_ways_is_one_send(api, capsys, state_file):
    moment = (int(time.time()) // 3600 + 2) * 3600
    iso = datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    for written in (moment, iso + "Z", iso + "+00:00", datetime.fromtimestamp(moment, timezone(timedelta(hours=1))).isoformat()):
        run(capsys, state_file, recipients=[FIRST], send_at=written)
    assert [sms.send_at for sms in api.sent] == [moment]


def test_a_record_written_with_the_moment_as_text_still_counts(api, capsys, state_file):
    moment = (int(time.time()) // 3600 + 2) * 3600
    iso = datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    run(capsys, state_file, recipients=[FIRST], send_at=iso)
    record = json.loads(state_file.read_text(encoding="utf-8"))
    entries = record["entries"] if "entries" in record else record
    # As earlier versions keyed it: by the text of send_at.
    old_key = delivery_key(api.sent[0], None, iso)
    (key,) = [key for key in entries if isinstance(entries[key], dict)]
    entries[old_key] = entries.pop(key)
    state_file.write_text(json.dumps(record), encoding="utf-8")
    assert run(capsys, state_file, recipients=[FIRST], send_at=iso)["changed"] is False and len(api.sent) == 1


def test_a_dedup_window_longer_than_the_record_keeps_is_refused(api, capsys, state_file):
    result = run(capsys, state_file, recipients=[FIRST], dedup_window="365d")
    assert result["failed"] is True and result["field"] == "dedup_window" and "90d or less" in result["msg"]
    assert api.calls == []


def test_missing_sms_id_is_looked_up_and_used(api, capsys, state_file):
    result = run(capsys, state_file, sms_id=None, recipients=[FIRST])
    assert api.calls[0] == "sms_extensions"
    assert result["sms_id"] == "s3" and api.sent[0].sms_id == "s3"


def test_sms_id_comes_from_the_environment(api, capsys, state_file, monkeypatch):
    monkeypatch.setenv("SIPGATE_SMS_ID", "s5")
    result = run(capsys, state_file, sms_id=None, recipients=[FIRST])
    assert "sms_extensions" not in api.calls and result["sms_id"] == "s5"


def test_refused_sms_id_look_up_says_to_give_sms_id(monkeypatch, capsys, state_file):
    api = FakeApi(lookup_error=SipgateError.from_status(403, "GET /w0/sms")).install(monkeypatch)
    result = run(capsys, state_file, sms_id=None)
    assert result["failed"] is True and result["status"] == 403
    assert "give sms_id" in result["msg"] and "sms:read" in result["msg"]
    assert "no permission to send" not in result["msg"]
    assert api.sent == []


def test_other_look_up_failures_keep_their_words(monkeypatch, capsys, state_file):
    FakeApi(lookup_error=SipgateError.from_status(401, "GET /authorization/userinfo")).install(monkeypatch)
    result = run(capsys, state_file, sms_id=None)
    assert result["status"] == 401 and "wrong credentials" in result["msg"]


# --- idempotency ---------------------------------------------------------------------------

def test_rerun_sends_nothing_and_is_ok(api, capsys, state_file):
    run(capsys, state_file)
    api.calls.clear()
    result = run(capsys, state_file)
    assert result["changed"] is False and "failed" not in result
    assert api.calls == [] and result["sent"] == []
    assert statuses(result) == {FIRST: "skipped", SECOND: "skipped"}
    assert all("already sent at" in item["reason"] for item in result["skipped_recipients"])


def test_delivered_key_outside_the_window_is_sent_again(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 7200, "outcome": DELIVERED}})
    result = run(capsys, state_file, recipients=[FIRST], dedup_window="1h")
    assert result["changed"] is True and [sms.recipient for sms in api.sent] == [FIRST]


def test_delivered_key_inside_the_window_is_skipped(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 1700, "outcome": DELIVERED}})
    result = run(capsys, state_file, dedup_window="1800")
    assert [sms.recipient for sms in api.sent] == [SECOND]
    assert statuses(result) == {FIRST: "skipped", SECOND: "sent"}


def test_force_sends_what_was_delivered(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERED}})
    result = run(capsys, state_file, recipients=[FIRST], force=True)
    assert result["changed"] is True and [sms.recipient for sms in api.sent] == [FIRST]


def test_dedup_window_zero_sends_every_time(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST], dedup_window=0)
    run(capsys, state_file, recipients=[FIRST], dedup_window=0)
    assert len(api.sent) == 2


@pytest.mark.parametrize("outcome", [UNKNOWN, IN_FLIGHT])
def test_an_unknown_or_in_flight_send_is_skipped_as_delivery_unknown(api, capsys, state_file, outcome):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": outcome}})
    result = run(capsys, state_file, recipients=[FIRST])
    assert result["changed"] is False and api.sent == []
    reason = result["skipped_recipients"][0]["reason"]
    assert reason.startswith("delivery unknown in an earlier run") and "force: true" in reason


def test_an_unknown_send_goes_out_with_force_and_is_then_delivered(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": UNKNOWN}})
    run(capsys, state_file, recipients=[FIRST], force=True)
    assert [sms.recipient for sms in api.sent] == [FIRST]
    assert recorded(state_file)[key_for(FIRST)]["outcome"] == DELIVERED


def test_other_text_to_the_same_recipient_is_sent(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST])
    run(capsys, state_file, recipients=[FIRST], msg="Maintenance is over")
    assert [sms.message for sms in api.sent] == [TEXT, "Maintenance is over"]


def test_dedup_key_replaces_the_text(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST], msg="CHG-1 deployed to 3 hosts", dedup_key="CHG-1")
    assert run(capsys, state_file, recipients=[FIRST], msg="CHG-1 deployed to 4 hosts", dedup_key="CHG-1")["changed"] is False
    assert run(capsys, state_file, recipients=[FIRST], msg="CHG-1 deployed to 4 hosts", dedup_key="CHG-2")["changed"] is True
    assert len(api.sent) == 2


def test_empty_dedup_key_falls_back_to_the_text(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST], msg="first text", dedup_key="")
    assert run(capsys, state_file, recipients=[FIRST], msg="second text", dedup_key="")["changed"] is True


def test_another_sms_id_is_another_send(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST])
    assert run(capsys, state_file, recipients=[FIRST], sms_id="s1")["changed"] is True
    assert [sms.sms_id for sms in api.sent] == ["s0", "s1"]


def test_the_record_keeps_entries_of_other_messages_and_prunes_old_ones(api, capsys, state_file):
    other = key_for(FIRST, message="older")
    write_record(state_file, {other: {"at": time.time() - 60, "outcome": DELIVERED},
                              "ancient": {"at": time.time() - 100 * 24 * 3600, "outcome": DELIVERED}})
    run(capsys, state_file, recipients=[FIRST])
    assert set(recorded(state_file)) == {other, key_for(FIRST)}


# --- the write-ahead record ----------------------------------------------------------------

@pytest.mark.parametrize("content, words", [
    ("{not json", "not JSON"),
    ("[]", "holds a JSON list"),
    ('"x"', "holds a JSON str"),
    ("42", "holds a JSON int"),
    ('{"k": "v"}', "is not an object"),
    ('{"k": {"at": "abc", "outcome": "delivered"}}', "no time in 'at'"),
    ('{"k": {"at": NaN, "outcome": "delivered"}}', "no time in 'at'"),
    ('{"k": {"at": 1, "outcome": "maybe"}}', "unknown outcome"),
])
def test_a_malformed_record_fails_before_sending_naming_the_file(api, capsys, state_file, content, words):
    state_file.parent.mkdir(parents=True)
    state_file.write_text(content, encoding="utf-8")
    result = run(capsys, state_file)
    assert result["failed"] is True and result["changed"] is False
    assert str(state_file) in result["msg"] and words in result["msg"] and "move it aside" in result["msg"]
    assert api.sent == []
    assert state_file.read_text(encoding="utf-8") == content


def test_a_record_that_cannot_be_written_stops_the_task_before_any_request(api, capsys, state_file, monkeypatch):
    def refuse_write(_path: Path, _data: Any) -> None:
        raise OSError(28, "No space left on device")
    monkeypatch.setattr("ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.state_file.write_atomically",
                        refuse_write)
    result = run(capsys, state_file)
    assert result["failed"] is True and result["changed"] is False
    assert "cannot write state file" in result["msg"] and "No space left" in result["msg"]
    assert api.sent == []


def test_the_intent_is_on_disk_before_the_request_goes_out(monkeypatch, capsys, state_file):
    seen: list = []

    def look_at_the_record(sms: SmsRequest) -> Optional[Exception]:
        seen.append(recorded(state_file)[key_for(sms.recipient)]["outcome"])
        return None
    FakeApi(refuse=look_at_the_record).install(monkeypatch)
    run(capsys, state_file)
    assert seen == [IN_FLIGHT, IN_FLIGHT]
    assert {entry["outcome"] for entry in recorded(state_file).values()} == {DELIVERED}


def test_an_outcome_that_cannot_be_recorded_fails_loudly_and_a_rerun_does_not_resend(monkeypatch, capsys, state_file):
    api = FakeApi().install(monkeypatch)
    module_utils = "ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api."
    from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api import state_file as state_file_module
    real_write = state_file_module.write_atomically
    writes: list = []

    def second_write_fails(path: Path, data: Any) -> None:
        writes.append(path)
        if len(writes) == 2:
            raise OSError(30, "Read-only file system")
        real_write(path, data)
    monkeypatch.setattr(module_utils + "state_file.write_atomically", second_write_fails)
    result = run(capsys, state_file, recipients=[FIRST])
    assert result["failed"] is True and result["changed"] is True
    assert "went out" in result["msg"] and "Read-only file system" in result["msg"]
    assert result["sent"] == [FIRST]
    monkeypatch.setattr(module_utils + "state_file.write_atomically", real_write)
    rerun = run(capsys, state_file, recipients=[FIRST])
    assert rerun["changed"] is False and len(api.sent) == 1
    assert "delivery unknown" in rerun["skipped_recipients"][0]["reason"]


def test_a_signal_mid_send_records_what_is_known_and_a_rerun_does_not_resend(monkeypatch, capsys, state_file):
    api = FakeApi(send_seconds=2.0).install(monkeypatch)
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    started = time.monotonic()
    result = run(capsys, state_file, recipients=[FIRST], concurrency=1)
    assert time.monotonic() - started < 1.8
    assert result["failed"] is True and result["interrupted_by"] == "SIGINT"
    assert statuses(result) == {FIRST: "unknown"} and "SIGINT" in result["msg"]
    assert recorded(state_file)[key_for(FIRST)]["outcome"] == UNKNOWN
    api.send_seconds = 0
    rerun = run(capsys, state_file, recipients=[FIRST])
    assert rerun["changed"] is False and len(api.sent) == 1


# --- history scope -------------------------------------------------------------------------

def sipgate_target(number: str) -> str:
    """A German number the way sipgate's history writes it: +4915799912345 as 01579-9912345."""
    area, subscriber = phonenumbers.format_number(phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.NATIONAL).split(" ", 1)
    return "{0}-{1}".format(area, subscriber.replace(" ", ""))


def history_entry(recipient: str, text: str) -> dict:
    return {"target": sipgate_target(recipient), "smsContent": text, "created": "2026-01-01T00:00:00Z"}


def test_history_scope_skips_what_sipgate_lists(monkeypatch, capsys, state_file):
    api = FakeApi(history_items=[history_entry(FIRST, TEXT), history_entry(SECOND, "other text")]).install(monkeypatch)
    result = run(capsys, state_file, dedup_scope="history")
    assert [sms.recipient for sms in api.sent] == [SECOND]
    assert result["skipped_recipients"] == [{"recipient": FIRST, "reason": "found in sipgate history (within dedup_window)"}]
    asked = [call.split(":", 2) for call in api.calls if call.startswith("history")]
    assert [call[1] for call in asked] == [FIRST, SECOND]


def test_history_in_national_spelling_prevents_a_second_sms(monkeypatch, capsys, state_file):
    api = FakeApi(history_items=[history_entry(FIRST, TEXT)]).install(monkeypatch)
    assert api.history_items[0]["target"] == "01579-9912345"
    result = run(capsys, state_file, dedup_scope="history", recipients=[FIRST])
    assert result["changed"] is False and api.sent == []


def test_history_of_another_number_or_text_does_not_stop_the_sms(monkeypatch, capsys, state_file):
    api = FakeApi(history_items=[history_entry(SECOND, TEXT), history_entry(FIRST, "other text")]).install(monkeypatch)
    result = run(capsys, state_file, dedup_scope="history", recipients=[FIRST])
    assert result["changed"] is True and [sms.recipient for sms in api.sent] == [FIRST]


def test_history_is_read_in_the_region_of_the_recipients(monkeypatch, capsys, state_file):
    api = FakeApi(history_items=[{"target": "0664 1234567", "smsContent": TEXT}]).install(monkeypatch)
    monkeypatch.setattr(SipgateClient, "history", lambda _client, since, phonenumber=None, **_: api.history_items)
    assert run(capsys, state_file, dedup_scope="history", recipients=["0664 1234567"], region="AT")["changed"] is False
    other_record = state_file.with_name("other.json")
    assert run(capsys, other_record, dedup_scope="history", recipients=["+43 664 1234567"])["changed"] is True


def test_plain_http_on_loopback_is_warned_about(api, capsys, state_file, warnings):
    assert run(capsys, state_file, api_url="http://127.0.0.1:8080/v2", recipients=[FIRST])["changed"] is True
    assert run(capsys, state_file, api_url="https://127.0.0.1:8080/v2", recipients=[SECOND])["changed"] is True
    assert len(warnings) == 1 and "plain http" in warnings[0] and "unencrypted" in warnings[0]


def test_history_scope_is_consulted_in_check_mode(monkeypatch, capsys, state_file):
    FakeApi(history_items=[history_entry(FIRST, TEXT)]).install(monkeypatch)
    result = run(capsys, state_file, _ansible_check_mode=True, dedup_scope="history", recipients=[FIRST])
    assert result["changed"] is False and result["results"][0]["status"] == "skipped"


def test_history_scope_refused_names_the_scope(monkeypatch, capsys, state_file):
    api = FakeApi(history_error=SipgateError.from_status(403, "GET /history")).install(monkeypatch)
    result = run(capsys, state_file, dedup_scope="history")
    assert result["failed"] is True and result["status"] == 403
    assert "history:read" in result["msg"] and "dedup_scope" in result["msg"]
    assert api.sent == []


def test_local_scope_never_asks_the_history(monkeypatch, capsys, state_file):
    api = FakeApi(history_items=[history_entry(FIRST, TEXT)]).install(monkeypatch)
    run(capsys, state_file)
    assert not [call for call in api.calls if call.startswith("history")] and len(api.sent) == 2


# --- check mode and diff -------------------------------------------------------------------

def test_check_mode_sends_nothing_and_leaves_no_trace(api, capsys, state_file):
    result = run(capsys, state_file, _ansible_check_mode=True)
    assert result["changed"] is True and api.sent == []
    assert result["sent"] == [FIRST, SECOND]
    assert statuses(result) == {FIRST: "would_send", SECOND: "would_send"}
    assert not state_file.parent.exists()


def test_check_mode_looks_up_the_sms_id(api, capsys, state_file):
    result = run(capsys, state_file, _ansible_check_mode=True, sms_id=None)
    assert result["sms_id"] == "s3" and api.sent == []


def test_check_mode_after_a_send_reports_no_change(api, capsys, state_file):
    run(capsys, state_file)
    before = state_file.read_bytes()
    result = run(capsys, state_file, _ansible_check_mode=True)
    assert result["changed"] is False and len(api.sent) == 2
    assert state_file.read_bytes() == before


def test_check_mode_beside_a_record_without_its_lock_file_creates_none(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERED}})
    lock = Path(str(state_file) + ".lock")
    if lock.exists():
        lock.unlink()
    result = run(capsys, state_file, _ansible_check_mode=True)
    assert statuses(result)[SECOND] == "would_send" and not lock.exists()


def test_diff_lists_each_message_to_go_out(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERED}})
    result = run(capsys, state_file, _ansible_check_mode=True, _ansible_diff=True)
    assert result["diff"]["before"] == ""
    assert result["diff"]["after"] == "To {0}: {1}\n".format(SECOND, TEXT)


def test_no_diff_without_diff_mode(api, capsys, state_file):
    assert "diff" not in run(capsys, state_file)


# --- failures ------------------------------------------------------------------------------

def test_partial_failure_fails_the_task_and_records_only_the_delivered(monkeypatch, capsys, state_file):
    FakeApi(refuse=refuse(SECOND, SipgateError.from_status(402, "POST /sessions/sms"))).install(monkeypatch)
    result = run(capsys, state_file, concurrency=1, recipients=[SECOND, FIRST])
    assert result["failed"] is True and result["changed"] is False
    assert statuses(result) == {SECOND: "failed", FIRST: "failed"}
    assert result["msg"].startswith("Not sent to 2 of 2 recipients: POST /sessions/sms failed with HTTP 402")
    assert result["msg"].count("insufficient balance") == 1
    assert result["results"][0]["http_status"] == 402 and result["results"][1]["http_status"] is None
    assert result["results"][1]["error"].startswith("not tried: ")
    assert not recorded(state_file)


def test_a_malformed_sms_fails_alone_and_the_others_go_out(monkeypatch, capsys, state_file):
    FakeApi(refuse=refuse(SECOND, SipgateError.from_status(400, "POST /sessions/sms"))).install(monkeypatch)
    result = run(capsys, state_file)
    assert result["failed"] is True and result["changed"] is True
    assert statuses(result) == {FIRST: "sent", SECOND: "failed"}
    assert result["msg"].startswith("Not sent to 1 of 2 recipients") and result["msg"].endswith("Sent to 1.")
    assert set(recorded(state_file)) == {key_for(FIRST)}


def test_rerun_after_partial_failure_sends_only_the_missing(monkeypatch, capsys, state_file):
    FakeApi(refuse=refuse(SECOND, SipgateError.from_status(400, "POST /sessions/sms"))).install(monkeypatch)
    run(capsys, state_file)
    api = FakeApi().install(monkeypatch)
    result = run(capsys, state_file)
    assert [sms.recipient for sms in api.sent] == [SECOND]
    assert statuses(result) == {FIRST: "skipped", SECOND: "sent"}


@pytest.mark.parametrize("status", [401, 403])
def test_a_refusal_for_every_recipient_costs_one_request_and_is_said_once(monkeypatch, capsys, state_file, status):
    api = FakeApi(refuse=lambda sms: SipgateError.from_status(status, "POST /sessions/sms")).install(monkeypatch)
    result = run(capsys, state_file, recipients=[FIRST, SECOND, "+4915799912347"])
    assert len(api.sent) == 1
    assert result["failed"] is True and result["changed"] is False
    assert result["msg"].count("HTTP {0}".format(status)) == 1
    assert result["msg"].startswith("Not sent to 3 of 3 recipients")


def test_unknown_delivery_fails_changed_is_recorded_and_a_rerun_does_not_resend(monkeypatch, capsys, state_file):
    FakeApi(refuse=refuse(SECOND, LOST)).install(monkeypatch)
    result = run(capsys, state_file)
    assert result["failed"] is True and result["changed"] is True
    assert statuses(result) == {FIRST: "sent", SECOND: "unknown"}
    assert result["results"][1]["http_status"] is None
    assert result["msg"].startswith("Delivery unknown for 1 of 2 recipients")
    assert "force: true" in result["msg"] and "history" in result["msg"]
    assert recorded(state_file)[key_for(SECOND)]["outcome"] == UNKNOWN
    api = FakeApi().install(monkeypatch)
    rerun = run(capsys, state_file)
    assert "failed" not in rerun and rerun["changed"] is False and api.sent == []


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_is_delivery_unknown_not_a_failure_to_resend(monkeypatch, capsys, state_file, status):
    FakeApi(refuse=lambda sms: SipgateError.from_status(status, "POST /sessions/sms")).install(monkeypatch)
    result = run(capsys, state_file, recipients=[FIRST])
    assert statuses(result) == {FIRST: "unknown"} and result["changed"] is True
    assert recorded(state_file)[key_for(FIRST)]["outcome"] == UNKNOWN


def test_unknown_delivery_alone_counts_as_a_change(monkeypatch, capsys, state_file):
    FakeApi(refuse=refuse(FIRST, LOST)).install(monkeypatch)
    result = run(capsys, state_file, recipients=[FIRST])
    assert result["failed"] is True and result["changed"] is True and result["sent"] == []


def test_an_error_body_echoing_the_credential_never_reaches_the_result(monkeypatch, capsys, state_file):
    import base64
    basic = base64.b64encode(("token-ABC123:" + SECRET).encode()).decode()
    echo = SipgateError.from_status(400, "POST /sessions/sms", "bad request; Authorization: Basic " + basic + " token=" + SECRET,
                                    secrets=(SECRET, basic))
    FakeApi(refuse=lambda sms: echo).install(monkeypatch)
    result = run(capsys, state_file, recipients=[FIRST])
    text = json.dumps(result)
    assert basic not in text and SECRET not in text and "[redacted]" in text


# --- cost ----------------------------------------------------------------------------------

def test_a_message_over_max_segments_is_refused_before_any_request_naming_the_culprits(api, capsys, state_file):
    text = "Wartung \u2013 " + "x" * 500
    result = run(capsys, state_file, msg=text, max_segments=2)
    assert result["failed"] is True and result["field"] == "msg" and api.calls == []
    assert "costs 8 SMS segments per recipient" in result["msg"] and "'\u2013'" in result["msg"]
    assert "more than max_segments=2" in result["msg"]


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list:
    """The module's warnings (in-process, ansible-core shows them on the controller instead of in the result)."""
    seen: list = []
    monkeypatch.setattr(sipgate_sms.AnsibleModule, "warn", lambda module, warning, **kwargs: seen.append(warning))
    return seen


def test_a_message_of_several_segments_goes_out_with_a_warning_of_the_cost(api, capsys, state_file, warnings):
    result = run(capsys, state_file, msg="y" * 200)
    assert len(api.sent) == 2 and result["segments"] == 2
    (warning,) = warnings
    assert "costs 2 SMS segments per recipient (200 GSM-7 characters): 4 segments for 2 recipient(s)" in warning


def test_one_segment_is_sent_without_a_warning(api, capsys, state_file, warnings):
    run(capsys, state_file, msg="x" * 160)
    assert warnings == []


def test_max_segments_below_one_is_refused(api, capsys, state_file):
    result = run(capsys, state_file, max_segments=0)
    assert result["field"] == "max_segments" and api.calls == []


def test_https_without_checking_the_certificate_sends_with_a_warning(api, capsys, state_file, warnings):
    result = run(capsys, state_file, recipients=[FIRST], validate_certs=False)
    assert result["changed"] is True and any("validate_certs is off" in warning for warning in warnings), warnings
