# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role applied to this machine for Icinga 2 (Debian's /etc/icinga2), then Icinga 2 run for real."""

from __future__ import annotations

import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
from debian_engines import ICINGA_TEST_OBJECTS, TEST_HOST, TEST_SERVICE, IcingaOnDebian, passive_result, validate
from engines.waiting import wait_until
from notifier_role_runs import (CONFIG_FILE, PAGER, ROLE_PATHS, SYSTEMD_UNITS, apply_role, assert_a_second_run_changes_nothing,
                                files_holding, role_vars, sms_to)
from simulator.sipgate_simulator import TOKEN
from support.ansible_runner import PlaybookRun
from system_snapshot import SystemSnapshot

pytestmark = pytest.mark.e2e

ROLE_OBJECTS = Path("/etc/icinga2/conf.d/sipgate-sms.conf")
ICINGA_VALIDATE = ["icinga2", "daemon", "-C"]


@dataclass
class Deployed:
    workdir: Path
    api_url: str
    reload_marker: Path
    icinga: IcingaOnDebian
    first_run: PlaybookRun

    def variables(self, **extra: object) -> dict:
        return role_vars("icinga2", self.api_url, self.reload_marker, **extra)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, sipgate_simulator_server, role_paths_restored) -> Iterator[Deployed]:
    """The role's run with a test service whose Notification imports the role's template; /etc/icinga2 put back afterwards."""
    assert role_paths_restored  # the role's own paths come back after the session
    workdir = tmp_path_factory.mktemp("role-icinga2")
    snapshot = SystemSnapshot([Path("/etc/icinga2")])
    try:
        ROLE_OBJECTS.unlink(missing_ok=True)
        icinga = IcingaOnDebian(workdir)
        ICINGA_TEST_OBJECTS.write_text(icinga.test_objects(PAGER), encoding="utf-8")
        marker = workdir / "reloaded"
        first_run = apply_role(workdir, role_vars("icinga2", sipgate_simulator_server.url, marker))
        yield Deployed(workdir, sipgate_simulator_server.url, marker, icinga, first_run)
    finally:
        snapshot.restore()


def test_first_run_validates_and_reloads(deployed: Deployed) -> None:
    run = deployed.first_run
    assert run.rc == 0, run.output
    assert TOKEN not in run.output
    assert deployed.reload_marker.exists(), "the validated change must reload Icinga 2"
    result = validate(ICINGA_VALIDATE)
    assert result.returncode == 0, result.stdout
    text = ROLE_OBJECTS.read_text(encoding="utf-8")
    assert 'object NotificationCommand "sipgate-sms-service-notification"' in text
    assert '"--config", "/etc/sipgate-sms/notify.ini"' in text, "the script reads the token from the settings file"
    assert "env = " not in text and TOKEN not in text
    assert not [path for path in ROLE_OBJECTS.parent.iterdir() if path.name.endswith("~")]


def test_the_token_is_only_in_the_settings_file_and_in_no_icinga_object(deployed: Deployed, tmp_path: Path) -> None:
    assert files_holding(TOKEN, [Path("/etc/icinga2"), Path("/var/cache/icinga2"), *ROLE_PATHS, *SYSTEMD_UNITS]) == [CONFIG_FILE]
    assert stat.S_IMODE(CONFIG_FILE.stat().st_mode) == 0o600
    # What Icinga's REST API would show: every object with every attribute, env included.
    objects_path = "-DConfiguration.ObjectsPath={0}".format(tmp_path / "icinga2.debug")
    validated = subprocess.run(ICINGA_VALIDATE + [objects_path], capture_output=True, text=True, check=False, timeout=120)
    assert validated.returncode == 0, validated.stdout
    listed = subprocess.run(["icinga2", "object", "list", objects_path], capture_output=True, text=True, check=False, timeout=120)
    assert listed.returncode == 0 and "sipgate-sms-service-notification" in listed.stdout, listed.stdout + listed.stderr
    assert TOKEN not in listed.stdout


def test_icinga_texts_problem_and_recovery(deployed: Deployed, sipgate_sim) -> None:
    icinga = deployed.icinga.start()
    try:
        passive_result(icinga.command_pipe, 2, "HTTP CRITICAL - 503 | time=0.1s")
        problems = wait_until(lambda: sms_to(sipgate_sim.sent_sms(), TEST_HOST, "PROBLEM"), 20, "the PROBLEM SMS",
                              details=icinga.output)
        assert "CRITICAL" in problems[0] and TEST_SERVICE in problems[0]
        passive_result(icinga.command_pipe, 0, "HTTP OK")
        wait_until(lambda: sms_to(sipgate_sim.sent_sms(), TEST_HOST, "RECOVERY"), 20, "the RECOVERY SMS", details=icinga.output)
    finally:
        icinga.stop()
    assert not icinga.daemon.remaining()


def test_second_run_changes_nothing(deployed: Deployed) -> None:
    assert_a_second_run_changes_nothing(deployed.workdir, deployed.variables(), deployed.reload_marker)


def test_rejected_configuration_is_restored_and_icinga_not_reloaded(deployed: Deployed) -> None:
    """An apply rule for a user that does not exist: icinga2 daemon -C fails, the previous file comes back."""
    before = ROLE_OBJECTS.read_bytes()
    deployed.reload_marker.unlink(missing_ok=True)
    run = apply_role(deployed.workdir, deployed.variables(notifier_icinga2_apply_users=["sipgate-e2e-nobody"]))
    assert run.rc != 0, run.output
    assert "Icinga 2 rejected the configuration" in run.output
    assert ROLE_OBJECTS.read_bytes() == before, "the previous, valid file must be back"
    assert not deployed.reload_marker.exists(), "a rejected configuration must not reload Icinga 2"
    assert TOKEN not in run.output
    assert not [path for path in ROLE_OBJECTS.parent.iterdir() if path.name.endswith("~")]
