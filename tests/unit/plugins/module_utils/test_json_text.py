# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON of state files and journals without importing json: the same text, the same values, the same errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.sipgateio.sms.plugins.module_utils.sipgate_api import json_text

MODULE_UTILS = Path(__file__).resolve().parents[4] / "plugins" / "module_utils"

# Anything a state file or a journal line may hold, and more: any text, nesting, big and odd numbers.
documents = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda children: st.one_of(st.lists(children, max_size=5), st.dictionaries(st.text(max_size=8), children, max_size=5)),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(data=documents, sort_keys=st.booleans(), ensure_ascii=st.booleans(), compact=st.booleans())
def test_dumps_writes_what_json_writes(data: object, sort_keys: bool, ensure_ascii: bool, compact: bool) -> None:
    separators = json_text.COMPACT if compact else json_text.SEPARATORS
    assert json_text.dumps(data, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators) == json.dumps(
        data, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators)


@settings(max_examples=300, deadline=None)
@given(data=documents, padding=st.sampled_from(["", " ", "\n", " \t\r\n "]))
def test_loads_reads_what_json_reads(data: object, padding: str) -> None:
    text = padding + json.dumps(data) + padding
    assert json_text.loads(text) == json.loads(text)


@pytest.mark.parametrize("text", ["", "   ", "{", '{"a": 1} x', '{"a": 1}{}', "[1, 2,]", "\ufeff{}", "nul", '"\x01"', "[" * 100_000,
                                  '{"a": NaN, "b": -Infinity}', "1e999", "-0"])
def test_loads_accepts_and_refuses_what_json_does_in_its_words(text: str) -> None:
    try:
        expected = json.loads(text)
    except (ValueError, RecursionError) as error:
        with pytest.raises(type(error)) as refused:
            json_text.loads(text)
        assert str(refused.value) == str(error)
        return
    assert json.dumps(json_text.loads(text)) == json.dumps(expected)


def test_what_json_cannot_write_is_refused_as_json_refuses_it() -> None:
    for value in ({"a": {1, 2}}, {(1, 2): "tuple key"}, [object()]):
        with pytest.raises(TypeError) as refused:
            json_text.dumps(value)
        with pytest.raises(TypeError) as by_json:
            json.dumps(value)
        assert str(refused.value) == str(by_json.value)
    circular: list = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        json_text.dumps(circular)


def test_reading_and_writing_imports_neither_json_nor_re() -> None:
    code = ("import sys\n"
            "from sipgate_api import json_text\n"
            "assert json_text.loads(json_text.dumps({'a': [1, 2.5, None]}, sort_keys=True)) == {'a': [1, 2.5, None]}\n"
            "print(sorted(name for name in ('json', 're', 'enum') if name in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=str(MODULE_UTILS), capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
