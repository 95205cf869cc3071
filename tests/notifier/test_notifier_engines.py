# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: real Nagios 4 and Icinga 2 daemons run the real script, which texts through the simulator.

The engines get the token from nowhere but the settings file (mode 0600): no secret in their
configuration, their objects or the command's environment.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import List, Tuple

import pytest
from support.notifier_script import SCRIPT
from engines.engine import DEFAULT_PAGER, EngineInstance  # pylint: disable=import-error
from engines.icinga import STOCK_COMMANDS, Icinga2Instance  # pylint: disable=import-error
from engines.nagios import Nagios4Instance  # pylint: disable=import-error
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID  # pylint: disable=import-error
from support.role_templates import render_role_template  # pylint: disable=import-error

from sipgate_notify.message import plain

SMS_WITHIN = 10.0

# Real plugin outputs, as submitted, and what the SMS says of them when Nagios passes $SERVICEOUTPUT$ on
# the command line: Nagios cuts the performance data after '|' (a macro of its own), turns ';' into ':'
# (for any output: ';' separates the fields of its log) and strips its illegal_macro_output_chars
# (`~$&|'"<>); the notifier folds the white space that leaves and makes it GSM-7.
NAGIOS_OUTPUTS: List[Tuple[str, str]] = [
    ("HTTP CRITICAL: HTTP/1.1 503 Service Unavailable - 'shop' \"down\" <html> | time=5.2s;1;2;0 size=512B",
     "HTTP CRITICAL: HTTP/1.1 503 Service Unavailable - shop down html"),
    ("DISK WARNING - free space: /var 912 MB (9% inode=97%); /home 85%", "DISK WARNING - free space: /var 912 MB (9% inode=97%): /home 85%"),
    ("PROCS UNKNOWN: cost $HOME & `id` ~root; echo pwned > /tmp/x * ?", "PROCS UNKNOWN: cost HOME id root: echo pwned /tmp/x * ?"),
    ("-1 bytes free on C:\\ (backslash\\)", "-1 bytes free on C:\\ (backslash\\)"),
    ("Temperatur 85 \u00b0C \u2013 L\u00fcfter ausgefallen, \u00dcberhitzung \u2714",
     "Temperatur 85 \u00b0C \u2013 L\u00fcfter ausgefallen, \u00dcberhitzung \u2714"),
    ("'; touch {canary}; '", ": touch {canary}: "),
]


def settings_file(folder: Path, api_url: str, state_dir: Path, **notify: object) -> Path:
    """The only place with the token, readable by its owner alone, as the role writes it."""
    path = folder / "notify.ini"
    lines = ["[sipgate]", "token_id = " + TOKEN_ID, "token = " + TOKEN, "sms_id = " + SMS_ID, "api_url = " + api_url, "[notify]",
             "state_dir = {0}".format(state_dir), "max_segments = 1"] + ["{0} = {1}".format(key, value) for key, value in notify.items()]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def wait_for_sms(engine: EngineInstance, sipgate_sim, count: int) -> dict:  # type: ignore[no-untyped-def]
    engine.wait_until(lambda: len(sipgate_sim.sent_sms()) >= count, SMS_WITHIN, "SMS #{0} at the simulator".format(count))
    return sipgate_sim.sent_sms()[count - 1]


def assert_token_only_in_settings(*folders: Path) -> None:
    for folder in folders:
        for path in folder.rglob("*"):
            if path.is_file() and path.name != "notify.ini":
                assert TOKEN.encode() not in path.read_bytes(), path


