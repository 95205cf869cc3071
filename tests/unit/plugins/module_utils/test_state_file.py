# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A JSON state file shared by concurrent processes: no lost update, never half written."""

from __future__ import annotations

import json
import multiprocessing
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.state_file import (
    StateFileError, UnusableStateFile, open_private, open_replacing, read_state, read_unlocked, recovering_state, set_aside,
    updating_state, write_atomically)
from support.mounts import fill_up, needs_mount, read_only, tiny_tmpfs  # pylint: disable=import-error

PROCESSES = 20
INCREMENTS = 20


@pytest.fixture
def fast_folder(tmp_path: Path) -> Iterator[Path]:
    """A folder in memory when the system has one: 400 fsyncs on a disk take seconds, not the lock."""
    if not os.path.isdir("/dev/shm"):
        yield tmp_path
        return
    with tempfile.TemporaryDirectory(dir="/dev/shm") as folder:
        yield Path(folder)


def increment_many_times(path: str, times: int) -> None:
    for dummy in range(times):
        with updating_state(Path(path), {"count": 0}) as state:
            state["count"] += 1


def test_missing_file_reads_as_the_default(tmp_path: Path) -> None:
    assert read_state(tmp_path / "state.json", {"sent": {}}) == {"sent": {}}
    assert not (tmp_path / "state.json").exists()


def test_update_writes_what_the_caller_changed(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with updating_state(path, {}) as state:
        state["key"] = {"delivered": 1700000000}
    assert json.loads(path.read_text(encoding="utf-8")) == {"key": {"delivered": 1700000000}}
    assert read_state(path, {}) == {"key": {"delivered": 1700000000}}
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["state.json", "state.json.lock"]


def test_update_that_changes_nothing_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with updating_state(path, {"sent": {}}) as state:
        assert state == {"sent": {}}
    assert not path.exists()


def test_failure_inside_an_update_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, {"count": 1})
    with pytest.raises(RuntimeError):
        with updating_state(path, {}) as state:
            state["count"] = 2
            raise RuntimeError("interrupted")
    assert read_state(path, {}) == {"count": 1}


def test_atomic_write_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text('{"old": true}', encoding="utf-8")
    write_atomically(path, {"new": True, "text": "\u20ac \U0001F600"})
    assert json.loads(path.read_text(encoding="utf-8")) == {"new": True, "text": "\u20ac \U0001F600"}
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["state.json"]


def test_atomic_write_that_fails_leaves_old_content_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, {"count": 1})
    with pytest.raises(TypeError):
        write_atomically(path, {"not serialisable": object()})
    assert read_state(path, {}) == {"count": 1}
    assert sorted(entry.name for entry in tmp_path.iterdir()) == ["state.json", "state.json.lock"]


def test_state_file_is_private_to_its_owner(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, {})
    assert path.stat().st_mode & 0o077 == 0


