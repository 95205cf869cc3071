# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client against the sipgate simulator: success, safe retries, ambiguous failures, reads."""

from __future__ import annotations

import socket
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import RetryPolicy, SipgateClient
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import choose_credentials
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import (
    DELIVERED, DELIVERY_UNKNOWN, NOT_DELIVERED, SipgateError)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest
from simulator.sipgate_simulator import (
    CALLER_ID, DEFAULT_BALANCE, READ_ONLY_TOKEN, READ_ONLY_TOKEN_ID, SMS_ID, TOKEN, TOKEN_ID, USER_ID)

FAST = RetryPolicy(backoff_factor=0)
NUMBER = "+4915799912345"
SMS_PATH = "/sessions/sms"


def _client(url: str, token_id: str = TOKEN_ID, token: str = TOKEN, **kwargs: Any) -> SipgateClient:
    kwargs.setdefault("retry_policy", FAST)
    return SipgateClient(choose_credentials(token_id=token_id, token=token), api_url=url, **kwargs)


def _sms(recipient: str = NUMBER, message: str = "Hello") -> SmsRequest:
    return SmsRequest(SMS_ID, recipient, message)


def _posts(sim: Any) -> list:
    return [r for r in sim.requests() if r["method"] == "POST" and r["path"] == "/v2" + SMS_PATH]


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return "http://127.0.0.1:{0}/v2".format(port)


def test_204_answer_is_delivered(sipgate_sim: Any) -> None:
    with _client(sipgate_sim.url) as client:
        result = client.send_one(_sms())
    assert result.delivery == DELIVERED and result.error is None
    assert [(s["recipient"], s["message"], s["smsId"]) for s in sipgate_sim.sent_sms()] == [(NUMBER, "Hello", SMS_ID)]
    assert _posts(sipgate_sim)[0]["status"] == 204


def test_post_is_json_with_token_auth(sipgate_sim: Any) -> None:
    with _client(sipgate_sim.url) as client:
        client.send(SmsRequest(SMS_ID, NUMBER, "Hi €", int(time.time()) + 600))
    (post,) = _posts(sipgate_sim)
    assert post["content_type"].startswith("application/json")
    assert (post["auth_kind"], post["auth_id"]) == ("token", TOKEN_ID)
    assert sipgate_sim.sent_sms()[0]["sendAt"] is not None


def test_503_twice_then_success_is_delivered_after_exactly_three_posts(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=503, count=2, path=SMS_PATH)
    with _client(sipgate_sim.url) as client:
        result = client.send_one(_sms())
    assert result.delivery == DELIVERED
    assert len(_posts(sipgate_sim)) == 3
    assert len(sipgate_sim.sent_sms()) == 1


def test_503_beyond_the_retries_is_not_delivered_and_temporary(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=503, count=10, path=SMS_PATH)
    with _client(sipgate_sim.url, retry_policy=RetryPolicy(retries=2, backoff_factor=0)) as client:
        result = client.send_one(_sms())
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None and result.error.temporary and result.error.status == 503
    assert len(_posts(sipgate_sim)) == 3


def test_429_retry_after_is_honoured_but_capped(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=429, retry_after=5, path=SMS_PATH)
    started = time.monotonic()
    with _client(sipgate_sim.url, retry_policy=RetryPolicy(backoff_factor=0, max_retry_after=0.2)) as client:
        result = client.send_one(_sms())
    elapsed = time.monotonic() - started
    assert result.delivery == DELIVERED
    assert 0.15 <= elapsed < 1.0
    assert len(_posts(sipgate_sim)) == 2


def test_500_is_not_retried_and_explained(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=500, count=3, path=SMS_PATH)
    with _client(sipgate_sim.url) as client:
        result = client.send_one(_sms())
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None and result.error.status == 500
    assert "server error" in result.error.message
    assert len(_posts(sipgate_sim)) == 1


def test_closed_port_is_not_delivered_and_temporary() -> None:
    with _client(_closed_port_url()) as client:
        result = client.send_one(_sms())
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None and result.error.temporary
    assert "could not connect" in result.error.message


