"""Helpers the FreeBSD, Windows and macOS probes share (no probes here)."""

from __future__ import annotations

from typing import Dict, Optional

from ..sources import Source

#: Where evidence from sysctl(8) (FreeBSD, macOS) is said to come from.
SYSCTL = "cmd:sysctl"


def sysctl_values(src: Source) -> Optional[Dict[str, str]]:
    """The sysctl helper's answers, or None when it could not be run."""
    from ..parsers.sysctl import parse_sysctl

    read = src.command("sysctl")
    return parse_sysctl(read.text or "") if read.seen else None


def vm_process_counts(src: Source) -> Optional[Dict[str, int]]:
    """How many processes of each VM-holding name run (LiveSource's vm-processes answer),
    None when it could not be had."""
    from ..parsers.processes import parse_process_counts

    read = src.command("vm-processes")
    return parse_process_counts(read.text or "") if read.seen else None
