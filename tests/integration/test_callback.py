# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sipgate_sms callback enabled in a real ansible-playbook run, sending to the simulated API."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Optional

import pytest
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.ansible_runner import PlaybookRun, run_playbook, write_playbook
from support.api_calls import sms_posts
from support.sms_tasks import sipgate_env

pytestmark = pytest.mark.integration

ONCALL = "+4915799912345"
# Plain words: no Python traceback, no exception class names, no raw urllib3 reprs.
NOT_PLAIN = re.compile(r"Traceback|Error\(|Exception\(|urllib3|HTTPConnectionPool|object at 0x|MaxRetryError")

PASSING_TASKS = """\
    - name: Say hello
      ansible.builtin.debug:
        msg: hello
"""

FAILING_TASKS = """\
    - name: Tolerated trouble
      ansible.builtin.command: /bin/false
      changed_when: false
      ignore_errors: true
    - name: Break the deployment
      ansible.builtin.fail:
        msg: database migration failed
"""


def callback_env(api_url: str, token: str = TOKEN, **settings: str) -> dict:
    callback = {"ANSIBLE_CALLBACKS_ENABLED": "sipgateio.sms.sipgate_sms", "SIPGATE_SMS_ID": SMS_ID, "SIPGATE_SMS_RECIPIENTS": ONCALL,
                "SIPGATE_RETRIES": "0"}
    return sipgate_env(api_url, token=token, **{**callback, **settings})


def run_with_callback(tmp_path: Path, tasks: str, env: Optional[dict], options: tuple = ()) -> PlaybookRun:
    playbook = write_playbook(tmp_path, tasks, name="deploy.yml")
    return run_playbook(playbook, tmp_path, env=env, options=options)


def test_failing_run_sends_one_sms_naming_host_and_task(sipgate_sim, tmp_path):
    run = run_with_callback(tmp_path, FAILING_TASKS, callback_env(sipgate_sim.url))
    assert run.rc == 2, run.output
    sent = sipgate_sim.sent_sms()
    assert len(sent) == 1, sent
    assert sent[0]["recipient"] == ONCALL
    assert sent[0]["segments"] == 1
    message = sent[0]["message"]
    assert message.startswith("Ansible FAILED deploy.yml: hosts ok 0, changed 0, failed 1, unreachable 0.")
    assert "localhost 'Break the deployment': database migration failed" in message
    assert "Tolerated trouble" not in message
    # The simulator speaks plain http on loopback, which is warned about and nothing else is.
    assert [line for line in run.output.splitlines() if "WARNING" in line] == [
        "[WARNING]: sipgate_sms callback: api_url {0} is plain http: the credentials are sent unencrypted, which is acceptable "
        "only for a test endpoint on this machine".format(sipgate_sim.url)]


def test_passing_run_sends_nothing_by_default(sipgate_sim, tmp_path):
    run = run_with_callback(tmp_path, PASSING_TASKS, callback_env(sipgate_sim.url))
    assert run.rc == 0, run.output
    assert sipgate_sim.sent_sms() == []
    assert not [request for request in sipgate_sim.requests() if request["method"] == "POST"]


def test_passing_run_sends_one_sms_with_notify_on_always(sipgate_sim, tmp_path):
    run = run_with_callback(tmp_path, PASSING_TASKS, callback_env(sipgate_sim.url, SIPGATE_SMS_NOTIFY_ON="always"))
    assert run.rc == 0, run.output
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == [
        "Ansible OK deploy.yml: hosts ok 1, changed 0, failed 0, unreachable 0."]


def test_a_check_mode_run_says_so_in_its_sms(sipgate_sim, tmp_path):
    run = run_with_callback(tmp_path, PASSING_TASKS, callback_env(sipgate_sim.url, SIPGATE_SMS_NOTIFY_ON="always"), options=("--check",))
    assert run.rc == 0, run.output
    assert [sms["message"] for sms in sipgate_sim.sent_sms()] == [
        "Ansible OK deploy.yml (check mode): hosts ok 1, changed 0, failed 0, unreachable 0."]


