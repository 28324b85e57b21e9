"""macOS's capabilities: Hypervisor.framework (what every VM app on a Mac runs on) and the
CPU features beneath it. Every check answers None on another system.

Sources: Apple Developer, "Hypervisor" (kern.hv_support; on Intel, VT-x with Extended Page
Tables and Unrestricted Mode is required), Apple's sysctl names (kern.hv_vmm_present,
machdep.cpu.features, hw.optional.arm64); nested virtualization for Apple silicon guests
needs an M3 or later and macOS 15 (Apple Developer, Virtualization framework,
VZGenericPlatformConfiguration.isNestedVirtualizationSupported).
"""

from __future__ import annotations

from typing import Dict, Optional, Sequence

from ..model import Check, Evidence
from ..probes.platform import sysctl_values
from ..sources import Source, sysname
from . import check
from .platform import SYSCTL, note

DARWIN = "Darwin"


def _apple_silicon(src: Source, values: Dict[str, str]) -> bool:
    return values.get("hw.optional.arm64") == "1" or src.uname().get("machine") == "arm64"


@check
def hvf(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """Hypervisor.framework: kern.hv_support is 1 where apps (QEMU's hvf accelerator, UTM,
    Docker Desktop, Parallels, VMware Fusion) can run hardware-assisted VMs."""
    if sysname(src) != DARWIN:
        return None
    values = sysctl_values(src)
    if values is None or "kern.hv_support" not in values:
        return Check("hvf", "unknown", "kern.hv_support could not be read", (), None, {})
    ok = values["kern.hv_support"] == "1"
    guest = values.get("kern.hv_vmm_present") == "1"
    silicon = _apple_silicon(src, values)
    details: Dict[str, object] = {"apple_silicon": silicon, "in_vm": guest}
    seen = (note("hvf", SYSCTL + " kern.hv_support", values["kern.hv_support"]),)
    if ok:
        return Check("hvf", "pass", "Hypervisor.framework is available%s" % (" (nested, in a VM)" if guest else ""),
                     seen, None, details)
    if guest:
        remedy = ("a macOS guest gets it only with nested virtualization: on Apple silicon an M3 or later host "
                  "with macOS 15, on Intel a host that passes VT-x with EPT")
        return Check("hvf", "fail", "Hypervisor.framework is unavailable in this VM", seen, remedy, details)
    return Check("hvf", "fail", "Hypervisor.framework is unavailable: the CPU lacks %s" % (
        "the virtualization extensions" if silicon else "VT-x with EPT and unrestricted mode"), seen, None, details)


@check
def cpu_hav(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """cpu-hav on macOS: VMX among machdep.cpu.features on Intel Macs; on Apple silicon the
    Arm virtualization extensions (EL2), which kern.hv_support reports usable."""
    if sysname(src) != DARWIN:
        return None
    from ..parsers.sysctl import sysctl_words

    values = sysctl_values(src)
    if values is None:
        return Check("cpu-hav", "unknown", "sysctl(8) could not be run", (), None, {})
    if _apple_silicon(src, values):
        ok = values.get("kern.hv_support") == "1"
        state = "unknown" if "kern.hv_support" not in values else "pass" if ok else "fail"
        return Check("cpu-hav", state, "Arm virtualization extensions (EL2) %s" % (
            "usable" if ok else "not usable here"), (note("cpu-hav", SYSCTL + " kern.hv_support",
                                                          values.get("kern.hv_support", "absent")),),
            None, {"extension": "arm-el2"})
    words = sysctl_words(values, "machdep.cpu.features")
    if not words:
        return Check("cpu-hav", "unknown", "machdep.cpu.features could not be read", (), None, {})
    ok = "VMX" in words
    return Check("cpu-hav", "pass" if ok else "fail", "VT-x %s" % ("present" if ok else "absent"),
                 (note("cpu-hav", SYSCTL + " machdep.cpu.features", "VMX" if ok else "no VMX"),),
                 None if ok or values.get("kern.hv_vmm_present") != "1" else
                 "enable nested virtualization for this VM on its host", {"extension": "VT-x"})


@check
def cpu_slat(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """cpu-slat on macOS: neither system lists EPT or stage-2 translation, but
    Hypervisor.framework requires EPT on Intel and stage 2 is part of Arm's extensions, so
    kern.hv_support=1 implies it; without it, unknown."""
    if sysname(src) != DARWIN:
        return None
    values = sysctl_values(src) or {}
    silicon = _apple_silicon(src, values)
    kind = "stage-2 translation" if silicon else "Intel EPT"
    if values.get("kern.hv_support") == "1":
        return Check("cpu-slat", "pass", "%s: present (Hypervisor.framework requires it)" % kind,
                     (note("cpu-slat", SYSCTL + " kern.hv_support", "1"),), None, {"extension": kind})
    return Check("cpu-slat", "unknown", "%s: not reported by macOS" % kind, (), None, {"extension": kind})
