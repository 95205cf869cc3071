# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Webhook notifications as Alertmanager's notify/webhook sends them, for the receiver's tests."""

from __future__ import annotations

import json
from typing import Any

SUMMARY = "p99 latency above 1 s"


def one(labels: dict, status: str = "firing", **annotations: str) -> dict:
    return {"status": status, "labels": labels, "annotations": annotations, "startsAt": "2026-03-01T10:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z", "generatorURL": "http://prometheus:9090/graph", "fingerprint": "c6eadffa33fcdf37"}


def notification(*alerts: dict, **fields: Any) -> bytes:
    """An Alertmanager webhook body as notify/webhook sends it."""
    payload = {"version": "4", "groupKey": '{}:{alertname="HighLatency"}', "truncatedAlerts": 0, "status": "firing",
               "receiver": "oncall", "groupLabels": {"alertname": "HighLatency"}, "commonLabels": {}, "commonAnnotations": {},
               "externalURL": "http://alertmanager:9093", "alerts": list(alerts)}
    payload.update(fields)
    return json.dumps(payload).encode("utf-8")


def latency(instance: str, status: str = "firing", **annotations: str) -> dict:
    return one({"alertname": "HighLatency", "instance": instance, "severity": "critical"}, status, **(annotations or {"summary": SUMMARY}))
