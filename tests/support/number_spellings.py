# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Phone numbers as people really write them, and what each must become: one table for the helper,
the module in a playbook and the notifier.

Every accepted number is valid in libphonenumber's metadata of Debian 12 (phonenumbers 8.12.57)
and of the newest release alike. A refused one names its reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

GERMAN_MOBILE = "+4915799912345"
BERLIN = "+49301234567"
AUSTRIAN_MOBILE = "+436641234567"
VIENNA = "+43171234567"
SWISS_MOBILE = "+41791234567"
ZURICH = "+41446681800"
US_NUMBER = "+14155552671"
UK_MOBILE = "+447911123456"
LONDON = "+442079460018"

# Calling codes of the regions below, for the module's older option country_code.
CALLING_CODES = {"DE": "49", "AT": "43", "CH": "41", "US": "1", "GB": "44"}


@dataclass(frozen=True)
class Spelling:
    """``written`` read in ``region`` gives ``e164``, or is refused with ``reason`` in the message."""

    written: str
    region: str
    e164: Optional[str] = None
    reason: str = ""

    @property
    def refused(self) -> bool:
        return self.e164 is None


SPELLINGS = (
    # Germany: mobile and landline, every usual way, and the ways that must not be guessed.
    Spelling("+4915799912345", "DE", GERMAN_MOBILE),
    Spelling("0157 999 12345", "DE", GERMAN_MOBILE),
    Spelling("01579-9912345", "DE", GERMAN_MOBILE),  # as sipgate's history writes it
    Spelling("+49 (0)157 99912345", "DE", GERMAN_MOBILE),
    Spelling("+49-(0)-157-99912345", "DE", GERMAN_MOBILE),
    Spelling("0049 157 99912345", "DE", GERMAN_MOBILE),
    Spelling("0049 (0)157 99912345", "DE", GERMAN_MOBILE),
    Spelling("0157/99912345", "DE", GERMAN_MOBILE),
    Spelling("0157.999.123.45", "DE", GERMAN_MOBILE),
    Spelling("15799912345", "DE", reason="neither + nor a leading 0"),  # not +1 579 991 2345
    Spelling("4915799912345", "DE", reason="neither + nor a leading 0"),  # not 0491 5799912345 in Leer
    Spelling("030 1234567", "DE", BERLIN),
    Spelling("(030) 12 34 56 7", "DE", BERLIN),
    Spelling("+49 30 1234567", "DE", BERLIN),
    Spelling("0157 999", "DE", reason="not a valid number in DE"),
    Spelling("0157 99912345678901", "DE", reason="too long"),
    Spelling("110", "DE", reason="too short"),
    Spelling("+49123", "DE", reason="too short"),
    Spelling("+999 1234567", "DE", reason="no known country code"),
    Spelling("+49 157 CALL-ME", "DE", reason="not a phone number"),
    # Austria and Switzerland: national forms in their own region, international ones from Germany.
    Spelling("0664 1234567", "AT", AUSTRIAN_MOBILE),
    Spelling("+43 (0)664 1234567", "AT", AUSTRIAN_MOBILE),
    Spelling("01 71234567", "AT", VIENNA),
    Spelling("0043 664 1234567", "DE", AUSTRIAN_MOBILE),
    Spelling("079 123 45 67", "CH", SWISS_MOBILE),
    Spelling("044 668 18 00", "CH", ZURICH),
    Spelling("+41 (0)79 123 45 67", "DE", SWISS_MOBILE),
    Spelling("79 123 45 67", "CH", reason="neither + nor a leading 0"),
    # United States: no trunk 0, and 011 (or 00) before a number abroad.
    Spelling("(415) 555-2671", "US", US_NUMBER),
    Spelling("1 415 555 2671", "US", US_NUMBER),
    Spelling("+1 415-555-2671", "DE", US_NUMBER),
    Spelling("001 415 555 2671", "DE", US_NUMBER),
    Spelling("011 49 157 99912345", "US", GERMAN_MOBILE),
    Spelling("0049 157 99912345", "US", GERMAN_MOBILE),
    Spelling("555-2671", "US", reason="too short"),
    # United Kingdom: mobile and landline, and a range kept free for drama that no phone has.
    Spelling("07911 123456", "GB", UK_MOBILE),
    Spelling("020 7946 0018", "GB", LONDON),
    Spelling("+44 (0)20 7946 0018", "DE", LONDON),
    Spelling("7911 123456", "GB", reason="neither + nor a leading 0"),
    Spelling("+44 7700 900123", "DE", reason="not a valid number in GB"),
)
