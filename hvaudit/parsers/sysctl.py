"""sysctl(8) output on FreeBSD and macOS: one "name: value" line per variable."""

from __future__ import annotations

import re

from . import number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, List, Mapping, Optional

_LINE = re.compile(r"^([A-Za-z_][\w.%-]*)(?::| =) ?(.*)$")


def parse_sysctl(text: str) -> Dict[str, str]:
    """`sysctl name ...` or `sysctl -a` output -> {name: value}. A line that does not start
    with a name continues the previous value (a few values span lines); "name = value", the
    form of older macOS releases, is read too. Values are kept as text, trimmed."""
    values: Dict[str, List[str]] = {}
    last: Optional[str] = None
    for line in text.splitlines():
        match = _LINE.match(line)
        if match and "." in match.group(1):
            last = match.group(1)
            values[last] = [match.group(2).strip()]
        elif last is not None and line.strip():
            values[last].append(line.strip())  # joined once at the end: linear in the text
    return {name: "\n".join(parts).strip() for name, parts in values.items()}


def sysctl_int(values: Mapping[str, str], name: str) -> Optional[int]:
    """An integer variable (decimal or 0x hex), or None when absent or not a number."""
    value = values.get(name, "").strip()
    return number(value, 16) if value.lower().startswith("0x") else number(value)


def sysctl_words(values: Mapping[str, str], name: str) -> FrozenSet[str]:
    """A space-separated list (macOS machdep.cpu.features), upper-cased."""
    return frozenset(w.upper() for w in values.get(name, "").split())
