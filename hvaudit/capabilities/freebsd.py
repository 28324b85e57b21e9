"""FreeBSD's capabilities: hardware virtualization as the kernel found it at boot, bhyve
(vmm.ko and /dev/vmm), and jails. Every check answers None on another system.

Sources: FreeBSD Handbook, "FreeBSD as a Host with bhyve" (bhyve needs VT-x with EPT, or
AMD-V with RVI/NPT; vmm.ko loaded, vmm_load="YES"); vmm(4); sys/x86/x86/identcpu.c (the
VT-x/SVM lines and "(disabled in BIOS)"); sys/amd64/vmm/intel/vmx.c and amd/svm.c (the
hw.vmm.vmx.* and hw.vmm.svm.* sysctls); jail(8) and kern_jail.c (security.jail.*).
"""

from __future__ import annotations

from ..facts import Facts
from ..model import Check, Claim
from ..sources import Source
from ..views import FREEBSD, SYSCTL
from . import Notes, check
from .platform import FIRMWARE_REMEDY, NESTED_REMEDY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Mapping, Optional, Tuple

    from ..parsers.dmesg import BootCpu

DMESG = "/var/run/dmesg.boot"


def boot_cpu(src: Source) -> Optional[BootCpu]:
    from ..parsers.dmesg import parse_boot_cpu

    read = src.read(DMESG, limit=1 << 20)
    return parse_boot_cpu(read.text or "") if read.seen else None


def jailed(values: Optional[Mapping[str, str]]) -> bool:
    return bool(values) and values.get("security.jail.jailed") == "1"  # type: ignore[union-attr]


def _hav(facts: Facts, n: Notes) -> Tuple[str, str, Optional[str], Dict[str, Any]]:
    """(status, cause, remedy, details) of hardware virtualization on FreeBSD; the
    evidence goes to `n`."""
    values = facts.sysctl() or {}
    cpu = boot_cpu(facts.src)
    guest = facts.guest
    if values.get("hw.vmm.vmx.initialized") == "1" or "hw.vmm.svm.features" in values:
        name = "hw.vmm.vmx.initialized" if "hw.vmm.vmx.initialized" in values else "hw.vmm.svm.features"
        n.add(SYSCTL + " " + name, values[name], "note.freebsd.vmm-ko-initialized-the")
        kind = "VT-x" if name.startswith("hw.vmm.vmx") else "AMD-V"
        return ("pass", "cpu-hav.in-use-by-vmm", None,
                {"extension": kind, "present": True, "enabled_in_firmware": True, "guest": guest})
    if cpu is None:
        return "unknown", "cpu-hav.no-boot-messages", None, {"guest": guest}
    if cpu.virt is not None:
        kind = "VT-x" if cpu.virt.kind == "VT-x" else "AMD-V"
        n.add(DMESG + " " + cpu.virt.kind, cpu.virt.raw)
        details: Dict[str, Any] = {"extension": kind, "present": True, "enabled_in_firmware": not cpu.virt.disabled,
                                   "guest": guest}
        if cpu.virt.disabled:
            return "fail", "cpu-hav.disabled-in-firmware", FIRMWARE_REMEDY, details
        return "pass", "cpu-hav.present-and-enabled", None, details
    if cpu.has_feature_lines:
        has = "VMX" in cpu.features or "SVM" in cpu.features
        n.add(DMESG + " Features", "VMX/SVM %s" % ("listed" if has else "not listed"))
        if guest:
            return "fail", "cpu-hav.not-passed-to-this-vm", NESTED_REMEDY, {"present": False, "guest": guest}
        return "fail", "cpu-hav.absent", None, {"present": False, "guest": guest}
    return "unknown", "cpu-hav.no-features-named", None, {"guest": guest}


