# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The helper's values behave as the frozen dataclasses they replace: compared, hashed and shown by their fields, never changed."""

from __future__ import annotations

import copy
import pickle

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.client import RetryPolicy
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.connection import Connection
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.credentials import TOKEN, Credentials
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.delivery import Delivery, Outcome
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.encoding import SmsSize
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import DELIVERED
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.request import SmsRequest

SECRET = "0f5b5d0e-secret"


def test_values_with_equal_fields_are_equal_and_hash_alike() -> None:
    sms = SmsRequest("s0", "+4915799912345", "hello")
    assert sms == SmsRequest("s0", "+4915799912345", "hello") and hash(sms) == hash(SmsRequest("s0", "+4915799912345", "hello"))
    assert sms != SmsRequest("s0", "+4915799912345", "hello", send_at=1_800_000_000)
    assert sms != ("s0", "+4915799912345", "hello", None) and len({sms, SmsRequest("s0", "+4915799912345", "hello")}) == 1
    assert RetryPolicy() == RetryPolicy(3, 0.5, 30.0) and Delivery((Outcome(sms, DELIVERED),)) == Delivery((Outcome(sms, DELIVERED),), "")


def test_repr_names_the_fields_but_never_the_secret() -> None:
    credentials = Credentials(TOKEN, "token-T", SECRET)
    assert repr(credentials) == "Credentials(kind='personal access token', identity='token-T')"
    assert repr(SmsRequest("s0", "+4915799912345", "hi")) == (
        "SmsRequest(sms_id='s0', recipient='+4915799912345', message='hi', send_at=None, size=SmsSize(encoding='gsm7', units=2, segments=1))")
    assert SECRET not in repr(Connection(credentials, api_url="https://api.sipgate.com/v2"))


@pytest.mark.parametrize("value, field", [(SmsSize("gsm7", 2, 1), "units"), (RetryPolicy(), "retries"),
                                          (Credentials(TOKEN, "token-T", SECRET), "secret")])
def test_a_field_cannot_be_changed_or_deleted(value: object, field: str) -> None:
    with pytest.raises(AttributeError, match=field):
        setattr(value, field, 0)
    with pytest.raises(AttributeError, match=field):
        delattr(value, field)


def test_a_value_survives_copy_and_pickle() -> None:
    sms = SmsRequest("s0", "+4915799912345", "hello \u20ac")
    for twin in (copy.copy(sms), copy.deepcopy(sms), pickle.loads(pickle.dumps(sms))):
        assert twin == sms and twin.size == sms.size and twin is not sms


def test_a_connection_still_refuses_bad_limits_when_made() -> None:
    credentials = Credentials(TOKEN, "token-T", SECRET)
    with pytest.raises(ValueError, match="concurrency"):
        Connection(credentials, concurrency=0)
