"""macOS's capabilities: Hypervisor.framework (what every VM app on a Mac runs on) and the
CPU features beneath it. Every check answers None on another system.

Sources: Apple Developer, "Hypervisor" (kern.hv_support; on Intel, VT-x with Extended Page
Tables and Unrestricted Mode is required), Apple's sysctl names (kern.hv_vmm_present,
machdep.cpu.features, hw.optional.arm64); nested virtualization for Apple silicon guests
needs an M3 or later and macOS 15 (Apple Developer, Virtualization framework,
VZGenericPlatformConfiguration.isNestedVirtualizationSupported).
"""

from __future__ import annotations

from ..facts import Facts
from ..model import Check
from ..sources import Source
from ..views import DARWIN, SYSCTL
from . import Notes, check
from .platform import NESTED_REMEDY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Optional


def _apple_silicon(src: Source, values: Dict[str, str]) -> bool:
    return values.get("hw.optional.arm64") == "1" or src.uname().get("machine") == "arm64"


@check(systems=(DARWIN,))
def hvf(facts: Facts) -> Optional[Check]:
    """Hypervisor.framework: kern.hv_support is 1 where apps (QEMU's hvf accelerator, UTM,
    Docker Desktop, Parallels, VMware Fusion) can run hardware-assisted VMs."""
    n = Notes("hvf")
    values = facts.sysctl()
    if values is None or "kern.hv_support" not in values:
        return n.done("unknown", "hvf.unreadable")
    ok = values["kern.hv_support"] == "1"
    guest = values.get("kern.hv_vmm_present") == "1"
    silicon = _apple_silicon(facts.src, values)
    details: Dict[str, object] = {"apple_silicon": silicon, "in_vm": guest}
    n.add(SYSCTL + " kern.hv_support", values["kern.hv_support"])
    if ok:
        return n.done("pass", "hvf.available-nested" if guest else "hvf.available", **details)
    if guest:
        return n.done("fail", "hvf.unavailable-in-vm", "remedy.hvf-nested", **details)
    return n.done("fail", "hvf.unavailable-arm" if silicon else "hvf.unavailable-intel", **details)


@check(systems=(DARWIN,))
def cpu_hav(facts: Facts) -> Optional[Check]:
    """cpu-hav on macOS: VMX among machdep.cpu.features on Intel Macs; on Apple silicon the
    Arm virtualization extensions (EL2), which kern.hv_support reports usable."""
    from ..parsers.sysctl import sysctl_words

    n = Notes("cpu-hav")
    values = facts.sysctl()
    if values is None:
        return n.done("unknown", "sysctl-failed")
    guest = values.get("kern.hv_vmm_present") == "1" if "kern.hv_vmm_present" in values else facts.guest
    if _apple_silicon(facts.src, values):
        ok = values.get("kern.hv_support") == "1"
        state = "unknown" if "kern.hv_support" not in values else "pass" if ok else "fail"
        n.add(SYSCTL + " kern.hv_support", values.get("kern.hv_support", "absent"))
        return n.done(state, "cpu-hav.arm-el2-usable" if ok else "cpu-hav.arm-el2-unusable",
                      extension="arm-el2", present=ok if state != "unknown" else None, guest=guest)
    words = sysctl_words(values, "machdep.cpu.features")
    if not words:
        where = "machdep.cpu.features"
        return n.done("unknown", "cpu-hav.features-unreadable", None, {"where": where},
                      extension="VT-x", guest=guest)
    ok = "VMX" in words
    n.add(SYSCTL + " machdep.cpu.features", "VMX" if ok else "no VMX")
    return n.done("pass" if ok else "fail", "cpu-hav.present" if ok else "cpu-hav.missing",
                  None if ok or values.get("kern.hv_vmm_present") != "1" else NESTED_REMEDY,
                  {"extension": "VT-x"}, extension="VT-x", present=ok, guest=guest)


@check(systems=(DARWIN,))
def cpu_slat(facts: Facts) -> Optional[Check]:
    """cpu-slat on macOS: neither system lists EPT or stage-2 translation, but
    Hypervisor.framework requires EPT on Intel and stage 2 is part of Arm's extensions, so
    kern.hv_support=1 implies it; without it, unknown."""
    n = Notes("cpu-slat")
    values = facts.sysctl() or {}
    silicon = _apple_silicon(facts.src, values)
    kind = "stage-2 translation" if silicon else "Intel EPT"
    if values.get("kern.hv_support") == "1":
        n.add(SYSCTL + " kern.hv_support", "1")
        return n.done("pass", "cpu-slat.required-by-hvf", None, {"extension": kind}, extension=kind, present=True)
    return n.done("unknown", "cpu-slat.not-reported-by-macos", None, {"extension": kind}, extension=kind)
