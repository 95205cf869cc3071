# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Injected faults: what the next matching API requests suffer instead of a normal answer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

API_PREFIX = "/v2"
DROP_BEFORE = "before"
DROP_AFTER = "after"
FAULT_KEYS = frozenset({"status", "count", "retry_after", "delay", "drop", "path", "method", "body", "effect"})


@dataclass
class Fault:
    """One kind of trouble for ``count`` requests, optionally only for one path (and method).

    status: answer this status (with a JSON error body) and ignore the request.
    retry_after: seconds sent in a Retry-After header along with ``status``.
    body: with ``status``, answer this text (as text/html) instead of the JSON error body.
    effect: with ``status``, handle the request first (an SMS is recorded), then answer the status:
            a gateway that passed the request on and failed on the way back.
    delay: seconds to wait before answering; the request still takes effect.
    drop: "before" closes the connection without handling the request (it has no effect);
          "after" handles it (an SMS is recorded) and closes without answering.
    """

    status: Optional[int] = None
    count: int = 1
    retry_after: Optional[float] = None
    delay: Optional[float] = None
    drop: Optional[str] = None
    path: Optional[str] = None
    method: Optional[str] = None
    body: Optional[str] = None
    effect: bool = False

    @classmethod
    def from_mapping(cls, spec: Any) -> "Fault":
        """A fault from JSON-like data such as {"status": 503, "count": 2}; ValueError when it makes no sense."""
        if not isinstance(spec, Mapping):
            raise ValueError("a fault is a mapping such as {\"status\": 503}, not " + repr(spec))
        unknown = set(spec) - FAULT_KEYS
        if unknown:
            raise ValueError("unknown fault keys: {0}".format(", ".join(sorted(unknown))))
        fault = cls(**{name: _CONVERSIONS[name](value) for name, value in spec.items() if value is not None})
        fault.validate()
        return fault

    def validate(self) -> None:
        chosen = [name for name in ("status", "delay", "drop") if getattr(self, name) is not None]
        if len(chosen) != 1:
            raise ValueError("a fault has exactly one of status, delay or drop, not {0}".format(chosen or "none"))
        if self.drop is not None and self.drop not in (DROP_BEFORE, DROP_AFTER):
            raise ValueError("drop is 'before' or 'after', not {0!r}".format(self.drop))
        if self.status is not None and not 100 <= self.status <= 599:
            raise ValueError("status {0!r} is not an HTTP status".format(self.status))
        if self.count < 1:
            raise ValueError("count must be at least 1")
        if (self.body is not None or self.effect) and self.status is None:
            raise ValueError("body and effect go with a status")

    def matches(self, method: str, path: str) -> bool:
        return (self.path is None or self.path == api_path(path)) and (self.method is None or self.method == method)

    def describe(self) -> str:
        if self.drop is not None:
            return "drop-" + self.drop
        if self.delay is not None:
            return "delay"
        return "status-{0}".format(self.status)


def api_path(path: str) -> str:
    """A path without the /v2 prefix, so faults may name either form."""
    return path[len(API_PREFIX):] if path.startswith(API_PREFIX + "/") else path


def _seconds(value: Any) -> float:
    seconds = float(value)
    if seconds < 0:
        raise ValueError("seconds must not be negative")
    return seconds


_CONVERSIONS = {"status": int, "count": int, "retry_after": _seconds, "delay": _seconds, "drop": str, "body": str, "effect": bool,
                "path": lambda value: api_path("/" + str(value).lstrip("/")), "method": lambda value: str(value).upper()}


class FaultQueue:
    """Faults in the order they were added; not thread-safe on its own (the state's lock guards it)."""

    def __init__(self) -> None:
        self._faults: list = []

    def add(self, fault: Fault) -> None:
        self._faults.append(fault)

    def clear(self) -> None:
        self._faults.clear()

    def pending(self) -> list:
        return [dict(vars(fault)) for fault in self._faults]

    def take(self, method: str, path: str) -> Optional[Fault]:
        """The first fault that matches this request, used up by one."""
        for index, fault in enumerate(self._faults):
            if fault.matches(method, path):
                fault.count -= 1
                if fault.count <= 0:
                    del self._faults[index]
                return fault
        return None
