# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Generated texts made cheap: transliterated to GSM-7, white space folded, cut at a word with '...' to a segment budget."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.encoding import (
    GSM7, UCS2, encoding_of, is_gsm7, measure)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.fitting import (
    ELLIPSIS, fit, fold_whitespace, to_gsm7)

# Alert texts as monitoring produces them: words, typography, extension characters, emoji, white space.
alert_characters = st.one_of(
    st.sampled_from(list("abcdefghij ABC 0123456789:/.-_=%")),
    st.sampled_from(list("^{}\\[]~|€")),
    st.sampled_from(list("\u2018\u2019\u201c\u201d\u2013\u2014\u2026\u00b0\u00b5\u00b1\u00e1\u00ed\u00e7\u00a8\u02d8")),
    st.sampled_from(["\t", "\n", "\r", "\f", "\u00a0", "\u2003", "\u2028", "\x0b"]),
    st.sampled_from(["\U0001F600", "\U0001F525", "\U0001F4A9", "\u4e2d", "\u6f22"]),
    st.characters(codec="utf-8"),
)
# Any mix of them, and one short piece repeated into a long text (the cut then has a pattern to break).
alert_texts = st.one_of(
    st.text(alphabet=alert_characters, max_size=800),
    st.builds(lambda piece, times: piece * times, st.text(alphabet=alert_characters, min_size=1, max_size=20), st.integers(1, 300)),
)


def prepared(text: str, transliterate: bool = True) -> str:
    """What fit works on before cutting: folded, transliterated, and folded again (a look-alike may be a space)."""
    folded = fold_whitespace(text)
    return fold_whitespace(to_gsm7(folded)) if transliterate else folded


@pytest.mark.parametrize("typographic, plain", [
    ("\u201cquoted\u201d", '"quoted"'),
    ("it\u2019s", "it's"),
    ("a\u2013b\u2014c", "a-b-c"),
    ("wait\u2026", "wait..."),
    ("23\u00b0C", "23degC"),
    ("5\u00b5s", "5us"),
    ("\u00b12", "+/-2"),
    ("caf\u00e9 S\u00e3o Paulo, Bras\u00edlia, fa\u00e7ade, \u00e2\u00ea\u00eb", "café Sao Paulo, Brasilia, facade, aee"),
    ("\u00e1 \u00ed \u00f3 \u00fa \u00e2 \u00ea \u00eb", "a i o u a e e"),
    ("fire \U0001F525", "fire ?"),
    ("\u201cDisk\u201d at 90\u00b0 \u2013 it\u2019s full\u2026 \u00b15 \u00b5s caf\u00e9 gar\u00e7on", '"Disk" at 90deg - it\'s full... +/-5 us café garcon'),
])
def test_typographic_characters_become_gsm7_look_alikes(typographic: str, plain: str) -> None:
    assert to_gsm7(typographic) == plain


def test_gsm7_text_is_left_alone_by_transliteration() -> None:
    text = "PROBLEM web01/HTTP CRITICAL: {status} [503] ~ €5 | ÄÖÜ ß é"
    assert to_gsm7(text) == text


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert_texts)
def test_transliteration_makes_any_text_gsm7(text: str) -> None:
    assert is_gsm7(to_gsm7(text))


def test_tabs_newlines_and_runs_of_spaces_fold_into_one_space() -> None:
    assert fold_whitespace("  CRITICAL\t-\tdisk\n\n/var  93%\u00a0used \r\n") == "CRITICAL - disk /var 93% used"
    assert fit("  a\tb\n\nc\u00a0\u00a0d  ") == "a b c d"


def test_short_text_fits_untouched() -> None:
    assert fit("PROBLEM web01/HTTP CRITICAL: connection refused") == "PROBLEM web01/HTTP CRITICAL: connection refused"


def test_text_of_exactly_one_sms_is_not_cut() -> None:
    text = "a" * 150 + " " + "b" * 9
    assert fit(text) == text
    assert fit("x" * 160, 1) == "x" * 160
    assert fit("x" * 161, 1).endswith(ELLIPSIS)


def test_long_text_is_cut_at_a_word_boundary_with_an_ellipsis() -> None:
    text = "CRITICAL " + " ".join("word{0:02d}".format(number) for number in range(60))
    fitted = fit(text)
    assert fitted.endswith(ELLIPSIS)
    assert measure(fitted).units <= 160
    head = fitted[:-len(ELLIPSIS)]
    assert text.startswith(head)
    # The cut falls between words: what follows the kept part in the original is a space.
    assert text[len(head)] == " "
    assert len(fitted) > 150


def test_text_without_spaces_is_cut_hard_rather_than_wasting_the_sms() -> None:
    fitted = fit("x" * 500)
    assert fitted == "x" * 157 + ELLIPSIS


def test_cut_keeps_more_segments_when_allowed() -> None:
    text = " ".join(["alert"] * 200)
    assert measure(fit(text, max_segments=3)).segments == 3
    assert len(fit(text, max_segments=3)) > len(fit(text, max_segments=2)) > len(fit(text))


