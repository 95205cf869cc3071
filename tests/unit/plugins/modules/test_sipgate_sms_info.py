# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms_info against a stand-in client: full token, send-only token, wrong credentials."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any, Optional

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.connection import Connection
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import SipgateClient
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import choose_credentials
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.diagnosis import CAN_SEND_UNKNOWN, inspect_account
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SipgateError
from ansible_collections.sipgateio.sms.plugins.modules import sipgate_sms_info
from simulator.sipgate_simulator import (ALL_TOKEN, ALL_TOKEN_ID, CALLER_ID_TOKEN, CALLER_ID_TOKEN_ID, SESSIONS_TOKEN,
                                         SESSIONS_TOKEN_ID, SMS_ID)

EXTENSIONS = [{"id": "s0", "alias": "Monitoring", "callerId": "+4915799912345"},
              {"id": "s1", "alias": "Ops", "callerId": "sipgate"}]
CALLER_IDS = {"s0": [{"id": 1, "phonenumber": "+4915799912345", "verified": True, "defaultNumber": True}],
              "s1": [{"id": 2, "phonenumber": "+4921100000000", "verified": False, "defaultNumber": False}]}


class FakeClient:
    """Answers like sipgate; ``refuse`` maps a read ('userinfo', 'sms', 'callerids', 'balance', 'history') to a status."""

    def __init__(self, refuse: Optional[dict] = None) -> None:
        self.refuse = refuse or {}
        self.calls: list = []

    def __enter__(self) -> FakeClient:
        return self

    def __exit__(self, *exc: Any) -> None:
        pass

    def _answer(self, what: str, value: Any) -> Any:
        self.calls.append(what)
        if what.split(":")[0] in self.refuse:
            raise SipgateError.from_status(self.refuse[what.split(":")[0]], "GET /" + what)
        return value

    def user_id(self) -> str:
        return self._answer("userinfo", "w0")

    def sms_extensions(self, user_id: Optional[str] = None) -> list:
        assert user_id == "w0"
        return self._answer("sms", list(EXTENSIONS))

    def caller_ids(self, sms_id: str, user_id: Optional[str] = None) -> list:
        assert user_id == "w0"
        if sms_id not in CALLER_IDS:
            raise SipgateError.from_status(404, "GET /w0/sms/{0}/callerids".format(sms_id))
        return self._answer("callerids:" + sms_id, CALLER_IDS[sms_id])

    def balance(self) -> dict:
        return self._answer("balance", {"amount": Decimal(123400) / Decimal(10000), "currency": "EUR"})

    def history(self, since: str, until: Optional[str] = None, phonenumber: Optional[str] = None, limit: int = 100) -> list:
        return self._answer("history", [])


SEND_ONLY = {"sms": 403, "callerids": 403, "balance": 403, "history": 403}


def run_module(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture, client: FakeClient, **args: Any) -> dict:
    monkeypatch.setattr(Connection, "open_client", lambda connection: client)
    params = {"token_id": "token-ABC123", "token": "0f1e2d3c-secret", **args}
    with patch_module_args(params), pytest.raises(SystemExit):
        sipgate_sms_info.main()
    return json.loads(capsys.readouterr().out)


def test_full_token_reports_extensions_caller_ids_and_balance(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, FakeClient())
    assert result["changed"] is False
    assert "failed" not in result
    assert result["user_id"] == "w0"
    assert result["sms_extensions"] == [{"id": "s0", "alias": "Monitoring", "caller_id": "+4915799912345"},
                                        {"id": "s1", "alias": "Ops", "caller_id": "sipgate"}]
    assert result["caller_ids"] == {"s0": [{"number": "+4915799912345", "verified": True, "default": True}],
                                    "s1": [{"number": "+4921100000000", "verified": False, "default": False}]}
    assert result["balance"] == {"amount": "12.3400", "currency": "EUR"}
    assert result["diagnose"] == {"authenticated": True, "can_read_user_id": True, "can_list_extensions": True,
                                  "can_read_caller_ids": True, "can_read_balance": True, "can_read_history": True,
                                  "can_send": CAN_SEND_UNKNOWN, "messages": []}


def test_send_only_token_explains_each_refusal_without_failing(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, FakeClient(refuse=SEND_ONLY))
    assert "failed" not in result
    assert result["user_id"] == "w0"
    assert result["sms_extensions"] is None
    assert result["caller_ids"] is None
    assert result["balance"] is None
    diagnose = result["diagnose"]
    assert diagnose["authenticated"] is True
    assert diagnose["can_list_extensions"] is False
    assert diagnose["can_read_balance"] is False
    assert diagnose["can_read_history"] is False
    assert diagnose["can_send"] == CAN_SEND_UNKNOWN
    messages = " | ".join(diagnose["messages"])
    assert "sms:read" in messages and "give sms_id explicitly" in messages
    assert "balance:read" in messages
    assert "history:read" in messages