def test_settings_from_ansible_cfg(sipgate_sim, tmp_path):
    (tmp_path / "ansible.cfg").write_text(
        "[defaults]\ncallbacks_enabled = sipgateio.sms.sipgate_sms\n\n"
        "[callback_sipgate_sms]\nrecipients = +4915799900001, +4915799900002\nnotify_on = always\n"
        "api_url = {0}\nsms_id = s1\n".format(sipgate_sim.url), encoding="utf-8")
    env = {"SIPGATE_TOKEN_ID": TOKEN_ID, "SIPGATE_TOKEN": TOKEN, "ANSIBLE_CONFIG": str(tmp_path / "ansible.cfg")}
    run = run_with_callback(tmp_path, PASSING_TASKS, env)
    assert run.rc == 0, run.output
    sent = sipgate_sim.sent_sms()
    assert sorted(sms["recipient"] for sms in sent) == ["+4915799900001", "+4915799900002"]
    assert {sms["smsId"] for sms in sent} == {"s1"}


def test_wrong_token_is_a_warning_and_keeps_the_exit_code(sipgate_sim, tmp_path):
    wrong = "99999999-8888-7777-6666-555555555555"
    run = run_with_callback(tmp_path, FAILING_TASKS, callback_env(sipgate_sim.url, token=wrong), options=("-vvv",))
    assert run.rc == 2, run.output
    assert sipgate_sim.sent_sms() == []
    assert "[WARNING]: sipgate_sms callback: SMS to {0}: not sent".format(ONCALL) in run.output
    assert "HTTP 401: wrong credentials" in run.output
    assert wrong not in run.output


def test_api_fault_on_a_passing_run_is_a_warning_and_rc_stays_0(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(status=500, path="/sessions/sms")
    run = run_with_callback(tmp_path, PASSING_TASKS, callback_env(sipgate_sim.url, SIPGATE_SMS_NOTIFY_ON="always"))
    assert run.rc == 0, run.output
    assert sipgate_sim.sent_sms() == []
    assert "HTTP 500" in run.output and "[WARNING]: sipgate_sms callback" in run.output


def test_unreachable_api_is_a_warning(sipgate_sim, tmp_path):
    run = run_with_callback(tmp_path, FAILING_TASKS, callback_env("http://127.0.0.1:9/v2"))
    assert run.rc == 2, run.output
    assert "could not connect to the API" in run.output


def test_lost_answer_is_a_delivery_unknown_warning_not_retried_and_keeps_the_exit_code(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(drop="after", path="/sessions/sms")
    env = callback_env(sipgate_sim.url)
    del env["SIPGATE_RETRIES"]  # the callback's own retries: a lost answer must not use them
    run = run_with_callback(tmp_path, FAILING_TASKS, env)
    assert run.rc == 2, run.output  # the failed task's rc, not a crash of the callback (which would be rc 250 or 1)
    assert "[WARNING]: sipgate_sms callback: SMS to {0}: delivery unknown".format(ONCALL) in run.output, run.output
    warning = run.output[run.output.index("[WARNING]"):]
    assert not NOT_PLAIN.search(warning), warning
    assert len(sms_posts(sipgate_sim)) == 1, "a lost answer must not be retried automatically"
    assert len(sipgate_sim.sent_sms()) == 1  # drop=after: sipgate did send it


def test_token_never_shows_with_vvv(sipgate_sim, tmp_path):
    run = run_with_callback(tmp_path, FAILING_TASKS, callback_env(sipgate_sim.url), options=("-vvv",))
    assert run.rc == 2, run.output
    assert len(sipgate_sim.sent_sms()) == 1
    assert "sipgate_sms callback: SMS sent to " + ONCALL in run.output
    assert TOKEN not in run.output


def test_refused_send_at_vvv_never_shows_the_token(sipgate_sim, tmp_path):
    run = run_with_callback(tmp_path, FAILING_TASKS, callback_env(sipgate_sim.url, SIPGATE_SMS_ID="s9"), options=("-vvv",))
    assert run.rc == 2, run.output
    assert "sipgate_sms callback" in run.output and "403" in run.output, run.output  # the send was refused, and said so
    assert TOKEN not in run.output
    assert sipgate_sim.sent_sms() == []


def test_missing_recipients_is_a_warning(sipgate_sim, tmp_path):
    env = callback_env(sipgate_sim.url)
    del env["SIPGATE_SMS_RECIPIENTS"]
    run = run_with_callback(tmp_path, FAILING_TASKS, env)
    assert run.rc == 2, run.output
    assert sipgate_sim.sent_sms() == []
    assert "no recipient configured" in run.output
