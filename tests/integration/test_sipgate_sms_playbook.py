# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms run by ansible-playbook against the simulated sipgate API: sending, idempotency,
check and diff mode, validation, secrecy, parallel tasks and concurrent sends."""

from __future__ import annotations

import json
import time

import pytest
from simulator.sipgate_simulator import SMS_ID, TOKEN, USER_ID
from sipgate_sms_playbooks import FIRST, SECOND, posts, run_sms_tasks, sipgate_env, state_dir
from support.ansible_runner import run_playbook, write_playbook

pytestmark = pytest.mark.integration

TWO = {"recipients": [FIRST, "0157 999 12346"], "message": "Maintenance of web01 starts at 22:00."}


def test_two_recipients_get_one_sms_each_and_a_rerun_sends_nothing(sipgate_sim, tmp_path):
    first = run_sms_tasks(tmp_path, sipgate_sim.url, TWO)
    assert first.run.rc == 0, first.run.output
    assert first.run.recap()["changed"] == 1
    assert sorted(body["recipient"] for body in posts(sipgate_sim)) == [FIRST, SECOND]
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == [TWO["message"]] * 2
    result = first.result()
    assert sorted(result["sent"]) == [FIRST, SECOND]
    assert (result["encoding"], result["segments"]) == ("gsm7", 1)

    second = run_sms_tasks(tmp_path, sipgate_sim.url, TWO)
    assert second.run.rc == 0, second.run.output
    assert second.run.recap()["changed"] == 0
    assert len(posts(sipgate_sim)) == 2
    assert second.result()["sent"] == []
    assert {entry["status"] for entry in second.result()["results"]} == {"skipped"}


def test_omitted_sms_id_is_looked_up_and_send_at_schedules(sipgate_sim, tmp_path):
    before = time.time()
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, {"recipient": FIRST, "msg": "hello"},
                            {"recipient": FIRST, "msg": "reminder", "sms_id": SMS_ID, "send_at": "2h"})
    assert outcome.run.rc == 0, outcome.run.output
    assert outcome.run.recap()["changed"] == 2
    assert any(request["method"] == "GET" and request["path"].endswith("/{0}/sms".format(USER_ID))
               for request in sipgate_sim.requests())
    now, scheduled = posts(sipgate_sim)
    assert now["smsId"] == SMS_ID and "sendAt" not in now
    assert outcome.result(0)["sms_id"] == SMS_ID
    assert before + 7200 - 1 <= scheduled["sendAt"] <= time.time() + 7200
    assert outcome.result(1)["results"][0]["send_at"] == scheduled["sendAt"]


def test_check_mode_sends_nothing_writes_nothing_and_diff_shows_each_message(sipgate_sim, tmp_path):
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, dict(TWO, sms_id=SMS_ID), options=["--check", "--diff"])
    assert outcome.run.rc == 0, outcome.run.output
    assert outcome.run.recap()["changed"] == 1
    assert posts(sipgate_sim) == []
    assert not state_dir(tmp_path).exists()
    assert sorted(outcome.result()["sent"]) == [FIRST, SECOND]
    for recipient in (FIRST, SECOND):
        assert "+To {0}: {1}".format(recipient, TWO["message"]) in outcome.run.stdout


BAD_INPUTS = [
    ({"sms_id": "0"}, "sms_id"),
    ({"recipients": ["+49 157"]}, "recipients[0]"),
    ({"message": "   "}, "message"),
    ({"send_at": "2001-01-01T00:00:00+00:00"}, "send_at"),
    ({"send_at": "31d"}, "send_at"),
    ({"send_at": "2099-01-01T08:00:00"}, "send_at"),
    ({"send_at": "soon"}, "send_at"),
    ({"dedup_window": "forever"}, "dedup_window"),
    ({"timeout": 0}, "timeout"),
    ({"access_token": "an-oauth-token"}, "credentials"),
    ({"token_id": ""}, "token_id"),
]


def test_each_bad_input_fails_naming_its_field_and_nothing_is_sent(sipgate_sim, tmp_path):
    tasks = [dict({"recipients": [FIRST], "message": "hello", "sms_id": SMS_ID}, **bad) for bad, _field in BAD_INPUTS]
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, *tasks)
    assert outcome.run.recap()["ignored"] == len(BAD_INPUTS)
    for (bad, field), result in zip(BAD_INPUTS, outcome.results):
        assert result["failed"] is True, bad
        assert result["msg"].startswith(field + ":"), (bad, result["msg"])
    assert sipgate_sim.requests() == []
    assert TOKEN not in outcome.run.output


def test_token_is_shown_nowhere_even_with_vvv(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(status=500, path="/sessions/sms")
    failing = {"recipient": SECOND, "msg": "this one fails", "sms_id": SMS_ID, "retries": 0}
    working = {"recipient": FIRST, "msg": "this one goes out", "sms_id": SMS_ID, "token": TOKEN}
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, failing, working, options=["-vvv"])
    assert outcome.results[0]["failed"] is True
    assert not outcome.results[1].get("failed")
    assert len(sipgate_sim.sent_sms()) == 1
    assert "sipgate server error" in outcome.run.output
    assert TOKEN not in outcome.run.output
    state = (state_dir(tmp_path) / "sent.json").read_text(encoding="utf-8")
    assert TOKEN not in state and FIRST not in state and "goes out" not in state


def test_parallel_tasks_for_several_hosts_send_each_sms_once(sipgate_sim, tmp_path):
    """A task delegated to the controller for every host (run_once forgotten) must not text people once per host."""
    sipgate_sim.configure(latency=0.3)
    task = json.dumps(dict(TWO, sms_id=SMS_ID))
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


def test_message_and_msg_both_work_and_together_are_refused(sipgate_sim, tmp_path):
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, {"recipients": [FIRST], "message": "as message", "sms_id": SMS_ID},
                            {"recipients": [FIRST], "msg": "as msg", "sms_id": SMS_ID},
                            {"recipients": [FIRST], "msg": "one", "message": "two", "sms_id": SMS_ID})
    first, second, both = outcome.results
    assert first["sent"] == [FIRST] and second["sent"] == [FIRST]
    assert both["failed"] is True and "give only one of them" in both["msg"]
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == ["as message", "as msg"]


def test_a_long_message_warns_about_its_cost_and_max_segments_refuses_it(sipgate_sim, tmp_path):
    text = "Wartung \u2013 " + "x" * 200
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, {"recipients": [FIRST], "msg": text, "sms_id": SMS_ID},
                            {"recipients": [FIRST], "msg": text + " again", "sms_id": SMS_ID, "max_segments": 1})
    sent, refused = outcome.results
    assert sent["segments"] == 4 and "costs 4 SMS segments per recipient (UCS-2" in outcome.run.output
    assert refused["failed"] is True and "more than max_segments=1" in refused["msg"]
    assert len(sipgate_sim.sent_sms()) == 1


# The first run of a module builds its payload; the untimed warm-up keeps that out of the figures.
TIMED_TASKS = """\
    - name: Warm up
      sipgateio.sms.sipgate_sms: {task}
      check_mode: true
    - name: Before the dry run
      ansible.builtin.set_fact:
        started: "{{{{ now().timestamp() }}}}"
    - name: Dry run
      sipgateio.sms.sipgate_sms: {task}
      check_mode: true
    - name: Between
      ansible.builtin.set_fact:
        between: "{{{{ now().timestamp() }}}}"
    - name: Send for real
      sipgateio.sms.sipgate_sms: {task}
      register: sent
    - name: After
      ansible.builtin.set_fact:
        finished: "{{{{ now().timestamp() }}}}"
    - name: Keep the times
      ansible.builtin.copy:
        content: "{{{{ {{'started': started, 'between': between, 'finished': finished, 'sent': sent}} | to_json }}}}"
        dest: "{{{{ result_file }}}}"
        mode: "0600"
