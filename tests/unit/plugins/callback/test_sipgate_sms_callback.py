# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sipgate_sms callback: when it texts, what it says, and that trouble stays a warning."""

from __future__ import annotations

from typing import Any, Optional
from unittest.mock import MagicMock

import pytest
from ansible.executor.stats import AggregateStats
from ansible.plugins.loader import callback_loader

from ansible_collections.sipgateio.sms.plugins.callback import sipgate_sms
from ansible_collections.sipgateio.sms.plugins.callback.sipgate_sms import (
    Failure, HostCounts, compose_message, count_hosts, first_lasting_failure, should_notify)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import SipgateClient
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.encoding import measure
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SipgateError
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest

SECRET = "0f1e2d3c-4b5a-6978-8695-a4b3c2d1e0f9"


class Named:
    def __init__(self, name: str) -> None:
        self.name = name

    def get_name(self) -> str:
        return self.name


class FakeResult:
    """Shaped like the task result a callback receives."""

    def __init__(self, host: str, task: str, result: dict) -> None:
        self._host, self._task, self._result = Named(host), Named(task), result


class FakePlaybook:
    def __init__(self, path: str) -> None:
        self._file_name = path


class RecordingApi:
    """Stands in for the client's API calls; keeps what would have been sent."""

    def __init__(self) -> None:
        self.sent: list = []
        self.fail_with: Optional[Exception] = None

    def install(self, monkeypatch: pytest.MonkeyPatch) -> RecordingApi:
        api = self

        def send(_client: SipgateClient, sms: SmsRequest, deadline: Optional[float] = None) -> None:
            if api.fail_with is not None:
                raise api.fail_with
            api.sent.append(sms)

        def sms_extensions(_client: SipgateClient, user_id: Optional[str] = None) -> list:
            return [{"id": "s7"}]

        monkeypatch.setattr(SipgateClient, "send", send)
        monkeypatch.setattr(SipgateClient, "sms_extensions", sms_extensions)
        return self


@pytest.fixture
def client(monkeypatch: pytest.MonkeyPatch) -> RecordingApi:
    return RecordingApi().install(monkeypatch)


def make_callback(**options: Any) -> Any:
    callback = callback_loader.get("sipgateio.sms.sipgate_sms")
    assert callback is not None
    settings = {"token_id": "token-ABC123", "token": SECRET, "recipients": ["+4915799912345"], "sms_id": "s0"}
    settings.update(options)
    callback.set_options(direct=settings)
    callback._display = MagicMock()
    return callback


def stats_for(**hosts: dict) -> AggregateStats:
    """Ansible's own run statistics; AggregateStats keeps unreachable hosts under 'dark'."""
    stats = AggregateStats()
    for host, counts in hosts.items():
        for what, number in counts.items():
            for _count in range(number):
                stats.increment("dark" if what == "unreachable" else what, host)
    return stats


def play(callback: Any, stats: AggregateStats, failures: tuple = ()) -> None:
    callback.v2_playbook_on_start(FakePlaybook("/srv/deploy/site.yml"))
    for host, task, result in failures:
        callback.v2_runner_on_failed(FakeResult(host, task, result))
    callback.v2_playbook_on_stats(stats)


def warnings_of(callback: Any) -> str:
    return " ".join(str(call.args[0]) for call in callback._display.warning.call_args_list)


def test_counts_hosts_by_outcome():
    counts = count_hosts({"a": {"ok": 3}, "b": {"ok": 1, "changed": 2}, "c": {"failures": 1, "changed": 1},
                          "d": {"unreachable": 1}})
    assert counts == HostCounts(ok=2, changed=2, failed=1, unreachable=1)


@pytest.mark.parametrize("notify_on, counts, expected", [
    ("failure", HostCounts(ok=3), False),
    ("failure", HostCounts(ok=2, failed=1), True),
    ("failure", HostCounts(ok=2, unreachable=1), True),
    ("always", HostCounts(ok=3), True),
])
def test_decides_when_to_text(notify_on, counts, expected):
    assert should_notify(notify_on, counts) is expected


def test_message_names_playbook_counts_and_first_failure():
    text = compose_message("site.yml", HostCounts(ok=2, changed=1, failed=1),
                           Failure("web01", "Restart nginx", "Unable to restart service nginx"))
    assert text == ("Ansible FAILED site.yml: hosts ok 2, changed 1, failed 1, unreachable 0. "
                    "First failure: web01 'Restart nginx': Unable to restart service nginx")


def test_message_of_a_passing_run_says_ok():
    assert compose_message("site.yml", HostCounts(ok=3, changed=1), None) == \
        "Ansible OK site.yml: hosts ok 3, changed 1, failed 0, unreachable 0."


def test_message_of_a_check_mode_run_says_so():
    assert compose_message("site.yml", HostCounts(failed=1), None, check_mode=True) == \
        "Ansible FAILED site.yml (check mode): hosts ok 0, changed 0, failed 1, unreachable 0."


