# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The HTTP client against a scripted server on loopback: what it sends, what it retries, what it reports."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Iterator, Optional
from urllib.parse import parse_qs, urlsplit

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import (
    RetryPolicy, SipgateClient)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import choose_credentials
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import (
    DELIVERED, DELIVERY_UNKNOWN, NOT_DELIVERED, SipgateError, explain_status)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest

TOKEN_ID = "token-ABC123"
TOKEN_SECRET = "0d4a5c4e-9b5f-4c1e-8f2a-6b7c8d9e0f1a"
BASIC_HEADER = "Basic " + base64.b64encode((TOKEN_ID + ":" + TOKEN_SECRET).encode()).decode()
NUMBER = "+4915799912345"
# No waiting between retries: the tests count requests, they do not need the backoff.
FAST = RetryPolicy(retries=3, backoff_factor=0, max_retry_after=5)


@dataclass
class Answer:
    """What the server does with one request."""

    status: int = 204
    body: Any = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    hang_up: bool = False  # read the request, then close the connection without a word


@dataclass
class Seen:
    """One request as the server received it (path without the /v2 prefix)."""

    method: str
    path: str
    query: dict
    headers: dict
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


def sipgate_like_answer(request: Seen) -> Answer:
    """Answers as sipgate gives them for the account w0 with the SMS extension s0."""
    reads = {
        "/authorization/userinfo": {"sub": "w0", "domain": "sipgate.de"},
        "/w0/sms": {"items": [{"id": "s0", "alias": "Monitoring", "callerId": NUMBER}, {"id": "s1", "alias": "Ops", "callerId": "sipgate"}]},
        "/w7/sms": {"items": [{"id": "s3", "alias": "Other", "callerId": "sipgate"}]},
        "/w0/sms/s0/callerids": {"items": [{"id": 1, "phonenumber": NUMBER, "verified": True, "defaultNumber": True}]},
        "/balance": {"amount": 123456, "currency": "EUR"},
        "/history": {"items": [{"smsContent": "hi", "target": NUMBER, "created": "2024-01-01T00:00:00Z"}]},
    }
    if request.method == "POST" and request.path == "/sessions/sms":
        return Answer(204)
    if request.method == "GET" and request.path in reads:
        return Answer(200, reads[request.path])
    return Answer(404, {"message": "not found"})


class ScriptedApi:
    """A tiny HTTP/1.1 server: scripted answers first, then sipgate-like ones; records every request."""

    def __init__(self) -> None:
        self.script: deque[Answer] = deque()
        self.answer: Callable[[Seen], Answer] = sipgate_like_answer
        self.seen: list[Seen] = []
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return "http://127.0.0.1:{0}/v2".format(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def posts(self) -> list[Seen]:
        return [request for request in self.seen if request.method == "POST"]

    def _receive(self, request: Seen) -> Answer:
        with self._lock:
            self.seen.append(request)
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            return self.script.popleft() if self.script else self.answer(request)

    def _done(self) -> None:
        with self._lock:
            self.in_flight -= 1

    def _handler_class(self) -> type:
        api = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:  # noqa: N802 (the name http.server looks for)
                self._serve()

            def do_POST(self) -> None:  # noqa: N802
                self._serve()

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                parts = urlsplit(self.path)
                path = parts.path[len("/v2"):] if parts.path.startswith("/v2") else parts.path
                seen = Seen(self.command, path, parse_qs(parts.query), dict(self.headers.items()), body)
                answer = api._receive(seen)
                try:
                    time.sleep(answer.delay)
                    if answer.hang_up:
                        self.close_connection = True
                        return
                    self._reply(answer)
                except (BrokenPipeError, ConnectionResetError):
                    # The client gave up waiting (a read timeout test): nobody is left to answer.
                    self.close_connection = True
                finally:
                    api._done()

            def _reply(self, answer: Answer) -> None:
                if answer.body is None:
                    payload = b""
                elif isinstance(answer.body, str):
                    payload = answer.body.encode("utf-8")
                else:
                    payload = json.dumps(answer.body).encode("utf-8")
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if payload:
                    self.send_header("Content-Type", "application/json" if not isinstance(answer.body, str) else "text/html")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        return Handler


@pytest.fixture
def api() -> Iterator[ScriptedApi]:
    server = ScriptedApi()
    server.start()
    yield server
    server.stop()


def make_client(url: str, timeout: float = 5.0, policy: RetryPolicy = FAST, **options: Any) -> SipgateClient:
    return SipgateClient(choose_credentials(token_id=TOKEN_ID, token=TOKEN_SECRET), api_url=url,
                         timeout=timeout, retry_policy=policy, **options)


def sms(recipient: str = NUMBER, send_at: Optional[int] = None) -> SmsRequest:
    return SmsRequest("s0", recipient, "Deploy done \u20ac", send_at)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def assert_no_secret(error: SipgateError) -> None:
    for text in (str(error), repr(error), json.dumps(error.as_dict())):
        assert TOKEN_SECRET not in text
        assert BASIC_HEADER.split()[1] not in text


def test_post_sends_json_with_auth_and_is_delivered_on_204(api: ScriptedApi) -> None:
    with make_client(api.url + "/") as client:
        result = client.send_one(sms())
    assert result.delivery == DELIVERED and result.error is None
    (post,) = api.posts()
    assert post.path == "/sessions/sms"
    assert post.headers["Content-Type"] == "application/json"
    assert post.headers["Authorization"] == BASIC_HEADER
    assert post.headers["Accept"] == "application/json"
    assert post.headers["User-Agent"].startswith("sipgateio.sms/")
    assert post.json() == {"smsId": "s0", "recipient": NUMBER, "message": "Deploy done \u20ac"}


def test_scheduled_sms_carries_send_at(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        client.send(sms(send_at=1900000000))
    assert api.posts()[0].json()["sendAt"] == 1900000000


def test_bearer_token_is_sent_as_bearer(api: ScriptedApi) -> None:
    with SipgateClient(choose_credentials(access_token="eyJ.payload.sig"), api_url=api.url, retry_policy=FAST) as client:
        client.send(sms())
    assert api.posts()[0].headers["Authorization"] == "Bearer eyJ.payload.sig"


@pytest.mark.parametrize("status", [200, 201, 202])
def test_any_2xx_is_delivered_without_reading_a_body(api: ScriptedApi, status: int) -> None:
    api.script.append(Answer(status, "<html>ok, not JSON</html>"))
    with make_client(api.url) as client:
        assert client.send_one(sms()).delivery == DELIVERED


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 415])
def test_client_error_status_is_a_permanent_error_in_plain_words(api: ScriptedApi, status: int) -> None:
    api.script.append(Answer(status, {"message": "nope"}))
    with make_client(api.url) as client:
        result = client.send_one(sms())
    assert result.delivery == NOT_DELIVERED
    assert isinstance(result.error, SipgateError)
    assert result.error.status == status
    assert result.error.temporary is False
    assert explain_status(status) in str(result.error)
    assert "POST /sessions/sms" in str(result.error)
    assert_no_secret(result.error)
    assert len(api.posts()) == 1


