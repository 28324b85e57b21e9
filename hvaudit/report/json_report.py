"""The JSON report: Report.to_dict(), validated by hvaudit/schema/report.schema.json.

Non-ASCII text is written as is, except characters that are invisible or that change how
a terminal or an editor shows the text around them (C1 controls, bidirectional overrides,
zero-width and other format characters, line separators, lone surrogates from undecodable
bytes): those are written as JSON escapes (`\\u202e`), so a reader of the file sees them
and a program reads the same string.
"""

from __future__ import annotations

from ..model import Report

try:  # json's own C string escaper, without the json package (which imports re)
    from _json import encode_basestring
except ImportError:  # an interpreter without the accelerator
    from json.encoder import encode_basestring

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    return visible_json(report.to_dict()) + "\n"


def visible_json(value: object) -> str:
    text = indented_json(value)
    if text.replace("\n", "").isprintable():  # the common case: nothing to escape
        return text
    return "".join(c if c == "\n" or c.isprintable() else _escape(c) for c in text)


class _Unusual(Exception):
    """A value indented_json leaves to json.dumps."""


def indented_json(value: object) -> str:
    """json.dumps(value, indent=2, ensure_ascii=False), character for character. json
    indents with its pure-Python encoder, which costs some 4 ms on every report; this
    walks the plain values a report holds (dict with str keys, list, tuple, str, int,
    float, bool, None) and escapes strings with json's own C function. Anything else
    (another key type, NaN, an object json would refuse, a cycle) goes to json.dumps,
    which writes or refuses it as it always did."""
    parts: List[str] = []
    try:
        _indented(value, parts, "\n")
    except (_Unusual, RecursionError):
        import json

        return json.dumps(value, indent=2, ensure_ascii=False)
    return "".join(parts)


def _indented(value: object, parts: List[str], newline: str) -> None:
    # json.encoder's own tests, in its order, so that subclasses fare as they do there.
    if isinstance(value, str):
        parts.append(encode_basestring(value))
    elif value is None:
        parts.append("null")
    elif value is True:
        parts.append("true")
    elif value is False:
        parts.append("false")
    elif isinstance(value, int):
        parts.append(int.__repr__(value))
    elif isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise _Unusual  # NaN and the infinities: json's spelling, from json
        parts.append(float.__repr__(value))
    elif isinstance(value, (list, tuple)):
        if not value:
            parts.append("[]")
            return
        inner = newline + "  "
        separator = "[" + inner
        for item in value:
            parts.append(separator)
            _indented(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "]")
    elif isinstance(value, dict):
        if not value:
            parts.append("{}")
            return
        inner = newline + "  "
        separator = "{" + inner
        for key, item in value.items():
            if not isinstance(key, str):
                raise _Unusual  # json turns numbers, booleans and None into keys its own way
            parts.append(separator)
            parts.append(encode_basestring(key))
            parts.append(": ")
            _indented(item, parts, inner)
            separator = "," + inner
        parts.append(newline + "}")
    else:
        raise _Unusual


def _escape(c: str) -> str:
    code = ord(c)
    if code < 0x10000:
        return "\\u%04x" % code
    code -= 0x10000
    return "\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
