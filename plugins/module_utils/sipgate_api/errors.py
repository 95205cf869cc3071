# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors raised by the sipgate helper, with plain-words explanations.

Imports nothing from Ansible and nothing from requests, and ``re`` only to redact an answer, so
the notifier can decide about an alert without paying for those imports.
"""

from __future__ import annotations

from .outcomes import NOT_DELIVERED, UNKNOWN, UNSENDABLE

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, Optional

SEND = "POST /sessions/sms"

# What each documented status means for the person reading the error.
STATUS_EXPLANATIONS = {
    400: "bad request: a field is empty or malformed (for example an invalid sendAt timestamp)",
    401: "wrong credentials: check the token id and token (or username/password, or access token)",
    402: "insufficient balance: top up the sipgate account",
    403: ("no permission to send from this SMS extension: the SMS feature may not be booked, "
          "the token may lack a scope that allows sending ('sessions:sms:write', 'sessions:write' or 'all'), "
          "or the smsId is not one of the account's extensions"),
    404: "wrong endpoint: check api_url (expected something like https://api.sipgate.com/v2)",
    405: "wrong HTTP method for this endpoint: check api_url",
    413: "the request is too large",
    415: "wrong content type: the request must be sent as application/json",
    422: "sipgate could not process this SMS",
    429: "too many requests: sipgate asked to slow down",
    500: "sipgate server error, or a bad request it did not handle: nothing was sent",
    502: "bad gateway in front of sipgate",
    503: "sipgate is temporarily unavailable",
    504: "gateway timeout in front of sipgate",
}
# A read is refused for a missing scope, not for the extension.
READ_403 = "no permission to read this: the token lacks the scope this request needs"

# Statuses after which the request surely did not take effect, so sending it again is safe.
SEND_RETRY_STATUSES = frozenset({429, 503})
# A read changes nothing: repeating it is safe whenever the answer says "try again".
READ_RETRY_STATUSES = frozenset({429, 502, 503, 504})
# A gateway answered in sipgate's place: it may have passed the request on before it gave up.
GATEWAY_STATUSES = frozenset({502, 504})
# sipgate refused this very SMS: sending it again can never work.
UNSENDABLE_STATUSES = frozenset({400, 413, 422})

MAX_DETAIL = 200
# Patterns (re caches them compiled): a credential in an answer, and control characters.
_AUTHORIZATION = r"(?i)\b(basic|bearer)\s+[A-Za-z0-9+/=._~-]{8,}"
_SECRET_FIELD = (r"(?i)([\"']?(?:password|token|secret|authorization|access_token)[\"']?\s*[:=]\s*)"
                 r"(\"[^\"]*\"|'[^']*'|[^\s,;}&]+)")
_CONTROL = r"[\x00-\x1f\x7f]+"


def explain_status(status: int, what: str = SEND) -> str:
    """Plain words for an HTTP status returned by the API."""
    if status == 403 and not what.startswith("POST"):
        return READ_403
    if status in STATUS_EXPLANATIONS:
        return STATUS_EXPLANATIONS[status]
    if 500 <= status < 600:
        return "sipgate server error"
    return "unexpected answer from the API"


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` fit to show: cut short, on one line, with anything that looks like a credential removed."""
    import re  # pylint: disable=import-outside-toplevel  # only an error answer needs it

    for secret in sorted(secrets, key=len, reverse=True):
        if secret and len(secret) >= 4:
            text = text.replace(secret, "[redacted]")
    text = re.sub(_AUTHORIZATION, lambda match: match.group(1) + " [redacted]", text)
    text = re.sub(_SECRET_FIELD, lambda match: match.group(1) + "[redacted]", text)
    text = re.sub(_CONTROL, " ", text).strip()
    return text if len(text) <= MAX_DETAIL else text[:MAX_DETAIL] + "..."


def status_delivery(status: int, what: str) -> str:
    """What an error status answered to ``what`` says about the SMS."""
    if not what.startswith("POST"):
        return NOT_DELIVERED
    if status in GATEWAY_STATUSES:
        return UNKNOWN
    if status in UNSENDABLE_STATUSES:
        return UNSENDABLE
    return NOT_DELIVERED


class SipgateError(Exception):
    """Any failure talking to sipgate.

    ``status`` is the HTTP status when there was an answer; ``delivery`` (see ``outcomes``) says
    whether a send surely did not happen, may have happened, or can never work; ``temporary``
    says whether trying later may help. The message never contains a credential.
    """

    def __init__(self, message: str, status: Optional[int] = None,
                 delivery: str = NOT_DELIVERED, temporary: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.delivery = delivery
        self.temporary = temporary

    @classmethod
    def from_status(cls, status: int, what: str, detail: str = "", secrets: Iterable[str] = ()) -> SipgateError:
        """The error for an HTTP error status answered to ``what`` (e.g. 'POST /sessions/sms')."""
        delivery = status_delivery(status, what)
        message = "{0} failed with HTTP {1}: {2}".format(what, status, explain_status(status, what))
        if delivery == UNKNOWN:
            message += "; it may have passed the SMS on before it gave up: delivery unknown"
        detail = redact(detail, secrets)
        if detail:
            message += " (sipgate said: {0})".format(detail)
        temporary = status in READ_RETRY_STATUSES or status >= 500
        return cls(message, status=status, delivery=delivery, temporary=temporary)

    @property
    def concerns_every_sms(self) -> bool:
        """True when the cause is not this SMS but the account, the credentials or the endpoint."""
        return self.delivery != UNSENDABLE

    def as_dict(self) -> dict:
        return {"msg": self.message, "status": self.status, "delivery": self.delivery, "temporary": self.temporary}


class SmsValidationError(ValueError):
    """Bad input found before anything was sent: names the field and the fix."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        super().__init__("{0}: {1}; {2}".format(field, problem, fix))
        self.field = field
        self.problem = problem
        self.fix = fix
