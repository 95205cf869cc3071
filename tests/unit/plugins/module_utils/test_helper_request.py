# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Validation of one SMS request before anything is sent: ids, numbers, message, schedule, keys."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SmsValidationError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import (
    MAX_SCHEDULE_SECONDS, SmsRequest, build_requests, delivery_key, normalise_recipient, parse_duration,
    parse_send_at, validate_message, validate_sms_id)

NOW = datetime(2030, 1, 31, 7, 0, 0, tzinfo=timezone.utc).timestamp()
NUMBER = "+4915799912345"


@pytest.mark.parametrize("sms_id", ["s0", "s1", "s123", " s7 "])
def test_sms_id_of_s_and_digits_is_accepted(sms_id: str) -> None:
    assert validate_sms_id(sms_id) == sms_id.strip()


@pytest.mark.parametrize("sms_id", ["", None, "0", "S0", "s", "sx", "s0a", "w0", "s-1", "s01", "s00", "s\u0663"])
def test_other_sms_ids_are_refused_naming_the_field(sms_id: Any) -> None:
    with pytest.raises(SmsValidationError) as caught:
        validate_sms_id(sms_id)
    assert caught.value.field == "sms_id"


@pytest.mark.parametrize("raw", ["+4915799912345", "+49 157 999-12345", "0049 157 99912345", "004915799912345",
                                 "0157 999 12345", "015799912345", "(0157) 999 12345", "+49 (0)157 99912345",
                                 "0157/999.123-45", 4915799912345])
def test_recipient_forms_are_normalised_to_e164(raw: Any) -> None:
    if isinstance(raw, int):
        raw = "+" + str(raw)
    assert normalise_recipient(raw) == NUMBER


def test_national_number_takes_the_given_country_code() -> None:
    assert normalise_recipient("0660 1234567", country_code="43") == "+436601234567"


def test_region_overrides_the_default_country_code() -> None:
    assert normalise_recipient("0660 1234567", region="AT") == "+436601234567"
    assert [request.recipient for request in build_requests("s0", ["079 123 45 67"], "hi", now=NOW, region="CH")] == ["+41791234567"]


@pytest.mark.parametrize("raw", ["+49 157 CALL ME", "0157-99912345x", "+49123", "012345", "+1234567890123456",
                                 "", "   ", "++4915799912345", "+49 157 ¹²³45678", "+0157999123"])
