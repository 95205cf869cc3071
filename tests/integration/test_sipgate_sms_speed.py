# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One sipgate_sms task to 30 recipients over a slow API: the sends overlap instead of queueing."""

from __future__ import annotations

import json

import pytest
from simulator.sipgate_simulator import SMS_ID
from support.ansible_runner import run_playbook, write_playbook
from support.api_calls import sms_posts
from support.sms_tasks import sipgate_env, state_file

pytestmark = pytest.mark.integration

RECIPIENTS = ["+49157999100{0:02d}".format(number) for number in range(30)]
LATENCY = 0.1

# The task is timed from inside the play, so ansible-playbook's own start-up is not counted.
TIMED_TASKS = """\
    - name: Note the start
      ansible.builtin.set_fact:
        started: "{{ now(utc=true).timestamp() }}"
    - name: Text 30 people
      sipgateio.sms.sipgate_sms:
        sms_id: "{{ sms_id }}"
        recipients: "{{ recipients }}"
        message: "Load test of the pager chain"
        state_file: "{{ state_file }}"
      register: outcome
    - name: Note the end
      ansible.builtin.set_fact:
        finished: "{{ now(utc=true).timestamp() }}"
    - name: Keep the timing
      ansible.builtin.copy:
        content: "{{ {'seconds': finished | float - started | float, 'outcome': outcome} | to_json }}"
        dest: "{{ result_file }}"
        mode: "0600"
"""


def timed_run(sipgate_sim, tmp_path, name: str) -> dict:
    playbook = write_playbook(tmp_path, TIMED_TASKS, name=name + ".yml")
    result_file = tmp_path / (name + ".json")
    run = run_playbook(playbook, tmp_path, env=sipgate_env(sipgate_sim.url),
                       extra_vars={"sms_id": SMS_ID, "recipients": RECIPIENTS, "state_file": str(state_file(tmp_path)),
                                   "result_file": str(result_file)})
    assert run.rc == 0, run.output
    return json.loads(result_file.read_text(encoding="utf-8"))


def test_thirty_recipients_take_far_less_than_thirty_round_trips(sipgate_sim, tmp_path):
    sipgate_sim.configure(latency=LATENCY)
    sending = timed_run(sipgate_sim, tmp_path, "send")
    assert sending["outcome"]["changed"] is True and len(sending["outcome"]["sent"]) == 30
    assert len(sipgate_sim.sent_sms()) == 30
    arrivals = [request["time"] for request in sms_posts(sipgate_sim)]
    # From the first request's arrival to the last one's answer.
    span = max(arrivals) - min(arrivals) + LATENCY
    # The rerun makes no request at all: what it takes is the module's own cost (start-up, state file).
    baseline = timed_run(sipgate_sim, tmp_path, "rerun")
    assert baseline["outcome"]["changed"] is False and len(sipgate_sim.sent_sms()) == 30
    api_seconds = sending["seconds"] - baseline["seconds"]
    print("\nsipgate_sms, 30 recipients, {0} s latency: task {1:.2f} s, without requests {2:.2f} s, API time {3:.2f} s "
          "(one after another: {4:.1f} s); the sends spanned {5:.2f} s".format(
              LATENCY, sending["seconds"], baseline["seconds"], api_seconds, 30 * LATENCY, span))
    # Sixteen at a time over one pool (the first alone): three rounds of 0.1 s, far from 30 x 0.1 s in a row.
    # The span is what the simulator saw, so a busy test machine hardly moves it.
    assert span < 1.0
    assert api_seconds < 1.5
