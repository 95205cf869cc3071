# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Checkmk's bulk notifications: a script whose header says ``# Bulk: yes`` is called with ``--bulk``.

The alerts then arrive on standard input: first the parameters of the notification rule, one
``KEY=VALUE`` a line; then, each after a blank line, the context of one alert in the same form.
Keys lack the ``NOTIFY_`` prefix of a single notification's environment, and a newline inside a
value is written as the byte 0x01.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Dict, Iterable, List, Tuple

from .alert import Alert, AlertError, from_checkmk_environment

NEWLINE_MARK = "\x01"
ENVIRONMENT_PREFIX = "NOTIFY_"


@dataclass
class Bulk:
    """The rule's parameters, every alert's context, and the lines that were no ``KEY=VALUE``."""

    parameters: Dict[str, str] = field(default_factory=dict)
    contexts: List[Dict[str, str]] = field(default_factory=list)
    unreadable: List[str] = field(default_factory=list)


def parse(lines: Iterable[str]) -> Bulk:
    """Read the bulk format; a blank line starts the next context (several in a row start none)."""
    bulk = Bulk()
    current = bulk.parameters
    for raw in lines:
        line = raw.strip("\r\n")
        if not line.strip():
            if current is bulk.parameters or current:
                current = {}
                bulk.contexts.append(current)
            continue
        key, separator, value = line.partition("=")
        if not separator or not key.strip():
            bulk.unreadable.append(line)
            continue
        current[key.strip()] = value.replace(NEWLINE_MARK, "\n")
    bulk.contexts = [context for context in bulk.contexts if context]
    return bulk


def environment_of(bulk: Bulk, context: Dict[str, str]) -> Dict[str, str]:
    """One alert as a single notification's ``NOTIFY_*`` environment, the rule's parameters included."""
    merged = {**bulk.parameters, **context}
    return {ENVIRONMENT_PREFIX + key: value for key, value in merged.items()}


def alerts_of(bulk: Bulk) -> Tuple[List[Alert], List[Tuple[Dict[str, str], str]]]:
    """The alerts of the bulk, and each context that is none with the reason."""
    alerts, refused = [], []
    for context in bulk.contexts:
        try:
            alerts.append(from_checkmk_environment(environment_of(bulk, context)))
        except AlertError as error:
            refused.append((context, str(error)))
    return alerts, refused
