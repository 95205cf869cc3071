# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The simulated account: its credentials with their scopes, its SMS extensions and caller ids.

Every secret here is a demo value that only this simulator accepts.
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Optional

SCOPE_SEND = "sessions:sms:write"
SCOPE_SESSIONS = "sessions:write"
SCOPE_SMS_READ = "sms:read"
SCOPE_CALLER_ID_READ = "sms:callerid:read"
SCOPE_BALANCE_READ = "balance:read"
SCOPE_HISTORY_READ = "history:read"
SCOPE_ALL = "all"
ALL_SCOPES = frozenset({SCOPE_SEND, SCOPE_SMS_READ, SCOPE_BALANCE_READ, SCOPE_HISTORY_READ})

# What each endpoint accepts, as sipgate's API reference lists it: any one of the scopes will do.
SCOPES_SEND = (SCOPE_SEND, SCOPE_SESSIONS, SCOPE_ALL)
SCOPES_EXTENSIONS = (SCOPE_SMS_READ, SCOPE_ALL)
SCOPES_CALLER_IDS = (SCOPE_SMS_READ, SCOPE_CALLER_ID_READ, SCOPE_ALL)
SCOPES_BALANCE = (SCOPE_BALANCE_READ, SCOPE_ALL)
SCOPES_HISTORY = (SCOPE_HISTORY_READ, SCOPE_ALL)

USER_ID = "w0"
SMS_ID = "s0"
SECOND_SMS_ID = "s1"
CALLER_ID = "+4915799912345"
SECOND_CALLER_ID = "+4915799954321"
MASTER_SIP_ID = "1234567"

# Personal access token with every scope.
TOKEN_ID = "token-SIM001"
TOKEN = "0f5b5d0e-4a52-4c8e-9a3e-5d1f2c7b9e01"
# Personal access token that may send but read nothing: what a careful admin hands out.
RESTRICTED_TOKEN_ID = "token-SIM002"
RESTRICTED_TOKEN = "6a2c8f13-97d4-4b0e-b5a1-3e7f9c2d4b18"
# Personal access token that may read everything but not send.
READ_ONLY_TOKEN_ID = "token-SIM003"
READ_ONLY_TOKEN = "c4e1a7b2-5f38-4d96-8e0c-2b9d6f1a3c75"
# Personal access token with the one scope "all".
ALL_TOKEN_ID = "token-SIM004"
ALL_TOKEN = "9d0e3b57-1c2a-4f86-a4d9-7e5b1f3c8a26"
# Personal access token with the broader "sessions:write" (calls too) and no read scope.
SESSIONS_TOKEN_ID = "token-SIM005"
SESSIONS_TOKEN = "2b7f4c19-8e6d-4a53-9c0b-5d1e8f2a7c43"
# Personal access token that may send and read caller ids, but not list extensions.
CALLER_ID_TOKEN_ID = "token-SIM006"
CALLER_ID_TOKEN = "e6a8d2f4-3b91-4c07-b5e2-8f4a1d9c6b30"
# Deprecated account login (HTTP Basic with e-mail and password), every scope.
USERNAME = "ops@example.com"
PASSWORD = "simulated-Passw0rd"
# OAuth2 access token (Bearer), every scope.
ACCESS_TOKEN = "sim-access-7d3f0a9e5b1c4e2a8f6d0b3c9e7a1f54"

TOKEN_KIND = "token"
LEGACY_KIND = "legacy"
BEARER_KIND = "bearer"


@dataclass(frozen=True)
class Credential:
    """One way in: its kind, the name it may be recorded under (never the secret), its scopes."""

    kind: str
    credential_id: str
    secret: str
    scopes: frozenset

    def allows(self, scopes: tuple) -> bool:
        """Whether the credential has any one of ``scopes``."""
        return not self.scopes.isdisjoint(scopes)


@dataclass(frozen=True)
class SmsExtension:
    sms_id: str
    alias: str
    caller_ids: tuple  # of (id, phonenumber, verified, default)

    def default_caller_id(self) -> str:
        defaults = [number for _id, number, verified, default in self.caller_ids if verified and default]
        return defaults[0] if defaults else "sipgate"

    def listing(self) -> dict:
        return {"id": self.sms_id, "alias": self.alias, "callerId": self.default_caller_id()}

    def caller_id_listing(self) -> list:
        return [{"id": caller_id, "phonenumber": number, "verified": verified, "defaultNumber": default}
                for caller_id, number, verified, default in self.caller_ids]


CREDENTIALS = (
    Credential(TOKEN_KIND, TOKEN_ID, TOKEN, ALL_SCOPES),
    Credential(TOKEN_KIND, RESTRICTED_TOKEN_ID, RESTRICTED_TOKEN, frozenset({SCOPE_SEND})),
    Credential(TOKEN_KIND, READ_ONLY_TOKEN_ID, READ_ONLY_TOKEN, ALL_SCOPES - {SCOPE_SEND}),
    Credential(TOKEN_KIND, ALL_TOKEN_ID, ALL_TOKEN, frozenset({SCOPE_ALL})),
    Credential(TOKEN_KIND, SESSIONS_TOKEN_ID, SESSIONS_TOKEN, frozenset({SCOPE_SESSIONS})),
    Credential(TOKEN_KIND, CALLER_ID_TOKEN_ID, CALLER_ID_TOKEN, frozenset({SCOPE_SEND, SCOPE_CALLER_ID_READ})),
    Credential(LEGACY_KIND, USERNAME, PASSWORD, ALL_SCOPES),
    # A bearer token carries no name of its own: it is recorded under the user it belongs to.
    Credential(BEARER_KIND, USER_ID, ACCESS_TOKEN, ALL_SCOPES),
)

SMS_EXTENSIONS = {
    SMS_ID: SmsExtension(SMS_ID, "Monitoring", ((0, CALLER_ID, True, True), (1, SECOND_CALLER_ID, False, False))),
    # Without a verified default number the recipient sees "sipgate" as the sender.
    SECOND_SMS_ID: SmsExtension(SECOND_SMS_ID, "Deployments", ((0, SECOND_CALLER_ID, False, False),)),
}


def _matching(kind: str, credential_id: Optional[str], secret: str) -> Optional[Credential]:
    for credential in CREDENTIALS:
        if credential.kind != kind or (credential_id is not None and credential.credential_id != credential_id):
            continue
        # Constant-time comparison, as a real server would do it.
        if hmac.compare_digest(credential.secret.encode("utf-8"), secret.encode("utf-8")):
            return credential
    return None


def _basic(encoded: str) -> Optional[Credential]:
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    name, separator, secret = decoded.partition(":")
    if not separator:
        return None
    kind = TOKEN_KIND if name.startswith("token-") else LEGACY_KIND
    return _matching(kind, name, secret)


def authenticate(authorization: Optional[str]) -> Optional[Credential]:
    """The credential an Authorization header proves, or None when it proves nothing."""
    if not authorization:
        return None
    scheme, _space, value = authorization.strip().partition(" ")
    if scheme.lower() == "basic":
        return _basic(value)
    if scheme.lower() == "bearer":
        return _matching(BEARER_KIND, None, value.strip())
    return None
