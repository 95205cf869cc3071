# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms against a stand-in client: validation, idempotency, check and diff mode, failures."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any, Callable, Optional

import phonenumbers
import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import SendResult
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import (DELIVERED, DELIVERY_UNKNOWN,
                                                                                       NOT_DELIVERED, SipgateError)
from ansible_collections.sipgateio.sms.plugins.modules import sipgate_sms

TOKEN = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
FIRST = "+4915799912345"
SECOND = "+4915799912346"


class FakeClient:
    """Answers like sipgate. ``outcomes`` maps a recipient to a SipgateError its send ends with."""

    def __init__(self, outcomes: Optional[dict] = None, history: Optional[list] = None,
                 history_status: Optional[int] = None) -> None:
        self.outcomes = outcomes or {}
        self.history_items = history or []
        self.history_status = history_status
        self.posted: list = []
        self.reads: list = []

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def send_all(self, messages: list) -> list:
        results = []
        for sms in messages:
            self.posted.append(sms)
            error = self.outcomes.get(sms.recipient)
            results.append(SendResult(sms, error.delivery, error) if error else SendResult(sms, DELIVERED))
        return results

    def first_sms_id(self) -> str:
        self.reads.append("sms")
        return "s7"

    def history(self, since: str, until: Optional[str] = None, phonenumber: Optional[str] = None, limit: int = 100) -> list:
        self.reads.append(("history", since, phonenumber))
        if self.history_status:
            raise SipgateError.from_status(self.history_status, "GET /history")
        return [item for item in self.history_items
                if phonenumber is None or phonenumbers.parse(item["target"], "DE") == phonenumbers.parse(phonenumber)]


