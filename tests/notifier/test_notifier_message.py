# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SMS text: default and custom templates, GSM-7, folding, cutting the output but never the head."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sipgate_api.encoding import GSM7, is_gsm7, measure
from sipgate_notify import alert as alerts
from sipgate_notify.alert import Alert
from sipgate_notify.message import DEFAULT_TEMPLATE, TemplateError, check_template, digest, digest_item, render


def service_alert(output: str = "Connection refused", **fields: str) -> Alert:
    values = dict(notification_type="PROBLEM", host="web01", state="CRITICAL", output=output, service="HTTP")
    values.update(fields)
    return Alert(**values)


def test_default_service_text() -> None:
    assert render(DEFAULT_TEMPLATE, service_alert()) == "PROBLEM web01/HTTP CRITICAL: Connection refused"


def test_default_host_text() -> None:
    alert = Alert("PROBLEM", "web01", "DOWN", "PING CRITICAL - Packet loss = 100%")
    assert render(DEFAULT_TEMPLATE, alert) == "PROBLEM web01 DOWN: PING CRITICAL - Packet loss = 100%"


@pytest.mark.parametrize("notification_type", ["ACKNOWLEDGEMENT", "DOWNTIMESTART", "DOWNTIMEEND", "DOWNTIMEREMOVED", "CUSTOM"])
def test_notes_name_author_and_comment(notification_type: str) -> None:
    alert = service_alert(notification_type=notification_type, author="alice", comment="on it")
    assert render(DEFAULT_TEMPLATE, alert) == "{0} web01/HTTP CRITICAL (alice: on it): Connection refused".format(notification_type)


def test_problems_carry_no_note_even_with_a_stale_author() -> None:
    assert "(" not in render(DEFAULT_TEMPLATE, service_alert(author="alice", comment="old"))


def test_no_output_leaves_no_dangling_colon() -> None:
    assert render(DEFAULT_TEMPLATE, Alert("RECOVERY", "db1", "UP")) == "RECOVERY db1 UP"


def test_custom_template_with_display_names() -> None:
    alert = service_alert(host_display="Web 01", service_display="Shop")
    assert render("{state} {host_display} {service_display} ({type}) {output}", alert) == "CRITICAL Web 01 Shop (PROBLEM) Connection refused"


def test_typographic_characters_tabs_and_newlines_are_made_plain() -> None:
    text = render(DEFAULT_TEMPLATE, service_alert("\u201cRefused\u201d \u2013 port\t80\u2026\nretry"))
    assert text == 'PROBLEM web01/HTTP CRITICAL: "Refused" - port 80... retry'
    assert measure(text).encoding == GSM7


def test_braces_in_the_output_are_not_template_fields() -> None:
    assert render(DEFAULT_TEMPLATE, service_alert("{host} {0}")).endswith(": {host} {0}")


def test_long_output_is_cut_at_a_word_boundary_and_the_head_kept() -> None:
    text = render(DEFAULT_TEMPLATE, service_alert("word " * 100))
    assert text.startswith("PROBLEM web01/HTTP CRITICAL: word word")
    assert text.endswith("word...") and measure(text).segments == 1 and len(text) <= 160


def test_more_segments_allow_more_output() -> None:
    alert = service_alert("x" * 1000)
    assert len(render(DEFAULT_TEMPLATE, alert, 1)) < len(render(DEFAULT_TEMPLATE, alert, 3)) <= 3 * 153
    assert measure(render(DEFAULT_TEMPLATE, alert, 3)).segments == 3


def test_a_huge_emoji_output_is_cut_to_one_gsm7_segment_naming_host_service_and_state() -> None:
    alert = alerts.from_icinga_options({"t": "PROBLEM", "l": "web01", "e": "HTTP", "s": "CRITICAL", "o": "😀 down " * 5000})
    text = render(DEFAULT_TEMPLATE, alert, 1)
    assert text.startswith("PROBLEM web01/HTTP CRITICAL: ? down")
    assert text.endswith("...") and measure(text).segments == 1 and is_gsm7(text)


