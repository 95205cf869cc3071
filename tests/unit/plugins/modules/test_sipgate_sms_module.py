# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms with the client's API calls replaced: validation, idempotency decisions, check and diff mode."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Optional

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api import sent_record as sms_sent_record
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import SendResult, SipgateClient
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import (DELIVERED, DELIVERY_UNKNOWN,
                                                                                       SipgateError)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest, delivery_key
from ansible_collections.sipgateio.sms.plugins.modules import sipgate_sms

SECRET = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
FIRST = "+4915799912345"
SECOND = "+4915799912346"


class FakeApi:
    """Stands in for the client's API calls; records every one. ``outcome`` decides each send."""

    def __init__(self, outcome: Optional[Callable[[SmsRequest], SendResult]] = None,
                 history_items: Optional[list] = None, history_error: Optional[SipgateError] = None,
                 lookup_error: Optional[SipgateError] = None) -> None:
        self.outcome = outcome or (lambda sms: SendResult(sms, DELIVERED))
        self.lookup_error = lookup_error
        self.history_items = history_items or []
        self.history_error = history_error
        self.sent: list = []
        self.calls: list = []

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        api = self

        def send_all(_client: SipgateClient, messages: Any) -> list:
            batch = list(messages)
            if batch:  # an empty batch makes no request
                api.calls.append("send_all")
            api.sent.extend(batch)
            return [api.outcome(sms) for sms in batch]

        def first_sms_id(_client: SipgateClient) -> str:
            api.calls.append("first_sms_id")
            if api.lookup_error is not None:
                raise api.lookup_error
            return "s3"

        def history(_client: SipgateClient, since: str, until: Optional[str] = None, phonenumber: Optional[str] = None,
                    limit: int = 100) -> list:
            api.calls.append("history:{0}".format(phonenumber))
            if api.history_error is not None:
                raise api.history_error
            return list(api.history_items)

        def no_http(_client: SipgateClient, method: str, path: str, **_kwargs: Any) -> Any:
            raise AssertionError("unexpected HTTP request {0} {1}".format(method, path))

        monkeypatch.setattr(SipgateClient, "send_all", send_all)
        monkeypatch.setattr(SipgateClient, "first_sms_id", first_sms_id)
        monkeypatch.setattr(SipgateClient, "history", history)
        monkeypatch.setattr(SipgateClient, "_call", no_http)


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> FakeApi:
    fake = FakeApi()
    fake.install(monkeypatch)
    return fake


@pytest.fixture
def state_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "sent.json"


def run(capsys: pytest.CaptureFixture, state_file: Path, **args: Any) -> dict:
    params = {"token_id": "token-ABC123", "token": SECRET, "sms_id": "s0", "recipients": [FIRST, SECOND],
              "msg": "Maintenance starts at 22:00", "state_file": str(state_file), **args}
    params = {name: value for name, value in params.items() if value is not None}
    with patch_module_args(params), pytest.raises(SystemExit):
        sipgate_sms.main()
    return json.loads(capsys.readouterr().out)


def key_for(recipient: str, message: str = "Maintenance starts at 22:00", sms_id: str = "s0") -> str:
    return delivery_key(SmsRequest(sms_id, recipient, message), None, "")


def write_record(state_file: Path, entries: dict) -> None:
    state_file.parent.mkdir(parents=True, exist_ok=True)
    state_file.write_text(json.dumps(entries), encoding="utf-8")


def statuses(result: dict) -> dict:
    return {entry["recipient"]: entry["status"] for entry in result["results"]}


# --- bad input: the task fails naming the field, and nothing is requested ---------------------

