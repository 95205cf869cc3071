# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Choosing one complete way to authenticate, and plain words for every API status."""

from __future__ import annotations

import base64

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import (
    BEARER, LEGACY, TOKEN, choose_credentials)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import (
    DELIVERY_UNKNOWN, NOT_DELIVERED, SipgateError, SmsValidationError, explain_status)

TOKEN_ID, TOKEN_SECRET = "token-ABC123", "0f5b5d0e-4a52-4c8e-9a3e-5d1f2c7b9e01"


def _basic(identity: str, secret: str) -> str:
    return "Basic " + base64.b64encode("{0}:{1}".format(identity, secret).encode("utf-8")).decode("ascii")


def test_token_pair_gives_basic_auth_with_token_id_and_token() -> None:
    credentials = choose_credentials(token_id=TOKEN_ID, token=TOKEN_SECRET)
    assert credentials.kind == TOKEN
    assert credentials.authorization_header() == _basic(TOKEN_ID, TOKEN_SECRET)


def test_username_and_password_give_basic_auth() -> None:
    credentials = choose_credentials(username="ops@example.com", password="pässwörd")
    assert credentials.kind == LEGACY
    assert credentials.authorization_header() == _basic("ops@example.com", "pässwörd")


def test_access_token_gives_bearer_auth() -> None:
    credentials = choose_credentials(access_token="abc.def")
    assert credentials.kind == BEARER
    assert credentials.authorization_header() == "Bearer abc.def"


@pytest.mark.parametrize("kwargs, missing", [
    ({"token_id": TOKEN_ID}, "token"),
    ({"token": TOKEN_SECRET}, "token_id"),
    ({"token_id": TOKEN_ID, "token": ""}, "token"),
    ({"username": "ops@example.com"}, "password"),
    ({"password": "secret"}, "username"),
])
def test_incomplete_pair_names_the_missing_field(kwargs: dict, missing: str) -> None:
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials(**kwargs)
    assert caught.value.field == missing
    assert TOKEN_SECRET not in str(caught.value)
    assert "'secret'" not in str(caught.value) and " secret" not in str(caught.value)


@pytest.mark.parametrize("kwargs", [
    {"token_id": TOKEN_ID, "token": TOKEN_SECRET, "access_token": "abc"},
    {"token_id": TOKEN_ID, "token": TOKEN_SECRET, "username": "u", "password": "p"},
    {"username": "u", "password": "p", "access_token": "abc"},
    {"token": TOKEN_SECRET, "password": "p"},
])
def test_two_kinds_of_credentials_are_refused(kwargs: dict) -> None:
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials(**kwargs)
    assert caught.value.field == "credentials"
    assert TOKEN_SECRET not in str(caught.value)


def test_no_credentials_at_all_are_refused() -> None:
    with pytest.raises(SmsValidationError) as caught:
        choose_credentials()
    assert "no credentials" in str(caught.value)


@pytest.mark.parametrize("kwargs, secret", [
    ({"token_id": TOKEN_ID, "token": TOKEN_SECRET}, TOKEN_SECRET),
    ({"username": "ops@example.com", "password": "hunter2-secret"}, "hunter2-secret"),
    ({"access_token": "bearer-secret-xyz"}, "bearer-secret-xyz"),
])
def test_repr_and_str_hide_the_secret(kwargs: dict, secret: str) -> None:
    credentials = choose_credentials(**kwargs)
    assert secret not in repr(credentials)
    assert secret not in str(credentials)


@pytest.mark.parametrize("status, words", [
    (400, "bad request"), (401, "wrong credentials"), (402, "balance"), (403, "sessions:sms:write"),
    (404, "wrong endpoint"), (405, "method"), (415, "content type"), (500, "server error"),
    (429, "too many"), (503, "temporarily"),
])
def test_explain_status_uses_plain_words(status: int, words: str) -> None:
    assert words in explain_status(status)


def test_explain_status_covers_unlisted_statuses() -> None:
    assert "server error" in explain_status(599)
    assert explain_status(418) == "unexpected answer from the API"


def test_403_explanation_names_every_cause() -> None:
    text = explain_status(403)
    assert "booked" in text and "smsId" in text


@pytest.mark.parametrize("status, temporary", [(429, True), (502, True), (503, True), (504, True), (500, True),
                                               (400, False), (401, False), (402, False), (403, False), (415, False)])
def test_error_from_status_says_whether_it_is_temporary(status: int, temporary: bool) -> None:
    error = SipgateError.from_status(status, "POST /sessions/sms")
    assert error.temporary is temporary
    assert error.status == status
    assert error.delivery == NOT_DELIVERED
    assert str(error).startswith("POST /sessions/sms failed with HTTP {0}: ".format(status))


def test_error_from_status_quotes_at_most_200_characters_of_the_answer() -> None:
    error = SipgateError.from_status(400, "POST /sessions/sms", "x" * 1000)
    assert "(sipgate said: " + "x" * 200 + ")" in error.message
    assert "x" * 201 not in error.message


def test_error_as_dict_has_all_fields() -> None:
    error = SipgateError("lost", delivery=DELIVERY_UNKNOWN, temporary=True)
    assert error.as_dict() == {"msg": "lost", "status": None, "delivery": DELIVERY_UNKNOWN, "temporary": True}


def test_validation_error_names_field_problem_and_fix() -> None:
    error = SmsValidationError("sms_id", "'x' is wrong", "use s0")
    assert str(error) == "sms_id: 'x' is wrong; use s0"
    assert isinstance(error, ValueError)
