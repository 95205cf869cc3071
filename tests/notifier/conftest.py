# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the notification script: a private state directory, runners of the real script, and the
test clock and stand-in sender of whole runs in-process."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from support.notifier_script import ScriptRunner, account_settings
from support.notifier_stand_ins import Clock, StandInSender


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