def test_send_raises_the_error(api: ScriptedApi) -> None:
    api.script.append(Answer(401))
    with make_client(api.url) as client, pytest.raises(SipgateError) as caught:
        client.send(sms())
    assert caught.value.status == 401
    assert "wrong credentials" in str(caught.value)


def test_server_error_500_is_not_retried(api: ScriptedApi) -> None:
    api.script.append(Answer(500, "Internal Server Error"))
    with make_client(api.url) as client:
        result = client.send_one(sms())
    assert len(api.posts()) == 1
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None and result.error.status == 500
    assert "server error" in str(result.error)


def test_unavailable_twice_then_delivered_takes_exactly_three_requests(api: ScriptedApi) -> None:
    api.script.extend([Answer(503), Answer(503)])
    with make_client(api.url) as client:
        result = client.send_one(sms())
    assert result.delivery == DELIVERED
    assert len(api.posts()) == 3
    assert api.posts()[0].body == api.posts()[2].body


@pytest.mark.parametrize("status", [429, 502, 503, 504])
def test_retryable_status_gives_up_after_the_retries_as_temporary(api: ScriptedApi, status: int) -> None:
    api.answer = lambda request: Answer(status)
    with make_client(api.url, policy=RetryPolicy(retries=2, backoff_factor=0)) as client:
        result = client.send_one(sms())
    assert len(api.posts()) == 3
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None and result.error.status == status and result.error.temporary


def test_retry_after_is_honoured(api: ScriptedApi) -> None:
    api.script.append(Answer(429, headers={"Retry-After": "1"}))
    started = time.monotonic()
    with make_client(api.url, policy=RetryPolicy(backoff_factor=0, max_retry_after=30)) as client:
        result = client.send_one(sms())
    assert result.delivery == DELIVERED
    assert time.monotonic() - started >= 0.95
    assert len(api.posts()) == 2


def test_retry_after_is_capped(api: ScriptedApi) -> None:
    api.script.append(Answer(429, headers={"Retry-After": "3600"}))
    started = time.monotonic()
    with make_client(api.url, policy=RetryPolicy(backoff_factor=0, max_retry_after=0.2)) as client:
        result = client.send_one(sms())
    elapsed = time.monotonic() - started
    assert result.delivery == DELIVERED
    assert 0.19 <= elapsed < 2
    assert len(api.posts()) == 2


