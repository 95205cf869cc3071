# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms run by ansible-playbook against the simulator: sending, reruns, check and diff mode, bad input,
secrecy, scheduling, parallel tasks and concurrent runs."""

from __future__ import annotations

import json
import threading
import time

import pytest
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID, USER_ID
from support.ansible_runner import run_playbook
from support.api_calls import sms_posts
from support.sms_tasks import FIRST, SECOND, run_sms_tasks, sipgate_env, state_file

pytestmark = pytest.mark.integration

NOTICE = {"recipients": [FIRST, "0157 999-12346"], "message": "Deployment of web01 done"}


def test_check_then_send_then_rerun(sipgate_sim, tmp_path):
    preview = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE], options=["--check", "--diff"])
    assert preview.run.rc == 0, preview.output
    assert preview.recap()["changed"] == 1 and preview.recap()["failed"] == 0
    assert preview.result()["sent"] == [FIRST, SECOND]
    assert [entry["status"] for entry in preview.result()["results"]] == ["would_send", "would_send"]
    for recipient in (FIRST, SECOND):
        assert "+To {0}: {1}".format(recipient, NOTICE["message"]) in preview.run.stdout
    assert sms_posts(sipgate_sim) == []
    assert not state_file(tmp_path).parent.exists()
    # No sms_id given: looked up with read-only calls, in check mode too.
    assert ("GET", "/v2/{0}/sms".format(USER_ID)) in [(request["method"], request["path"]) for request in sipgate_sim.requests()]

    sent = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE])
    assert sent.run.rc == 0, sent.output
    assert sent.recap()["changed"] == 1 and sent.recap()["ignored"] == 0
    assert sent.result()["sms_id"] == SMS_ID
    assert sorted(sent.result()["sent"]) == [FIRST, SECOND]
    assert (sent.result()["encoding"], sent.result()["segments"]) == ("gsm7", 1)
    assert sorted(sms["recipient"] for sms in sipgate_sim.sent_sms()) == [FIRST, SECOND]
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == [NOTICE["message"]] * 2
    assert [request["body"]["smsId"] for request in sms_posts(sipgate_sim)] == [SMS_ID, SMS_ID]
    assert state_file(tmp_path).exists()

    rerun = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE])
    assert rerun.run.rc == 0, rerun.output
    assert rerun.recap()["changed"] == 0 and rerun.recap()["ignored"] == 0
    assert rerun.result()["sent"] == []
    assert {entry["status"] for entry in rerun.result()["results"]} == {"skipped"}
    assert [item["recipient"] for item in rerun.result()["skipped_recipients"]] == [FIRST, SECOND]
    assert len(sms_posts(sipgate_sim)) == 2

    check_after = run_sms_tasks(tmp_path, sipgate_sim.url, [NOTICE], options=["--check"])
    assert check_after.recap()["changed"] == 0
    assert len(sms_posts(sipgate_sim)) == 2


def test_omitted_sms_id_is_looked_up_and_send_at_schedules(sipgate_sim, tmp_path):
    before = time.time()
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, [{"recipient": FIRST, "msg": "hello"},
                                                        {"recipient": FIRST, "msg": "reminder", "sms_id": SMS_ID, "send_at": "2h"}])
    assert outcome.run.rc == 0, outcome.output
    assert outcome.recap()["changed"] == 2
    assert any(request["method"] == "GET" and request["path"].endswith("/{0}/sms".format(USER_ID))
               for request in sipgate_sim.requests())
    now, scheduled = (request["body"] for request in sms_posts(sipgate_sim))
    assert now["smsId"] == SMS_ID and "sendAt" not in now
    assert outcome.result(0)["sms_id"] == SMS_ID
    assert before + 7200 - 1 <= scheduled["sendAt"] <= time.time() + 7200
    assert outcome.result(1)["results"][0]["send_at"] == scheduled["sendAt"]


BAD_INPUT = [
    ({"sms_id": "x1"}, "sms_id"),
    ({"sms_id": "0"}, "sms_id"),
    ({"recipients": [FIRST, "+49 1"]}, "recipients[1]"),
    ({"recipients": ["+49 157"]}, "recipients[0]"),
    ({"message": "   "}, "message"),
    ({"send_at": "2001-01-01T00:00:00Z"}, "send_at"),
    ({"send_at": "2001-01-01T00:00:00+00:00"}, "send_at"),
    ({"send_at": "31d"}, "send_at"),
    ({"send_at": "2030-01-01T08:00:00"}, "send_at"),
    ({"send_at": "soon"}, "send_at"),
    ({"dedup_window": "soon"}, "dedup_window"),
    ({"timeout": 0}, "timeout"),
    ({"token": ""}, "token"),
    ({"token_id": ""}, "token_id"),
    ({"token_id": "", "token": ""}, "token_id"),
    # Two kinds in the task itself (a kind only the environment holds gives way to the task's own).
    ({"access_token": "abc", "token_id": "token-OTHER1", "token": "other-secret"}, "credentials"),
]


def test_each_bad_input_fails_naming_its_field_and_nothing_is_sent(sipgate_sim, tmp_path):
    tasks = [{"sms_id": SMS_ID, "recipients": [FIRST], "message": "Deployment of web01 done", **args} for args, _field in BAD_INPUT]
    run = run_sms_tasks(tmp_path, sipgate_sim.url, tasks)
    assert run.recap()["ignored"] == len(BAD_INPUT), run.output
    for (args, field), result in zip(BAD_INPUT, run.results):
        assert result["failed"] is True, args
        assert result["field"] == field, (args, result)
        assert result["msg"].startswith(field + ":"), (args, result["msg"])
        assert "Traceback" not in result.get("module_stderr", "")
    assert sipgate_sim.requests() == []
    assert not state_file(tmp_path).exists()
    assert TOKEN not in run.output


def test_the_token_never_shows_even_at_vvv(sipgate_sim, tmp_path):
    # The token reaches the tasks as a variable from a file, as in a vault-backed playbook, not from the environment.
    secrets = tmp_path / "secrets.yml"
    secrets.write_text("sipgate_token: {0}\n".format(TOKEN), encoding="utf-8")
    sipgate_sim.add_fault(status=500, path="/sessions/sms")
    given = {"token_id": TOKEN_ID, "token": "{{ sipgate_token }}", "sms_id": SMS_ID}
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [
        dict(given, recipient=SECOND, msg="this one fails", retries=0),
        dict(given, recipient=FIRST, msg="this one goes out"),
        dict(given, recipient=SECOND, msg="wrong token", token="{{ sipgate_token }}-wrong"),
        dict(given, recipient=SECOND, msg="from a foreign extension", sms_id="s9"),
        {"module": "sipgateio.sms.sipgate_sms_info", "token_id": TOKEN_ID, "token": "{{ sipgate_token }}"},
    ], options=["-vvv", "-e", "@" + str(secrets)], env={"SIPGATE_TOKEN": ""})
    server_error, sent, wrong, foreign, info = run.results
    assert run.recap()["changed"] == 1 and run.recap()["ignored"] == 3
    assert server_error["failed"] is True and "sipgate server error" in run.output
    assert sent["changed"] is True and not sent.get("failed"), sent
    assert "wrong credentials" in wrong["msg"]
    assert foreign["failed"] is True and "HTTP 403" in foreign["msg"], foreign
    assert not info.get("failed") and info["sms_extensions"], info
    assert "ESTABLISH LOCAL CONNECTION" in run.output  # really at -vvv
    record = state_file(tmp_path).read_text(encoding="utf-8")
    for text in (run.output, json.dumps(run.results), record):
        assert TOKEN not in text, "the token leaked:\n" + text[max(0, text.find(TOKEN) - 300):text.find(TOKEN) + 100]
    assert FIRST not in record and "goes out" not in record
    assert len(sipgate_sim.sent_sms()) == 1


def test_message_and_msg_both_work_and_together_are_refused(sipgate_sim, tmp_path):
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, [{"recipients": [FIRST], "message": "as message", "sms_id": SMS_ID},
                                                        {"recipients": [FIRST], "msg": "as msg", "sms_id": SMS_ID},
                                                        {"recipients": [FIRST], "msg": "one", "message": "two", "sms_id": SMS_ID}])
    first, second, both = outcome.results
    assert first["sent"] == [FIRST] and second["sent"] == [FIRST]
    assert both["failed"] is True
    assert "message and msg are the same option" in both["msg"] and "give only one of them" in both["msg"]
    # The refused task asked sipgate nothing.
    assert [(request["method"], request["body"]["message"]) for request in sipgate_sim.requests()] == [
        ("POST", "as message"), ("POST", "as msg")]


def test_a_long_message_warns_about_its_cost_and_max_segments_refuses_it(sipgate_sim, tmp_path):
    text = "Wartung \u2013 " + "x" * 200
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, [{"recipients": [FIRST], "msg": text, "sms_id": SMS_ID},
                                                        {"recipients": [FIRST], "msg": text + " again", "sms_id": SMS_ID, "max_segments": 1}])
    sent, refused = outcome.results
    assert sent["segments"] == 4 and "costs 4 SMS segments per recipient (UCS-2" in outcome.output
    assert refused["failed"] is True and "more than max_segments=1" in refused["msg"]
    assert len(sipgate_sim.sent_sms()) == 1


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


def test_parallel_tasks_for_several_hosts_send_each_sms_once(sipgate_sim, tmp_path):
    """A task delegated to the controller for every host (run_once forgotten) must not text people once per host."""
    sipgate_sim.configure(latency=0.3)
    task = json.dumps(dict(NOTICE, sms_id=SMS_ID))
    playbook = tmp_path / "every_host.yml"
    playbook.write_text("""\