@pytest.mark.parametrize("args, field", [
    ({"sms_id": "0"}, "sms_id"),
    ({"sms_id": "s0x"}, "sms_id"),
    ({"recipients": ["+49 157"]}, "recipients[0]"),
    ({"recipients": [FIRST, "call me"]}, "recipients[1]"),
    ({"recipients": []}, "recipients"),
    ({"msg": "   "}, "message"),
    ({"send_at": "2001-01-01T00:00:00+00:00"}, "send_at"),
    ({"send_at": "31d"}, "send_at"),
    ({"send_at": "2099-01-01T08:00:00"}, "send_at"),
    ({"send_at": "next tuesday"}, "send_at"),
    ({"send_at": 1000000000}, "send_at"),
    ({"dedup_window": "a while"}, "dedup_window"),
    ({"dedup_window": "-5"}, "dedup_window"),
    ({"token": None}, "token"),
    ({"token_id": None}, "token_id"),
    ({"access_token": "bearer-secret"}, "credentials"),
    ({"timeout": 0}, "timeout"),
    ({"timeout": -1.5}, "timeout"),
])
def test_bad_input_fails_naming_the_field_before_any_request(api, capsys, state_file, args, field):
    result = run(capsys, state_file, **args)
    assert result["failed"] is True
    assert result["field"] == field, result["msg"]
    assert result["msg"].startswith(field + ":")
    assert result["changed"] is False
    assert api.calls == []
    assert not state_file.parent.exists()


def test_send_at_without_time_zone_says_so(api, capsys, state_file):
    result = run(capsys, state_file, send_at="2099-01-01T08:00:00")
    assert "no time zone" in result["msg"]


def test_send_at_beyond_thirty_days_says_so(api, capsys, state_file):
    result = run(capsys, state_file, send_at="31d")
    assert "more than 30 days ahead" in result["msg"]


def test_no_credentials_at_all_names_token_id(api, capsys, state_file):
    result = run(capsys, state_file, token_id=None, token=None)
    assert result["field"] == "token_id"
    assert "no credentials given" in result["msg"]
    assert api.calls == []


# --- sending and recording -----------------------------------------------------------------

def test_first_run_sends_to_each_recipient_and_records_them(api, capsys, state_file):
    result = run(capsys, state_file, recipients=["+49 157 999 12345", "0157-99912346", "0049 15799912345"])
    assert result["changed"] is True
    assert "failed" not in result
    assert [sms.recipient for sms in api.sent] == [FIRST, SECOND]
    assert result["sent"] == [FIRST, SECOND]
    assert statuses(result) == {FIRST: "sent", SECOND: "sent"}
    assert result["sms_id"] == "s0"
    assert (result["encoding"], result["segments"]) == ("gsm7", 1)
    entries = json.loads(state_file.read_text(encoding="utf-8"))
    assert set(entries) == {key_for(FIRST), key_for(SECOND)}
    assert all(entry["outcome"] == DELIVERED for entry in entries.values())


def test_rerun_sends_nothing(api, capsys, state_file):
    run(capsys, state_file)
    api.sent.clear()
    api.calls.clear()
    result = run(capsys, state_file)
    assert result["changed"] is False
    assert api.calls == []
    assert result["sent"] == []
    assert statuses(result) == {FIRST: "skipped", SECOND: "skipped"}
    assert all("within dedup_window" in item["reason"] for item in result["skipped_recipients"])


def test_delivered_key_outside_the_window_is_sent_again(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 7200, "outcome": DELIVERED}})
    result = run(capsys, state_file, recipients=[FIRST], dedup_window="1h")
    assert result["changed"] is True
    assert [sms.recipient for sms in api.sent] == [FIRST]


def test_delivered_key_inside_the_window_is_skipped(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 1800, "outcome": DELIVERED}})
    result = run(capsys, state_file, dedup_window="1h")
    assert [sms.recipient for sms in api.sent] == [SECOND]
    assert statuses(result) == {FIRST: "skipped", SECOND: "sent"}
    assert result["changed"] is True


def test_force_sends_what_was_delivered(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERED}})
    result = run(capsys, state_file, recipients=[FIRST], force=True)
    assert result["changed"] is True
    assert [sms.recipient for sms in api.sent] == [FIRST]


