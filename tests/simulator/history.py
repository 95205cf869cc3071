# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GET /history: the SMS really sent, newest first, filtered the way sipgate filters."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

from .state import SentSms, iso_utc

DEFAULT_LIMIT = 20
MAX_LIMIT = 5000


class BadHistoryQuery(Exception):
    """A query parameter sipgate refuses with 400."""


def _values(query: dict, name: str) -> list:
    """All values of a parameter, given repeated (types=A&types=B) or comma-separated."""
    return [item.strip().upper() for value in query.get(name, []) for item in value.split(",") if item.strip()]


def _moment(query: dict, name: str) -> Optional[float]:
    values = query.get(name)
    if not values or not values[0]:
        return None
    text = values[0].strip()
    try:
        moment = datetime.fromisoformat(re.sub(r"Z$", "+00:00", text))
    except ValueError:
        raise BadHistoryQuery("{0} is not an ISO-8601 date-time: {1!r}".format(name, text)) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.timestamp()


def _number(query: dict, name: str, default: int, maximum: Optional[int] = None) -> int:
    values = query.get(name)
    if not values or not values[0]:
        return default
    try:
        number = int(values[0])
    except ValueError:
        raise BadHistoryQuery("{0} must be a number".format(name)) from None
    if number < 0 or (maximum is not None and number > maximum):
        raise BadHistoryQuery("{0} must lie between 0 and {1}".format(name, maximum if maximum is not None else "infinity"))
    return number


def _digits(number: str) -> str:
    return re.sub(r"[^0-9]", "", number)


@dataclass
class HistoryQuery:
    types: list
    directions: list
    since: Optional[float]
    until: Optional[float]
    phonenumber: Optional[str]
    offset: int
    limit: int

    @classmethod
    def parse(cls, query: dict) -> "HistoryQuery":
        phonenumber = query.get("phonenumber", [""])[0].strip()
        return cls(types=_values(query, "types"), directions=_values(query, "directions"),
                   since=_moment(query, "from"), until=_moment(query, "to"), phonenumber=phonenumber or None,
                   offset=_number(query, "offset", 0), limit=_number(query, "limit", DEFAULT_LIMIT, MAX_LIMIT))

    def wants(self, sms: SentSms) -> bool:
        if self.types and "SMS" not in self.types:
            return False
        if self.directions and "OUTGOING" not in self.directions:
            return False
        created = sms.goes_out_at()
        if (self.since is not None and created < self.since) or (self.until is not None and created > self.until):
            return False
        return self.phonenumber is None or _digits(self.phonenumber) == _digits(sms.recipient)


def history_item(sms: SentSms) -> dict:
    created = iso_utc(sms.goes_out_at())
    return {"id": sms.history_id, "source": sms.source, "target": sms.recipient, "created": created,
            "lastModified": created, "direction": "OUTGOING", "incoming": False, "status": "PICKUP",
            "type": "SMS", "smsContent": sms.message}


def history_page(sent: list, query: HistoryQuery, now: float, history_delay: float) -> dict:
    """The page of history entries visible at ``now`` (an SMS shows up ``history_delay`` after it went out)."""
    visible = [sms for sms in sent if sms.goes_out_at() + history_delay <= now and query.wants(sms)]
    visible.sort(key=lambda sms: (sms.goes_out_at(), int(sms.history_id)), reverse=True)
    page = visible[query.offset:query.offset + query.limit]
    return {"items": [history_item(sms) for sms in page], "totalCount": len(visible)}
