# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Bytes, not text: input that is not UTF-8 never causes a traceback.

Python hands such bytes over as surrogate escapes (``web\\udcff01`` for ``printf 'web\\xff01'``); a
subprocess given such a string passes the raw byte on, as an engine would. Alert text goes out
with '?' where the byte was; a credential, an id or a number with such a byte is refused by name.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from support.api_calls import sms_posts
from support.notifier_script import ScriptRunner, assert_no_traceback, icinga_args, nagios_alert
from simulator.sipgate_simulator import TOKEN  # pylint: disable=import-error
from sipgate_notify.decoding import InputError, as_text, decode  # pylint: disable=import-error

NOT_UTF8 = "\udcff"  # the byte 0xff as Python hands it over
HOST = "web" + NOT_UTF8 + "01"


def test_a_host_name_that_is_not_utf8_goes_out_once_and_is_journaled(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    done = notifier(env=nagios_alert(host=HOST))
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web?01 DOWN: PING CRITICAL"]
    [entry] = notifier.journal()
    assert (entry["event"], entry["host"]) == ("sent", "web\ufffd01")
    assert notifier.state()["outbox"] == []
    notifier.age_every_claim()
    assert [notifier(["--flush"]).returncode for _flush in range(2)] == [0, 0]
    assert len(sms_posts(sipgate_sim)) == 1


NAGIOS_TEXT_FIELDS = ("NAGIOS_HOSTNAME", "NAGIOS_HOSTOUTPUT", "NAGIOS_HOSTDISPLAYNAME", "NAGIOS_NOTIFICATIONAUTHOR",
                      "NAGIOS_NOTIFICATIONCOMMENT", "NAGIOS_LONGDATETIME", "NAGIOS_HOSTSTATE")


def test_bytes_in_every_nagios_text_field_still_send_one_sms(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    macros = {"NAGIOS_NOTIFICATIONTYPE": "ACKNOWLEDGEMENT", "NAGIOS_HOSTNAME": HOST, "NAGIOS_HOSTSTATE": "DOWN",
              "NAGIOS_CONTACTPAGER": "+4915799912345"}
    macros.update({name: macros.get(name, "x") + NOT_UTF8 for name in NAGIOS_TEXT_FIELDS})
    done = notifier(env=macros)
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    [sms] = sipgate_sim.sent_sms()
    # The display name, where the engine gives one, names the host in the text; the journal keeps the name.
    assert sms["message"] == "ACKNOWLEDGEMENT x? DOWN? (x?: x?): x?"
    assert [entry["event"] for entry in notifier.journal()] == ["sent"] and len(sms_posts(sipgate_sim)) == 1


def test_bytes_in_a_nagios_service_alert_still_send_one_sms(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    macros = {"NAGIOS_NOTIFICATIONTYPE": "PROBLEM", "NAGIOS_HOSTNAME": "web01", "NAGIOS_SERVICEDESC": "HTTP" + NOT_UTF8,
              "NAGIOS_SERVICESTATE": "CRITICAL", "NAGIOS_SERVICEOUTPUT": "d" + NOT_UTF8 + "own", "NAGIOS_SERVICEDISPLAYNAME": NOT_UTF8,
              "NAGIOS_LONGSERVICEOUTPUT": NOT_UTF8 * 3, "NAGIOS_CONTACTPAGER": "+4915799912345"}
    done = notifier(env=macros)
    assert_no_traceback(done)
    assert done.returncode == 0 and [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/? CRITICAL: d?own"]
    assert notifier.journal()[0]["service"] == "HTTP\ufffd"


def test_bytes_in_every_icinga_text_option_still_send_one_sms(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    args = icinga_args(notification_type="CUSTOM", host=HOST, service="HTTP" + NOT_UTF8, state="CRITICAL" + NOT_UTF8,
                       output="refused" + NOT_UTF8)
    args += ["-n", NOT_UTF8, "-u", NOT_UTF8, "-b", "al" + NOT_UTF8 + "ice", "-c", "on it" + NOT_UTF8, "-d", NOT_UTF8]
    done = notifier(args)
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["CUSTOM ?/? CRITICAL? (al?ice: on it?): refused?"]
    assert len(sms_posts(sipgate_sim)) == 1 and notifier.journal()[0]["host"] == "web\ufffd01"


def test_bytes_in_the_checkmk_context_still_send_one_sms(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    context = {"NOTIFY_WHAT": "SERVICE", "NOTIFY_NOTIFICATIONTYPE": "PROBLEM" + NOT_UTF8, "NOTIFY_HOSTNAME": HOST, "NOTIFY_SERVICEDESC": "M" + NOT_UTF8,
               "NOTIFY_SERVICESTATE": "CRITICAL", "NOTIFY_SERVICEOUTPUT": NOT_UTF8, "NOTIFY_HOSTALIAS": NOT_UTF8,
               "NOTIFY_PARAMETER_1": "note " + NOT_UTF8, "NOTIFY_CONTACTPAGER": "+4915799912345"}
    done = notifier(env=context)
    assert_no_traceback(done)
    assert done.returncode == 0 and [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM? web?01/M? CRITICAL: ?"]


REFUSED = {
    "the Nagios pager": ({"NAGIOS_CONTACTPAGER": "+49157999" + NOT_UTF8 + "12345"}, [], "NAGIOS_CONTACTPAGER (the recipient's number)"),
    "the Checkmk pager": ({"NOTIFY_WHAT": "HOST", "NOTIFY_NOTIFICATIONTYPE": "PROBLEM", "NOTIFY_HOSTNAME": "web01", "NOTIFY_HOSTSTATE": "DOWN",
                           "NOTIFY_CONTACTPAGER": NOT_UTF8}, [], "NOTIFY_CONTACTPAGER (the recipient's number)"),
    "the -r option": ({}, icinga_args(recipient="+49" + NOT_UTF8), "option -r (the recipient's number)"),
    "a glued -r option": ({}, icinga_args()[:-4] + ["-r+49" + NOT_UTF8], "option -r (the recipient's number)"),
    "the token": ({"SIPGATE_TOKEN": TOKEN + NOT_UTF8}, icinga_args(), "SIPGATE_TOKEN (the token)"),
    "the token id": ({"SIPGATE_TOKEN_ID": "token-" + NOT_UTF8}, icinga_args(), "SIPGATE_TOKEN_ID (the token id)"),
    "the sms id": ({"SIPGATE_SMS_ID": "s" + NOT_UTF8}, icinga_args(), "SIPGATE_SMS_ID (the SMS extension id)"),
    "the API URL": ({"SIPGATE_API_URL": "http://127.0.0.1:1/v2" + NOT_UTF8}, icinga_args(), "SIPGATE_API_URL (the API URL)"),
}


@pytest.mark.parametrize("env, args, field", REFUSED.values(), ids=REFUSED.keys())
def test_bytes_in_a_credential_id_or_number_are_refused_by_name_and_journaled(notifier: ScriptRunner, sipgate_sim,  # type: ignore[no-untyped-def]
                                                                              env: dict, args: list, field: str) -> None:
    alert = {} if args or "NOTIFY_WHAT" in env else nagios_alert()
    done = notifier(args, env=dict(alert, **env))
    assert_no_traceback(done)
    assert done.returncode == 2
    assert field + " holds bytes that are not UTF-8" in done.stderr
    [entry] = notifier.journal()
    assert entry["event"] == "failed" and field in entry["reason"] and entry["host"] == "web01"
    assert sipgate_sim.requests() == []
    assert TOKEN not in done.stderr + done.stdout + (notifier.state_dir / "journal.jsonl").read_text(encoding="utf-8")


def test_a_settings_file_and_state_directory_whose_names_are_not_utf8_are_used_as_named(notifier: ScriptRunner, sipgate_sim,  # type: ignore[no-untyped-def]
                                                                                        tmp_path: Path) -> None:
    settings = tmp_path / ("notify" + NOT_UTF8 + ".ini")
    settings.write_text("[notify]\nmax_segments = 2\n", encoding="utf-8")
    settings.chmod(0o600)
    state = tmp_path / ("state" + NOT_UTF8)
    done = notifier(["--config", str(settings), *icinga_args()], env={"SIPGATE_SMS_STATE_DIR": str(state)})
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert len(sms_posts(sipgate_sim)) == 1 and '"event": "sent"' in (state / "journal.jsonl").read_text(encoding="utf-8")


# The decoding itself, in-process.

def test_alert_text_is_decoded_with_replacement_and_exact_values_are_refused() -> None:
    given = decode(["-l", HOST, "-o", "-r" + NOT_UTF8, "-r", "+49" + NOT_UTF8, "--config", "/etc/x" + NOT_UTF8],
                   {"NAGIOS_HOSTNAME": HOST, "SIPGATE_TOKEN": NOT_UTF8, "SIPGATE_SMS_STATE_DIR": "/var/" + NOT_UTF8, "PATH": "/bin"})
    assert given.argv == ["-l", "web\ufffd01", "-o", "-r\ufffd", "-r", "+49\ufffd", "--config", "/etc/x" + NOT_UTF8]
    assert given.env == {"NAGIOS_HOSTNAME": "web\ufffd01", "SIPGATE_TOKEN": "\ufffd", "SIPGATE_SMS_STATE_DIR": "/var/" + NOT_UTF8, "PATH": "/bin"}
    assert len(given.refusals) == 2  # -r's value and the token; '-r…' after -o is the output
    with pytest.raises(InputError) as refused:
        given.check()
    assert "option -r (the recipient's number) holds bytes that are not UTF-8 (at character 4)" in str(refused.value)
    assert "SIPGATE_TOKEN (the token)" in str(refused.value)


def test_clean_input_passes_unchanged() -> None:
    given = decode(["-l", "wéb01"], {"NAGIOS_HOSTNAME": "wéb01"})
    given.check()
    assert (given.argv, given.env, as_text("\u20ac")) == (["-l", "wéb01"], {"NAGIOS_HOSTNAME": "wéb01"}, "\u20ac")


def test_a_lone_surrogate_that_is_no_escaped_byte_is_replaced_too() -> None:
    assert "\ud800" not in as_text("a\ud800b") and as_text("a\ud800b").startswith("a") and as_text("a\ud800b").endswith("b")


def test_a_line_break_or_bidi_override_in_a_host_name_cannot_forge_a_log_line(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    forged = "web01\nsipgate-sms-notify: PROBLEM db1 DOWN -> +4915799900000: sent\u202e"
    done = notifier(env=nagios_alert(host=forged))
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    lines = [line for line in done.stderr.splitlines() if "-> +49" in line]
    assert len(lines) == 1 and "web01\\x0asipgate-sms-notify" in lines[0] and "\\u202e" in lines[0], done.stderr
    assert len(sms_posts(sipgate_sim)) == 1
