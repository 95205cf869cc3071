# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The locked JSON state file under concurrency."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.state_file import (
    StateFileError, read_state, updating_state, write_atomically)

PROCESSES, INCREMENTS = 16, 25


def _increment(path: str) -> None:
    for _increment_number in range(INCREMENTS):
        with updating_state(Path(path), {"count": 0}) as data:
            data["count"] += 1


def test_read_state_of_a_missing_file_is_the_default(tmp_path: Path) -> None:
    assert read_state(tmp_path / "nope.json", {"a": 1}) == {"a": 1}


def test_updating_state_writes_the_change_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "state.json"
    with updating_state(path, {}) as data:
        data["key"] = "value"
    assert json.loads(path.read_text(encoding="utf-8")) == {"key": "value"}
    assert read_state(path, {}) == {"key": "value"}
    assert not list(path.parent.glob("*.tmp"))


def test_updating_state_without_a_change_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    with updating_state(path, {"a": 1}):
        pass
    assert not path.exists()


def test_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, {"old": True})
    with pytest.raises(TypeError):
        write_atomically(path, {"bad": object()})
    assert json.loads(path.read_text(encoding="utf-8")) == {"old": True}
    assert not list(tmp_path.glob("*.tmp"))


def test_exception_inside_update_keeps_the_old_state(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    write_atomically(path, {"n": 1})
    with pytest.raises(RuntimeError):
        with updating_state(path, {}) as data:
            data["n"] = 2
            raise RuntimeError("boom")
    assert read_state(path, {}) == {"n": 1}


def test_concurrent_processes_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "counter.json"
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_increment, args=(str(path),)) for _process_number in range(PROCESSES)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    assert read_state(path, {})["count"] == PROCESSES * INCREMENTS
    assert not list(tmp_path.glob("*.tmp"))


@pytest.mark.parametrize("content", ["{not json", "", "\x00\x01"])
def test_unreadable_state_file_is_an_error_naming_the_path(tmp_path: Path, content: str) -> None:
    path = tmp_path / "broken.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(StateFileError) as caught:
        read_state(path, {})
    assert str(path) in str(caught.value)
    with pytest.raises(StateFileError):
        with updating_state(path, {}):
            pass


def test_state_file_in_an_unwritable_place_is_an_error_naming_the_path(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    path = blocker / "state.json"
    with pytest.raises(StateFileError) as caught:
        read_state(path, {})
    assert str(path) in str(caught.value)