def test_long_error_is_cut_to_one_gsm7_segment():
    error = "Traceback \u201cboom\u201d\t" + "x " * 300
    text = compose_message("site.yml", HostCounts(failed=1), Failure("web01", "Deploy", error))
    size = measure(text)
    assert size.encoding == "gsm7"
    assert size.segments == 1
    assert text.endswith("...")
    assert "First failure: web01 'Deploy'" in text


def test_rescued_failure_is_not_named():
    failures = [Failure("web01", "Try", "rescued"), Failure("web02", "Deploy", "broke")]
    assert first_lasting_failure(failures, {"web01": {"ok": 2, "rescued": 1}, "web02": {"failures": 1}}).host == "web02"


def test_failed_run_sends_one_sms_to_each_recipient(client):
    callback = make_callback(recipients=["+4915799912345", "0157 99912346"])
    play(callback, stats_for(web01={"failures": 1}, web02={"ok": 2}),
         failures=[("web01", "Restart nginx", {"msg": "nginx did not start"})])
    assert [sms.recipient for sms in client.sent] == ["+4915799912345", "+4915799912346"]
    assert {sms.sms_id for sms in client.sent} == {"s0"}
    assert client.sent[0].message.startswith("Ansible FAILED site.yml: hosts ok 1, changed 0, failed 1, unreachable 0.")
    assert "web01 'Restart nginx': nginx did not start" in client.sent[0].message
    assert not callback._display.warning.called


def test_passing_run_sends_nothing_by_default(client):
    callback = make_callback()
    play(callback, stats_for(web01={"ok": 3}))
    assert client.sent == []


def test_passing_run_sends_with_notify_on_always(client):
    callback = make_callback(notify_on="always")
    play(callback, stats_for(web01={"ok": 3}))
    assert [sms.message for sms in client.sent] == ["Ansible OK site.yml: hosts ok 1, changed 0, failed 0, unreachable 0."]


def test_ignored_errors_are_not_remembered(client):
    callback = make_callback(notify_on="always")
    callback.v2_runner_on_failed(FakeResult("web01", "Optional", {"msg": "ignored"}), ignore_errors=True)
    assert callback.failures == []


def test_unreachable_host_is_named(client):
    callback = make_callback()
    callback.v2_playbook_on_start(FakePlaybook("site.yml"))
    callback.v2_runner_on_unreachable(FakeResult("db01", "Gathering Facts", {"msg": "ssh: connect timed out"}))
    callback.v2_playbook_on_stats(stats_for(db01={"unreachable": 1}))
    assert "db01 'Gathering Facts': ssh: connect timed out" in client.sent[0].message


def test_sms_id_is_looked_up_when_not_configured(client):
    callback = make_callback(sms_id=None)
    play(callback, stats_for(web01={"failures": 1}), failures=[("web01", "x", {})])
    assert client.sent[0].sms_id == "s7"


def test_send_failure_is_a_warning_without_the_token(client):
    client.fail_with = SipgateError.from_status(401, "POST /sessions/sms")
    callback = make_callback()
    play(callback, stats_for(web01={"failures": 1}), failures=[("web01", "x", {"msg": "y"})])
    warning = warnings_of(callback)
    assert "wrong credentials" in warning
    assert SECRET not in warning


def test_missing_recipients_is_a_warning(client):
    callback = make_callback(recipients=[])
    play(callback, stats_for(web01={"failures": 1}))
    assert client.sent == []
    assert "recipients" in warnings_of(callback)


def test_incomplete_credentials_are_a_warning(client):
    callback = make_callback(token=None)
    play(callback, stats_for(web01={"failures": 1}))
    assert client.sent == []
    assert "token" in warnings_of(callback)


def test_unexpected_error_is_a_warning_not_a_crash(client, monkeypatch):
    def explode(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("surprise")
    monkeypatch.setattr(sipgate_sms, "deliver", explode)
    callback = make_callback()
    play(callback, stats_for(web01={"failures": 1}))
    assert "RuntimeError: surprise" in warnings_of(callback)


def test_a_refusal_for_every_recipient_costs_one_request_and_one_warning_each(client):
    client.fail_with = SipgateError.from_status(401, "POST /sessions/sms")
    callback = make_callback(recipients=["+4915799912345", "+4915799912346"])
    play(callback, stats_for(web01={"failures": 1}), failures=[("web01", "x", {"msg": "y"})])
    warnings = [str(call.args[0]) for call in callback._display.warning.call_args_list]
    assert len(warnings) == 2 and all("not sent" in warning for warning in warnings)
    assert "not tried" in warnings[1]


def test_a_bad_recipient_sends_to_nobody(client):
    callback = make_callback(recipients=["+4915799912345", "call me"])
    play(callback, stats_for(web01={"failures": 1}))
    assert client.sent == [] and "recipients[1]" in warnings_of(callback)