def test_missing_folders_are_created(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "state.json"
    with updating_state(path, {}) as state:
        state["a"] = 1
    assert read_state(path, {}) == {"a": 1}


@pytest.mark.parametrize("content", ["{not json", '{"half": ', "", "\x00\x01", "\udcff"])
def test_unreadable_file_is_an_error_naming_the_path(tmp_path: Path, content: str) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(StateFileError) as caught:
        read_state(path, {})
    assert str(path) in str(caught.value)
    with pytest.raises(StateFileError):
        with updating_state(path, {}):
            pass
    # The broken file is left for the user to inspect.
    assert path.read_bytes() == content.encode("utf-8", "surrogateescape")


def test_a_folder_where_the_file_should_be_is_an_error_naming_the_path(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.mkdir()
    with pytest.raises(StateFileError) as caught:
        read_state(path, {})
    assert str(path) in str(caught.value)


def test_path_below_a_regular_file_cannot_be_locked(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(StateFileError) as caught:
        read_state(blocker / "state.json", {})
    assert str(blocker / "state.json") in str(caught.value)
    assert "writable path" in str(caught.value)


def test_concurrent_processes_lose_no_update(fast_folder: Path) -> None:
    path = fast_folder / "state.json"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=increment_many_times, args=(str(path), INCREMENTS)) for dummy in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=60)
    assert [worker.exitcode for worker in workers] == [0] * PROCESSES
    assert read_state(path, {}) == {"count": PROCESSES * INCREMENTS}
    assert sorted(entry.name for entry in fast_folder.iterdir()) == ["state.json", "state.json.lock"]


# Links, modes and a file system that says no: the module refuses, the notifier (recovering_state) goes on.

def keep_dicts(data: object) -> tuple:
    """A repair for recovering_state: a dict is usable, anything else is not (and a fresh one used)."""
    return (data, []) if isinstance(data, dict) else ({"fresh": True}, ["it holds no object"])


def aside(path: Path) -> list:
    return sorted(entry for entry in path.parent.iterdir() if entry.name.startswith(path.name + ".unusable-"))


@pytest.mark.parametrize("read", [lambda path: read_state(path, {}), lambda path: updating_state(path, {}).__enter__()],
                         ids=["read_state", "updating_state"])
def test_a_state_file_that_is_a_link_is_refused_and_its_target_not_read(tmp_path: Path, read) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "elsewhere.json"
    target.write_text('{"secret": 1}', encoding="utf-8")
    path = tmp_path / "state.json"
    path.symlink_to(target)
    with pytest.raises(UnusableStateFile) as refused:
        read(path)
    assert str(path) in str(refused.value) and "symbolic link" in str(refused.value) and "secret" not in str(refused.value)
    assert target.read_text(encoding="utf-8") == '{"secret": 1}'


def test_a_dangling_link_where_the_state_belongs_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.symlink_to(tmp_path / "target.json")
    with pytest.raises(StateFileError):
        with updating_state(path, {}) as state:
            state["a"] = 1
    assert not (tmp_path / "target.json").exists()


def test_a_link_where_the_lock_belongs_is_refused_without_creating_its_target(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    Path(str(path) + ".lock").symlink_to(tmp_path / "target")
    with pytest.raises(StateFileError) as refused:
        read_state(path, {})
    assert "symbolic link" in str(refused.value) and not (tmp_path / "target").exists()


@pytest.mark.parametrize("umask", [0o000, 0o277], ids=["umask 000", "umask 277"])
def test_state_and_lock_files_are_created_0600_whatever_the_umask(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "state.json"
    previous = os.umask(umask)
    try:
        with updating_state(path, {}) as state:
            state["a"] = 1
    finally:
        os.umask(previous)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and stat.S_IMODE(Path(str(path) + ".lock").stat().st_mode) == 0o600


def test_open_private_refuses_a_fifo_without_hanging(tmp_path: Path) -> None:
    os.mkfifo(str(tmp_path / "fifo"))
    with pytest.raises(UnusableStateFile, match="no regular file"):
        open_private(tmp_path / "fifo", os.O_WRONLY | os.O_APPEND)


def test_open_replacing_moves_a_planted_link_aside_and_opens_a_real_file(tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.write_text("untouched", encoding="utf-8")
    path = tmp_path / "journal.jsonl"
    path.symlink_to(other)
    descriptor, note = open_replacing(path, os.O_WRONLY | os.O_APPEND)
    os.write(descriptor, b"line\n")
    os.close(descriptor)
    [kept] = aside(path)
    assert note == "{0} is unusable: it is a symbolic link; moved aside to {1}".format(path, kept)
    assert path.read_bytes() == b"line\n" and other.read_text(encoding="utf-8") == "untouched" and os.readlink(str(kept)) == str(other)


def test_nesting_deeper_than_the_stack_is_an_unusable_file_not_a_crash(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text("[" * 100000, encoding="utf-8")
    with pytest.raises(UnusableStateFile, match="nested too deeply"):
        read_state(path, {})


@pytest.mark.parametrize("content", [b"{not json", b"", b"[1, 2]", b"null", b"\xff"], ids=["garbage", "empty", "a list", "null", "not UTF-8"])
def test_recovering_state_sets_an_unusable_file_aside_and_goes_on_with_the_default(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "state.json"
    path.write_bytes(content)
    with recovering_state(path, {"fresh": True}, keep_dicts) as (state, notes):
        state["count"] = 1
    [kept] = aside(path)
    assert kept.read_bytes() == content and [note.startswith("{0} is unusable: ".format(path)) for note in notes] == [True]
    assert notes[0].endswith("moved aside to {0}".format(kept))
    assert json.loads(path.read_text(encoding="utf-8")) == {"fresh": True, "count": 1}


def test_recovering_state_keeps_what_the_repair_salvaged_and_writes_it_even_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, {"good": 1, "bad": "x"})

    def drop_text(data: dict) -> tuple:
        return {key: value for key, value in data.items() if not isinstance(value, str)}, ["bad is text"]

    with recovering_state(path, {}, drop_text) as (state, notes):
        assert state == {"good": 1}
    assert json.loads(path.read_text(encoding="utf-8")) == {"good": 1} and "bad is text" in notes[0] and len(aside(path)) == 1


def test_recovering_state_of_a_sound_or_missing_file_sets_nothing_aside(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with recovering_state(path, {"fresh": True}, keep_dicts) as (state, notes):
        assert (state, notes) == ({"fresh": True}, [])
        state["a"] = 1
    with recovering_state(path, {}, keep_dicts) as (state, notes):
        assert (state, notes) == ({"fresh": True, "a": 1}, [])
    assert aside(path) == []


def test_recovering_state_sets_a_planted_lock_aside_and_notes_it(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    Path(str(path) + ".lock").mkdir()
    with recovering_state(path, {}, keep_dicts) as (_state, notes):
        pass
    assert notes == ["{0}.lock is unusable: it is a directory; moved aside to {1}".format(path, aside(Path(str(path) + ".lock"))[0])]


def test_set_aside_never_overwrites_an_earlier_one(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    names = []
    for number in range(3):
        path.write_text(str(number), encoding="utf-8")
        names.append(set_aside(path))
    assert len(set(names)) == 3 and sorted(name.read_text(encoding="utf-8") for name in names) == ["0", "1", "2"]


@needs_mount
def test_a_full_disk_is_a_state_file_error_and_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    with tiny_tmpfs(tmp_path / "small") as small:
        path = small / "state.json"
        write_atomically(path, {"count": 1})
        read_state(path, {})
        fill_up(small)
        with pytest.raises(StateFileError) as refused:
            with updating_state(path, {}) as state:
                state["count"] = 2
        assert str(path) in str(refused.value) and "No space left on device" in str(refused.value)
        assert read_state(path, {}) == {"count": 1}
        assert sorted(entry.name for entry in small.iterdir()) == ["filler", "state.json", "state.json.lock"]


@needs_mount
def test_a_read_only_folder_is_a_state_file_error_naming_the_path(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    with read_only(folder):
        with pytest.raises(StateFileError) as refused:
            with recovering_state(folder / "state.json", {}, keep_dicts) as (state, _notes):
                state["a"] = 1
    assert str(folder / "state.json") in str(refused.value) and "Read-only file system" in str(refused.value)


def test_paths_as_strings_work_like_path_objects(tmp_path: Path) -> None:
    # The notifier passes strings (pathlib costs its runs an import); the module passes Path objects.
    path = str(tmp_path / "deeper" / "state.json")
    with updating_state(path, {}) as state:
        state["n"] = 1
    assert read_state(path, {}) == {"n": 1} and read_unlocked(path, {}) == {"n": 1}
    Path(path).write_text("[", encoding="utf-8")
    with recovering_state(path, {"n": 0}, keep_dicts) as (state, notes):
        assert state == {"n": 0}
    [kept] = aside(Path(path))
    assert isinstance(set_aside(path), str) and notes == ["{0} is unusable: it is not JSON ({1}); moved aside to {2}".format(
        path, "Expecting value: line 1 column 2 (char 1)", kept)]


def test_reading_without_the_lock_creates_nothing(tmp_path: Path) -> None:
    assert read_unlocked(tmp_path / "absent.json", {"empty": True}) == {"empty": True}
    assert list(tmp_path.iterdir()) == []
    write_atomically(tmp_path / "cache.json", {"a": 1})
    assert read_unlocked(tmp_path / "cache.json", {}) == {"a": 1} and sorted(path.name for path in tmp_path.iterdir()) == ["cache.json"]