- hosts: web
  gather_facts: false
  tasks:
    - name: Tell the on-call people
      sipgateio.sms.sipgate_sms: {0}
      delegate_to: localhost
""".format(task), encoding="utf-8")
    hosts = ["web01", "web02", "web03"]
    (tmp_path / "hosts.ini").write_text("[web]\n" + "\n".join(hosts) + "\n", encoding="utf-8")
    run = run_playbook(playbook, tmp_path, env=sipgate_env(sipgate_sim.url),
                       options=["-i", str(tmp_path / "hosts.ini"), "--forks", "3"])
    assert run.rc == 0, run.output
    assert sorted(sms["recipient"] for sms in sipgate_sim.sent_sms()) == [FIRST, SECOND]
    changed = [line for line in run.stdout.splitlines() if line.startswith("changed: [")]
    assert len(changed) == 1, run.stdout
    assert len([line for line in run.stdout.splitlines() if line.startswith("ok: [")]) == 2, run.stdout


def test_a_task_on_several_hosts_without_run_once_warns_that_each_host_texts(sipgate_sim, tmp_path):
    task = json.dumps({"recipients": [FIRST], "msg": "Deployed {{ inventory_hostname }}", "sms_id": SMS_ID})
    playbook = tmp_path / "every_host.yml"
    playbook.write_text("- hosts: web\n  gather_facts: false\n  tasks:\n    - name: Tell\n"
                        "      sipgateio.sms.sipgate_sms: {0}\n".format(task), encoding="utf-8")
    (tmp_path / "hosts.ini").write_text("[web]\nweb01\nweb02\n\n[web:vars]\nansible_connection=local\n", encoding="utf-8")
    env = sipgate_env(sipgate_sim.url, XDG_STATE_HOME=str(tmp_path / "state"))
    run = run_playbook(playbook, tmp_path, env=env, options=["-i", str(tmp_path / "hosts.ini")])
    assert run.rc == 0, run.output
    assert len(sipgate_sim.sent_sms()) == 2
    assert "sipgate_sms runs on 2 hosts (web01, web02)" in run.output and "each host texts" in run.output
