# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prometheus Alertmanager's webhook and Grafana's webhook contact point: one notification, its alerts, its SMS.

Alertmanager posts one notification per alert group (payload version 4): ``receiver``, ``status``,
``groupKey``, ``groupLabels``, ``commonLabels``, ``commonAnnotations``, ``externalURL``,
``truncatedAlerts`` and ``alerts``, each with ``status`` (firing or resolved), ``labels``,
``annotations``, ``startsAt``, ``endsAt``, ``generatorURL`` and ``fingerprint``. Grafana's contact
point posts the same shape as version 1 with more fields (``orgId``, ``title``, ``state``,
``message``; per alert ``silenceURL``, ``values`` ...), which an SMS does not need.

Each alert becomes an ``Alert`` the notifier's policy knows: PROBLEM/FIRING or RECOVERY/RESOLVED,
the host from its first host-like label, the alertname as service, the summary annotation as
output, and its label set (hashed) as identity, so deduplication, budget and digests treat it like
an engine's alert. The SMS of a group says ``FIRING 3 HighLatency web01,web02,+1: summary``.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from .alert import Alert
from .message import TemplateError, fill, fill_fitted, fits
from .template import ALERTMANAGER_TEMPLATE as DEFAULT_TEMPLATE

ALERTMANAGER = "alertmanager"
GRAFANA = "grafana"
# Where the receiver (--serve) listens by default, and the path both post their notifications to.
DEFAULT_LISTEN = "127.0.0.1:9826"
WEBHOOK_PATH = "/alertmanager"
# Payload version -> who sends it.
VERSIONS = {"4": ALERTMANAGER, "1": GRAFANA}
FIRING = "FIRING"
RESOLVED = "RESOLVED"
STATUSES = {"firing": FIRING, "resolved": RESOLVED}
# Labels that name where an alert is, most specific first: the first one an alert has is its host.
HOST_LABELS = ("instance", "host", "hostname", "nodename", "node", "pod", "job")
# How many hosts (and alertnames) an SMS names before it counts the rest (",+3").
NAMED = 2

TEMPLATE_FIELDS = ("status", "count", "alertname", "hosts", "also", "summary", "description", "severity", "receiver")


class PayloadError(ValueError):
    """The request is no webhook notification this receiver can read; the message names the field."""


@dataclass(frozen=True)
class Group:
    """One notification: the alerts of one group as the policy's ``Alert``s, and what the text needs besides."""

    receiver: str
    group_key: str
    source: str
    alerts: Tuple[Alert, ...]
    truncated: int = 0
    common_labels: Dict[str, str] = field(default_factory=dict)
    common_annotations: Dict[str, str] = field(default_factory=dict)
    # Per alert identity: its labels and annotations.
    labels: Dict[str, Dict[str, str]] = field(default_factory=dict)
    annotations: Dict[str, Dict[str, str]] = field(default_factory=dict)


def identity_of(labels: Mapping[str, str]) -> str:
    """An alert's identity is its label set, as for Alertmanager; hashed here because only equality matters."""
    return hashlib.sha256(json.dumps(sorted(labels.items())).encode("utf-8")).hexdigest()[:16]


def _strings(value: Any, where: str, required: bool = False) -> Dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise PayloadError("{0}: expected an object of names and string values, got {1}".format(where, type(value).__name__))
    for name, item in value.items():
        if not isinstance(item, str):
            raise PayloadError("{0}.{1}: expected a string, got {2}".format(where, name, type(item).__name__))
    return dict(value)


