"""Text from the machine or a capture, made safe to show on one line: control and format
characters (escape sequences, bidirectional overrides, NUL) and bytes that were not UTF-8
become visible escapes, so that no string read can act as markup or a terminal command."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Mapping, Optional

_NAMED = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def escape_char(c: str) -> str:
    """One character that is not printable, as an escape: `\\n`, `\\x1b`, `\\u202e`; a byte
    that was not UTF-8 (decoded with surrogateescape) as the byte, `\\xff`."""
    code = ord(c)
    if 0xDC80 <= code <= 0xDCFF:
        return "\\x%02x" % (code - 0xDC00)
    if c in _NAMED:
        return _NAMED[c]
    if code < 0x100:
        return "\\x%02x" % code
    if code < 0x10000:
        return "\\u%04x" % code
    return "\\U%08x" % code


def shown(value: object, limit: Optional[int] = 200, replace: Optional[Mapping[str, str]] = None) -> str:
    """`value` (text, bytes or anything with a str()) as printable text, each character that
    is not printable escaped or, where `replace` names it, replaced; at most `limit`
    characters (by default what one line of a message holds), the last an ellipsis when cut."""
    text = value if isinstance(value, str) else os.fsdecode(value) if isinstance(value, bytes) else str(value)
    if not text.isprintable():
        swap = replace or {}
        text = "".join(c if c.isprintable() else swap.get(c) or escape_char(c) for c in text)
    if limit is not None and len(text) > limit:
        text = text[:limit - 1] + "…"
    return text
