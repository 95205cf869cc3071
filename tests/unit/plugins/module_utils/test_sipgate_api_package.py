# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The helper package runs on a monitoring host without Ansible: the role copies it there as it is."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

MODULE_UTILS = Path(__file__).resolve().parents[4] / "plugins" / "module_utils"
PACKAGE = MODULE_UTILS / "sipgate_api"
FILES = sorted(PACKAGE.glob("*.py"))


def imported_roots(path: Path) -> set:
    roots = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


def test_the_package_has_its_files() -> None:
    assert {path.name for path in FILES} >= {"__init__.py", "client.py", "errors.py", "request.py"}


@pytest.mark.parametrize("path", FILES, ids=lambda path: path.name)
def test_no_file_of_the_package_imports_ansible(path: Path) -> None:
    assert not imported_roots(path) & {"ansible", "ansible_collections"}


def test_every_module_imports_without_ansible_on_the_path() -> None:
    names = ["sipgate_api." + path.stem for path in FILES if path.stem != "__init__"]
    # A finder that refuses Ansible stands in for a monitoring host that has none.
    code = ("import sys\n"
            "class NoAnsible:\n"
            "    def find_spec(self, name, path=None, target=None):\n"
            "        if name.split('.')[0] in ('ansible', 'ansible_collections'):\n"
            "            raise ImportError('no Ansible here: ' + name)\n"
            "sys.meta_path.insert(0, NoAnsible())\n"
            "import importlib\n"
            "for name in sys.argv[1:]:\n"
            "    importlib.import_module(name)\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('ansible', 'ansible_collections')))\n")
    done = subprocess.run([sys.executable, "-c", code, *names], cwd=str(MODULE_UTILS), capture_output=True, text=True,
                          check=False, env={"PYTHONPATH": str(MODULE_UTILS), "PATH": "/usr/bin:/bin"})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
