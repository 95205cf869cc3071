# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The engine harness against the real daemons: passive results become notifications, as the notifier will see them."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path
from typing import Any, Dict, List

import pytest

from engines.engine import DEFAULT_PAGER, EngineError, EngineInstance
from engines.icinga import STOCK_COMMANDS, Icinga2Instance, dsl_dictionary, dsl_string
from engines.nagios import Nagios4Instance, object_value
from engines.recorder import options, read_records, write_recorder

SECRETS = {
    "SIPGATE_TOKEN_ID": "token-A1B2C3",
    "SIPGATE_TOKEN": "3f2504e0-4f89-11d3-9a0c-0305e82c3301",
}
NOTIFY_ENV = {**SECRETS, "SIPGATE_API_URL": "http://127.0.0.1:9/v2"}
# Characters Nagios strips from output macros on a command line (illegal_macro_output_chars),
# and performance data after '|', which the output macros never carry.
PLUGIN_TEXT = "HTTP CRITICAL - 'web01' <503> & \"down\""
PERFDATA = "time=5.2s;1;2"
NOTIFY_WITHIN = 5.0


def wait_for_record(engine: EngineInstance, records: Path, count: int) -> Dict[str, Any]:
    """The ``count``-th recorded notification, once it is there."""
    found = engine.wait_until(lambda: len(read_records(records)) >= count, NOTIFY_WITHIN, f"notification #{count}")
    assert found
    return read_records(records)[count - 1]


def assert_secrets_only_in_environment(calls: List[Dict[str, Any]]) -> None:
    """Every call saw the secrets in its environment and nowhere on its command line."""
    for call in calls:
        for name, value in SECRETS.items():
            assert call["env"].get(name) == value
            assert not any(value in argument for argument in call["argv"])


def assert_stopped_cleanly(engine: EngineInstance) -> None:
    """Nothing of the daemon runs on, and nothing had to be killed."""
    assert engine.daemon is not None
    assert engine.remaining_processes() == []
    assert engine.daemon.killed_leftovers == []
    assert engine.daemon.popen.returncode == 0


@pytest.mark.e2e
def test_nagios_passive_results_notify_with_environment_macros(tmp_path: Path) -> None:
    records = tmp_path / "calls.jsonl"
    recorder = write_recorder(tmp_path / "record-notification", records)
    nagios = Nagios4Instance(
        tmp_path / "nagios", NOTIFY_ENV,
        # The macro on the command line shows what Nagios strips; the environment keeps all of it.
        service_command_line=f"{recorder} '$SERVICEOUTPUT$'", host_command_line=str(recorder),
    )
    nagios.validate()
    with nagios:
        submitted = time.time()
        nagios.submit_service_result("web01", "HTTP", "CRITICAL", f"{PLUGIN_TEXT} | {PERFDATA}")
        problem = wait_for_record(nagios, records, 1)
        print(f"\nNagios 4: submit to PROBLEM notification {problem['time'] - submitted:.3f} s")
        env = problem["env"]
        assert env["NAGIOS_NOTIFICATIONTYPE"] == "PROBLEM"
        assert (env["NAGIOS_HOSTNAME"], env["NAGIOS_SERVICEDESC"], env["NAGIOS_SERVICESTATE"]) == ("web01", "HTTP", "CRITICAL")
        assert env["NAGIOS_SERVICEOUTPUT"] == PLUGIN_TEXT
        assert env["NAGIOS_SERVICEPERFDATA"] == PERFDATA
        assert env["NAGIOS_CONTACTPAGER"] == DEFAULT_PAGER
        assert problem["argv"] == ["HTTP CRITICAL - web01 503  down"]

        nagios.submit_service_result("web01", "HTTP", "OK", "HTTP OK - 200")
        recovery = wait_for_record(nagios, records, 2)["env"]
        assert (recovery["NAGIOS_NOTIFICATIONTYPE"], recovery["NAGIOS_SERVICESTATE"]) == ("RECOVERY", "OK")
        assert recovery["NAGIOS_SERVICEOUTPUT"] == "HTTP OK - 200"

        nagios.submit_host_result("web01", "DOWN", "PING CRITICAL - 100% loss")
        host_problem = wait_for_record(nagios, records, 3)["env"]
        assert (host_problem["NAGIOS_NOTIFICATIONTYPE"], host_problem["NAGIOS_HOSTSTATE"]) == ("PROBLEM", "DOWN")
        assert host_problem["NAGIOS_HOSTOUTPUT"] == "PING CRITICAL - 100% loss"
        # After a service notification Nagios still sets NAGIOS_SERVICEDESC, empty: empty means a host alert.
        assert host_problem.get("NAGIOS_SERVICEDESC", "") == ""
        assert len(nagios.notifications_logged()) == 3
    assert_secrets_only_in_environment(read_records(records))
    assert_stopped_cleanly(nagios)


