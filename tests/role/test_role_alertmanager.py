# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role applied to this machine for Prometheus Alertmanager (Debian's /etc/prometheus), then the receiver run as its unit says."""

from __future__ import annotations

import json
import pwd
import shlex
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest
import requests
import yaml
from engines.process import DaemonProcess
from engines.waiting import wait_until
from notifier_role_runs import (CONFIG_FILE, PAGER, ROLE_PATHS, STATE_DIR, apply_role, assert_a_second_run_changes_nothing, files_holding,
                                remove_role_paths, role_vars)
from simulator.sipgate_simulator import TOKEN
from support.ansible_runner import PlaybookRun
from system_snapshot import SystemSnapshot

pytestmark = pytest.mark.e2e

ALERTMANAGER_CONFIG = Path("/etc/prometheus/alertmanager.yml")
KEPT_ORIGINAL = Path("/etc/prometheus/alertmanager.yml.before-sipgate-sms")
UNIT = Path("/etc/systemd/system/sipgate-sms-receiver.service")
USER = "sipgate-sms"
RECEIVER = "sipgate-sms"
LISTEN_PORT = 19826
MATCHERS = ['severity="critical"']


@dataclass
class Deployed:
    workdir: Path
    api_url: str
    reload_marker: Path
    first_run: PlaybookRun
    original_config: bytes

    def variables(self, **extra: object) -> dict:
        receiver = {"notifier_alertmanager_config": str(ALERTMANAGER_CONFIG), "notifier_alertmanager_listen": "127.0.0.1:{0}".format(LISTEN_PORT),
                    "notifier_alertmanager_matchers": MATCHERS, "notifier_alertmanager_receivers": {RECEIVER: [PAGER]}}
        return role_vars("alertmanager", self.api_url, self.reload_marker, **dict(receiver, **extra))


def user_exists(name: str) -> bool:
    try:
        pwd.getpwnam(name)
    except KeyError:
        return False
    return True


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory, sipgate_simulator_server, role_paths_restored) -> Iterator[Deployed]:
    """A machine without the role, then the real run; /etc/prometheus, the unit and the user put back afterwards."""
    assert role_paths_restored  # the role's own paths come back after the session
    assert ALERTMANAGER_CONFIG.exists(), "the tests install Debian's prometheus-alertmanager (.ci/system-packages)"
    workdir = tmp_path_factory.mktemp("role-alertmanager")
    snapshot = SystemSnapshot([Path("/etc/prometheus"), UNIT])
    had_user = user_exists(USER)
    try:
        remove_role_paths()
        marker = workdir / "reloaded"
        original = ALERTMANAGER_CONFIG.read_bytes()
        deployed = Deployed(workdir, sipgate_simulator_server.url, marker, PlaybookRun(0, "", "", []), original)
        deployed.first_run = apply_role(workdir, deployed.variables())
        yield deployed
    finally:
        snapshot.restore()
        if not had_user and user_exists(USER):
            subprocess.run(["userdel", USER], check=False)
            subprocess.run(["groupdel", USER], check=False, stderr=subprocess.DEVNULL)


def test_first_run_installs_the_receiver_and_reloads_a_validated_alertmanager(deployed: Deployed) -> None:
    run = deployed.first_run
    assert run.rc == 0, run.output
    assert TOKEN not in run.output
    assert deployed.reload_marker.exists(), "the validated change must reload Alertmanager"
    assert subprocess.run(["amtool", "check-config", str(ALERTMANAGER_CONFIG)], capture_output=True, check=False).returncode == 0
    config = yaml.safe_load(ALERTMANAGER_CONFIG.read_text(encoding="utf-8"))
    receiver, = [entry for entry in config["receivers"] if entry["name"] == RECEIVER]
    assert receiver["webhook_configs"] == [{"url": "http://127.0.0.1:{0}/alertmanager".format(LISTEN_PORT), "send_resolved": True}]
    assert config["route"]["routes"][0] == {"receiver": RECEIVER, "matchers": MATCHERS, "continue": True}
    assert len(config["route"]["routes"]) == 1 + len(yaml.safe_load(deployed.original_config)["route"]["routes"])
    # The rewrite loses the comments; the file as it was stays beside it.
    assert KEPT_ORIGINAL.read_bytes() == deployed.original_config
    assert not [path for path in ALERTMANAGER_CONFIG.parent.iterdir() if path.name.endswith("~")], "backups must not be left behind"


