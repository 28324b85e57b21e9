"""FreeBSD's capabilities: hardware virtualization as the kernel found it at boot, bhyve
(vmm.ko and /dev/vmm), and jails. Every check answers None on another system.

Sources: FreeBSD Handbook, "FreeBSD as a Host with bhyve" (bhyve needs VT-x with EPT, or
AMD-V with RVI/NPT; vmm.ko loaded, vmm_load="YES"); vmm(4); sys/x86/x86/identcpu.c (the
VT-x/SVM lines and "(disabled in BIOS)"); sys/amd64/vmm/intel/vmx.c and amd/svm.c (the
hw.vmm.vmx.* and hw.vmm.svm.* sysctls); jail(8) and kern_jail.c (security.jail.*).
"""

from __future__ import annotations

from typing import Dict, List, Mapping, Optional, Sequence, Tuple

from ..model import Check, Claim, Evidence
from ..parsers.dmesg import BootCpu
from ..probes.platform import sysctl_values
from ..sources import Source, sysname
from . import check
from .platform import FIRMWARE_REMEDY, SYSCTL, in_vm, note

FREEBSD = "FreeBSD"
DMESG = "/var/run/dmesg.boot"


def boot_cpu(src: Source) -> Optional[BootCpu]:
    from ..parsers.dmesg import parse_boot_cpu

    read = src.read(DMESG, limit=1 << 20)
    return parse_boot_cpu(read.text or "") if read.seen else None


def jailed(values: Optional[Mapping[str, str]]) -> bool:
    return bool(values) and values.get("security.jail.jailed") == "1"  # type: ignore[union-attr]


def _hav(src: Source, evidence: Sequence[Evidence]) -> Tuple[str, str, Optional[str], Dict[str, object],
                                                                List[Evidence]]:
    """(status, summary, remedy, details, evidence) of hardware virtualization on FreeBSD."""
    values = sysctl_values(src) or {}
    cpu = boot_cpu(src)
    seen: List[Evidence] = []
    if values.get("hw.vmm.vmx.initialized") == "1" or "hw.vmm.svm.features" in values:
        name = "hw.vmm.vmx.initialized" if "hw.vmm.vmx.initialized" in values else "hw.vmm.svm.features"
        seen.append(note("cpu-hav", SYSCTL + " " + name, values[name], "vmm.ko initialized the extensions"))
        kind = "VT-x" if name.startswith("hw.vmm.vmx") else "AMD-V"
        return "pass", "%s is available and in use by vmm.ko" % kind, None, {"extension": kind}, seen
    if cpu is None:
        return "unknown", "the boot messages (%s) could not be read" % DMESG, None, {}, seen
    if cpu.virt is not None:
        kind = "VT-x" if cpu.virt.kind == "VT-x" else "AMD-V"
        seen.append(note("cpu-hav", DMESG + " " + cpu.virt.kind, cpu.virt.raw))
        details: Dict[str, object] = {"extension": kind, "enabled_in_firmware": not cpu.virt.disabled}
        if cpu.virt.disabled:
            return "fail", "%s is present but disabled in the firmware" % kind, FIRMWARE_REMEDY, details, seen
        return "pass", "%s is present and enabled" % kind, None, details, seen
    if cpu.has_feature_lines:
        has = "VMX" in cpu.features or "SVM" in cpu.features
        seen.append(note("cpu-hav", DMESG + " Features", "VMX/SVM %s" % ("listed" if has else "not listed")))
        if in_vm(evidence):
            return ("fail", "the hypervisor below does not pass VT-x/AMD-V to this VM (nested virtualization is off)",
                    "enable nested virtualization for this VM on its host", {}, seen)
        return "fail", "the CPU has neither VT-x nor AMD-V", None, {}, seen
    return "unknown", "the boot messages name no CPU features", None, {}, seen