@check(systems=(FREEBSD,))
def cpu_hav(facts: Facts) -> Optional[Check]:
    """cpu-hav on FreeBSD: the VT-x/SVM line of the boot messages (with "(disabled in BIOS)"
    when the firmware locked the extensions off), or vmm.ko having initialized them."""
    n = Notes("cpu-hav")
    status, cause, remedy, details = _hav(facts, n)
    return n.done(status, cause, remedy, {"extension": details.get("extension"), "where": DMESG}, **details)


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
        n.add(SYSCTL + " hw.vmm.svm.features", values["hw.vmm.svm.features"], "note.freebsd.bit-0-nested-paging")
        return n.done("pass" if ok else "fail", "cpu-slat.present" if ok else "cpu-slat.absent",
                      None, {"extension": "AMD RVI/NPT"}, extension="NPT", present=ok)
    cpu = boot_cpu(facts.src)
    if cpu is not None and cpu.virt is None and cpu.has_feature_lines and not {"VMX", "SVM"} & cpu.features:
        nested = bool(facts.guest)
        n.add(DMESG + " Features", "VMX/SVM not listed")
        return n.done("fail", "cpu-slat.no-hav-in-vm" if nested else "cpu-slat.no-hav",
                      NESTED_REMEDY if nested else None, present=False)
    if cpu is None or cpu.virt is None:
        return n.done("unknown", "cpu-slat.no-features-named")
    name = "EPT" if cpu.virt.kind == "VT-x" else "NP"
    ok = name in cpu.virt.features
    details: Dict[str, Any] = {"extension": "EPT" if name == "EPT" else "NPT", "present": ok}
    if cpu.virt.kind == "VT-x":
        details["unrestricted_guest"] = "UG" in cpu.virt.features
    n.add(DMESG + " " + cpu.virt.kind, cpu.virt.raw)
    return n.done("pass" if ok else "fail", "cpu-slat.present" if ok else "cpu-slat.absent",
                  None if ok else "remedy.bhyve-needs-slat",
                  {"extension": {"EPT": "Intel EPT", "NP": "AMD RVI/NPT"}[name]}, **details)


@check(systems=(FREEBSD,))
def bhyve_host(facts: Facts) -> Optional[Check]:
    """Can this FreeBSD run bhyve VMs: vmm.ko loaded and initialized (hw.vmm.*), VMs that
    exist (/dev/vmm), and in a jail the allow.vmm permission."""
    n = Notes("bhyve-host")
    values = facts.sysctl()
    if values is None:
        return n.done("unknown", "sysctl-failed")
    details: Dict[str, Any] = {}
    listing = facts.src.listdir("/dev/vmm")
    vms = len(listing.names or ()) if listing.seen else 0
    details["vms"] = vms
    if jailed(values):
        allowed = values.get("security.jail.vmm_allowed") == "1"
        n.add(SYSCTL + " security.jail.vmm_allowed", values.get("security.jail.vmm_allowed", "absent"))
        details["allow.vmm"] = allowed
        if not allowed:
            return n.done("fail", "bhyve-host.not-allowed-in-jail", "remedy.allow-vmm", **details)
    loaded = any(name.startswith("hw.vmm.") for name in values)
    if not loaded:
        status, cause, remedy, hav = _hav(facts, n)
        if status == "pass":
            return n.done("warn", "bhyve-host.vmm-not-loaded", "remedy.load-vmm", **details)
        return n.done("fail" if status == "fail" else "unknown", "bhyve-host.vmm-not-loaded-and", remedy,
                      {"reason_msg": cause, "extension": hav.get("extension"), "where": DMESG}, **details)
    if values.get("hw.vmm.vmx.initialized") == "0":
        n.add(SYSCTL + " hw.vmm.vmx.initialized", "0")
        return n.done("fail", "bhyve-host.vmx-not-initialized", FIRMWARE_REMEDY, **details)
    for name in ("hw.vmm.vmx.initialized", "hw.vmm.vmx.cap.unrestricted_guest", "hw.vmm.svm.features",
                 "hw.vmm.svm.num_asids", "hw.vmm.iommu.initialized"):
        if name in values:
            n.add(SYSCTL + " " + name, values[name])
            details[name.split("hw.vmm.", 1)[1]] = values[name]
    if vms:
        n.add("/dev/vmm", "%d virtual machines" % vms)
    return n.done("pass", "bhyve-host.ready-with-vms" if vms else "bhyve-host.ready", None, {"count": vms},
                  **details)


@check(systems=(FREEBSD,))
def jails(facts: Facts) -> Optional[Check]:
    """Can this FreeBSD host jails, and with VNET (kern.features.vimage: the kernel was built
    with VIMAGE, per-jail network stacks)? Inside a jail: what the jail itself may do."""
    n = Notes("jails")
    values = facts.sysctl()
    if values is None:
        return n.done("unknown", "sysctl-failed")
    vimage = values.get("kern.features.vimage") == "1"
    if jailed(values):
        allowed = sorted(e.claim.value for e in facts.evidence if e.claim is not None and e.claim.facet == "jail_allow")
        vnet = any(e.claim == Claim("jail_vnet", "own") for e in facts.evidence)
        n.add(SYSCTL + " security.jail.jailed", "1")
        return n.done("info", "jails.inside-vnet" if vnet else "jails.inside-host-stack", jailed=True, vnet=vnet,
                      allow=allowed)
    n.add(SYSCTL + " kern.features.vimage", values.get("kern.features.vimage", "absent"))
    return n.done("pass", "jails.host-vnet" if vimage else "jails.host-no-vnet", None if vimage else "remedy.vimage",
                  jailed=False, vnet_support=vimage)
