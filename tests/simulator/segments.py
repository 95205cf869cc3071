# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How many SMS parts a message costs, counted on the server side.

This is written apart from the collection's own encoder on purpose: the simulator bills what
the network would bill, so a wrong count in the collection shows up as a difference.
"""

from __future__ import annotations

GSM7 = "GSM-7"
UCS2 = "UCS-2"

# GSM 03.38 basic character set (without the escape code itself).
GSM7_BASIC = frozenset(
    "@\u00a3$\u00a5\u00e8\u00e9\u00f9\u00ec\u00f2\u00c7\n\u00d8\u00f8\r\u00c5\u00e5"
    "\u0394_\u03a6\u0393\u039b\u03a9\u03a0\u03a8\u03a3\u0398\u039e\u00c6\u00e6\u00df\u00c9"
    " !\"#\u00a4%&'()*+,-./0123456789:;<=>?"
    "\u00a1ABCDEFGHIJKLMNOPQRSTUVWXYZ\u00c4\u00d6\u00d1\u00dc\u00a7"
    "\u00bfabcdefghijklmnopqrstuvwxyz\u00e4\u00f6\u00f1\u00fc\u00e0"
)
# Characters of the extension table: an escape septet plus their own.
GSM7_EXTENSION = frozenset("^{}\\[]~|\u20ac")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


def encoding_of(message: str) -> str:
    """GSM-7 when every character is in the GSM alphabet, else UCS-2 for the whole message."""
    return GSM7 if all(char in GSM7_BASIC or char in GSM7_EXTENSION for char in message) else UCS2


def _units(message: str, encoding: str) -> list:
    """The cost of each character: septets for GSM-7, UTF-16 code units for UCS-2."""
    if encoding == GSM7:
        return [2 if char in GSM7_EXTENSION else 1 for char in message]
    return [2 if ord(char) > 0xFFFF else 1 for char in message]


def _parts(units: list, part_size: int) -> int:
    """Parts needed when no character (escape pair, surrogate pair) may straddle two parts."""
    parts, used = 1, 0
    for cost in units:
        if used + cost > part_size:
            parts, used = parts + 1, 0
        used += cost
    return parts


def segments(message: str) -> tuple:
    """(encoding, number of SMS parts) for a message."""
    encoding = encoding_of(message)
    units = _units(message, encoding)
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == GSM7 else (UCS2_SINGLE, UCS2_PART)
    if sum(units) <= single:
        return encoding, 1
    return encoding, _parts(units, part)
