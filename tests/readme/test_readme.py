# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every code block of README.md and of each role's README runs against the simulator, as a reader runs it.

Each section (the blocks under one heading) runs in order in a fresh home directory that has the
collection installed from its tarball (unless the section installs it itself), the tarball at hand,
and Ansible's defaults otherwise. What a reader provides, the test provides: a vault password file
(ANSIBLE_VAULT_PASSWORD_FILE), the API (SIPGATE_API_URL, the simulator), hosts (every inventory host
is this machine, ANSIBLE_TRANSPORT=local, with pipelining) and credentials (the README's example token id and token
are replaced by the simulator's). Blocks marked untested="reason" are skipped; see markdown_snippets
for the attributes.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, List

import pytest
from markdown_snippets import Section, sections
from readme_session import NEVER_RUN, ReadmeSession
from simulator.sipgate_simulator import TOKEN, TOKEN_ID
from support.ansible_runner import BIN_DIR, REPO_ROOT

pytestmark = pytest.mark.integration

DOCUMENTS = [REPO_ROOT / "README.md", *sorted(REPO_ROOT.glob("roles/*/README.md"))]
SECTIONS: List[Section] = [section for document in DOCUMENTS for section in sections(document, str(document.relative_to(REPO_ROOT)))]
# Sections whose every block is output or untested have nothing to run.
RUNNABLE = [section for section in SECTIONS
            if any(not snippet.untested and snippet.language not in NEVER_RUN for snippet in section.snippets)]
EXAMPLE_TOKEN_ID = "token-ABC123"
EXAMPLE_TOKEN = "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
# Blocks that cannot run here (Galaxy, GitHub, a container engine, changing this machine). Few, by intent.
MOST_UNTESTED = 8
INSTALLS_THE_COLLECTION = re.compile(r"ansible-galaxy\s+collection\s+install")


def reader_env(home: Path, vault_password_file: Path, api_url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("ANSIBLE_", "SIPGATE_", "XDG_"))}
    env.update({
        "HOME": str(home),
        "PATH": str(BIN_DIR) + os.pathsep + env.get("PATH", ""),
        "ANSIBLE_VAULT_PASSWORD_FILE": str(vault_password_file),
        "ANSIBLE_TRANSPORT": "local",
        # Inventory hosts run modules with the system's Python (which has python3-apt for the role).
        "ANSIBLE_PYTHON_INTERPRETER": "/usr/bin/python3",
        "ANSIBLE_NOCOLOR": "1",
        # Spares every task a temporary folder on the host: only the test's time changes.
        "ANSIBLE_PIPELINING": "1",
        "SIPGATE_API_URL": api_url,
    })
    return env


def prepare_home(home: Path, section: Section, tarball: Path, installed: Path) -> None:
    home.mkdir()
    shutil.copy2(tarball, home / tarball.name)
    if not any(INSTALLS_THE_COLLECTION.search(snippet.text) for snippet in section.snippets if not snippet.untested):
        shutil.copytree(installed / "ansible_collections", home / ".ansible" / "collections" / "ansible_collections", symlinks=True)


@pytest.mark.parametrize("section", RUNNABLE, ids=[section.name for section in RUNNABLE])
def test_readme_section_runs(section: Section, tmp_path: Path, sipgate_sim: Any, collection_tarball: Path,
                             installed_collection: Path) -> None:
    home = tmp_path / "home"
    prepare_home(home, section, collection_tarball, installed_collection)
    vault_password_file = tmp_path / "vault-password"
    vault_password_file.write_text("a vault password for the README's examples\n", encoding="utf-8")
    session = ReadmeSession(home, tmp_path / "session", reader_env(home, vault_password_file, sipgate_sim.url),
                            lambda: [sms["message"] for sms in sipgate_sim.sent_sms()],
                            {EXAMPLE_TOKEN_ID: TOKEN_ID, EXAMPLE_TOKEN: TOKEN})
    for snippet in section.snippets:
        if not snippet.untested:
            session.run(snippet)


def test_untested_blocks_are_few() -> None:
    untested = ["{0}: {1}".format(snippet.where, snippet.untested) for section in SECTIONS for snippet in section.snippets
                if snippet.untested]
    assert len(untested) <= MOST_UNTESTED, "\n".join(untested)


def test_every_section_with_a_tested_block_is_found() -> None:
    """The sections run above are those with blocks: a README without any would test nothing."""
    tested = [section.name for section in RUNNABLE]
    assert any(name.startswith("README.md: ") for name in tested) and any(name.startswith("roles/") for name in tested), tested
