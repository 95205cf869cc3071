# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Reading an alert from each engine's input: Nagios/Naemon environment, Icinga 2 options, Checkmk environment.

Arbitrary engine input gives a fitting GSM-7 SMS or the notifier's own error."""

from __future__ import annotations

from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sipgate_api.encoding import is_gsm7, measure
from sipgate_notify import alert as alerts
from sipgate_notify.arguments import quick_options
from sipgate_notify.cli import alert_from, ignored_arguments, parser
from sipgate_notify.message import DEFAULT_TEMPLATE, plain, render

NOTIFICATION_TYPES = ["PROBLEM", "RECOVERY", "ACKNOWLEDGEMENT", "FLAPPINGSTART", "FLAPPINGSTOP", "FLAPPINGEND", "FLAPPINGDISABLED",
                      "DOWNTIMESTART", "DOWNTIMEEND", "DOWNTIMECANCELLED", "DOWNTIMEREMOVED", "CUSTOM"]


def nagios_service(notification_type: str = "PROBLEM") -> dict:
    return {"NAGIOS_NOTIFICATIONTYPE": notification_type, "NAGIOS_HOSTNAME": "web01", "NAGIOS_HOSTDISPLAYNAME": "Web 01",
            "NAGIOS_HOSTSTATE": "UP", "NAGIOS_HOSTOUTPUT": "PING OK", "NAGIOS_SERVICEDESC": "HTTP", "NAGIOS_SERVICEDISPLAYNAME": "Web",
            "NAGIOS_SERVICESTATE": "CRITICAL", "NAGIOS_SERVICEOUTPUT": "Connection refused | time=0",
            "NAGIOS_LONGSERVICEOUTPUT": "line 2", "NAGIOS_CONTACTPAGER": "+4915799912345,+4915799912346",
            "NAGIOS_NOTIFICATIONAUTHOR": "alice", "NAGIOS_NOTIFICATIONCOMMENT": "on it", "NAGIOS_LONGDATETIME": "Tue Nov 25 08:00:00 CET 2026"}


def nagios_host(notification_type: str = "PROBLEM") -> dict:
    env = {name: value for name, value in nagios_service(notification_type).items() if "SERVICE" not in name}
    env.update({"NAGIOS_HOSTSTATE": "DOWN", "NAGIOS_HOSTOUTPUT": "PING CRITICAL - Packet loss = 100%", "NAGIOS_LONGHOSTOUTPUT": "more"})
    return env


def checkmk(what: str = "SERVICE", notification_type: str = "PROBLEM") -> dict:
    env = {"NOTIFY_WHAT": what, "NOTIFY_NOTIFICATIONTYPE": notification_type, "NOTIFY_HOSTNAME": "db1", "NOTIFY_HOSTALIAS": "Database",
           "NOTIFY_HOSTSTATE": "DOWN", "NOTIFY_HOSTOUTPUT": "Host unreachable", "NOTIFY_CONTACTPAGER": "+4915799912345",
           "NOTIFY_NOTIFICATIONAUTHOR": "bob", "NOTIFY_NOTIFICATIONCOMMENT": "maintenance"}
    if what == "SERVICE":
        env.update({"NOTIFY_SERVICEDESC": "MySQL", "NOTIFY_SERVICESTATE": "WARNING", "NOTIFY_SERVICEOUTPUT": "slow queries"})
    return env


@pytest.mark.parametrize("notification_type", NOTIFICATION_TYPES)
def test_nagios_service_alert_of_every_type(notification_type: str) -> None:
    alert = alerts.from_environment(nagios_service(notification_type))
    assert alert is not None
    assert (alert.notification_type, alert.host, alert.service, alert.state) == (notification_type, "web01", "HTTP", "CRITICAL")
    assert alert.output == "Connection refused | time=0"  # environment macros keep what follows '|'
    assert alert.long_output == "line 2"
    assert alert.recipients == ("+4915799912345", "+4915799912346")
    assert (alert.author, alert.comment, alert.host_display, alert.service_display) == ("alice", "on it", "Web 01", "Web")
    assert alert.source == alerts.NAGIOS and alert.subject == "web01/HTTP"


