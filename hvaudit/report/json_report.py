"""The JSON report: Report.to_dict(), validated by hvaudit/schema/report.schema.json.

Non-ASCII text is written as is, except characters that are invisible or that change how
a terminal or an editor shows the text around them (C1 controls, bidirectional overrides,
zero-width and other format characters, line separators, lone surrogates from undecodable
bytes): those are written as JSON escapes (`\\u202e`), so a reader of the file sees them
and a program reads the same string.
"""

from __future__ import annotations

import json

from ..model import Report


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    return visible_json(report.to_dict()) + "\n"


def visible_json(value: object) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    if text.replace("\n", "").isprintable():  # the common case: nothing to escape
        return text
    return "".join(c if c == "\n" or c.isprintable() else _escape(c) for c in text)


def _escape(c: str) -> str:
    code = ord(c)
    if code < 0x10000:
        return "\\u%04x" % code
    code -= 0x10000
    return "\\u%04x\\u%04x" % (0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF))
