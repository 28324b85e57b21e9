"""User and group id files: /etc/subuid, /etc/subgid (subuid(5), subgid(5))."""

from __future__ import annotations

from ..records import Record
from . import number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List


class SubIdRange(Record):
    owner: str  # a user name or a numeric uid
    start: int
    length: int  # ids in the range ("count" would hide the tuple's own count())


def parse_subid(text: str) -> List[SubIdRange]:
    """"owner:start:count" lines; comments and malformed lines are skipped."""
    out: List[SubIdRange] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(":")
        start, count = (number(parts[1]), number(parts[2])) if len(parts) == 3 else (None, None)
        if start is not None and count is not None and start >= 0 and count >= 0:
            out.append(SubIdRange(parts[0], start, count))
    return out