def test_dedup_window_zero_sends_every_time(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERED}})
    result = run(capsys, state_file, recipients=[FIRST], dedup_window=0)
    assert result["changed"] is True
    assert [sms.recipient for sms in api.sent] == [FIRST]


def test_unknown_outcome_is_skipped_with_its_reason(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERY_UNKNOWN}})
    result = run(capsys, state_file, recipients=[FIRST])
    assert result["changed"] is False
    assert api.sent == []
    reason = result["skipped_recipients"][0]["reason"]
    assert "delivery unknown" in reason and "force: true" in reason


def test_unknown_outcome_is_sent_with_force(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERY_UNKNOWN}})
    run(capsys, state_file, recipients=[FIRST], force=True)
    assert [sms.recipient for sms in api.sent] == [FIRST]
    assert json.loads(state_file.read_text(encoding="utf-8"))[key_for(FIRST)]["outcome"] == DELIVERED


def test_other_text_to_the_same_recipient_is_sent(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST])
    run(capsys, state_file, recipients=[FIRST], msg="Maintenance is over")
    assert [sms.message for sms in api.sent] == ["Maintenance starts at 22:00", "Maintenance is over"]


def test_dedup_key_replaces_the_text(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST], msg="CHG-1 deployed to 3 hosts", dedup_key="CHG-1")
    result = run(capsys, state_file, recipients=[FIRST], msg="CHG-1 deployed to 4 hosts", dedup_key="CHG-1")
    assert result["changed"] is False
    assert len(api.sent) == 1


def test_empty_dedup_key_falls_back_to_the_text(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST], msg="first text", dedup_key="")
    result = run(capsys, state_file, recipients=[FIRST], msg="second text", dedup_key="")
    assert result["changed"] is True
    assert [sms.message for sms in api.sent] == ["first text", "second text"]


def test_another_sms_id_is_another_send(api, capsys, state_file):
    run(capsys, state_file, recipients=[FIRST])
    result = run(capsys, state_file, recipients=[FIRST], sms_id="s1")
    assert result["changed"] is True
    assert [sms.sms_id for sms in api.sent] == ["s0", "s1"]


def test_missing_sms_id_is_looked_up_and_used(api, capsys, state_file, monkeypatch):
    monkeypatch.delenv("SIPGATE_SMS_ID", raising=False)
    result = run(capsys, state_file, sms_id=None, recipients=[FIRST])
    assert api.calls[0] == "first_sms_id"
    assert result["sms_id"] == "s3"
    assert api.sent[0].sms_id == "s3"


def test_refused_sms_id_look_up_says_to_give_sms_id(monkeypatch, capsys, state_file):
    monkeypatch.delenv("SIPGATE_SMS_ID", raising=False)
    api = FakeApi(lookup_error=SipgateError.from_status(403, "GET /w0/sms"))
    api.install(monkeypatch)
    result = run(capsys, state_file, sms_id=None)
    assert result["failed"] is True
    assert result["status"] == 403
    assert "give sms_id" in result["msg"] and "sms:read" in result["msg"]
    assert "no permission to send" not in result["msg"]
    assert api.sent == []


def test_other_look_up_failures_keep_their_words(monkeypatch, capsys, state_file):
    monkeypatch.delenv("SIPGATE_SMS_ID", raising=False)
    FakeApi(lookup_error=SipgateError.from_status(401, "GET /authorization/userinfo")).install(monkeypatch)
    result = run(capsys, state_file, sms_id=None)
    assert result["status"] == 401 and "wrong credentials" in result["msg"]


def test_relative_send_at_is_resolved_and_rerun_is_skipped(api, capsys, state_file):
    before = int(time.time())
    result = run(capsys, state_file, recipients=[FIRST], send_at="2h")
    assert before + 7200 <= api.sent[0].send_at <= int(time.time()) + 7200
    assert result["results"][0]["send_at"] == api.sent[0].send_at
    assert run(capsys, state_file, recipients=[FIRST], send_at="2h")["changed"] is False
    assert len(api.sent) == 1


