"""FreeBSD's capabilities: hardware virtualization as the kernel found it at boot, bhyve
(vmm.ko and /dev/vmm), and jails. Every check answers None on another system.

Sources: FreeBSD Handbook, "FreeBSD as a Host with bhyve" (bhyve needs VT-x with EPT, or
AMD-V with RVI/NPT; vmm.ko loaded, vmm_load="YES"); vmm(4); sys/x86/x86/identcpu.c (the
VT-x/SVM lines and "(disabled in BIOS)"); sys/amd64/vmm/intel/vmx.c and amd/svm.c (the
hw.vmm.vmx.* and hw.vmm.svm.* sysctls); jail(8) and kern_jail.c (security.jail.*).
"""

from __future__ import annotations

from typing import Any, Dict, Mapping, Optional, Tuple

from ..facts import Facts
from ..model import Check, Claim
from ..parsers.dmesg import BootCpu
from ..sources import Source
from ..views import FREEBSD, SYSCTL
from . import Notes, check
from .platform import FIRMWARE_REMEDY, NESTED_REMEDY

DMESG = "/var/run/dmesg.boot"


def boot_cpu(src: Source) -> Optional[BootCpu]:
    from ..parsers.dmesg import parse_boot_cpu

    read = src.read(DMESG, limit=1 << 20)
    return parse_boot_cpu(read.text or "") if read.seen else None


def jailed(values: Optional[Mapping[str, str]]) -> bool:
    return bool(values) and values.get("security.jail.jailed") == "1"  # type: ignore[union-attr]


def _hav(facts: Facts, n: Notes) -> Tuple[str, str, Optional[str], Dict[str, Any]]:
    """(status, summary, remedy, details) of hardware virtualization on FreeBSD; the
    evidence goes to `n`."""
    values = facts.sysctl() or {}
    cpu = boot_cpu(facts.src)
    guest = facts.guest
    if values.get("hw.vmm.vmx.initialized") == "1" or "hw.vmm.svm.features" in values:
        name = "hw.vmm.vmx.initialized" if "hw.vmm.vmx.initialized" in values else "hw.vmm.svm.features"
        n.add(SYSCTL + " " + name, values[name], "vmm.ko initialized the extensions")
        kind = "VT-x" if name.startswith("hw.vmm.vmx") else "AMD-V"
        return ("pass", "%s is available and in use by vmm.ko" % kind, None,
                {"extension": kind, "present": True, "enabled_in_firmware": True, "guest": guest})
    if cpu is None:
        return "unknown", "the boot messages (%s) could not be read" % DMESG, None, {"guest": guest}
    if cpu.virt is not None:
        kind = "VT-x" if cpu.virt.kind == "VT-x" else "AMD-V"
        n.add(DMESG + " " + cpu.virt.kind, cpu.virt.raw)
        details: Dict[str, Any] = {"extension": kind, "present": True, "enabled_in_firmware": not cpu.virt.disabled,
                                   "guest": guest}
        if cpu.virt.disabled:
            return "fail", "%s is present but disabled in the firmware" % kind, FIRMWARE_REMEDY, details
        return "pass", "%s is present and enabled" % kind, None, details
    if cpu.has_feature_lines:
        has = "VMX" in cpu.features or "SVM" in cpu.features
        n.add(DMESG + " Features", "VMX/SVM %s" % ("listed" if has else "not listed"))
        if guest:
            return ("fail", "the hypervisor below does not pass VT-x/AMD-V to this VM (nested virtualization is off)",
                    NESTED_REMEDY, {"present": False, "guest": guest})
        return "fail", "the CPU has neither VT-x nor AMD-V", None, {"present": False, "guest": guest}
    return "unknown", "the boot messages name no CPU features", None, {"guest": guest}


@check(systems=(FREEBSD,))
def cpu_hav(facts: Facts) -> Optional[Check]:
    """cpu-hav on FreeBSD: the VT-x/SVM line of the boot messages (with "(disabled in BIOS)"
    when the firmware locked the extensions off), or vmm.ko having initialized them."""
    n = Notes("cpu-hav")
    status, summary, remedy, details = _hav(facts, n)
    return n.done(status, summary, remedy, **details)


