# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client against the sipgate simulator: what it sends, what it repeats, what it reports."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Optional

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import RetryPolicy, SipgateClient, _safe_retry
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import choose_credentials
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SipgateError, explain_status
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import NOT_DELIVERED, UNKNOWN, UNSENDABLE
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest
from simulator.sipgate_simulator import (ACCESS_TOKEN, CALLER_ID, DEFAULT_BALANCE, READ_ONLY_TOKEN, READ_ONLY_TOKEN_ID, SMS_ID,
                                         TOKEN, TOKEN_ID, USER_ID)
from support.api_calls import closed_port_url, sms_posts

FAST = RetryPolicy(backoff_factor=0)
NUMBER = "+4915799912345"
SMS_PATH = "/sessions/sms"


def make_client(url: str, token_id: str = TOKEN_ID, token: str = TOKEN, **kwargs: Any) -> SipgateClient:
    kwargs.setdefault("retry_policy", FAST)
    return SipgateClient(choose_credentials(token_id=token_id, token=token), api_url=url, **kwargs)


def sms(recipient: str = NUMBER, message: str = "Deploy done \u20ac", send_at: Optional[int] = None) -> SmsRequest:
    return SmsRequest(SMS_ID, recipient, message, send_at)


def send(client: SipgateClient, message: Optional[SmsRequest] = None) -> Optional[SipgateError]:
    """The error a send ends with, or None when sipgate accepted it."""
    try:
        client.send(message or sms())
    except SipgateError as error:
        return error
    return None


# --- what a send looks like ------------------------------------------------------------------

def test_a_send_is_json_with_token_auth_and_accepted(sipgate_sim: Any) -> None:
    with make_client(sipgate_sim.url + "/") as client:
        assert send(client) is None
    (post,) = sms_posts(sipgate_sim)
    assert post["content_type"].startswith("application/json")
    assert (post["auth_kind"], post["auth_id"]) == ("token", TOKEN_ID)
    assert post["body"] == {"smsId": SMS_ID, "recipient": NUMBER, "message": "Deploy done \u20ac"}
    assert sipgate_sim.sent_sms()[0]["message"] == "Deploy done \u20ac"


def test_a_scheduled_sms_carries_send_at(sipgate_sim: Any) -> None:
    moment = int(time.time()) + 3600
    with make_client(sipgate_sim.url) as client:
        assert send(client, sms(send_at=moment)) is None
    assert sms_posts(sipgate_sim)[0]["body"]["sendAt"] == moment


def test_a_bearer_token_is_sent_as_bearer(sipgate_sim: Any) -> None:
    with SipgateClient(choose_credentials(access_token=ACCESS_TOKEN), api_url=sipgate_sim.url, retry_policy=FAST) as client:
        assert send(client) is None
    assert sms_posts(sipgate_sim)[0]["auth_kind"] == "bearer"


@pytest.mark.parametrize("status", [200, 201, 202])
def test_any_2xx_is_accepted_without_reading_a_body(sipgate_sim: Any, status: int) -> None:
    sipgate_sim.add_fault(status=status, body="<html>ok, not JSON</html>", path=SMS_PATH)
    with make_client(sipgate_sim.url) as client:
        assert send(client) is None


# --- what is repeated, and what never is --------------------------------------------------

def test_503_twice_then_success_takes_exactly_three_posts(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=503, count=2, path=SMS_PATH)
    with make_client(sipgate_sim.url) as client:
        assert send(client) is None
    assert len(sms_posts(sipgate_sim)) == 3 and len(sipgate_sim.sent_sms()) == 1


@pytest.mark.parametrize("status", [429, 503])
def test_a_refusal_that_proves_no_effect_is_repeated_then_given_up_as_temporary(sipgate_sim: Any, status: int) -> None:
    sipgate_sim.add_fault(status=status, count=10, path=SMS_PATH)
    with make_client(sipgate_sim.url, retry_policy=RetryPolicy(retries=2, backoff_factor=0)) as client:
        error = send(client)
    assert len(sms_posts(sipgate_sim)) == 3
    assert error is not None and error.status == status and error.delivery == NOT_DELIVERED and error.temporary


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_on_a_send_is_delivery_unknown_and_never_repeated(sipgate_sim: Any, status: int) -> None:
    sipgate_sim.add_fault(status=status, count=10, path=SMS_PATH, effect=True)
    with make_client(sipgate_sim.url) as client:
        error = send(client)
    assert len(sms_posts(sipgate_sim)) == 1 and len(sipgate_sim.sent_sms()) == 1
    assert error is not None and error.delivery == UNKNOWN and "delivery unknown" in error.message


