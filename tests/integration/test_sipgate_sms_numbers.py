# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms in a playbook: real-world number spellings, and history dedup against sipgate's national spelling."""

from __future__ import annotations

import pytest
import requests
from simulator.sipgate_simulator import SMS_ID, TOKEN, TOKEN_ID
from support.api_calls import sms_posts
from support.number_spellings import CALLING_CODES, SPELLINGS, Spelling
from support.sms_tasks import FIRST, run_sms_tasks

pytestmark = pytest.mark.integration


def number_options(spelling: Spelling) -> dict:
    """Germany by the default country_code, Austria by country_code, the others by region: all three ways are used."""
    if spelling.region == "DE":
        return {}
    if spelling.region == "AT":
        return {"country_code": CALLING_CODES["AT"]}
    return {"region": spelling.region}


def test_every_spelling_is_sent_to_its_number_or_refused_before_anything_is_sent(sipgate_sim, tmp_path):
    tasks = [{"sms_id": SMS_ID, "recipients": [spelling.written], "msg": "spelling {0}".format(index), **number_options(spelling)}
             for index, spelling in enumerate(SPELLINGS)]
    run = run_sms_tasks(tmp_path, sipgate_sim.url, tasks)
    for spelling, result in zip(SPELLINGS, run.results):
        if spelling.refused:
            assert result["failed"] is True and result["field"] == "recipients[0]", (spelling, result)
            assert spelling.reason in result["msg"], (spelling, result["msg"])
        else:
            assert result["sent"] == [spelling.e164], (spelling, result)
    expected = [("spelling {0}".format(index), spelling.e164) for index, spelling in enumerate(SPELLINGS) if not spelling.refused]
    assert [(request["body"]["message"], request["body"]["recipient"]) for request in sms_posts(sipgate_sim)] == expected
    assert "+15799912345" not in [sms["recipient"] for sms in sipgate_sim.sent_sms()]


def send_elsewhere(sim, message: str, count: int = 1) -> None:
    """SMS sent by another controller (or sipgate's web app): in sipgate's history, in no state file here."""
    with requests.Session() as session:
        for _number in range(count):
            answer = session.post(sim.url + "/sessions/sms", json={"smsId": SMS_ID, "recipient": FIRST, "message": message},
                                  auth=(TOKEN_ID, TOKEN), timeout=10)
            assert answer.status_code == 204


def history_reads(sim) -> list:
    return [request["query"] for request in sim.requests() if request["path"] == "/v2/history"]


def test_history_in_sipgate_national_spelling_prevents_a_second_sms(sipgate_sim, tmp_path):
    send_elsewhere(sipgate_sim, "CHG-9 deployed")
    listed = requests.get(sipgate_sim.url + "/history", auth=(TOKEN_ID, TOKEN), timeout=10).json()["items"]
    assert [item["target"] for item in listed] == ["01579-9912345"]

    task = {"sms_id": SMS_ID, "recipients": ["0157 999 12345"], "msg": "CHG-9 deployed", "dedup_scope": "history",
            "state_file": str(tmp_path / "fresh.json")}
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [task])
    assert run.results[0]["changed"] is False, run.results[0]
    assert run.results[0]["skipped_recipients"] == [{"recipient": FIRST, "reason": "found in sipgate history (within dedup_window)"}]
    assert len(sms_posts(sipgate_sim)) == 1


def test_history_match_on_a_later_page_still_prevents_the_sms(sipgate_sim, tmp_path):
    send_elsewhere(sipgate_sim, "CHG-10 deployed")
    send_elsewhere(sipgate_sim, "unrelated", count=1000)  # newest first: the match is entry 1001, on the second page

    task = {"sms_id": SMS_ID, "recipients": [FIRST], "msg": "CHG-10 deployed", "dedup_scope": "history",
            "state_file": str(tmp_path / "fresh.json")}
    run = run_sms_tasks(tmp_path, sipgate_sim.url, [task])
    assert run.results[0]["changed"] is False, run.results[0]
    assert [(query["offset"], query["limit"]) for query in history_reads(sipgate_sim)] == [(["0"], ["1000"]), (["1000"], ["1000"])]
    assert len(sms_posts(sipgate_sim)) == 1001
