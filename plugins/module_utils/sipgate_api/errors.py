# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Errors raised by the sipgate helper, with plain-words explanations.

Imports nothing from Ansible and nothing from requests, so the notifier can
decide about an alert without paying for those imports.
"""

from __future__ import annotations

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
    415: "wrong content type: the request must be sent as application/json",
    429: "too many requests: sipgate asked to slow down",
    500: "sipgate server error, or a bad request it did not handle",
    502: "bad gateway in front of sipgate: temporary",
    503: "sipgate is temporarily unavailable",
    504: "gateway timeout in front of sipgate: temporary",
}

# Statuses after which the request surely did not take effect, so sending again is safe.
RETRYABLE_STATUSES = frozenset({429, 502, 503, 504})

# Outcomes of a delivery attempt, as reported to users.
DELIVERED = "delivered"
NOT_DELIVERED = "not_delivered"
DELIVERY_UNKNOWN = "unknown"


def explain_status(status: int) -> str:
    """Plain words for an HTTP status returned by the API."""
    if status in STATUS_EXPLANATIONS:
        return STATUS_EXPLANATIONS[status]
    if 500 <= status < 600:
        return "sipgate server error"
    return "unexpected answer from the API"


class SipgateError(Exception):
    """Any failure talking to sipgate.

    ``status`` is the HTTP status when there was an answer; ``delivery`` says
    whether a send surely did not happen (``not_delivered``) or may have
    happened (``unknown``); ``temporary`` says whether trying later may help.
    The message never contains a credential.
    """

    def __init__(self, message: str, status: int | None = None,
                 delivery: str = NOT_DELIVERED, temporary: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.delivery = delivery
        self.temporary = temporary

    @classmethod
    def from_status(cls, status: int, what: str, detail: str = "") -> SipgateError:
        """The error for an HTTP error status answered to ``what`` (e.g. 'POST /sessions/sms')."""
        message = "{0} failed with HTTP {1}: {2}".format(what, status, explain_status(status))
        if detail:
            message += " (sipgate said: {0})".format(detail[:200])
        temporary = status in RETRYABLE_STATUSES or status >= 500
        return cls(message, status=status, delivery=NOT_DELIVERED, temporary=temporary)

    def as_dict(self) -> dict:
        return {"msg": self.message, "status": self.status, "delivery": self.delivery, "temporary": self.temporary}


class SmsValidationError(ValueError):
    """Bad input found before anything was sent: names the field and the fix."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        super().__init__("{0}: {1}; {2}".format(field, problem, fix))
        self.field = field
        self.problem = problem
        self.fix = fix
