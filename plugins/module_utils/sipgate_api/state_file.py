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
import os
import stat
import time

from .json_text import COMPACT, dumps, loads

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, List, Optional, Tuple, Union

    PathLike = Union[str, "os.PathLike[str]"]
    Repair = Callable[[Any], Tuple[Any, List[str]]]

PRIVATE = 0o600
# Non-blocking, so a FIFO planted where a file belongs cannot hang the open; no effect on regular files.
_SAFE_OPEN = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
# How many random names a temporary file may try before giving up (as tempfile does).
_TEMPORARY_NAMES = 100
# How often a wait with a time limit tries the lock: often, or a blocking waiter (queued in the
# kernel) would always get it first.
_LOCK_POLL = 0.01

# What _read returns for a file that does not exist (a file holding JSON null is not missing).
_MISSING = object()


class StateFileError(Exception):
    """The state file cannot be read or written; the message names the path and the fix."""


class UnusableStateFile(StateFileError):
    """The path holds no usable state: a symbolic link, no regular file, not JSON. ``reason`` says which."""

    def __init__(self, path: PathLike, reason: str) -> None:
        super().__init__("{0}: {1}; move it aside or delete it".format(path, reason))
        self.path = path
        self.reason = reason


def _kind(mode: int) -> str:
    if stat.S_ISLNK(mode):
        return "a symbolic link"
    if stat.S_ISDIR(mode):
        return "a directory"
    return "no regular file"


def _beside(path: PathLike, name: str) -> PathLike:
    """The file ``name`` in the folder of ``path``, of the same type as ``path`` (a string or a path object)."""
    sibling = os.path.join(os.path.dirname(os.fspath(path)), name)
    return sibling if isinstance(path, str) else type(path)(sibling)  # type: ignore[call-arg]


def _give_to_folder_owner(descriptor: int, path: PathLike) -> None:
    """A file root creates in another user's folder belongs to that user, who must keep using it.

    Otherwise one flush run by hand as root leaves a state, lock or journal file the monitoring
    engine's user can no longer open.
    """
    if os.geteuid() != 0:
        return
    try:
        folder = os.stat(os.path.dirname(os.fspath(path)) or ".")
        if folder.st_uid != 0:
            os.fchown(descriptor, folder.st_uid, folder.st_gid)
    except OSError:
        pass  # the file stays root's; the next run reports it if it cannot use it


def open_private(path: PathLike, flags: int) -> int:
    """A descriptor for the regular file ``path``, created 0600 when missing; never through a symbolic link.

    Raises UnusableStateFile when ``path`` is a link (dangling or not: its target is never created)
    or not a regular file, OSError for anything else.
    """
    try:
        descriptor = os.open(os.fspath(path), flags | os.O_CREAT | os.O_EXCL | _SAFE_OPEN, PRIVATE)
    except FileExistsError:
        pass
    else:
        os.fchmod(descriptor, PRIVATE)  # the umask may have taken bits from the owner too
        _give_to_folder_owner(descriptor, path)
        return descriptor
    try:
        descriptor = os.open(os.fspath(path), flags | _SAFE_OPEN)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.EISDIR, errno.ENXIO):
            raise UnusableStateFile(path, "it is " + _kind(os.lstat(os.fspath(path)).st_mode)) from None
        raise
    mode = os.fstat(descriptor).st_mode
    if not stat.S_ISREG(mode):
        os.close(descriptor)
        raise UnusableStateFile(path, "it is " + _kind(mode))
    return descriptor


def set_aside(path: PathLike) -> PathLike:
    """Rename whatever is at ``path`` (file, link, directory) to ``<name>.unusable-<UTC time>``, kept for inspection."""
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    name = os.path.basename(os.fspath(path))
    target = _beside(path, "{0}.unusable-{1}".format(name, stamp))
    number = 0
    while os.path.lexists(os.fspath(target)):
        number += 1
        target = _beside(path, "{0}.unusable-{1}-{2}".format(name, stamp, number))
    os.rename(os.fspath(path), os.fspath(target))
    return target


def open_replacing(path: PathLike, flags: int) -> Tuple[int, Optional[str]]:
    """Like ``open_private``, but something planted at ``path`` is set aside and a real file made.

    Returns the descriptor and, when something was set aside, a sentence saying what and where to.
    Only a link, a non-file or a file this user may not open (another user's) is moved: a regular
    file another process just created stays.
    """
    foreign = False
    try:
        return open_private(path, flags), None
    except UnusableStateFile as error:
        planted = "{0} is unusable: {1}".format(path, error.reason)
    except PermissionError as error:
        # Left by another user (an older version's flush run as root; files root makes now go to the
        # folder's owner). Should that user hold this very lock right now, both hold a lock for one
        # run: a narrow, one-time window, against every later alert going out without the state.
        planted = "{0} is unusable: this user may not open it ({1}), another user must have made it".format(path, error.strerror)
        foreign = True
    try:
        if foreign or not stat.S_ISREG(os.lstat(os.fspath(path)).st_mode):
            planted += "; moved aside to {0}".format(set_aside(path))
    except FileNotFoundError:
        pass  # another process moved it first
    return open_private(path, flags), planted


