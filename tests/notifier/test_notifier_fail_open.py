# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fail open: broken, unwritable or full state never stops an alert, and never makes one go out again and again.

The real script in subprocesses against the simulator; every case counts the POSTs sipgate saw.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest
import sipgate_api.state_file as state_file_module  # pylint: disable=import-error
from support.api_calls import sms_posts
from support.notifier_script import SCRIPT, ScriptRunner, account_settings, assert_no_traceback, icinga_args, nagios_alert
from support.mounts import fill_up, needs_mount, read_only, tiny_tmpfs  # pylint: disable=import-error
from sipgate_api.errors import NOT_DELIVERED  # pylint: disable=import-error
from sipgate_notify import journal as journal_module  # pylint: disable=import-error
from sipgate_notify import spool  # pylint: disable=import-error
from sipgate_notify.run import EXIT_OK, EXIT_TEMPORARY  # pylint: disable=import-error
from sipgate_notify.run import LOCK_WAIT as RUN_LOCK_WAIT  # pylint: disable=import-error
from support.notifier_stand_ins import ALICE, Clock, StandInSender, alert, journal, make_run

BOB = "+4915799912346"
SYSTEM_PYTHON = "/usr/bin/python3"


def spooled_item(recipient: str, text: str) -> dict:
    return {"id": "a" * 32, "recipient": recipient, "text": text, "created": time.time() - 60, "attempts": 1, "claimed_by": None,
            "claimed_at": 0, "about": {"type": "PROBLEM", "host": "db1", "service": "", "state": "DOWN", "source": "nagios"}}


