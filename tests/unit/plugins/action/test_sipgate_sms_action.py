# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The action plugin's warning when every host of a play would text."""

from __future__ import annotations

import pytest

from ansible_collections.sipgateio.sms.plugins.action.sipgate_sms import as_the_task_spelled_it, message_problem, several_hosts_each_text


@pytest.mark.parametrize("hosts, run_once, delegated", [
    (["web01"], False, False),
    (["web01", "web02"], True, False),
    (["web01", "web02"], False, True),
    ([], False, False),
])
def test_no_warning_when_one_host_texts_or_all_share_the_controllers_record(hosts, run_once, delegated):
    assert several_hosts_each_text(hosts, run_once, delegated) is None


def test_several_hosts_without_run_once_or_delegate_to_are_warned_about_by_number():
    warning = several_hosts_each_text(["web01", "web02", "web03", "web04"], False, False)
    assert warning is not None
    assert "runs on 4 hosts (web01, web02, web03, ...)" in warning and "each host texts" in warning
    assert "run_once: true" in warning and "delegate_to: localhost" in warning


def test_serial_batches_with_run_once_on_their_own_hosts_are_warned_about():
    warning = several_hosts_each_text(["web01", "web02", "web03"], True, False, batch=["web01"])
    assert warning is not None and "once per serial batch of 3 hosts" in warning and "delegate_to: localhost" in warning
    assert several_hosts_each_text(["web01", "web02", "web03"], True, True, batch=["web01"]) is None
    assert "each host texts" in several_hosts_each_text(["web01", "web02", "web03"], False, False, batch=["web01"])


@pytest.mark.parametrize("text, kind", [(["web01 down", "web02 down"], "list"), ({"text": "deploy done"}, "mapping")])
def test_a_message_that_is_no_text_is_refused_naming_msg(text, kind):
    problem = message_problem({"msg": text})
    assert problem is not None and problem.startswith("msg: is a " + kind) and "join" in problem


def test_a_text_message_passes():
    assert message_problem({"msg": "web01 down"}) is None and message_problem({}) is None


def test_an_error_about_the_text_names_the_option_as_the_task_wrote_it():
    refused = {"failed": True, "field": "msg", "msg": "msg: the message is blank; give the text to send"}
    assert as_the_task_spelled_it(refused, "message") == dict(refused, field="message", msg="message: the message is blank; give the text to send")
    assert as_the_task_spelled_it(refused, "msg") == refused
    assert as_the_task_spelled_it({"changed": True}, "message") == {"changed": True}