def problem_then_recovery(engine: EngineInstance, sipgate_sim, state_dir: Path, subject: str = "web01/HTTP") -> None:  # type: ignore[no-untyped-def]
    submitted = time.monotonic()
    engine.submit_service_result("web01", "HTTP", "CRITICAL", "HTTP CRITICAL - \u201cconnection refused\u201d | time=5s")
    problem = wait_for_sms(engine, sipgate_sim, 1)
    print("\n{0}: passive CRITICAL to SMS {1:.2f} s".format(engine.name, time.monotonic() - submitted))
    assert problem["recipient"] == DEFAULT_PAGER
    assert problem["message"] == 'PROBLEM {0} CRITICAL: HTTP CRITICAL - "connection refused"'.format(subject)
    engine.submit_service_result("web01", "HTTP", "OK", "HTTP OK - 200")
    recovery = wait_for_sms(engine, sipgate_sim, 2)
    assert recovery["message"] == "RECOVERY {0} OK: HTTP OK - 200".format(subject)
    assert len(sipgate_sim.sent_sms()) == 2

    def journal() -> str:
        return (state_dir / "journal.jsonl").read_text(encoding="utf-8")

    # The run journals the SMS once its outcome is recorded, a moment after sipgate took it.
    engine.wait_until(lambda: journal().count('"event": "sent"') == 2, SMS_WITHIN, "both SMS journaled as sent")
    assert TOKEN not in journal()
    assert "warnings" not in journal()


def role_nagios_objects(command: Path, settings: Path) -> str:
    """The role's Nagios command definitions and contact template, as the role writes them."""
    return render_role_template("nagios4-sipgate-sms.cfg.j2", notifier_command_path=str(command), notifier_config_file=str(settings),
                                notifier_nagios_timeperiod="always")


def script_wrapper(folder: Path) -> Path:
    """The command the role installs: a wrapper that runs the script with this Python."""
    folder.mkdir(parents=True)
    command = folder / "sipgate-sms-notify"
    command.write_text("#!/bin/sh\nexec {0} {1} \"$@\"\n".format(sys.executable, SCRIPT), encoding="utf-8")
    command.chmod(0o755)
    return command