def test_bad_numbers_are_refused_naming_the_list_position(raw: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        build_requests("s0", [NUMBER, raw], "hi", now=NOW)
    assert caught.value.field == "recipients[1]"
    assert "recipients[1]" in str(caught.value)


@pytest.mark.parametrize("message", ["", "   ", "\n\t", None, 42])
def test_blank_or_missing_message_is_refused(message: Any) -> None:
    with pytest.raises(SmsValidationError) as caught:
        validate_message(message)
    assert caught.value.field == "message"


def test_message_is_kept_as_given() -> None:
    assert validate_message("  Hi  \n") == "  Hi  \n"


@pytest.mark.parametrize("raw, expected", [
    (int(NOW) + 600, int(NOW) + 600),
    (str(int(NOW) + 600), int(NOW) + 600),
    (float(NOW + 600.7), int(NOW) + 600),
    ("2030-01-31T09:00:00+01:00", int(NOW) + 3600),
    ("2030-01-31T08:00:00Z", int(NOW) + 3600),
    ("2030-01-31T08:00:00z", int(NOW) + 3600),
    ("2030-01-31 08:00:00+00:00", int(NOW) + 3600),
    ("10m", int(NOW) + 600),
    ("2h", int(NOW) + 7200),
    ("1d", int(NOW) + 86400),
    ("1h30m", int(NOW) + 5400),
    ("+45s", int(NOW) + 45),
    (" 30d ", int(NOW) + MAX_SCHEDULE_SECONDS),
])
def test_send_at_forms_give_unix_seconds(raw: Any, expected: int) -> None:
    assert parse_send_at(raw, now=NOW) == expected


@pytest.mark.parametrize("raw", [None, ""])
def test_no_send_at_means_send_now(raw: Any) -> None:
    assert parse_send_at(raw, now=NOW) is None


@pytest.mark.parametrize("raw, problem", [
    (int(NOW) - 1, "past"),
    (int(NOW), "past"),
    ("2030-01-30T08:00:00Z", "past"),
    ("0m", "past"),
    (int(NOW) + MAX_SCHEDULE_SECONDS + 1, "30 days"),
    ("31d", "30 days"),
    ("2030-03-31T08:00:00+02:00", "30 days"),
    ("2030-01-31T08:00:00", "time zone"),
    ("2030-02-01", "time zone"),
    ("tomorrow", "not a time"),
    ("10 minutes", "not a time"),
    ("m", "not a time"),
    ("1.5h", "not a time"),
    (float("nan"), "not a time"),
    (float("inf"), "not a time"),
    (True, "not a time"),
])
def test_bad_send_at_is_refused_naming_send_at(raw: Any, problem: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        parse_send_at(raw, now=NOW)
    assert caught.value.field == "send_at"
    assert problem in str(caught.value)


def test_build_requests_drops_duplicate_numbers_in_different_spellings() -> None:
    requests = build_requests("s0", [NUMBER, "0157 999 12345", "+49 1512 3456789", "0049 157 99912345"], "hi", now=NOW)
    assert [r.recipient for r in requests] == [NUMBER, "+4915123456789"]
    assert all(r.sms_id == "s0" and r.message == "hi" and r.send_at is None for r in requests)


def test_build_requests_takes_one_number_given_as_a_string() -> None:
    assert [r.recipient for r in build_requests("s0", "0157 999 12345", "hi", now=NOW)] == [NUMBER]


@pytest.mark.parametrize("recipients", [[], None, ()])
def test_build_requests_without_recipients_is_refused(recipients: Any) -> None:
    with pytest.raises(SmsValidationError) as caught:
        build_requests("s0", recipients, "hi", now=NOW)
    assert caught.value.field == "recipients"


@pytest.mark.parametrize("kwargs, field", [
    ({"sms_id": "x", "recipients": [NUMBER], "message": "hi"}, "sms_id"),
    ({"sms_id": "s0", "recipients": [NUMBER], "message": " "}, "message"),
    ({"sms_id": "s0", "recipients": [NUMBER], "message": "hi", "send_at": "yesterday"}, "send_at"),
    ({"sms_id": "s0", "recipients": [NUMBER, "nope"], "message": "hi"}, "recipients[1]"),
])
def test_build_requests_validates_every_field_before_returning_anything(kwargs: dict, field: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        build_requests(now=NOW, **kwargs)
    assert caught.value.field == field


def test_scheduled_request_carries_send_at_and_its_size() -> None:
    (request,) = build_requests("s0", [NUMBER], "Hallo €", send_at="10m", now=NOW)
    assert request.payload() == {"smsId": "s0", "recipient": NUMBER, "message": "Hallo €", "sendAt": int(NOW) + 600}
    assert request.size.as_dict() == {"encoding": "gsm7", "units": 8, "segments": 1}


def test_payload_omits_send_at_when_not_scheduled() -> None:
    assert SmsRequest("s0", NUMBER, "hi").payload() == {"smsId": "s0", "recipient": NUMBER, "message": "hi"}


def test_delivery_key_is_stable_and_differs_per_recipient_message_and_schedule() -> None:
    base = SmsRequest("s0", NUMBER, "hi")
    assert delivery_key(base) == delivery_key(SmsRequest("s0", NUMBER, "hi"))
    variants = [SmsRequest("s1", NUMBER, "hi"), SmsRequest("s0", "+4915123456789", "hi"),
                SmsRequest("s0", NUMBER, "hi!"), SmsRequest("s0", NUMBER, "hi", int(NOW) + 600)]
    keys = {delivery_key(base)} | {delivery_key(v) for v in variants}
    assert len(keys) == 5
    assert len(delivery_key(base)) == 64


def test_delivery_key_message_and_schedule_keys_override_the_parts() -> None:
    first = SmsRequest("s0", NUMBER, "disk 91%", int(NOW) + 600)
    second = SmsRequest("s0", NUMBER, "disk 93%", int(NOW) + 660)
    assert delivery_key(first, "disk", "10m") == delivery_key(second, "disk", "10m")
    assert delivery_key(first, "disk") != delivery_key(second, "disk")
    assert delivery_key(first, "disk", "10m") != delivery_key(first, "disk", "2h")


def test_delivery_key_does_not_confuse_fields_joined_differently() -> None:
    assert delivery_key(SmsRequest("s0", NUMBER, "a b")) != delivery_key(SmsRequest("s0", NUMBER, "a"), "a", "b")


@pytest.mark.parametrize("raw, seconds", [("0", 0), ("90", 90), (900, 900), ("30m", 1800), ("24h", 86400),
                                          ("7d", 604800), ("1h30m", 5400), ("1d2h3m4s", 93784), (" 15m ", 900)])
def test_parse_duration_reads_seconds_and_units(raw: Any, seconds: int) -> None:
    assert parse_duration(raw, "window") == seconds


@pytest.mark.parametrize("raw", ["", None, "m", "+", "soon", "1.5h", "-5", "10 m", "5x"])
def test_parse_duration_refuses_nonsense_naming_the_field(raw: Any) -> None:
    with pytest.raises(SmsValidationError) as caught:
        parse_duration(raw, "dedup_window")
    assert caught.value.field == "dedup_window"
