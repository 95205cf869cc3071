# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The real script keeps the token out of its output, journal and state, and out of its command line (ps)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from simulator.sipgate_simulator import TOKEN, TOKEN_ID  # pylint: disable=import-error
from support.api_calls import closed_port_url
from support.notifier_script import ScriptRunner, icinga_args


def assert_no_token(*texts: str) -> None:
    for text in texts:
        assert TOKEN not in text, "the token leaked:\n" + text[max(0, text.find(TOKEN) - 300):text.find(TOKEN) + 100]


def test_failing_delivery_and_dry_run_keep_the_token_out_of_output_journal_and_state(
        notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    failed = notifier(icinga_args(), env={"SIPGATE_API_URL": closed_port_url()})
    assert failed.returncode == 1, (failed.stdout, failed.stderr)
    dry = notifier(["--dry-run", *icinga_args(service="DNS")])
    assert dry.returncode == 0, (dry.stdout, dry.stderr)
    assert "PROBLEM web01/DNS CRITICAL" in dry.stdout
    journal = (notifier.state_dir / "journal.jsonl").read_text(encoding="utf-8")
    assert '"spooled"' in journal
    assert_no_token(failed.stdout, failed.stderr, dry.stdout, dry.stderr, journal,
                    (notifier.state_dir / "state.json").read_text(encoding="utf-8"))
    assert sipgate_sim.sent_sms() == []


def test_token_is_not_in_the_command_line_of_a_running_notifier(notifier: ScriptRunner, sipgate_sim) -> None:  # type: ignore[no-untyped-def]
    sipgate_sim.add_fault(delay=2.0, path="/sessions/sms")
    process = notifier.start(icinga_args())
    try:
        deadline = time.monotonic() + 10
        while not any(request["method"] == "POST" for request in sipgate_sim.requests()):
            assert process.poll() is None and time.monotonic() < deadline, "the notifier never reached the send"
            time.sleep(0.05)
        # The send hangs in the simulator's delay: the process is alive and mid-delivery.
        cmdline = Path("/proc/{0}/cmdline".format(process.pid)).read_bytes().decode("utf-8", "replace")
        assert "sipgate_sms_notify.py" in cmdline and "web01" in cmdline
        assert TOKEN not in cmdline and TOKEN_ID not in cmdline
    finally:
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, (out, err)
    assert len(sipgate_sim.sent_sms()) == 1


@pytest.mark.parametrize("content, line", [
    ("[sipgate]\ntoken_id = {id}\ntoken {token}\n", 3),          # the '=' forgotten
    ("token = {token}\n[sipgate]\ntoken_id = {id}\n", 1),       # before any section
    ("[sipgate]\ntoken = {token}\ntoken = {token}\n", 3),       # given twice
])
@pytest.mark.parametrize("mode", [[], ["--serve", "127.0.0.1:0"]])
def test_a_malformed_settings_file_is_refused_by_line_without_quoting_it(notifier: ScriptRunner, sipgate_sim, content: str,  # type: ignore[no-untyped-def]
                                                                         line: int, mode: list) -> None:
    settings = notifier.state_dir.parent / "broken.ini"
    settings.write_text(content.format(id=TOKEN_ID, token=TOKEN), encoding="utf-8")
    settings.chmod(0o600)
    done = notifier([*mode, "--config", str(settings), *([] if mode else icinga_args())], timeout=30)
    assert done.returncode == 2 and "line {0}".format(line) in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert_no_token(done.stdout, done.stderr)
    assert sipgate_sim.sent_sms() == []
