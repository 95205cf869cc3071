# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Files in the state directory: never through a planted link, never hung on a FIFO, always 0600.

A link planted where the state, the journal or the lock belongs is moved aside (kept, reported)
and a real file takes its place; its target is neither read, written nor created.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

import pytest
from support.api_calls import sms_posts
from support.notifier_script import SCRIPT, ScriptRunner, assert_no_traceback, nagios_alert

STATE_FILES = ("state.json", "journal.jsonl", "state.json.lock")


def mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(str(path)).st_mode)


@pytest.mark.parametrize("name", STATE_FILES)
def test_a_link_to_another_file_is_set_aside_and_the_file_stays_untouched(notifier: ScriptRunner, sipgate_sim, tmp_path: Path,  # type: ignore[no-untyped-def]
                                                                          name: str) -> None:
    other = tmp_path / "precious"
    other.write_text("precious\n", encoding="utf-8")
    (notifier.state_dir / name).symlink_to(other)
    done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert other.read_text(encoding="utf-8") == "precious\n"
    [kept] = notifier.set_aside(name)
    assert os.readlink(str(kept)) == str(other) and "{0} is unusable: it is a symbolic link".format(notifier.state_dir / name) in done.stderr
    assert stat.S_ISREG(os.lstat(str(notifier.state_dir / name)).st_mode)
    assert len(sms_posts(sipgate_sim)) == 1
    events = [entry["event"] for entry in notifier.journal()]
    assert events.count("sent") == 1 and events.count("state_problem") == 1


@pytest.mark.parametrize("name", STATE_FILES)
def test_a_dangling_link_does_not_create_its_target(notifier: ScriptRunner, sipgate_sim, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "created-through-a-link"
    (notifier.state_dir / name).symlink_to(target)
    done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0 and not os.path.lexists(str(target))
    assert len(notifier.set_aside(name)) == 1 and len(sms_posts(sipgate_sim)) == 1


def test_a_linked_state_that_would_deduplicate_is_not_read(notifier: ScriptRunner, sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert notifier(env=nagios_alert()).returncode == 0
    elsewhere = tmp_path / "elsewhere.json"
    (notifier.state_dir / "state.json").rename(elsewhere)
    (notifier.state_dir / "state.json").symlink_to(elsewhere)
    assert notifier(env=nagios_alert()).returncode == 0  # a repeat; deduplicated only if the link were followed
    assert len(sms_posts(sipgate_sim)) == 2


@pytest.mark.parametrize("name", ("state.json", "journal.jsonl"))
def test_a_fifo_where_a_file_belongs_neither_hangs_the_run_nor_stays(notifier: ScriptRunner, sipgate_sim, name: str) -> None:  # type: ignore[no-untyped-def]
    os.mkfifo(str(notifier.state_dir / name))
    done = notifier(env=nagios_alert(), timeout=20)
    assert_no_traceback(done)
    assert done.returncode == 0 and len(sms_posts(sipgate_sim)) == 1
    assert len(notifier.set_aside(name)) == 1 and stat.S_ISREG(os.lstat(str(notifier.state_dir / name)).st_mode)


@pytest.mark.parametrize("umask", [0o000, 0o022, 0o277], ids=["umask 000", "umask 022", "umask 277"])
def test_state_journal_and_lock_are_created_0600_whatever_the_umask(notifier: ScriptRunner, umask: int) -> None:
    done = subprocess.run([sys.executable, str(SCRIPT)], env=notifier.environment(nagios_alert()), capture_output=True, text=True,
                          timeout=60, check=False, umask=umask)
    assert done.returncode == 0, done.stderr
    assert {name: oct(mode(notifier.state_dir / name)) for name in STATE_FILES} == {name: oct(0o600) for name in STATE_FILES}


def test_the_state_set_aside_keeps_its_private_mode(notifier: ScriptRunner) -> None:
    path = notifier.state_dir / "state.json"
    path.write_text(json.dumps([]), encoding="utf-8")
    path.chmod(0o600)
    assert notifier(env=nagios_alert()).returncode == 0
    [kept] = notifier.set_aside("state.json")
    assert mode(kept) == 0o600 and mode(path) == 0o600


# A flush run by hand as root must not leave files the engine's user (here nobody) can no longer use.
SYSTEM_PYTHON = "/usr/bin/python3"
ENGINE_USER = 65534
as_root_and_engine = pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON),
                                        reason="running as another user needs root")


@pytest.fixture
def engine_state_dir() -> Iterator[Path]:
    """A state directory owned by the engine's user, in a folder that user can reach."""
    base = Path(tempfile.mkdtemp(prefix="sipgate-engine-", dir="/tmp"))
    base.chmod(0o755)
    state_dir = base / "state"
    state_dir.mkdir(mode=0o700)
    os.chown(state_dir, ENGINE_USER, ENGINE_USER)
    yield state_dir
    shutil.rmtree(base)


def as_engine_user(notifier: ScriptRunner, state_dir: Path, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run([SYSTEM_PYTHON, str(SCRIPT)], env=notifier.environment(dict(env, SIPGATE_SMS_STATE_DIR=str(state_dir))),
                          capture_output=True, text=True, timeout=60, check=False, user=ENGINE_USER, group=ENGINE_USER, cwd="/")


@as_root_and_engine
def test_files_root_creates_belong_to_the_state_directorys_owner(notifier: ScriptRunner, sipgate_sim,  # type: ignore[no-untyped-def]
                                                                 engine_state_dir: Path) -> None:
    first = notifier(env=dict(nagios_alert(), SIPGATE_SMS_STATE_DIR=str(engine_state_dir)))
    assert first.returncode == 0, first.stderr
    owners = {path.name: (path.stat().st_uid, mode(path)) for path in engine_state_dir.iterdir()}
    assert set(owners) >= set(STATE_FILES) and set(owners.values()) == {(ENGINE_USER, 0o600)}, owners
    repeat = as_engine_user(notifier, engine_state_dir, nagios_alert())
    assert_no_traceback(repeat)
    assert repeat.returncode == 0 and "ERROR" not in repeat.stderr and ": deduplicated" in repeat.stderr, repeat.stderr
    assert len(sms_posts(sipgate_sim)) == 1


@as_root_and_engine
def test_state_another_user_left_unreadable_is_set_aside_and_dedup_works_again(notifier: ScriptRunner, sipgate_sim,  # type: ignore[no-untyped-def]
                                                                               engine_state_dir: Path) -> None:
    for name, content in (("state.json", '{"version": 1}'), ("state.json.lock", ""), ("journal.jsonl", "")):
        (engine_state_dir / name).write_text(content, encoding="utf-8")
        (engine_state_dir / name).chmod(0o600)  # root's, as an older version left them
    first = as_engine_user(notifier, engine_state_dir, nagios_alert())
    assert_no_traceback(first)
    assert first.returncode == 0, first.stderr
    assert "may not" in first.stderr and "moved aside" in first.stderr
    repeat = as_engine_user(notifier, engine_state_dir, nagios_alert())
    assert repeat.returncode == 0 and "ERROR" not in repeat.stderr and ": deduplicated" in repeat.stderr, repeat.stderr
    assert len(sms_posts(sipgate_sim)) == 1
    kept = sorted(path.name.split(".unusable-")[0] for path in engine_state_dir.iterdir() if ".unusable-" in path.name)
    assert kept == sorted(STATE_FILES), kept
