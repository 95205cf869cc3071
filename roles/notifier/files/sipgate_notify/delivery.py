# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sending the outbox's SMS through the helper's client, finished within the engines' 30 s timeout.

The helper retries where that is safe (connection refused, 429, 502-504). Its per-request timeout
and retry policy are kept small here, and every send runs in a daemon thread the run stops waiting
for at the deadline: an SMS still in flight then counts as "delivery unknown" and stays spooled.
Importing this module imports ``requests``: only runs that send do it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Optional

from sipgate_api.client import RetryPolicy, SipgateClient  # pylint: disable=import-error
from sipgate_api.credentials import Credentials  # pylint: disable=import-error
from sipgate_api.errors import DELIVERED, DELIVERY_UNKNOWN, NOT_DELIVERED, SipgateError  # pylint: disable=import-error
from sipgate_api.request import SmsRequest  # pylint: disable=import-error

REQUEST_TIMEOUT = 5.0
RETRY_POLICY = RetryPolicy(retries=3, backoff_factor=0.5, max_retry_after=3.0)
PARALLEL_SENDS = 8
# Statuses that say this very SMS is malformed: sending it again can never work.
UNSENDABLE_STATUSES = frozenset({400, 413, 415, 422})


@dataclass(frozen=True)
class Outcome:
    """What happened to one outbox item: ``delivery`` as the helper names it, and why not."""

    item_id: str
    delivery: str
    error: str = ""
    temporary: bool = True
    unsendable: bool = False


def _outcome(item: dict, error: SipgateError) -> Outcome:
    return Outcome(item["id"], error.delivery, error.message, error.temporary, error.status in UNSENDABLE_STATUSES)


def _send_until(client: SipgateClient, sms_id: str, items: list, deadline: float) -> dict:
    """Send items over a few daemon threads; stop starting new ones once sipgate is in trouble."""
    outcomes: dict = {}
    started: set = set()
    queue = list(items)
    guard = threading.Lock()
    trouble = threading.Event()

    def work() -> None:
        while time.monotonic() < deadline and not trouble.is_set():
            with guard:
                if not queue:
                    return
                item = queue.pop(0)
                started.add(item["id"])
            result = client.send_one(SmsRequest(sms_id, item["recipient"], item["text"]))
            outcome = Outcome(item["id"], DELIVERED) if result.delivery == DELIVERED else _outcome(item, result.error)
            if outcome.delivery != DELIVERED and outcome.temporary:
                trouble.set()
            with guard:
                outcomes[item["id"]] = outcome

    threads = [threading.Thread(target=work, daemon=True) for _slot in range(min(PARALLEL_SENDS, len(items)))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    with guard:
        for item in items:
            if item["id"] not in outcomes:
                outcomes[item["id"]] = (Outcome(item["id"], DELIVERY_UNKNOWN, "still waiting for sipgate at the deadline")
                                        if item["id"] in started else
                                        Outcome(item["id"], NOT_DELIVERED, "not tried: sipgate was in trouble or time ran out"))
        return dict(outcomes)


def deliver(credentials: Credentials, api_url: str, validate_certs: bool, sms_id: Optional[str], items: list, deadline: float) -> dict:
    """Outcome per item id. Without an sms_id, the account's first SMS extension is looked up."""
    with SipgateClient(credentials, api_url=api_url, timeout=REQUEST_TIMEOUT, validate_certs=validate_certs,
                       retry_policy=RETRY_POLICY, pool_size=PARALLEL_SENDS) as client:
        if not sms_id:
            try:
                sms_id = client.first_sms_id()
            except SipgateError as error:
                return {item["id"]: _outcome(item, error) for item in items}
        return _send_until(client, sms_id, items, deadline)
