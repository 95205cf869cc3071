# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The delivery core: bounded concurrency, a deadline, stopping on trouble and on signals, one vocabulary."""

from __future__ import annotations

import os
import signal
import threading
import time
from typing import Optional

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.delivery import StopSignals, deliver, resolve_sms_id
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SipgateError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import (DELIVERED, NOT_DELIVERED, UNKNOWN,
                                                                                         UNSENDABLE)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest


class FakeClient:
    """Sends that take ``seconds`` each and fail with ``error`` for the numbers in ``failing`` (all when None)."""

    def __init__(self, seconds: float = 0.0, error: Optional[Exception] = None, failing: Optional[set] = None,
                 extensions: Optional[list] = None, lookup_error: Optional[SipgateError] = None,
                 first_seconds: Optional[float] = None) -> None:
        self.seconds = seconds
        self.first_seconds = seconds if first_seconds is None else first_seconds
        self.error = error
        self.failing = failing
        self.extensions = extensions if extensions is not None else [{"id": "s0"}]
        self.lookup_error = lookup_error
        self.sent: list = []
        self.tried: list = []
        self.active = 0
        self.most_active = 0
        self.lock = threading.Lock()

    def send(self, sms: SmsRequest, deadline: Optional[float] = None) -> None:
        with self.lock:
            self.tried.append(sms.recipient)
            self.active += 1
            self.most_active = max(self.most_active, self.active)
            seconds = self.first_seconds if len(self.tried) == 1 else self.seconds
        try:
            time.sleep(seconds)
            if self.error is not None and (self.failing is None or sms.recipient in self.failing):
                raise self.error
            with self.lock:
                self.sent.append(sms.recipient)
        finally:
            with self.lock:
                self.active -= 1

    def sms_extensions(self) -> list:
        if self.lookup_error is not None:
            raise self.lookup_error
        return self.extensions


def batch(count: int) -> list:
    return [SmsRequest("s0", "+49157999{0:05d}".format(number), "text") for number in range(count)]


def test_every_sms_is_delivered_in_input_order_at_most_concurrency_at_a_time() -> None:
    client = FakeClient(0.1)
    sms = batch(16)
    started = time.monotonic()
    delivery = deliver(client, sms, concurrency=4)
    assert time.monotonic() - started < 1.2  # 16 sends of 0.1 s over 4 threads: about 0.4 s
    assert [outcome.sms for outcome in delivery.outcomes] == sms
    assert delivery.count(DELIVERED) == 16 and client.most_active == 4


def test_nothing_to_send_sends_nothing() -> None:
    client = FakeClient()
    assert deliver(client, [], concurrency=8).outcomes == () and client.tried == []


def test_the_first_request_goes_alone_and_the_rest_follow_once_it_is_answered() -> None:
    client = FakeClient(0.05)
    deliver(client, batch(6), concurrency=8)
    assert client.most_active == 5  # the first alone, then the other five at once


def test_at_the_deadline_sends_in_flight_are_unknown_and_the_rest_not_tried() -> None:
    client = FakeClient(3.0, first_seconds=0.0)
    started = time.monotonic()
    delivery = deliver(client, batch(12), concurrency=8, deadline=time.monotonic() + 0.3)
    assert time.monotonic() - started < 1.5
    assert delivery.count(DELIVERED) == 1 and delivery.count(UNKNOWN) == 8 and delivery.count(NOT_DELIVERED) == 3
    assert all(not outcome.attempted for outcome in delivery.outcomes if outcome.delivery == NOT_DELIVERED)
    assert all("delivery unknown" in outcome.reason for outcome in delivery.outcomes if outcome.delivery == UNKNOWN)


@pytest.mark.parametrize("status", [401, 402, 403, 404, 415, 500, 503])
def test_an_answer_that_concerns_every_sms_stops_further_requests_and_is_said_for_all(status: int) -> None:
    error = SipgateError.from_status(status, "POST /sessions/sms")
    client = FakeClient(0.01, error)
    delivery = deliver(client, batch(50), concurrency=8)
    assert len(client.tried) == 1
    assert delivery.count(NOT_DELIVERED) == 50
    assert {outcome.error.message for outcome in delivery.outcomes} == {error.message}
    assert [outcome.attempted for outcome in delivery.outcomes] == [True] + [False] * 49


def test_a_malformed_sms_is_unsendable_and_does_not_stop_the_others() -> None:
    sms = batch(3)
    client = FakeClient(0, SipgateError.from_status(400, "POST /sessions/sms"), failing={sms[1].recipient})
    delivery = deliver(client, sms, concurrency=1)
    assert [outcome.delivery for outcome in delivery.outcomes] == [DELIVERED, UNSENDABLE, DELIVERED]


@pytest.mark.parametrize("status", [502, 504])
def test_a_gateway_error_on_a_send_is_delivery_unknown(status: int) -> None:
    client = FakeClient(0, SipgateError.from_status(status, "POST /sessions/sms"))
    [outcome] = deliver(client, batch(1), concurrency=1).outcomes
    assert outcome.delivery == UNKNOWN and "delivery unknown" in outcome.reason


def test_an_unexpected_exception_while_sending_is_delivery_unknown_not_a_crash() -> None:
    client = FakeClient(0, RuntimeError("boom"))
    [outcome] = deliver(client, batch(1), concurrency=1).outcomes
    assert outcome.delivery == UNKNOWN and "RuntimeError" in outcome.reason


def test_a_signal_mid_send_ends_the_wait_with_answers_out_unknown_and_the_rest_not_tried() -> None:
    client = FakeClient(2.0, first_seconds=0.0)
    threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGTERM)).start()
    started = time.monotonic()
    with StopSignals() as stop:
        delivery = deliver(client, batch(5), concurrency=2, stop=stop)
    assert time.monotonic() - started < 1.5
    assert delivery.interrupted_by == "SIGTERM" and stop.received == signal.SIGTERM
    assert [outcome.delivery for outcome in delivery.outcomes] == [DELIVERED, UNKNOWN, UNKNOWN] + [NOT_DELIVERED] * 2
    assert "SIGTERM" in delivery.outcomes[1].reason and "SIGTERM" in delivery.outcomes[4].reason


def test_stop_signals_restores_the_previous_handlers() -> None:
    before = signal.getsignal(signal.SIGTERM)
    with StopSignals():
        assert signal.getsignal(signal.SIGTERM) != before
    assert signal.getsignal(signal.SIGTERM) == before


def test_a_signal_before_sending_starts_nothing() -> None:
    client = FakeClient()
    with StopSignals() as stop:
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        delivery = deliver(client, batch(3), concurrency=3, stop=stop)
    assert client.tried == [] and delivery.count(NOT_DELIVERED) == 3


def test_the_given_sms_id_is_used_without_a_request() -> None:
    client = FakeClient(lookup_error=SipgateError("must not be asked"))
    assert resolve_sms_id(client, "s3") == "s3"


def test_without_sms_id_the_first_extension_is_used() -> None:
    assert resolve_sms_id(FakeClient(extensions=[{"id": "s2"}, {"id": "s5"}]), None) == "s2"


def test_a_refused_look_up_says_to_give_sms_id_or_the_read_scope() -> None:
    client = FakeClient(lookup_error=SipgateError.from_status(403, "GET /w0/sms"))
    with pytest.raises(SipgateError, match="give sms_id .*scope sms:read"):
        resolve_sms_id(client, None)


def test_an_account_without_sms_extension_says_so() -> None:
    with pytest.raises(SipgateError, match="no SMS extension"):
        resolve_sms_id(FakeClient(extensions=[]), "")