"""


def test_thirty_recipients_are_sent_concurrently(sipgate_sim, tmp_path, capsys):
    """The same task in check mode and for real, timed in one run: the difference is the time spent sending."""
    sipgate_sim.configure(latency=0.1)
    recipients = ["+49157999{0:05d}".format(number) for number in range(30)]
    task = json.dumps({"recipients": recipients, "message": "Deployment 42 done.", "sms_id": SMS_ID})
    playbook = write_playbook(tmp_path, TIMED_TASKS.format(task=task))
    result_file = tmp_path / "times.json"
    run = run_playbook(playbook, tmp_path, env=sipgate_env(sipgate_sim.url), extra_vars={"result_file": str(result_file)})
    assert run.rc == 0, run.output
    times = json.loads(result_file.read_text(encoding="utf-8"))
    assert len(times["sent"]["sent"]) == 30
    assert len(sipgate_sim.sent_sms()) == 30
    dry_seconds = float(times["between"]) - float(times["started"])
    real_seconds = float(times["finished"]) - float(times["between"])
    api_seconds = real_seconds - dry_seconds
    arrivals = sorted(request["time"] for request in sipgate_sim.requests() if request["method"] == "POST")
    post_span = arrivals[-1] - arrivals[0] + 0.1
    with capsys.disabled():
        print("\n30 SMS at 0.1 s latency: task {0:.2f} s, check mode {1:.2f} s, sending {2:.2f} s; POSTs spanned {3:.2f} s "
              "(one after another: 3.0 s)".format(real_seconds, dry_seconds, api_seconds, post_span))
    assert post_span < 1.0
    assert api_seconds < 1.5
