# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms through ansible-playbook when sipgate refuses, stumbles or never answers."""

from __future__ import annotations

import pytest
from simulator.sipgate_simulator import (READ_ONLY_TOKEN, READ_ONLY_TOKEN_ID, RESTRICTED_TOKEN, RESTRICTED_TOKEN_ID, SMS_ID,
                                         TOKEN, TOKEN_ID)
from sipgate_sms_playbooks import FIRST, SECOND, posts, run_sms_tasks, sipgate_env

pytestmark = pytest.mark.integration

WRONG_TOKEN = "11111111-2222-3333-4444-555555555555"


def test_api_refusals_fail_in_plain_words(sipgate_sim, tmp_path):
    """Every refusal happens before sipgate charges anything, so one empty balance serves all of them."""
    sipgate_sim.configure(balance=0)
    sipgate_sim.add_fault(status=500, path="/sessions/sms")
    base = {"recipient": FIRST, "sms_id": SMS_ID, "token_id": TOKEN_ID, "token": TOKEN, "retries": 0}
    cases = [
        ({"msg": "server error"}, 500, "sipgate server error"),
        ({"msg": "wrong token", "token": WRONG_TOKEN}, 401, "wrong credentials"),
        ({"msg": "no money"}, 402, "insufficient balance"),
        ({"msg": "not our extension", "sms_id": "s9"}, 403, "no permission to send from this SMS extension"),
        ({"msg": "may not send", "token_id": READ_ONLY_TOKEN_ID, "token": READ_ONLY_TOKEN}, 403, "sessions:sms:write"),
        ({"msg": "wrong path", "api_url": sipgate_sim.url + "/v2"}, 404, "wrong endpoint: check api_url"),
    ]
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, *[dict(base, **args) for args, _status, _words in cases])
    assert outcome.run.recap()["ignored"] == len(cases)
    for (args, status, words), result in zip(cases, outcome.results):
        assert result["failed"] is True, args
        assert result["changed"] is False, args
        assert result["results"][0]["http_status"] == status, result
        assert "HTTP {0}".format(status) in result["msg"] and words in result["msg"], result["msg"]
    assert sipgate_sim.sent_sms() == []
    for secret in (TOKEN, WRONG_TOKEN, READ_ONLY_TOKEN):
        assert secret not in outcome.run.output


def test_only_safe_refusals_are_retried_and_the_sms_goes_out_once(sipgate_sim, tmp_path):
    # Every queued fault meets the next attempt. A first retry has no backoff of its own,
    # so the pause after the 429 is its Retry-After.
    sipgate_sim.add_fault(status=429, retry_after=1, path="/sessions/sms")
    sipgate_sim.add_fault(status=503, count=2, path="/sessions/sms")
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, {"recipient": FIRST, "msg": "after 429, 503, 503", "sms_id": SMS_ID})
    assert outcome.run.rc == 0, outcome.run.output
    assert outcome.run.recap()["changed"] == 1
    requests = sipgate_sim.requests()
    assert [request["status"] for request in requests] == [429, 503, 503, 204]
    assert requests[1]["time"] - requests[0]["time"] >= 1.0, "Retry-After: 1 was not honoured"
    assert len(sipgate_sim.sent_sms()) == 1


def test_lost_answer_is_delivery_unknown_and_only_force_sends_again(sipgate_sim, tmp_path):
    # Faults are taken in order: the slow answer meets the first send, the dropped one the second.
    sipgate_sim.add_fault(delay=2.0, path="/sessions/sms")
    sipgate_sim.add_fault(drop="after", path="/sessions/sms")
    slow = {"recipient": SECOND, "msg": "answer too slow", "sms_id": SMS_ID, "timeout": 1}
    sms = {"recipient": FIRST, "msg": "answer lost", "sms_id": SMS_ID}
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, slow, sms, sms, dict(sms, force=True))
    timed_out, lost, rerun, forced = outcome.results
    for result in (timed_out, lost):
        assert result["failed"] is True
        assert result["changed"] is True
        assert result["results"][0]["status"] == "unknown"
        assert "delivery unknown" in result["msg"] and "force: true" in result["msg"], result["msg"]
    assert "timed out" in timed_out["msg"]
    assert not rerun.get("failed") and rerun["changed"] is False
    assert "delivery unknown" in rerun["skipped_recipients"][0]["reason"]
    assert forced["changed"] is True and forced["sent"] == [FIRST]
    assert [body["recipient"] for body in posts(sipgate_sim)] == [SECOND, FIRST, FIRST]
    assert len(sipgate_sim.sent_sms()) == 3


def test_rerun_after_partial_failure_sends_only_the_missing(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(status=400, count=1, path="/sessions/sms")
    sms = {"recipients": [FIRST, SECOND], "msg": "one of two fails", "sms_id": SMS_ID}
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, sms, sms)
    partial, rerun = outcome.results
    assert partial["failed"] is True
    assert partial["changed"] is True
    statuses = sorted(entry["status"] for entry in partial["results"])
    assert statuses == ["failed", "sent"]
    assert partial["msg"].startswith("Not sent to 1 of 2 recipients") and partial["msg"].endswith("Sent to 1.")
    assert not rerun.get("failed") and rerun["changed"] is True
    assert rerun["sent"] == [entry["recipient"] for entry in partial["results"] if entry["status"] == "failed"]
    assert sorted(sms["recipient"] for sms in sipgate_sim.sent_sms()) == [FIRST, SECOND]
    assert len(posts(sipgate_sim)) == 3


def test_history_scope_sends_once_across_controllers(sipgate_sim, tmp_path):
    sms = {"recipient": FIRST, "msg": "CHG-7 deployed", "sms_id": SMS_ID, "dedup_scope": "history"}
    first = dict(sms, state_file=str(tmp_path / "controller-a.json"))
    second = dict(sms, state_file=str(tmp_path / "controller-b.json"))
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, first, second)
    sent, skipped = outcome.results
    assert sent["changed"] is True and sent["sent"] == [FIRST]
    assert skipped["changed"] is False
    assert "history" in skipped["skipped_recipients"][0]["reason"]
    assert len(sipgate_sim.sent_sms()) == 1


def test_send_only_token_is_told_which_scope_it_lacks(sipgate_sim, tmp_path):
    lookup = {"recipient": FIRST, "msg": "hello"}
    history = {"recipient": FIRST, "msg": "hello", "sms_id": SMS_ID, "dedup_scope": "history"}
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, lookup, history,
                            env=sipgate_env(sipgate_sim.url, RESTRICTED_TOKEN_ID, RESTRICTED_TOKEN))
    looked_up, checked = outcome.results
    assert looked_up["failed"] is True and looked_up["status"] == 403
    assert "give sms_id" in looked_up["msg"] and "sms:read" in looked_up["msg"], looked_up["msg"]
    assert checked["failed"] is True
    assert "history:read" in checked["msg"] and "dedup_scope" in checked["msg"], checked["msg"]
    assert posts(sipgate_sim) == []
    assert RESTRICTED_TOKEN not in outcome.run.output