@pytest.mark.e2e
def test_nagios_with_environment_macros_texts_problem_and_recovery(sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state_dir = tmp_path / "state"
    command = "{0} {1} --config {2}".format(sys.executable, SCRIPT, settings_file(tmp_path, sipgate_sim.url, state_dir))
    nagios = Nagios4Instance(tmp_path / "nagios", service_command_line=command)
    nagios.validate()
    with nagios:
        problem_then_recovery(nagios, sipgate_sim, state_dir)
    assert '"source": "nagios"' in (state_dir / "journal.jsonl").read_text(encoding="utf-8")
    assert_token_only_in_settings(tmp_path)


@pytest.mark.e2e
def test_nagios_without_environment_macros_texts_real_plugin_outputs_through_the_roles_commands(
        sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state_dir = tmp_path / "state"
    canary = tmp_path / "pwned"
    settings = settings_file(tmp_path, sipgate_sim.url, state_dir, dedup_window=0, budget=100)
    # A folder name with the characters the object file and the command line must keep literal.
    command = script_wrapper(tmp_path / "bin; $HOME x")
    nagios = Nagios4Instance(tmp_path / "nagios", environment_macros=False, extra_objects=role_nagios_objects(command, settings),
                             contact_commands=("notify-host-by-sipgate-sms", "notify-service-by-sipgate-sms"))
    nagios.validate()
    expected = []
    with nagios:
        for index, (output, shown) in enumerate(NAGIOS_OUTPUTS):
            state, notification_type = ("CRITICAL", "PROBLEM") if index % 2 == 0 else ("OK", "RECOVERY")
            nagios.submit_service_result("web01", "HTTP", state, output.format(canary=canary))
            expected.append("{0} web01/HTTP {1}: {2}".format(notification_type, state, plain(shown.format(canary=canary))).rstrip())
            assert wait_for_sms(nagios, sipgate_sim, index + 1)["message"] == expected[-1]
        nagios.submit_host_result("web01", "DOWN", "PING CRITICAL - Packet loss = 100% | rta=0")
        assert wait_for_sms(nagios, sipgate_sim, len(expected) + 1)["message"] == "PROBLEM web01 DOWN: PING CRITICAL - Packet loss = 100%"
        # Nagios holds service notifications back while the host is down.
        nagios.submit_host_result("web01", "UP", "PING OK")
        assert wait_for_sms(nagios, sipgate_sim, len(expected) + 2)["message"] == "RECOVERY web01 UP: PING OK"
        nagios.submit_service_result("web01", "HTTP", "CRITICAL", "HTTP CRITICAL - 503")
        wait_for_sms(nagios, sipgate_sim, len(expected) + 3)
        nagios.send_command("ACKNOWLEDGE_SVC_PROBLEM", "web01", "HTTP", "1", "1", "0", "alice", "it's \"mine\"; on it")
        ack = wait_for_sms(nagios, sipgate_sim, len(expected) + 4)
    assert ack["message"] == "ACKNOWLEDGEMENT web01/HTTP CRITICAL (alice: its mine; on it): HTTP CRITICAL - 503"
    assert not canary.exists(), "a plugin output ran a command"
    journal = (state_dir / "journal.jsonl").read_text(encoding="utf-8")
    assert journal.count('"event": "sent"') == len(expected) + 4 and "warnings" not in journal
    assert_token_only_in_settings(tmp_path / "nagios")


@pytest.mark.e2e
def test_nagios_with_environment_macros_on_completes_the_roles_arguments(sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state_dir = tmp_path / "state"
    settings = settings_file(tmp_path, sipgate_sim.url, state_dir)
    nagios = Nagios4Instance(tmp_path / "nagios", environment_macros=True,
                             extra_objects=role_nagios_objects(script_wrapper(tmp_path / "bin"), settings),
                             contact_commands=("notify-host-by-sipgate-sms", "notify-service-by-sipgate-sms"))
    nagios.validate()
    with nagios:
        nagios.submit_service_result("web01", "HTTP", "CRITICAL", "HTTP CRITICAL - 'shop' \"down\" $5 & <503> | time=5s")
        problem = wait_for_sms(nagios, sipgate_sim, 1)
    # The output as the plugin wrote it, up to its performance data: the environment keeps what the command line loses.
    assert problem["message"] == "PROBLEM web01/HTTP CRITICAL: HTTP CRITICAL - 'shop' \"down\" $5 & <503>"
    assert '"source": "nagios"' in (state_dir / "journal.jsonl").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_icinga_with_the_roles_arguments_texts_problem_and_recovery(sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state_dir = tmp_path / "state"
    command = [sys.executable, str(SCRIPT), "--config", str(settings_file(tmp_path, sipgate_sim.url, state_dir))]
    icinga = Icinga2Instance(tmp_path / "icinga", service_command=command)
    icinga.validate()
    with icinga:
        problem_then_recovery(icinga, sipgate_sim, state_dir)
    assert '"source": "icinga2"' in (state_dir / "journal.jsonl").read_text(encoding="utf-8")
    assert_token_only_in_settings(tmp_path / "icinga")


@pytest.mark.e2e
def test_icinga_with_the_stock_commands_pointed_at_the_script_texts_problem_and_recovery(
        sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """commands.conf's mail commands, every letter (-4 -6 -b -c -d -e -i -l -n -o -r -s -t -u -v -X -x), only `command` changed.

    The stock commands pass the user's e-mail address as -r; the Notification's vars point it at the pager.
    """
    state_dir = tmp_path / "state"
    command = [sys.executable, str(SCRIPT), "--config", str(settings_file(tmp_path, sipgate_sim.url, state_dir))]
    icinga = Icinga2Instance(
        tmp_path / "icinga", service_command=command, arguments=STOCK_COMMANDS,
        notification_vars={"notification_useremail": "$user.pager$", "notification_logtosyslog": "true",
                           "notification_icingaweb2url": "https://icingaweb.example.org/icingaweb2",
                           "notification_from": "Icinga <icinga@example.org>"},
        names={"host_display": "Web shop", "service_display": "Checkout", "host_notes": "-rack 4; ask 'Bob'",
               "service_notes": "see $wiki \"HTTP\""})
    icinga.validate()
    with icinga:
        problem_then_recovery(icinga, sipgate_sim, state_dir, subject="Web shop/Checkout")
        icinga.submit_host_result("web01", "DOWN", "-1 packets received")
        assert wait_for_sms(icinga, sipgate_sim, 3)["message"] == "PROBLEM Web shop DOWN: -1 packets received"
    assert_token_only_in_settings(tmp_path / "icinga")
