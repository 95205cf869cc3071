# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role applied to this machine for Nagios 4 (Debian's /etc/nagios4), then Nagios run for real."""

from __future__ import annotations

import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from debian_engines import (NAGIOS_MAIN_CONFIG, NAGIOS_OBJECTS, NAGIOS_TEST_OBJECTS, NAGIOS_TEST_SETTINGS, TEST_HOST,
                            TEST_SERVICE, NagiosOnDebian, passive_result, set_main_config_options, validate)
from engines.waiting import wait_until
from notifier_role_runs import (CONFIG_FILE, CRON_FILE, PAGER, ROLE_PATHS, STATE_DIR, SYSTEMD_UNITS, apply_role,
                                assert_a_second_run_changes_nothing, files_holding,
                                remove_role_paths, role_vars, sms_to)
from simulator.sipgate_simulator import TOKEN
from support.ansible_runner import PlaybookRun
from system_snapshot import SystemSnapshot

pytestmark = pytest.mark.e2e

ROLE_OBJECTS = Path("/etc/nagios4/conf.d/sipgate-sms.cfg")
NAGIOS_VALIDATE = ["nagios4", "-v", str(NAGIOS_MAIN_CONFIG)]


@dataclass
class Deployed:
    workdir: Path
    api_url: str
    reload_marker: Path
    changed_by_check_mode: list
    check_run: PlaybookRun
    first_run: PlaybookRun
    main_config_before: bytes

    def variables(self, **extra: object) -> dict:
        return role_vars("nagios4", self.api_url, self.reload_marker, **extra)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, sipgate_simulator_server, role_paths_restored) -> Iterator[Deployed]:
    """A fresh machine, a check-mode run, then the real run; /etc/nagios4 put back afterwards."""
    assert role_paths_restored  # the role's own paths come back after the session
    workdir = tmp_path_factory.mktemp("role-nagios4")
    snapshot = SystemSnapshot([Path("/etc/nagios4")])
    try:
        remove_role_paths()
        ROLE_OBJECTS.unlink(missing_ok=True)
        set_main_config_options(NAGIOS_MAIN_CONFIG, {**NAGIOS_TEST_SETTINGS, "enable_environment_macros": "0"})
        NAGIOS_TEST_OBJECTS.write_text(NAGIOS_OBJECTS.format(pager=PAGER, host=TEST_HOST, service=TEST_SERVICE), encoding="utf-8")
        marker = workdir / "reloaded"
        fresh = SystemSnapshot([Path("/etc/nagios4"), *ROLE_PATHS])
        main_config_before = NAGIOS_MAIN_CONFIG.read_bytes()
        variables = role_vars("nagios4", sipgate_simulator_server.url, marker)
        check_run = apply_role(workdir, variables, options=["--check", "--diff"])
        changed_by_check_mode = fresh.changed_paths()
        first_run = apply_role(workdir, variables)
        yield Deployed(workdir, sipgate_simulator_server.url, marker, changed_by_check_mode, check_run, first_run, main_config_before)
    finally:
        snapshot.restore()


def test_check_mode_on_a_fresh_machine_succeeds_and_changes_nothing(deployed: Deployed) -> None:
    assert deployed.check_run.rc == 0, deployed.check_run.output
    assert deployed.check_run.recap()["changed"] > 0, "check mode must say what a real run would change"
    assert TOKEN not in deployed.check_run.output
    assert deployed.changed_by_check_mode == []


def test_first_run_installs_validates_and_reloads(deployed: Deployed) -> None:
    run = deployed.first_run
    assert run.rc == 0, run.output
    assert TOKEN not in run.output
    assert deployed.reload_marker.exists(), "the validated change must reload Nagios"
    result = validate(NAGIOS_VALIDATE)
    assert result.returncode == 0, result.stdout
    # The commands pass macros as arguments: the admin's enable_environment_macros=0 stays, nagios.cfg is untouched.
    assert NAGIOS_MAIN_CONFIG.read_bytes() == deployed.main_config_before
    assert "enable_environment_macros=0" in NAGIOS_MAIN_CONFIG.read_text(encoding="utf-8").splitlines()
    objects = ROLE_OBJECTS.read_text(encoding="utf-8")
    assert "command_name    notify-service-by-sipgate-sms" in objects and "-o '$SERVICEOUTPUT$'" in objects
    assert not [path for path in ROLE_OBJECTS.parent.iterdir() if path.name.endswith("~")], "backups must not be left behind"
    assert "--flush" in CRON_FILE.read_text(encoding="utf-8")


