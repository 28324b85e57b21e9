"""Helpers the FreeBSD, Windows and macOS checks share (no checks here)."""

from __future__ import annotations

from typing import Sequence

from ..classify import HOST_ROLES
from ..model import Evidence
from ..probes.platform import SYSCTL  # noqa: F401 - the checks cite it

FIRMWARE_REMEDY = ("enable Intel VT-x (Virtualization Technology) or AMD-V (SVM) in the firmware setup, "
                   "then power the machine off and on")


def note(check_id: str, where: str, raw: str, text: str = "") -> Evidence:
    """Evidence a check relied on (no claim: checks do not vote on layers)."""
    return Evidence(check_id, where, raw=raw[:300], note=text)


def in_vm(evidence: Sequence[Evidence]) -> bool:
    """Whether the probes found a hypervisor below this system that is not its own (a host
    role, dom0 or Hyper-V's root partition, is not a guest)."""
    seen = [e for e in evidence if e.seen and e.claim is not None]
    if {e.claim.value for e in seen if e.claim and e.claim.facet == "role"} & HOST_ROLES:
        return False
    vm = [e for e in seen if e.claim and e.claim.facet == "vm"]
    yes = max((e.strength for e in vm if e.claim and e.claim.positive), default=0)
    no = max((e.strength for e in vm if e.claim and not e.claim.positive), default=0)
    return yes > 0 and yes >= no
