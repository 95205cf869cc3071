# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection as users get it: a tarball built by ansible-galaxy, installed into a collections path."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Optional

from support.ansible_runner import REPO_ROOT, ansible_command

# `make pytest` hands over the tarball it built, so every test checks the same file that Galaxy's checks saw.
TARBALL_VARIABLE = "COLLECTION_TARBALL"


def _galaxy(*args: str, cwd: Path) -> None:
    env = {key: value for key, value in os.environ.items() if not key.startswith("ANSIBLE_")}
    env["ANSIBLE_HOME"] = str(cwd / ".ansible-home")
    completed = subprocess.run([ansible_command("ansible-galaxy"), "collection", *args], cwd=str(cwd), env=env,
                               capture_output=True, text=True, timeout=300, check=False)
    assert completed.returncode == 0, completed.stdout + completed.stderr


def build_tarball(output_dir: Path, source: Path = REPO_ROOT) -> Path:
    """``ansible-galaxy collection build`` of ``source`` into ``output_dir``; the tarball's path."""
    output_dir.mkdir(parents=True, exist_ok=True)
    _galaxy("build", "--force", "--output-path", str(output_dir), str(source), cwd=output_dir)
    (tarball,) = output_dir.glob("sipgateio-sms-*.tar.gz")
    return tarball


def given_tarball() -> Optional[Path]:
    """The tarball named by COLLECTION_TARBALL, if any."""
    value = os.environ.get(TARBALL_VARIABLE)
    if not value:
        return None
    path = Path(value)
    assert path.is_file(), "{0}={1} is not a file".format(TARBALL_VARIABLE, value)
    return path


def install_tarball(tarball: Path, collections_dir: Path) -> Path:
    """``ansible-galaxy collection install`` of the tarball, offline; the collections path (for ANSIBLE_COLLECTIONS_PATH)."""
    collections_dir.mkdir(parents=True, exist_ok=True)
    _galaxy("install", "--offline", "--force", "-p", str(collections_dir), str(tarball), cwd=collections_dir)
    assert (collections_dir / "ansible_collections" / "sipgateio" / "sms" / "MANIFEST.json").is_file()
    return collections_dir