def test_escape_characters_are_never_split() -> None:
    text = render(DEFAULT_TEMPLATE, service_alert("€" * 200))
    assert measure(text).segments == 1 and text.endswith("€...")


@pytest.mark.parametrize("template, problem", [("{nonsense}", "not a field"), ("{type", "not a str.format template"), ("{0}", "not a str.format")])
def test_unusable_templates_are_refused(template: str, problem: str) -> None:
    with pytest.raises(TemplateError, match=problem):
        check_template(template)


# Output as engines hand it over: any unicode, control characters, emoji, typographic characters.
engine_character = st.one_of(st.characters(), st.sampled_from(list("\t\n\r\x00\x1b\x7f\u00a0\u2026\u2013\u201c\u00b0\u00e9€^{}[]~|\\😀👍🏽\u200b\u202e")))
engine_output = st.text(alphabet=engine_character, max_size=30)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(template=st.lists(st.sampled_from(list("{}[]!:.0a_ ") + ["{host}", "{output}", "{state}", "{x}", "{0}", "{output!r}"]),
                         max_size=12).map("".join),
       output=engine_output)
def test_any_template_renders_within_budget_or_raises_a_template_error(template: str, output: str) -> None:
    alert = Alert("PROBLEM", "web01", "CRITICAL", output, service="HTTP")
    try:
        text = render(template, alert, 1)
    except TemplateError as error:
        assert "template" in str(error)
        return
    assert is_gsm7(text) and measure(text).segments <= 1


def test_digest_names_alerts_and_their_recovery() -> None:
    items = [digest_item("web01/HTTP", ["CRITICAL"], "PROBLEM"), digest_item("db1", ["DOWN"], "PROBLEM"),
             digest_item("web02/HTTP", ["CRITICAL", "OK"], "RECOVERY"), digest_item("mail", [], "ACKNOWLEDGEMENT")]
    assert digest(4, items) == "4 held: web01/HTTP CRITICAL, db1 DOWN, web02/HTTP CRITICAL->OK, mail ACKNOWLEDGEMENT"


def test_digest_counts_what_does_not_fit() -> None:
    text = digest(200, ["web{0:03d}/HTTP CRITICAL".format(number) for number in range(200)])
    assert text.startswith("200 held: web000/HTTP CRITICAL, ") and text.endswith(" more")
    assert measure(text).segments == 1


def test_digest_of_one_giant_name_still_counts() -> None:
    text = digest(7, ["x" * 500 + " CRITICAL"])
    assert text.startswith("7 held") and measure(text).segments == 1


names = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20).map(str.strip).filter(bool)


@settings(max_examples=300, deadline=None)
@given(host=names, service=names, state=st.sampled_from(["CRITICAL", "WARNING", "UNKNOWN", "OK", "DOWN"]),
       output=st.text(max_size=2000), segments=st.integers(min_value=1, max_value=4))
def test_any_alert_fits_its_segments_in_gsm7_with_the_head_intact(host: str, service: str, state: str, output: str, segments: int) -> None:
    text = render(DEFAULT_TEMPLATE, Alert("PROBLEM", host, state, output, service=service), segments)
    size = measure(text)
    assert size.segments <= segments
    assert is_gsm7(text)
    head = render(DEFAULT_TEMPLATE, Alert("PROBLEM", host, state, "", service=service), segments)
    if measure(head + ": ...").segments <= segments:
        assert text.startswith(head)


@settings(max_examples=200, deadline=None)
@given(count=st.integers(min_value=1, max_value=300), name=names, segments=st.integers(min_value=1, max_value=3))
def test_any_digest_fits_and_gives_the_total(count: int, name: str, segments: int) -> None:
    text = digest(count, [digest_item("{0}{1}".format(name, number), ["CRITICAL"], "PROBLEM") for number in range(count)], segments)
    assert measure(text).segments <= segments and text.startswith("{0} held".format(count))