def test_connection_dropped_after_the_request_is_unknown_and_not_retried(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(drop="after", path=SMS_PATH)
    with _client(sipgate_sim.url) as client:
        result = client.send_one(_sms())
    assert result.delivery == DELIVERY_UNKNOWN
    assert result.error is not None and "delivery unknown" in result.error.message
    assert len(_posts(sipgate_sim)) == 1
    assert len(sipgate_sim.sent_sms()) == 1


def test_connection_dropped_before_handling_is_reported_and_sends_at_most_once(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(drop="before", path=SMS_PATH)
    with _client(sipgate_sim.url) as client:
        result = client.send_one(_sms())
    # The client cannot tell "before" from "after": it must not claim delivery, nor repeat the POST.
    assert result.delivery == DELIVERY_UNKNOWN
    assert len(_posts(sipgate_sim)) == 1
    assert len(sipgate_sim.sent_sms()) == 0


def test_read_timeout_is_unknown_and_says_timed_out(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(delay=2.0, path=SMS_PATH)
    started = time.monotonic()
    with _client(sipgate_sim.url, timeout=0.5) as client:
        result = client.send_one(_sms())
    assert time.monotonic() - started < 1.8
    assert result.delivery == DELIVERY_UNKNOWN
    assert result.error is not None and "timed out" in result.error.message


def test_read_timeout_on_a_get_is_not_delivered_and_temporary(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(delay=2.0, path="/authorization/userinfo")
    with _client(sipgate_sim.url, timeout=0.5) as client:
        with pytest.raises(SipgateError) as caught:
            client.user_id()
    assert caught.value.delivery == NOT_DELIVERED and caught.value.temporary
    assert "timed out" in caught.value.message


def test_send_all_runs_concurrently_and_keeps_input_order(sipgate_sim: Any) -> None:
    sipgate_sim.configure(latency=0.2)
    numbers = ["+49157999123{0:02d}".format(i) for i in range(10)]
    started = time.monotonic()
    with _client(sipgate_sim.url) as client:
        results = client.send_all([_sms(number, "n{0}".format(i)) for i, number in enumerate(numbers)])
    assert time.monotonic() - started < 1.2
    assert [r.request.recipient for r in results] == numbers
    assert all(r.delivery == DELIVERED for r in results)
    assert sorted(s["recipient"] for s in sipgate_sim.sent_sms()) == numbers


def test_send_all_of_nothing_is_nothing(sipgate_sim: Any) -> None:
    with _client(sipgate_sim.url) as client:
        assert client.send_all([]) == []
    assert not sipgate_sim.requests()


def test_read_endpoints_answer_account_facts(sipgate_sim: Any) -> None:
    with _client(sipgate_sim.url) as client:
        assert client.user_id() == USER_ID
        extensions = client.sms_extensions()
        assert extensions and extensions[0]["id"] == SMS_ID
        assert client.first_sms_id() == SMS_ID
        caller_ids = client.caller_ids(SMS_ID)
        assert CALLER_ID in [c["phonenumber"] for c in caller_ids]
        balance = client.balance()
    assert balance == {"amount": Decimal(DEFAULT_BALANCE) / Decimal(10000), "currency": "EUR"}
    assert isinstance(balance["amount"], Decimal)


def test_history_sends_the_documented_parameters_and_lists_sent_sms(sipgate_sim: Any) -> None:
    now = datetime.now(timezone.utc)
    since = (now - timedelta(minutes=5)).isoformat()
    until = (now + timedelta(minutes=5)).isoformat()
    with _client(sipgate_sim.url) as client:
        client.send(_sms(message="history me"))
        items = client.history(since, until, phonenumber=NUMBER, limit=10)
    assert any(item.get("smsContent") == "history me" for item in items)
    (query,) = [r["query"] for r in sipgate_sim.requests() if r["path"] == "/v2/history"]
    flat = {key: value[0] if isinstance(value, list) else value for key, value in query.items()}
    assert flat["types"] == "SMS" and flat["directions"] == "OUTGOING"
    assert flat["from"] == since and flat["to"] == until and flat["limit"] == "10" and flat["phonenumber"] == NUMBER


def test_wrong_token_is_401_in_plain_words_without_the_token(sipgate_sim: Any) -> None:
    wrong = "11111111-2222-3333-4444-555555555555"
    with _client(sipgate_sim.url, token=wrong) as client:
        result = client.send_one(_sms())
        with pytest.raises(SipgateError) as caught:
            client.user_id()
    assert result.error is not None and result.error.status == 401
    assert "wrong credentials" in result.error.message
    assert not result.error.temporary
    for text in (result.error.message, str(result.error), str(result.error.as_dict()), caught.value.message):
        assert wrong not in text


def test_token_without_send_scope_is_403_naming_the_scope(sipgate_sim: Any) -> None:
    with _client(sipgate_sim.url, token_id=READ_ONLY_TOKEN_ID, token=READ_ONLY_TOKEN) as client:
        result = client.send_one(_sms())
    assert result.error is not None and result.error.status == 403
    assert "sessions:sms:write" in result.error.message
    assert READ_ONLY_TOKEN not in result.error.message


def test_no_error_message_ever_contains_the_token(sipgate_sim: Any) -> None:
    messages = []
    for fault in ({"status": 500}, {"status": 400}, {"drop": "after"}, {"delay": 1.0}):
        sipgate_sim.add_fault(path=SMS_PATH, **fault)
        with _client(sipgate_sim.url, timeout=0.3) as client:
            result = client.send_one(_sms())
        assert result.error is not None
        messages.append(result.error.message)
    with _client(_closed_port_url()) as client:
        messages.append(client.send_one(_sms()).error.message)  # type: ignore[union-attr]
    with _client("not a url") as client:
        messages.append(client.send_one(_sms()).error.message)  # type: ignore[union-attr]
    for message in messages:
        assert TOKEN not in message
        assert TOKEN_ID + ":" not in message


def test_unusable_api_url_says_so_and_nothing_was_sent() -> None:
    with _client("ftp://example.invalid/v2") as client:
        result = client.send_one(_sms())
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None and "api_url" in result.error.message
