# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""One SMS as sipgate takes it, validated completely before anything is sent."""

from __future__ import annotations

import hashlib
import math
import re
import time
from datetime import datetime
from typing import Any, Iterable, Optional

from .errors import SmsValidationError
from .encoding import SmsSize, measure
from .frozen import Frozen

MAX_SCHEDULE_SECONDS = 30 * 24 * 3600
DEFAULT_COUNTRY_CODE = "49"

# As sipgate numbers extensions: s0, s1, ... (no leading zero, ASCII digits only).
_SMS_ID = re.compile(r"\As(0|[1-9][0-9]*)\Z")
_RELATIVE_DELAY = re.compile(r"^\+?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNIX_SECONDS = re.compile(r"^\d{9,11}$")


class SmsRequest(Frozen):
    """A single SMS to one recipient: the body of one POST /sessions/sms."""

    __slots__ = ("sms_id", "recipient", "message", "send_at", "size")
    _UNCOMPARED = ("size",)
    sms_id: str
    recipient: str
    message: str
    send_at: Optional[int]
    size: SmsSize

    def __init__(self, sms_id: str, recipient: str, message: str, send_at: Optional[int] = None) -> None:
        self._set(sms_id=sms_id, recipient=recipient, message=message, send_at=send_at, size=measure(message))

    def payload(self) -> dict:
        body: dict[str, Any] = {"smsId": self.sms_id, "recipient": self.recipient, "message": self.message}
        if self.send_at is not None:
            body["sendAt"] = self.send_at
        return body


def validate_sms_id(sms_id: Any) -> str:
    value = str(sms_id or "").strip()
    if not _SMS_ID.match(value):
        raise SmsValidationError("sms_id", "{0!r} is not an SMS extension id".format(value),
                                 "use 's' followed by digits without a leading zero, like s0 or s1 (see sipgate_sms_info for yours)")
    return value


def normalise_recipient(raw: Any, field_name: str = "recipients", country_code: Any = DEFAULT_COUNTRY_CODE,
                        region: Optional[str] = None) -> str:
    """A phone number in E.164 (+4915799912345), national forms read in ``region`` or else the
    country of ``country_code``; refused with the reason when it is not a valid number there."""
    from .phone_numbers import e164, region_of  # pylint: disable=import-outside-toplevel  # only reading a number needs it

    return e164(raw, region_of(country_code, region), field_name)


def validate_message(message: Any, field_name: str = "message") -> str:
    if not isinstance(message, str) or not message.strip():
        raise SmsValidationError(field_name, "the message is blank", "give the text to send")
    return message


def _parse_iso(text: str) -> Optional[int]:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        return None
    if moment.tzinfo is None:
        raise SmsValidationError("send_at", "{0!r} has no time zone".format(text),
                                 "add a UTC offset such as +01:00 or Z")
    return int(moment.timestamp())


def _parse_relative(text: str, now: float) -> Optional[int]:
    match = _RELATIVE_DELAY.match(text)
    if not match or not any(match.groups()):
        return None
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return int(now) + ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def parse_duration(raw: Any, field_name: str) -> int:
    """Seconds for a duration given as a number of seconds or like 30m, 24h, 7d, 1h30m."""
    text = str(raw if raw is not None else "").strip()
    if text.isdigit():
        return int(text)
    match = _RELATIVE_DELAY.match(text)
    if not text or not match or not any(match.groups()):
        raise SmsValidationError(field_name, "{0!r} is not a duration".format(text), "give seconds, or a duration like 30m, 24h or 7d")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def is_relative_delay(raw: Any) -> bool:
    """Whether ``send_at`` is a delay from now (10m, 2h), not a moment: the same task later means a later moment."""
    if raw is None or isinstance(raw, (int, float)):
        return False
    match = _RELATIVE_DELAY.match(str(raw).strip())
    return bool(match and any(match.groups()))


def parse_send_at(raw: Any, now: Optional[float] = None) -> Optional[int]:
    """Unix seconds for a schedule given as Unix seconds, ISO-8601 or a relative delay (10m, 2h, 1d2h)."""
    if raw is None or raw == "":
        return None
    now = time.time() if now is None else now
    text = str(raw).strip()
    moment: Optional[int]
    if isinstance(raw, (int, float)) and not isinstance(raw, bool) or _UNIX_SECONDS.match(text):
        number = float(text)
        # NaN and infinity are floats too, but no moment.
        moment = int(number) if math.isfinite(number) else None
    else:
        moment = _parse_relative(text, now)
        if moment is None:
            moment = _parse_iso(text)
    if moment is None:
        raise SmsValidationError("send_at", "{0!r} is not a time".format(text),
                                 "use Unix seconds, ISO-8601 like 2030-01-31T08:00:00+01:00, or a delay like 10m, 2h, 1d")
    if moment <= now:
        raise SmsValidationError("send_at", "{0!r} lies in the past".format(text), "give a time in the future, or omit send_at to send now")
    if moment > now + MAX_SCHEDULE_SECONDS:
        raise SmsValidationError("send_at", "{0!r} is more than 30 days ahead".format(text), "sipgate schedules at most 30 days in advance")
    return moment


def build_requests(sms_id: Any, recipients: Iterable[Any], message: Any, send_at: Any = None,
                   now: Optional[float] = None, country_code: Any = DEFAULT_COUNTRY_CODE,
                   region: Optional[str] = None, message_field: str = "message") -> list[SmsRequest]:
    """Validate everything first, so a bad field never leaves some SMS sent and others not.

    ``message_field`` is what the caller calls the text (the module: ``msg``), for its error."""
    from .phone_numbers import e164, region_of  # pylint: disable=import-outside-toplevel  # only reading a number needs it

    checked_id = validate_sms_id(sms_id)
    checked_message = validate_message(message, message_field)
    moment = parse_send_at(send_at, now)
    home = region_of(country_code, region)
    if isinstance(recipients, str):
        # One number given where a list is expected: iterating would check it character by character.
        recipients = [recipients]
    numbers: list[str] = []
    for index, raw in enumerate(recipients or []):
        number = e164(raw, home, "recipients[{0}]".format(index))
        if number not in numbers:
            numbers.append(number)
    if not numbers:
        raise SmsValidationError("recipients", "no recipient given", "list at least one phone number")
    return [SmsRequest(checked_id, number, checked_message, moment) for number in numbers]


def delivery_key(request: SmsRequest, message_key: Optional[str] = None, schedule_key: Optional[str] = None) -> str:
    """What identifies a send for idempotency: extension, recipient, message (or its key) and schedule."""
    schedule = schedule_key if schedule_key is not None else str(request.send_at or "")
    parts = [request.sms_id, request.recipient, message_key if message_key is not None else request.message, schedule]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()
