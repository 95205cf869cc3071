# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Arbitrary engine input (Nagios/Checkmk environment, Icinga options) gives a fitting GSM-7 SMS or the notifier's own error."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FILES_DIR = Path(__file__).resolve().parents[2] / "roles" / "notifier" / "files"
if str(FILES_DIR) not in sys.path:
    sys.path.insert(0, str(FILES_DIR))
    sys.path.insert(0, str(FILES_DIR.parents[2] / "plugins" / "module_utils"))

from sipgate_notify import alert as alerts  # noqa: E402  pylint: disable=wrong-import-position,import-error
from sipgate_notify.cli import alert_from, parser  # noqa: E402  pylint: disable=wrong-import-position,import-error
from sipgate_notify.message import DEFAULT_TEMPLATE, TemplateError, plain, render  # noqa: E402  pylint: disable=import-error
from sipgate_api.encoding import is_gsm7, measure  # noqa: E402  pylint: disable=import-error,wrong-import-order

FUZZ = settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# Text as engines hand it over: any unicode, control characters, emoji, typographic characters.
wild_char = st.one_of(st.characters(), st.sampled_from(list("\t\n\r\x00\x1b\x7f\u00a0\u2026\u2013\u201c\u00b0\u00e9€^{}[]~|\\😀👍🏽\u200b\u202e")))
wild = st.text(alphabet=wild_char, max_size=30)
huge_output = st.one_of(wild, st.text(alphabet=wild_char, min_size=150, max_size=300),
                        st.builds(lambda word, count: word * count, st.sampled_from(["CRITICAL ", "😀", "€", "x", "\u2026 "]),
                                  st.integers(min_value=50, max_value=2000)))
types_ = st.one_of(st.sampled_from(["PROBLEM", "RECOVERY", "ACKNOWLEDGEMENT", "CUSTOM", "DOWNTIMESTART", "FLAPPINGSTART",
                                    "FLAPPINGEND", "problem", " RECOVERY "]), wild)
states = st.one_of(st.sampled_from(["CRITICAL", "WARNING", "OK", "UNKNOWN", "DOWN", "UP", "UNREACHABLE"]), wild)
pagers = st.one_of(st.just("+4915799912345"), st.just("+4915799912345, 015799912346;+4915799912345"), wild)
segments = st.integers(min_value=1, max_value=4)


def optional(strategy: st.SearchStrategy) -> st.SearchStrategy:
    return st.one_of(st.none(), strategy)


def environment(prefix: str, fields: dict) -> st.SearchStrategy:
    return st.fixed_dictionaries({}, optional={prefix + name: value for name, value in fields.items()})


nagios_env = environment("NAGIOS_", {
    "NOTIFICATIONTYPE": types_, "HOSTNAME": wild, "HOSTSTATE": states, "HOSTOUTPUT": huge_output, "SERVICEDESC": wild,
    "SERVICESTATE": states, "SERVICEOUTPUT": huge_output, "LONGSERVICEOUTPUT": huge_output, "CONTACTPAGER": pagers,
    "NOTIFICATIONAUTHOR": wild, "NOTIFICATIONCOMMENT": huge_output, "HOSTDISPLAYNAME": wild, "LONGDATETIME": wild})
checkmk_env = environment("NOTIFY_", {
    "WHAT": st.one_of(st.sampled_from(["HOST", "SERVICE", "service", "", "OTHER"]), wild), "NOTIFICATIONTYPE": types_,
    "HOSTNAME": wild, "SERVICEDESC": wild, "HOSTSTATE": states, "SERVICESTATE": states, "HOSTOUTPUT": huge_output,
    "SERVICEOUTPUT": huge_output, "CONTACTPAGER": pagers, "PARAMETER_1": pagers, "PARAMETER_2": wild,
    "NOTIFICATIONCOMMENT": huge_output, "NOTIFICATIONAUTHOR": wild})
icinga_values = st.fixed_dictionaries({}, optional={
    "t": types_, "l": wild, "n": wild, "e": wild, "u": wild, "s": states, "o": huge_output, "r": pagers, "d": wild, "b": wild,
    "c": huge_output})


