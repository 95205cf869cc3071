# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Which files of a built collection tarball are generated output that must not be shipped.

    python tests/galaxy/tarball_members.py build/sipgateio-sms-X.Y.Z.tar.gz

prints each such member and exits 1, or prints nothing and exits 0.
"""

from __future__ import annotations

import sys
import tarfile
from pathlib import PurePosixPath
from typing import Iterable, List, Sequence

# Folders that tests, tools and virtualenvs create, wherever they appear in the tree.
GENERATED_FOLDERS = frozenset({".pytest_cache", ".hypothesis", "__pycache__", ".ansible", ".tox", ".git"})
# Folders that are generated at the top of the tree only (elsewhere the name may be real content).
GENERATED_TOP_FOLDERS = frozenset({"collections", "build", "tests/output"})
GENERATED_FILES = frozenset({"bench-results.json", "importer_result.json", "changelogs/.plugin-cache.yaml"})
GENERATED_SUFFIXES = (".pyc", ".tar.gz")


def is_generated(member: str) -> bool:
    path = PurePosixPath(member)
    parts = path.parts
    if any(part in GENERATED_FOLDERS or part.startswith(".venv") or part == "venv" for part in parts):
        return True
    if any(member == folder or member.startswith(folder + "/") for folder in GENERATED_TOP_FOLDERS):
        return True
    return member in GENERATED_FILES or member.endswith(GENERATED_SUFFIXES)


def generated_members(names: Iterable[str]) -> List[str]:
    """The names that are generated output, sorted."""
    return sorted(name for name in names if is_generated(name.rstrip("/")))


def tarball_names(tarball: str) -> List[str]:
    with tarfile.open(tarball, "r:gz") as archive:
        return archive.getnames()


def main(argv: Sequence[str]) -> int:
    if len(argv) != 1:
        print("usage: tarball_members.py TARBALL", file=sys.stderr)
        return 2
    unwanted = generated_members(tarball_names(argv[0]))
    for name in unwanted:
        print("{0}: generated file in the collection tarball (add it to build_ignore in galaxy.yml)".format(name))
    return 1 if unwanted else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