# --- history scope -------------------------------------------------------------------------

def test_history_scope_skips_what_sipgate_lists(monkeypatch, capsys, state_file):
    api = FakeApi(history_items=[{"target": FIRST, "smsContent": "Maintenance starts at 22:00", "created": "x"}])
    api.install(monkeypatch)
    result = run(capsys, state_file, dedup_scope="history")
    assert [sms.recipient for sms in api.sent] == [SECOND]
    assert statuses(result)[FIRST] == "skipped"
    assert "history" in result["skipped_recipients"][0]["reason"]


def test_history_scope_refused_names_the_scope(monkeypatch, capsys, state_file):
    api = FakeApi(history_error=SipgateError.from_status(403, "GET /history"))
    api.install(monkeypatch)
    result = run(capsys, state_file, dedup_scope="history")
    assert result["failed"] is True
    assert "history:read" in result["msg"] and "dedup_scope" in result["msg"]
    assert api.sent == []


def test_local_scope_never_asks_the_history(api, capsys, state_file):
    run(capsys, state_file)
    assert not [call for call in api.calls if call.startswith("history")]


# --- check mode and diff -------------------------------------------------------------------

def test_check_mode_sends_nothing_and_writes_no_state(api, capsys, state_file):
    result = run(capsys, state_file, _ansible_check_mode=True)
    assert result["changed"] is True
    assert api.sent == []
    assert result["sent"] == [FIRST, SECOND]
    assert statuses(result) == {FIRST: "would_send", SECOND: "would_send"}
    assert not state_file.parent.exists()


def test_check_mode_after_a_send_reports_no_change(api, capsys, state_file):
    run(capsys, state_file)
    before = state_file.read_bytes()
    result = run(capsys, state_file, _ansible_check_mode=True)
    assert result["changed"] is False
    assert len(api.sent) == 2
    assert state_file.read_bytes() == before


def test_diff_lists_each_message_to_go_out(api, capsys, state_file):
    write_record(state_file, {key_for(FIRST): {"at": time.time() - 60, "outcome": DELIVERED}})
    result = run(capsys, state_file, _ansible_check_mode=True, _ansible_diff=True)
    assert result["diff"]["before"] == ""
    assert result["diff"]["after"] == "To {0}: Maintenance starts at 22:00\n".format(SECOND)


def test_no_diff_without_diff_mode(api, capsys, state_file):
    assert "diff" not in run(capsys, state_file)


# --- failures ------------------------------------------------------------------------------

def refuse(recipient: str, error: SipgateError) -> Callable[[SmsRequest], SendResult]:
    return lambda sms: SendResult(sms, error.delivery, error) if sms.recipient == recipient else SendResult(sms, DELIVERED)


def test_partial_failure_fails_the_task_and_records_only_the_delivered(monkeypatch, capsys, state_file):
    api = FakeApi(outcome=refuse(SECOND, SipgateError.from_status(402, "POST /sessions/sms")))
    api.install(monkeypatch)
    result = run(capsys, state_file)
    assert result["failed"] is True
    assert result["changed"] is True
    assert statuses(result) == {FIRST: "sent", SECOND: "failed"}
    failed = result["results"][1]
    assert failed["http_status"] == 402 and "insufficient balance" in failed["error"]
    assert result["msg"].startswith("1 of 2 SMS not surely delivered (1 sent now)")
    assert SECOND in result["msg"]
    assert result["sent"] == [FIRST]
    assert set(json.loads(state_file.read_text(encoding="utf-8"))) == {key_for(FIRST)}


def test_rerun_after_partial_failure_sends_only_the_missing(monkeypatch, capsys, state_file):
    FakeApi(outcome=refuse(SECOND, SipgateError.from_status(500, "POST /sessions/sms"))).install(monkeypatch)
    run(capsys, state_file)
    api = FakeApi()
    api.install(monkeypatch)
    result = run(capsys, state_file)
    assert [sms.recipient for sms in api.sent] == [SECOND]
    assert statuses(result) == {FIRST: "skipped", SECOND: "sent"}