def icinga_argv(values: dict) -> list:
    # Attached form (-oVALUE): how a value starting with a dash reaches the script is pinned separately below.
    return ["-" + letter + value for letter, value in values.items() if value]


def check_alert(alert: Optional[alerts.Alert], max_segments: int) -> None:
    """A parsed alert is complete, and its SMS fits, is GSM-7, and still names host and state."""
    if alert is None:
        return
    assert alert.notification_type and alert.notification_type == alert.notification_type.upper()
    assert alert.host and alert.host == alert.host.strip()
    for recipient in alert.recipients:
        assert recipient and recipient == recipient.strip() and "," not in recipient and ";" not in recipient
    assert len(set(alert.recipients)) == len(alert.recipients)
    text = render(DEFAULT_TEMPLATE, alert, max_segments)
    size = measure(text)
    assert is_gsm7(text), text
    assert 1 <= size.segments <= max_segments, (size, text)
    assert "\n" not in text and "\t" not in text
    head = plain("{0} {1} {2}".format(alert.notification_type, alert.display_subject, alert.state))
    if measure(head).units <= 100:
        # What the SMS is about survives; only output (and notes) are cut.
        assert plain(alert.display_subject).rstrip(" :") in text, (alert.display_subject, text)
        assert plain(alert.state).rstrip(" :") in text, (alert.state, text)


@FUZZ
@given(env=st.one_of(nagios_env, checkmk_env, st.builds(lambda a, b: {**a, **b}, nagios_env, checkmk_env)), max_segments=segments)
def test_any_engine_environment_gives_a_fitting_sms_or_an_alert_error(env: dict, max_segments: int) -> None:
    try:
        alert = alerts.from_environment(env)
    except alerts.AlertError as error:
        assert str(error) and ("host" in str(error) or "type" in str(error) or "NOTIFY_WHAT" in str(error))
        return
    check_alert(alert, max_segments)


@FUZZ
@given(values=icinga_values, env=nagios_env, max_segments=segments)
def test_any_icinga_options_give_a_fitting_sms_or_an_alert_error(values: dict, env: dict, max_segments: int) -> None:
    options = parser().parse_args(icinga_argv(values))
    try:
        alert = alert_from(options, env)
    except alerts.AlertError as error:
        assert "icinga2" in str(error) or "nagios" in str(error)
        return
    if any(values.values()):
        assert alert is not None and alert.source == alerts.ICINGA2
        assert alert.host == values["l"].strip()
    check_alert(alert, max_segments)


@FUZZ
@given(template=st.lists(st.sampled_from(list("{}[]!:.0a_ ") + ["{host}", "{output}", "{state}", "{x}", "{0}", "{output!r}"]),
                         max_size=12).map("".join),
       output=wild)
def test_any_template_renders_within_budget_or_raises_a_template_error(template: str, output: str) -> None:
    alert = alerts.Alert("PROBLEM", "web01", "CRITICAL", output, service="HTTP")
    try:
        text = render(template, alert, 1)
    except TemplateError as error:
        assert "template" in str(error)
        return
    assert is_gsm7(text) and measure(text).segments <= 1


def test_a_huge_emoji_output_is_cut_to_one_gsm7_segment_naming_host_service_and_state() -> None:
    alert = alerts.from_icinga_options({"t": "PROBLEM", "l": "web01", "e": "HTTP", "s": "CRITICAL", "o": "😀 down " * 5000})
    text = render(DEFAULT_TEMPLATE, alert, 1)
    assert text.startswith("PROBLEM web01/HTTP CRITICAL: ? down")
    assert text.endswith("...") and measure(text).segments == 1 and is_gsm7(text)


def test_icinga_output_starting_with_a_dash_is_taken_as_the_output() -> None:
    # Icinga 2 passes "-o" and the plugin output as two arguments, like the stock mail-*-notification.sh
    # (whose getopts takes any next word). Plugin output such as "-nodata" or "--" must not turn into a usage error.
    for output in ("-nodata", "--", "-1"):
        options = parser().parse_args(["-t", "PROBLEM", "-l", "web01", "-e", "HTTP", "-s", "CRITICAL", "-o", output,
                                       "-r", "+4915799912345"])
        alert = alert_from(options, {})
        assert alert is not None and alert.output == output
