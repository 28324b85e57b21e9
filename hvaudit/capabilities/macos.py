"""macOS's capabilities: Hypervisor.framework (what every VM app on a Mac runs on) and the
CPU features beneath it. Every check answers None on another system.

Sources: Apple Developer, "Hypervisor" (kern.hv_support; on Intel, VT-x with Extended Page
Tables and Unrestricted Mode is required), Apple's sysctl names (kern.hv_vmm_present,
machdep.cpu.features, hw.optional.arm64); nested virtualization for Apple silicon guests
needs an M3 or later and macOS 15 (Apple Developer, Virtualization framework,
VZGenericPlatformConfiguration.isNestedVirtualizationSupported).
"""

from __future__ import annotations

from typing import Dict, Optional

from ..facts import Facts
from ..model import Check
from ..sources import Source
from ..views import DARWIN, SYSCTL
from . import Notes, check
from .platform import NESTED_REMEDY


def _apple_silicon(src: Source, values: Dict[str, str]) -> bool:
    return values.get("hw.optional.arm64") == "1" or src.uname().get("machine") == "arm64"


@check(systems=(DARWIN,))
def hvf(facts: Facts) -> Optional[Check]:
    """Hypervisor.framework: kern.hv_support is 1 where apps (QEMU's hvf accelerator, UTM,
    Docker Desktop, Parallels, VMware Fusion) can run hardware-assisted VMs."""
    n = Notes("hvf")
    values = facts.sysctl()
    if values is None or "kern.hv_support" not in values:
        return n.done("unknown", "kern.hv_support could not be read")
    ok = values["kern.hv_support"] == "1"
    guest = values.get("kern.hv_vmm_present") == "1"
    silicon = _apple_silicon(facts.src, values)
    details: Dict[str, object] = {"apple_silicon": silicon, "in_vm": guest}
    n.add(SYSCTL + " kern.hv_support", values["kern.hv_support"])
    if ok:
        return n.done("pass", "Hypervisor.framework is available%s" % (" (nested, in a VM)" if guest else ""),
                      **details)
    if guest:
        remedy = ("a macOS guest gets it only with nested virtualization: on Apple silicon an M3 or later host "
                  "with macOS 15, on Intel a host that passes VT-x with EPT")
        return n.done("fail", "Hypervisor.framework is unavailable in this VM", remedy, **details)
    return n.done("fail", "Hypervisor.framework is unavailable: the CPU lacks %s" % (
        "the virtualization extensions" if silicon else "VT-x with EPT and unrestricted mode"), **details)


@check(systems=(DARWIN,))
def cpu_hav(facts: Facts) -> Optional[Check]:
    """cpu-hav on macOS: VMX among machdep.cpu.features on Intel Macs; on Apple silicon the
    Arm virtualization extensions (EL2), which kern.hv_support reports usable."""
    from ..parsers.sysctl import sysctl_words

    n = Notes("cpu-hav")
    values = facts.sysctl()
    if values is None:
        return n.done("unknown", "sysctl(8) could not be run")
    guest = values.get("kern.hv_vmm_present") == "1" if "kern.hv_vmm_present" in values else facts.guest
    if _apple_silicon(facts.src, values):
        ok = values.get("kern.hv_support") == "1"
        state = "unknown" if "kern.hv_support" not in values else "pass" if ok else "fail"
        n.add(SYSCTL + " kern.hv_support", values.get("kern.hv_support", "absent"))
        return n.done(state, "Arm virtualization extensions (EL2) %s" % ("usable" if ok else "not usable here"),
                      extension="arm-el2", present=ok if state != "unknown" else None, guest=guest)
    words = sysctl_words(values, "machdep.cpu.features")
    if not words:
        return n.done("unknown", "machdep.cpu.features could not be read", extension="VT-x", guest=guest)
    ok = "VMX" in words
    n.add(SYSCTL + " machdep.cpu.features", "VMX" if ok else "no VMX")
    return n.done("pass" if ok else "fail", "VT-x %s" % ("present" if ok else "absent"),
                  None if ok or values.get("kern.hv_vmm_present") != "1" else NESTED_REMEDY,
                  extension="VT-x", present=ok, guest=guest)


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
        return n.done("pass", "%s: present (Hypervisor.framework requires it)" % kind, extension=kind, present=True)
    return n.done("unknown", "%s: not reported by macOS" % kind, extension=kind)
