# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The role and the playbooks pass ansible-lint's production profile (what Galaxy users get to see)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from support.ansible_runner import BIN_DIR, REPO_ROOT, collections_path

pytestmark = pytest.mark.integration


def test_role_and_playbooks_pass_the_production_profile(tmp_path: Path) -> None:
    lint = BIN_DIR / "ansible-lint"
    assert lint.exists(), "ansible-lint belongs to the test virtualenv (requirements-test.txt)"
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    # ansible-lint calls ansible-playbook by name; it must come from the same virtualenv. The link lets
    # playbooks resolve sipgateio.sms.* to this checkout without walking back into the tree.
    env.update({"PATH": str(BIN_DIR) + os.pathsep + env.get("PATH", ""), "ANSIBLE_COLLECTIONS_PATH": str(collections_path(tmp_path)),
                "ANSIBLE_HOME": str(tmp_path / "ansible-home"), "NO_COLOR": "1"})
    completed = subprocess.run([str(lint), "--profile", "production", "roles/notifier", "playbooks"], cwd=REPO_ROOT, env=env,
                               capture_output=True, text=True, check=False, timeout=300)
    assert completed.returncode == 0, completed.stdout + completed.stderr
