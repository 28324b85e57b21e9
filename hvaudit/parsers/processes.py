"""hvaudit's own `vm-processes` answer: "name count" lines (executable names lower-cased)."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict


def parse_process_counts(text: str) -> Dict[str, int]:
    out: Dict[str, int] = {}
    for line in text.splitlines():
        name, _, count = line.strip().rpartition(" ")
        if name and count.isdigit():
            out[name.lower()] = int(count)
    return out
