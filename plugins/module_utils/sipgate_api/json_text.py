# -*- coding: utf-8 -*-
# Copyright: sipgateio.sms contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""JSON text of state files and journals, through the C codec of the standard library's ``json``.

``import json`` compiles regular expressions, and so imports ``re`` and ``enum``: milliseconds that
a notifier run which only decides would spend on nothing else. ``json`` does its work with the C
scanner and encoder of ``_json``; they are set up here the way ``json`` sets them up, so the text
and the values are the same. Anything they do not take (an error to explain, an interpreter
without them) goes to ``json`` itself, which then says what is wrong in its own words.
"""

from __future__ import annotations

try:
    import _json
except ImportError:  # an interpreter without the C codec: json does everything
    _json = None  # type: ignore[assignment]

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

# What json skips around a document.
WHITESPACE = " \t\n\r"
# json.dumps' separators unless told otherwise.
SEPARATORS = (", ", ": ")
COMPACT = (",", ":")


class _Decoding:
    """The settings that json.JSONDecoder() hands its C scanner."""

    strict = True
    object_hook = None
    object_pairs_hook = None
    parse_float = float
    parse_int = int
    parse_constant = {"-Infinity": float("-inf"), "Infinity": float("inf"), "NaN": float("nan")}.__getitem__


def _unserialisable(value: Any) -> Any:
    raise TypeError("Object of type {0} is not JSON serializable".format(value.__class__.__name__))


def _c_dumps(data: Any, sort_keys: bool, ensure_ascii: bool, separators: tuple) -> str:
    quote = _json.encode_basestring_ascii if ensure_ascii else _json.encode_basestring
    if isinstance(data, str):
        return quote(data)
    item_separator, key_separator = separators
    # The arguments json.JSONEncoder.iterencode gives it: circular check, default, quoting, no indent, separators,
    # sort_keys, skipkeys=False, allow_nan=True.
    encode = _json.make_encoder({}, _unserialisable, quote, None, key_separator, item_separator, sort_keys, False, True)
    return "".join(encode(data, 0))


def _c_scanner() -> Any:
    """The C scanner, when this interpreter's C codec is the one described above (it is no public interface)."""
    if _json is None:
        return None
    sample = {"b": [1, 2.5, None, True, "\u00e9\u20ac"], "a": {"x": ""}}
    try:
        scan = _json.make_scanner(_Decoding)  # type: ignore[arg-type]
        text = _c_dumps(sample, True, True, SEPARATORS)
        value, end = scan(text, 0)
    except Exception:  # pylint: disable=broad-exception-caught  # any surprise means: leave it all to json
        return None
    agrees = text == '{"a": {"x": ""}, "b": [1, 2.5, null, true, "\\u00e9\\u20ac"]}' and value == sample and end == len(text)
    return scan if agrees else None


_scan = _c_scanner()


def loads(text: str) -> Any:
    """What ``json.loads(text)`` returns for the document ``text``, and the same error when it is none."""
    if _scan is not None:
        start = len(text) - len(text.lstrip(WHITESPACE))
        try:
            value, end = _scan(text, start)
        except Exception:  # pylint: disable=broad-exception-caught
            pass  # not a document: json says why, below (the C scanner words its errors only once json is imported)
        else:
            if end == len(text) or not text[end:].strip(WHITESPACE):
                return value
    import json  # pylint: disable=import-outside-toplevel

    return json.loads(text)


def dumps(data: Any, sort_keys: bool = False, ensure_ascii: bool = True, separators: tuple = SEPARATORS) -> str:
    """``json.dumps(data, sort_keys=..., ensure_ascii=..., separators=...)``."""
    if _scan is not None:
        return _c_dumps(data, sort_keys, ensure_ascii, separators)
    import json  # pylint: disable=import-outside-toplevel

    return json.dumps(data, sort_keys=sort_keys, ensure_ascii=ensure_ascii, separators=separators)