class Harness:
    """Runs the module's main() with arguments and hands back its JSON result."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, tmp_path: Path) -> None:
        self.monkeypatch = monkeypatch
        self.capsys = capsys
        self.state_file = tmp_path / "state" / "sent.json"
        self.client = FakeClient()
        self.clients_made = 0
        real_client_from_params = sipgate_sms.client_from_params

        def client_from_params(params: dict, warn: Optional[Callable[[str], None]] = None) -> FakeClient:
            real_client_from_params(params, warn)  # its credential, timeout and api_url checks are part of what is tested
            self.clients_made += 1
            return self.client
        monkeypatch.setattr(sipgate_sms, "client_from_params", client_from_params)

    def run(self, check_mode: bool = False, diff: bool = False, **args: Any) -> dict:
        params = {"token_id": "token-ABC123", "token": TOKEN, "sms_id": "s0", "recipients": [FIRST],
                  "msg": "Deployment of web01 done", "state_file": str(self.state_file),
                  "_ansible_check_mode": check_mode, "_ansible_diff": diff}
        params.update(args)
        params = {key: value for key, value in params.items() if value is not None}
        with patch_module_args(params), pytest.raises(SystemExit):
            sipgate_sms.main()
        out = self.capsys.readouterr().out
        assert TOKEN not in out
        return json.loads(out)

    def recorded(self) -> dict:
        return json.loads(self.state_file.read_text(encoding="utf-8"))


@pytest.fixture
def module(monkeypatch, capsys, tmp_path) -> Harness:
    for name in ("SIPGATE_TOKEN_ID", "SIPGATE_TOKEN", "SIPGATE_ACCESS_TOKEN", "SIPGATE_SMS_ID", "SIPGATE_API_URL"):
        monkeypatch.delenv(name, raising=False)
    return Harness(monkeypatch, capsys, tmp_path)


# --- validation: nothing is sent when any input is wrong -----------------------------------------

@pytest.mark.parametrize("args, field, words", [
    ({"sms_id": "x0"}, "sms_id", "'s' followed by digits"),
    ({"recipients": [FIRST, "12ab"]}, "recipients[1]", "not a phone number"),
    ({"recipients": []}, "recipients", "no recipient"),
    ({"msg": "   "}, "message", "blank"),
    ({"send_at": "2001-01-01T00:00:00+00:00"}, "send_at", "in the past"),
    ({"send_at": "45d"}, "send_at", "more than 30 days"),
    ({"send_at": "2030-01-01T08:00:00"}, "send_at", "no time zone"),
    ({"send_at": "tomorrow"}, "send_at", "not a time"),
    ({"dedup_window": "a while"}, "dedup_window", "not a duration"),
    ({"token": None}, "token", "give both token_id and token"),
    ({"token_id": None}, "token_id", "give both token_id and token"),
    ({"token_id": None, "token": None}, "token_id", "no credentials"),
    ({"username": "ops@example.com", "password": "pw"}, "credentials", "more than one kind"),
    ({"timeout": 0}, "timeout", "more than 0 seconds"),
    ({"recipients": ["15799912345"]}, "recipients[0]", "neither + nor a leading 0"),
    ({"recipients": ["0157 999 12345"], "country_code": ""}, "country_code", "is empty"),
    ({"recipients": ["0157 999 12345"], "country_code": "DE"}, "country_code", "not a country calling code"),
    ({"region": "UK"}, "region", "not a region"),
    ({"api_url": "http://api.example.com/v2"}, "api_url", "plain http to another machine"),
])
def test_bad_input_names_its_field_and_sends_nothing(module, args, field, words):
    result = module.run(**args)
    assert result["failed"] is True
    assert result["field"] == field
    assert words in result["msg"]
    assert result["msg"].startswith(field + ":")
    assert module.client.posted == [] and module.client.reads == []
    assert not module.state_file.exists()


def test_a_bad_recipient_late_in_the_list_keeps_the_good_ones_from_being_sent(module):
    result = module.run(recipients=[FIRST, SECOND, "+49 1"], sms_id=None)
    assert result["field"] == "recipients[2]"
    assert module.client.posted == [] and module.client.reads == []


# --- sending -------------------------------------------------------------------------------------

def test_sends_once_to_each_recipient_in_e164(module):
    result = module.run(recipients=["0157 999 12345", "0049-157-99912346", FIRST])
    assert result["changed"] is True
    assert "failed" not in result
    assert [sms.recipient for sms in module.client.posted] == [FIRST, SECOND]
    assert result["sent"] == [FIRST, SECOND]
    assert [entry["status"] for entry in result["results"]] == ["sent", "sent"]
    assert result["skipped_recipients"] == []
    assert (result["sms_id"], result["encoding"], result["segments"]) == ("s0", "gsm7", 1)


def test_reports_ucs2_and_segments_without_changing_the_message(module):
    text = "Störung – " + "x" * 70
    result = module.run(msg=text)
    assert (result["encoding"], result["segments"]) == ("ucs2", 2)
    assert result["results"][0]["segments"] == 2
    assert module.client.posted[0].message == text


def test_national_numbers_take_the_country_code(module):
    module.run(recipients=["0171 2345678"], country_code="43")
    assert module.client.posted[0].recipient == "+431712345678"


def test_scheduled_send_carries_the_unix_time(module):
    moment = int(time.time()) + 3600
    result = module.run(send_at=moment)
    assert module.client.posted[0].send_at == moment
    assert result["results"][0]["send_at"] == moment


def test_relative_send_at_is_resolved_from_now(module):
    before = int(time.time())
    module.run(send_at="1h30m")
    assert before + 5400 <= module.client.posted[0].send_at <= int(time.time()) + 5400


def test_missing_sms_id_is_looked_up(module):
    result = module.run(sms_id=None)
    assert module.client.reads == ["sms"]
    assert result["sms_id"] == "s7"
    assert module.client.posted[0].sms_id == "s7"


def test_sms_id_comes_from_the_environment(module, monkeypatch):
    monkeypatch.setenv("SIPGATE_SMS_ID", "s3")
    result = module.run(sms_id=None)
    assert module.client.reads == []
    assert result["sms_id"] == "s3"


# --- idempotency ---------------------------------------------------------------------------------

def test_rerun_sends_nothing_and_is_ok(module):
    module.run(recipients=[FIRST, SECOND])
    module.client.posted.clear()
    result = module.run(recipients=[FIRST, SECOND])
    assert result["changed"] is False
    assert module.client.posted == []
    assert result["sent"] == []
    assert [entry["status"] for entry in result["results"]] == ["skipped", "skipped"]
    assert all("already sent at" in item["reason"] for item in result["skipped_recipients"])


def test_a_new_recipient_is_sent_while_the_known_one_is_skipped(module):
    module.run(recipients=[FIRST])
    module.client.posted.clear()
    result = module.run(recipients=[FIRST, SECOND])
    assert result["changed"] is True
    assert [sms.recipient for sms in module.client.posted] == [SECOND]
    assert [item["recipient"] for item in result["skipped_recipients"]] == [FIRST]


def test_a_different_text_is_a_different_sms(module):
    module.run()
    module.client.posted.clear()
    module.run(msg="Deployment of web02 done")
    assert len(module.client.posted) == 1


def test_dedup_key_identifies_the_sms_instead_of_its_text(module):
    module.run(msg="CHG-1 deployed to 3 hosts", dedup_key="CHG-1")
    module.client.posted.clear()
    result = module.run(msg="CHG-1 deployed to 4 hosts", dedup_key="CHG-1")
    assert result["changed"] is False and module.client.posted == []
    module.run(msg="CHG-1 deployed to 4 hosts", dedup_key="CHG-2")
    assert len(module.client.posted) == 1


def test_another_schedule_is_another_sms(module):
    module.run(send_at="2h")
    module.client.posted.clear()
    assert module.run(send_at="2h")["changed"] is False
    module.run(send_at="3h")
    assert len(module.client.posted) == 1


def test_force_sends_again(module):
    module.run()
    module.client.posted.clear()
    result = module.run(force=True)
    assert result["changed"] is True and len(module.client.posted) == 1


def test_window_zero_turns_idempotency_off(module):
    module.run(dedup_window=0)
    module.client.posted.clear()
    module.run(dedup_window=0)
    assert len(module.client.posted) == 1


def test_a_send_older_than_the_window_is_sent_again(module):
    module.run(dedup_window="30m")
    entries = module.recorded()
    for entry in entries.values():
        entry["at"] -= 31 * 60
    module.state_file.write_text(json.dumps(entries), encoding="utf-8")
    module.client.posted.clear()
    assert module.run(dedup_window="30m")["changed"] is True
    module.client.posted.clear()
    assert module.run(dedup_window="1800")["changed"] is False


def test_old_entries_are_pruned_and_the_token_is_never_recorded(module):
    module.state_file.parent.mkdir(parents=True)
    module.state_file.write_text(json.dumps({"old": {"at": time.time() - 100 * 24 * 3600, "outcome": DELIVERED}}), encoding="utf-8")
    module.run()
    text = module.state_file.read_text(encoding="utf-8")
    assert "old" not in module.recorded() and len(module.recorded()) == 1
    assert TOKEN not in text and FIRST not in text and "Deployment" not in text


def test_an_unreadable_state_file_fails_before_sending(module):
    module.state_file.parent.mkdir(parents=True)
    module.state_file.write_text("{not json", encoding="utf-8")
    result = module.run()
    assert result["failed"] is True and str(module.state_file) in result["msg"]
    assert module.client.posted == []


# --- check and diff mode -------------------------------------------------------------------------

def test_check_mode_says_what_would_be_sent_and_leaves_no_trace(module):
    result = module.run(check_mode=True, recipients=[FIRST, SECOND])
    assert result["changed"] is True
    assert result["sent"] == [FIRST, SECOND]
    assert [entry["status"] for entry in result["results"]] == ["would_send", "would_send"]
    assert module.client.posted == []
    assert not module.state_file.parent.exists()


def test_check_mode_after_a_send_says_nothing_would_change(module):
    module.run()
    module.client.posted.clear()
    result = module.run(check_mode=True)
    assert result["changed"] is False and module.client.posted == []


def test_check_mode_looks_up_the_sms_id(module):
    result = module.run(check_mode=True, sms_id=None)
    assert result["sms_id"] == "s7" and module.client.posted == []


def test_diff_shows_each_message_that_goes_out(module):
    module.run(recipients=[FIRST])
    result = module.run(check_mode=True, diff=True, recipients=[FIRST, SECOND])
    assert result["diff"]["before"] == ""
    assert result["diff"]["after"] == "To {0}: Deployment of web01 done\n".format(SECOND)


def test_no_diff_unless_asked(module):
    assert "diff" not in module.run(check_mode=True)


# --- failures ------------------------------------------------------------------------------------

def test_partial_failure_fails_with_each_error_and_a_rerun_sends_only_the_missing(module):
    module.client.outcomes = {SECOND: SipgateError.from_status(402, "POST /sessions/sms")}
    result = module.run(recipients=[FIRST, SECOND])
    assert result["failed"] is True
    assert result["changed"] is True
    assert result["sent"] == [FIRST]
    failed = result["results"][1]
    assert (failed["status"], failed["http_status"]) == ("failed", 402)
    assert "insufficient balance" in failed["error"]
    assert SECOND in result["msg"] and "insufficient balance" in result["msg"] and "1 sent now" in result["msg"]
    module.client.outcomes = {}
    module.client.posted.clear()
    rerun = module.run(recipients=[FIRST, SECOND])
    assert "failed" not in rerun
    assert [sms.recipient for sms in module.client.posted] == [SECOND]


def test_every_recipient_failing_is_not_a_change(module):
    module.client.outcomes = {FIRST: SipgateError.from_status(401, "POST /sessions/sms")}
    result = module.run()
    assert result["failed"] is True and result["changed"] is False
    assert "wrong credentials" in result["msg"]
    assert not module.state_file.exists()


def test_unknown_delivery_fails_and_a_rerun_does_not_risk_a_double_send(module):
    module.client.outcomes = {FIRST: SipgateError("POST /sessions/sms lost the connection after the request was sent: "
                                                  "delivery unknown", delivery=DELIVERY_UNKNOWN, temporary=True)}
    result = module.run()
    assert result["failed"] is True and result["changed"] is True
    assert result["results"][0]["status"] == "unknown"
    assert "delivery unknown" in result["msg"] and "force: true" in result["msg"] and "history" in result["msg"]
    module.client.outcomes = {}
    module.client.posted.clear()
    rerun = module.run()
    assert "failed" not in rerun and rerun["changed"] is False and module.client.posted == []
    assert rerun["skipped_recipients"][0]["reason"].startswith("delivery unknown in an earlier run")
    forced = module.run(force=True)
    assert forced["changed"] is True and len(module.client.posted) == 1


def test_a_not_delivered_send_leaves_no_record(module):
    module.client.outcomes = {FIRST: SipgateError("could not connect", delivery=NOT_DELIVERED)}
    module.run()
    module.client.outcomes = {}
    module.client.posted.clear()
    assert module.run()["changed"] is True and len(module.client.posted) == 1


# --- dedup_scope: history ------------------------------------------------------------------------

def sipgate_target(number: str) -> str:
    """A German number the way sipgate's history writes it: +4915799912345 as 01579-9912345."""
    area, subscriber = phonenumbers.format_number(phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.NATIONAL).split(" ", 1)
    return "{0}-{1}".format(area, subscriber.replace(" ", ""))