@pytest.mark.parametrize("notification_type", NOTIFICATION_TYPES)
def test_nagios_host_alert_of_every_type(notification_type: str) -> None:
    alert = alerts.from_environment(nagios_host(notification_type))
    assert alert is not None and not alert.is_service
    assert (alert.notification_type, alert.subject, alert.state) == (notification_type, "web01", "DOWN")
    assert alert.output == "PING CRITICAL - Packet loss = 100%" and alert.long_output == "more"


def test_nagios_host_alert_ignores_leftover_service_state() -> None:
    env = nagios_host()
    env.update({"NAGIOS_SERVICEDESC": "", "NAGIOS_SERVICESTATE": "OK"})
    alert = alerts.from_environment(env)
    assert alert is not None and alert.state == "DOWN" and alert.service == ""


@pytest.mark.parametrize("notification_type", NOTIFICATION_TYPES)
def test_icinga_service_options_of_every_type(notification_type: str) -> None:
    options = parser().parse_args(["-t", notification_type, "-l", "web01", "-n", "Web 01", "-e", "http", "-u", "HTTP check",
                                   "-s", "CRITICAL", "-o", "refused", "-r", "+4915799912345, 015799912346", "-d", "2026-11-25 08:00:00",
                                   "-b", "carol", "-c", "looking", "-4", "192.0.2.1", "-6", "::1", "-f", "icinga@example.org",
                                   "-i", "https://icingaweb", "-v", "true"])
    alert = alert_from(options, {})
    assert alert is not None
    assert (alert.notification_type, alert.host, alert.service, alert.state, alert.output) == (notification_type, "web01", "http", "CRITICAL", "refused")
    assert (alert.host_display, alert.service_display, alert.author, alert.comment) == ("Web 01", "HTTP check", "carol", "looking")
    assert alert.recipients == ("+4915799912345", "015799912346") and alert.source == alerts.ICINGA2


def test_icinga_host_options() -> None:
    alert = alert_from(parser().parse_args(["-t", "problem", "-l", "db1", "-s", "Down", "-o", "unreachable", "-r", "+4915799912345"]), {})
    assert alert is not None and not alert.is_service
    assert (alert.notification_type, alert.state) == ("PROBLEM", "DOWN")  # upper-cased whatever the engine's spelling


def test_icinga_options_win_over_an_inherited_nagios_environment() -> None:
    alert = alert_from(parser().parse_args(["-t", "RECOVERY", "-l", "db1", "-s", "UP"]), nagios_service())
    assert alert is not None and alert.source == alerts.ICINGA2 and alert.host == "db1"


@pytest.mark.parametrize("notification_type", NOTIFICATION_TYPES)
def test_checkmk_service_alert_of_every_type(notification_type: str) -> None:
    alert = alerts.from_environment(checkmk("SERVICE", notification_type))
    assert alert is not None
    assert (alert.notification_type, alert.subject, alert.state, alert.output) == (notification_type, "db1/MySQL", "WARNING", "slow queries")
    assert (alert.author, alert.comment, alert.source) == ("bob", "maintenance", alerts.CHECKMK)


def test_checkmk_host_alert() -> None:
    alert = alerts.from_environment(checkmk("HOST"))
    assert alert is not None and (alert.subject, alert.state, alert.output) == ("db1", "DOWN", "Host unreachable")


def test_checkmk_parameters_that_are_numbers_add_recipients() -> None:
    env = checkmk()
    env.update({"NOTIFY_PARAMETER_2": "+49 157 9991 2347", "NOTIFY_PARAMETER_1": "+4915799912346", "NOTIFY_PARAMETER_3": "verbose"})
    alert = alerts.from_environment(env)
    assert alert is not None and alert.recipients == ("+4915799912345", "+4915799912346", "+49 157 9991 2347")


def test_checkmk_context_wins_over_nagios_macros_set_below_it() -> None:
    env = dict(nagios_service(), **checkmk())
    alert = alerts.from_environment(env)
    assert alert is not None and alert.source == alerts.CHECKMK


@pytest.mark.parametrize("env, missing", [
    ({"NAGIOS_HOSTNAME": "web01", "NAGIOS_HOSTSTATE": "DOWN"}, "notification type"),
    ({"NAGIOS_NOTIFICATIONTYPE": "PROBLEM", "NAGIOS_HOSTSTATE": "DOWN"}, "host name"),
    ({"NOTIFY_WHAT": "BOGUS"}, "NOTIFY_WHAT"),
])
def test_incomplete_input_is_refused_with_the_reason(env: dict, missing: str) -> None:
    with pytest.raises(alerts.AlertError, match=missing):
        alerts.from_environment(env)


