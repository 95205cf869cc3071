# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A JSON state file shared by concurrent processes: no lost update, never half written."""

from __future__ import annotations

import json
import multiprocessing
import os
import tempfile
from pathlib import Path
from typing import Iterator

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.state_file import (
    StateFileError, read_state, updating_state, write_atomically)

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


@pytest.mark.parametrize("content", ["{not json", '{"half": ', "\udcff"])
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
