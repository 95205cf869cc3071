# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""How an SMS text is encoded and how many segments it costs (GSM 03.38 / UCS-2)."""

from __future__ import annotations

import math

from .frozen import Frozen

GSM7 = "gsm7"
UCS2 = "ucs2"

# GSM 03.38 basic alphabet, without the escape character itself.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Characters of the extension table: each costs an escape plus itself, two septets.
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")

GSM7_SINGLE, GSM7_PART = 160, 153
UCS2_SINGLE, UCS2_PART = 70, 67


class SmsSize(Frozen):
    """What a text costs: its encoding, its length in units (septets or UTF-16 units) and segments."""

    __slots__ = ("encoding", "units", "segments")
    encoding: str
    units: int
    segments: int

    def __init__(self, encoding: str, units: int, segments: int) -> None:
        self._set(encoding=encoding, units=units, segments=segments)

    def as_dict(self) -> dict:
        return {"encoding": self.encoding, "units": self.units, "segments": self.segments}


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in text)


def unit_cost(ch: str, encoding: str) -> int:
    """Septets (GSM-7) or UTF-16 code units (UCS-2) one character takes."""
    if encoding == GSM7:
        return 2 if ch in GSM7_EXTENSION else 1
    return 2 if ord(ch) > 0xFFFF else 1


def outside_gsm7(text: str) -> list:
    """The distinct characters that force UCS-2, in the order they first appear."""
    found: list = []
    for ch in text:
        if ch not in GSM7_BASIC and ch not in GSM7_EXTENSION and ch not in found:
            found.append(ch)
    return found


def encoding_of(text: str) -> str:
    return GSM7 if is_gsm7(text) else UCS2


def capacity(encoding: str, segments: int) -> int:
    """Units that fit into ``segments`` SMS of this encoding."""
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == GSM7 else (UCS2_SINGLE, UCS2_PART)
    return single if segments <= 1 else part * segments


def _count_parts(text: str, encoding: str) -> int:
    """Parts of a concatenated SMS; an escape or surrogate pair never straddles two parts."""
    part_size = GSM7_PART if encoding == GSM7 else UCS2_PART
    parts, used = 1, 0
    for ch in text:
        cost = unit_cost(ch, encoding)
        if used + cost > part_size:
            parts, used = parts + 1, 0
        used += cost
    return parts


def measure(text: str) -> SmsSize:
    """Encoding, length and segment count of ``text`` as a phone network would send it."""
    encoding = encoding_of(text)
    units = sum(unit_cost(ch, encoding) for ch in text)
    single = GSM7_SINGLE if encoding == GSM7 else UCS2_SINGLE
    if units <= single:
        return SmsSize(encoding, units, 1 if units else 0)
    part = GSM7_PART if encoding == GSM7 else UCS2_PART
    return SmsSize(encoding, units, max(math.ceil(units / part), _count_parts(text, encoding)))
