# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fitting generated texts into a segment budget: GSM-7, folded, cut at a word with '...'."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.encoding import GSM7, UCS2, measure
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.fitting import (
    ELLIPSIS, fit, fold_whitespace, to_gsm7)

TRICKY = list("^{}\\[]~|€\t\n\r\f \u00a0") + ["\u2018", "\u201c", "\u2013", "\u2026", "\u00b0", "\u00b1",
                                              "á", "ç", "\U0001F600", "\U0001F4A9", "\u2028", "漢", "a", "b", " "]

texts = st.one_of(
    st.text(max_size=700),
    st.text(alphabet=st.sampled_from(TRICKY), max_size=700),
    st.builds(lambda chunk, times: chunk * times, st.text(min_size=1, max_size=20), st.integers(1, 300)),
)


@settings(max_examples=100, deadline=None)
@given(texts, st.integers(min_value=1, max_value=3))
def test_fitted_text_is_gsm7_within_budget_and_without_tabs_or_newlines(text: str, max_segments: int) -> None:
    fitted = fit(text, max_segments)
    size = measure(fitted)
    assert size.segments <= max_segments
    if fitted:
        assert size.encoding == GSM7
    assert not any(ch in fitted for ch in "\t\n\r\f")
    assert fitted == fitted.strip()


@settings(max_examples=80, deadline=None)
@given(texts, st.integers(min_value=1, max_value=3))
def test_text_that_fits_is_returned_unchanged_after_folding_and_a_cut_ends_with_an_ellipsis(text: str, max_segments: int) -> None:
    prepared = fold_whitespace(to_gsm7(fold_whitespace(text)))
    fitted = fit(text, max_segments)
    if measure(prepared).segments <= max_segments:
        assert fitted == prepared
    else:
        assert fitted.endswith(ELLIPSIS)
        assert prepared.startswith(fitted[:-len(ELLIPSIS)])


def test_typographic_characters_become_gsm7_look_alikes() -> None:
    fitted = fit("\u201cDisk\u201d at 90\u00b0 \u2013 it\u2019s full\u2026 \u00b15 \u00b5s caf\u00e9 gar\u00e7on")
    assert fitted == '"Disk" at 90deg - it\'s full... +/-5 us café garcon'
    assert measure(fitted).encoding == GSM7


def test_accented_letters_outside_gsm7_keep_their_base_letter() -> None:
    assert fit("á í ó ú â ê ë") == "a i o u a e e"


def test_tabs_newlines_and_nbsp_fold_to_single_spaces() -> None:
    assert fit("  a\tb\n\nc\u00a0\u00a0d  ") == "a b c d"


def test_sentence_is_cut_at_a_word_boundary() -> None:
    sentence = " ".join(["word{0}".format(i) for i in range(60)])
    fitted = fit(sentence, 1)
    assert measure(fitted).units <= 160
    assert fitted.endswith(ELLIPSIS)
    head = fitted[:-len(ELLIPSIS)]
    assert sentence.startswith(head)
    assert sentence[len(head)] == " "
    assert len(fitted) > 160 * 4 // 5


def test_message_of_exactly_one_sms_is_not_cut() -> None:
    text = "x" * 160
    assert fit(text, 1) == text
    assert fit(text + "y", 1).endswith(ELLIPSIS)


@pytest.mark.parametrize("max_segments", [1, 2, 3])
def test_escape_characters_near_the_limit_still_fit(max_segments: int) -> None:
    fitted = fit("€" * 1000, max_segments)
    assert measure(fitted).segments <= max_segments
    assert fitted.endswith(ELLIPSIS)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(["ä", "\U0001F600", "漢", " ", "a", "€", "\u2013"]), min_size=1, max_size=400),
       st.integers(min_value=1, max_value=3))
def test_without_transliteration_ucs2_is_kept_and_no_surrogate_pair_is_split(text: str, max_segments: int) -> None:
    fitted = fit(text, max_segments, transliterate=False)
    folded = fold_whitespace(text)
    assert measure(fitted).segments <= max_segments
    if measure(folded).encoding == UCS2 and fitted != ELLIPSIS:
        assert fitted.endswith(ELLIPSIS) or fitted == folded
        assert measure(fitted).encoding == UCS2 or fitted.endswith(ELLIPSIS)
    head = fitted[:-len(ELLIPSIS)] if fitted != folded else fitted
    assert folded.startswith(head)
    # Every code point is whole: the text encodes to UTF-16 without lone surrogates.
    fitted.encode("utf-16-le")


def test_without_transliteration_emoji_text_stays_ucs2() -> None:
    fitted = fit("Server \U0001F525 on fire " * 20, 1, transliterate=False)
    size = measure(fitted)
    assert size.encoding == UCS2
    assert size.segments == 1
    assert "\U0001F525" in fitted
