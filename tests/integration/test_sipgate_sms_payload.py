# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What Ansible ships to the host for each sipgate_sms task: the helper modules the module imports, no others.

The payload (AnsiballZ) is built by ansible-playbook itself, kept with ANSIBLE_KEEP_REMOTE_FILES
and unpacked with its own ``explode`` command.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Set

import pytest
from support.sms_tasks import FIRST, run_sms_tasks

pytestmark = pytest.mark.integration

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE = REPO_ROOT / "plugins" / "modules" / "sipgate_sms.py"
MODULE_UTILS = REPO_ROOT / "plugins" / "module_utils"
PREFIX = "ansible_collections.sipgateio.sms.plugins.module_utils"


def _module_file(dotted: str) -> Path:
    """The file of a module below plugins/module_utils: ``sipgate_api.client`` -> sipgate_api/client.py."""
    path = MODULE_UTILS.joinpath(*dotted.split("."))
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _package_of(path: Path) -> list:
    """The package a module_utils file is in, as parts below module_utils (none for the module itself)."""
    return list(path.relative_to(MODULE_UTILS).parts[:-1]) if MODULE_UTILS in path.parents else []


def _imports_of(path: Path) -> Set[str]:
    """The module_utils modules ``path`` imports (any import statement, at any depth), as dotted names below module_utils."""
    candidates = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            candidates += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            package = _package_of(path)
            base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            candidates += [PREFIX + "." + name for name in [base] + [base + "." + alias.name for alias in node.names] if name]
        elif isinstance(node, ast.ImportFrom):
            candidates += [node.module or ""] + ["{0}.{1}".format(node.module, alias.name) for alias in node.names]
    names = {name[len(PREFIX) + 1:] for name in candidates if name.startswith(PREFIX + ".")}
    return {name for name in names if _module_file(name).is_file()}


def module_utils_imported() -> Set[str]:
    """Every module_utils file sipgate_sms imports, directly or through another, with the packages on the way."""
    seen: Set[str] = set()
    todo = list(_imports_of(MODULE))
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += _imports_of(_module_file(name))
        parts = name.split(".")
        todo += [".".join(parts[:length]) for length in range(1, len(parts)) if _module_file(".".join(parts[:length])).is_file()]
    return {str(_module_file(name).relative_to(MODULE_UTILS)) for name in seen}


def test_the_payload_carries_the_helper_modules_the_module_imports_and_no_other(sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    remote_tmp = tmp_path / "remote-tmp"
    done = run_sms_tasks(tmp_path, sipgate_sim.url, [{"recipients": [FIRST], "message": "payload", "sms_id": "s0"}], options=["--check"],
                         env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": str(remote_tmp)})
    assert done.run.rc == 0, done.output
    [wrapper] = remote_tmp.glob("ansible-tmp-*/AnsiballZ_sipgate_sms.py")
    exploded = subprocess.run([sys.executable, str(wrapper), "explode"], cwd=str(wrapper.parent), capture_output=True, text=True,
                              check=False, timeout=60)
    assert exploded.returncode == 0, exploded.stderr
    shipped_root = wrapper.parent / "debug_dir" / "ansible_collections" / "sipgateio" / "sms" / "plugins" / "module_utils"
    shipped = {str(path.relative_to(shipped_root)) for path in shipped_root.rglob("*.py")}

    expected = module_utils_imported() | {"__init__.py"}  # the collection's package files come with the payload
    assert shipped == expected
    assert "sipgate_api/diagnosis.py" not in shipped and "sipgate_api/fitting.py" not in shipped