def history_entry(recipient: str, text: str) -> dict:
    return {"target": sipgate_target(recipient), "smsContent": text, "created": "2026-01-01T00:00:00Z"}


def test_history_scope_skips_what_sipgate_already_lists(module):
    module.client.history_items = [history_entry(FIRST, "Deployment of web01 done"), history_entry(SECOND, "other text")]
    result = module.run(dedup_scope="history", recipients=[FIRST, SECOND])
    assert [sms.recipient for sms in module.client.posted] == [SECOND]
    assert result["skipped_recipients"] == [{"recipient": FIRST, "reason": "found in sipgate history (within dedup_window)"}]
    asked = [read for read in module.client.reads if read[0] == "history"]
    assert [read[2] for read in asked] == [FIRST, SECOND]
    since = time.mktime(time.strptime(asked[0][1], "%Y-%m-%dT%H:%M:%SZ")) - time.timezone
    assert abs(time.time() - 24 * 3600 - since) < 60


def test_history_in_national_spelling_prevents_a_second_sms(module):
    module.client.history_items = [history_entry(FIRST, "Deployment of web01 done")]
    assert module.client.history_items[0]["target"] == "01579-9912345"
    result = module.run(dedup_scope="history")
    assert result["changed"] is False and module.client.posted == []


def test_history_of_another_number_or_text_does_not_stop_the_sms(module):
    module.client.history_items = [history_entry(SECOND, "Deployment of web01 done"), history_entry(FIRST, "other text")]
    result = module.run(dedup_scope="history")
    assert result["changed"] is True and [sms.recipient for sms in module.client.posted] == [FIRST]


