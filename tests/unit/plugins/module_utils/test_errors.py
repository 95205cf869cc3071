# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP statuses in plain words, what each says about a send, whether trying later may help, and no secrets."""

from __future__ import annotations

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import (SipgateError, SmsValidationError,
                                                                                       explain_status, redact)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import NOT_DELIVERED, UNKNOWN, UNSENDABLE

SEND = "POST /sessions/sms"
# The words a user must find for each documented status.
DOCUMENTED = {
    400: ["bad request", "empty", "sendAt"],
    401: ["wrong credentials"],
    402: ["insufficient balance"],
    403: ["no permission", "not be booked", "sessions:sms:write", "smsId"],
    404: ["wrong endpoint", "api_url"],
    405: ["wrong HTTP method"],
    415: ["wrong content type", "application/json"],
    429: ["too many"],
    500: ["server error", "bad request", "nothing was sent"],
    503: ["temporarily"],
}


@pytest.mark.parametrize("status", sorted(DOCUMENTED))
def test_a_documented_status_has_its_plain_words(status: int) -> None:
    explanation = explain_status(status)
    for words in DOCUMENTED[status]:
        assert words in explanation


@pytest.mark.parametrize("status", sorted(DOCUMENTED))
def test_an_error_from_a_status_carries_status_request_and_words(status: int) -> None:
    error = SipgateError.from_status(status, SEND)
    assert error.status == status
    assert str(error).startswith("POST /sessions/sms failed with HTTP {0}: ".format(status))
    assert explain_status(status) in str(error)


def test_a_refused_read_is_about_a_scope_not_the_extension() -> None:
    assert "scope" in explain_status(403, "GET /history") and "smsId" not in explain_status(403, "GET /history")


def test_undocumented_statuses_still_get_words() -> None:
    assert explain_status(507) == "sipgate server error"
    assert explain_status(418) == "unexpected answer from the API"


@pytest.mark.parametrize("status, delivery", [
    (400, UNSENDABLE), (413, UNSENDABLE), (422, UNSENDABLE),
    (401, NOT_DELIVERED), (402, NOT_DELIVERED), (403, NOT_DELIVERED), (404, NOT_DELIVERED), (415, NOT_DELIVERED),
    (429, NOT_DELIVERED), (500, NOT_DELIVERED), (503, NOT_DELIVERED),
    (502, UNKNOWN), (504, UNKNOWN),
])
def test_what_a_status_says_about_a_send(status: int, delivery: str) -> None:
    error = SipgateError.from_status(status, SEND)
    assert error.delivery == delivery
    assert ("delivery unknown" in error.message) is (delivery == UNKNOWN)


@pytest.mark.parametrize("status", [502, 504, 400])
def test_a_failed_read_never_makes_a_send_unknown_or_unsendable(status: int) -> None:
    assert SipgateError.from_status(status, "GET /balance").delivery == NOT_DELIVERED


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 415, 422])
def test_client_errors_are_permanent(status: int) -> None:
    assert SipgateError.from_status(status, SEND).temporary is False


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
def test_throttling_and_server_errors_are_temporary(status: int) -> None:
    assert SipgateError.from_status(status, SEND).temporary is True


def test_only_a_malformed_sms_leaves_the_rest_of_a_batch_worth_trying() -> None:
    assert not SipgateError.from_status(400, SEND).concerns_every_sms
    assert SipgateError.from_status(401, SEND).concerns_every_sms
    assert SipgateError("timed out", delivery=UNKNOWN).concerns_every_sms


def test_sipgates_detail_is_quoted_on_one_line_but_bounded() -> None:
    error = SipgateError.from_status(400, SEND, "line one\nline two " + "x" * 100000)
    assert "(sipgate said: line one line two xxx" in str(error)
    assert len(str(error)) < 600


def test_an_empty_detail_adds_nothing() -> None:
    assert "sipgate said" not in str(SipgateError.from_status(401, "GET /balance", ""))


@pytest.mark.parametrize("text", [
    "Authorization: Basic dG9rZW4tQUJDMTIzOnNlY3JldA==",
    "header Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature",
    '{"password": "hunter2", "user": "x"}',
    "token=0f5b5d0e-4a52-4c8e-9a3e-5d1f2c7b9e01&x=1",
])
def test_anything_that_looks_like_a_credential_is_redacted(text: str) -> None:
    shown = redact(text)
    assert "[redacted]" in shown
    for secret in ("dG9rZW4tQUJDMTIzOnNlY3JldA==", "eyJhbGciOiJIUzI1NiJ9", "hunter2", "0f5b5d0e-4a52"):
        assert secret not in shown


def test_known_secrets_are_redacted_wherever_they_stand() -> None:
    assert redact("echo: abc-secret-123 done", ["abc-secret-123"]) == "echo: [redacted] done"


def test_as_dict_reports_every_attribute() -> None:
    error = SipgateError("lost", delivery=UNKNOWN, temporary=True)
    assert error.as_dict() == {"msg": "lost", "status": None, "delivery": UNKNOWN, "temporary": True}


def test_a_validation_error_names_field_problem_and_fix() -> None:
    error = SmsValidationError("send_at", "'x' is not a time", "use Unix seconds")
    assert str(error) == "send_at: 'x' is not a time; use Unix seconds"
    assert isinstance(error, ValueError) and error.field == "send_at"