def test_connection_refused_is_not_delivered_and_temporary() -> None:
    with make_client("http://127.0.0.1:{0}/v2".format(closed_port())) as client:
        result = client.send_one(sms())
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None
    assert result.error.temporary is True
    assert result.error.status is None
    assert "nothing was sent" in str(result.error)
    assert_no_secret(result.error)


def test_connection_dropped_after_the_request_is_unknown_and_not_retried(api: ScriptedApi) -> None:
    api.script.append(Answer(hang_up=True))
    with make_client(api.url) as client:
        result = client.send_one(sms())
    assert len(api.posts()) == 1
    assert result.delivery == DELIVERY_UNKNOWN
    assert result.error is not None and result.error.temporary
    assert "delivery unknown" in str(result.error)
    assert_no_secret(result.error)


def test_read_timeout_is_unknown_and_not_retried(api: ScriptedApi) -> None:
    api.script.append(Answer(delay=3.0))
    started = time.monotonic()
    with make_client(api.url, timeout=0.3) as client:
        result = client.send_one(sms())
    assert time.monotonic() - started < 2.0
    assert len(api.posts()) == 1
    assert result.delivery == DELIVERY_UNKNOWN
    assert result.error is not None
    assert "timed out" in str(result.error)
    assert_no_secret(result.error)


def test_read_timeout_of_a_read_only_request_is_not_a_delivery_question(api: ScriptedApi) -> None:
    api.script.append(Answer(200, {"sub": "w0"}, delay=3.0))
    with make_client(api.url, timeout=0.3) as client, pytest.raises(SipgateError) as caught:
        client.user_id()
    assert caught.value.delivery == NOT_DELIVERED
    assert caught.value.temporary
    assert "timed out" in str(caught.value)


def test_send_all_runs_concurrently_and_keeps_the_input_order(api: ScriptedApi) -> None:
    recipients = ["+49157000000{0:02d}".format(number) for number in range(10)]

    def slower_for_earlier_recipients(request: Seen) -> Answer:
        # Earlier recipients answer later, so completion order is the reverse of the input order.
        position = recipients.index(request.json()["recipient"])
        return Answer(402 if position == 4 else 204, delay=0.2 + (9 - position) * 0.01)

    api.answer = slower_for_earlier_recipients
    started = time.monotonic()
    with make_client(api.url) as client:
        results = client.send_all([sms(recipient) for recipient in recipients])
    elapsed = time.monotonic() - started
    assert elapsed < 1.5  # one after another would take over 2 s; 0.4 s with 8 at a time
    assert [result.request.recipient for result in results] == recipients
    assert [result.delivery for result in results] == [DELIVERED] * 4 + [NOT_DELIVERED] + [DELIVERED] * 5
    assert results[4].error is not None and results[4].error.status == 402
    assert 2 <= api.max_in_flight <= 8
    assert len(api.posts()) == 10


def test_send_all_keeps_at_most_pool_size_in_flight(api: ScriptedApi) -> None:
    api.answer = lambda request: Answer(204, delay=0.1)
    with make_client(api.url, pool_size=3) as client:
        results = client.send_all([sms("+49157000000{0:02d}".format(number)) for number in range(9)])
    assert all(result.delivery == DELIVERED for result in results)
    assert api.max_in_flight == 3