@check
def cpu_hav(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """cpu-hav on FreeBSD: the VT-x/SVM line of the boot messages (with "(disabled in BIOS)"
    when the firmware locked the extensions off), or vmm.ko having initialized them."""
    if sysname(src) != FREEBSD:
        return None
    status, summary, remedy, details, seen = _hav(src, evidence)
    return Check("cpu-hav", status, summary, tuple(seen), remedy, details)


@check
def cpu_slat(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """cpu-slat on FreeBSD: EPT among the VT-x features, NP (RVI) among SVM's, or bit 0 of
    hw.vmm.svm.features. bhyve requires it."""
    if sysname(src) != FREEBSD:
        return None
    from ..parsers.sysctl import sysctl_int

    values = sysctl_values(src) or {}
    svm = sysctl_int(values, "hw.vmm.svm.features")
    if svm is not None:
        ok = bool(svm & 1)
        return Check("cpu-slat", "pass" if ok else "fail", "AMD RVI/NPT %s" % ("present" if ok else "absent"),
                     (note("cpu-slat", SYSCTL + " hw.vmm.svm.features", values["hw.vmm.svm.features"],
                           "bit 0: nested paging"),), None, {"extension": "NPT"})
    cpu = boot_cpu(src)
    if cpu is not None and cpu.virt is None and cpu.has_feature_lines and not {"VMX", "SVM"} & cpu.features:
        nested = in_vm(evidence)
        return Check("cpu-slat", "fail", "no VT-x or AMD-V, so no EPT or RVI either%s"
                     % (" (this VM is not given them)" if nested else ""),
                     (note("cpu-slat", DMESG + " Features", "VMX/SVM not listed"),),
                     "enable nested virtualization for this VM on its host" if nested else None, {})
    if cpu is None or cpu.virt is None:
        return Check("cpu-slat", "unknown", "the boot messages name no VT-x/SVM features", (), None, {})
    name = "EPT" if cpu.virt.kind == "VT-x" else "NP"
    ok = name in cpu.virt.features
    details: Dict[str, object] = {"extension": "EPT" if name == "EPT" else "NPT"}
    if cpu.virt.kind == "VT-x":
        details["unrestricted_guest"] = "UG" in cpu.virt.features
    return Check("cpu-slat", "pass" if ok else "fail",
                 "%s %s" % ({"EPT": "Intel EPT", "NP": "AMD RVI/NPT"}[name], "present" if ok else "absent"),
                 (note("cpu-slat", DMESG + " " + cpu.virt.kind, cpu.virt.raw),),
                 None if ok else "bhyve cannot run without it: use a CPU with EPT (Intel) or RVI (AMD)", details)


@check
def bhyve_host(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """Can this FreeBSD run bhyve VMs: vmm.ko loaded and initialized (hw.vmm.*), VMs that
    exist (/dev/vmm), and in a jail the allow.vmm permission."""
    if sysname(src) != FREEBSD:
        return None
    values = sysctl_values(src)
    if values is None:
        return Check("bhyve-host", "unknown", "sysctl(8) could not be run", (), None, {})
    seen: List[Evidence] = []
    details: Dict[str, object] = {}
    listing = src.listdir("/dev/vmm")
    vms = len(listing.names or ()) if listing.seen else 0
    details["vms"] = vms
    if jailed(values):
        allowed = values.get("security.jail.vmm_allowed") == "1"
        seen.append(note("bhyve-host", SYSCTL + " security.jail.vmm_allowed", values.get("security.jail.vmm_allowed",
                                                                                        "absent")))
        details["allow.vmm"] = allowed
        if not allowed:
            return Check("bhyve-host", "fail", "this jail may not use vmm(4): its allow.vmm parameter is off",
                         tuple(seen), "set allow.vmm for this jail on its host (jail.conf(5))", details)
    loaded = any(name.startswith("hw.vmm.") for name in values)
    if not loaded:
        status, summary, remedy, _, hav_seen = _hav(src, evidence)
        seen.extend(hav_seen)
        if status == "pass":
            return Check("bhyve-host", "warn", "the CPU can run bhyve, but vmm.ko is not loaded", tuple(seen),
                         "kldload vmm, and vmm_load=\"YES\" in /boot/loader.conf", details)
        return Check("bhyve-host", "fail" if status == "fail" else "unknown",
                     "vmm.ko is not loaded, and %s" % summary, tuple(seen), remedy, details)
    if values.get("hw.vmm.vmx.initialized") == "0":
        seen.append(note("bhyve-host", SYSCTL + " hw.vmm.vmx.initialized", "0"))
        return Check("bhyve-host", "fail", "vmm.ko is loaded but could not initialize VT-x", tuple(seen),
                     FIRMWARE_REMEDY, details)
    for name in ("hw.vmm.vmx.initialized", "hw.vmm.vmx.cap.unrestricted_guest", "hw.vmm.svm.features",
                 "hw.vmm.svm.num_asids", "hw.vmm.iommu.initialized"):
        if name in values:
            seen.append(note("bhyve-host", SYSCTL + " " + name, values[name]))
            details[name.split("hw.vmm.", 1)[1]] = values[name]
    if vms:
        seen.append(note("bhyve-host", "/dev/vmm", "%d virtual machines" % vms))
    return Check("bhyve-host", "pass", "bhyve can run VMs: vmm.ko is loaded and initialized%s"
                 % (" (%d VM%s exist)" % (vms, "" if vms == 1 else "s") if vms else ""), tuple(seen), None, details)


@check
def jails(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """Can this FreeBSD host jails, and with VNET (kern.features.vimage: the kernel was built
    with VIMAGE, per-jail network stacks)? Inside a jail: what the jail itself may do."""
    if sysname(src) != FREEBSD:
        return None
    values = sysctl_values(src)
    if values is None:
        return Check("jails", "unknown", "sysctl(8) could not be run", (), None, {})
    vimage = values.get("kern.features.vimage") == "1"
    if jailed(values):
        allowed = sorted(e.claim.value for e in evidence if e.claim is not None and e.claim.facet == "jail_allow")
        vnet = any(e.claim == Claim("jail_vnet", "own") for e in evidence)
        return Check("jails", "info", "inside a jail (%s); nested jails need children.max set by its parent"
                     % ("VNET" if vnet else "the host's network stack"),
                     (note("jails", SYSCTL + " security.jail.jailed", "1"),), None,
                     {"jailed": True, "vnet": vnet, "allow": allowed})
    return Check("jails", "pass", "this FreeBSD can host jails%s" % (
        ", with VNET (per-jail network stacks)" if vimage else "; without VNET (kernel built without VIMAGE)"),
        (note("jails", SYSCTL + " kern.features.vimage", values.get("kern.features.vimage", "absent")),),
        None if vimage else "use a kernel with options VIMAGE (GENERIC has it since FreeBSD 12) for VNET jails",
        {"jailed": False, "vnet_support": vimage})
