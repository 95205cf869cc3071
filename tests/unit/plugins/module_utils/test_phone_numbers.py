# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Phone numbers read with libphonenumber's metadata: real spellings, regions, calling codes, a missing library."""

from __future__ import annotations

import sys
from typing import Any, Iterator

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api import phone_numbers
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SmsValidationError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.phone_numbers import (
    PhoneNumbersMissing, e164, region_of, same_number)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import build_requests, normalise_recipient

from support.number_spellings import CALLING_CODES, GERMAN_MOBILE, SPELLINGS, Spelling

NOW = 1_800_000_000.0


def spelling_id(spelling: Spelling) -> str:
    return "{0} in {1}".format(spelling.written, spelling.region)


@pytest.mark.parametrize("spelling", SPELLINGS, ids=spelling_id)
def test_real_world_spelling_is_normalised_or_refused_with_its_reason(spelling: Spelling) -> None:
    if spelling.refused:
        with pytest.raises(SmsValidationError) as caught:
            normalise_recipient(spelling.written, "recipients[0]", region=spelling.region)
        assert caught.value.field == "recipients[0]"
        assert spelling.reason in caught.value.problem
        assert caught.value.fix
    else:
        assert normalise_recipient(spelling.written, "recipients[0]", region=spelling.region) == spelling.e164


@pytest.mark.parametrize("spelling", SPELLINGS, ids=spelling_id)
def test_country_code_reads_national_numbers_like_its_region(spelling: Spelling) -> None:
    country_code = CALLING_CODES[spelling.region]
    if spelling.refused:
        with pytest.raises(SmsValidationError):
            build_requests("s0", [spelling.written], "hi", now=NOW, country_code=country_code)
    else:
        (request,) = build_requests("s0", [spelling.written], "hi", now=NOW, country_code=country_code)
        assert request.recipient == spelling.e164


def test_german_mobile_without_its_zero_is_never_sent_to_north_america() -> None:
    with pytest.raises(SmsValidationError) as caught:
        e164("15799912345")
    message = str(caught.value)
    assert "01579 9912345 in DE" in message and "+1 579-991-2345" in message
    assert "write the one you mean" in message


def test_international_number_written_without_plus_is_refused_not_read_as_a_landline() -> None:
    with pytest.raises(SmsValidationError) as caught:
        e164(4915799912345)  # YAML turns an unquoted +4915799912345 into this
    assert "+49 1579 9912345" in str(caught.value) and "quoted in YAML" in caught.value.fix


@pytest.mark.parametrize("country_code, region", [("49", "DE"), ("+43", "AT"), (" 41 ", "CH"), ("1", "US"), (44, "GB"), (None, "DE")])
def test_country_code_names_the_region_national_numbers_are_read_in(country_code: Any, region: str) -> None:
    assert region_of(country_code) == region


@pytest.mark.parametrize("country_code, problem", [("", "is empty"), ("  ", "is empty"), ("DE", "not a country calling code"),
                                                   ("0049", "not a country calling code"), ("4 9", "not a country calling code"),
                                                   ("800", "not the calling code of a country"),
                                                   ("999", "not the calling code of a country")])
def test_unusable_country_code_is_refused_before_any_number(country_code: str, problem: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        build_requests("s0", [GERMAN_MOBILE], "hi", now=NOW, country_code=country_code)
    assert caught.value.field == "country_code"
    assert problem in caught.value.problem


def test_empty_country_code_never_sends_a_national_number_abroad() -> None:
    with pytest.raises(SmsValidationError) as caught:
        normalise_recipient("0157 99912345", country_code="")
    assert caught.value.field == "country_code"


@pytest.mark.parametrize("region, expected", [("at", "AT"), (" GB ", "GB"), ("US", "US")])
def test_region_is_an_iso_code_in_any_case(region: str, expected: str) -> None:
    assert region_of("49", region) == expected


@pytest.mark.parametrize("region", ["UK", "XX", "DEU", "001", "D"])
def test_unknown_region_is_refused_with_examples(region: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        normalise_recipient(GERMAN_MOBILE, region=region)
    assert caught.value.field == "region"
    assert "GB (not UK)" in caught.value.fix


@pytest.mark.parametrize("written", ["01579-9912345", "+4915799912345", "0049 157 99912345", "0157 999 12345"])
def test_history_spellings_are_the_same_number(written: str) -> None:
    assert same_number(written, GERMAN_MOBILE, "DE")


@pytest.mark.parametrize("written", ["01579-9912346", "15799912345", "", None, "sipgate", "+15799912345"])
def test_other_or_unreadable_history_numbers_are_not_the_same(written: Any) -> None:
    assert not same_number(written, GERMAN_MOBILE, "DE")


def test_national_history_number_is_read_in_the_given_region() -> None:
    assert same_number("0664 1234567", "+436641234567", "AT")
    assert not same_number("0664 1234567", "+436641234567", "DE")


@pytest.fixture
def without_phonenumbers(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """As on a host where the library is not installed: importing it fails."""
    phone_numbers._library.cache_clear()
    monkeypatch.setitem(sys.modules, "phonenumbers", None)
    yield
    phone_numbers._library.cache_clear()


@pytest.mark.usefixtures("without_phonenumbers")
def test_missing_library_is_an_error_that_says_how_to_install_it() -> None:
    with pytest.raises(PhoneNumbersMissing) as caught:
        normalise_recipient(GERMAN_MOBILE)
    assert "python3-phonenumbers" in caught.value.fix and "pip install phonenumbers" in caught.value.fix
    assert phone_numbers.import_error() is not None


@pytest.mark.usefixtures("without_phonenumbers")
def test_missing_library_is_not_taken_for_a_different_number() -> None:
    with pytest.raises(PhoneNumbersMissing):
        same_number("01579-9912345", GERMAN_MOBILE)


def test_installed_library_has_no_import_error() -> None:
    assert phone_numbers.import_error() is None
