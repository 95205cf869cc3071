# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Encoding and segment counting of SMS texts, per class of character and at every boundary."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.encoding import (
    GSM7, UCS2, measure, unit_cost)

EXTENSION_CHARS = list("^{}\\[]~|€")
UCS2_CHARS = ["\t", "\u2018", "\u2019", "\u201c", "\u201d", "\u2013", "\u2014", "\u2026", "\u00a0",
              "\u00b0", "\u00b5", "\u00b1", "á", "í", "ó", "ú", "â", "ê", "ë", "ç", "\U0001F600"]


def test_plain_ascii_is_gsm7_with_one_septet_per_character() -> None:
    size = measure("Hello World 123")
    assert (size.encoding, size.units, size.segments) == (GSM7, 15, 1)


@pytest.mark.parametrize("ch", list("@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ¤¡ÄÖÑÜ§¿äöñüà\n\r"))
def test_gsm7_basic_characters_cost_one_septet(ch: str) -> None:
    size = measure("a" + ch)
    assert size.encoding == GSM7
    assert size.units == 2


@pytest.mark.parametrize("ch", EXTENSION_CHARS)
def test_extension_characters_stay_gsm7_and_cost_two_septets(ch: str) -> None:
    size = measure("a" + ch)
    assert size.encoding == GSM7
    assert size.units == 3


@pytest.mark.parametrize("ch", UCS2_CHARS, ids=[repr(c) for c in UCS2_CHARS])
def test_character_outside_gsm7_turns_the_whole_text_into_ucs2(ch: str) -> None:
    size = measure("plain text " + ch)
    assert size.encoding == UCS2


def test_emoji_costs_two_ucs2_units() -> None:
    assert measure("\U0001F600").units == 2
    assert unit_cost("\U0001F600", UCS2) == 2
    assert unit_cost("ä", UCS2) == 1


def test_empty_text_costs_no_segment() -> None:
    assert measure("").segments == 0


@pytest.mark.parametrize("length, segments", [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_gsm7_segment_boundaries(length: int, segments: int) -> None:
    size = measure("a" * length)
    assert (size.encoding, size.units, size.segments) == (GSM7, length, segments)


@pytest.mark.parametrize("length, segments", [(70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)])
def test_ucs2_segment_boundaries(length: int, segments: int) -> None:
    size = measure("ä" * (length - 1) + "\u2013")
    assert (size.encoding, size.units, size.segments) == (UCS2, length, segments)


def test_extension_characters_count_double_at_the_single_sms_boundary() -> None:
    assert measure("€" * 80).segments == 1
    assert measure("€" * 80 + "a").segments == 2


def test_escape_pair_straddling_a_part_boundary_moves_to_the_next_part() -> None:
    # 152 septets then an escape pair: 154 > 153, so the pair goes whole into part 2.
    # 152 + 2 + 152 = 306 septets would fit 2 parts by arithmetic, but needs 3.
    text = "a" * 152 + "€" + "a" * 152
    size = measure(text)
    assert size.units == 306
    assert size.segments == 3


def test_escape_pair_ending_exactly_on_a_part_boundary_fits() -> None:
    text = "a" * 151 + "€" + "a" * 153
    size = measure(text)
    assert size.units == 306
    assert size.segments == 2


def test_surrogate_pair_straddling_a_ucs2_part_boundary_moves_to_the_next_part() -> None:
    text = "ä" * 66 + "\U0001F600" + "ä" * 66
    size = measure(text)
    assert size.units == 134
    assert size.segments == 3


@settings(max_examples=150, deadline=None)
@given(st.text(min_size=1, max_size=600))
def test_any_non_empty_text_costs_at_least_one_segment_and_units_are_consistent(text: str) -> None:
    size = measure(text)
    assert size.segments >= 1
    assert size.encoding in (GSM7, UCS2)
    assert size.units == sum(unit_cost(ch, size.encoding) for ch in text)
    assert size.units >= len(text)
    single, part = (160, 153) if size.encoding == GSM7 else (70, 67)
    if size.units <= single:
        assert size.segments == 1
    else:
        assert size.segments * part >= size.units


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("abc XYZ") + EXTENSION_CHARS), min_size=1, max_size=500))
def test_gsm7_only_texts_are_measured_as_gsm7(text: str) -> None:
    size = measure(text)
    assert size.encoding == GSM7
    assert size.units == len(text) + sum(1 for ch in text if ch in EXTENSION_CHARS)
