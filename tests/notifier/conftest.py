# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures for the notification script: a private state directory and runners of the real script."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest

from notifier_script import ScriptRunner  # pylint: disable=import-error


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
    from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID  # pylint: disable=import-error,import-outside-toplevel

    return script_factory(SIPGATE_TOKEN_ID=TOKEN_ID, SIPGATE_TOKEN=TOKEN, SIPGATE_SMS_ID=SMS_ID, SIPGATE_API_URL=sipgate_sim.url)