def test_history_is_read_in_the_region_of_the_recipients(module):
    module.client.history_items = [{"target": "0664 1234567", "smsContent": "Deployment of web01 done"}]
    module.client.history = lambda since, phonenumber=None, **_: module.client.history_items  # type: ignore[method-assign]
    assert module.run(dedup_scope="history", recipients=["0664 1234567"], region="AT")["changed"] is False
    assert module.run(dedup_scope="history", recipients=["+43 664 1234567"], state_file=str(module.state_file) + "2")["changed"] is True


def test_plain_http_on_loopback_is_warned_about(module, monkeypatch):
    warnings: list = []
    # In a test process Ansible shows a module's warnings on the controller's display instead of returning them.
    monkeypatch.setattr(sipgate_sms.AnsibleModule, "warn", lambda _self, warning, **_kw: warnings.append(warning))
    assert module.run(api_url="http://127.0.0.1:8080/v2")["changed"] is True
    assert module.run(api_url="https://127.0.0.1:8080/v2", recipients=[SECOND])["changed"] is True
    assert len(warnings) == 1 and "plain http" in warnings[0] and "unencrypted" in warnings[0]


def test_history_scope_is_consulted_in_check_mode(module):
    module.client.history_items = [history_entry(FIRST, "Deployment of web01 done")]
    result = module.run(check_mode=True, dedup_scope="history")
    assert result["changed"] is False and result["results"][0]["status"] == "skipped"


def test_history_scope_without_history_read_names_the_scope(module):
    module.client.history_status = 403
    result = module.run(dedup_scope="history")
    assert result["failed"] is True and result["status"] == 403
    assert "history:read" in result["msg"]
    assert module.client.posted == []


def test_local_scope_never_reads_the_history(module):
    module.client.history_items = [history_entry(FIRST, "Deployment of web01 done")]
    module.run()
    assert module.client.reads == [] and len(module.client.posted) == 1
