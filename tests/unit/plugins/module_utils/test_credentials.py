# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Exactly one complete way of authenticating, and the secret never shown."""

from __future__ import annotations

import base64
from typing import Optional

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import (
    BEARER, LEGACY, TOKEN, Credentials, choose_credentials)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import SmsValidationError

TOKEN_ID = "token-ABC123"
TOKEN_SECRET = "0d4a5c4e-9b5f-4c1e-8f2a-6b7c8d9e0f1a"
# The options an error may name; "credentials" is the group when more than one kind is given.
CREDENTIAL_OPTIONS = frozenset({"token_id", "token", "username", "password", "access_token", "credentials"})


def decoded_basic(header: str) -> str:
    scheme, dummy, encoded = header.partition(" ")
    assert scheme == "Basic"
    return base64.b64decode(encoded).decode("utf-8")


def test_personal_access_token_is_sent_as_basic_auth() -> None:
    credentials = choose_credentials(token_id=TOKEN_ID, token=TOKEN_SECRET)
    assert credentials.kind == TOKEN
    assert decoded_basic(credentials.authorization_header()) == TOKEN_ID + ":" + TOKEN_SECRET


def test_username_and_password_are_sent_as_basic_auth() -> None:
    credentials = choose_credentials(username="ops@example.com", password="pässwörd:1")
    assert credentials.kind == LEGACY
    assert decoded_basic(credentials.authorization_header()) == "ops@example.com:pässwörd:1"


def test_access_token_is_sent_as_bearer() -> None:
    credentials = choose_credentials(access_token="eyJhbGciOi.payload.sig")
    assert credentials.kind == BEARER
    assert credentials.authorization_header() == "Bearer eyJhbGciOi.payload.sig"


@pytest.mark.parametrize("given, missing", [
    ({"token_id": TOKEN_ID}, "token"),
    ({"token": TOKEN_SECRET}, "token_id"),
    ({"token_id": TOKEN_ID, "token": ""}, "token"),
    ({"username": "ops@example.com"}, "password"),
    ({"password": "secret"}, "username"),
])
def test_incomplete_pair_names_the_missing_field(given: dict, missing: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials(**given)
    assert caught.value.field == missing
    assert "missing" in caught.value.problem


@pytest.mark.parametrize("given", [
    {"token_id": TOKEN_ID, "token": TOKEN_SECRET, "access_token": "abc"},
    {"token_id": TOKEN_ID, "token": TOKEN_SECRET, "username": "u", "password": "p"},
    {"username": "u", "password": "p", "access_token": "abc"},
    {"token_id": TOKEN_ID, "password": "p"},
])
def test_two_kinds_of_credentials_are_refused(given: dict) -> None:
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials(**given)
    assert caught.value.field == "credentials"
    assert "more than one" in caught.value.problem


@pytest.mark.parametrize("given", [{}, {"token_id": "", "token": None, "access_token": ""}])
def test_no_credentials_says_what_to_set(given: dict) -> None:
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials(**given)
    assert "SIPGATE_TOKEN_ID" in caught.value.fix


@pytest.mark.parametrize("credentials", [
    choose_credentials(token_id=TOKEN_ID, token=TOKEN_SECRET),
    choose_credentials(username="ops@example.com", password=TOKEN_SECRET),
    choose_credentials(access_token=TOKEN_SECRET),
])
def test_repr_and_str_never_show_the_secret(credentials: Credentials) -> None:
    assert TOKEN_SECRET not in repr(credentials)
    assert TOKEN_SECRET not in str(credentials)
    assert TOKEN_SECRET not in "{0}".format(credentials)
    assert credentials.kind in repr(credentials)


def test_error_messages_never_carry_a_secret_that_was_given() -> None:
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials(token=TOKEN_SECRET)
    assert TOKEN_SECRET not in str(caught.value)
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials(token_id=TOKEN_ID, token=TOKEN_SECRET, access_token=TOKEN_SECRET)
    assert TOKEN_SECRET not in str(caught.value)


@pytest.mark.parametrize("credentials", [
    choose_credentials(token_id=TOKEN_ID, token=TOKEN_SECRET),
    choose_credentials(username="ops@example.com", password=TOKEN_SECRET),
])
def test_the_secrets_to_redact_cover_every_form_it_travels_in(credentials: Credentials) -> None:
    header = credentials.authorization_header()
    assert set(credentials.secrets()) >= {TOKEN_SECRET, header, header.split(" ", 1)[1]}


secrets = st.one_of(st.none(), st.just(""), st.text(max_size=20))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(token_id=secrets, token=secrets, username=secrets, password=secrets, access_token=secrets)
def test_any_input_gives_one_complete_kind_or_an_error_without_the_secret(token_id: Optional[str], token: Optional[str],
                                                                          username: Optional[str], password: Optional[str],
                                                                          access_token: Optional[str]) -> None:
    try:
        credentials = choose_credentials(token_id, token, username, password, access_token)
    except SmsValidationError as error:
        assert error.field in CREDENTIAL_OPTIONS, error.field
        assert str(error).startswith(error.field + ": "), str(error)
        assert error.problem and error.fix
        for secret in (token, password, access_token):
            if secret and len(secret) >= 4:
                assert secret not in str(error)
        return
    assert isinstance(credentials, Credentials) and credentials.secret
    assert credentials.kind in ("personal access token", "username and password", "OAuth access token")
    if credentials.secret and len(credentials.secret) >= 4 and credentials.secret not in (credentials.kind, credentials.identity):
        assert credentials.secret not in repr(credentials)


@pytest.mark.parametrize("field", ["token_id", "token", "access_token"])
def test_blanks_around_a_pasted_token_are_dropped(field: str) -> None:
    given = {"token_id": "token-ABC", "token": "0f5b5d0e-4a52", "access_token": "sim-access-7d3f"}
    chosen = {"access_token": {"access_token": given["access_token"]}}.get(field, {"token_id": given["token_id"], "token": given["token"]})
    padded = dict(chosen, **{field: "  " + given[field] + "\n"})
    credentials = choose_credentials(**padded)
    assert given[field] in (credentials.identity, credentials.secret) and "\n" not in credentials.authorization_header()


@pytest.mark.parametrize("field, value", [("access_token", "sim-access\n7d3f"), ("access_token", "sim\u2013access"),
                                          ("token", "0f5b5d0e 4a52"), ("token_id", "token-\u00c4BC")])
def test_a_token_with_a_character_no_token_has_is_refused_without_quoting_it(field: str, value: str) -> None:
    given = {"access_token": value} if field == "access_token" else dict({"token_id": "token-ABC", "token": "0f5b5d0e"}, **{field: value})
    with pytest.raises(SmsValidationError) as refused:
        choose_credentials(**given)
    assert refused.value.field == field and value not in str(refused.value) and "copy the token again" in str(refused.value)