def test_no_alert_in_an_unrelated_environment() -> None:
    assert alerts.from_environment({"PATH": "/usr/bin"}) is None


def test_repeated_recipients_are_listed_once() -> None:
    assert alerts.split_recipients("+491, +492;+491", "+493") == ("+491", "+492", "+493")


STOCK_SERVICE_ARGV = ["-4", "192.0.2.1", "-6", "2001:db8::1", "-b", "carol", "-c", "looking", "-d", "2026-11-25 08:00:00 +0100",
                      "-e", "http", "-f", "icinga@example.org", "-i", "https://icingaweb.example.org", "-l", "web01", "-n", "Web 01",
                      "-o", "refused", "-r", "+4915799912345", "-s", "CRITICAL", "-t", "PROBLEM", "-u", "HTTP check", "-v", "true",
                      "-X", "rack 4; call Bob", "-x", "see wiki 'HTTP'"]


def test_every_letter_of_the_stock_mail_scripts_is_accepted() -> None:
    options, unknown = parser().parse_known_args(STOCK_SERVICE_ARGV)
    assert unknown == []
    alert = alert_from(options, {})
    assert alert is not None and alert.warnings == ()
    assert (alert.host, alert.service, alert.output, alert.recipients) == ("web01", "http", "refused", ("+4915799912345",))


def test_an_unknown_option_and_its_value_are_skipped_with_a_warning() -> None:
    options, unknown = parser().parse_known_args(["-t", "PROBLEM", "-Z", "-nodata", "--mobile", "+49", "-l", "web01", "-s", "DOWN"])
    assert (options.icinga_t, options.icinga_l, options.icinga_s, options.icinga_n) == ("PROBLEM", "web01", "DOWN", None)
    assert unknown == [["-Z", "-nodata"], ["--mobile", "+49"]]
    warnings = ignored_arguments(unknown)
    assert warnings == ["unknown option -Z ignored with the value after it", "unknown option --mobile ignored with the value after it"]
    alert = alert_from(options, {}, warnings)
    assert alert is not None and alert.summary()["warnings"] == warnings


@pytest.mark.parametrize("read", [quick_options, lambda argv: parser().parse_known_args(argv)[0]])
def test_every_pager_of_a_repeated_r_is_texted(read) -> None:  # type: ignore[no-untyped-def]
    options = read(["-t", "PROBLEM", "-r", "+4915799912345", "-l", "web01", "-s", "DOWN", "-r", "0157 99912346", "-r", ""])
    alert = alert_from(options, {})
    assert alert is not None and alert.recipients == ("+4915799912345", "0157 99912346")


def test_an_unknown_option_right_before_one_of_ours_takes_no_value() -> None:
    options, unknown = parser().parse_known_args(["-Z", "-t", "PROBLEM", "-l", "web01", "-s", "DOWN", "--quiet"])
    assert (options.icinga_t, unknown) == ("PROBLEM", [["-Z"], ["--quiet"]])


@pytest.mark.parametrize("output", ["-1", "--", "-nodata", "-x", "--config", ""])
def test_a_value_that_looks_like_an_option_is_the_value(output: str) -> None:
    # Icinga 2 passes "-o" and the plugin output as two arguments, like the stock mail-*-notification.sh
    # (whose getopts takes any next word). Plugin output such as "-nodata" or "--" must not turn into a usage error.
    options, unknown = parser().parse_known_args(["-t", "PROBLEM", "-l", "web01", "-s", "UNKNOWN", "-o", output, "-x", output,
                                                  "-r", "+4915799912345"])
    assert (options.icinga_o, options.ignored_x, unknown) == (output, output, [])
    alert = alert_from(options, {})
    assert alert is not None and alert.output == output


def test_an_e_mail_address_as_recipient_is_dropped_with_a_warning() -> None:
    options = parser().parse_args(["-t", "PROBLEM", "-l", "web01", "-s", "DOWN", "-r", "oncall@example.org, +4915799912345"])
    alert = alert_from(options, {})
    assert alert is not None and alert.recipients == ("+4915799912345",)
    assert alert.warnings and "e-mail address" in alert.warnings[0] and "$user.pager$" in alert.warnings[0]