@check(systems=(FREEBSD,))
def cpu_slat(facts: Facts) -> Optional[Check]:
    """cpu-slat on FreeBSD: EPT among the VT-x features, NP (RVI) among SVM's, or bit 0 of
    hw.vmm.svm.features. bhyve requires it."""
    from ..parsers.sysctl import sysctl_int

    n = Notes("cpu-slat")
    values = facts.sysctl() or {}
    svm = sysctl_int(values, "hw.vmm.svm.features")
    if svm is not None:
        ok = bool(svm & 1)
        n.add(SYSCTL + " hw.vmm.svm.features", values["hw.vmm.svm.features"], "bit 0: nested paging")
        return n.done("pass" if ok else "fail", "AMD RVI/NPT %s" % ("present" if ok else "absent"),
                      extension="NPT", present=ok)
    cpu = boot_cpu(facts.src)
    if cpu is not None and cpu.virt is None and cpu.has_feature_lines and not {"VMX", "SVM"} & cpu.features:
        nested = bool(facts.guest)
        n.add(DMESG + " Features", "VMX/SVM not listed")
        return n.done("fail", "no VT-x or AMD-V, so no EPT or RVI either%s"
                      % (" (this VM is not given them)" if nested else ""),
                      NESTED_REMEDY if nested else None, present=False)
    if cpu is None or cpu.virt is None:
        return n.done("unknown", "the boot messages name no VT-x/SVM features")
    name = "EPT" if cpu.virt.kind == "VT-x" else "NP"
    ok = name in cpu.virt.features
    details: Dict[str, Any] = {"extension": "EPT" if name == "EPT" else "NPT", "present": ok}
    if cpu.virt.kind == "VT-x":
        details["unrestricted_guest"] = "UG" in cpu.virt.features
    n.add(DMESG + " " + cpu.virt.kind, cpu.virt.raw)
    return n.done("pass" if ok else "fail",
                  "%s %s" % ({"EPT": "Intel EPT", "NP": "AMD RVI/NPT"}[name], "present" if ok else "absent"),
                  None if ok else "bhyve cannot run without it: use a CPU with EPT (Intel) or RVI (AMD)", **details)


@check(systems=(FREEBSD,))
def bhyve_host(facts: Facts) -> Optional[Check]:
    """Can this FreeBSD run bhyve VMs: vmm.ko loaded and initialized (hw.vmm.*), VMs that
    exist (/dev/vmm), and in a jail the allow.vmm permission."""
    n = Notes("bhyve-host")
    values = facts.sysctl()
    if values is None:
        return n.done("unknown", "sysctl(8) could not be run")
    details: Dict[str, Any] = {}
    listing = facts.src.listdir("/dev/vmm")
    vms = len(listing.names or ()) if listing.seen else 0
    details["vms"] = vms
    if jailed(values):
        allowed = values.get("security.jail.vmm_allowed") == "1"
        n.add(SYSCTL + " security.jail.vmm_allowed", values.get("security.jail.vmm_allowed", "absent"))
        details["allow.vmm"] = allowed
        if not allowed:
            return n.done("fail", "this jail may not use vmm(4): its allow.vmm parameter is off",
                          "set allow.vmm for this jail on its host (jail.conf(5))", **details)
    loaded = any(name.startswith("hw.vmm.") for name in values)
    if not loaded:
        status, summary, remedy, _ = _hav(facts, n)
        if status == "pass":
            return n.done("warn", "the CPU can run bhyve, but vmm.ko is not loaded",
                          "kldload vmm, and vmm_load=\"YES\" in /boot/loader.conf", **details)
        return n.done("fail" if status == "fail" else "unknown", "vmm.ko is not loaded, and %s" % summary, remedy,
                      **details)
    if values.get("hw.vmm.vmx.initialized") == "0":
        n.add(SYSCTL + " hw.vmm.vmx.initialized", "0")
        return n.done("fail", "vmm.ko is loaded but could not initialize VT-x", FIRMWARE_REMEDY, **details)
    for name in ("hw.vmm.vmx.initialized", "hw.vmm.vmx.cap.unrestricted_guest", "hw.vmm.svm.features",
                 "hw.vmm.svm.num_asids", "hw.vmm.iommu.initialized"):
        if name in values:
            n.add(SYSCTL + " " + name, values[name])
            details[name.split("hw.vmm.", 1)[1]] = values[name]
    if vms:
        n.add("/dev/vmm", "%d virtual machines" % vms)
    return n.done("pass", "bhyve can run VMs: vmm.ko is loaded and initialized%s"
                  % (" (%d VM%s exist)" % (vms, "" if vms == 1 else "s") if vms else ""), **details)


@check(systems=(FREEBSD,))
def jails(facts: Facts) -> Optional[Check]:
    """Can this FreeBSD host jails, and with VNET (kern.features.vimage: the kernel was built
    with VIMAGE, per-jail network stacks)? Inside a jail: what the jail itself may do."""
    n = Notes("jails")
    values = facts.sysctl()
    if values is None:
        return n.done("unknown", "sysctl(8) could not be run")
    vimage = values.get("kern.features.vimage") == "1"
    if jailed(values):
        allowed = sorted(e.claim.value for e in facts.evidence if e.claim is not None and e.claim.facet == "jail_allow")
        vnet = any(e.claim == Claim("jail_vnet", "own") for e in facts.evidence)
        n.add(SYSCTL + " security.jail.jailed", "1")
        return n.done("info", "inside a jail (%s); nested jails need children.max set by its parent"
                      % ("VNET" if vnet else "the host's network stack"), jailed=True, vnet=vnet, allow=allowed)
    n.add(SYSCTL + " kern.features.vimage", values.get("kern.features.vimage", "absent"))
    return n.done("pass", "this FreeBSD can host jails%s" % (
        ", with VNET (per-jail network stacks)" if vimage else "; without VNET (kernel built without VIMAGE)"),
        None if vimage else "use a kernel with options VIMAGE (GENERIC has it since FreeBSD 12) for VNET jails",
        jailed=False, vnet_support=vimage)
