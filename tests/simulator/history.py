# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""GET /history: the SMS really sent, newest first, filtered and paged the way sipgate's reference says.

sipgate writes the numbers of its own country nationally, as in its example ``01579-9912345``,
not as the E.164 the SMS was sent to: a client that compares strings misses its own SMS.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional

import phonenumbers

from .state import SentSms, iso_utc

# limit: default 10, 0 to 1000; offset: 0 to 2^31 - 1 (sipgate's API reference).
DEFAULT_LIMIT = 10
MAX_LIMIT = 1000
MAX_OFFSET = 2**31 - 1
# The account's country: its numbers appear in national form.
HOME_REGION = "DE"


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


def _parsed(number: str) -> Optional[phonenumbers.PhoneNumber]:
    try:
        return phonenumbers.parse(number, HOME_REGION)
    except phonenumbers.NumberParseException:
        return None


def _same_number(one: str, other: str) -> bool:
    first, second = _parsed(one), _parsed(other)
    return first is not None and (first.country_code, first.national_number) == (
        getattr(second, "country_code", None), getattr(second, "national_number", None))


def sipgate_number(number: str) -> str:
    """A number as sipgate's history writes it: 01579-9912345 at home, +43664… abroad."""
    parsed = _parsed(number)
    if parsed is None:
        return number
    if phonenumbers.region_code_for_number(parsed) != HOME_REGION:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    prefix, _space, rest = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL).partition(" ")
    return "{0}-{1}".format(prefix, rest.replace(" ", "")) if rest else prefix


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
        if phonenumber and _parsed(phonenumber) is None:
            raise BadHistoryQuery("phonenumber {0!r} is not a phone number".format(phonenumber))
        return cls(types=_values(query, "types"), directions=_values(query, "directions"),
                   since=_moment(query, "from"), until=_moment(query, "to"), phonenumber=phonenumber or None,
                   offset=_number(query, "offset", 0, MAX_OFFSET), limit=_number(query, "limit", DEFAULT_LIMIT, MAX_LIMIT))

    def wants(self, sms: SentSms) -> bool:
        if self.types and "SMS" not in self.types:
            return False
        if self.directions and "OUTGOING" not in self.directions:
            return False
        created = sms.goes_out_at()
        if (self.since is not None and created < self.since) or (self.until is not None and created > self.until):
            return False
        # "Filter events to or from given number": the sender counts too.
        return self.phonenumber is None or any(_same_number(self.phonenumber, number) for number in (sms.recipient, sms.source))


def history_item(sms: SentSms) -> dict:
    """An entry with the fields of the reference's HistoryEntryResponse, and an SMS's smsContent."""
    created = iso_utc(sms.goes_out_at())
    return {"id": sms.history_id, "source": sipgate_number(sms.source), "target": sipgate_number(sms.recipient),
            "sourceAlias": "", "targetAlias": "", "type": "SMS", "created": created, "lastModified": created,
            "direction": "OUTGOING", "incoming": False, "status": "PICKUP", "connectionIds": [sms.sms_id],
            "read": True, "archived": False, "note": "", "endpoints": [], "starred": False, "labels": [],
            "smsContent": sms.message}


def history_page(sent: list, query: HistoryQuery, now: float, history_delay: float) -> dict:
    """The page of history entries visible at ``now`` (an SMS shows up ``history_delay`` after it went out)."""
    visible = [sms for sms in sent if sms.goes_out_at() + history_delay <= now and query.wants(sms)]
    visible.sort(key=lambda sms: (sms.goes_out_at(), int(sms.history_id)), reverse=True)
    page = visible[query.offset:query.offset + query.limit]
    return {"items": [history_item(sms) for sms in page], "totalCount": len(visible)}
