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
import stat
import subprocess
import sys
from pathlib import Path

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
