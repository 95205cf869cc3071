# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""HTTP statuses in plain words, and whether trying later may help."""

from __future__ import annotations

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.errors import (
    DELIVERY_UNKNOWN, NOT_DELIVERED, SipgateError, SmsValidationError, explain_status)

# Design §3: the words a user must find for each documented status.
DOCUMENTED = {
    400: ["bad request", "empty", "sendAt"],
    401: ["wrong credentials"],
    402: ["insufficient balance"],
    403: ["no permission", "not be booked", "sessions:sms:write", "smsId"],
    404: ["wrong endpoint", "api_url"],
    405: ["wrong HTTP method"],
    415: ["wrong content type", "application/json"],
    500: ["server error", "bad request"],
}


@pytest.mark.parametrize("status", sorted(DOCUMENTED))
def test_documented_status_has_its_plain_words(status: int) -> None:
    explanation = explain_status(status)
    for words in DOCUMENTED[status]:
        assert words in explanation


@pytest.mark.parametrize("status", sorted(DOCUMENTED))
def test_error_from_status_carries_status_request_and_words(status: int) -> None:
    error = SipgateError.from_status(status, "POST /sessions/sms")
    assert error.status == status
    assert error.delivery == NOT_DELIVERED
    assert str(error).startswith("POST /sessions/sms failed with HTTP {0}: ".format(status))
    assert explain_status(status) in str(error)


@pytest.mark.parametrize("status", [400, 401, 402, 403, 404, 405, 415, 422])
def test_client_errors_are_permanent(status: int) -> None:
    assert SipgateError.from_status(status, "POST /sessions/sms").temporary is False


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504, 599])
def test_throttling_and_server_errors_are_temporary(status: int) -> None:
    assert SipgateError.from_status(status, "POST /sessions/sms").temporary is True


def test_undocumented_statuses_still_get_words() -> None:
    assert explain_status(507) == "sipgate server error"
    assert explain_status(418) == "unexpected answer from the API"


def test_sipgate_detail_is_quoted_but_bounded() -> None:
    error = SipgateError.from_status(400, "POST /sessions/sms", "x" * 100000)
    assert "(sipgate said: xxx" in str(error)
    assert len(str(error)) < 500


def test_empty_detail_adds_nothing() -> None:
    assert "sipgate said" not in str(SipgateError.from_status(401, "GET /balance", ""))


def test_as_dict_reports_every_attribute() -> None:
    error = SipgateError("lost", delivery=DELIVERY_UNKNOWN, temporary=True)
    assert error.as_dict() == {"msg": "lost", "status": None, "delivery": DELIVERY_UNKNOWN, "temporary": True}


def test_validation_error_names_field_problem_and_fix() -> None:
    error = SmsValidationError("send_at", "'x' is not a time", "use Unix seconds")
    assert str(error) == "send_at: 'x' is not a time; use Unix seconds"
    assert isinstance(error, ValueError)