@pytest.mark.e2e
def test_icinga_passive_results_notify_with_mail_script_options(tmp_path: Path) -> None:
    records = tmp_path / "calls.jsonl"
    recorder = write_recorder(tmp_path / "record-notification", records)
    icinga = Icinga2Instance(tmp_path / "icinga", NOTIFY_ENV, service_command=[str(recorder), "--service"], host_command=[str(recorder)])
    icinga.validate()
    with icinga:
        submitted = time.time()
        icinga.submit_service_result("web01", "HTTP", "CRITICAL", f"{PLUGIN_TEXT} | {PERFDATA}")
        problem = wait_for_record(icinga, records, 1)
        print(f"\nIcinga 2: submit to PROBLEM notification {problem['time'] - submitted:.3f} s")
        assert problem["argv"][0] == "--service"
        sent = options(problem["argv"][1:])
        assert (sent["-t"], sent["-l"], sent["-e"], sent["-u"], sent["-s"]) == ("PROBLEM", "web01", "HTTP", "HTTP", "CRITICAL")
        # Icinga 2 cuts the performance data but keeps the blank before the '|'.
        assert sent["-o"] == PLUGIN_TEXT + " "
        assert sent["-r"] == DEFAULT_PAGER
        assert sent["-d"].startswith(time.strftime("%Y-"))
        assert problem["env"]["SIPGATE_API_URL"] == NOTIFY_ENV["SIPGATE_API_URL"]

        icinga.submit_service_result("web01", "HTTP", "OK", "HTTP OK - 200")
        recovery = options(wait_for_record(icinga, records, 2)["argv"][1:])
        assert (recovery["-t"], recovery["-s"], recovery["-o"]) == ("RECOVERY", "OK", "HTTP OK - 200")

        icinga.submit_host_result("web01", "DOWN", "PING CRITICAL - 100% loss")
        host_problem = options(wait_for_record(icinga, records, 3)["argv"])
        assert (host_problem["-t"], host_problem["-l"], host_problem["-s"]) == ("PROBLEM", "web01", "DOWN")
        assert "-e" not in host_problem
        assert len(icinga.notifications_logged()) == 3
    assert_secrets_only_in_environment(read_records(records))
    assert_stopped_cleanly(icinga)


@pytest.mark.e2e
def test_helpers_of_a_daemon_killed_hard_are_ended_by_pid(tmp_path: Path) -> None:
    icinga = Icinga2Instance(tmp_path)
    try:
        icinga.start()
        helpers = [pid for pid in icinga.remaining_processes() if pid != icinga.pid]
        assert helpers, "Icinga 2 runs its work in a child of the main process"
        # SIGKILL gives the main process no chance to end its children: stop() must find them.
        os.kill(icinga.pid, signal.SIGKILL)
    finally:
        icinga.stop(helper_grace=0.5)
    assert icinga.remaining_processes() == []
    assert icinga.daemon is not None and set(helpers) <= set(icinga.daemon.killed_leftovers)


