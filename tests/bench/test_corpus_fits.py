# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The benchmark's corpus as test data: every real-world plugin output becomes one GSM-7 SMS, head intact."""

from __future__ import annotations

from collections import Counter

import pytest

from bench.corpus_fitting import FittedAlert, fit_corpus, load_corpus, share_fitting

CORPUS = load_corpus()
# The plugins whose outputs the corpus must keep covering, so the 100 % stays meaningful.
COVERED_PLUGINS = ("check_http", "check_disk", "check_ping", "check_load", "check_procs", "check_swap", "check_ssl_cert",
                   "check_mysql", "snmptrap", "check_systemd", "check_mk")


def test_corpus_is_large_and_covers_the_common_plugins() -> None:
    plugins = Counter(entry["plugin"] for entry in CORPUS)
    assert len(CORPUS) >= 150
    assert [plugin for plugin in COVERED_PLUGINS if plugins[plugin] < 3] == []


@pytest.mark.parametrize("trait, present", [
    ("umlaut", lambda text: any(ch in text for ch in "äöüÄÖÜß")),
    ("typographic quote", lambda text: any(ch in text for ch in "\u2018\u2019\u201a\u201c\u201d\u201e")),
    ("en dash", lambda text: "\u2013" in text),
    ("degree sign", lambda text: "\u00b0" in text),
    ("emoji", lambda text: any(ord(ch) > 0xFFFF for ch in text)),
    ("perfdata", lambda text: "|" in text),
    ("multi-line output", lambda text: "\n" in text),
    ("tab", lambda text: "\t" in text),
])
def test_corpus_holds_the_characters_that_break_naive_sms(trait: str, present) -> None:
    assert sum(1 for entry in CORPUS if present(entry["output"])) >= 3, trait


def describe(alert: FittedAlert) -> str:
    return "{0} ({1}, {2} segments, head intact: {3})".format(alert.text, alert.encoding, alert.segments, alert.head_intact)


def test_every_alert_fits_one_gsm7_sms_with_host_service_and_state() -> None:
    fitted = fit_corpus(CORPUS)
    assert [describe(alert) for alert in fitted if not alert.fits] == []
    assert share_fitting(fitted) == 1.0
