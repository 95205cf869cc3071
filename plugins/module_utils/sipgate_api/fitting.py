# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Making a generated text (an alert, a run summary) fit a number of SMS segments.

The module never alters a user's message; notifier and callback build their own
texts and use this to keep them cheap: typographic characters become their
GSM-7 look-alikes (one stray curly quote would turn the SMS into UCS-2 and more
than double its cost), white space is folded, and the text is cut at a word
boundary to the segment budget.
"""

from __future__ import annotations

import re
import unicodedata

from .encoding import capacity, encoding_of, is_gsm7, measure, unit_cost

ELLIPSIS = "..."

# Look-alikes for characters outside the GSM-7 alphabet that monitoring output is full of.
TRANSLITERATIONS = {
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "\u00b4": "'", "`": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2015": "-", "\u2212": "-",
    "\u2026": "...", "\u2022": "*", "\u00b7": "*", "\u00d7": "x", "\u00f7": "/",
    "\u00b0": "deg", "\u00b5": "u", "\u03bc": "u", "\u00b1": "+/-", "\u2264": "<=", "\u2265": ">=",
    "\u2192": "->", "\u2190": "<-", "\u21d2": "=>", "\u2260": "!=", "\u2248": "~",
    "\u00a9": "(c)", "\u00ae": "(R)", "\u2122": "TM", "\u00bd": "1/2", "\u00bc": "1/4", "\u00be": "3/4",
    "\u00b2": "2", "\u00b3": "3", "\u00b9": "1", "\u00e7": "c", "\u0131": "i", "\u0142": "l", "\u0141": "L",
    "\u0153": "oe", "\u0152": "OE", "\u00f0": "d", "\u00fe": "th", "\u00de": "Th", "\u0111": "d", "\u0110": "D",
}

_WHITESPACE = re.compile(r"\s+")


def _to_gsm7_char(ch: str) -> str:
    if is_gsm7(ch):
        return ch
    if ch in TRANSLITERATIONS:
        return TRANSLITERATIONS[ch]
    # Accented letters: keep the base letter (a with acute becomes a).
    stripped = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if stripped and is_gsm7(stripped):
        return stripped
    return "?"


def to_gsm7(text: str) -> str:
    """Replace every character outside GSM-7 with a look-alike, or '?' when there is none."""
    return "".join(_to_gsm7_char(ch) for ch in text)


def fold_whitespace(text: str) -> str:
    """Tabs, newlines and runs of spaces (including non-breaking ones) become one space."""
    return _WHITESPACE.sub(" ", text.replace("\u00a0", " ")).strip()


def cut(text: str, max_units: int, encoding: str) -> str:
    """The longest start of ``text`` that fits ``max_units`` with an ellipsis, cut at a word boundary.

    Works on whole characters, so an escape pair or a surrogate pair is never split.
    """
    budget = max_units - len(ELLIPSIS)
    used, end = 0, 0
    for index, ch in enumerate(text):
        cost = unit_cost(ch, encoding)
        if used + cost > budget:
            break
        used, end = used + cost, index + 1
    return at_word_boundary(text[:end]) + ELLIPSIS


def at_word_boundary(head: str) -> str:
    """``head`` cut back to its last word boundary, unless that throws away more than a fifth of it."""
    boundary = head.rfind(" ")
    if boundary > 0 and boundary >= len(head) * 4 // 5:
        head = head[:boundary]
    return head.rstrip()


def fit(text: str, max_segments: int = 1, transliterate: bool = True) -> str:
    """``text`` folded, transliterated (unless told not to) and cut to ``max_segments`` SMS."""
    max_segments = max(1, max_segments)
    text = fold_whitespace(text)
    if transliterate:
        # Folded again: some look-alikes are spaces (a lone diaeresis decomposes to one).
        text = fold_whitespace(to_gsm7(text))
    if measure(text).segments <= max_segments:
        return text
    encoding = encoding_of(text)
    room = capacity(encoding, max_segments)
    # An escape or surrogate pair that would straddle two parts moves whole to the next one,
    # wasting a unit of that part; give up one unit of room until the cut text really fits.
    while True:
        fitted = cut(text, room, encoding)
        if measure(fitted).segments <= max_segments:
            return fitted
        room -= 1
