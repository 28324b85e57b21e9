"""hvaudit's own `vm-processes` answer: "name count" lines (executable names lower-cased)."""

from __future__ import annotations

from . import number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict


def parse_process_counts(text: str) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for line in text.splitlines():
        name, _, count = line.strip().rpartition(" ")
        value = number(count)
        if name and value is not None and value >= 0:
            out[name.lower()] = value
    return out
