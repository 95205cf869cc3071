# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One SMS per recipient, every field checked before anything is sent."""

from __future__ import annotations

import re

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


def test_sms_id_is_s_and_digits() -> None:
    assert validate_sms_id("s0") == "s0"
    assert validate_sms_id(" s12 ") == "s12"


@pytest.mark.parametrize("bad", ["", None, "0", "S0", "s", "sx", "s0 s1", "w0", "p0", "s01", "s00"])
def test_sms_id_that_is_no_extension_is_refused_with_the_fix(bad: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        validate_sms_id(bad)
    assert caught.value.field == "sms_id"
    assert "s0" in caught.value.fix


@pytest.mark.parametrize("written", [
    "+4915799912345", "+49 157 999-12345", "+49 (0)157 99912345", "+49(0)157/999 123 45",
    "0049 157 99912345", "0049(0)15799912345", "0157 999 12345", "(0)157 999 12345", "0157.999.12345",
])
def test_recipient_written_any_usual_way_becomes_e164(written: object) -> None:
    assert normalise_recipient(written) == NUMBER


def test_national_number_takes_the_given_country_code() -> None:
    assert normalise_recipient("0664 1234567", country_code="43") == "+436641234567"


@pytest.mark.parametrize("bad", [
    "", "   ", None, "+49 157 CALL-ME", "0157-abc", "+49123", "+1234567", "+4915799912345678",
    "++4915799912345", "+0157999123", "000157999123", "+４９１５７９９９１２３４５", "+49 157 999 12345 ext 3",
])
def test_recipient_that_is_no_phone_number_is_refused(bad: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        normalise_recipient(bad, "recipients[3]")
    assert caught.value.field == "recipients[3]"
    assert re.search(r"\+[1-9][0-9]{7,}", caught.value.fix), caught.value.fix  # an example to follow


def test_fifteen_digits_are_the_longest_number() -> None:
    assert normalise_recipient("+491579991234567") == "+491579991234567"


@pytest.mark.parametrize("blank", ["", "   ", "\n\t", None, 42])
def test_blank_message_is_refused(blank: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        validate_message(blank)
    assert caught.value.field == "message"


def test_message_is_kept_exactly_as_given() -> None:
    assert validate_message("  two  spaces\n") == "  two  spaces\n"


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
    ("tomorrow", "not a time"),
    ("10 minutes", "not a time"),
    ("1.5h", "not a time"),
    ("12", "not a time"),
    (True, "not a time"),
    (float("nan"), "not a time"),
    (float("inf"), "not a time"),
])
def test_bad_send_at_is_refused_naming_the_field_and_a_fix(bad: object, words: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        parse_send_at(bad, now=NOW)
    assert caught.value.field == "send_at"
    assert words in caught.value.problem
    assert caught.value.fix


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.text(max_size=40), st.integers(), st.floats(), st.booleans(),
                 st.from_regex(r"\A[0-9]{1,3}[dhms]([0-9]{1,3}[ms])?\Z"),
                 st.datetimes(timezones=st.timezones()).map(lambda moment: moment.isoformat())))
def test_any_send_at_is_a_moment_within_thirty_days_or_a_send_at_error(raw: object) -> None:
    try:
        moment = parse_send_at(raw, now=NOW)
    except SmsValidationError as error:
        assert error.field == "send_at"
        return
    assert moment is None or NOW < moment <= NOW + MAX_SCHEDULE_SECONDS


@pytest.mark.parametrize("written, seconds", [("900", 900), (60, 60), ("30m", 1800), ("24h", 86400), ("7d", 604800), ("1h30m", 5400)])
def test_duration_forms(written: object, seconds: int) -> None:
    assert parse_duration(written, "dedup_window") == seconds


@pytest.mark.parametrize("bad", ["", "soon", "-5", "1.5h", None])
def test_bad_duration_names_its_field(bad: object) -> None:
    with pytest.raises(SmsValidationError) as caught:
        parse_duration(bad, "dedup_window")
    assert caught.value.field == "dedup_window"


def test_build_requests_gives_one_sms_per_distinct_recipient() -> None:
    requests = build_requests("s0", ["+49 157 99912345", "015799912345", "+4917600000001"], "Deploy done", now=NOW)
    assert [request.recipient for request in requests] == [NUMBER, "+4917600000001"]
    assert all(request.sms_id == "s0" and request.message == "Deploy done" for request in requests)
    assert all(request.send_at is None for request in requests)


def test_a_single_recipient_string_is_one_recipient() -> None:
    assert [request.recipient for request in build_requests("s0", NUMBER, "hi", now=NOW)] == [NUMBER]


@pytest.mark.parametrize("sms_id, recipients, message, send_at, field", [
    ("s0", [NUMBER, "not a number"], "hi", None, "recipients[1]"),
    ("s0", ["bad", NUMBER], "hi", None, "recipients[0]"),
    ("x0", [NUMBER], "hi", None, "sms_id"),
    ("s0", [NUMBER], " ", None, "message"),
    ("s0", [NUMBER], "hi", "yesterday", "send_at"),
    ("s0", [], "hi", None, "recipients"),
    ("s0", None, "hi", None, "recipients"),
])
def test_build_requests_refuses_before_returning_anything(sms_id: str, recipients: object, message: str,
                                                          send_at: object, field: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        build_requests(sms_id, recipients, message, send_at, now=NOW)  # type: ignore[arg-type]
    assert caught.value.field == field


def test_scheduled_requests_carry_send_at_in_the_payload() -> None:
    (request,) = build_requests("s0", [NUMBER], "later", "10m", now=NOW)
    assert request.payload() == {"smsId": "s0", "recipient": NUMBER, "message": "later", "sendAt": NOW + 600}


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


def test_delivery_key_fields_cannot_be_shifted_into_each_other() -> None:
    # Joined with a separator that a phone number cannot contain, "ab"+"c" differs from "a"+"bc".
    assert delivery_key(SmsRequest("s0", NUMBER, "1 2"), "1", "2") != delivery_key(SmsRequest("s0", NUMBER, "1 2"), "12", "")
