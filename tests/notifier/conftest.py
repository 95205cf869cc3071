# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the notification script: a private state directory, runners of the real script, and the
test clock and stand-in sender of whole runs in-process."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

import pytest
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID  # pylint: disable=import-error
from support.notifier_script import ScriptRunner, account_settings
from support.notifier_stand_ins import Clock, StandInSender

from sipgate_notify.settings_cache import RACY_SECONDS


@pytest.fixture
def state_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "state"
    folder.mkdir(mode=0o700)
    return folder


@pytest.fixture
def script_factory(state_dir: Path) -> Callable[..., ScriptRunner]:
    def make(**settings: str) -> ScriptRunner:
        return ScriptRunner(state_dir, settings)
    return make


@pytest.fixture
def notifier(sipgate_sim, script_factory: Callable[..., ScriptRunner]) -> ScriptRunner:  # type: ignore[no-untyped-def]
    """The real script with the simulator's credentials and a private state directory."""
    return script_factory(**account_settings(sipgate_sim.url))


@pytest.fixture
def sipgate() -> StandInSender:
    return StandInSender()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture(scope="module")
def settings_files(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Settings files as the role writes them, with the simulator's account, one with a budget of 1; old enough to be cached.

    The settings cache keeps only a file that stopped changing: they are written once, and then waited for.
    """
    folder = tmp_path_factory.mktemp("settings")
    files = {}
    for name, notify in (("default", ""), ("budget_1", "budget = 1\n")):
        path = folder / (name + ".ini")
        path.write_text("[sipgate]\ntoken_id = {0}\ntoken = {1}\nsms_id = {2}\n[notify]\n{3}".format(TOKEN_ID, TOKEN, SMS_ID, notify),
                        encoding="utf-8")
        path.chmod(0o600)
        files[name] = ["--config", str(path)]
    time.sleep(RACY_SECONDS + 0.1)
    return files


@pytest.fixture
def installed(sipgate_sim, script_factory: Callable[..., ScriptRunner]) -> ScriptRunner:  # type: ignore[no-untyped-def]
    """The script as the role installs it: the simulator's account in a settings file (see settings_files), its address in the environment."""
    return script_factory(SIPGATE_API_URL=sipgate_sim.url)
