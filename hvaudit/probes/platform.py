"""Helpers the FreeBSD, Windows and macOS probes share (no probes here)."""

from __future__ import annotations

from typing import Dict, Iterator, Mapping, Optional

from ..model import Evidence, Strength
from ..sources import Source
from . import ev

#: Where evidence from sysctl(8) (FreeBSD, macOS) is said to come from.
SYSCTL = "cmd:sysctl"


def sysctl_values(src: Source) -> Optional[Dict[str, str]]:
    """The sysctl helper's answers, or None when it could not be run."""
    from ..parsers.sysctl import parse_sysctl

    read = src.command("sysctl")
    return parse_sysctl(read.text or "") if read.seen else None


def firmware_identity(pid: str, origin: str, fields: Mapping[str, str]) -> Iterator[Evidence]:
    """The firmware's identity, and the vendor claims of the DMI table, from fields named as
    Linux's /sys/class/dmi/id names them (FreeBSD's smbios.* and Windows' CIM are mapped)."""
    from ..signatures import dmi_claims

    if not fields:
        return
    summary = ", ".join("%s=%s" % (k, fields[k]) for k in ("sys_vendor", "product_name", "bios_vendor")
                        if k in fields)
    yield ev(pid, origin, summary, note="the machine's identity as its firmware states it")
    for (facet, value), (field_name, raw, hint) in dmi_claims(fields).items():
        strength = Strength.HINT if hint else Strength.WEAK if facet == "vm" else Strength.STRONG
        yield ev(pid, "%s %s" % (origin, field_name), raw, facet, value, strength,
                 "a default string that several kinds of machine show" if hint else
                 "a vendor string: it names the vendor, not whether this is a VM")


def vm_process_counts(src: Source) -> Optional[Dict[str, int]]:
    """How many processes of each VM-holding name run (LiveSource's vm-processes answer),
    None when it could not be had."""
    from ..parsers.processes import parse_process_counts

    read = src.command("vm-processes")
    return parse_process_counts(read.text or "") if read.seen else None
