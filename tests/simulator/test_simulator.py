# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulator answers the way the sipgate REST API v2 does; these tests pin that behaviour."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Optional

import pytest
import requests

from simulator.segments import GSM7, UCS2, segments
from simulator.sipgate_simulator import (ACCESS_TOKEN, ALL_TOKEN, ALL_TOKEN_ID, CALLER_ID, CALLER_ID_TOKEN, CALLER_ID_TOKEN_ID,
                                         DEFAULT_BALANCE, PASSWORD, PRICE_PER_SEGMENT, READ_ONLY_TOKEN, READ_ONLY_TOKEN_ID,
                                         RESTRICTED_TOKEN, RESTRICTED_TOKEN_ID, SECOND_SMS_ID, SESSIONS_TOKEN, SESSIONS_TOKEN_ID,
                                         SMS_ID, TOKEN, TOKEN_ID, USER_ID, USERNAME, SipgateSimulator)

RECIPIENT = "+4915711122233"
# RECIPIENT as sipgate's history writes a number of its own country (its example: 01579-9912345).
RECIPIENT_IN_HISTORY = "01571-1122233"
TOKEN_AUTH = (TOKEN_ID, TOKEN)
SIMULATOR_SCRIPT = Path(__file__).resolve().parent / "sipgate_simulator.py"


def sms_body(**changes: Any) -> dict:
    body = {"smsId": SMS_ID, "recipient": RECIPIENT, "message": "PROBLEM web01/HTTP CRITICAL"}
    body.update(changes)
    return {name: value for name, value in body.items() if value is not ...}


def post_sms(sim: SipgateSimulator, body: Any, auth: Any = TOKEN_AUTH, timeout: float = 5, **kwargs: Any) -> requests.Response:
    return requests.post(sim.url + "/sessions/sms", json=body, auth=auth, timeout=timeout, **kwargs)


def get(sim: SipgateSimulator, path: str, auth: Any = TOKEN_AUTH, **kwargs: Any) -> requests.Response:
    return requests.get(sim.url + path, auth=auth, timeout=5, **kwargs)


def bearer(token: str) -> dict:
    return {"Authorization": "Bearer " + token}


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def wait_for(condition: Any, seconds: float = 3.0) -> bool:
    """Poll a condition a bounded number of times."""
    for _attempt in range(int(seconds / 0.05)):
        if condition():
            return True
        time.sleep(0.05)
    return bool(condition())


# --- authentication and scopes --------------------------------------------------------------

@pytest.mark.parametrize("auth, headers, kind, credential_id", [
    (TOKEN_AUTH, None, "token", TOKEN_ID),
    ((USERNAME, PASSWORD), None, "legacy", USERNAME),
    (None, bearer(ACCESS_TOKEN), "bearer", USER_ID),
])
def test_each_kind_of_credential_is_accepted_and_recorded_by_name(sipgate_sim, auth, headers, kind, credential_id):
    response = requests.get(sipgate_sim.url + "/authorization/userinfo", auth=auth, headers=headers, timeout=5)
    assert response.status_code == 200
    assert response.json() == {"sub": USER_ID, "domain": "sipgate.de", "masterSipId": "1234567", "locale": "de_DE"}
    assert post_sms(sipgate_sim, sms_body(), auth=auth, headers=headers).status_code == 204
    recorded = sipgate_sim.requests()
    assert [(entry["auth_kind"], entry["auth_id"]) for entry in recorded] == [(kind, credential_id)] * 2
    assert sipgate_sim.sent_sms()[0]["auth_kind"] == kind


@pytest.mark.parametrize("auth, headers", [
    (None, None),
    ((TOKEN_ID, "00000000-0000-0000-0000-000000000000"), None),
    ((RESTRICTED_TOKEN_ID, TOKEN), None),
    ((USERNAME, "wrong"), None),
    ((TOKEN, TOKEN_ID), None),
    (None, bearer("not-the-token")),
    (None, {"Authorization": "Basic !!!not-base64"}),
    (None, {"Authorization": "Digest " + TOKEN}),
])
def test_wrong_or_missing_credentials_are_refused_with_401(sipgate_sim, auth, headers):
    assert requests.get(sipgate_sim.url + "/authorization/userinfo", auth=auth, headers=headers, timeout=5).status_code == 401
    assert post_sms(sipgate_sim, sms_body(), auth=auth, headers=headers).status_code == 401
    assert sipgate_sim.sent_sms() == []
    assert sipgate_sim.balance() == DEFAULT_BALANCE
    assert [entry["auth_kind"] for entry in sipgate_sim.requests()] == [None, None]


