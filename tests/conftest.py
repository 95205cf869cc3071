# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Shared pytest fixtures: the sipgate API simulator, and the collection built and installed from its tarball."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterator

import pytest

# The simulator is the package tests/simulator: with tests/ on sys.path every test imports it as
# `simulator.sipgate_simulator`, whatever folder pytest was started in.
TESTS_DIR = str(Path(__file__).resolve().parent)
if TESTS_DIR not in sys.path:
    sys.path.insert(0, TESTS_DIR)

from simulator.sipgate_simulator import SipgateSimulator  # noqa: E402  pylint: disable=wrong-import-position
from support.collection_tarball import build_tarball, given_tarball, install_tarball  # noqa: E402  pylint: disable=wrong-import-position


@pytest.fixture(scope="session")
def sipgate_simulator_server() -> Iterator[SipgateSimulator]:
    """One simulator on 127.0.0.1 for the whole test session (starting one per test would cost time)."""
    with SipgateSimulator() as simulator:
        yield simulator


@pytest.fixture
def sipgate_sim(sipgate_simulator_server: SipgateSimulator) -> Iterator[SipgateSimulator]:
    """The session's simulator, reset: no requests, no SMS, no faults, default balance and settings.

    Point the code under test at ``sipgate_sim.url`` with the credentials from
    ``simulator.sipgate_simulator`` (TOKEN_ID/TOKEN, USERNAME/PASSWORD, ACCESS_TOKEN, SMS_ID).
    """
    sipgate_simulator_server.reset()
    yield sipgate_simulator_server
    # Faults a test queued but did not use must not hit the next test.
    sipgate_simulator_server.reset()


@pytest.fixture(scope="session")
def collection_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The collection's tarball: the one `make pytest` built, else one built from this checkout now."""
    return given_tarball() or build_tarball(tmp_path_factory.mktemp("collection-build"))


@pytest.fixture(scope="session")
def installed_collection(collection_tarball: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A collections path with sipgateio.sms installed from the tarball, as users install it (no link to this checkout)."""
    return install_tarball(collection_tarball, tmp_path_factory.mktemp("installed-collections"))