def test_unknown_delivery_fails_changed_and_is_recorded_as_unknown(monkeypatch, capsys, state_file):
    lost = SipgateError("POST /sessions/sms lost the connection after the request was sent: delivery unknown",
                        delivery=DELIVERY_UNKNOWN, temporary=True)
    FakeApi(outcome=refuse(FIRST, lost)).install(monkeypatch)
    result = run(capsys, state_file)
    assert result["failed"] is True
    assert result["changed"] is True
    assert statuses(result) == {FIRST: "unknown", SECOND: "sent"}
    assert "delivery unknown" in result["results"][0]["error"]
    assert result["results"][0]["http_status"] is None
    assert json.loads(state_file.read_text(encoding="utf-8"))[key_for(FIRST)]["outcome"] == DELIVERY_UNKNOWN


def test_unknown_delivery_alone_counts_as_a_change(monkeypatch, capsys, state_file):
    lost = SipgateError("POST /sessions/sms timed out waiting for the answer after the request was sent: delivery unknown",
                        delivery=DELIVERY_UNKNOWN, temporary=True)
    FakeApi(outcome=refuse(FIRST, lost)).install(monkeypatch)
    result = run(capsys, state_file, recipients=[FIRST])
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["sent"] == []


def test_all_refused_fails_unchanged(monkeypatch, capsys, state_file):
    FakeApi(outcome=lambda sms: SendResult(sms, "not_delivered", SipgateError.from_status(401, "POST /sessions/sms"))).install(monkeypatch)
    result = run(capsys, state_file)
    assert result["failed"] is True
    assert result["changed"] is False
    assert "wrong credentials" in result["msg"]


def test_token_never_appears_in_the_result(monkeypatch, capsys, state_file):
    FakeApi(outcome=refuse(SECOND, SipgateError.from_status(401, "POST /sessions/sms"))).install(monkeypatch)
    params = {"token_id": "token-ABC123", "token": SECRET, "sms_id": "s0", "recipients": [FIRST, SECOND],
              "msg": "hello", "state_file": str(state_file)}
    with patch_module_args(params), pytest.raises(SystemExit):
        sipgate_sms.main()
    out = capsys.readouterr().out
    assert SECRET not in out
    assert SECRET not in state_file.read_text(encoding="utf-8")


def test_unreadable_state_file_fails_before_sending(api, capsys, state_file):
    write_record(state_file, {})
    state_file.write_text("{not json", encoding="utf-8")
    result = run(capsys, state_file)
    assert result["failed"] is True
    assert str(state_file) in result["msg"]
    assert api.sent == []


def test_state_file_keeps_entries_of_other_messages(api, capsys, state_file):
    other = key_for(FIRST, message="older")
    write_record(state_file, {other: {"at": time.time() - 60, "outcome": DELIVERED}})
    run(capsys, state_file, recipients=[FIRST])
    assert set(json.loads(state_file.read_text(encoding="utf-8"))) == {other, key_for(FIRST)}


def test_record_prunes_old_entries_and_forgets_refused_sends(tmp_path):
    path = tmp_path / "sent.json"
    now = time.time()
    write_record(path, {"old": {"at": now - sms_sent_record.KEEP_SECONDS - 1, "outcome": DELIVERED},
                        "young": {"at": now - 10, "outcome": DELIVERED}})
    with sms_sent_record.holding(path, now) as entries:
        sms_sent_record.remember(entries, "new", SendResult(SmsRequest("s0", FIRST, "x"), DELIVERED), now)
        sms_sent_record.remember(entries, "refused", SendResult(SmsRequest("s0", SECOND, "x"), "not_delivered"), now)
    assert set(json.loads(path.read_text(encoding="utf-8"))) == {"young", "new"}
