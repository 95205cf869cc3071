# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One SMS per recipient, every field checked before anything is sent: ids, numbers, message, schedule, keys.

Arbitrary input ends in valid requests or in a validation error naming an option, never in a crash.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SmsValidationError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import (
    MAX_SCHEDULE_SECONDS, SmsRequest, build_requests, delivery_key, normalise_recipient,
    parse_duration, parse_send_at, validate_message, validate_sms_id)

# 2024-01-01T00:00:00Z: a fixed "now", so schedules do not depend on the clock.
NOW = 1704067200
NUMBER = "+4915799912345"

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
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
    st.integers(min_value=NOW - 10**6, max_value=NOW + MAX_SCHEDULE_SECONDS + 10**6),
    st.floats(min_value=NOW - 10**6, max_value=NOW + MAX_SCHEDULE_SECONDS + 10**6),
    st.from_regex(r"\A\+?([0-9]{1,3}d)?([0-9]{1,4}h)?([0-9]{1,5}m)?([0-9]{1,7}s)?\Z", fullmatch=True),
    st.from_regex(r"\A[0-9]{1,3}[dhms]([0-9]{1,3}[ms])?\Z"),
    st.datetimes().map(lambda moment: moment.isoformat()),
    st.datetimes().map(lambda moment: moment.isoformat() + "Z"),
    st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat()),
    st.sampled_from(["10m", "2h", "1d2h", "30d", "31d", "0s", "nan", "inf", "-inf", "1e400", "2024-01-01T08:00:00+01:00",
                     "2024-01-01T08:00:00", "9999999999999999999999", "１０m", str(NOW + 600)]),
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


@pytest.mark.parametrize("sms_id", ["s0", "s1", "s123", " s7 ", " s12 "])
def test_sms_id_of_s_and_digits_is_accepted(sms_id: str) -> None:
    assert validate_sms_id(sms_id) == sms_id.strip()


