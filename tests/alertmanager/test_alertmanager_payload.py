# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Webhook notifications (Alertmanager payload version 4, Grafana's contact point) to alerts and SMS text."""

from __future__ import annotations

import json

import pytest
import support.notifier_script  # noqa: F401  # pylint: disable=unused-import  # makes the notifier's packages importable
from sipgate_api.encoding import measure  # pylint: disable=import-error
from sipgate_notify import alertmanager  # pylint: disable=import-error
from sipgate_notify.config import ConfigError, settings_from  # pylint: disable=import-error
from sipgate_notify.message import TemplateError  # pylint: disable=import-error
from webhook_notifications import SUMMARY, latency, notification, one


def text(body: bytes, template: str = alertmanager.DEFAULT_TEMPLATE, max_segments: int = 1) -> str:
    group = alertmanager.parse(body)
    return alertmanager.group_text(template, group, group.alerts, max_segments)


def test_each_alert_of_a_notification_becomes_an_alert_the_policy_knows() -> None:
    group = alertmanager.parse(notification(latency("web01:9100"), latency("web02:9100", "resolved")))
    firing, resolved = group.alerts
    assert (group.receiver, group.source, group.truncated) == ("oncall", alertmanager.ALERTMANAGER, 0)
    assert (firing.notification_type, firing.host, firing.service, firing.state, firing.output) == (
        "PROBLEM", "web01:9100", "HighLatency", "FIRING", SUMMARY)
    assert (resolved.notification_type, resolved.state, resolved.category) == ("RECOVERY", "RESOLVED", "recovery")
    assert firing.date == "2026-03-01T10:00:00Z" and resolved.date == "0001-01-01T00:00:00Z"
    assert firing.identity and firing.identity != resolved.identity
    assert firing.summary()["identity"] == firing.identity


def test_grafanas_contact_point_payload_is_read_with_its_extra_fields() -> None:
    alert = dict(one({"alertname": "High memory usage", "team": "blue", "grafana_folder": "infra"},
                     description="The system has high memory usage"),
                 silenceURL="https://grafana/alerting/silence/new", dashboardURL="", panelURL="", values={"B": 44.2, "C": 1})
    body = notification(alert, version="1", orgId=1, title="[FIRING:1] (blue)", state="alerting", message="**Firing**",
                        groupKey="{}:{}", commonLabels={"team": "blue"})
    group = alertmanager.parse(body)
    assert group.source == alertmanager.GRAFANA
    assert (group.alerts[0].host, group.alerts[0].service, group.alerts[0].output) == (
        "High memory usage", "", "The system has high memory usage")
    assert text(body) == "FIRING 1 High memory usage: The system has high memory usage"


@pytest.mark.parametrize("labels, host", [
    ({"alertname": "A", "instance": "web01:9100", "host": "web01", "job": "node"}, "web01:9100"),
    ({"alertname": "A", "hostname": "db1", "job": "mysql"}, "db1"),
    ({"alertname": "A", "pod": "api-7f9c", "namespace": "shop"}, "api-7f9c"),
    ({"alertname": "A", "job": "api"}, "api"),
])
def test_the_host_is_the_first_host_like_label(labels: dict, host: str) -> None:
    alert = alertmanager.parse(notification(one(labels))).alerts[0]
    assert (alert.host, alert.service, alert.subject) == (host, "A", host + "/A")


def test_an_alert_without_a_host_label_is_about_its_alertname() -> None:
    alert = alertmanager.parse(notification(one({"alertname": "HighErrorRate", "severity": "page"}))).alerts[0]
    assert (alert.host, alert.service, alert.subject) == ("HighErrorRate", "", "HighErrorRate")


def test_the_identity_is_the_label_set_whatever_its_order() -> None:
    first = alertmanager.identity_of({"alertname": "A", "instance": "web01"})
    assert first == alertmanager.identity_of({"instance": "web01", "alertname": "A"})
    assert first != alertmanager.identity_of({"alertname": "A", "instance": "web01", "path": "/api"})


