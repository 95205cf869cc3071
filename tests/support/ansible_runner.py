# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run ansible-playbook for real against this checkout of the collection."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN_DIR = Path(sys.executable).parent


def ansible_command(name: str) -> str:
    """The ansible-* command of the virtualenv the tests run in."""
    candidate = BIN_DIR / name
    return str(candidate) if candidate.exists() else name


def collections_path(root: Optional[Path] = None) -> Path:
    """A folder whose ansible_collections/sipgateio/sms points at this checkout."""
    root = Path(root or tempfile.mkdtemp(prefix="sipgate-collections-"))
    link = root / "ansible_collections" / "sipgateio" / "sms"
    if not link.exists():
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(REPO_ROOT, target_is_directory=True)
    return root


@dataclass
class PlaybookRun:
    """What one ansible-playbook run printed and returned."""

    rc: int
    stdout: str
    stderr: str
    argv: list

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    def recap(self) -> dict:
        """Counts of the PLAY RECAP line for localhost, e.g. {'ok': 2, 'changed': 1, 'failed': 0}."""
        for line in self.stdout.splitlines():
            if line.startswith("localhost") and "ok=" in line:
                return {key: int(value) for key, value in (part.split("=") for part in line.split(":", 1)[1].split())}
        raise AssertionError("no PLAY RECAP in output:\n" + self.output)


def ansible_env(workdir: Path, extra: Optional[Mapping[str, str]] = None, collections: Optional[Path] = None) -> dict:
    """An environment that isolates Ansible's own files in ``workdir`` and finds this collection.

    ``collections`` is a collections path to use instead of a link to this checkout (an installed tarball).
    """
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "SIPGATE_"))}
    env.update({
        "ANSIBLE_COLLECTIONS_PATH": str(collections or collections_path(workdir / "collections")),
        "ANSIBLE_HOME": str(workdir / "ansible-home"),
        "ANSIBLE_LOCAL_TEMP": str(workdir / "ansible-tmp"),
        "ANSIBLE_RETRY_FILES_ENABLED": "0",
        "ANSIBLE_NOCOLOR": "1",
        "ANSIBLE_DEPRECATION_WARNINGS": "0",
        "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
        "XDG_STATE_HOME": str(workdir / "state"),
        "PATH": str(BIN_DIR) + os.pathsep + env.get("PATH", ""),
    })
    env.update(extra or {})
    return env


def run_playbook(playbook: Union[Path, str], workdir: Path, env: Optional[Mapping[str, str]] = None,
                 extra_vars: Optional[Mapping[str, Any]] = None, options: Sequence[str] = (),
                 timeout: float = 300, collections: Optional[Path] = None) -> PlaybookRun:
    """ansible-playbook against localhost with a local connection and this interpreter.

    ``playbook`` is a path or a collection's playbook (``sipgateio.sms.send_sms``); ``collections`` as in ansible_env.
    """
    argv = [ansible_command("ansible-playbook"), "-i", "localhost,", "-c", "local",
            "-e", "ansible_python_interpreter=" + sys.executable, *options, str(playbook)]
    if extra_vars:
        argv[-1:-1] = ["-e", json.dumps(dict(extra_vars))]
    completed = subprocess.run(argv, cwd=str(workdir), env=ansible_env(workdir, env, collections), capture_output=True,
                               text=True, timeout=timeout, check=False)
    return PlaybookRun(completed.returncode, completed.stdout, completed.stderr, argv)


def write_playbook(workdir: Path, tasks_yaml: str, name: str = "playbook.yml", gather_facts: bool = False) -> Path:
    """A one-play playbook for localhost with the given tasks (YAML text, indented by 4)."""
    path = workdir / name
    path.write_text("- hosts: localhost\n  gather_facts: {0}\n  tasks:\n{1}".format(str(gather_facts).lower(), tasks_yaml),
                    encoding="utf-8")
    return path
