# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Everything the simulator remembers, behind one lock: settings, accepted SMS, requests, faults."""

from __future__ import annotations

import copy
import threading
import time
from dataclasses import asdict, dataclass, field, fields
from datetime import datetime, timezone
from typing import Any, Mapping, Optional

from .faults import Fault, FaultQueue

# 1000.00 EUR in the API's unit of 1/10000 EUR: enough for benchmarks that send thousands.
DEFAULT_BALANCE = 10_000_000
# 0.09 EUR per SMS part.
PRICE_PER_SEGMENT = 900


@dataclass
class SimulatorConfig:
    """Tunable behaviour: latency added to every API request, balance, history delay, price."""

    latency: float = 0.0
    balance: int = DEFAULT_BALANCE
    history_delay: float = 0.0
    price_per_segment: int = PRICE_PER_SEGMENT

    def update(self, settings: Mapping[str, Any]) -> None:
        unknown = set(settings) - {item.name for item in fields(self)}
        if unknown:
            raise ValueError("unknown settings: {0}".format(", ".join(sorted(unknown))))
        for name, value in settings.items():
            number = int(value) if name in ("balance", "price_per_segment") else float(value)
            if number < 0:
                raise ValueError("{0} must not be negative".format(name))
            setattr(self, name, number)


def iso_utc(moment: float) -> str:
    """ISO-8601 in UTC the way sipgate writes it, e.g. 2024-05-19T14:36:41Z."""
    return datetime.fromtimestamp(moment, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class SentSms:
    """One SMS the API accepted."""

    history_id: str
    created: float
    sms_id: str
    recipient: str
    message: str
    send_at: Optional[int]
    segments: int
    encoding: str
    price: int
    source: str
    credential_kind: str
    credential_id: str

    def goes_out_at(self) -> float:
        """When the SMS leaves: now, or at its scheduled time."""
        return float(self.send_at) if self.send_at is not None else self.created

    def as_dict(self) -> dict:
        """The record with the API's field names where the API has one."""
        return {"id": self.history_id, "created": self.created, "created_iso": iso_utc(self.created),
                "smsId": self.sms_id, "recipient": self.recipient, "message": self.message, "sendAt": self.send_at,
                "segments": self.segments, "encoding": self.encoding, "price": self.price, "source": self.source,
                "auth_kind": self.credential_kind, "auth_id": self.credential_id}


@dataclass
class SimulatorState:
    """Thread-safe store. Every method takes the lock; returned data are copies."""

    config: SimulatorConfig = field(default_factory=SimulatorConfig)
    sent: list = field(default_factory=list)
    requests: list = field(default_factory=list)
    faults: FaultQueue = field(default_factory=FaultQueue)
    lock: Any = field(default_factory=threading.RLock, repr=False)
    _next_history_id: int = 1

    def reset(self) -> None:
        with self.lock:
            self.config = SimulatorConfig()
            self.sent.clear()
            self.requests.clear()
            self.faults.clear()
            self._next_history_id = 1

    def configure(self, settings: Mapping[str, Any]) -> dict:
        with self.lock:
            self.config.update(settings)
            return asdict(self.config)

    def settings(self) -> SimulatorConfig:
        with self.lock:
            return copy.copy(self.config)

    def add_faults(self, specs: list) -> None:
        """Queue faults, all or none: each one is checked before any is added."""
        faults = [Fault.from_mapping(spec) for spec in specs]
        with self.lock:
            for fault in faults:
                self.faults.add(fault)

    def take_fault(self, method: str, path: str) -> Optional[Fault]:
        with self.lock:
            return self.faults.take(method, path)

    def pending_faults(self) -> list:
        with self.lock:
            return self.faults.pending()

    def record_request(self, entry: dict) -> None:
        with self.lock:
            self.requests.append(entry)

    def request_log(self) -> list:
        with self.lock:
            return copy.deepcopy(self.requests)

    def sent_sms(self) -> list:
        with self.lock:
            return [sms.as_dict() for sms in self.sent]

    def sent_records(self) -> list:
        with self.lock:
            return list(self.sent)

    def balance(self) -> int:
        with self.lock:
            return self.config.balance

    def charge_and_record(self, sms_fields: dict) -> Optional[SentSms]:
        """Record the SMS and take its price from the balance, or None when the balance is too low."""
        with self.lock:
            price = sms_fields["segments"] * self.config.price_per_segment
            if price > self.config.balance:
                return None
            self.config.balance -= price
            sms = SentSms(history_id=str(self._next_history_id), created=time.time(), price=price, **sms_fields)
            self._next_history_id += 1
            self.sent.append(sms)
            return sms