@pytest.mark.parametrize("bad", ["", None, "0", "S0", "s", "sx", "s0a", "s0 s1", "w0", "p0", "s-1", "s01", "s00", "s\u0663"])
def test_sms_id_that_is_no_extension_is_refused_with_the_fix(bad: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        validate_sms_id(bad)
    assert caught.value.field == "sms_id"
    assert "s0" in caught.value.fix


@pytest.mark.parametrize("written", [
    "+4915799912345", "+49 157 999-12345", "+49 (0)157 99912345", "+49(0)157/999 123 45",
    "0049 157 99912345", "004915799912345", "0049(0)15799912345", "0157 999 12345", "015799912345", "(0157) 999 12345",
    "(0)157 999 12345", "0157.999.12345", "0157/999.123-45", 4915799912345,
])
def test_recipient_written_any_usual_way_becomes_e164(written: object) -> None:
    if isinstance(written, int):
        written = "+" + str(written)
    assert normalise_recipient(written) == NUMBER


@pytest.mark.parametrize("national, e164", [("0664 1234567", "+436641234567"), ("0660 1234567", "+436601234567")])
def test_national_number_takes_the_given_country_code(national: str, e164: str) -> None:
    assert normalise_recipient(national, country_code="43") == e164


def test_region_overrides_the_default_country_code() -> None:
    assert normalise_recipient("0660 1234567", region="AT") == "+436601234567"
    assert [request.recipient for request in build_requests("s0", ["079 123 45 67"], "hi", now=NOW, region="CH")] == ["+41791234567"]


@pytest.mark.parametrize("bad", [
    "", "   ", None, "+49 157 CALL-ME", "+49 157 CALL ME", "0157-abc", "0157-99912345x", "+49123", "012345", "+1234567",
    "+1234567890123456", "+4915799912345678", "++4915799912345", "+0157999123", "000157999123", "+４９１５７９９９１２３４５",
    "+49 157 ¹²³45678", "+49 157 999 12345 ext 3",
])
def test_recipient_that_is_no_phone_number_is_refused_naming_its_list_position(bad: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        normalise_recipient(bad, "recipients[3]")
    assert caught.value.field == "recipients[3]"
    assert re.search(r"\+[1-9][0-9]{7,}", caught.value.fix), caught.value.fix  # an example to follow
    with pytest.raises(SmsValidationError) as caught:
        build_requests("s0", [NUMBER, bad], "hi", now=NOW)  # type: ignore[list-item]
    assert caught.value.field == "recipients[1]"
    assert "recipients[1]" in str(caught.value)


def test_fifteen_digits_are_the_longest_number() -> None:
    assert normalise_recipient("+491579991234567") == "+491579991234567"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t", None, 42])
def test_blank_message_is_refused(blank: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        validate_message(blank)
    assert caught.value.field == "message"


def test_message_is_kept_exactly_as_given() -> None:
    assert validate_message("  two  spaces\n") == "  two  spaces\n"
    assert validate_message("  Hi  \n") == "  Hi  \n"


@pytest.mark.parametrize("given_as", [NOW + 600, str(NOW + 600), float(NOW + 600.7), " {0} ".format(NOW + 600)])
def test_unix_seconds_as_number_or_text(given_as: object) -> None:
    assert parse_send_at(given_as, now=NOW) == NOW + 600


@pytest.mark.parametrize("given_as, expected", [
    ("2024-01-01T08:00:00+01:00", NOW + 7 * 3600),
    ("2024-01-01T08:00:00Z", NOW + 8 * 3600),
    ("2024-01-01T08:00:00z", NOW + 8 * 3600),
    ("2024-01-01 08:00:00+00:00", NOW + 8 * 3600),
    ("2023-12-31T22:00:00-05:00", NOW + 3 * 3600),
    ("10m", NOW + 600),
    ("2h", NOW + 7200),
    ("1d", NOW + 86400),
    ("1h30m", NOW + 5400),
    ("+45s", NOW + 45),
    (" 30d ", NOW + MAX_SCHEDULE_SECONDS),
    (NOW + MAX_SCHEDULE_SECONDS, NOW + MAX_SCHEDULE_SECONDS),
])
def test_send_at_forms(given_as: str, expected: int) -> None:
    assert parse_send_at(given_as, now=NOW) == expected


@pytest.mark.parametrize("not_scheduled", [None, ""])
def test_no_send_at_means_now(not_scheduled: object) -> None:
    assert parse_send_at(not_scheduled, now=NOW) is None


@pytest.mark.parametrize("bad, words", [
    (NOW - 1, "past"),
    (NOW, "past"),
    ("2023-12-31T23:00:00Z", "past"),
    ("0m", "past"),
    ("31d", "30 days"),
    (NOW + MAX_SCHEDULE_SECONDS + 1, "30 days"),
    ("2024-03-01T00:00:00+00:00", "30 days"),
    ("2024-01-01T08:00:00", "time zone"),
    ("2024-01-02", "time zone"),
    ("tomorrow", "not a time"),
    ("10 minutes", "not a time"),
    ("m", "not a time"),
    ("1.5h", "not a time"),
    ("12", "not a time"),
    (True, "not a time"),
    (float("nan"), "not a time"),
    ("nan", "not a time"),
    (float("inf"), "not a time"),
])
def test_bad_send_at_is_refused_naming_the_field_and_a_fix(bad: object, words: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        parse_send_at(bad, now=NOW)
    assert caught.value.field == "send_at"
    assert words in caught.value.problem
    assert caught.value.fix


@FUZZ
@given(send_at=send_at_values)
def test_any_send_at_is_none_a_moment_within_thirty_days_or_a_send_at_error(send_at: Any) -> None:
    kind, result = outcome_of(lambda: parse_send_at(send_at, now=NOW))
    if kind == "invalid":
        assert result.field == "send_at"
        assert str(result).startswith("send_at: ")
        return
    if send_at is None or send_at == "":
        assert result is None
    else:
        assert isinstance(result, int) and NOW < result <= NOW + MAX_SCHEDULE_SECONDS


@pytest.mark.parametrize("written, seconds", [("0", 0), ("90", 90), ("900", 900), (60, 60), (900, 900), ("30m", 1800), ("24h", 86400),
                                              ("7d", 604800), ("1h30m", 5400), ("1d2h3m4s", 93784), (" 15m ", 900)])
def test_duration_forms(written: object, seconds: int) -> None:
    assert parse_duration(written, "dedup_window") == seconds


@pytest.mark.parametrize("bad", ["", None, "m", "+", "soon", "1.5h", "-5", "10 m", "5x"])
def test_bad_duration_names_its_field(bad: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        parse_duration(bad, "dedup_window")
    assert caught.value.field == "dedup_window"


@FUZZ
@given(raw=st.one_of(junk, st.from_regex(r"\A([0-9]{1,3}d)?([0-9]{1,3}h)?([0-9]{1,3}m)?([0-9]{1,3}s)?\Z", fullmatch=True)))
def test_any_duration_is_non_negative_seconds_or_an_error_naming_the_option(raw: Any) -> None:
    kind, result = outcome_of(lambda: parse_duration(raw, "dedup_window"))
    if kind == "invalid":
        assert result.field == "dedup_window" and str(result).startswith("dedup_window: ")
        return
    assert isinstance(result, int) and result >= 0


@pytest.mark.parametrize("recipients, distinct", [
    (["+49 157 99912345", "015799912345", "+4917600000001"], [NUMBER, "+4917600000001"]),
    ([NUMBER, "0157 999 12345", "+49 1512 3456789", "0049 157 99912345"], [NUMBER, "+4915123456789"]),
])
def test_build_requests_gives_one_sms_per_distinct_recipient(recipients: list, distinct: list) -> None:
    requests = build_requests("s0", recipients, "Deploy done", now=NOW)
    assert [request.recipient for request in requests] == distinct
    assert all(request.sms_id == "s0" and request.message == "Deploy done" for request in requests)
    assert all(request.send_at is None for request in requests)


@pytest.mark.parametrize("written", [NUMBER, "0157 999 12345"])
def test_a_single_recipient_string_is_one_recipient(written: str) -> None:
    assert [request.recipient for request in build_requests("s0", written, "hi", now=NOW)] == [NUMBER]


@pytest.mark.parametrize("sms_id, recipients, message, send_at, field", [
    ("s0", [NUMBER, "not a number"], "hi", None, "recipients[1]"),
    ("s0", ["bad", NUMBER], "hi", None, "recipients[0]"),
    ("x0", [NUMBER], "hi", None, "sms_id"),
    ("s0", [NUMBER], " ", None, "message"),
    ("s0", [NUMBER], "hi", "yesterday", "send_at"),
    ("s0", [], "hi", None, "recipients"),
    ("s0", (), "hi", None, "recipients"),
    ("s0", None, "hi", None, "recipients"),
])
def test_build_requests_refuses_before_returning_anything(sms_id: str, recipients: object, message: str,
                                                          send_at: object, field: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        build_requests(sms_id, recipients, message, send_at, now=NOW)  # type: ignore[arg-type]
    assert caught.value.field == field


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


def test_scheduled_request_carries_send_at_and_its_size() -> None:
    (request,) = build_requests("s0", [NUMBER], "Hallo €", "10m", now=NOW)
    assert request.payload() == {"smsId": "s0", "recipient": NUMBER, "message": "Hallo €", "sendAt": NOW + 600}
    assert request.size.as_dict() == {"encoding": "gsm7", "units": 8, "segments": 1}


def test_payload_omits_send_at_when_not_scheduling() -> None:
    (request,) = build_requests("s0", [NUMBER], "now", now=NOW)
    assert request.payload() == {"smsId": "s0", "recipient": NUMBER, "message": "now"}
    assert "sendAt" not in request.payload()


def test_request_knows_its_size() -> None:
    request = SmsRequest("s0", NUMBER, "a" * 161)
    assert request.size.as_dict() == {"encoding": "gsm7", "units": 161, "segments": 2}
    assert SmsRequest("s0", NUMBER, "\u201chi\u201d").size.encoding == "ucs2"


def test_delivery_key_is_stable_and_distinct_per_recipient_message_and_schedule() -> None:
    base = SmsRequest("s0", NUMBER, "Deploy done")
    assert delivery_key(base) == delivery_key(SmsRequest("s0", NUMBER, "Deploy done"))
    assert len(delivery_key(base)) == 64
    variants = [
        SmsRequest("s1", NUMBER, "Deploy done"),
        SmsRequest("s0", "+4917600000001", "Deploy done"),
        SmsRequest("s0", NUMBER, "Deploy done!"),
        SmsRequest("s0", NUMBER, "Deploy done", NOW + 600),
    ]
    keys = {delivery_key(base)} | {delivery_key(variant) for variant in variants}
    assert len(keys) == 5


def test_delivery_key_uses_the_given_message_and_schedule_keys() -> None:
    first = SmsRequest("s0", NUMBER, "Deploy 1.2.3 done at 10:01")
    second = SmsRequest("s0", NUMBER, "Deploy 1.2.3 done at 10:02", NOW + 60)
    assert delivery_key(first, "deploy-1.2.3", "") == delivery_key(second, "deploy-1.2.3", "")
    assert delivery_key(first, "deploy-1.2.3") != delivery_key(first, "deploy-1.2.4")
    assert delivery_key(first) != delivery_key(first, "deploy-1.2.3")
    # Without a schedule key the schedule still tells them apart; equal schedule keys make them one.
    scheduled = SmsRequest("s0", NUMBER, "disk 91%", NOW + 600)
    rescheduled = SmsRequest("s0", NUMBER, "disk 93%", NOW + 660)
    assert delivery_key(scheduled, "disk", "10m") == delivery_key(rescheduled, "disk", "10m")
    assert delivery_key(scheduled, "disk") != delivery_key(rescheduled, "disk")
    assert delivery_key(scheduled, "disk", "10m") != delivery_key(scheduled, "disk", "2h")


def test_delivery_key_fields_cannot_be_shifted_into_each_other() -> None:
    # Joined with a separator that a phone number cannot contain, "ab"+"c" differs from "a"+"bc".
    assert delivery_key(SmsRequest("s0", NUMBER, "1 2"), "1", "2") != delivery_key(SmsRequest("s0", NUMBER, "1 2"), "12", "")
    assert delivery_key(SmsRequest("s0", NUMBER, "a b")) != delivery_key(SmsRequest("s0", NUMBER, "a"), "a", "b")
