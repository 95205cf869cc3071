# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms through ansible-playbook when sipgate refuses, stumbles, asks to wait, drops the connection or never answers."""

from __future__ import annotations

import json
import re

import pytest
from simulator.sipgate_simulator import (PRICE_PER_SEGMENT, READ_ONLY_TOKEN, READ_ONLY_TOKEN_ID, RESTRICTED_TOKEN, RESTRICTED_TOKEN_ID,
                                         SMS_ID, TOKEN, TOKEN_ID)
from support.api_calls import sms_posts
from support.sms_tasks import FIRST, SECOND, run_sms_tasks, sipgate_env, state_file

pytestmark = pytest.mark.integration

WRONG_TOKEN = "11111111-2222-3333-4444-555555555555"
# Plain words: no Python traceback, no exception class names, no raw urllib3 reprs.
NOT_PLAIN = re.compile(r"Traceback|Error\(|Exception\(|urllib3|HTTPConnectionPool|object at 0x|MaxRetryError")


def sms(message: str, **args: object) -> dict:
    return {"sms_id": SMS_ID, "recipients": [FIRST], "message": message, **args}


def test_each_documented_refusal_is_told_in_plain_words(sipgate_sim, tmp_path):
    # The queued 500 meets the first send; every later task is refused before the simulator
    # looks at the balance, and the last one meets the empty balance.
    sipgate_sim.add_fault(status=500, path="/sessions/sms")
    sipgate_sim.configure(balance=0)
    given = {"token_id": TOKEN_ID, "token": TOKEN}
    cases = [
        (sms("server trouble", **given), 500, "sipgate server error"),
        (sms("wrong token", token_id=TOKEN_ID, token=WRONG_TOKEN), 401, "wrong credentials"),
        (sms("wrong extension", sms_id="s99", **given), 403, "no permission to send from this SMS extension"),
        (sms("read-only token", token_id=READ_ONLY_TOKEN_ID, token=READ_ONLY_TOKEN), 403, "sessions:sms:write"),
        (sms("wrong path", api_url=sipgate_sim.url.rsplit("/v2", 1)[0] + "/v1", **given), 404, "wrong endpoint: check api_url"),
        (sms("no money", **given), 402, "insufficient balance"),
    ]
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [task for task, _status, _words in cases])
    assert run.recap()["ignored"] == len(cases)
    for (task, status, words), result in zip(cases, run.results):
        assert result["failed"] is True, task
        assert result["changed"] is False, task
        outcome = result["results"][0]
        assert (outcome["status"], outcome["http_status"]) == ("failed", status), (task, outcome)
        assert words in outcome["error"] and words in result["msg"], (task, result["msg"])
        assert "HTTP {0}".format(status) in result["msg"], result["msg"]
    assert sipgate_sim.sent_sms() == []
    # Each intent was written before its request and taken back after the refusal: nothing stays recorded.
    assert json.loads(state_file(tmp_path).read_text(encoding="utf-8")) == {}
    for secret in (TOKEN, WRONG_TOKEN, READ_ONLY_TOKEN):
        assert secret not in run.output


def test_only_safe_refusals_are_retried_honouring_retry_after_and_the_sms_goes_out_once(sipgate_sim, tmp_path):
    # Every queued fault meets the next attempt. A first retry has no backoff of its own,
    # so the pause after the 429 is its Retry-After.
    sipgate_sim.add_fault(status=429, retry_after=2, path="/sessions/sms")
    sipgate_sim.add_fault(status=503, count=2, path="/sessions/sms")
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [sms("after 429, 503, 503")])
    assert run.run.rc == 0, run.output
    assert run.recap()["changed"] == 1
    assert run.result()["changed"] is True and not run.result().get("failed")
    assert run.result()["sent"] == [FIRST]
    requests = sipgate_sim.requests()
    assert [request["status"] for request in requests] == [429, 503, 503, 204]
    assert requests[1]["time"] - requests[0]["time"] >= 1.9, "Retry-After: 2 was not honoured"
    assert len(sipgate_sim.sent_sms()) == 1


