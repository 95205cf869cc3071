# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Real file system trouble for the state directory: a tiny tmpfs to fill up, a read-only bind mount.

Root ignores permission bits, so "read-only" and "disk full" are made with mounts, as they
happen on a monitoring host. Mounting needs root with CAP_SYS_ADMIN; ``mounting_allowed``
tells whether this machine grants it.
"""

from __future__ import annotations

import errno
import functools
import os
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


def _mount(*args: str) -> None:
    subprocess.run(["mount", *args], check=True, capture_output=True, text=True)


def _unmount(where: Path) -> None:
    subprocess.run(["umount", str(where)], check=True, capture_output=True, text=True)


@functools.lru_cache(maxsize=1)
def mounting_allowed() -> bool:
    if os.geteuid() != 0:
        return False
    with tempfile.TemporaryDirectory() as folder:
        try:
            _mount("-t", "tmpfs", "-o", "size=4k", "tmpfs", folder)
        except (OSError, subprocess.CalledProcessError):
            return False
        _unmount(Path(folder))
    return True


needs_mount = pytest.mark.skipif(not mounting_allowed(), reason="mounting a tmpfs or a read-only bind needs root with CAP_SYS_ADMIN")


@contextmanager
def tiny_tmpfs(where: Path, size: str = "16k") -> Iterator[Path]:
    """``where`` as a tmpfs of ``size`` (mode 0700) for as long as the block runs."""
    where.mkdir(mode=0o700, exist_ok=True)
    _mount("-t", "tmpfs", "-o", "size={0},mode=0700".format(size), "tmpfs", str(where))
    try:
        yield where
    finally:
        _unmount(where)


@contextmanager
def read_only(where: Path) -> Iterator[Path]:
    """``where`` (a folder or a file) read-only through a bind mount on itself, for as long as the block runs."""
    _mount("--bind", str(where), str(where))
    try:
        _mount("-o", "remount,bind,ro", str(where))
        yield where
    finally:
        _unmount(where)


def fill_up(folder: Path) -> None:
    """Write to ``folder`` until its file system has no space left."""
    chunk = b"\0" * 1024
    with open(str(folder / "filler"), "wb", buffering=0) as filler:
        while True:
            try:
                filler.write(chunk)
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
                break
    probe = folder / "probe"
    with pytest.raises(OSError) as full:
        probe.write_bytes(chunk)
    probe.unlink()
    assert full.value.errno == errno.ENOSPC
