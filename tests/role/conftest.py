# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the role installs outside the engines' folders is put back once, after all role tests.

The engines' tests share the installed script: installing it costs most of a first run, so the
second engine's test reuses what the first installed (each still starts from its engine's own /etc).
"""

from __future__ import annotations

from typing import Iterator

import pytest
from notifier_role_runs import ROLE_PATHS
from system_snapshot import SystemSnapshot


@pytest.fixture(scope="session")
def role_paths_restored() -> Iterator[SystemSnapshot]:
    snapshot = SystemSnapshot(ROLE_PATHS)
    try:
        yield snapshot
    finally:
        snapshot.restore()