def test_typographic_text_is_transliterated_before_it_is_measured() -> None:
    text = "\u201cweb01\u201d is down \u2013 " + "x" * 120
    fitted = fit(text)
    assert fitted == '"web01" is down - ' + "x" * 120
    assert measure(fitted).encoding == GSM7


def test_escape_pair_is_never_split_by_the_cut() -> None:
    fitted = fit("a" * 156 + "€€€€€€")
    assert fitted == "a" * 156 + ELLIPSIS
    fitted = fit("a" * 155 + "€€€€€€")
    assert fitted == "a" * 155 + "€" + ELLIPSIS


@pytest.mark.parametrize("max_segments", [1, 2, 3])
def test_a_long_run_of_escape_characters_is_cut_within_each_budget(max_segments: int) -> None:
    fitted = fit("€" * 1000, max_segments)
    assert measure(fitted).segments <= max_segments
    assert fitted.endswith(ELLIPSIS)


def test_escape_pair_at_a_part_boundary_keeps_the_text_within_its_segments() -> None:
    # 306 septets, but the euro sign would straddle the two parts, so as it is it needs three.
    text = "a" * 152 + "€" + "a" * 152
    fitted = fit(text, max_segments=2)
    assert measure(fitted).segments <= 2
    assert fitted.endswith(ELLIPSIS)


def test_without_transliteration_ucs2_text_is_cut_by_utf16_units() -> None:
    fitted = fit("\u00e1" * 100, transliterate=False)
    assert fitted == "\u00e1" * 67 + ELLIPSIS
    assert measure(fitted).as_dict() == {"encoding": UCS2, "units": 70, "segments": 1}


def test_without_transliteration_emoji_text_stays_ucs2() -> None:
    fitted = fit("Server \U0001F525 on fire " * 20, 1, transliterate=False)
    size = measure(fitted)
    assert size.encoding == UCS2
    assert size.segments == 1
    assert "\U0001F525" in fitted


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.sampled_from(["\u00e4", "\U0001F600", "\u6f22", " ", "a", "€", "\u2013"]), min_size=1, max_size=400),
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


def test_surrogate_pair_is_never_split_by_the_cut() -> None:
    fitted = fit("\U0001F600" * 50, transliterate=False)
    assert fitted == "\U0001F600" * 33 + ELLIPSIS
    assert measure(fitted).units == 69
    assert "\ud83d" not in fitted.encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def test_blank_text_fits_as_empty() -> None:
    assert fit(" \t\n ") == ""


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert_texts, st.integers(min_value=1, max_value=4), st.booleans())
def test_any_text_fits_its_segment_budget(text: str, max_segments: int, transliterate: bool) -> None:
    fitted = fit(text, max_segments=max_segments, transliterate=transliterate)
    assert measure(fitted).segments <= max_segments
    if transliterate:
        assert is_gsm7(fitted)
    source = prepared(text, transliterate)
    if fitted == source:
        return
    # Cut: a start of the prepared text (whole characters only) followed by the ellipsis.
    assert fitted.endswith(ELLIPSIS)
    assert source.startswith(fitted[:-len(ELLIPSIS)])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert_texts, st.integers(min_value=1, max_value=4))
def test_fitting_leaves_no_run_of_white_space(text: str, max_segments: int) -> None:
    fitted = fit(text, max_segments=max_segments)
    assert "  " not in fitted
    assert fitted == fitted.strip()
    assert not any(ch in fitted for ch in "\t\n\r\f\u00a0")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert_texts, st.integers(min_value=1, max_value=4), st.booleans())
def test_a_text_that_fits_is_returned_as_prepared(text: str, max_segments: int, transliterate: bool) -> None:
    source = prepared(text, transliterate)
    if measure(source).segments <= max_segments:
        assert fit(text, max_segments=max_segments, transliterate=transliterate) == source


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(alert_texts.filter(lambda text: len(text.split()) > 1))
def test_a_cut_of_spaced_text_does_not_end_mid_word_when_a_space_is_near(text: str) -> None:
    fitted = fit(text)
    source = prepared(text)
    if fitted == source:
        return
    head = fitted[:-len(ELLIPSIS)]
    last_space = head.rfind(" ")
    # Either the cut is at a word boundary, or the nearest space would have cost more than a fifth.
    at_boundary = len(head) == len(source) or source[len(head)] == " "
    assert at_boundary or last_space < len(head) * 4 // 5


@pytest.mark.parametrize("max_segments", [1, 2, 10])
def test_huge_input_is_cut_fast_and_within_budget(max_segments: int) -> None:
    text = ("CRITICAL \u2013 disk /var 99% used {cache} \U0001F525\t\n" * 4000)
    fitted = fit(text, max_segments=max_segments)
    assert measure(fitted).segments <= max_segments
    assert encoding_of(fitted) == GSM7
    fitted = fit(text, max_segments=max_segments, transliterate=False)
    assert measure(fitted).segments <= max_segments