def test_no_secret_is_ever_recorded(sipgate_sim):
    post_sms(sipgate_sim, sms_body(), auth=TOKEN_AUTH)
    post_sms(sipgate_sim, sms_body(), auth=(USERNAME, PASSWORD))
    post_sms(sipgate_sim, sms_body(), auth=None, headers=bearer(ACCESS_TOKEN))
    post_sms(sipgate_sim, sms_body(), auth=(TOKEN_ID, RESTRICTED_TOKEN))
    recorded = json.dumps([sipgate_sim.requests(), sipgate_sim.sent_sms()])
    for secret in (TOKEN, PASSWORD, ACCESS_TOKEN, RESTRICTED_TOKEN):
        assert secret not in recorded


def test_send_only_token_sends_but_reads_nothing(sipgate_sim):
    auth = (RESTRICTED_TOKEN_ID, RESTRICTED_TOKEN)
    assert post_sms(sipgate_sim, sms_body(), auth=auth).status_code == 204
    assert get(sipgate_sim, "/authorization/userinfo", auth=auth).status_code == 200
    for path in ("/{0}/sms".format(USER_ID), "/{0}/sms/{1}/callerids".format(USER_ID, SMS_ID), "/balance", "/history"):
        response = get(sipgate_sim, path, auth=auth)
        assert response.status_code == 403, path
        assert "scope" in response.json()["message"]


READ_PATHS = {"extensions": "/{0}/sms".format(USER_ID), "caller ids": "/{0}/sms/{1}/callerids".format(USER_ID, SMS_ID),
              "balance": "/balance", "history": "/history"}


@pytest.mark.parametrize("auth, may_send, may_read", [
    ((ALL_TOKEN_ID, ALL_TOKEN), True, {"extensions", "caller ids", "balance", "history"}),
    ((SESSIONS_TOKEN_ID, SESSIONS_TOKEN), True, set()),
    ((CALLER_ID_TOKEN_ID, CALLER_ID_TOKEN), True, {"caller ids"}),
    ((READ_ONLY_TOKEN_ID, READ_ONLY_TOKEN), False, {"extensions", "caller ids", "balance", "history"}),
])
def test_each_endpoint_takes_any_of_the_scopes_sipgate_lists_for_it(sipgate_sim, auth, may_send, may_read):
    assert post_sms(sipgate_sim, sms_body(), auth=auth).status_code == (204 if may_send else 403)
    for what, path in READ_PATHS.items():
        assert get(sipgate_sim, path, auth=auth).status_code == (200 if what in may_read else 403), what


def test_token_without_send_scope_gets_403_and_sends_nothing(sipgate_sim):
    auth = (READ_ONLY_TOKEN_ID, READ_ONLY_TOKEN)
    response = post_sms(sipgate_sim, sms_body(), auth=auth)
    assert response.status_code == 403
    assert "sessions:sms:write or sessions:write or all" in response.json()["message"]
    assert sipgate_sim.sent_sms() == []
    assert get(sipgate_sim, "/balance", auth=auth).status_code == 200


# --- POST /sessions/sms ----------------------------------------------------------------------

def test_accepted_sms_is_answered_204_recorded_and_billed(sipgate_sim):
    response = post_sms(sipgate_sim, sms_body())
    assert response.status_code == 204
    assert response.content == b""
    [sms] = sipgate_sim.sent_sms()
    assert (sms["smsId"], sms["recipient"], sms["message"], sms["sendAt"]) == (SMS_ID, RECIPIENT, "PROBLEM web01/HTTP CRITICAL", None)
    assert (sms["segments"], sms["encoding"], sms["source"]) == (1, GSM7, CALLER_ID)
    assert abs(sms["created"] - time.time()) < 5
    assert sipgate_sim.balance() == DEFAULT_BALANCE - PRICE_PER_SEGMENT
    assert get(sipgate_sim, "/balance").json() == {"amount": DEFAULT_BALANCE - PRICE_PER_SEGMENT, "currency": "EUR"}