def test_lost_answer_is_delivery_unknown_and_only_force_sends_again(sipgate_sim, tmp_path):
    # Faults are taken in order: the slow answer meets the first send, the dropped one the second.
    sipgate_sim.add_fault(delay=2.0, path="/sessions/sms")
    sipgate_sim.add_fault(drop="after", path="/sessions/sms")
    slow = sms("answer too slow", recipients=[SECOND], timeout=1)
    lost = sms("answer lost")
    timed_out, dropped = run_sms_tasks(tmp_path, sipgate_sim.url, [slow, lost]).results
    for result in (timed_out, dropped):
        assert result["failed"] is True
        assert result["changed"] is True
        assert result["results"][0]["status"] == "unknown"
        assert "delivery unknown" in result["msg"] and "force: true" in result["msg"], result["msg"]
    assert "timed out" in timed_out["msg"]
    assert [request["body"]["recipient"] for request in sms_posts(sipgate_sim)] == [SECOND, FIRST], "an ambiguous send must not be retried"
    assert len(sipgate_sim.sent_sms()) == 2

    rerun, forced = run_sms_tasks(tmp_path, sipgate_sim.url, [lost, dict(lost, force=True)]).results
    assert rerun["changed"] is False and not rerun.get("failed")
    assert rerun["skipped_recipients"][0]["reason"].startswith("delivery unknown in an earlier run")
    assert forced["changed"] is True and forced["sent"] == [FIRST]
    assert [request["body"]["recipient"] for request in sms_posts(sipgate_sim)] == [SECOND, FIRST, FIRST]
    assert len(sipgate_sim.sent_sms()) == 3


def test_connection_dropped_before_the_answer_is_unknown_and_a_rerun_sends_at_most_once_more(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(drop="before", path="/sessions/sms")
    result = run_sms_tasks(tmp_path, sipgate_sim.url, [sms("deploy CHG-1 done")]).result()
    assert result["failed"] is True, result
    # The client cannot tell whether sipgate handled the request before the connection went: delivery unknown.
    assert result["results"][0]["status"] == "unknown", result
    assert "delivery unknown" in result["msg"], result["msg"]
    assert not NOT_PLAIN.search(result["msg"]), result["msg"]
    assert sipgate_sim.sent_sms() == []  # the drop came before the simulator handled the request
    posts_before = len(sms_posts(sipgate_sim))

    plain_rerun, forced = run_sms_tasks(tmp_path, sipgate_sim.url, [sms("deploy CHG-1 done"), sms("deploy CHG-1 done", force=True)]).results
    assert plain_rerun["changed"] is False and not plain_rerun.get("failed"), plain_rerun
    assert forced["changed"] is True and forced["sent"] == [FIRST], forced
    assert len(sms_posts(sipgate_sim)) - posts_before == 1
    assert len(sipgate_sim.sent_sms()) == 1


def test_partial_failure_then_rerun_sends_only_the_missing_recipient(sipgate_sim, tmp_path):
    sipgate_sim.configure(balance=PRICE_PER_SEGMENT)  # enough for one SMS of one segment
    task = sms("to both", recipients=[FIRST, SECOND])
    first = run_sms_tasks(tmp_path, sipgate_sim.url, [task]).result()
    assert first["failed"] is True and first["changed"] is True
    statuses = sorted((entry["status"], entry.get("http_status")) for entry in first["results"])
    assert statuses == [("failed", 402), ("sent", None)]
    assert first["msg"].startswith("Not sent to 1 of 2 recipients") and "insufficient balance" in first["msg"]
    assert first["msg"].endswith("Sent to 1.")
    delivered = sipgate_sim.sent_sms()[0]["recipient"]
    missing = SECOND if delivered == FIRST else FIRST
    assert first["sent"] == [delivered]

    sipgate_sim.configure(balance=10 * PRICE_PER_SEGMENT)
    rerun = run_sms_tasks(tmp_path, sipgate_sim.url, [task]).result()
    assert rerun["changed"] is True and rerun["sent"] == [missing]
    assert [item["recipient"] for item in rerun["skipped_recipients"]] == [delivered]
    assert sorted(sms_["recipient"] for sms_ in sipgate_sim.sent_sms()) == [FIRST, SECOND]
    assert len(sms_posts(sipgate_sim)) == 3
    assert [request["body"]["recipient"] for request in sms_posts(sipgate_sim) if request["status"] == 204][-1] == missing


def test_send_only_token_is_told_which_scope_it_lacks(sipgate_sim, tmp_path):
    lookup = {"recipient": FIRST, "msg": "hello"}
    history = {"recipient": FIRST, "msg": "hello", "sms_id": SMS_ID, "dedup_scope": "history"}
    outcome = run_sms_tasks(tmp_path, sipgate_sim.url, [lookup, history], env=sipgate_env(sipgate_sim.url, RESTRICTED_TOKEN_ID, RESTRICTED_TOKEN))
    looked_up, checked = outcome.results
    assert looked_up["failed"] is True and looked_up["status"] == 403
    assert "give sms_id" in looked_up["msg"] and "sms:read" in looked_up["msg"], looked_up["msg"]
    assert checked["failed"] is True and checked["status"] == 403
    assert "history:read" in checked["msg"] and "dedup_scope" in checked["msg"], checked["msg"]
    assert sms_posts(sipgate_sim) == []
    assert RESTRICTED_TOKEN not in outcome.output
