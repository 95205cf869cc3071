# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms run by ansible-playbook against the simulator: sending, reruns, check and diff mode, bad input."""

from __future__ import annotations

import threading

import pytest
from simulator.sipgate_simulator import (RESTRICTED_TOKEN, RESTRICTED_TOKEN_ID, SMS_ID, TOKEN, TOKEN_ID,
                                         USER_ID)
from sipgate_sms_runs import FIRST, SECOND, credentials_env, posts, run_sms_tasks

pytestmark = pytest.mark.integration

NOTICE = {"recipients": [FIRST, "0157 999-12346"], "message": "Deployment of web01 done"}


def test_check_then_send_then_rerun(sipgate_sim, tmp_path):
    state_file = tmp_path / "sent.json"

    preview = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE], options=["--check", "--diff"])
    assert preview.recap()["changed"] == 1 and preview.recap()["failed"] == 0
    assert preview.results[0]["sent"] == [FIRST, SECOND]
    assert [entry["status"] for entry in preview.results[0]["results"]] == ["would_send", "would_send"]
    assert "To {0}: Deployment of web01 done".format(FIRST) in preview.output
    assert "To {0}: Deployment of web01 done".format(SECOND) in preview.output
    assert posts(sipgate_sim) == []
    assert not state_file.exists() and not state_file.with_name("sent.json.lock").exists()
    # No sms_id given: looked up with read-only calls, in check mode too.
    assert ("GET", "/v2/{0}/sms".format(USER_ID)) in [(request["method"], request["path"]) for request in sipgate_sim.requests()]

    sent = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE])
    assert sent.recap()["changed"] == 1 and sent.recap()["ignored"] == 0
    assert sent.results[0]["sms_id"] == SMS_ID
    assert sorted(sms["recipient"] for sms in sipgate_sim.sent_sms()) == [FIRST, SECOND]
    assert [request["body"]["smsId"] for request in posts(sipgate_sim)] == [SMS_ID, SMS_ID]
    assert state_file.exists()

    rerun = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE])
    assert rerun.recap()["changed"] == 0 and rerun.recap()["ignored"] == 0
    assert [item["recipient"] for item in rerun.results[0]["skipped_recipients"]] == [FIRST, SECOND]
    assert len(posts(sipgate_sim)) == 2

    check_after = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE], options=["--check"])
    assert check_after.recap()["changed"] == 0
    assert len(posts(sipgate_sim)) == 2


def test_the_token_never_shows_even_at_vvv(sipgate_sim, tmp_path):
    task = {"token_id": TOKEN_ID, "token": "{{ sipgate_token }}", "sms_id": SMS_ID, "recipient": FIRST, "msg": "secret test"}
    failing = {**task, "token": "{{ sipgate_token }}-wrong", "msg": "wrong token"}
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [task, failing], options=["-vvv"], env={"SIPGATE_TOKEN": ""},
                        extra_vars={"sipgate_token": TOKEN})
    assert run.recap()["changed"] == 1 and run.recap()["ignored"] == 1
    assert "wrong credentials" in run.results[1]["msg"]
    assert TOKEN not in run.output
    assert TOKEN not in (tmp_path / "sent.json").read_text(encoding="utf-8")
    assert len(sipgate_sim.sent_sms()) == 1


BAD_INPUT = [
    ({"sms_id": "x1"}, "sms_id"),
    ({"recipients": [FIRST, "+49 1"]}, "recipients[1]"),
    ({"message": "   "}, "message"),
    ({"send_at": "2001-01-01T00:00:00Z"}, "send_at"),
    ({"send_at": "40d"}, "send_at"),
    ({"send_at": "2030-01-01T08:00:00"}, "send_at"),
    ({"dedup_window": "soon"}, "dedup_window"),
    ({"token": ""}, "token"),
    ({"token_id": "", "token": ""}, "token_id"),
    ({"access_token": "abc"}, "credentials"),
]


def test_each_bad_input_fails_naming_its_field_and_nothing_is_sent(sipgate_sim, tmp_path):
    tasks = [{"sms_id": SMS_ID, "recipients": [FIRST], "message": "Deployment of web01 done", **args} for args, _field in BAD_INPUT]
    run = run_sms_tasks(tmp_path, sipgate_sim.url, tasks)
    assert run.recap()["ignored"] == len(BAD_INPUT), run.output
    for (args, field), result in zip(BAD_INPUT, run.results):
        assert result["failed"] is True, args
        assert result["field"] == field, (args, result)
        assert result["msg"].startswith(field + ":"), result["msg"]
        assert "Traceback" not in result.get("module_stderr", "")
    assert sipgate_sim.requests() == []
    assert not (tmp_path / "sent.json").exists()


def test_message_and_msg_together_are_refused(sipgate_sim, tmp_path):
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [{"sms_id": SMS_ID, "recipients": [FIRST], "message": "a", "msg": "b"}])
    assert "message and msg are the same option" in run.results[0]["msg"]
    assert sipgate_sim.requests() == []


def test_history_scope_sends_once_from_two_controllers(sipgate_sim, tmp_path):
    shared = {"sms_id": SMS_ID, "recipients": [FIRST], "message": "CHG-7 deployed", "dedup_scope": "history"}
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [
        {**shared, "state_file": str(tmp_path / "controller-a.json")},
        {**shared, "state_file": str(tmp_path / "controller-b.json")},
        {**shared, "state_file": str(tmp_path / "controller-c.json"), "check_mode": True},
        {**shared, "state_file": str(tmp_path / "controller-d.json"), "message": "CHG-7 deployed again"},
    ])
    first, second, checked, other_text = run.results
    assert first["changed"] is True and first["sent"] == [FIRST]
    assert second["changed"] is False
    assert second["skipped_recipients"] == [{"recipient": FIRST, "reason": "found in sipgate history (within dedup_window)"}]
    assert checked["changed"] is False
    assert other_text["changed"] is True
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["CHG-7 deployed", "CHG-7 deployed again"]
    history_reads = [request for request in sipgate_sim.requests() if request["path"] == "/v2/history"]
    assert len(history_reads) == 4
    assert all(request["query"]["phonenumber"] == [FIRST] for request in history_reads)


def test_history_scope_without_history_read_names_the_scope(sipgate_sim, tmp_path):
    run = run_sms_tasks(tmp_path, sipgate_sim.url,
                        [{"sms_id": SMS_ID, "recipients": [FIRST], "message": "CHG-8", "dedup_scope": "history"}],
                        env=credentials_env(sipgate_sim.url, RESTRICTED_TOKEN_ID, RESTRICTED_TOKEN))
    assert run.results[0]["failed"] is True
    assert "history:read" in run.results[0]["msg"] and run.results[0]["status"] == 403
    assert posts(sipgate_sim) == []


def test_parallel_runs_sharing_a_state_file_send_once(sipgate_sim, tmp_path):
    # Two ansible-playbook runs at once, as forks delegating to one controller would be: the state
    # file's lock makes the second wait for the first's record instead of sending again.
    sipgate_sim.configure(latency=0.5)
    task = {"sms_id": SMS_ID, "recipients": [FIRST], "message": "only once", "state_file": str(tmp_path / "shared.json")}
    runs: list = []
    workdirs = [tmp_path / "a", tmp_path / "b"]
    threads = []
    for workdir in workdirs:
        workdir.mkdir()
        threads.append(threading.Thread(target=lambda w=workdir: runs.append(run_sms_tasks(w, sipgate_sim.url, [task]))))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(run.results[0]["changed"] for run in runs) == [False, True]
    assert len(sipgate_sim.sent_sms()) == 1
