# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The module's write-ahead record of sent SMS: intent before the request, outcome after, read back by later runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.outcomes import (DELIVERED, IN_FLIGHT, NOT_DELIVERED,
                                                                                         UNKNOWN, UNSENDABLE)
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.sent_record import KEEP_SECONDS, opened, peek
from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api.state_file import StateFileError, write_atomically


def on_disk(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def test_an_earlier_send_within_the_window_is_found_and_outside_it_is_not(tmp_path: Path) -> None:
    path = tmp_path / "sent.json"
    write_atomically(path, {"k": {"at": 1000.0, "outcome": DELIVERED}})
    record = peek(path)
    assert record.earlier("k", window=3600, now=1000.0 + 3600) == {"at": 1000.0, "outcome": DELIVERED}
    assert record.earlier("k", window=3600, now=1000.0 + 3601) is None
    assert record.earlier("k", window=0, now=1000.0) is None
    assert record.earlier("other", window=3600, now=1000.0) is None


def test_a_send_left_in_flight_reads_as_delivery_unknown(tmp_path: Path) -> None:
    path = tmp_path / "sent.json"
    write_atomically(path, {"k": {"at": 1000.0, "outcome": IN_FLIGHT}})
    assert peek(path).earlier("k", window=3600, now=1001.0) == {"at": 1000.0, "outcome": UNKNOWN}


def test_begin_writes_the_intent_before_anything_else_happens(tmp_path: Path) -> None:
    path = tmp_path / "sent.json"
    with opened(path, 5000.0) as record:
        record.begin(["a", "b"], 5000.0)
        assert on_disk(path) == {"a": {"at": 5000.0, "outcome": IN_FLIGHT}, "b": {"at": 5000.0, "outcome": IN_FLIGHT}}


def test_settle_keeps_what_may_have_reached_a_phone_and_forgets_what_surely_did_not(tmp_path: Path) -> None:
    path = tmp_path / "sent.json"
    with opened(path, 5000.0) as record:
        record.begin(["a", "b", "c", "d"], 5000.0)
        record.settle([("a", DELIVERED), ("b", UNKNOWN), ("c", NOT_DELIVERED), ("d", UNSENDABLE)], 5001.0)
    assert on_disk(path) == {"a": {"at": 5001.0, "outcome": DELIVERED}, "b": {"at": 5001.0, "outcome": UNKNOWN}}


def test_opening_drops_entries_older_than_the_keep_period(tmp_path: Path) -> None:
    path = tmp_path / "sent.json"
    now = 10.0 * KEEP_SECONDS
    write_atomically(path, {"old": {"at": now - KEEP_SECONDS - 1, "outcome": DELIVERED}, "new": {"at": now - 5, "outcome": DELIVERED}})
    with opened(path, now) as record:
        assert set(record.entries) == {"new"}
        record.begin([], now)
    assert set(on_disk(path)) == {"new"}


def test_peek_creates_nothing(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "sent.json"
    assert peek(path).entries == {}
    assert not (tmp_path / "sub").exists()


@pytest.mark.parametrize("data", [[1, 2], {"k": 3}, {"k": {"at": "abc", "outcome": DELIVERED}}, {"k": {"at": 1}},
                                  {"k": {"at": True, "outcome": DELIVERED}}])
def test_a_malformed_record_is_refused_with_its_path_before_anything_is_written(tmp_path: Path, data: object) -> None:
    path = tmp_path / "sent.json"
    write_atomically(path, data)
    with pytest.raises(StateFileError) as caught:
        with opened(path, 0.0):
            pass
    assert str(path) in str(caught.value) and "move it aside" in str(caught.value)
    with pytest.raises(StateFileError):
        peek(path)
    assert on_disk(path) == data
