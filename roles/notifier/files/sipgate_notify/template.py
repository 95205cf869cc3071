# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SMS templates: their fields, filled with ``str.format``, and the check every configured one passes.

Kept apart from fitting the text (``message``): the settings check a template on every run, and
only a run that sends an SMS needs its text.
"""

from __future__ import annotations

from .alert import Alert

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping

DEFAULT_TEMPLATE = "{type} {subject} {state}{note}: {output}"
TEMPLATE_FIELDS = ("type", "subject", "host", "host_display", "service", "service_display", "state", "output",
                   "long_output", "author", "comment", "note", "date", "source")
# The SMS of a webhook notification (--serve); its fields are in ``alertmanager``.
ALERTMANAGER_TEMPLATE = "{status} {count} {alertname}{hosts}{also}: {summary}"

# What a configured template must be able to render.
SAMPLE = Alert("PROBLEM", "web01", "CRITICAL", "check output", service="HTTP")


class TemplateError(ValueError):
    """The configured template cannot be used; the message names the field or the syntax problem."""


class _Fields(dict):
    def __missing__(self, key: str) -> str:
        raise TemplateError("the template uses {{{0}}}, which is not a field; use any of {1}".format(
            key, ", ".join("{" + name + "}" for name in self)))


def formatted(template: str, fields: Mapping[str, str]) -> str:
    """``template`` filled from ``fields``; a TemplateError names what does not work."""
    try:
        return template.format_map(_Fields(fields))
    except (ValueError, IndexError, AttributeError) as error:
        if isinstance(error, TemplateError):
            raise
        raise TemplateError("the template {0!r} is not a str.format template: {1}".format(template, error)) from None


def note_of(alert: Alert) -> str:
    """`` (alice: on it)`` for acknowledgements, downtimes and custom notifications; empty otherwise."""
    if not alert.annotated:
        return ""
    parts = [part for part in (alert.author, alert.comment) if part]
    return " ({0})".format(": ".join(parts)) if parts else ""


def template_fields(alert: Alert) -> dict:
    return {
        "type": alert.notification_type, "subject": alert.display_subject, "host": alert.host,
        "host_display": alert.host_display or alert.host, "service": alert.service,
        "service_display": alert.service_display or alert.service, "state": alert.state, "output": alert.output,
        "long_output": alert.long_output, "author": alert.author, "comment": alert.comment, "note": note_of(alert),
        "date": alert.date, "source": alert.source,
    }


def check_template(template: str) -> None:
    """Refuse a template that cannot render (unknown field, broken braces) before any alert depends on it."""
    formatted(template, template_fields(SAMPLE))