@pytest.mark.e2e
def test_a_refused_configuration_fails_with_the_daemons_words(tmp_path: Path) -> None:
    nagios = Nagios4Instance(tmp_path, service_command_line="")
    with pytest.raises(EngineError, match="Error processing object config files"):
        nagios.validate()
    with pytest.raises(EngineError, match="exited during start-up"):
        nagios.start()
    assert nagios.remaining_processes() == []


def test_icinga_config_keeps_secrets_literal() -> None:
    # A '$' in a token would otherwise be read as the start of a macro.
    assert dsl_string('a"b\\c$d') == '"a\\"b\\\\c$$d"'
    assert dsl_string("$host.name$", macros=True) == '"$host.name$"'
    assert dsl_dictionary({"SIPGATE_TOKEN": "x$y"}) == '{\n    "SIPGATE_TOKEN" = "x$$y"\n  }'


def test_nagios_object_values_cannot_end_early() -> None:
    assert object_value("notify --tag a;b") == "notify --tag a\\;b"
    with pytest.raises(ValueError):
        object_value("notify\nhost_name other")


def test_submitting_to_a_daemon_not_started_fails(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="not been started"):
        Nagios4Instance(tmp_path).submit_service_result("web01", "HTTP", 2, "down")


@pytest.mark.e2e
def test_icinga_stock_commands_pass_every_letter_of_the_mail_scripts(tmp_path: Path) -> None:
    records = tmp_path / "calls.jsonl"
    recorder = write_recorder(tmp_path / "record-notification", records)
    icinga = Icinga2Instance(tmp_path / "icinga", service_command=[str(recorder)], arguments=STOCK_COMMANDS,
                             notification_vars={"notification_useremail": "$user.pager$", "notification_logtosyslog": "true",
                                                "notification_icingaweb2url": "https://icingaweb.example.org/icingaweb2"},
                             names={"host_display": "Web 01", "host_notes": "-rack 4", "service_notes": "see 'wiki'; $5"})
    icinga.validate()
    with icinga:
        icinga.submit_service_result("web01", "HTTP", "CRITICAL", "-1 it's \"x\" $HOME")
        call = wait_for_record(icinga, records, 1)
    sent = options(call["argv"])
    # -f is left out: its macro has no value, and it is not required.
    assert set(sent) == {"-4", "-6", "-b", "-c", "-d", "-e", "-i", "-l", "-n", "-o", "-r", "-s", "-t", "-u", "-v", "-X", "-x"}
    assert (sent["-X"], sent["-x"], sent["-n"], sent["-o"]) == ("-rack 4", "see 'wiki'; $5", "Web 01", "-1 it's \"x\" $HOME")
    assert (sent["-r"], sent["-v"], sent["-4"], sent["-6"]) == (DEFAULT_PAGER, "true", "127.0.0.1", "::1")
    assert_stopped_cleanly(icinga)


@pytest.mark.e2e
def test_nagios_without_environment_macros_passes_only_the_command_line(tmp_path: Path) -> None:
    records = tmp_path / "calls.jsonl"
    recorder = write_recorder(tmp_path / "record-notification", records)
    nagios = Nagios4Instance(tmp_path / "nagios", environment_macros=False,
                             service_command_line=f"{recorder} -o '$SERVICEOUTPUT$' -r '$CONTACTPAGER$'")
    nagios.validate()
    with nagios:
        nagios.submit_service_result("web01", "HTTP", "CRITICAL", f"{PLUGIN_TEXT} | {PERFDATA}")
        call = wait_for_record(nagios, records, 1)
    assert call["env"] == {}
    # The output ends before the blank that came before the "|" of the performance data.
    assert call["argv"] == ["-o", "HTTP CRITICAL - web01 503  down", "-r", DEFAULT_PAGER]
    assert_stopped_cleanly(nagios)
