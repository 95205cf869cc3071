# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GSM-7 or UCS-2, and how many segments a text costs (GSM 03.38), per class of character and at every boundary."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.encoding import (
    GSM7, GSM7_BASIC, GSM7_PART, GSM7_SINGLE, UCS2, UCS2_PART, UCS2_SINGLE,
    capacity, encoding_of, is_gsm7, measure, unit_cost)

EXTENSION_CHARACTERS = list("^{}\\[]~|€")
# Characters that design §5 names as outside the alphabet: any one of them makes the SMS UCS-2.
OUTSIDE_GSM7 = ["\t", "\u2018", "\u2019", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026", "\u00a0",
                "\u00b0", "\u00b5", "\u00b1", "\u00e1", "\u00ed", "\u00f3", "\u00fa", "\u00e2", "\u00ea",
                "\u00eb", "\u00e7", "\U0001F600", "\U0001F525"]

# Texts made of any mix of plain, extension, non-GSM and astral characters.
sms_texts = st.text(alphabet=st.one_of(
    st.sampled_from(sorted(GSM7_BASIC)),
    st.sampled_from(EXTENSION_CHARACTERS),
    st.sampled_from(OUTSIDE_GSM7),
    st.characters(codec="utf-8"),
), max_size=600)


def split_into_parts(text: str) -> list[str]:
    """An independent reference: parts as a phone fills them, whole characters only."""
    encoding = encoding_of(text)
    part_size = GSM7_PART if encoding == GSM7 else UCS2_PART
    parts, current, used = [], "", 0
    for ch in text:
        cost = unit_cost(ch, encoding)
        if used + cost > part_size:
            parts.append(current)
            current, used = "", 0
        current += ch
        used += cost
    return parts + [current]


def test_plain_text_is_gsm7_with_one_septet_per_character() -> None:
    size = measure("PROBLEM web01/HTTP CRITICAL: 503 @ 12:00 £$¥ ÄÖÜäöüß")
    assert size.encoding == GSM7
    assert size.units == len("PROBLEM web01/HTTP CRITICAL: 503 @ 12:00 £$¥ ÄÖÜäöüß")
    assert size.segments == 1


def test_newline_and_carriage_return_are_gsm7() -> None:
    assert encoding_of("line one\nline two\r\n") == GSM7


@pytest.mark.parametrize("character", list("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r"))
def test_gsm7_basic_character_costs_one_septet(character: str) -> None:
    size = measure("a" + character)
    assert size.encoding == GSM7
    assert size.units == 2


@pytest.mark.parametrize("character", EXTENSION_CHARACTERS)
def test_extension_character_costs_two_septets_and_stays_gsm7(character: str) -> None:
    size = measure("a" + character + "b")
    assert size.encoding == GSM7
    assert size.units == 4


@pytest.mark.parametrize("character", OUTSIDE_GSM7)
def test_one_character_outside_the_alphabet_makes_the_whole_text_ucs2(character: str) -> None:
    text = "Disk usage 93" + character + " on web01"
    assert not is_gsm7(text)
    size = measure(text)
    assert size.encoding == UCS2
    assert size.units == len(text.encode("utf-16-le")) // 2


def test_emoji_costs_two_utf16_units() -> None:
    assert measure("\U0001F600").units == 2
    assert unit_cost("\U0001F600", UCS2) == 2
    assert unit_cost("\u00e1", UCS2) == 1


def test_extension_character_costs_one_unit_in_ucs2() -> None:
    assert measure("€\u00e1").units == 2


def test_empty_text_costs_nothing() -> None:
    assert measure("").as_dict() == {"encoding": GSM7, "units": 0, "segments": 0}


@pytest.mark.parametrize("length, segments", [
    (1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4),
])
def test_gsm7_segment_boundaries(length: int, segments: int) -> None:
    size = measure("a" * length)
    assert (size.encoding, size.units, size.segments) == (GSM7, length, segments)


