# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A fault on every call path (module, info module, callback, notifier), each outcome classified."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hardening_runs import (ONCALL, icinga_args, journal_lines, notifier_env, posts, run_notifier, run_tasks, sipgate_env,
                            sms_task)
from simulator.sipgate_simulator import SMS_ID, TOKEN
from support.ansible_runner import run_playbook, write_playbook

pytestmark = pytest.mark.integration

# Plain words: no Python traceback, no exception class names, no raw urllib3 reprs.
NOT_PLAIN = re.compile(r"Traceback|Error\(|Exception\(|urllib3|HTTPConnectionPool|object at 0x|MaxRetryError")


def test_module_connection_dropped_before_the_answer_is_unknown_and_a_rerun_sends_at_most_once_more(sipgate_sim, tmp_path: Path) -> None:
    sipgate_sim.add_fault(drop="before", path="/sessions/sms")
    first = run_tasks(tmp_path, sipgate_sim.url, [sms_task("deploy CHG-1 done")])
    result = first.results[0]
    assert result["failed"] is True, result
    # The client cannot tell whether sipgate handled the request before the connection went: delivery unknown.
    assert result["results"][0]["status"] == "unknown", result
    assert "delivery unknown" in result["msg"], result["msg"]
    assert not NOT_PLAIN.search(result["msg"]), result["msg"]
    assert sipgate_sim.sent_sms() == []  # the drop came before the simulator handled the request
    posts_before = len(posts(sipgate_sim))

    rerun = run_tasks(tmp_path, sipgate_sim.url, [sms_task("deploy CHG-1 done"), sms_task("deploy CHG-1 done", force=True)])
    plain_rerun, forced = rerun.results
    assert plain_rerun["changed"] is False and not plain_rerun.get("failed"), plain_rerun
    assert forced["changed"] is True and forced["sent"] == [ONCALL], forced
    assert len(posts(sipgate_sim)) - posts_before == 1
    assert len(sipgate_sim.sent_sms()) == 1


def test_module_told_to_slow_down_with_retry_after_sends_exactly_once(sipgate_sim, tmp_path: Path) -> None:
    sipgate_sim.add_fault(status=429, retry_after=1, path="/sessions/sms")
    outcome = run_tasks(tmp_path, sipgate_sim.url, [sms_task("after a 429")])
    result = outcome.results[0]
    assert not result.get("failed") and result["changed"] is True, result
    assert [request["status"] for request in posts(sipgate_sim)] == [429, 204]
    assert len(sipgate_sim.sent_sms()) == 1


def test_info_module_retries_a_503_on_a_read_and_succeeds(sipgate_sim, tmp_path: Path) -> None:
    sipgate_sim.add_fault(status=503, count=1, path="/authorization/userinfo")
    outcome = run_tasks(tmp_path, sipgate_sim.url, [("sipgateio.sms.sipgate_sms_info", {})])
    result = outcome.results[0]
    assert not result.get("failed"), result
    assert SMS_ID in [extension["id"] for extension in result["sms_extensions"]], result
    statuses = [request["status"] for request in sipgate_sim.requests() if request["path"].endswith("/authorization/userinfo")]
    assert statuses[:2] == [503, 200], statuses
    assert sipgate_sim.sent_sms() == []


def test_callback_with_the_answer_lost_warns_and_keeps_the_play_rc(sipgate_sim, tmp_path: Path) -> None:
    sipgate_sim.add_fault(drop="after", path="/sessions/sms")
    playbook = write_playbook(tmp_path, "    - name: Break the deployment\n      ansible.builtin.fail:\n        msg: migration failed\n",
                              name="deploy.yml")
    env = {"ANSIBLE_CALLBACKS_ENABLED": "sipgateio.sms.sipgate_sms", "SIPGATE_SMS_RECIPIENTS": ONCALL, "SIPGATE_SMS_ID": SMS_ID,
           **sipgate_env(sipgate_sim.url)}
    run = run_playbook(playbook, tmp_path, env=env)
    assert run.rc == 2, run.output  # the failed task's rc, not a crash of the callback (which would be rc 250 or 1)
    assert "[WARNING]: sipgate_sms callback: SMS to {0}: delivery unknown".format(ONCALL) in run.output, run.output
    warning = run.output[run.output.index("[WARNING]"):]
    assert "delivery unknown" in warning, warning
    assert not NOT_PLAIN.search(warning), warning
    assert len(posts(sipgate_sim)) == 1, "a lost answer must not be retried automatically"
    assert len(sipgate_sim.sent_sms()) == 1  # drop=after: sipgate did send it


def test_notifier_connection_dropped_spools_with_exit_1_and_flush_delivers_exactly_one(sipgate_sim, tmp_path: Path) -> None:
    state_dir = tmp_path / "state"
    state_dir.mkdir(mode=0o700)
    env = notifier_env(sipgate_sim.url, state_dir)
    # A connection dropped before the answer may have carried the SMS: it waits out the hold-off (none here).
    settings = tmp_path / "notify.ini"
    settings.write_text("[notify]\nunknown_hold_off = 0\n", encoding="utf-8")
    settings.chmod(0o600)
    config = ["--config", str(settings)]
    sipgate_sim.add_fault(drop="before", path="/sessions/sms")
    first = run_notifier(icinga_args() + config, env)
    assert first.returncode == 1, (first.stdout, first.stderr)
    assert sipgate_sim.sent_sms() == []
    entries = [json.loads(line) for line in journal_lines(state_dir)]
    assert [entry["event"] for entry in entries] == ["delivery_unknown"], entries
    state = json.loads((state_dir / "state.json").read_text(encoding="utf-8"))
    assert json.dumps(state).count("Connection refused") >= 1, state  # the SMS waits in the spool

    flushed = run_notifier(["--flush"] + config, env)
    assert flushed.returncode == 0, (flushed.stdout, flushed.stderr)
    sent = sipgate_sim.sent_sms()
    assert len(sent) == 1 and sent[0]["recipient"] == ONCALL
    assert sent[0]["message"].startswith("PROBLEM web01/HTTP CRITICAL")

    again = run_notifier(["--flush"] + config, env)
    assert again.returncode == 0
    assert len(sipgate_sim.sent_sms()) == 1, "a flushed spool must not be sent twice"
    events = [json.loads(line)["event"] for line in journal_lines(state_dir)]
    assert events == ["delivery_unknown", "sent"], events
    assert TOKEN not in first.stdout + first.stderr + flushed.stdout + flushed.stderr
