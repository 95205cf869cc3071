# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Phone numbers as people write them, read and checked with libphonenumber's metadata (``phonenumbers``).

A national number is read in one region (Germany unless told otherwise); a number is accepted
only when that metadata calls it valid, and a spelling that could mean two numbers is refused,
never resolved by guessing another country. ``phonenumbers`` is imported on first use, so a
caller that never reads a number does not pay for it, and a missing library is an error that
says how to install it.
"""

from __future__ import annotations

import functools
import importlib
import re
import traceback
from typing import Any, Optional

from .errors import SmsValidationError

DEFAULT_REGION = "DE"

# What may stand between the digits: white space (also no-break), - . / ( ) and typographic dashes.
_SEPARATORS = re.compile("[\\s\\-./()\u2010\u2011\u2012\u2013\u2014]")
_WRITTEN_NUMBER = re.compile(r"\A\+?[0-9]+\Z")
_CALLING_CODE = re.compile(r"\A\+?([0-9]{1,3})\Z")
_NON_DIGITS = re.compile(r"[^0-9]")
# ISO 3166 regions with no country of their own: "001" stands for the non-geographic codes (+800, +882, ...).
_NO_REGION = ("ZZ", "001")


class PhoneNumbersMissing(SmsValidationError):
    """The ``phonenumbers`` library is not installed, so no number can be checked."""


@functools.lru_cache(maxsize=None)
def _library() -> Any:
    try:
        return importlib.import_module("phonenumbers")
    except ImportError:
        raise PhoneNumbersMissing("recipients", "phone numbers cannot be checked without the Python library 'phonenumbers'",
                                  "install it: python3-phonenumbers on Debian/Ubuntu, or pip install phonenumbers") from None


def import_error() -> Optional[str]:
    """The traceback of importing ``phonenumbers`` when it fails, else None (for missing_required_lib)."""
    try:
        importlib.import_module("phonenumbers")
    except ImportError:
        return traceback.format_exc()
    return None


def _region_from_calling_code(country_code: Any) -> str:
    text = str(country_code).strip()
    match = _CALLING_CODE.match(text)
    if not text:
        raise SmsValidationError("country_code", "is empty", "give a country calling code like 49, or set region (like DE)")
    if not match:
        raise SmsValidationError("country_code", "{0!r} is not a country calling code".format(text),
                                 "give digits like 49 (Germany), 43 (Austria), 41 (Switzerland), or set region (like DE)")
    region = _library().region_code_for_country_code(int(match.group(1)))
    if region in _NO_REGION:
        raise SmsValidationError("country_code", "{0!r} is not the calling code of a country".format(text),
                                 "give the code of the country whose national numbers you write, like 49")
    return str(region)


def region_of(country_code: Any = None, region: Any = None) -> str:
    """The region national numbers are read in: ``region`` (ISO 3166 alpha-2) when given, else the
    country of the calling code ``country_code``, else Germany."""
    if region is None or region == "":
        return DEFAULT_REGION if country_code is None else _region_from_calling_code(country_code)
    code = str(region).strip().upper()
    if code not in _library().SUPPORTED_REGIONS:
        raise SmsValidationError("region", "{0!r} is not a region phonenumbers knows".format(str(region)),
                                 "give an ISO 3166 alpha-2 country code like DE, AT, CH, GB (not UK) or US")
    return code


def _where(library: Any, number: Any) -> str:
    region = library.region_code_for_country_code(number.country_code)
    return "+{0}".format(number.country_code) if region in _NO_REGION else "{0} (+{1})".format(region, number.country_code)


def _example(library: Any, region: str) -> str:
    number = library.example_number_for_type(region, library.PhoneNumberType.MOBILE) or library.example_number(region)
    if number is None:
        return "+{0}…".format(library.country_code_for_region(region))
    return "{0} or {1}".format(library.format_number(number, library.PhoneNumberFormat.NATIONAL),
                               library.format_number(number, library.PhoneNumberFormat.E164))


def _parse(library: Any, text: str, compact: str, region: str, field_name: str) -> Any:
    """The number as libphonenumber reads it in ``region``; a leading 00 counts as international everywhere."""
    reason = {
        library.NumberParseException.INVALID_COUNTRY_CODE: "starts with no known country code",
        library.NumberParseException.TOO_SHORT_AFTER_IDD: "is too short",
        library.NumberParseException.TOO_SHORT_NSN: "is too short",
        library.NumberParseException.TOO_LONG: "is too long",
    }
    try:
        number = library.parse(text, region, keep_raw_input=True)
        if compact.startswith("00") and number.country_code_source == library.CountryCodeSource.FROM_DEFAULT_COUNTRY:
            # Where 00 is not the international prefix (011 in the US), no national number starts with it either.
            number = library.parse("+" + compact[2:], region, keep_raw_input=True)
    except library.NumberParseException as error:
        raise SmsValidationError(field_name, "{0!r} {1}".format(text, reason.get(error.error_type, "is not a phone number")),
                                 "check the digits; a number in {0} looks like {1}".format(region, _example(library, region))) from None
    return number


def _refuse_missing_trunk_prefix(library: Any, text: str, compact: str, number: Any, region: str, field_name: str) -> None:
    """'15799912345' in Germany: the trunk 0 is missing, and it might as well be +1 579-991-2345."""
    if number.country_code_source != library.CountryCodeSource.FROM_DEFAULT_COUNTRY:
        return
    prefix = library.PhoneMetadata.metadata_for_region(region).national_prefix
    national = library.format_number(number, library.PhoneNumberFormat.NATIONAL)
    if not prefix or not _NON_DIGITS.sub("", national).startswith(prefix) or compact.startswith(prefix):
        return
    readings = ["{0} in {1}".format(national, region)]
    try:
        abroad = library.parse("+" + compact, None)
    except library.NumberParseException:
        abroad = None
    if abroad is not None and library.is_valid_number(abroad):
        readings.append(library.format_number(abroad, library.PhoneNumberFormat.INTERNATIONAL))
    raise SmsValidationError(field_name, "{0!r} has neither + nor a leading {1}, so it could be {2}".format(text, prefix, " or ".join(readings)),
                             "write the one you mean: a number in {0} with its leading {1}, one abroad with + and its country code "
                             "(quoted in YAML, where an unquoted +49… is read as a plain number)".format(region, prefix))


def _refuse_invalid(library: Any, text: str, number: Any, region: str, field_name: str) -> None:
    if library.is_valid_number(number):
        return
    checked = library.ValidationResult
    where = _where(library, number)
    problem = {
        checked.TOO_SHORT: "is too short for a number in {0}",
        checked.TOO_LONG: "is too long for a number in {0}",
        checked.INVALID_LENGTH: "has a length no number in {0} has",
        checked.IS_POSSIBLE_LOCAL_ONLY: "is too short for a number in {0} (a local number needs its area code)",
        checked.INVALID_COUNTRY_CODE: "has no known country code",
    }.get(library.is_possible_number_with_reason(number), "is not a valid number in {0}")
    example_region = library.region_code_for_country_code(number.country_code)
    raise SmsValidationError(field_name, "{0!r} {1}".format(text, problem.format(where)),
                             "check the digits; a number in {0} looks like {1}".format(
                                 where, _example(library, example_region if example_region not in _NO_REGION else region)))


def e164(raw: Any, region: str = DEFAULT_REGION, field_name: str = "recipients") -> str:
    """A phone number in E.164 (+4915799912345), read in ``region`` when written nationally.

    Accepted: +49 …, 0049 …, +49 (0)…, the national form with its trunk prefix (0157 …), and
    separators. Refused with the reason: what libphonenumber does not consider a valid number,
    and digits without + or trunk prefix where the region writes one (they could mean two numbers).
    """
    library = _library()
    text = str(raw if raw is not None else "").strip()
    compact = _SEPARATORS.sub("", text)
    if not _WRITTEN_NUMBER.match(compact):
        problem = "is empty" if not text else "{0!r} is not a phone number".format(text)
        raise SmsValidationError(field_name, problem, "use digits with a leading + or 0, separated by spaces or - . / ( ) "
                                 "if you like, such as {0}".format(_example(library, region)))
    number = _parse(library, text, compact, region, field_name)
    _refuse_missing_trunk_prefix(library, text, compact, number, region, field_name)
    _refuse_invalid(library, text, number, region, field_name)
    return str(library.format_number(number, library.PhoneNumberFormat.E164))


def same_number(written: Any, number: str, region: str = DEFAULT_REGION) -> bool:
    """Whether ``written`` (in any spelling, national ones read in ``region``) is the E.164 ``number``."""
    try:
        return e164(written, region, "number") == number
    except PhoneNumbersMissing:
        raise
    except SmsValidationError:
        return False
