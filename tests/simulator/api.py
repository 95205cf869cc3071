# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sipgate REST API v2 endpoints: routing, authentication, scopes and each endpoint's answer."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

from .accounts import (MASTER_SIP_ID, SCOPES_BALANCE, SCOPES_CALLER_IDS, SCOPES_EXTENSIONS, SCOPES_HISTORY, SCOPES_SEND,
                       SMS_EXTENSIONS, USER_ID, Credential, authenticate)
from .history import BadHistoryQuery, HistoryQuery, history_page
from .segments import segments
from .sms_session import BadSmsRequest, UnhandledSmsRequest, parse_sms_request
from .state import SimulatorState


@dataclass
class ApiRequest:
    """An API request with the /v2 prefix already taken off its path."""

    method: str
    path: str
    query: dict
    headers: Mapping[str, str]
    body: bytes


@dataclass
class ApiResponse:
    status: int
    body: Any = None  # a JSON value, or None for an empty body
    headers: dict = field(default_factory=dict)
    text: Optional[str] = None  # answered as text/html instead of ``body``
    credential: Optional[Credential] = None


def error(status: int, message: str, **headers: str) -> ApiResponse:
    return ApiResponse(status, {"status": status, "message": message}, dict(headers))


def _userinfo(_state: SimulatorState, _request: ApiRequest, _credential: Credential, _match: "re.Match") -> ApiResponse:
    return ApiResponse(200, {"sub": USER_ID, "domain": "sipgate.de", "masterSipId": MASTER_SIP_ID, "locale": "de_DE"})


def _sms_extensions(_state: SimulatorState, _request: ApiRequest, _credential: Credential, match: "re.Match") -> ApiResponse:
    if match.group("user") != USER_ID:
        return error(403, "no access to user {0}".format(match.group("user")))
    return ApiResponse(200, {"items": [extension.listing() for extension in SMS_EXTENSIONS.values()]})


def _caller_ids(_state: SimulatorState, _request: ApiRequest, _credential: Credential, match: "re.Match") -> ApiResponse:
    if match.group("user") != USER_ID:
        return error(403, "no access to user {0}".format(match.group("user")))
    extension = SMS_EXTENSIONS.get(match.group("sms"))
    if extension is None:
        return error(404, "no SMS extension {0}".format(match.group("sms")))
    return ApiResponse(200, {"items": extension.caller_id_listing()})


def _balance(state: SimulatorState, _request: ApiRequest, _credential: Credential, _match: "re.Match") -> ApiResponse:
    return ApiResponse(200, {"amount": state.balance(), "currency": "EUR"})


def _history(state: SimulatorState, request: ApiRequest, _credential: Credential, _match: "re.Match") -> ApiResponse:
    try:
        query = HistoryQuery.parse(request.query)
    except BadHistoryQuery as problem:
        return error(400, str(problem))
    return ApiResponse(200, history_page(state.sent_records(), query, time.time(), state.settings().history_delay))


def is_json(content_type: Optional[str]) -> bool:
    """application/json, with or without parameters such as charset."""
    return (content_type or "").split(";", 1)[0].strip().lower() == "application/json"


def _send_sms(state: SimulatorState, request: ApiRequest, credential: Credential, _match: "re.Match") -> ApiResponse:
    if not is_json(request.headers.get("Content-Type")):
        return error(415, "Content-Type must be application/json")
    try:
        body = json.loads(request.body.decode("utf-8"))
    except ValueError:
        # sipgate answers a body it cannot parse with a generic server error.
        return error(500, "internal server error")
    try:
        sms = parse_sms_request(body, time.time())
    except BadSmsRequest as problem:
        return error(400, str(problem))
    except UnhandledSmsRequest as problem:
        return error(500, str(problem))
    extension = SMS_EXTENSIONS.get(sms["sms_id"])
    if extension is None:
        return error(403, "smsId {0} is not an SMS extension of this account".format(sms["sms_id"]))
    encoding, parts = segments(sms["message"])
    recorded = state.charge_and_record(dict(sms, segments=parts, encoding=encoding, source=extension.default_caller_id(),
                                            credential_kind=credential.kind, credential_id=credential.credential_id))
    if recorded is None:
        return error(402, "insufficient balance for {0} SMS part(s)".format(parts))
    return ApiResponse(204)


# Path pattern -> {method: (handler, the scopes of which one is needed, or None when any valid credential will do)}.
# Literal paths come first so that /sessions/sms is not taken for a user id.
ROUTES = (
    (re.compile(r"^/sessions/sms$"), {"POST": (_send_sms, SCOPES_SEND)}),
    (re.compile(r"^/authorization/userinfo$"), {"GET": (_userinfo, None)}),
    (re.compile(r"^/balance$"), {"GET": (_balance, SCOPES_BALANCE)}),
    (re.compile(r"^/history$"), {"GET": (_history, SCOPES_HISTORY)}),
    (re.compile(r"^/(?P<user>[^/]+)/sms$"), {"GET": (_sms_extensions, SCOPES_EXTENSIONS)}),
    (re.compile(r"^/(?P<user>[^/]+)/sms/(?P<sms>[^/]+)/callerids$"), {"GET": (_caller_ids, SCOPES_CALLER_IDS)}),
)


def dispatch(state: SimulatorState, request: ApiRequest) -> ApiResponse:
    """The answer to one API request: 404/405 for wrong endpoints, then 401, 403, then the endpoint."""
    for pattern, methods in ROUTES:
        match = pattern.match(request.path)
        if match is None:
            continue
        if request.method not in methods:
            return error(405, "method {0} not allowed".format(request.method), Allow=", ".join(sorted(methods)))
        credential = authenticate(request.headers.get("Authorization"))
        if credential is None:
            return error(401, "unauthorized", **{"WWW-Authenticate": 'Basic realm="sipgate"'})
        handler, scopes = methods[request.method]
        if scopes is not None and not credential.allows(scopes):
            response = error(403, "the credentials lack the scope {0}".format(" or ".join(scopes)))
        else:
            response = handler(state, request, credential, match)
        response.credential = credential
        return response
    return error(404, "no endpoint {0}".format(request.path))
