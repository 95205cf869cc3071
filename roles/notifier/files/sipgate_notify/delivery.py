# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Sending the outbox's SMS through the helper's delivery core, finished within the engines' 30 s timeout.

Per-request timeout and retry waits are kept small here; an SMS still in flight at the deadline is
"delivery unknown" and stays spooled. Importing this module imports ``requests``: only runs that
send do it.
"""

from __future__ import annotations

from typing import Optional

from sipgate_api.connection import Connection  # pylint: disable=import-error
from sipgate_api.credentials import Credentials  # pylint: disable=import-error
from sipgate_api.delivery import deliver as deliver_batch  # pylint: disable=import-error
from sipgate_api.delivery import StopSignals, resolve_sms_id  # pylint: disable=import-error
from sipgate_api.errors import SipgateError  # pylint: disable=import-error
from sipgate_api.outcomes import UNSENDABLE  # pylint: disable=import-error
from sipgate_api.request import SmsRequest  # pylint: disable=import-error

REQUEST_TIMEOUT = 5.0
MAX_RETRY_AFTER = 3.0
PARALLEL_SENDS = 8


class Outcome:
    """What happened to one outbox item: ``delivery`` in the helper's words, and why not."""

    __slots__ = ("item_id", "delivery", "error", "temporary", "unsendable")

    def __init__(self, item_id: str, delivery: str, error: str = "", temporary: bool = True, unsendable: bool = False) -> None:
        self.item_id = item_id
        self.delivery = delivery
        self.error = error
        self.temporary = temporary
        self.unsendable = unsendable


def _outcome(item_id: str, delivery: str, error: Optional[SipgateError], reason: str) -> Outcome:
    if error is None:
        return Outcome(item_id, delivery)
    return Outcome(item_id, delivery, reason, error.temporary, delivery == UNSENDABLE)


def deliver(credentials: Credentials, api_url: str, validate_certs: bool, sms_id: Optional[str], items: list, deadline: float,
            stop: Optional[StopSignals] = None) -> dict:
    """Outcome per item id. Without an sms_id, the account's first SMS extension is looked up."""
    connection = Connection(credentials, api_url=api_url, timeout=REQUEST_TIMEOUT, validate_certs=validate_certs,
                            max_retry_after=MAX_RETRY_AFTER, concurrency=PARALLEL_SENDS)
    with connection.open_client() as client:
        try:
            sms_id = resolve_sms_id(client, sms_id)
        except SipgateError as error:
            return {item["id"]: _outcome(item["id"], error.delivery, error, error.message) for item in items}
        batch = [SmsRequest(sms_id, item["recipient"], item["text"]) for item in items]
        delivery = deliver_batch(client, batch, concurrency=connection.concurrency, deadline=deadline, stop=stop)
    return {item["id"]: _outcome(item["id"], outcome.delivery, outcome.error, outcome.reason)
            for item, outcome in zip(items, delivery.outcomes)}
