# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""End to end: real Nagios 4 and Icinga 2 daemons run the real script, which texts through the simulator."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from conftest import SCRIPT  # pylint: disable=import-error
from engines.engine import DEFAULT_PAGER, EngineInstance  # pylint: disable=import-error
from engines.icinga import Icinga2Instance  # pylint: disable=import-error
from engines.nagios import Nagios4Instance  # pylint: disable=import-error
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID  # pylint: disable=import-error

SMS_WITHIN = 10.0


def settings_file(folder: Path) -> Path:
    """Settings of their own, so that a notify.ini on this machine cannot interfere."""
    path = folder / "notify.ini"
    path.write_text("[notify]\nmax_segments = 1\n", encoding="utf-8")
    path.chmod(0o600)
    return path


def secrets_env(sipgate_sim, state_dir: Path) -> dict:  # type: ignore[no-untyped-def]
    return {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN, "SIPGATE_SMS_ID": SMS_ID, "SIPGATE_API_URL": sipgate_sim.url,
            "SIPGATE_SMS_STATE_DIR": str(state_dir)}


def wait_for_sms(engine: EngineInstance, sipgate_sim, count: int) -> dict:  # type: ignore[no-untyped-def]
    engine.wait_until(lambda: len(sipgate_sim.sent_sms()) >= count, SMS_WITHIN, "SMS #{0} at the simulator".format(count))
    return sipgate_sim.sent_sms()[count - 1]


def problem_then_recovery(engine: EngineInstance, sipgate_sim, state_dir: Path) -> None:  # type: ignore[no-untyped-def]
    submitted = time.monotonic()
    engine.submit_service_result("web01", "HTTP", "CRITICAL", "HTTP CRITICAL - \u201cconnection refused\u201d | time=5s")
    problem = wait_for_sms(engine, sipgate_sim, 1)
    print("\n{0}: passive CRITICAL to SMS {1:.2f} s".format(engine.name, time.monotonic() - submitted))
    assert problem["recipient"] == DEFAULT_PAGER
    assert problem["message"] == 'PROBLEM web01/HTTP CRITICAL: HTTP CRITICAL - "connection refused"'
    engine.submit_service_result("web01", "HTTP", "OK", "HTTP OK - 200")
    recovery = wait_for_sms(engine, sipgate_sim, 2)
    assert recovery["message"] == "RECOVERY web01/HTTP OK: HTTP OK - 200"
    assert len(sipgate_sim.sent_sms()) == 2

    def journal() -> str:
        return (state_dir / "journal.jsonl").read_text(encoding="utf-8")

    # The run journals the SMS once its outcome is recorded, a moment after sipgate took it.
    engine.wait_until(lambda: journal().count('"event": "sent"') == 2, SMS_WITHIN, "both SMS journaled as sent")
    assert TOKEN not in journal()


@pytest.mark.e2e
def test_nagios_texts_problem_and_recovery(sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state_dir = tmp_path / "state"
    command = "{0} {1} --config {2}".format(sys.executable, SCRIPT, settings_file(tmp_path))
    nagios = Nagios4Instance(tmp_path / "nagios", secrets_env(sipgate_sim, state_dir), service_command_line=command)
    nagios.validate()
    with nagios:
        problem_then_recovery(nagios, sipgate_sim, state_dir)
    assert '"source": "nagios"' in (state_dir / "journal.jsonl").read_text(encoding="utf-8")


@pytest.mark.e2e
def test_icinga_texts_problem_and_recovery(sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    state_dir = tmp_path / "state"
    command = [sys.executable, str(SCRIPT), "--config", str(settings_file(tmp_path))]
    icinga = Icinga2Instance(tmp_path / "icinga", secrets_env(sipgate_sim, state_dir), service_command=command)
    icinga.validate()
    with icinga:
        problem_then_recovery(icinga, sipgate_sim, state_dir)
    assert '"source": "icinga2"' in (state_dir / "journal.jsonl").read_text(encoding="utf-8")