@pytest.mark.parametrize("length, segments", [
    (1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4),
])
def test_ucs2_segment_boundaries(length: int, segments: int) -> None:
    # All UCS-2 letters, and GSM-7 letters made UCS-2 by one dash at the end: each costs one unit.
    for text in ("\u00e1" * length, "\u00e4" * (length - 1) + "\u2013"):
        size = measure(text)
        assert (size.encoding, size.units, size.segments) == (UCS2, length, segments), text


def test_eighty_extension_characters_fill_exactly_one_sms() -> None:
    assert measure("€" * 80).as_dict() == {"encoding": GSM7, "units": 160, "segments": 1}
    assert measure("€" * 80 + "a").segments == 2


def test_escape_pair_straddling_a_part_boundary_moves_to_the_next_part() -> None:
    # 152 septets, then an escape pair that would straddle septets 153/154: it starts part two,
    # so 306 septets need three parts although 2 x 153 = 306.
    text = "a" * 152 + "€" + "a" * 152
    assert measure(text).units == 306
    assert measure(text).segments == 3


def test_escape_pair_ending_exactly_on_a_part_boundary_fits() -> None:
    size = measure("a" * 151 + "€" + "a" * 153)
    assert size.units == 306
    assert size.segments == 2


@pytest.mark.parametrize("letter", ["\u00e1", "\u00e4"])
def test_surrogate_pair_straddling_a_part_boundary_moves_to_the_next_part(letter: str) -> None:
    text = letter * 66 + "\U0001F600" + letter * 66
    assert measure(text).units == 134
    assert measure(text).segments == 3


def test_surrogate_pair_ending_exactly_on_a_part_boundary_fits() -> None:
    assert measure("\u00e1" * 65 + "\U0001F600" + "\u00e1" * 67).segments == 2


def test_capacity_of_one_and_of_several_segments() -> None:
    assert capacity(GSM7, 1) == GSM7_SINGLE == 160
    assert capacity(GSM7, 3) == 3 * GSM7_PART == 459
    assert capacity(UCS2, 1) == UCS2_SINGLE == 70
    assert capacity(UCS2, 2) == 2 * UCS2_PART == 134


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sms_texts)
def test_segments_agree_with_units_and_a_reference_split(text: str) -> None:
    size = measure(text)
    encoding = encoding_of(text)
    assert size.encoding == encoding
    assert size.units == sum(unit_cost(ch, encoding) for ch in text)
    assert size.units >= len(text)
    if encoding == UCS2:
        assert size.units == len(text.encode("utf-16-le")) // 2
    single, part = (GSM7_SINGLE, GSM7_PART) if encoding == GSM7 else (UCS2_SINGLE, UCS2_PART)
    if not text:
        assert size.segments == 0
    elif size.units <= single:
        assert size.segments == 1
    else:
        parts = split_into_parts(text)
        assert "".join(parts) == text
        assert size.segments == len(parts)
        assert size.segments >= math.ceil(size.units / part)
        assert all(sum(unit_cost(ch, encoding) for ch in piece) <= part for piece in parts)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(sms_texts.filter(bool), st.text(min_size=1, max_size=600)))
def test_non_empty_text_costs_at_least_one_segment(text: str) -> None:
    assert measure(text).segments >= 1


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc XYZ") + EXTENSION_CHARACTERS), min_size=1, max_size=500))
def test_texts_of_gsm7_characters_only_are_measured_as_gsm7(text: str) -> None:
    size = measure(text)
    assert size.encoding == GSM7
    assert size.units == len(text) + sum(1 for ch in text if ch in EXTENSION_CHARACTERS)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sms_texts, sms_texts)
def test_a_longer_text_of_the_same_encoding_never_costs_fewer_segments(head: str, tail: str) -> None:
    if encoding_of(head) == encoding_of(head + tail):
        assert measure(head + tail).segments >= measure(head).segments
