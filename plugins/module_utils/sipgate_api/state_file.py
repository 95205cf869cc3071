# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A JSON state file shared by concurrent processes: read and written under a lock, replaced atomically.

The module's record of sent SMS and the notifier's dedup/budget state both live
in such files; several ansible forks or monitoring notifications may touch the
same file at once, and a crash mid-write must never leave it half written.

Files in a state folder are opened without following symbolic links and created
mode 0600 whatever the umask: a link planted there must neither be read through
nor make a write land elsewhere.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import stat
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator, List, Optional, Tuple

PRIVATE = 0o600
# Non-blocking, so a FIFO planted where a file belongs cannot hang the open; no effect on regular files.
_SAFE_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC

Repair = Callable[[Any], Tuple[Any, List[str]]]
# What _read returns for a file that does not exist (a file holding JSON null is not missing).
_MISSING = object()


class StateFileError(Exception):
    """The state file cannot be read or written; the message names the path and the fix."""


class UnusableStateFile(StateFileError):
    """The path holds no usable state: a symbolic link, no regular file, not JSON. ``reason`` says which."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__("{0}: {1}; move it aside or delete it".format(path, reason))
        self.path = path
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "no regular file"


def open_private(path: Path, flags: int) -> int:
    """A descriptor for the regular file ``path``, created 0600 when missing; never through a symbolic link.

    Raises UnusableStateFile when ``path`` is a link (dangling or not: its target is never created)
    or not a regular file, OSError for anything else.
    """
    try:
        descriptor = os.open(str(path), flags | os.O_CREAT | os.O_EXCL | _SAFE_OPEN, PRIVATE)
    except FileExistsError:
        pass
    else:
        os.fchmod(descriptor, PRIVATE)  # the umask may have taken bits from the owner too
        return descriptor
    try:
        descriptor = os.open(str(path), flags | _SAFE_OPEN)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise UnusableStateFile(path, "it is " + _kind(os.lstat(str(path)).st_mode)) from None
        raise
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise UnusableStateFile(path, "it is " + _kind(mode))
    return descriptor


def set_aside(path: Path) -> Path:
    """Rename whatever is at ``path`` (file, link, directory) to ``<name>.unusable-<UTC time>``, kept for inspection."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    target = path.with_name("{0}.unusable-{1}".format(path.name, stamp))
    number = 0
    while os.path.lexists(str(target)):
        number += 1
        target = path.with_name("{0}.unusable-{1}-{2}".format(path.name, stamp, number))
    os.rename(str(path), str(target))
    return target


def open_replacing(path: Path, flags: int) -> Tuple[int, Optional[str]]:
    """Like ``open_private``, but something planted at ``path`` is set aside and a real file made.

    Returns the descriptor and, when something was set aside, a sentence saying what and where to.
    Only a link or a non-file is moved: a regular file another process just created stays.
    """
    try:
        return open_private(path, flags), None
    except UnusableStateFile as error:
        planted = "{0} is unusable: {1}".format(path, error.reason)
    try:
        if not stat.S_ISREG(os.lstat(str(path)).st_mode):
            planted += "; moved aside to {0}".format(set_aside(path))
    except FileNotFoundError:
        pass  # another process moved it first
    return open_private(path, flags), planted


def _read(path: Path) -> Any:
    try:
        descriptor = os.open(str(path), os.O_RDONLY | _SAFE_OPEN)
    except FileNotFoundError:
        return _MISSING
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO):
            raise UnusableStateFile(path, "it is " + _kind(os.lstat(str(path)).st_mode)) from None
        raise StateFileError("state file {0} is unreadable ({1}); check its permissions".format(path, error)) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise UnusableStateFile(path, "it is " + _kind(mode))
        with os.fdopen(descriptor, "r", encoding="utf-8", closefd=False) as handle:
            return json.load(handle)
    except ValueError as error:
        raise UnusableStateFile(path, "it is not JSON ({0})".format(error)) from None
    except RecursionError:
        raise UnusableStateFile(path, "it is not JSON (nested too deeply)") from None
    except OSError as error:
        raise StateFileError("state file {0} is unreadable ({1}); check the disk".format(path, error)) from None
    finally:
        os.close(descriptor)