@pytest.mark.parametrize("status", [502, 503, 504, 429])
def test_a_read_is_repeated_on_every_try_again_status(sipgate_sim: Any, status: int) -> None:
    sipgate_sim.add_fault(status=status, count=2, path="/authorization/userinfo")
    with make_client(sipgate_sim.url) as client:
        assert client.user_id() == USER_ID
    assert len([r for r in sipgate_sim.requests() if r["path"] == "/v2/authorization/userinfo"]) == 3


# A fraction is honoured too, not taken for a lost answer.
@pytest.mark.parametrize("retry_after", [1, 0.5])
def test_retry_after_is_honoured(sipgate_sim: Any, retry_after: float) -> None:
    sipgate_sim.add_fault(status=429, retry_after=retry_after, path=SMS_PATH)
    started = time.monotonic()
    with make_client(sipgate_sim.url, retry_policy=RetryPolicy(backoff_factor=0, max_retry_after=30)) as client:
        assert send(client) is None
    assert time.monotonic() - started >= retry_after - 0.05 and len(sms_posts(sipgate_sim)) == 2


def test_retry_after_is_capped(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=503, retry_after=3600, path=SMS_PATH)
    started = time.monotonic()
    with make_client(sipgate_sim.url, retry_policy=RetryPolicy(backoff_factor=0, max_retry_after=0.2)) as client:
        assert send(client) is None
    assert 0.15 <= time.monotonic() - started < 1.5 and len(sms_posts(sipgate_sim)) == 2


class _Answer:
    def __init__(self, retry_after: str) -> None:
        self.headers = {"Retry-After": retry_after}


@pytest.mark.parametrize("header, seconds", [("2", 2.0), (" 2.5 ", 2.5), ("soon", None), ("1e3", None), ("nan", None),
                                             ("-1", None), ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0), ("99999", 30.0)])
def test_retry_after_is_read_as_seconds_or_left_to_the_backoff(header: str, seconds: Optional[float]) -> None:
    retry = _safe_retry(RetryPolicy(max_retry_after=30), answer_within=10)
    assert retry.get_retry_after(_Answer(header)) == seconds


def test_no_retry_starts_whose_answer_could_come_after_the_deadline(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=503, count=10, retry_after=1, path=SMS_PATH)
    with make_client(sipgate_sim.url, timeout=2.0, retry_policy=RetryPolicy(retries=5, backoff_factor=0, max_retry_after=30)) as client:
        started = time.monotonic()
        with pytest.raises(SipgateError) as caught:
            client.send(sms(), deadline=started + 2.5)
    refused = caught.value
    # A retry would wait 1 s and then up to 2 s to connect and 2 s for its answer: past the deadline, so none starts.
    assert len(sms_posts(sipgate_sim)) == 1 and time.monotonic() - started < 1.0
    assert refused.status == 503 and refused.delivery == NOT_DELIVERED and refused.temporary


def test_retries_go_on_while_their_answer_can_come_before_the_deadline(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=503, count=2, retry_after=0.2, path=SMS_PATH)
    with make_client(sipgate_sim.url, timeout=2.0, retry_policy=RetryPolicy(retries=5, backoff_factor=0, max_retry_after=30)) as client:
        client.send(sms(), deadline=time.monotonic() + 10)
    assert len(sms_posts(sipgate_sim)) == 3 and len(sipgate_sim.sent_sms()) == 1


def test_500_is_not_repeated_and_says_nothing_was_sent(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=500, count=3, path=SMS_PATH)
    with make_client(sipgate_sim.url) as client:
        error = send(client)
    assert error is not None and error.status == 500 and error.delivery == NOT_DELIVERED
    assert "server error" in error.message and "nothing was sent" in error.message
    assert len(sms_posts(sipgate_sim)) == 1


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 415])
def test_a_client_error_status_is_permanent_in_plain_words_and_not_repeated(sipgate_sim: Any, status: int) -> None:
    sipgate_sim.add_fault(status=status, path=SMS_PATH)
    with make_client(sipgate_sim.url) as client:
        error = send(client)
    assert error is not None and error.status == status and error.temporary is False
    assert error.delivery == (UNSENDABLE if status == 400 else NOT_DELIVERED)
    assert explain_status(status) in error.message and "POST /sessions/sms" in error.message
    assert len(sms_posts(sipgate_sim)) == 1


def test_a_closed_port_is_not_delivered_and_temporary() -> None:
    with make_client(closed_port_url(), retry_policy=RetryPolicy(retries=1, backoff_factor=0)) as client:
        error = send(client)
    assert error is not None and error.delivery == NOT_DELIVERED and error.temporary
    assert "could not connect" in error.message


