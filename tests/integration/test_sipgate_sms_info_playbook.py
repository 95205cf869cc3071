# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""sipgate_sms_info run by ansible-playbook against the simulated sipgate API."""

from __future__ import annotations

from pathlib import Path

import pytest
from simulator.sipgate_simulator import (CALLER_ID, RESTRICTED_TOKEN, RESTRICTED_TOKEN_ID, SECOND_CALLER_ID, SMS_ID, TOKEN,
                                         TOKEN_ID, USER_ID)
from support.sms_tasks import SmsRun, run_sms_tasks, sipgate_env

pytestmark = pytest.mark.integration


def read_account(tmp_path: Path, api_url: str, token_id: str, token: str, **args: str) -> tuple:
    """One sipgate_sms_info task with these credentials: the run, and the task's result."""
    run = run_sms_tasks(tmp_path, api_url, [{"module": "sipgateio.sms.sipgate_sms_info", **args}], env=sipgate_env(api_url, token_id, token))
    return run, run.result()


def assert_passed(run: SmsRun) -> None:
    assert run.run.rc == 0, run.output
    assert run.recap()["failed"] == 0 and run.recap()["ignored"] == 0, run.output


def test_full_token_lists_extensions_caller_ids_and_decimal_balance(sipgate_sim, tmp_path):
    sipgate_sim.configure(balance=123456)
    run, account = read_account(tmp_path, sipgate_sim.url, TOKEN_ID, TOKEN)
    assert_passed(run)
    assert account["changed"] is False
    assert account["user_id"] == USER_ID
    assert account["sms_extensions"] == [{"id": "s0", "alias": "Monitoring", "caller_id": CALLER_ID},
                                         {"id": "s1", "alias": "Deployments", "caller_id": "sipgate"}]
    assert account["caller_ids"]["s0"] == [{"number": CALLER_ID, "verified": True, "default": True},
                                           {"number": SECOND_CALLER_ID, "verified": False, "default": False}]
    assert set(account["caller_ids"]) == {"s0", "s1"}
    assert account["balance"] == {"amount": "12.3456", "currency": "EUR"}
    assert account["diagnose"]["messages"] == []
    assert all(account["diagnose"][name] is True for name in
               ("authenticated", "can_list_extensions", "can_read_caller_ids", "can_read_balance", "can_read_history"))
    assert account["diagnose"]["can_send"].startswith("unknown")


def test_info_only_reads(sipgate_sim, tmp_path):
    run, _account = read_account(tmp_path, sipgate_sim.url, TOKEN_ID, TOKEN)
    assert_passed(run)
    assert {request["method"] for request in sipgate_sim.requests()} == {"GET"}
    assert sipgate_sim.sent_sms() == []


def test_restricted_token_is_explained_not_failed(sipgate_sim, tmp_path):
    run, account = read_account(tmp_path, sipgate_sim.url, RESTRICTED_TOKEN_ID, RESTRICTED_TOKEN)
    assert_passed(run)
    assert account["user_id"] == USER_ID
    assert account["sms_extensions"] is None
    assert account["caller_ids"] is None
    assert account["balance"] is None
    diagnose = account["diagnose"]
    assert diagnose["authenticated"] is True
    assert diagnose["can_list_extensions"] is False
    assert diagnose["can_read_balance"] is False
    assert diagnose["can_read_history"] is False
    messages = "\n".join(diagnose["messages"])
    assert "'sms:read'" in messages and "give sms_id explicitly" in messages
    assert "'balance:read'" in messages
    assert "'history:read'" in messages
    assert RESTRICTED_TOKEN not in run.output


def test_sms_id_limits_caller_id_lookups(sipgate_sim, tmp_path):
    run, account = read_account(tmp_path, sipgate_sim.url, TOKEN_ID, TOKEN, sms_id="s1")
    assert_passed(run)
    assert list(account["caller_ids"]) == ["s1"]
    assert not [request for request in sipgate_sim.requests() if request["path"].endswith("/s0/callerids")]


def test_wrong_token_fails_in_plain_words_without_showing_it(sipgate_sim, tmp_path):
    wrong = "11111111-2222-3333-4444-555555555555"
    run, account = read_account(tmp_path, sipgate_sim.url, TOKEN_ID, wrong)
    assert account["failed"] is True
    assert run.recap()["ignored"] == 1
    assert "HTTP 401: wrong credentials" in run.output
    assert wrong not in run.output


def test_a_503_on_a_read_is_retried_and_the_account_is_read(sipgate_sim, tmp_path):
    sipgate_sim.add_fault(status=503, count=1, path="/authorization/userinfo")
    run, account = read_account(tmp_path, sipgate_sim.url, TOKEN_ID, TOKEN)
    assert_passed(run)
    assert SMS_ID in [extension["id"] for extension in account["sms_extensions"]], account
    statuses = [request["status"] for request in sipgate_sim.requests() if request["path"].endswith("/authorization/userinfo")]
    assert statuses[:2] == [503, 200], statuses
    assert sipgate_sim.sent_sms() == []