def _read_bytes(descriptor: int) -> bytes:
    chunks = []
    while True:
        chunk = os.read(descriptor, 1 << 16)
        if not chunk:
            return b"".join(chunks)
        chunks.append(chunk)


def _read(path: PathLike) -> Any:
    try:
        descriptor = os.open(os.fspath(path), os.O_RDONLY | _SAFE_OPEN)
    except FileNotFoundError:
        return _MISSING
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENXIO):
            raise UnusableStateFile(path, "it is " + _kind(os.lstat(os.fspath(path)).st_mode)) from None
        if error.errno in (errno.EACCES, errno.EPERM):
            # Written by another user (root running a flush by hand): a new file takes its place.
            raise UnusableStateFile(path, "this user may not read it ({0}), another user must have written it".format(
                error.strerror)) from None
        raise StateFileError("state file {0} is unreadable ({1}); check its permissions".format(path, error)) from None
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            raise UnusableStateFile(path, "it is " + _kind(mode))
        return loads(_read_bytes(descriptor).decode("utf-8"))
    except ValueError as error:
        raise UnusableStateFile(path, "it is not JSON ({0})".format(error)) from None
    except RecursionError:
        raise UnusableStateFile(path, "it is not JSON (nested too deeply)") from None
    except OSError as error:
        raise StateFileError("state file {0} is unreadable ({1}); check the disk".format(path, error)) from None
    finally:
        os.close(descriptor)


def _create_temporary(path: PathLike) -> Tuple[int, str]:
    """A new private file beside ``path`` with a random name, opened for writing: never an existing file or link."""
    for _attempt in range(_TEMPORARY_NAMES):
        temporary = os.fspath(_beside(path, "{0}.{1}.tmp".format(os.path.basename(os.fspath(path)), os.urandom(6).hex())))
        try:
            return os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE), temporary
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no unused temporary file name found beside {0}".format(path))


def write_atomically(path: PathLike, data: Any) -> None:
    """Write to a temporary file beside ``path`` and rename it over, so readers see old or new, never half."""
    handle, temporary = _create_temporary(path)
    try:
        os.fchmod(handle, PRIVATE)
        _give_to_folder_owner(handle, path)
        text = dumps(data, sort_keys=True, separators=COMPACT).encode("utf-8")
        written = 0
        while written < len(text):
            written += os.write(handle, text[written:])
        os.fsync(handle)
        os.close(handle)
        handle = -1
        os.replace(temporary, os.fspath(path))
    except BaseException:
        if handle >= 0:
            os.close(handle)
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def _write_back(path: PathLike, data: Any) -> None:
    try:
        write_atomically(path, data)
    except OSError as error:
        raise StateFileError("cannot write state file {0} ({1}); free space or choose a writable path".format(path, error)) from None


