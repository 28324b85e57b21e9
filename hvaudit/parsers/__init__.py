"""Pure functions from text (or bytes) to data. They never raise on malformed input."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Union

_DIGITS = {2: frozenset("01"), 8: frozenset("01234567"), 10: frozenset("0123456789"),
           16: frozenset("0123456789abcdefABCDEF")}
#: No number a kernel file, a tool or a capture holds for hvaudit is longer (a 64-bit value
#: is 20 decimal or 16 hex digits; the widest masks read are a few hundred bits).
MAX_DIGITS = 128


def number(text: Optional[str], base: int = 10) -> Optional[int]:
    """An integer (a leading "-" allowed) written in ASCII digits of `base` ("0x" allowed for 16; base 0
    reads 0x, 0o, 0b prefixes or decimal); None for anything else. int() accepts what no
    kernel writes ("²", "١٢", "1_0", " 1 ") and raises on 5,000 digits; this never raises."""
    if text is None:
        return None
    text = text.strip()
    if text[:1] == "-":
        value = number(text[1:], base) if text[1:2] != "-" else None
        return -value if value is not None else None
    if base == 0:
        prefix = text[:2].lower()
        base = {"0x": 16, "0o": 8, "0b": 2}.get(prefix, 10)
        if base != 10:
            text = text[2:]
    elif base == 16 and text[:2].lower() == "0x":
        text = text[2:]
    if not text or len(text) > MAX_DIGITS or not set(text) <= _DIGITS[base]:
        return None
    return int(text, base)


#: How deep JSON from outside (a capture's capture.json, a Windows tool's ConvertTo-Json) may
#: nest: a capture needs 4 levels, ConvertTo-Json writes at most its -Depth (hvaudit asks
#: for 4). Deeper is refused as data at this one limit, so no later step (redaction,
#: reports) can meet a value deeper than it handles.
MAX_JSON_DEPTH = 64


class TooDeep(ValueError):
    pass


def load_json(text: Union[str, bytes]) -> Any:
    """json.loads, refusing values nested deeper than MAX_JSON_DEPTH with TooDeep (also a
    ValueError, as every other malformed input)."""
    import json

    try:
        value = json.loads(text)
    except RecursionError:
        raise TooDeep("nested too deeply") from None
    stack = [(value, 1)]  # iterative: the check itself never recurses
    while stack:
        item, depth = stack.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, (dict, list)):
                if depth + 1 > MAX_JSON_DEPTH:
                    raise TooDeep("nested too deeply")
                stack.append((child, depth + 1))
    return value