def _text(value: Any, where: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError("{0}: expected a string, got {1}".format(where, type(value).__name__))
    return value


def _host_of(labels: Mapping[str, str]) -> str:
    return next((labels[name] for name in HOST_LABELS if labels.get(name, "").strip()), "")


def _status(value: Any, where: str) -> str:
    status = STATUSES.get(value) if isinstance(value, str) else None
    if status is None:
        raise PayloadError("{0}: expected \"firing\" or \"resolved\", got {1!r}".format(where, value))
    return status


def _alert(raw: Any, where: str, source: str, warnings: Tuple[str, ...]) -> Tuple[Alert, Dict[str, str], Dict[str, str]]:
    if not isinstance(raw, dict):
        raise PayloadError("{0}: expected an alert object, got {1}".format(where, type(raw).__name__))
    status = _status(raw.get("status"), where + ".status")
    labels = _strings(raw.get("labels"), where + ".labels", required=True)
    annotations = _strings(raw.get("annotations"), where + ".annotations")
    alertname = labels.get("alertname", "").strip()
    host = _host_of(labels)
    firing = status == FIRING
    moment = "startsAt" if firing else "endsAt"
    alert = Alert(
        notification_type="PROBLEM" if firing else "RECOVERY", host=host or alertname or "alert",
        service=alertname if host else "", state=status,
        output=annotations.get("summary") or annotations.get("description") or annotations.get("message") or "",
        long_output=annotations.get("description", ""), date=_text(raw.get(moment), "{0}.{1}".format(where, moment)),
        source=source, warnings=warnings, identity=identity_of(labels))
    return alert, labels, annotations


def _truncated(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PayloadError("truncatedAlerts: expected a count (0 or more), got {0!r}".format(value))
    return value


def parse(body: bytes) -> Group:
    """The notification in ``body``; PayloadError names what is missing or malformed."""
    try:
        # Label values that are not UTF-8 become U+FFFD ('?' in the SMS): the alert still goes out.
        payload = json.loads(body.decode("utf-8", errors="replace"))
    except ValueError as error:
        raise PayloadError("the body is not JSON ({0}); point Alertmanager's webhook_configs or Grafana's webhook "
                           "contact point here".format(error)) from None
    except RecursionError:
        raise PayloadError("the body is JSON nested deeper than any webhook notification; send Alertmanager's or Grafana's "
                           "webhook payload") from None
    if not isinstance(payload, dict):
        raise PayloadError("the body is JSON but no object; expected a webhook notification with receiver, status and alerts")
    version = payload.get("version")
    if version is not None and str(version) not in VERSIONS:
        raise PayloadError("version {0!r} is unknown: this receiver reads Alertmanager's webhook payload version 4 and "
                           "Grafana's webhook contact point (version 1)".format(version))
    source = GRAFANA if str(version) == "1" or "orgId" in payload else ALERTMANAGER
    raw_alerts = payload.get("alerts")
    if not isinstance(raw_alerts, list) or not raw_alerts:
        got = "an empty list" if raw_alerts == [] else "nothing" if raw_alerts is None else repr(type(raw_alerts).__name__)
        raise PayloadError("alerts: expected a list of at least one alert, got {0}".format(got))
    truncated = _truncated(payload.get("truncatedAlerts"))
    warnings = ("the sender left {0} alerts of this group out (max_alerts): see it for them".format(truncated),) if truncated else ()
    parsed = [_alert(raw, "alerts[{0}]".format(index), source, warnings) for index, raw in enumerate(raw_alerts)]
    return Group(
        receiver=_text(payload.get("receiver"), "receiver"), group_key=_text(payload.get("groupKey"), "groupKey"), source=source,
        alerts=tuple(alert for alert, _labels, _annotations in parsed), truncated=truncated,
        common_labels=_strings(payload.get("commonLabels"), "commonLabels"),
        common_annotations=_strings(payload.get("commonAnnotations"), "commonAnnotations"),
        labels={alert.identity: labels for alert, labels, _annotations in parsed},
        annotations={alert.identity: annotations for alert, _labels, annotations in parsed})


def named(names: Sequence[str], shown: int, more: int = 0) -> str:
    """``web01,web02,+3``: the first ``shown`` names, then how many more."""
    rest = len(names) - shown + more
    return ",".join(list(names[:shown]) + (["+{0}".format(rest)] if rest > 0 else []))


def _distinct(values: Sequence[str]) -> List[str]:
    return [value for index, value in enumerate(values) if value and value not in values[:index]]


def _first(key: str, common: Mapping[str, str], each: Sequence[Mapping[str, str]]) -> str:
    return common.get(key) or next((item[key] for item in each if item.get(key)), "")


def template_fields(group: Group, alerts: Sequence[Alert], shown: int = NAMED) -> dict:
    """The fields of the SMS about ``alerts`` (some or all of the group's): the firing ones lead, else the resolved."""
    firing = [alert for alert in alerts if alert.state == FIRING]
    resolved = [alert for alert in alerts if alert.state != FIRING]
    lead = firing or resolved
    labels = [group.labels.get(alert.identity, {}) for alert in lead]
    annotations = [group.annotations.get(alert.identity, {}) for alert in lead]
    hosts = _distinct([_host_of(each) for each in labels])
    alertnames = _distinct([each.get("alertname", "") for each in labels])
    listed = named(hosts, shown, group.truncated)
    return {
        "status": FIRING if firing else RESOLVED, "count": str(len(lead)), "alertname": named(alertnames, NAMED),
        "hosts": " " + listed if listed else "", "also": " ({0} {1})".format(len(resolved), RESOLVED) if firing and resolved else "",
        "summary": _first("summary", group.common_annotations, annotations) or _first("description", group.common_annotations, annotations),
        "description": _first("description", group.common_annotations, annotations),
        "severity": _first("severity", group.common_labels, labels), "receiver": group.receiver,
    }


def group_text(template: str, group: Group, alerts: Sequence[Alert], max_segments: int = 1) -> str:
    """The SMS about ``alerts`` of ``group``: at most ``max_segments`` GSM-7 segments, the summary cut first.

    Fewer hosts are named when the text without the summary would not fit otherwise.
    """
    shown = NAMED
    fields = template_fields(group, alerts, shown)
    while shown > 1 and not fits(fill(template, dict(fields, summary=""), "summary"), max_segments):
        shown -= 1
        fields = template_fields(group, alerts, shown)
    return fill_fitted(template, fields, "summary", max_segments)


def check_template(template: Optional[str]) -> None:
    """Refuse a template that cannot render (unknown field, broken braces) before any webhook depends on it."""
    labels = {"alertname": "HighLatency", "instance": "web01", "severity": "critical"}
    sample = Alert("PROBLEM", "web01", FIRING, "latency above 1 s", service="HighLatency", identity=identity_of(labels))
    group = Group("oncall", "{}:{}", ALERTMANAGER, (sample,), labels={sample.identity: labels},
                  annotations={sample.identity: {"summary": "latency above 1 s"}})
    try:
        group_text(template or DEFAULT_TEMPLATE, group, group.alerts)
    except TemplateError as error:
        raise TemplateError("alertmanager_template: {0}".format(error)) from None
