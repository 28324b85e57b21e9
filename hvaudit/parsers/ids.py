"""User and group id files: /etc/subuid, /etc/subgid (subuid(5), subgid(5))."""

from __future__ import annotations

from typing import List, NamedTuple


class SubIdRange(NamedTuple):
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
        if len(parts) == 3 and parts[1].isdigit() and parts[2].isdigit():
            out.append(SubIdRange(parts[0], int(parts[1]), int(parts[2])))
    return out
