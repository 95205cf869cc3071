# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""System paths as they were before a test applied the role, put back afterwards byte for byte.

The role is tested against the machine's real /etc (Debian's Nagios 4 and Icinga 2 configuration),
so whatever it or the test adds there must go again, and what it changes must come back, with the
owner and mode it had: other tests and the next run expect Debian's files untouched.
"""

from __future__ import annotations

import os
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional


@dataclass(frozen=True)
class Entry:
    """One file, folder or symbolic link as it was."""

    kind: str  # "file", "dir" or "link"
    mode: int
    uid: int
    gid: int
    content: Optional[bytes] = None
    target: Optional[str] = None


def _entry(path: Path) -> Entry:
    info = path.lstat()
    if stat.S_ISLNK(info.st_mode):
        return Entry("link", 0, info.st_uid, info.st_gid, target=os.readlink(path))
    kind = "dir" if stat.S_ISDIR(info.st_mode) else "file"
    return Entry(kind, stat.S_IMODE(info.st_mode), info.st_uid, info.st_gid,
                 content=path.read_bytes() if kind == "file" else None)


def _walk(root: Path) -> List[Path]:
    """``root`` and everything below it, parents before children; links are not followed."""
    if not root.exists() and not root.is_symlink():
        return []
    found = [root]
    if root.is_dir() and not root.is_symlink():
        for folder, dirs, files in os.walk(root):
            found += [Path(folder) / name for name in sorted(dirs) + sorted(files)]
    return found


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif path.exists() or path.is_symlink():
        path.unlink()


class SystemSnapshot:
    """What lies under ``roots`` now; ``restore()`` makes it so again."""

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = [Path(root) for root in roots]
        self.entries: Dict[Path, Entry] = {path: _entry(path) for root in self.roots for path in _walk(root)}

    def changed_paths(self) -> List[Path]:
        """Paths added, removed or altered since the snapshot (for failure messages and checks)."""
        now = {path: _entry(path) for root in self.roots for path in _walk(root)}
        return sorted(path for path in set(now) | set(self.entries) if now.get(path) != self.entries.get(path))

    def restore(self) -> None:
        for root in self.roots:
            for path in reversed(_walk(root)):  # children first
                if path not in self.entries or self.entries[path].kind != _entry(path).kind:
                    _remove(path)
        for path, entry in self.entries.items():  # parents first: insertion order
            self._put_back(path, entry)

    @staticmethod
    def _put_back(path: Path, entry: Entry) -> None:
        if entry.kind == "link":
            if not path.is_symlink() or os.readlink(path) != entry.target:
                _remove(path)
                os.symlink(entry.target or "", path)
            os.lchown(path, entry.uid, entry.gid)
            return
        if entry.kind == "dir":
            path.mkdir(exist_ok=True)
        elif not path.exists() or path.read_bytes() != entry.content:
            path.write_bytes(entry.content or b"")
        os.chown(path, entry.uid, entry.gid)
        os.chmod(path, entry.mode)