def test_credentials_are_readable_only_by_the_engine_user(deployed: Deployed) -> None:
    info = CONFIG_FILE.stat()
    assert stat.S_IMODE(info.st_mode) == 0o600
    assert (CONFIG_FILE.owner(), STATE_DIR.owner()) == ("nagios", "nagios")
    text = CONFIG_FILE.read_text(encoding="utf-8")
    assert "token = {0}".format(TOKEN) in text and "api_url = {0}".format(deployed.api_url) in text


def test_the_token_is_only_in_the_settings_file(deployed: Deployed) -> None:
    assert files_holding(TOKEN, [Path("/etc/nagios4"), *ROLE_PATHS, *SYSTEMD_UNITS]) == [CONFIG_FILE]


def test_nagios_without_environment_macros_texts_problem_and_recovery(deployed: Deployed, sipgate_sim) -> None:
    nagios = NagiosOnDebian(deployed.workdir).start()
    try:
        passive_result(nagios.command_pipe, 2, "-1 HTTP CRITICAL - 'shop' \"down\" $5 & more <503> | time=0.1s")
        problems = wait_until(lambda: sms_to(sipgate_sim.sent_sms(), TEST_HOST, "PROBLEM"), 20, "the PROBLEM SMS",
                              details=nagios.output)
        # Debian's illegal_macro_output_chars are gone from the output, the rest arrives.
        assert problems == ["PROBLEM {0}/{1} CRITICAL: -1 HTTP CRITICAL - shop down 5 more 503".format(TEST_HOST, TEST_SERVICE)]
        passive_result(nagios.command_pipe, 0, "HTTP OK")
        wait_until(lambda: sms_to(sipgate_sim.sent_sms(), TEST_HOST, "RECOVERY"), 20, "the RECOVERY SMS", details=nagios.output)
    finally:
        nagios.stop()
    assert not nagios.daemon.remaining()


def test_second_run_changes_nothing(deployed: Deployed) -> None:
    assert_a_second_run_changes_nothing(deployed.workdir, deployed.variables(), deployed.reload_marker)


def test_a_nagios_that_keeps_quotes_in_plugin_output_is_refused_before_any_change(deployed: Deployed) -> None:
    before = ROLE_OBJECTS.read_bytes()
    set_main_config_options(NAGIOS_MAIN_CONFIG, {"illegal_macro_output_chars": "`~$&|\"<>"})
    deployed.reload_marker.unlink(missing_ok=True)
    try:
        # Another time period would change the role's objects, had the role gone on.
        run = apply_role(deployed.workdir, deployed.variables(notifier_nagios_timeperiod="workhours"))
    finally:
        set_main_config_options(NAGIOS_MAIN_CONFIG, {"illegal_macro_output_chars": "`~$&|'\"<>"})
    assert run.rc != 0, run.output
    assert "illegal_macro_output_chars must contain a single quote" in run.output
    assert ROLE_OBJECTS.read_bytes() == before and not deployed.reload_marker.exists()


def test_rejected_configuration_is_rolled_back_and_nagios_not_reloaded(deployed: Deployed) -> None:
    """An invalid object elsewhere makes nagios4 -v fail: the role's new file goes, nagios.cfg comes back."""
    ROLE_OBJECTS.unlink()
    set_main_config_options(NAGIOS_MAIN_CONFIG, {"enable_environment_macros": "0"})
    before = NAGIOS_MAIN_CONFIG.read_bytes()
    broken = NAGIOS_TEST_OBJECTS.with_name("sipgate-e2e-broken.cfg")
    broken.write_text("define service {\n    host_name  sipgate-e2e-no-such-host\n    service_description  X\n}\n", encoding="utf-8")
    deployed.reload_marker.unlink(missing_ok=True)
    try:
        run = apply_role(deployed.workdir, deployed.variables())
    finally:
        broken.unlink()
    assert run.rc != 0, run.output
    assert "Nagios rejected the configuration" in run.output
    assert not ROLE_OBJECTS.exists(), "the file the role added must be removed again"
    assert NAGIOS_MAIN_CONFIG.read_bytes() == before, "nagios.cfg must be as it was"
    assert not deployed.reload_marker.exists(), "a rejected configuration must not reload Nagios"
    assert not list(Path("/etc/nagios4").rglob("*~"))
