# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The three ways to authenticate to sipgate, checked for completeness before any request."""

from __future__ import annotations

import base64
from typing import Optional

from .errors import SmsValidationError
from .frozen import Frozen

TOKEN = "personal access token"
LEGACY = "username and password"
BEARER = "OAuth access token"
# Each kind of credentials and the options that give it.
KINDS = ((TOKEN, ("token_id", "token")), (LEGACY, ("username", "password")), (BEARER, ("access_token",)))


class Credentials(Frozen):
    """One way of authenticating. The secret is kept out of repr() so it never lands in a log."""

    __slots__ = ("kind", "identity", "secret")
    _UNSHOWN = ("secret",)
    kind: str
    identity: str
    secret: str

    def __init__(self, kind: str, identity: str, secret: str) -> None:
        self._set(kind=kind, identity=identity, secret=secret)

    def authorization_header(self) -> str:
        if self.kind == BEARER:
            return "Bearer " + self.secret
        return "Basic " + self._basic_pair()

    def _basic_pair(self) -> str:
        return base64.b64encode("{0}:{1}".format(self.identity, self.secret).encode("utf-8")).decode("ascii")

    def secrets(self) -> tuple:
        """Every form in which the secret could come back in an answer, to be cut out of any message."""
        return (self.secret, self._basic_pair(), self.authorization_header())


# What an OAuth access token is made of (RFC 6750's b64token); it goes into the header as it is.
_TOKEN_CHARACTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")


def _token_text(field: str, value: Optional[str]) -> Optional[str]:
    """A token as issued: the blanks a copy or a YAML block adds around it go; anything else foreign is refused.

    The value itself is never quoted: it is a secret.
    """
    if value is None:
        return None
    text = str(value).strip()
    if text and not set(text) <= _TOKEN_CHARACTERS:
        raise SmsValidationError(field, "holds a character no sipgate token has (a blank, a line break or a non-ASCII "
                                 "character such as a typographic dash, often from copying)",
                                 "copy the token again exactly as sipgate shows it")
    return text


def _pair(kind: str, id_field: str, identity: Optional[str], secret_field: str, secret: Optional[str]) -> Credentials:
    if not identity:
        raise SmsValidationError(id_field, "missing while {0} is set".format(secret_field), "give both {0} and {1}".format(id_field, secret_field))
    if not secret:
        raise SmsValidationError(secret_field, "missing while {0} is set".format(id_field), "give both {0} and {1}".format(id_field, secret_field))
    return Credentials(kind, identity, secret)


def choose_credentials(token_id: Optional[str] = None, token: Optional[str] = None, username: Optional[str] = None,
                       password: Optional[str] = None, access_token: Optional[str] = None) -> Credentials:
    """Exactly one complete way of authenticating, or an error naming the fields to fix."""
    token_id, token, access_token = (_token_text(field, value) for field, value in
                                     (("token_id", token_id), ("token", token), ("access_token", access_token)))
    options = {"token_id": token_id, "token": token, "username": username, "password": password, "access_token": access_token}
    given = [kind for kind, fields in KINDS if any(options[field] for field in fields)]
    if not given:
        raise SmsValidationError("token_id", "no credentials given",
                                 "set token_id and token (or SIPGATE_TOKEN_ID and SIPGATE_TOKEN), username and password, or access_token")
    if len(given) > 1:
        raise SmsValidationError("credentials", "more than one kind given ({0})".format(", ".join(given)),
                                 "use only one of token_id/token, username/password or access_token")
    if given[0] == TOKEN:
        return _pair(TOKEN, "token_id", token_id, "token", token)
    if given[0] == LEGACY:
        return _pair(LEGACY, "username", username, "password", password)
    return Credentials(BEARER, "bearer", str(access_token))