def test_a_connection_dropped_after_the_request_is_unknown_and_not_repeated(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(drop="after", path=SMS_PATH)
    with make_client(sipgate_sim.url) as client:
        error = send(client)
    assert error is not None and error.delivery == UNKNOWN and "delivery unknown" in error.message
    assert len(sms_posts(sipgate_sim)) == 1 and len(sipgate_sim.sent_sms()) == 1


def test_a_connection_dropped_before_handling_is_unknown_too_and_sent_at_most_once(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(drop="before", path=SMS_PATH)
    with make_client(sipgate_sim.url) as client:
        error = send(client)
    # The client cannot tell "before" from "after": it must not claim delivery, nor repeat the POST.
    assert error is not None and error.delivery == UNKNOWN
    assert len(sms_posts(sipgate_sim)) == 1 and sipgate_sim.sent_sms() == []


def test_a_read_timeout_on_a_send_is_unknown_and_says_timed_out(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(delay=2.0, path=SMS_PATH)
    started = time.monotonic()
    with make_client(sipgate_sim.url, timeout=0.5) as client:
        error = send(client)
    assert time.monotonic() - started < 1.8
    assert error is not None and error.delivery == UNKNOWN and "timed out" in error.message
    assert len(sms_posts(sipgate_sim)) == 1


def test_a_read_timeout_on_a_read_is_repeated_then_temporary(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(delay=2.0, count=2, path="/authorization/userinfo")
    with make_client(sipgate_sim.url, timeout=0.3, retry_policy=RetryPolicy(retries=1, backoff_factor=0)) as client:
        with pytest.raises(SipgateError) as caught:
            client.user_id()
    assert caught.value.delivery == NOT_DELIVERED and caught.value.temporary and "timed out" in caught.value.message


# --- reads --------------------------------------------------------------------------------

def test_read_endpoints_answer_account_facts(sipgate_sim: Any) -> None:
    with make_client(sipgate_sim.url) as client:
        assert client.user_id() == USER_ID
        extensions = client.sms_extensions()
        assert extensions and extensions[0]["id"] == SMS_ID
        assert CALLER_ID in [caller["phonenumber"] for caller in client.caller_ids(SMS_ID)]
        balance = client.balance()
    assert balance == {"amount": Decimal(DEFAULT_BALANCE) / Decimal(10000), "currency": "EUR"}
    assert isinstance(balance["amount"], Decimal)


def test_history_sends_the_documented_parameters_and_lists_sent_sms(sipgate_sim: Any) -> None:
    now = datetime.now(timezone.utc)
    since = (now - timedelta(minutes=5)).isoformat()
    until = (now + timedelta(minutes=5)).isoformat()
    with make_client(sipgate_sim.url) as client:
        client.send(sms(message="history me"))
        items = client.history(since, until, phonenumber=NUMBER, limit=10)
    assert any(item.get("smsContent") == "history me" for item in items)
    (query,) = [r["query"] for r in sipgate_sim.requests() if r["path"] == "/v2/history"]
    flat = {key: value[0] if isinstance(value, list) else value for key, value in query.items()}
    assert flat["types"] == "SMS" and flat["directions"] == "OUTGOING"
    assert flat["from"] == since and flat["to"] == until and flat["limit"] == "10" and flat["phonenumber"] == NUMBER


def history_requests(sim: Any) -> list:
    return [(r["query"]["offset"], r["query"]["limit"]) for r in sim.requests() if r["path"] == "/v2/history"]


def send_many(sim: Any, count: int) -> None:
    with make_client(sim.url) as client:
        for number in range(count):
            assert send(client, sms(message="m{0}".format(number))) is None


def test_history_reads_every_page_up_to_total_count(sipgate_sim: Any) -> None:
    send_many(sipgate_sim, 7)
    with make_client(sipgate_sim.url) as client:
        items = client.history("2000-01-01T00:00:00Z", page_size=3)
    assert sorted(item["smsContent"] for item in items) == ["m{0}".format(number) for number in range(7)]
    assert history_requests(sipgate_sim) == [(["0"], ["3"]), (["3"], ["3"]), (["6"], ["3"])]


def test_history_stops_at_total_count_without_asking_for_an_empty_page(sipgate_sim: Any) -> None:
    send_many(sipgate_sim, 6)
    with make_client(sipgate_sim.url) as client:
        assert len(client.history("2000-01-01T00:00:00Z", page_size=3)) == 6
    assert len(history_requests(sipgate_sim)) == 2


def test_history_limit_caps_the_entries_and_the_page_size(sipgate_sim: Any) -> None:
    send_many(sipgate_sim, 5)
    with make_client(sipgate_sim.url) as client:
        assert len(client.history("2000-01-01T00:00:00Z", limit=1)) == 1
        assert len(client.history("2000-01-01T00:00:00Z", limit=4, page_size=3)) == 4
    assert history_requests(sipgate_sim) == [(["0"], ["1"]), (["0"], ["3"]), (["3"], ["1"])]


def test_history_without_total_count_stops_at_a_short_page(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=200, body='{"items": [{"smsContent": "x"}, {"smsContent": "y"}]}', path="/history")
    sipgate_sim.add_fault(status=200, body='{"items": [{"smsContent": "z"}]}', path="/history")
    with make_client(sipgate_sim.url) as client:
        assert len(client.history("2000-01-01T00:00:00Z", page_size=2)) == 3
    assert len(history_requests(sipgate_sim)) == 2


def test_a_read_that_is_not_json_points_at_api_url(sipgate_sim: Any) -> None:
    sipgate_sim.add_fault(status=200, body="<html>a login page</html>", path="/authorization/userinfo")
    with make_client(sipgate_sim.url) as client, pytest.raises(SipgateError) as caught:
        client.user_id()
    assert "not JSON" in caught.value.message and "api_url" in caught.value.message


def test_a_wrong_endpoint_on_a_read_is_explained(sipgate_sim: Any) -> None:
    with make_client(sipgate_sim.url + "/nonsense") as client, pytest.raises(SipgateError) as caught:
        client.balance()
    assert caught.value.status == 404 and "api_url" in caught.value.message and caught.value.temporary is False


# --- refusals and secrets -----------------------------------------------------------------

def test_a_wrong_token_is_401_in_plain_words_without_the_token(sipgate_sim: Any) -> None:
    wrong = "11111111-2222-3333-4444-555555555555"
    with make_client(sipgate_sim.url, token=wrong) as client:
        error = send(client)
        with pytest.raises(SipgateError) as caught:
            client.user_id()
    assert error is not None and error.status == 401 and "wrong credentials" in error.message and not error.temporary
    for text in (error.message, str(error), str(error.as_dict()), caught.value.message):
        assert wrong not in text


def test_a_token_without_the_send_scope_is_403_naming_the_scope(sipgate_sim: Any) -> None:
    with make_client(sipgate_sim.url, token_id=READ_ONLY_TOKEN_ID, token=READ_ONLY_TOKEN) as client:
        error = send(client)
    assert error is not None and error.status == 403 and "sessions:sms:write" in error.message
    assert READ_ONLY_TOKEN not in error.message


def test_no_error_message_ever_contains_the_token(sipgate_sim: Any) -> None:
    messages = []
    for fault in ({"status": 500}, {"status": 400}, {"status": 504}, {"drop": "after"}, {"delay": 1.0}):
        sipgate_sim.add_fault(path=SMS_PATH, **fault)
        with make_client(sipgate_sim.url, timeout=0.3) as client:
            messages.append(send(client).message)  # type: ignore[union-attr]
    with make_client(closed_port_url(), retry_policy=RetryPolicy(retries=0)) as client:
        messages.append(send(client).message)  # type: ignore[union-attr]
    with make_client("not a url") as client:
        messages.append(send(client).message)  # type: ignore[union-attr]
    for message in messages:
        assert TOKEN not in message and TOKEN_ID + ":" not in message


def test_an_error_body_that_echoes_the_credential_is_redacted_and_cut(sipgate_sim: Any) -> None:
    credentials = choose_credentials(token_id=TOKEN_ID, token=TOKEN)
    echo = "you sent {0} with token {1}; ".format(credentials.authorization_header(), TOKEN) + "x" * 500
    sipgate_sim.add_fault(status=400, body=echo, path=SMS_PATH)
    with make_client(sipgate_sim.url) as client:
        error = send(client)
    assert error is not None and TOKEN not in error.message and credentials.authorization_header() not in error.message
    assert "[redacted]" in error.message and len(error.message) < 500


@pytest.mark.parametrize("url", ["api.sipgate.com/v2", "ftp://api.sipgate.com/v2", "http://", "http://exa mple.com/v2"])
def test_an_unusable_api_url_is_not_delivered_and_points_at_api_url(url: str) -> None:
    with make_client(url) as client:
        error = send(client)
    assert error is not None and error.delivery == NOT_DELIVERED and error.temporary is False
    assert "api_url" in error.message


def test_tls_to_a_plain_http_server_fails_before_anything_is_sent(sipgate_sim: Any) -> None:
    with make_client(sipgate_sim.url.replace("http://", "https://")) as client:
        error = send(client)
    assert error is not None and error.delivery == NOT_DELIVERED and "TLS" in error.message
    assert sms_posts(sipgate_sim) == []


def test_an_entry_in_netrc_never_replaces_the_token(sipgate_sim: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    netrc = tmp_path / ".netrc"
    netrc.write_text("machine 127.0.0.1 login someone-else password not-the-token\ndefault login x password y\n", encoding="utf-8")
    netrc.chmod(0o600)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("NETRC", str(netrc))
    with make_client(sipgate_sim.url) as client:
        assert send(client) is None
    (post,) = [r for r in sipgate_sim.requests() if r["method"] == "POST"]
    assert (post["auth_kind"], post["auth_id"]) == ("token", TOKEN_ID)
