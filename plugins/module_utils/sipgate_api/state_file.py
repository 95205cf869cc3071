# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A JSON state file shared by concurrent processes: read and written under a lock, replaced atomically.

The module's record of sent SMS and the notifier's dedup/budget state both live
in such files; several ansible forks or monitoring notifications may touch the
same file at once, and a crash mid-write must never leave it half written.
"""

from __future__ import annotations

import fcntl
import json
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Iterator


class StateFileError(Exception):
    """The state file cannot be read or written; the message names the path and the fix."""


def _read(path: Path) -> Any:
    try:
        with path.open("r", encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as error:
        raise StateFileError("state file {0} is unreadable ({1}); move it aside or delete it".format(path, error)) from None


def write_atomically(path: Path, data: Any) -> None:
    """Write to a temporary file beside ``path`` and rename it over, so readers see old or new, never half."""
    handle, temporary = tempfile.mkstemp(dir=str(path.parent), prefix=path.name + ".", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            json.dump(data, stream, sort_keys=True, separators=(",", ":"))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, str(path))
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


@contextmanager
def _lock(path: Path, exclusive: bool) -> Iterator[None]:
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock = open(str(path) + ".lock", "a", encoding="utf-8")  # pylint: disable=consider-using-with
    except OSError as error:
        raise StateFileError("cannot lock state file {0} ({1}); choose a writable path".format(path, error)) from None
    try:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
        lock.close()


def read_state(path: Path, default: Any) -> Any:
    """A consistent snapshot of the file (``default`` when it does not exist yet)."""
    with _lock(path, exclusive=False):
        data = _read(path)
    return default if data is None else data


@contextmanager
def updating_state(path: Path, default: Any) -> Iterator[Any]:
    """Hold the file locked while the caller changes the yielded data; write it back if it changed."""
    with _lock(path, exclusive=True):
        data = _read(path)
        if data is None:
            data = default
        before = json.dumps(data, sort_keys=True)
        completed = False
        try:
            yield data
            completed = True
        finally:
            # Only a change that ran to its end is written: an exception leaves the file as it was.
            if completed and json.dumps(data, sort_keys=True) != before:
                write_atomically(path, data)


class LockedState:
    """A state file held under an exclusive lock: read once, then written whenever the caller says."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data

    def save(self) -> None:
        write_atomically(self.path, self.data)


@contextmanager
def locked_state(path: Path, default: Any) -> Iterator[LockedState]:
    """The file's data under an exclusive lock held until the block ends; ``save()`` writes it durably."""
    with _lock(path, exclusive=True):
        data = _read(path)
        yield LockedState(path, default if data is None else data)