def test_send_all_of_nothing_sends_nothing(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        assert client.send_all([]) == []
    assert api.seen == []


def test_user_id_comes_from_userinfo(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        assert client.user_id() == "w0"
    assert [(request.method, request.path) for request in api.seen] == [("GET", "/authorization/userinfo")]
    assert api.seen[0].headers["Authorization"] == BASIC_HEADER


def test_sms_extensions_look_up_the_user_when_not_given(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        assert [extension["id"] for extension in client.sms_extensions()] == ["s0", "s1"]
        assert [extension["id"] for extension in client.sms_extensions("w7")] == ["s3"]
    assert [request.path for request in api.seen] == ["/authorization/userinfo", "/w0/sms", "/w7/sms"]


def test_first_sms_id_is_the_first_extension(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        assert client.first_sms_id() == "s0"


def test_account_without_sms_extension_says_so(api: ScriptedApi) -> None:
    api.answer = lambda request: Answer(200, {"sub": "w0"} if request.path.endswith("userinfo") else {"items": []})
    with make_client(api.url) as client, pytest.raises(SipgateError) as caught:
        client.first_sms_id()
    assert "no SMS extension" in str(caught.value)


def test_caller_ids_of_an_extension(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        assert client.caller_ids("s0", "w0") == [{"id": 1, "phonenumber": NUMBER, "verified": True, "defaultNumber": True}]
    assert [request.path for request in api.seen] == ["/w0/sms/s0/callerids"]


def test_balance_is_an_exact_decimal_in_currency_units(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        balance = client.balance()
    assert balance == {"amount": Decimal("12.3456"), "currency": "EUR"}
    assert isinstance(balance["amount"], Decimal)


def test_history_asks_for_outgoing_sms_in_a_time_range(api: ScriptedApi) -> None:
    with make_client(api.url) as client:
        items = client.history("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z", phonenumber=NUMBER, limit=50)
        client.history("2024-01-01T00:00:00Z")
    assert items == [{"smsContent": "hi", "target": NUMBER, "created": "2024-01-01T00:00:00Z"}]
    first, second = api.seen
    assert first.path == "/history"
    assert first.query == {"types": ["SMS"], "directions": ["OUTGOING"], "from": ["2024-01-01T00:00:00Z"],
                           "to": ["2024-01-02T00:00:00Z"], "phonenumber": [NUMBER], "limit": ["50"], "offset": ["0"]}
    assert "to" not in second.query and "phonenumber" not in second.query
    assert second.query["limit"] == ["1000"] and second.query["offset"] == ["0"]


def history_pages(total: int) -> Callable[[Seen], Answer]:
    """A history of ``total`` SMS that answers each GET with the page its limit and offset ask for."""
    entries = [{"smsContent": "m{0}".format(number), "target": "01579-9912345"} for number in range(total)]

    def answer(request: Seen) -> Answer:
        offset, limit = int(request.query["offset"][0]), int(request.query["limit"][0])
        return Answer(200, {"items": entries[offset:offset + limit], "totalCount": total})
    return answer


def test_history_reads_every_page_up_to_total_count(api: ScriptedApi) -> None:
    api.answer = history_pages(7)
    with make_client(api.url) as client:
        items = client.history("2024-01-01T00:00:00Z", page_size=3)
    assert [item["smsContent"] for item in items] == ["m{0}".format(number) for number in range(7)]
    assert [(request.query["offset"], request.query["limit"]) for request in api.seen] == [
        (["0"], ["3"]), (["3"], ["3"]), (["6"], ["3"])]


def test_history_stops_at_total_count_without_asking_for_an_empty_page(api: ScriptedApi) -> None:
    api.answer = history_pages(6)
    with make_client(api.url) as client:
        assert len(client.history("2024-01-01T00:00:00Z", page_size=3)) == 6
    assert len(api.seen) == 2


def test_history_limit_caps_the_entries_and_the_page_size(api: ScriptedApi) -> None:
    api.answer = history_pages(2500)
    with make_client(api.url) as client:
        assert len(client.history("2024-01-01T00:00:00Z", limit=1)) == 1
        assert len(client.history("2024-01-01T00:00:00Z", limit=1500)) == 1500
    assert [(request.query["offset"], request.query["limit"]) for request in api.seen] == [
        (["0"], ["1"]), (["0"], ["1000"]), (["1000"], ["500"])]


def test_history_without_total_count_stops_at_a_short_page(api: ScriptedApi) -> None:
    api.answer = lambda request: Answer(200, {"items": [{"smsContent": "x"}] * (2 if request.query["offset"] == ["0"] else 1)})
    with make_client(api.url) as client:
        assert len(client.history("2024-01-01T00:00:00Z", page_size=2)) == 3
    assert len(api.seen) == 2


def test_read_that_is_not_json_points_at_api_url(api: ScriptedApi) -> None:
    api.script.append(Answer(200, "<html>a login page</html>"))
    with make_client(api.url) as client, pytest.raises(SipgateError) as caught:
        client.user_id()
    assert "not JSON" in str(caught.value)
    assert "api_url" in str(caught.value)


def test_wrong_endpoint_on_a_read_is_explained(api: ScriptedApi) -> None:
    with make_client(api.url + "/nonsense") as client, pytest.raises(SipgateError) as caught:
        client.balance()
    assert caught.value.status == 404
    assert "api_url" in str(caught.value)
    assert caught.value.temporary is False


@pytest.mark.parametrize("url", ["api.sipgate.com/v2", "ftp://api.sipgate.com/v2", "http://", "http://exa mple.com/v2"])
def test_unusable_api_url_is_not_delivered_and_points_at_api_url(url: str) -> None:
    with make_client(url) as client:
        result = client.send_one(sms())
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None
    assert result.error.temporary is False
    assert "api_url" in str(result.error)


def test_tls_to_a_plain_http_server_fails_before_anything_is_sent(api: ScriptedApi) -> None:
    with make_client(api.url.replace("http://", "https://")) as client:
        result = client.send_one(sms())
    assert result.delivery == NOT_DELIVERED
    assert result.error is not None and "TLS" in str(result.error)
    assert api.posts() == []