def test_display_names_make_the_subject_and_names_stay_the_identity() -> None:
    options = parser().parse_args(["-t", "PROBLEM", "-l", "web01", "-n", "Web 01", "-e", "http", "-u", "HTTP check", "-s", "CRITICAL"])
    alert = alert_from(options, {})
    assert alert is not None and (alert.display_subject, alert.subject) == ("Web 01/HTTP check", "web01/http")
    assert alert.summary()["host"] == "web01" and alert.summary()["service"] == "http"


def test_checkmk_host_alias_is_no_display_name() -> None:
    alert = alerts.from_environment(checkmk("HOST"))
    assert alert is not None and alert.display_subject == "db1"


def test_nagios_arguments_are_completed_by_environment_macros_of_the_same_alert() -> None:
    # What Nagios puts on the command line has its quotes stripped; the environment still has them.
    stripped = ["-t", "PROBLEM", "-l", "web01", "-e", "HTTP", "-s", "CRITICAL", "-o", "Connection refused  time=0", "-r", "+4915799912345"]
    alert = alert_from(parser().parse_args(stripped), nagios_service())
    assert alert is not None and alert.source == alerts.NAGIOS
    assert (alert.output, alert.host_display, alert.comment) == ("Connection refused | time=0", "Web 01", "on it")
    assert alert.recipients == ("+4915799912345",)


def test_environment_macros_of_another_alert_are_not_mixed_in() -> None:
    alert = alert_from(parser().parse_args(["-t", "PROBLEM", "-l", "db1", "-s", "DOWN", "-o", "unreachable"]), nagios_host())
    assert alert is not None and alert.source == alerts.ICINGA2 and alert.output == "unreachable"


# Arbitrary engine input.

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
        # Nagios macros about the very same alert complete the options, and then name the source.
        assert alert is not None and alert.source in (alerts.ICINGA2, alerts.NAGIOS)
        assert alert.host == values["l"].strip()
        if alert.source == alerts.NAGIOS:
            described = alerts.from_nagios_environment(env)
            assert (described.notification_type, described.host, described.service) == (alert.notification_type, alert.host, alert.service)
    check_alert(alert, max_segments)


# The engine's usual arguments are read without argparse: exactly as argparse reads them.
option_words = st.sampled_from(["-t", "-l", "-n", "-e", "-u", "-s", "-o", "-r", "-d", "-b", "-c", "-4", "-6", "-f", "-i", "-v", "-X", "-x",
                                "--config", "--config=x.ini", "--flush", "--dry-run", "--bulk", "--serve", "--serve=:9", "-Z", "--mobile",
                                "--", "-", "-1", "-tPROBLEM", "-oCRITICAL - down", "-rx@y", "--help", "-h"])


# Mostly options with a value each, as engines pass them; any words in any order too.
paired = st.lists(st.tuples(st.sampled_from(["-t", "-l", "-e", "-s", "-o", "-r", "-x", "--config", "--config=a.ini", "-tRECOVERY", "--flush"]),
                            st.one_of(wild, option_words)), max_size=7).map(lambda pairs: [word for pair in pairs for word in pair])
argument_lists = st.one_of(paired, st.lists(st.one_of(option_words, wild), max_size=14))


@FUZZ
@given(argv=argument_lists)
def test_an_alert_read_without_argparse_is_read_as_argparse_reads_it(argv: list) -> None:
    quick = quick_options(argv)
    if quick is None:
        return  # left to argparse: --help, an unknown option or word, --dry-run, --bulk, --serve
    options, unknown = parser().parse_known_args(argv)
    assert unknown == [] and vars(quick) == vars(options)


def test_the_engines_usual_arguments_are_read_without_argparse_and_anything_else_is_not() -> None:
    assert quick_options(STOCK_SERVICE_ARGV) is not None
    assert quick_options(["--config", "/etc/sipgate-sms/notify.ini", "-t", "PROBLEM", "-l", "web01", "-s", "DOWN"]) is not None
    assert quick_options(["--flush"]) is not None
    for rarer in (["--help"], ["-h"], ["--dry-run", "-t", "PROBLEM"], ["--bulk"], ["--serve"], ["-Z", "1", "-t", "PROBLEM"], ["word"]):
        assert quick_options(rarer) is None