@pytest.mark.parametrize("body, named", [
    (b"not json", "not JSON"),
    (b"[1, 2]", "no object"),
    (notification(latency("web01"), version="5"), "version '5'"),
    (notification(), "alerts: expected a list of at least one alert"),
    (json.dumps({"version": "4", "receiver": "oncall"}).encode(), "alerts: expected a list"),
    (notification("web01"), "alerts[0]: expected an alert object"),
    (notification(latency("web01", "pending")), "alerts[0].status: expected \"firing\" or \"resolved\""),
    (notification(one(["alertname", "x"])), "alerts[0].labels: expected an object"),
    (notification(one({"alertname": "A", "code": 500})), "alerts[0].labels.code: expected a string, got int"),
    (notification(latency("web01"), truncatedAlerts=-1), "truncatedAlerts: expected a count"),
    (notification(latency("web01"), receiver=7), "receiver: expected a string"),
    (b"[" * 100000 + b"]" * 100000, "nested deeper than any webhook notification"),
])
def test_a_malformed_notification_is_refused_naming_the_field(body: bytes, named: str) -> None:
    with pytest.raises(alertmanager.PayloadError, match=None) as refused:
        alertmanager.parse(body)
    assert named in str(refused.value)


def test_truncated_alerts_are_counted_in_the_text_and_warned_about() -> None:
    body = notification(latency("web01"), latency("web02"), truncatedAlerts=4)
    group = alertmanager.parse(body)
    assert group.truncated == 4 and "left 4 alerts of this group out" in group.alerts[0].warnings[0]
    assert text(body) == "FIRING 2 HighLatency web01,web02,+4: " + SUMMARY


def test_a_group_is_one_line_with_status_count_alertname_hosts_and_summary() -> None:
    assert text(notification(latency("web01"), latency("web02"), latency("web03"))) == "FIRING 3 HighLatency web01,web02,+1: " + SUMMARY


def test_a_resolved_group_says_resolved() -> None:
    body = notification(latency("web01", "resolved"), latency("web02", "resolved"), status="resolved")
    assert text(body) == "RESOLVED 2 HighLatency web01,web02: " + SUMMARY


def test_firing_alerts_lead_and_resolved_ones_are_counted_beside_them() -> None:
    body = notification(latency("web01"), latency("web02", "resolved"), latency("web03"))
    assert text(body) == "FIRING 2 HighLatency web01,web03 (1 RESOLVED): " + SUMMARY


def test_the_summary_comes_from_common_annotations_then_the_alerts_then_the_description() -> None:
    common = notification(latency("web01", summary="mine"), commonAnnotations={"summary": "shared"})
    described = notification(one({"alertname": "A", "instance": "x"}, description="only a description"))
    bare = notification(one({"alertname": "A", "instance": "x"}))
    assert (text(common), text(described), text(bare)) == ("FIRING 1 HighLatency web01: shared",
                                                           "FIRING 1 A x: only a description", "FIRING 1 A x")


def test_a_long_summary_is_cut_to_the_segments_as_gsm7_and_the_head_stays() -> None:
    long_summary = "Latency \u201cabove\u201d 1 s \u2013 " + "the checkout service answers slowly again and again " * 8
    result = text(notification(latency("web01", summary=long_summary)))
    size = measure(result)
    assert (size.encoding, size.segments) == ("gsm7", 1)
    assert result.startswith('FIRING 1 HighLatency web01: Latency "above" 1 s - the checkout') and result.endswith("...")
    two = text(notification(latency("web01", summary=long_summary)), max_segments=2)
    assert measure(two).segments == 2 and len(two) > len(result)


def test_long_host_names_leave_fewer_hosts_named() -> None:
    hosts = ["a-very-long-kubernetes-node-name-in-the-eu-central-region-{0:02d}.cluster.example.net".format(index) for index in range(3)]
    result = text(notification(*[latency(host) for host in hosts]))
    assert result.startswith("FIRING 3 HighLatency " + hosts[0] + ",+2") and measure(result).segments == 1


def test_the_template_may_use_every_documented_field() -> None:
    template = "[{severity}] {receiver}: {status} {count} {alertname}{hosts}{also} - {summary} / {description}"
    body = notification(latency("web01", summary="slow", description="checkout p99 is 2.3 s"))
    assert text(body, template) == "[critical] oncall: FIRING 1 HighLatency web01 - slow / checkout p99 is 2.3 s"


def test_an_unknown_template_field_is_refused_when_the_settings_are_read() -> None:
    with pytest.raises(TemplateError, match=r"\{output\}, which is not a field; use any of .*\{summary\}"):
        alertmanager.check_template("{status} {output}")
    with pytest.raises(ConfigError, match="alertmanager_template: .*not a str.format template"):
        settings_from({"alertmanager_template": "{status"})
    assert settings_from({"alertmanager_template": "{status}: {summary}"}).alertmanager_template == "{status}: {summary}"
