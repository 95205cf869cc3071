# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arbitrary module input ends in valid requests or in a validation error naming an option, never in a crash."""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import Credentials, choose_credentials
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SmsValidationError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import (
    MAX_SCHEDULE_SECONDS, SmsRequest, build_requests, parse_duration, parse_send_at)

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
NOW = 1_800_000_000.0
E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")  # the shortest valid numbers (Niue: +683 4002) have 7 digits
# Options of sipgate_sms (and of the connection options shared with sipgate_sms_info). "credentials" names the
# group token_id/token, username/password, access_token when more than one kind is given.
OPTION_NAMES = frozenset({"sms_id", "recipients", "message", "send_at", "token_id", "token", "username", "password",
                          "access_token", "dedup_window", "credentials"})
RECIPIENT_ITEM = re.compile(r"^recipients\[\d+\]$")

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=40),
                    st.binary(max_size=10))
junk = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
                    max_leaves=8)
phone_like = st.one_of(
    st.from_regex(r"\A(\+|00|0)?[1-9][0-9 \-./()]{5,16}\Z", fullmatch=True),
    st.sampled_from(["+4915799912345", "015799912345", "0049 157 999 12345", "+49 (0)157 99912345", "+49¹57999123",
                     "+٤٩١٥٧٩٩٩١٢٣٤٥", "", " ", "+", "0", "+000000000"]),
    st.integers(min_value=-10**16, max_value=10**16),
    junk,
)
send_at_values = st.one_of(
    st.none(), st.just(""), junk,
    st.integers(min_value=int(NOW) - 10**6, max_value=int(NOW) + MAX_SCHEDULE_SECONDS + 10**6),
    st.floats(min_value=NOW - 10**6, max_value=NOW + MAX_SCHEDULE_SECONDS + 10**6),
    st.from_regex(r"\A\+?([0-9]{1,3}d)?([0-9]{1,4}h)?([0-9]{1,5}m)?([0-9]{1,7}s)?\Z", fullmatch=True),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat() + "Z"),
    st.sampled_from(["10m", "2h", "1d2h", "30d", "31d", "0s", "nan", "inf", "-inf", "1e400", "2030-01-31T08:00:00+01:00",
                     "2030-01-31T08:00:00", "9999999999999999999999", "１０m", "1800000600"]),
)
messages = st.one_of(st.text(max_size=300), st.sampled_from(["", " ", "\t\n", "\u00a0", "ok", "😀" * 80]), junk)
sms_ids = st.one_of(st.sampled_from(["s0", "s1", "s12", "S0", "s", "0", "s-1", "s٣", " s0 "]), junk)


def outcome_of(call: Callable[[], Any]) -> tuple:
    """('ok', value) or ('invalid', error); any other exception escapes and fails the test."""
    try:
        return "ok", call()
    except SmsValidationError as error:
        return "invalid", error


def assert_names_an_option(error: SmsValidationError) -> None:
    assert error.field in OPTION_NAMES or RECIPIENT_ITEM.match(error.field), error.field
    assert str(error).startswith(error.field + ": "), str(error)
    assert error.problem and error.fix


def assert_valid_requests(requests: list, send_at: Optional[int]) -> None:
    assert requests and all(isinstance(request, SmsRequest) for request in requests)
    assert len({request.recipient for request in requests}) == len(requests)
    for request in requests:
        assert E164.match(request.recipient), request.recipient
        assert isinstance(request.message, str) and request.message.strip()
        assert request.send_at == send_at
        assert request.send_at is None or NOW < request.send_at <= NOW + MAX_SCHEDULE_SECONDS
        payload = request.payload()
        assert ("sendAt" in payload) == (request.send_at is not None)


@FUZZ
@given(sms_id=sms_ids, recipients=st.one_of(st.lists(phone_like, max_size=5), st.tuples(phone_like), st.text(max_size=20), st.none()),
       message=messages, send_at=send_at_values)
def test_build_requests_gives_valid_sms_or_a_validation_error_naming_an_option(sms_id: Any, recipients: Any, message: Any, send_at: Any) -> None:
    kind, result = outcome_of(lambda: build_requests(sms_id, recipients, message, send_at, now=NOW))
    if kind == "invalid":
        assert_names_an_option(result)
        return
    assert_valid_requests(result, result[0].send_at)
    assert result[0].sms_id == str(sms_id).strip()


@FUZZ
@given(send_at=send_at_values)
def test_parse_send_at_gives_none_a_moment_within_thirty_days_or_a_send_at_error(send_at: Any) -> None:
    kind, result = outcome_of(lambda: parse_send_at(send_at, now=NOW))
    if kind == "invalid":
        assert result.field == "send_at"
        assert str(result).startswith("send_at: ")
        return
    if send_at is None or send_at == "":
        assert result is None
    else:
        assert isinstance(result, int) and NOW < result <= NOW + MAX_SCHEDULE_SECONDS


def test_parse_send_at_refuses_the_present_and_the_thirty_days_and_one_second_boundary() -> None:
    assert parse_send_at(int(NOW) + MAX_SCHEDULE_SECONDS, now=NOW) == int(NOW) + MAX_SCHEDULE_SECONDS
    for beyond in (int(NOW), int(NOW) + MAX_SCHEDULE_SECONDS + 1, "nan", float("inf")):
        kind, error = outcome_of(lambda value=beyond: parse_send_at(value, now=NOW))
        assert kind == "invalid" and error.field == "send_at", beyond


@FUZZ
@given(raw=st.one_of(junk, st.from_regex(r"\A([0-9]{1,3}d)?([0-9]{1,3}h)?([0-9]{1,3}m)?([0-9]{1,3}s)?\Z", fullmatch=True)))
def test_parse_duration_gives_non_negative_seconds_or_an_error_naming_the_option(raw: Any) -> None:
    kind, result = outcome_of(lambda: parse_duration(raw, "dedup_window"))
    if kind == "invalid":
        assert result.field == "dedup_window" and str(result).startswith("dedup_window: ")
        return
    assert isinstance(result, int) and result >= 0


secrets = st.one_of(st.none(), st.just(""), st.text(max_size=20))


@FUZZ
@given(token_id=secrets, token=secrets, username=secrets, password=secrets, access_token=secrets)
def test_choose_credentials_gives_one_complete_kind_or_an_error_without_the_secret(token_id: Optional[str], token: Optional[str],
                                                                                   username: Optional[str], password: Optional[str],
                                                                                   access_token: Optional[str]) -> None:
    kind, result = outcome_of(lambda: choose_credentials(token_id, token, username, password, access_token))
    if kind == "invalid":
        assert_names_an_option(result)
        for secret in (token, password, access_token):
            if secret and len(secret) >= 4:
                assert secret not in str(result)
        return
    assert isinstance(result, Credentials) and result.secret
    assert result.kind in ("personal access token", "username and password", "OAuth access token")
    if result.secret and len(result.secret) >= 4 and result.secret not in (result.kind, result.identity):
        assert result.secret not in repr(result)
