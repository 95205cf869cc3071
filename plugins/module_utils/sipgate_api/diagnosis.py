# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What an account looks like, and what its credentials may do, learnt from read-only calls only.

A token restricted to sending (scope ``sessions:sms:write``, or ``sessions:write``)
answers 403 to most reads; the scope ``all`` allows every call. That is not an error here: each forbidden read becomes a sentence that
says what is missing and what to do instead. Wrong credentials (401), a wrong
api_url or an unreachable API still raise, because nothing else can be learnt.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Optional

from .errors import SipgateError

CAN_SEND_UNKNOWN = "unknown (cannot be tested without sending)"
FORBIDDEN = 403
NOT_FOUND = 404


@dataclass
class Diagnosis:
    """What the credentials can do; ``None`` where a capability could not be tried."""

    authenticated: bool = False
    can_read_user_id: Optional[bool] = None
    can_list_extensions: Optional[bool] = None
    can_read_caller_ids: Optional[bool] = None
    can_read_balance: Optional[bool] = None
    can_read_history: Optional[bool] = None
    can_send: str = CAN_SEND_UNKNOWN
    messages: list = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "authenticated": self.authenticated, "can_read_user_id": self.can_read_user_id,
            "can_list_extensions": self.can_list_extensions, "can_read_caller_ids": self.can_read_caller_ids,
            "can_read_balance": self.can_read_balance, "can_read_history": self.can_read_history,
            "can_send": self.can_send, "messages": list(self.messages),
        }


@dataclass
class AccountReport:
    """Everything the read-only calls revealed; a part that could not be read is ``None``."""

    user_id: Optional[str] = None
    sms_extensions: Optional[list] = None
    caller_ids: Optional[dict] = None
    balance: Optional[dict] = None
    diagnose: Diagnosis = field(default_factory=Diagnosis)

    def as_dict(self) -> dict:
        return {"user_id": self.user_id, "sms_extensions": self.sms_extensions, "caller_ids": self.caller_ids,
                "balance": self.balance, "diagnose": self.diagnose.as_dict()}


def _attempt(read: Callable[[], Any], tolerated: tuple = (FORBIDDEN,)) -> tuple:
    """(value, None) on success, (None, status) when the API refused with a tolerated status."""
    try:
        return read(), None
    except SipgateError as error:
        if error.status in tolerated:
            return None, error.status
        raise


def describe_extension(item: dict) -> dict:
    return {"id": str(item.get("id", "")), "alias": item.get("alias"), "caller_id": item.get("callerId")}


def describe_caller_id(item: dict) -> dict:
    return {"number": item.get("phonenumber"), "verified": bool(item.get("verified")),
            "default": bool(item.get("defaultNumber"))}


def describe_balance(balance: dict) -> dict:
    """The amount as an exact decimal string with four places (sipgate counts in 1/10000)."""
    return {"amount": "{0:.4f}".format(balance["amount"]), "currency": balance["currency"]}


def _read_user_id(client: Any, report: AccountReport) -> None:
    report.user_id, refused = _attempt(client.user_id)
    # Anything but 401 means sipgate accepted who we are.
    report.diagnose.authenticated = True
    report.diagnose.can_read_user_id = refused is None
    if refused:
        report.diagnose.messages.append(
            "the credentials cannot read the user id (HTTP {0}): SMS extensions and caller ids cannot be listed; "
            "give sms_id explicitly when sending".format(refused))


def _read_extensions(client: Any, report: AccountReport) -> None:
    if report.user_id is None:
        return
    items, refused = _attempt(lambda: client.sms_extensions(report.user_id))
    report.diagnose.can_list_extensions = refused is None
    if refused:
        report.diagnose.messages.append(
            "the credentials lack the scope 'sms:read' (or 'all') (HTTP {0}): SMS extensions cannot be listed; "
            "give sms_id explicitly when sending".format(refused))
        return
    report.sms_extensions = [describe_extension(item) for item in items]
    if not items:
        report.diagnose.messages.append("the account has no SMS extension: book the SMS feature in the sipgate app")


def _extensions_to_inspect(report: AccountReport, sms_id: Optional[str]) -> list:
    if sms_id:
        return [sms_id]
    return [extension["id"] for extension in report.sms_extensions or []]


def _read_caller_ids(client: Any, report: AccountReport, sms_id: Optional[str]) -> None:
    wanted = _extensions_to_inspect(report, sms_id)
    if report.user_id is None or not wanted:
        return
    found: dict = {}
    for extension in wanted:
        items, refused = _attempt(lambda: client.caller_ids(extension, report.user_id), (FORBIDDEN, NOT_FOUND))
        if refused == NOT_FOUND:
            report.diagnose.messages.append(
                "{0} is not an SMS extension of this account (HTTP 404): check sms_id".format(extension))
        elif refused:
            report.diagnose.can_read_caller_ids = False
            report.diagnose.messages.append(
                "the caller ids of {0} cannot be read (HTTP {1}): the credentials lack the scope 'sms:read' or "
                "'sms:callerid:read' (or 'all'), or {0} is not one of the account's SMS extensions".format(extension, refused))
        else:
            found[extension] = [describe_caller_id(item) for item in items]
    if report.diagnose.can_read_caller_ids is None and found:
        report.diagnose.can_read_caller_ids = True
    report.caller_ids = found if found or report.diagnose.can_read_caller_ids is not False else None


def _read_balance(client: Any, report: AccountReport) -> None:
    balance, refused = _attempt(client.balance)
    report.diagnose.can_read_balance = refused is None
    if refused:
        report.diagnose.messages.append(
            "the credentials lack the scope 'balance:read' (or 'all') (HTTP {0}): the balance cannot be read, "
            "so a low balance shows only when a send fails with HTTP 402".format(refused))
        return
    report.balance = describe_balance(balance)


def _read_history(client: Any, report: AccountReport, now: datetime) -> None:
    since = (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")
    _history, refused = _attempt(lambda: client.history(since, limit=1))
    report.diagnose.can_read_history = refused is None
    if refused:
        report.diagnose.messages.append(
            "the credentials lack the scope 'history:read' (or 'all') (HTTP {0}): SMS sent earlier cannot be looked up "
            "in the account's history".format(refused))


def inspect_account(client: Any, sms_id: Optional[str] = None, now: Optional[datetime] = None) -> AccountReport:
    """Read user id, extensions, caller ids, balance and history access, and explain what is missing.

    ``sms_id`` limits the caller-id look-ups to that one extension.
    Raises SipgateError for wrong credentials (401) and for failures that are not a refusal.
    """
    report = AccountReport()
    _read_user_id(client, report)
    _read_extensions(client, report)
    _read_caller_ids(client, report, sms_id)
    _read_balance(client, report)
    _read_history(client, report, now or datetime.now(timezone.utc))
    return report