@needs_mount
def test_unwritable_journal_still_records_the_send_so_no_later_run_sends_it_again(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    journal = notifier.state_dir / "journal.jsonl"
    journal.touch(mode=0o600)
    with read_only(journal):
        done = notifier(env=nagios_alert())
        assert_no_traceback(done)
        assert done.returncode == 0, done.stderr
        assert "cannot write the journal" in done.stderr and "Read-only file system" in done.stderr
        assert "PROBLEM web01 DOWN -> +4915799912345: sent" in done.stderr
        assert notifier.state()["outbox"] == []
        notifier.age_every_claim()
        flushed = [notifier(["--flush"]) for _attempt in range(2)]
    assert [run.returncode for run in flushed] == [0, 0]
    assert len(sms_posts(sipgate_sim)) == 1


BAD_STATES = {
    "a list": b"[]",
    "a string": b'"x"',
    "a number": b"42",
    "null": b"null",
    "an empty outbox item": b'{"outbox": [{}]}',
    "a string for the subjects": b'{"subjects": "x"}',
    "a string for a recipient's sends": b'{"sends": {"+4915799912345": "x"}}',
    "an empty held entry": b'{"held": {"+4915799912345": [{}]}}',
    "a subject seen at NaN": b'{"subjects": {"k": {"fingerprint": "f", "at": NaN}}}',
    "a version that is text": b'{"version": "one"}',
    "an outbox item whose about overrides the event": json.dumps({"outbox": [dict(spooled_item(BOB, "x"), about={"event": "sent"})]}).encode(),
    "nothing": b"",
    "garbage": b"{not json",
    "bytes that are not UTF-8": b'{"subjects": "\xff\xfe"}',
    "nesting beyond any stack": b"[" * 100000,
}


@pytest.mark.parametrize("content", BAD_STATES.values(), ids=BAD_STATES.keys())
def test_unusable_state_is_set_aside_and_the_alert_goes_out_once(notifier: ScriptRunner, sipgate_sim, content: bytes) -> None:  # type: ignore[no-untyped-def]
    (notifier.state_dir / "state.json").write_bytes(content)
    done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01 DOWN: PING CRITICAL"] and len(sms_posts(sipgate_sim)) == 1
    [kept] = notifier.set_aside()
    assert kept.read_bytes() == content
    assert "ERROR: {0} is unusable: ".format(notifier.state_dir / "state.json") in done.stderr
    assert "moved aside to {0}".format(kept) in done.stderr
    assert notifier.events() == ["state_problem", "sent"] and str(kept) in notifier.journal()[0]["reason"]
    assert notifier.state()["outbox"] == []
    assert notifier(env=nagios_alert()).returncode == 0  # the fresh state works: the repeat is deduplicated
    assert len(sms_posts(sipgate_sim)) == 1 and notifier.events()[-1] == "deduplicated"


def test_truncated_state_is_set_aside_and_the_alert_goes_out_once(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    assert notifier(env=nagios_alert(host="db1")).returncode == 0
    whole = (notifier.state_dir / "state.json").read_bytes()
    (notifier.state_dir / "state.json").write_bytes(whole[:len(whole) // 2])
    done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0 and len(sms_posts(sipgate_sim)) == 2
    assert "state.json is unusable: it is not JSON" in done.stderr and len(notifier.set_aside()) == 1
    assert notifier.events() == ["sent", "state_problem", "sent"]


def test_a_directory_where_the_state_belongs_is_set_aside_and_the_alert_goes_out(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    (notifier.state_dir / "state.json").mkdir()
    (notifier.state_dir / "state.json" / "inside").write_text("kept", encoding="utf-8")
    done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0 and len(sms_posts(sipgate_sim)) == 1
    [kept] = notifier.set_aside()
    assert (kept / "inside").read_text(encoding="utf-8") == "kept" and "it is a directory" in done.stderr
    assert notifier.state()["outbox"] == [] and notifier.events() == ["state_problem", "sent"]


def test_a_directory_where_the_lock_belongs_is_set_aside_and_dedup_still_works(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    (notifier.state_dir / "state.json.lock").mkdir()
    done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0 and len(sms_posts(sipgate_sim)) == 1
    assert "state.json.lock is unusable: it is a directory; moved aside to" in done.stderr
    assert len(notifier.set_aside("state.json.lock")) == 1 and (notifier.state_dir / "state.json.lock").is_file()
    assert notifier(env=nagios_alert()).returncode == 0 and len(sms_posts(sipgate_sim)) == 1
    assert notifier.events() == ["state_problem", "sent", "deduplicated"]


def test_spooled_sms_beside_a_broken_entry_are_kept_and_delivered(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    state = {"version": 1, "subjects": {}, "sends": {}, "held": {}, "outbox": [spooled_item(BOB, "PROBLEM db1 DOWN"), {"id": 7}]}
    (notifier.state_dir / "state.json").write_text(json.dumps(state), encoding="utf-8")
    done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "outbox item 1 has a bad 'id'" in done.stderr and "1 spooled SMS kept" in done.stderr
    assert sorted((sms["recipient"], sms["message"]) for sms in sipgate_sim.sent_sms()) == [
        (ALICE, "PROBLEM web01 DOWN: PING CRITICAL"), (BOB, "PROBLEM db1 DOWN")]
    assert len(sms_posts(sipgate_sim)) == 2 and sorted(notifier.events()) == ["sent", "sent", "state_problem"]
    assert notifier.state()["outbox"] == []


def test_dry_run_reports_unusable_state_and_leaves_it_alone(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    (notifier.state_dir / "state.json").write_bytes(b"[]")
    done = notifier(["--dry-run"], env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0 and "+4915799912345 [alert" in done.stdout
    assert "a real run sets it aside" in done.stderr
    assert sipgate_sim.requests() == [] and (notifier.state_dir / "state.json").read_bytes() == b"[]" and notifier.set_aside() == []


@needs_mount
def test_read_only_state_sends_without_dedup_and_exits_0(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    assert notifier(env=nagios_alert()).returncode == 0
    before = (notifier.state_dir / "state.json").read_bytes()
    with read_only(notifier.state_dir):
        done = notifier(env=nagios_alert())  # a repeat: deduplicated, were the state usable
        assert_no_traceback(done)
        assert done.returncode == 0, done.stderr
        assert "Read-only file system" in done.stderr and "sending without deduplication and budget" in done.stderr
        assert "PROBLEM web01 DOWN -> +4915799912345: sent (sent without deduplication and budget" in done.stderr
        assert "cannot write the journal" in done.stderr
    assert len(sms_posts(sipgate_sim)) == 2
    assert (notifier.state_dir / "state.json").read_bytes() == before and notifier.events() == ["sent"]
    assert notifier(env=nagios_alert()).returncode == 0 and len(sms_posts(sipgate_sim)) == 2  # writable again: deduplicated


@needs_mount
def test_read_only_state_and_sipgate_down_exits_1_saying_the_sms_is_not_spooled(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(status=503, count=100)
    with read_only(notifier.state_dir):
        done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 1
    assert "did not go out and cannot be spooled" in done.stderr and "not delivered and not spooled" in done.stderr
    assert sipgate_sim.sent_sms() == [] and len(sms_posts(sipgate_sim)) >= 1
    assert not (notifier.state_dir / "state.json").exists()


@needs_mount
def test_flush_with_read_only_state_exits_1_and_sends_nothing(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    state = {"version": 1, "subjects": {}, "sends": {}, "held": {}, "outbox": [spooled_item(BOB, "PROBLEM db1 DOWN")]}
    (notifier.state_dir / "state.json").write_text(json.dumps(state), encoding="utf-8")
    with read_only(notifier.state_dir):
        done = notifier(["--flush"])
    assert_no_traceback(done)
    assert done.returncode == 1 and "--flush cannot deliver the spool" in done.stderr
    assert sms_posts(sipgate_sim) == []
    assert notifier(["--flush"]).returncode == 0 and len(sms_posts(sipgate_sim)) == 1  # delivered once the state is usable


@needs_mount
def test_full_disk_still_sends_and_leaves_the_old_state_intact(sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    with tiny_tmpfs(tmp_path / "small") as small:
        runner = ScriptRunner(small, account_settings(sipgate_sim.url))
        assert runner(env=nagios_alert(host="db1")).returncode == 0
        before = (small / "state.json").read_bytes()
        fill_up(small)
        done = runner(env=nagios_alert())
        assert_no_traceback(done)
        assert done.returncode == 0, done.stderr
        assert "No space left on device" in done.stderr and "sending without deduplication and budget" in done.stderr
        assert len(sms_posts(sipgate_sim)) == 2
        assert (small / "state.json").read_bytes() == before
        assert sorted(path.name for path in small.iterdir()) == ["filler", "journal.jsonl", "state.json", "state.json.lock"]
        journaled = any(entry.get("host") == "web01" and entry["event"] == "sent" for entry in runner.journal())
        assert journaled or "cannot write the journal" in done.stderr


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists(SYSTEM_PYTHON), reason="running as another user needs root")
def test_state_directory_the_user_may_not_enter_still_sends(notifier: ScriptRunner, sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    private = tmp_path / "root-only"
    private.mkdir(mode=0o700)
    with tempfile.NamedTemporaryFile("w", suffix=".ini") as settings:  # in /tmp, where the other user may read its own file
        settings.write("[notify]\nmax_segments = 1\n")
        settings.flush()
        os.chown(settings.name, 65534, 65534)
        done = subprocess.run([SYSTEM_PYTHON, str(SCRIPT), "--config", settings.name, *icinga_args()], capture_output=True, text=True,
                              env=notifier.environment({"SIPGATE_SMS_STATE_DIR": str(private / "state")}), timeout=60, check=False,
                              user=65534, group=65534, cwd="/")
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert "Permission denied" in done.stderr and "sending without deduplication and budget" in done.stderr
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["PROBLEM web01/HTTP CRITICAL: Connection refused"]
    assert len(sms_posts(sipgate_sim)) == 1 and list(private.iterdir()) == []


def test_state_path_below_a_file_still_sends(notifier: ScriptRunner, sipgate_sim, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    done = notifier(icinga_args(), env={"SIPGATE_SMS_STATE_DIR": str(blocker / "state")})
    assert_no_traceback(done)
    assert done.returncode == 0 and len(sms_posts(sipgate_sim)) == 1
    assert "Not a directory" in done.stderr and "sending without deduplication and budget" in done.stderr


@contextlib.contextmanager
def lock_held(state_dir: Path) -> Iterator[None]:
    """The state's lock, held as a hung notifier would hold it."""
    state_dir.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(str(state_dir / "state.json.lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        yield
    finally:
        os.close(descriptor)


def test_a_lock_held_too_long_sends_the_alert_without_it(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    with lock_held(notifier.state_dir):
        done = notifier(env=nagios_alert())
    assert_no_traceback(done)
    assert done.returncode == 0, done.stderr
    assert RUN_LOCK_WAIT <= time.monotonic() - started < RUN_LOCK_WAIT + 10
    assert "locked by another process for 10 s" in done.stderr and "sending without deduplication and budget" in done.stderr
    assert len(sms_posts(sipgate_sim)) == 1


def test_ctrl_c_while_waiting_for_the_lock_ends_the_run_without_a_traceback(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    with lock_held(notifier.state_dir):
        process = notifier.start(env=nagios_alert())
        time.sleep(1.5)  # well into the wait for the lock
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert "Traceback" not in err and process.returncode == EXIT_TEMPORARY, err
    assert "stopped by SIGINT before the run ended" in err and out == ""
    assert sipgate_sim.sent_sms() == []


# In-process: the run's own sender stands in for sipgate, the state's writes are made to fail.

def disk_full(*_args: object) -> None:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_a_journal_that_cannot_be_opened_keeps_nothing_from_being_recorded(state_dir: Path, sipgate: StandInSender, clock: Clock,
                                                                           monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    monkeypatch.setattr(journal_module, "open_replacing", disk_full)
    assert make_run(state_dir, sipgate, clock).execute(alert()).exit_code == EXIT_OK
    assert "cannot write the journal" in capsys.readouterr().err
    recorded = json.loads((state_dir / "state.json").read_text(encoding="utf-8"))
    assert recorded["outbox"] == [] and recorded["sends"] == {ALICE: [clock.now]}
    clock.now += spool.STALE_CLAIM * 2
    for _flush in range(2):
        assert make_run(state_dir, sipgate, clock).execute(None).exit_code == EXIT_OK
    assert len(sipgate.delivered) == 1


def test_state_that_cannot_be_written_sends_through_the_runs_sender_without_budget(state_dir: Path, sipgate: StandInSender, clock: Clock,
                                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    make_run(state_dir, sipgate, clock, budget=1).execute(alert())
    before = (state_dir / "state.json").read_bytes()
    monkeypatch.setattr(state_file_module, "write_atomically", disk_full)
    result = make_run(state_dir, sipgate, clock, budget=1).execute(alert(host="web02"))  # over budget: held, were the state writable
    assert result.exit_code == EXIT_OK and [text for _recipient, text in sipgate.delivered][-1].startswith("PROBLEM web02")
    assert [entry["event"] for entry in journal(state_dir)] == ["sent", "state_problem", "sent"]
    assert "No space left on device" in journal(state_dir)[1]["reason"] and "without deduplication" in journal(state_dir)[2]["reason"]
    assert (state_dir / "state.json").read_bytes() == before
    assert [path.name for path in state_dir.iterdir() if path.name.endswith(".tmp")] == []


def test_undelivered_sms_without_writable_state_exits_temporary(state_dir: Path, sipgate: StandInSender, clock: Clock,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(state_file_module, "write_atomically", disk_full)
    sipgate.outcome = NOT_DELIVERED
    result = make_run(state_dir, sipgate, clock).execute(alert())
    assert result.exit_code == EXIT_TEMPORARY
    assert [entry["event"] for entry in journal(state_dir)] == ["state_problem", "failed"]
    assert "not delivered and not spooled" in journal(state_dir)[1]["reason"]


def test_an_outcome_that_cannot_be_recorded_is_journaled_and_reported(state_dir: Path, sipgate: StandInSender, clock: Clock,
                                                                      monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    def sipgate_then_full_disk(*args: object) -> dict:
        monkeypatch.setattr(state_file_module, "write_atomically", disk_full)
        return sipgate(*args)

    run = make_run(state_dir, sipgate, clock)
    run.sender = sipgate_then_full_disk
    assert run.execute(alert()).exit_code == EXIT_OK and len(sipgate.delivered) == 1
    assert [entry["event"] for entry in journal(state_dir)] == ["state_problem", "sent"]
    assert "is not recorded" in journal(state_dir)[0]["reason"] and "is not recorded" in capsys.readouterr().err
