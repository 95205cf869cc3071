# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms against a sipgate that refuses, fails, asks to wait or drops the connection."""

from __future__ import annotations

import json

import pytest
from simulator.sipgate_simulator import PRICE_PER_SEGMENT, READ_ONLY_TOKEN, READ_ONLY_TOKEN_ID, SMS_ID
from sipgate_sms_runs import FIRST, SECOND, posts, run_sms_tasks

pytestmark = pytest.mark.integration


def sms(message: str, **args: object) -> dict:
    return {"sms_id": SMS_ID, "recipients": [FIRST], "message": message, **args}


def test_each_documented_refusal_is_told_in_plain_words(sipgate_sim, tmp_path):
    # The queued 500 meets the first send; every later task is refused before the simulator
    # looks at the balance, and the last one meets the empty balance.
    sipgate_sim.add_fault(status=500, path="/sessions/sms")
    sipgate_sim.configure(balance=0)
    tasks = [
        (sms("server trouble"), 500, "sipgate server error"),
        (sms("wrong token", token="not-the-token"), 401, "wrong credentials"),
        (sms("wrong extension", sms_id="s99"), 403, "no permission to send from this SMS extension"),
        (sms("read-only token", token_id=READ_ONLY_TOKEN_ID, token=READ_ONLY_TOKEN), 403, "sessions:sms:write"),
        (sms("wrong path", api_url=sipgate_sim.url.rsplit("/v2", 1)[0] + "/v1"), 404, "wrong endpoint: check api_url"),
        (sms("no money"), 402, "insufficient balance"),
    ]
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [task for task, _status, _words in tasks])
    for (task, status, words), result in zip(tasks, run.results):
        assert result["failed"] is True, task
        assert result["changed"] is False, task
        outcome = result["results"][0]
        assert (outcome["status"], outcome["http_status"]) == ("failed", status), (task, outcome)
        assert words in outcome["error"] and words in result["msg"], (task, result["msg"])
    assert sipgate_sim.sent_sms() == []
    # Each intent was written before its request and taken back after the refusal: nothing stays recorded.
    assert json.loads((tmp_path / "sent.json").read_text(encoding="utf-8")) == {}


def test_503_twice_is_retried_and_sent_exactly_once(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(status=503, count=2, path="/sessions/sms")
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [sms("after two 503s")])
    assert run.results[0]["changed"] is True and not run.results[0].get("failed")
    assert [request["status"] for request in posts(sipgate_sim)] == [503, 503, 204]
    assert len(sipgate_sim.sent_sms()) == 1


def test_429_retry_after_is_honoured(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(status=429, retry_after=2, path="/sessions/sms")
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [sms("after a 429")])
    assert run.results[0]["sent"] == [FIRST]
    first, second = posts(sipgate_sim)
    assert (first["status"], second["status"]) == (429, 204)
    assert second["time"] - first["time"] >= 1.9
    assert len(sipgate_sim.sent_sms()) == 1


def test_a_dropped_answer_is_delivery_unknown_and_the_rerun_does_not_send_again(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(drop="after", path="/sessions/sms")
    first = run_sms_tasks(tmp_path, sipgate_sim.url, [sms("maybe sent")]).results[0]
    assert first["failed"] is True
    assert first["results"][0]["status"] == "unknown"
    assert "delivery unknown" in first["msg"] and "force: true" in first["msg"]
    assert len(posts(sipgate_sim)) == 1, "an ambiguous send must not be retried"
    assert len(sipgate_sim.sent_sms()) == 1

    rerun = run_sms_tasks(tmp_path, sipgate_sim.url, [sms("maybe sent"), sms("maybe sent", force=True)])
    skipped, forced = rerun.results
    assert skipped["changed"] is False and not skipped.get("failed")
    assert skipped["skipped_recipients"][0]["reason"].startswith("delivery unknown in an earlier run")
    assert forced["sent"] == [FIRST]
    assert len(sipgate_sim.sent_sms()) == 2


def test_partial_failure_then_rerun_sends_only_the_missing_recipient(sipgate_sim, tmp_path):
    sipgate_sim.configure(balance=PRICE_PER_SEGMENT)  # enough for one SMS of one segment
    task = sms("to both", recipients=[FIRST, SECOND])
    first = run_sms_tasks(tmp_path, sipgate_sim.url, [task]).results[0]
    assert first["failed"] is True and first["changed"] is True
    statuses = sorted((entry["status"], entry.get("http_status")) for entry in first["results"])
    assert statuses == [("failed", 402), ("sent", None)]
    assert first["msg"].startswith("Not sent to 1 of 2 recipients") and "insufficient balance" in first["msg"]
    assert first["msg"].endswith("Sent to 1.")
    delivered = sipgate_sim.sent_sms()[0]["recipient"]
    missing = SECOND if delivered == FIRST else FIRST
    assert first["sent"] == [delivered]

    sipgate_sim.configure(balance=10 * PRICE_PER_SEGMENT)
    rerun = run_sms_tasks(tmp_path, sipgate_sim.url, [task]).results[0]
    assert rerun["changed"] is True and rerun["sent"] == [missing]
    assert [item["recipient"] for item in rerun["skipped_recipients"]] == [delivered]
    assert sorted(sms_["recipient"] for sms_ in sipgate_sim.sent_sms()) == [FIRST, SECOND]
    assert [request["body"]["recipient"] for request in posts(sipgate_sim) if request["status"] == 204][-1] == missing
