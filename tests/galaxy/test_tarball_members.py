# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The built tarball holds the collection and nothing that tests, tools or virtualenvs wrote into the tree."""

from __future__ import annotations

import subprocess
from pathlib import Path

from support.ansible_runner import REPO_ROOT
from support.collection_tarball import build_tarball
from tarball_members import generated_members, tarball_names

# What `make test`, `make bench`, pytest, hypothesis, ansible-lint and the virtualenvs leave behind.
GENERATED = (
    ".pytest_cache/v/cache/lastfailed",
    ".hypothesis/examples/0a/1b",
    "tests/.hypothesis/examples/0a/1b",
    "plugins/modules/__pycache__/sipgate_sms.cpython-311.pyc",
    "tests/output/.tmp/sanity.json",
    "collections/ansible_collections/sipgateio/placeholder",
    "build/sipgateio-sms-0.0.1.tar.gz",
    "bench-results.json",
    ".venv-2.20/bin/python",
    ".venv-galaxy/pyvenv.cfg",
    ".ansible/roles/placeholder",
    "changelogs/.plugin-cache.yaml",
    "importer_result.json",
)


def tree_copy(destination: Path) -> Path:
    """The files git knows about (tracked, and new ones not ignored), as a fresh clone would have them."""
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO_ROOT,
                            capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, listed):
        source = REPO_ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(source.read_bytes())
    return destination


def test_tarball_leaves_out_everything_generated(tmp_path: Path) -> None:
    tree = tree_copy(tmp_path / "tree")
    for name in GENERATED:
        (tree / name).parent.mkdir(parents=True, exist_ok=True)
        (tree / name).write_text("generated\n", encoding="utf-8")
    names = tarball_names(str(build_tarball(tmp_path / "out", source=tree)))
    assert generated_members(names) == []
    assert {"README.md", "LICENSE", "roles/notifier/README.md", "meta/runtime.yml", "meta/execution-environment.yml",
            "requirements.txt", "bindep.txt", "plugins/modules/sipgate_sms.py"} <= set(names)


def test_generated_members_names_every_planted_file() -> None:
    assert generated_members(GENERATED + ("plugins/modules/sipgate_sms.py", "roles/notifier/README.md")) == sorted(GENERATED)