class _Lock:
    """Holds ``<path>.lock``; with ``notes``, a link or directory planted there is set aside (and noted), else refused.

    With ``wait`` (seconds), a lock another process holds longer than that is given up on with a
    StateFileError, so a hung holder cannot keep a caller waiting until something kills it.
    """

    def __init__(self, path: PathLike, exclusive: bool, notes: Optional[list] = None, wait: Optional[float] = None) -> None:
        self.path = path
        self.exclusive = exclusive
        self.notes = notes
        self.wait = wait
        self.descriptor = -1

    def _open(self) -> int:
        lock_path = os.fspath(self.path) + ".lock"
        try:
            os.makedirs(os.path.dirname(os.fspath(self.path)) or ".", mode=0o700, exist_ok=True)
            if self.notes is None:
                return open_private(lock_path, os.O_RDWR)
            descriptor, planted = open_replacing(lock_path, os.O_RDWR)
        except OSError as error:
            raise StateFileError("cannot lock state file {0} ({1}); choose a writable path".format(self.path, error)) from None
        except UnusableStateFile as error:
            raise StateFileError("cannot lock state file {0}: {1}".format(self.path, error)) from None
        if planted:
            self.notes.append(planted)
        return descriptor

    def _take(self, descriptor: int) -> None:
        mode = fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH
        if self.wait is None:
            fcntl.flock(descriptor, mode)
            return
        deadline = time.monotonic() + self.wait
        while True:
            try:
                fcntl.flock(descriptor, mode | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StateFileError("state file {0} has been locked by another process for {1:.0f} s; that process may "
                                         "hang (see fuser {0}.lock)".format(self.path, self.wait)) from None
                time.sleep(_LOCK_POLL)

    def __enter__(self) -> _Lock:
        descriptor = self._open()
        try:
            self._take(descriptor)
        except BaseException:
            os.close(descriptor)
            raise
        self.descriptor = descriptor
        return self

    def __exit__(self, *exc: Any) -> None:
        try:
            fcntl.flock(self.descriptor, fcntl.LOCK_UN)
        finally:
            os.close(self.descriptor)
            self.descriptor = -1


def read_state(path: PathLike, default: Any) -> Any:
    """A consistent snapshot of the file (``default`` when it does not exist yet)."""
    with _Lock(path, exclusive=False):
        data = _read(path)
    return default if data is _MISSING or data is None else data


def read_unlocked(path: PathLike, default: Any) -> Any:
    """The file's data without taking the lock (``default`` when it does not exist yet).

    Every write replaces the file at once, so a reader sees one whole version; for data that a
    lost update does not harm (a cache), this spares the lock file.
    """
    data = _read(path)
    return default if data is _MISSING or data is None else data


def _snapshot(data: Any) -> str:
    return dumps(data, sort_keys=True, separators=COMPACT)


class _Update:
    """The file locked and read on entry; on leaving, written back if the block ran to its end and changed it.

    Only a change that ran to its end is written: an exception leaves the file as it was.
    """

    def __init__(self, path: PathLike, default: Any, notes: Optional[list] = None, wait: Optional[float] = None) -> None:
        self.path = path
        self.default = default
        self.lock = _Lock(path, exclusive=True, notes=notes, wait=wait)
        self.data: Any = None
        self.changed = False
        self._before = ""

    def _load(self) -> Any:
        data = _read(self.path)
        return self.default if data is _MISSING or data is None else data

    def _given(self) -> Any:
        return self.data

    def __enter__(self) -> Any:
        self.lock.__enter__()
        try:
            self.data = self._load()
            self._before = _snapshot(self.data)
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise
        return self._given()

    def __exit__(self, exc_type: Any, *exc: Any) -> None:
        try:
            if exc_type is None and (self.changed or _snapshot(self.data) != self._before):
                _write_back(self.path, self.data)
        finally:
            self.lock.__exit__(None, None, None)


def updating_state(path: PathLike, default: Any) -> _Update:
    """Hold the file locked while the caller changes the yielded data; write it back if it changed."""
    return _Update(path, default)


class _Recovery(_Update):
    """An update that sets an unusable file aside and goes on with what ``repair`` salvaged; it yields (data, notes)."""

    def __init__(self, path: PathLike, default: Any, repair: Repair, wait: Optional[float] = None) -> None:
        self.notes: list = []
        super().__init__(path, default, self.notes, wait)
        self.repair = repair

    def _usable(self) -> Tuple[Any, List[str]]:
        """The file's data as ``repair`` accepts it, and what was wrong (an empty list: nothing)."""
        try:
            data = _read(self.path)
        except UnusableStateFile as error:
            return self.default, [error.reason]
        if data is _MISSING:
            return self.default, []
        return self.repair(data)

    def _load(self) -> Any:
        data, problems = self._usable()
        if problems:
            try:
                moved_to = set_aside(self.path)
            except OSError as error:
                raise StateFileError("state file {0} is unusable ({1}) and cannot be moved aside ({2})".format(
                    self.path, "; ".join(problems), error)) from None
            self.notes.append("{0} is unusable: {1}; moved aside to {2}".format(self.path, "; ".join(problems), moved_to))
            self.changed = True
        return data

    def _given(self) -> Any:
        return self.data, self.notes


def recovering_state(path: PathLike, default: Any, repair: Repair, wait: Optional[float] = None) -> _Recovery:
    """Like ``updating_state``, for callers that must go on whatever the file holds.

    ``repair(data)`` returns the usable part of what the file holds and the problems it found.
    A file that is unreadable, no regular file, a symbolic link, or has problems is set aside
    (kept as ``<name>.unusable-<UTC time>``) and the update goes on with the usable part, or
    ``default``. Yields the data and sentences saying what was set aside (a planted lock too).
    StateFileError still means the file cannot be locked (within ``wait`` seconds, when given),
    moved or written at all.
    """
    return _Recovery(path, default, repair, wait)


class LockedState:
    """A state file held under an exclusive lock: read once, then written whenever the caller says."""

    def __init__(self, path: PathLike, data: Any) -> None:
        self.path = path
        self.data = data

    def save(self) -> None:
        _write_back(self.path, self.data)


class _Held:
    def __init__(self, path: PathLike, default: Any) -> None:
        self.path = path
        self.default = default
        self.lock = _Lock(path, exclusive=True)

    def __enter__(self) -> LockedState:
        self.lock.__enter__()
        try:
            data = _read(self.path)
        except BaseException:
            self.lock.__exit__(None, None, None)
            raise
        return LockedState(self.path, self.default if data is _MISSING or data is None else data)

    def __exit__(self, *exc: Any) -> None:
        self.lock.__exit__(None, None, None)


def locked_state(path: PathLike, default: Any) -> _Held:
    """The file's data under an exclusive lock held until the block ends; ``save()`` writes it durably."""
    return _Held(path, default)