def test_the_unit_is_hardened_and_runs_as_a_user_of_its_own(deployed: Deployed) -> None:
    unit = UNIT.read_text(encoding="utf-8")
    for line in ("User=" + USER, "NoNewPrivileges=yes", "ProtectSystem=strict", "ReadWritePaths=" + str(STATE_DIR), "PrivateTmp=yes",
                 "ProtectHome=yes", "CapabilityBoundingSet=", "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6"):
        assert line in unit.splitlines(), line
    assert "ExecStart=/usr/local/bin/sipgate-sms-notify --serve 127.0.0.1:{0} --config {1}".format(LISTEN_PORT, CONFIG_FILE) in unit
    verified = subprocess.run(["systemd-analyze", "verify", str(UNIT)], capture_output=True, text=True, check=False)
    assert "sipgate-sms-receiver.service" not in verified.stderr, verified.stderr
    account = pwd.getpwnam(USER)
    assert account.pw_shell == "/usr/sbin/nologin"
    assert (CONFIG_FILE.owner(), STATE_DIR.owner(), stat.S_IMODE(CONFIG_FILE.stat().st_mode)) == (USER, USER, 0o600)
    settings = CONFIG_FILE.read_text(encoding="utf-8")
    assert "[receivers]\n{0} = {1}\n".format(RECEIVER, PAGER) in settings and "[serve]\n" in settings


def test_the_token_is_only_in_the_settings_file(deployed: Deployed) -> None:
    assert files_holding(TOKEN, [Path("/etc/prometheus"), UNIT, *ROLE_PATHS]) == [CONFIG_FILE]


def test_the_receiver_as_the_unit_runs_it_texts_a_webhook(deployed: Deployed, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    exec_start = next(line for line in UNIT.read_text(encoding="utf-8").splitlines() if line.startswith("ExecStart="))
    # setpriv execs the command itself, so the TERM of stop() reaches the receiver as systemd would send it.
    argv = ["setpriv", "--reuid", USER, "--regid", USER, "--init-groups", "--", *shlex.split(exec_start[len("ExecStart="):])]
    receiver = DaemonProcess(argv, {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "LANG": "C.UTF-8"}, deployed.workdir / "receiver.log",
                             deployed.workdir)
    base = "http://127.0.0.1:{0}".format(LISTEN_PORT)

    def ready() -> bool:
        assert receiver.is_running(), receiver.output()
        try:
            return requests.get(base + "/healthz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    try:
        wait_until(ready, 20, "the receiver's /healthz", details=receiver.output)
        payload = {"version": "4", "receiver": RECEIVER, "status": "firing", "alerts": [
            {"status": "firing", "labels": {"alertname": "HighLatency", "instance": "web01", "severity": "critical"},
             "annotations": {"summary": "p99 above 1 s"}}]}
        answer = requests.post(base + "/alertmanager", data=json.dumps(payload), timeout=10)
        assert answer.status_code == 200, answer.text
        wait_until(sipgate_sim.sent_sms, 10, "the SMS", details=receiver.output)
        assert [(sms["recipient"], sms["message"]) for sms in sipgate_sim.sent_sms()] == [(PAGER, "FIRING 1 HighLatency web01: p99 above 1 s")]
    finally:
        assert receiver.stop() == 0, receiver.output()
    assert TOKEN not in receiver.output()


def test_second_run_changes_nothing(deployed: Deployed) -> None:
    assert_a_second_run_changes_nothing(deployed.workdir, deployed.variables(), deployed.reload_marker)


def test_a_configuration_amtool_rejects_is_rolled_back(deployed: Deployed) -> None:
    before = ALERTMANAGER_CONFIG.read_bytes()
    deployed.reload_marker.unlink(missing_ok=True)
    run = apply_role(deployed.workdir, deployed.variables(notifier_alertmanager_matchers=['severity=~"("']))
    assert run.rc != 0
    assert "amtool rejected the configuration" in run.output, run.output
    assert ALERTMANAGER_CONFIG.read_bytes() == before
    assert not deployed.reload_marker.exists(), "a rejected configuration must not reload Alertmanager"
    assert not [path for path in ALERTMANAGER_CONFIG.parent.iterdir() if path.name.endswith("~")]