def write_atomically(path: Path, data: Any) -> None:
    """Write to a temporary file beside ``path`` and rename it over, so readers see old or new, never half."""
    handle, temporary = tempfile.mkstemp(dir=str(path.parent), prefix=path.name + ".", suffix=".tmp")
    try:
        os.fchmod(handle, PRIVATE)
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            # dumps, not dump: only the one-shot encoder is the C one, several times quicker on a big state.
            stream.write(json.dumps(data, sort_keys=True, separators=(",", ":")))
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, str(path))
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _write_back(path: Path, data: Any) -> None:
    try:
        write_atomically(path, data)
    except OSError as error:
        raise StateFileError("cannot write state file {0} ({1}); free space or choose a writable path".format(path, error)) from None


@contextmanager
def _lock(path: Path, exclusive: bool, notes: Optional[list] = None) -> Iterator[None]:
    """Hold ``<path>.lock``; with ``notes``, a link or directory planted there is set aside (and noted), else refused."""
    lock_path = Path(str(path) + ".lock")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        if notes is None:
            descriptor = open_private(lock_path, os.O_RDWR)
        else:
            descriptor, planted = open_replacing(lock_path, os.O_RDWR)
            if planted:
                notes.append(planted)
    except OSError as error:
        raise StateFileError("cannot lock state file {0} ({1}); choose a writable path".format(path, error)) from None
    except UnusableStateFile as error:
        raise StateFileError("cannot lock state file {0}: {1}".format(path, error)) from None
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH)
        yield
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def read_state(path: Path, default: Any) -> Any:
    """A consistent snapshot of the file (``default`` when it does not exist yet)."""
    with _lock(path, exclusive=False):
        data = _read(path)
    return default if data is _MISSING or data is None else data


@contextmanager
def _changes_written(path: Path, data: Any, changed: bool = False) -> Iterator[Any]:
    """Yield ``data``; write it back when the caller's block ran to its end and changed it (or ``changed``)."""
    before = json.dumps(data, sort_keys=True)
    completed = False
    try:
        yield data
        completed = True
    finally:
        # Only a change that ran to its end is written: an exception leaves the file as it was.
        if completed and (changed or json.dumps(data, sort_keys=True) != before):
            _write_back(path, data)


@contextmanager
def updating_state(path: Path, default: Any) -> Iterator[Any]:
    """Hold the file locked while the caller changes the yielded data; write it back if it changed."""
    with _lock(path, exclusive=True):
        data = _read(path)
        with _changes_written(path, default if data is _MISSING or data is None else data) as state:
            yield state


def _usable(path: Path, default: Any, repair: Repair) -> Tuple[Any, List[str]]:
    """The file's data as ``repair`` accepts it, and what was wrong (an empty list: nothing)."""
    try:
        data = _read(path)
    except UnusableStateFile as error:
        return default, [error.reason]
    if data is _MISSING:
        return default, []
    return repair(data)


@contextmanager
def recovering_state(path: Path, default: Any, repair: Repair) -> Iterator[Tuple[Any, List[str]]]:
    """Like ``updating_state``, for callers that must go on whatever the file holds.

    ``repair(data)`` returns the usable part of what the file holds and the problems it found.
    A file that is unreadable, no regular file, a symbolic link, or has problems is set aside
    (kept as ``<name>.unusable-<UTC time>``) and the update goes on with the usable part, or
    ``default``. Yields the data and sentences saying what was set aside (a planted lock too).
    StateFileError still means the file cannot be locked, moved or written at all.
    """
    notes: list = []
    with _lock(path, exclusive=True, notes=notes):
        data, problems = _usable(path, default, repair)
        if problems:
            try:
                moved_to = set_aside(path)
            except OSError as error:
                raise StateFileError("state file {0} is unusable ({1}) and cannot be moved aside ({2})".format(
                    path, "; ".join(problems), error)) from None
            notes.append("{0} is unusable: {1}; moved aside to {2}".format(path, "; ".join(problems), moved_to))
        with _changes_written(path, data, changed=bool(problems)) as state:
            yield state, notes


class LockedState:
    """A state file held under an exclusive lock: read once, then written whenever the caller says."""

    def __init__(self, path: Path, data: Any) -> None:
        self.path = path
        self.data = data

    def save(self) -> None:
        _write_back(self.path, self.data)


@contextmanager
def locked_state(path: Path, default: Any) -> Iterator[LockedState]:
    """The file's data under an exclusive lock held until the block ends; ``save()`` writes it durably."""
    with _lock(path, exclusive=True):
        data = _read(path)
        yield LockedState(path, default if data is _MISSING or data is None else data)