@pytest.mark.parametrize("message, encoding, parts", [
    ("a" * 160, GSM7, 1),
    ("a" * 161, GSM7, 2),
    ("\u20ac" * 80, GSM7, 1),
    ("\u00e1" * 71, UCS2, 2),
])
def test_price_follows_the_segments_counted(sipgate_sim, message, encoding, parts):
    assert post_sms(sipgate_sim, sms_body(message=message)).status_code == 204
    assert (sipgate_sim.sent_sms()[0]["encoding"], sipgate_sim.sent_sms()[0]["segments"]) == (encoding, parts)
    assert sipgate_sim.balance() == DEFAULT_BALANCE - parts * PRICE_PER_SEGMENT


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/x-www-form-urlencoded"])
def test_send_without_json_content_type_is_415(sipgate_sim, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = requests.post(sipgate_sim.url + "/sessions/sms", data=json.dumps(sms_body()).encode(), headers=headers,
                             auth=TOKEN_AUTH, timeout=5)
    assert response.status_code == 415
    assert sipgate_sim.sent_sms() == []


def test_charset_parameter_is_allowed(sipgate_sim):
    response = requests.post(sipgate_sim.url + "/sessions/sms", data=json.dumps(sms_body()).encode(),
                             headers={"Content-Type": "application/json; charset=utf-8"}, auth=TOKEN_AUTH, timeout=5)
    assert response.status_code == 204


def test_unparseable_json_is_a_server_error(sipgate_sim):
    response = requests.post(sipgate_sim.url + "/sessions/sms", data=b'{"smsId": "s0",', auth=TOKEN_AUTH,
                             headers={"Content-Type": "application/json"}, timeout=5)
    assert response.status_code == 500
    assert sipgate_sim.requests()[0]["body"] == '{"smsId": "s0",'


def in_seconds(seconds: int) -> int:
    return int(time.time()) + seconds


@pytest.mark.parametrize("body, field", [
    (["not", "an", "object"], "object"),
    (sms_body(smsId=""), "smsId"),
    (sms_body(smsId=" "), "smsId"),
    (sms_body(smsId=0), "smsId"),
    (sms_body(recipient=...), "recipient"),
    (sms_body(recipient=""), "recipient"),
    (sms_body(recipient="web01"), "recipient"),
    (sms_body(recipient="+49 157 111 222 33"), "recipient"),
    (sms_body(recipient="+12345"), "recipient"),
    (sms_body(message=...), "message"),
    (sms_body(message=""), "message"),
    (sms_body(message="  \n "), "message"),
    (sms_body(sendAt=in_seconds(-60)), "sendAt"),
    (sms_body(sendAt=in_seconds(31 * 24 * 3600)), "sendAt"),
    (sms_body(sendAt=str(in_seconds(600))), "sendAt"),
    (sms_body(sendAt=in_seconds(600) + 0.5), "sendAt"),
    (sms_body(sendAt=None), "sendAt"),
    (sms_body(sendAt=True), "sendAt"),
])
def test_each_field_is_checked_with_400_naming_it(sipgate_sim, body, field):
    response = post_sms(sipgate_sim, body)
    assert response.status_code == 400
    assert field in response.json()["message"]
    assert sipgate_sim.sent_sms() == []
    assert sipgate_sim.balance() == DEFAULT_BALANCE


@pytest.mark.parametrize("body", [sms_body(smsId=...), sms_body(smsId=None)])
def test_missing_sms_id_is_a_500_as_sipgate_describes_it(sipgate_sim, body):
    # sipgate: "internal server error or unhandled bad request (e.g. smsId not set)".
    assert post_sms(sipgate_sim, body).status_code == 500
    assert sipgate_sim.sent_sms() == []


@pytest.mark.parametrize("recipient", ["+4915711122233", "015711122233", "+12025550123"])
def test_international_and_national_numbers_are_accepted(sipgate_sim, recipient):
    assert post_sms(sipgate_sim, sms_body(recipient=recipient)).status_code == 204


def test_schedule_within_30_days_is_accepted_and_recorded(sipgate_sim):
    send_at = in_seconds(30 * 24 * 3600 - 60)
    assert post_sms(sipgate_sim, sms_body(sendAt=send_at)).status_code == 204
    assert sipgate_sim.sent_sms()[0]["sendAt"] == send_at


@pytest.mark.parametrize("sms_id", ["s9", "s01", "s00", "S0", "x0"])
def test_sms_id_that_is_no_extension_of_the_account_is_403(sipgate_sim, sms_id):
    response = post_sms(sipgate_sim, sms_body(smsId=sms_id))
    assert response.status_code == 403
    assert sms_id in response.json()["message"]
    assert sipgate_sim.sent_sms() == []


def test_second_extension_sends_as_sipgate_without_verified_number(sipgate_sim):
    assert post_sms(sipgate_sim, sms_body(smsId=SECOND_SMS_ID)).status_code == 204
    assert sipgate_sim.sent_sms()[0]["source"] == "sipgate"


def test_too_low_balance_is_402_and_the_last_cent_can_be_spent(sipgate_sim):
    sipgate_sim.configure(balance=2 * PRICE_PER_SEGMENT - 1)
    assert post_sms(sipgate_sim, sms_body(message="a" * 200)).status_code == 402
    assert post_sms(sipgate_sim, sms_body()).status_code == 204
    assert sipgate_sim.balance() == PRICE_PER_SEGMENT - 1
    assert post_sms(sipgate_sim, sms_body()).status_code == 402
    assert len(sipgate_sim.sent_sms()) == 1


# --- reading endpoints -----------------------------------------------------------------------

def test_extensions_and_caller_ids_are_listed(sipgate_sim):
    extensions = get(sipgate_sim, "/{0}/sms".format(USER_ID)).json()["items"]
    assert extensions[0] == {"id": SMS_ID, "alias": "Monitoring", "callerId": CALLER_ID}
    assert [item["id"] for item in extensions] == [SMS_ID, SECOND_SMS_ID]
    caller_ids = get(sipgate_sim, "/{0}/sms/{1}/callerids".format(USER_ID, SMS_ID)).json()["items"]
    assert caller_ids[0] == {"id": 0, "phonenumber": CALLER_ID, "verified": True, "defaultNumber": True}


def test_other_users_and_unknown_extensions_are_refused(sipgate_sim):
    assert get(sipgate_sim, "/w9/sms").status_code == 403
    assert get(sipgate_sim, "/w9/sms/{0}/callerids".format(SMS_ID)).status_code == 403
    assert get(sipgate_sim, "/{0}/sms/s9/callerids".format(USER_ID)).status_code == 404


@pytest.mark.parametrize("method, path, status", [
    ("GET", "/v2/nothing-here", 404),
    ("POST", "/v2/sessions/sms/extra", 404),
    ("GET", "/elsewhere", 404),
    ("GET", "/v2/sessions/sms", 405),
    ("PUT", "/v2/sessions/sms", 405),
    ("POST", "/v2/balance", 405),
    ("DELETE", "/v2/history", 405),
])
def test_wrong_endpoint_is_404_and_wrong_method_405(sipgate_sim, method, path, status):
    url = sipgate_sim.url.rsplit("/v2", 1)[0] + path
    assert requests.request(method, url, auth=TOKEN_AUTH, json={}, timeout=5).status_code == status
    assert sipgate_sim.sent_sms() == []


# --- history ---------------------------------------------------------------------------------

def history(sim: SipgateSimulator, **params: Any) -> dict:
    response = get(sim, "/history", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def test_history_lists_sent_sms_newest_first(sipgate_sim):
    for recipient, message in ((RECIPIENT, "first"), ("+4915799900000", "second")):
        assert post_sms(sipgate_sim, sms_body(recipient=recipient, message=message)).status_code == 204
    page = history(sipgate_sim, types="SMS", directions="OUTGOING")
    assert page["totalCount"] == 2
    assert [item["smsContent"] for item in page["items"]] == ["second", "first"]
    item = page["items"][1]
    assert (item["target"], item["source"], item["type"], item["direction"], item["incoming"], item["status"]) == (
        RECIPIENT_IN_HISTORY, "01579-9912345", "SMS", "OUTGOING", False, "PICKUP")
    assert CALLER_ID == "+4915799912345"
    assert set(item) >= {"id", "sourceAlias", "targetAlias", "lastModified", "connectionIds", "read", "archived", "starred",
                         "labels", "note", "endpoints"}
    created = datetime.strptime(item["created"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert abs(created.timestamp() - time.time()) < 5


def test_history_filters_by_number_type_direction_time_and_pages(sipgate_sim):
    for number in range(3):
        post_sms(sipgate_sim, sms_body(message="m{0}".format(number)))
    post_sms(sipgate_sim, sms_body(recipient="+4915799900000", message="other"))
    now = datetime.now(timezone.utc)
    assert history(sipgate_sim, phonenumber=RECIPIENT)["totalCount"] == 3
    assert history(sipgate_sim, types="CALL")["items"] == []
    assert history(sipgate_sim, directions="INCOMING")["items"] == []
    assert history(sipgate_sim, **{"from": iso(now + timedelta(minutes=1))})["totalCount"] == 0
    assert history(sipgate_sim, **{"from": iso(now - timedelta(minutes=1)), "to": iso(now + timedelta(minutes=1))})["totalCount"] == 4
    assert history(sipgate_sim, **{"to": iso(now - timedelta(minutes=1))})["totalCount"] == 0
    page = history(sipgate_sim, phonenumber=RECIPIENT, offset=1, limit=1)
    assert (page["totalCount"], [item["smsContent"] for item in page["items"]]) == (3, ["m1"])


def test_history_writes_a_number_abroad_in_e164(sipgate_sim):
    post_sms(sipgate_sim, sms_body(recipient="+436641234567"))
    assert history(sipgate_sim)["items"][0]["target"] == "+436641234567"


@pytest.mark.parametrize("phonenumber", [RECIPIENT, RECIPIENT_IN_HISTORY, "0049 1571 1122233", "+49 (0)1571 1122233"])
def test_history_filter_takes_the_number_in_any_spelling(sipgate_sim, phonenumber):
    post_sms(sipgate_sim, sms_body())
    post_sms(sipgate_sim, sms_body(recipient="+4915799900000"))
    page = history(sipgate_sim, phonenumber=phonenumber)
    assert [item["target"] for item in page["items"]] == [RECIPIENT_IN_HISTORY]


def test_history_filter_matches_the_sender_too(sipgate_sim):
    post_sms(sipgate_sim, sms_body())
    post_sms(sipgate_sim, sms_body(smsId=SECOND_SMS_ID))
    # "Filter events to or from given number": s0 sends from CALLER_ID, s1 as "sipgate".
    assert history(sipgate_sim, phonenumber=CALLER_ID)["totalCount"] == 1


def test_history_gives_ten_entries_unless_asked_and_counts_them_all(sipgate_sim):
    for number in range(12):
        post_sms(sipgate_sim, sms_body(message="m{0}".format(number)))
    page = history(sipgate_sim)
    assert (page["totalCount"], len(page["items"])) == (12, 10)
    assert [item["smsContent"] for item in history(sipgate_sim, offset=10)["items"]] == ["m1", "m0"]
    assert (history(sipgate_sim, limit=0)["items"], history(sipgate_sim, limit=1000)["totalCount"]) == ([], 12)


@pytest.mark.parametrize("params", [{"from": "yesterday"}, {"limit": 1001}, {"limit": -1}, {"limit": "ten"}, {"offset": -1},
                                    {"offset": 2**31}, {"phonenumber": "sipgate"}])
def test_history_refuses_a_bad_query_with_400(sipgate_sim, params):
    assert get(sipgate_sim, "/history", params=params).status_code == 400


def test_history_shows_an_sms_only_after_the_history_delay(sipgate_sim):
    sipgate_sim.configure(history_delay=0.4)
    post_sms(sipgate_sim, sms_body())
    assert history(sipgate_sim)["items"] == []
    assert wait_for(lambda: history(sipgate_sim)["totalCount"] == 1, seconds=3)


def test_scheduled_sms_is_not_in_the_history_before_it_goes_out(sipgate_sim):
    post_sms(sipgate_sim, sms_body(sendAt=in_seconds(3600)))
    assert history(sipgate_sim)["items"] == []
    assert len(sipgate_sim.sent_sms()) == 1


# --- faults and latency ----------------------------------------------------------------------

def test_status_fault_answers_count_times_without_effect(sipgate_sim):
    sipgate_sim.add_fault(status=503, count=2)
    statuses = [post_sms(sipgate_sim, sms_body()).status_code for _attempt in range(3)]
    assert statuses == [503, 503, 204]
    assert len(sipgate_sim.sent_sms()) == 1
    assert [(entry["fault"], entry["status"], entry["auth_id"]) for entry in sipgate_sim.requests()] == [
        ("status-503", 503, TOKEN_ID), ("status-503", 503, TOKEN_ID), (None, 204, TOKEN_ID)]


def test_429_carries_retry_after(sipgate_sim):
    sipgate_sim.add_fault(status=429, retry_after=1)
    response = post_sms(sipgate_sim, sms_body())
    assert (response.status_code, response.headers.get("Retry-After")) == (429, "1")
    assert sipgate_sim.sent_sms() == []


def test_faults_are_consumed_in_order(sipgate_sim):
    sipgate_sim.add_fault(status=500)
    sipgate_sim.add_fault(status=502)
    assert [post_sms(sipgate_sim, sms_body()).status_code for _attempt in range(3)] == [500, 502, 204]


def test_fault_for_a_path_spares_other_paths(sipgate_sim):
    sipgate_sim.add_fault(status=503, path="/sessions/sms")
    assert get(sipgate_sim, "/balance").status_code == 200
    assert post_sms(sipgate_sim, sms_body()).status_code == 503
    assert post_sms(sipgate_sim, sms_body()).status_code == 204


def test_delay_fault_answers_late_but_the_sms_goes_out(sipgate_sim):
    sipgate_sim.add_fault(delay=0.6)
    with pytest.raises(requests.exceptions.ReadTimeout):
        post_sms(sipgate_sim, sms_body(), timeout=(2, 0.2))
    assert len(sipgate_sim.sent_sms()) == 1


def test_drop_before_closes_the_connection_and_nothing_is_sent(sipgate_sim):
    sipgate_sim.add_fault(drop="before")
    with pytest.raises(requests.exceptions.ConnectionError):
        post_sms(sipgate_sim, sms_body())
    assert sipgate_sim.sent_sms() == []
    assert sipgate_sim.requests()[0]["fault"] == "drop-before"
    assert post_sms(sipgate_sim, sms_body()).status_code == 204


def test_drop_after_closes_the_connection_but_the_sms_is_sent(sipgate_sim):
    sipgate_sim.add_fault(drop="after")
    with pytest.raises(requests.exceptions.ConnectionError):
        post_sms(sipgate_sim, sms_body())
    assert len(sipgate_sim.sent_sms()) == 1
    assert (sipgate_sim.requests()[0]["status"], sipgate_sim.requests()[0]["fault"]) == (204, "drop-after")


@pytest.mark.parametrize("fault", [{}, {"status": 503, "delay": 1}, {"drop": "sometimes"}, {"status": 42}, {"status": 503, "count": 0},
                                   {"delay": -1}, {"colour": "red"}])
def test_nonsense_faults_are_refused(sipgate_sim, fault):
    with pytest.raises(ValueError):
        sipgate_sim.add_fault(**fault)
    assert sipgate_sim.pending_faults() == []


def test_latency_is_added_to_every_api_request(sipgate_sim):
    sipgate_sim.configure(latency=0.3)
    started = time.monotonic()
    assert get(sipgate_sim, "/balance").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_reset_forgets_requests_sms_faults_and_settings(sipgate_sim):
    post_sms(sipgate_sim, sms_body())
    sipgate_sim.add_fault(status=503)
    sipgate_sim.configure(latency=0.2, balance=5, history_delay=9)
    sipgate_sim.reset()
    assert (sipgate_sim.requests(), sipgate_sim.sent_sms(), sipgate_sim.pending_faults()) == ([], [], [])
    assert sipgate_sim.configure() == {"latency": 0.0, "balance": DEFAULT_BALANCE, "history_delay": 0.0,
                                       "price_per_segment": PRICE_PER_SEGMENT}


# --- control endpoints and the standalone server ---------------------------------------------

def control(sim: SipgateSimulator, method: str, name: str, data: Optional[Any] = None) -> requests.Response:
    return requests.request(method, sim.control_url + "/" + name, json=data, timeout=5)


def test_control_endpoints_steer_and_show_the_simulator(sipgate_sim):
    assert control(sipgate_sim, "POST", "faults", [{"status": 503}, {"status": 429, "retry_after": 2}]).status_code == 200
    assert control(sipgate_sim, "POST", "config", {"balance": 1800}).json()["balance"] == 1800
    assert [post_sms(sipgate_sim, sms_body()).status_code for _attempt in range(3)] == [503, 429, 204]
    assert [sms["recipient"] for sms in control(sipgate_sim, "GET", "sms").json()] == [RECIPIENT]
    assert [entry["status"] for entry in control(sipgate_sim, "GET", "requests").json()] == [503, 429, 204]
    assert control(sipgate_sim, "POST", "faults", {"drop": "never"}).status_code == 400
    assert control(sipgate_sim, "POST", "reset").status_code == 204
    assert control(sipgate_sim, "GET", "requests").json() == []
    assert sipgate_sim.balance() == DEFAULT_BALANCE


def test_standalone_server_writes_its_url_and_stops_on_sigterm(tmp_path):
    url_file = tmp_path / "url"
    process = subprocess.Popen([sys.executable, str(SIMULATOR_SCRIPT), "--url-file", str(url_file)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=dict(os.environ, PYTHONPATH=""))
    try:
        assert wait_for(url_file.exists, seconds=10), process.stderr.read() if process.poll() is not None else "no URL file"
        url = url_file.read_text(encoding="utf-8").strip()
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v2")
        assert requests.get(url + "/balance", auth=TOKEN_AUTH, timeout=5).json()["currency"] == "EUR"
        process.send_signal(signal.SIGTERM)
        stdout, _stderr = process.communicate(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
    assert process.returncode == 0
    assert stdout.splitlines()[0] == url
    assert TOKEN_ID in stdout and TOKEN not in stdout


# --- segment counting ------------------------------------------------------------------------

@pytest.mark.parametrize("message, expected", [
    ("a" * 152 + "\u20ac" + "a" * 152, (GSM7, 3)),  # the escape pair is not split over two parts
    ("\u00e1" * 66 + "\U0001F600" + "\u00e1" * 66, (UCS2, 3)),  # nor is the surrogate pair
    ("\U0001F600" * 35, (UCS2, 1)),
    ("\U0001F600" * 36, (UCS2, 2)),
    ("a" * 306, (GSM7, 2)),
    ("a" * 307, (GSM7, 3)),
    ("caf\u00e9 \u00c4\u00d6\u00dc\u00df", (GSM7, 1)),
    ("tab\there", (UCS2, 1)),
    ("\u2019quoted\u2019", (UCS2, 1)),
], ids=["escape-pair-kept-whole", "surrogate-pair-kept-whole", "35-emoji", "36-emoji", "306-septets", "307-septets",
        "german-letters-are-gsm", "tab-is-ucs2", "typographic-quote-is-ucs2"])
def test_segments_are_counted_like_the_network(message, expected):
    assert segments(message) == expected


def test_concurrent_sends_are_all_recorded_and_billed_exactly(sipgate_sim):
    with ThreadPoolExecutor(max_workers=16) as pool:
        statuses = list(pool.map(lambda number: post_sms(sipgate_sim, sms_body(message="m{0}".format(number))).status_code, range(40)))
    assert statuses == [204] * 40
    assert sorted(sms["message"] for sms in sipgate_sim.sent_sms()) == sorted("m{0}".format(number) for number in range(40))
    assert sipgate_sim.balance() == DEFAULT_BALANCE - 40 * PRICE_PER_SEGMENT
    assert len({sms["id"] for sms in sipgate_sim.sent_sms()}) == 40
