# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The checks sipgate makes on the body of POST /sessions/sms.

sipgate lists 400 for empty or blank fields and a bad timestamp, and 500 for "internal server
error or unhandled bad request (e.g. smsId not set)": a body without smsId is a 500, not a 400.
"""

from __future__ import annotations

import re
from typing import Any, Optional

MAX_SCHEDULE_AHEAD = 30 * 24 * 3600
# E.164 with a leading +, or a number written with digits only (as dialled nationally).
PHONE_NUMBER = re.compile(r"^(\+[1-9][0-9]{6,14}|[0-9]{7,15})$")


class BadSmsRequest(Exception):
    """A body sipgate refuses with 400; the message names the field."""


class UnhandledSmsRequest(Exception):
    """A body sipgate does not handle and answers with 500."""


def _text_field(body: dict, name: str) -> str:
    value = body.get(name)
    if value is None:
        raise BadSmsRequest("{0} is missing".format(name))
    if not isinstance(value, str):
        raise BadSmsRequest("{0} must be a string".format(name))
    if not value.strip():
        raise BadSmsRequest("{0} must not be empty".format(name))
    return value


def _recipient(body: dict) -> str:
    recipient = _text_field(body, "recipient")
    if not PHONE_NUMBER.match(recipient):
        raise BadSmsRequest("recipient {0!r} is not a phone number".format(recipient))
    return recipient


def _send_at(body: dict, now: float) -> Optional[int]:
    if "sendAt" not in body:
        return None
    send_at = body["sendAt"]
    # bool is an int to Python but not to a JSON schema.
    if isinstance(send_at, bool) or not isinstance(send_at, int):
        raise BadSmsRequest("sendAt must be an integer Unix timestamp in seconds")
    if send_at <= now:
        raise BadSmsRequest("sendAt must lie in the future")
    if send_at > now + MAX_SCHEDULE_AHEAD:
        raise BadSmsRequest("sendAt must lie at most 30 days ahead")
    return send_at


def parse_sms_request(body: Any, now: float) -> dict:
    """smsId, recipient, message and sendAt of a valid body; raises BadSmsRequest or UnhandledSmsRequest otherwise."""
    if not isinstance(body, dict):
        raise BadSmsRequest("the body must be a JSON object")
    if body.get("smsId") is None:
        raise UnhandledSmsRequest("internal server error")
    return {
        "sms_id": _text_field(body, "smsId"),
        "recipient": _recipient(body),
        "message": _text_field(body, "message"),
        "send_at": _send_at(body, now),
    }