def test_send_only_token_with_sms_id_tries_that_extensions_caller_ids(monkeypatch, capsys):
    client = FakeClient(refuse=SEND_ONLY)
    result = run_module(monkeypatch, capsys, client, sms_id="s1")
    assert "callerids:s1" in client.calls
    assert result["diagnose"]["can_read_caller_ids"] is False
    assert any("caller ids of s1" in message for message in result["diagnose"]["messages"])


def test_sms_id_limits_caller_id_lookups_to_that_extension(monkeypatch, capsys):
    client = FakeClient()
    result = run_module(monkeypatch, capsys, client, sms_id="s1")
    assert [call for call in client.calls if call.startswith("callerids")] == ["callerids:s1"]
    assert list(result["caller_ids"]) == ["s1"]


def test_unknown_sms_id_is_explained_not_failed(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, FakeClient(), sms_id="s9")
    assert "failed" not in result
    assert result["caller_ids"] == {}
    assert any("s9 is not an SMS extension" in message for message in result["diagnose"]["messages"])


def test_wrong_credentials_fail_in_plain_words(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, FakeClient(refuse={"userinfo": 401}))
    assert result["failed"] is True
    assert result["status"] == 401
    assert "wrong credentials" in result["msg"]
    assert "0f1e2d3c-secret" not in json.dumps(result)


def test_server_error_fails_instead_of_being_called_a_missing_scope(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, FakeClient(refuse={"balance": 500}))
    assert result["failed"] is True
    assert result["status"] == 500


def test_malformed_sms_id_is_refused_before_any_request(monkeypatch, capsys):
    client = FakeClient()
    result = run_module(monkeypatch, capsys, client, sms_id="0")
    assert result["failed"] is True
    assert result["field"] == "sms_id"
    assert client.calls == []


def test_check_mode_reads_the_same(monkeypatch, capsys):
    result = run_module(monkeypatch, capsys, FakeClient(), _ansible_check_mode=True)
    assert result["changed"] is False
    assert result["balance"] == {"amount": "12.3400", "currency": "EUR"}


def test_forbidden_user_id_stops_the_lookups_that_need_it():
    client = FakeClient(refuse={"userinfo": 403})
    report = inspect_account(client).as_dict()
    assert report["user_id"] is None
    assert report["diagnose"]["authenticated"] is True
    assert report["diagnose"]["can_read_user_id"] is False
    assert report["diagnose"]["can_list_extensions"] is None
    assert not [call for call in client.calls if call.startswith(("sms", "callerids"))]
    assert report["balance"] == {"amount": "12.3400", "currency": "EUR"}


def test_empty_account_says_to_book_sms():
    client = FakeClient()
    client.sms_extensions = lambda user_id=None: []  # type: ignore[assignment]
    report = inspect_account(client).as_dict()
    assert report["sms_extensions"] == []
    assert any("no SMS extension" in message for message in report["diagnose"]["messages"])


@pytest.mark.parametrize("token_id, token, readable, message_words", [
    (ALL_TOKEN_ID, ALL_TOKEN, {"extensions", "caller ids", "balance", "history"}, []),
    (SESSIONS_TOKEN_ID, SESSIONS_TOKEN, set(), ["'sms:read' (or 'all')", "'sms:read' or 'sms:callerid:read' (or 'all')",
                                                "'balance:read' (or 'all')", "'history:read' (or 'all')"]),
    (CALLER_ID_TOKEN_ID, CALLER_ID_TOKEN, {"caller ids"}, ["'sms:read' (or 'all')", "'balance:read' (or 'all')", "'history:read' (or 'all')"]),
])
def test_diagnosis_against_the_simulator_names_the_scopes_sipgate_accepts(sipgate_sim, token_id, token, readable, message_words):
    with SipgateClient(choose_credentials(token_id=token_id, token=token), api_url=sipgate_sim.url) as client:
        diagnose = inspect_account(client, SMS_ID).diagnose
    can = {"extensions": diagnose.can_list_extensions, "caller ids": diagnose.can_read_caller_ids,
           "balance": diagnose.can_read_balance, "history": diagnose.can_read_history}
    assert {what for what, allowed in can.items() if allowed} == readable
    for words in message_words:
        assert any(words in message for message in diagnose.messages), (words, diagnose.messages)
    assert len(diagnose.messages) == len(message_words)
