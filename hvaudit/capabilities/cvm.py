"""Confidential computing, from both sides: can this host run confidential VMs (AMD SEV,
SEV-ES, SEV-SNP; Intel TDX; IBM Z Secure Execution), and is this guest one.

The guest side follows systemd-detect-virt --cvm (src/basic/confidential-virt.c) and
virt-what-cvm step for step, and adds what the kernel says without privileges
(/dev/sev-guest, /dev/tdx_guest, the `tdx_guest` flag, "Memory Encryption Features
active" in the log), so that an unprivileged SEV guest is not taken for "none". CPUID
comes from the hypervisor and can lie; only attestation proves a CVM (intel/tdx-tools#331).
"""

from __future__ import annotations

from ..facts import Facts
from ..kvmapi import VM_TYPES
from ..model import Check
from ..parsers import number
from ..probes.cvm import NAMES, SEV_LEAF, VIRT_WHAT_CVM
from ..probes.cvm import PROBE as CVM_PROBE
from . import check
from .common import (
    Notes,
    cpuid_bit,
    cpuinfo,
    exists,
    first_line,
    is_root,
    kernel_log,
    log_lines,
    log_note,
    machine,
    param_on,
    vendor,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional


@check()
def cvm_guest(facts: Facts) -> Check:
    """Is this guest a confidential VM: the classification's verdict (the cvm.guest probe
    reads it as systemd-detect-virt --cvm and virt-what-cvm do), with the probe's evidence,
    and whether attestation reports can be requested (configfs-tsm). details["cvm"] holds
    systemd's id."""
    src = facts.src
    n = Notes("cvm-guest")
    seen = facts.of_probe(CVM_PROBE)
    n.items.extend(e._replace(probe="cvm-guest", claim=None) for e in seen if e.where != "cvm:unknown")
    unknown = next((e.raw for e in seen if e.where == "cvm:unknown"), None)
    cvm = facts.cvm
    details: Dict[str, Any] = {"cvm": cvm, "virt_what_cvm": VIRT_WHAT_CVM.get(cvm, []), "value": NAMES.get(cvm, cvm)}
    if cvm != "none":
        tsm = exists(src, "/sys/kernel/config/tsm/report")
        if tsm:
            n.add("/sys/kernel/config/tsm/report", "present", "note.cvm.configfs-tsm-attestation-reports")
        details["attestation"] = "configfs-tsm" if tsm else None
        if any(e.where.startswith("cpuid:0x4000000c") for e in n.items):
            details["virt_what_cvm"] = ["hyperv-hcl"] + VIRT_WHAT_CVM.get(cvm, [])
        if cvm == "hyperv-isolation":
            return n.done("warn", "cvm-guest.hyperv-isolation", **details)
        fields = {"name": NAMES.get(cvm, cvm), "proof_msg": "cvm-guest.attestation" if tsm else ""}
        if cvm == "sev":
            return n.done("warn", "cvm-guest.sev-only", "remedy.sev-es", fields, **details)
        return n.done("pass", "cvm-guest.confidential", None, fields, **details)
    if unknown == "cpuid":
        return n.done("unknown", "cvm-guest.unknown-cpuid", **details)
    if unknown:
        return n.done("unknown", "cvm-guest.unknown-sev-status", **details)
    return n.done("info", "cvm-guest.none" if facts.guest else "cvm-guest.not-a-guest", **details)


def _vm_types(src) -> Optional[List[str]]:
    dev = src.device("/dev/kvm")
    caps = dev.info.get("caps") if dev.seen else None
    if not isinstance(caps, dict) or not isinstance(caps.get("vm_types"), int):
        return None
    return [name for bit, name in VM_TYPES.items() if caps["vm_types"] >> bit & 1]


def _misc_capacity(src) -> Dict[str, int]:
    """cgroup v2's misc controller: how many SEV / SEV-ES ASIDs exist (misc.capacity)."""
    value, _ = first_line(src, "/sys/fs/cgroup/misc.capacity")
    out: Dict[str, int] = {}
    for line in (value or "").splitlines():
        parts = line.split()
        count = number(parts[1]) if len(parts) == 2 else None
        if count is not None:
            out[parts[0]] = count
    return out


@check()
def cvm_host(facts: Facts) -> Check:
    """Can this host run confidential VMs: AMD SEV, SEV-ES, SEV-SNP (CPUID 0x8000001F,
    the kernel's `sev*` flags, kvm_amd.sev/sev_es/sev_snp as Y/N or 1/0, /dev/sev, the SEV
    ASIDs in the log or misc.capacity), Intel TDX (kvm_intel.tdx, "virt/tdx: module
    initialized"), IBM Z Secure Execution (/sys/firmware/uv/prot_virt_host); the ground
    truth where the kernel offers it is KVM_CAP_VM_TYPES from /dev/kvm."""
    src = facts.src
    n = Notes("cvm-host")
    vm_types = _vm_types(src)
    if vm_types is not None:
        n.add("ioctl:KVM_CHECK_EXTENSION(VM_TYPES)", " ".join(vm_types) or "(none)",
              "note.cvm.the-vm-types-this")
    confidential = [t for t in (vm_types or []) if t in ("sev", "sev-es", "sev-snp", "tdx")]
    arch = machine(src)
    info = cpuinfo(facts)
    flags = info.flags if info is not None else frozenset()
    details: Dict[str, Any] = {"vm_types": vm_types}
    if arch.startswith("s390"):
        host, _ = first_line(src, "/sys/firmware/uv/prot_virt_host")
        facilities = (info.get("facilities") if info is not None else "").split()
        n.add("/proc/cpuinfo facilities", "158 present" if "158" in facilities else "no 158",
              "note.cvm.facility-158-the-ultravisor")
        if host is not None:
            n.add("/sys/firmware/uv/prot_virt_host", host)
        details["value"] = "Secure Execution" if host == "1" else "none"
        if host == "1":
            return n.done("pass", "cvm-host.secure-execution", **details)
        if "158" in facilities:
            return n.done("warn", "cvm-host.secure-execution-off", "remedy.prot-virt", **details)
        return n.done("info", "cvm-host.no-secure-execution", **details)
    cpu_vendor = vendor(facts)
    available: List[str] = []
    enabled: List[str] = []
    remedy: Optional[str] = None
    if cpu_vendor == "amd":
        bits = {name: cpuid_bit(src, SEV_LEAF, 0, bit) for name, bit in (("sme", 0), ("sev", 1), ("sev-es", 3),
                                                                        ("sev-snp", 4))}
        regs = src.cpuid(SEV_LEAF) if any(bits.values()) else None
        if any(v is not None for v in bits.values()):
            n.add("cpuid:0x8000001f EAX", " ".join(k for k, v in bits.items() if v) or "no SME/SEV bits",
                  "note.cvm.cpu-offers-asids" if regs else "note.cvm.cpu-offers",
                  guests=str(regs[2]) if regs else "", below=str(regs[3]) if regs else "")
        kernel = [f for f in ("sme", "sev", "sev_es", "sev_snp") if f in flags]
        if flags:
            n.add("/proc/cpuinfo flags", " ".join(kernel) or "no sme/sev flags",
                  "note.cvm.what-the-firmware-enabled")
        available = [name for name in ("sev", "sev-es", "sev-snp")
                     if bits.get(name) or name.replace("-", "_") in flags]
        for name, param in (("sev", "sev"), ("sev-es", "sev_es"), ("sev-snp", "sev_snp")):
            on, raw, path = param_on(src, "kvm_amd", param)
            if raw is not None:
                n.add(path, raw, "note.cvm.y-n-or-1")
            if on:
                enabled.append(name)
        kvm = src.device("/dev/kvm")
        offered = kvm.info.get("supported_cpuid") if kvm.seen else None
        if isinstance(offered, dict) and isinstance(offered.get("0x8000001f"), list):
            eax = offered["0x8000001f"][0]
            n.add("ioctl:KVM_GET_SUPPORTED_CPUID 0x8000001f", "EAX=0x%x" % eax,
                  "note.cvm.the-encrypted-memory-features")
        psp = src.device("/dev/sev")
        if psp.seen:
            n.add("/dev/sev", "present", "note.cvm.the-amd-secure-processor")
        # "SEV supported: N ASIDs" (before 6.6), "SEV enabled (ASIDs 100 - 509)" (later kernels),
        # "SEV-SNP API:1.55 build:21" (drivers/crypto/ccp/sev-dev.c).
        for line in log_lines(facts, "SEV supported", "SEV-ES supported", "SEV-SNP supported", "SEV enabled",
                              "SEV-ES enabled", "SEV-SNP enabled", "SEV-SNP API", "SEV API")[:5]:
            n.add("cmd:dmesg", line)
        misc = _misc_capacity(src)
        if misc:
            n.add("/sys/fs/cgroup/misc.capacity", ", ".join("%s %d" % kv for kv in sorted(misc.items())),
                  "note.cvm.asids-for-sev-and")
            details["asids"] = misc
        if available and not enabled:
            remedy = "remedy.enable-sev"
    elif cpu_vendor == "intel":
        on, raw, path = param_on(src, "kvm_intel", "tdx")
        if raw is not None:
            n.add(path, raw, "note.cvm.kvm-s-tdx-support")
        if "tdx_host_platform" in flags:
            n.add("/proc/cpuinfo flags", "tdx_host_platform", "note.cvm.the-firmware-enabled-tdx")
            available.append("tdx")
        log = log_lines(facts, "virt/tdx:", "tdx: ")
        for line in log[:3]:
            n.add("cmd:dmesg", line)
        if any("module initialized" in line for line in log) and "tdx" not in available:
            available.append("tdx")
        if on:
            enabled.append("tdx")
        if available and not enabled:
            remedy = "remedy.enable-tdx"
        if "sgx" in flags:
            sgx = src.device("/dev/sgx_vepc")
            n.add("/dev/sgx_vepc", "present" if sgx.seen else "absent", "note.cvm.sgx-enclaves-for-guests")
            details["sgx_for_guests"] = sgx.seen
    if confidential:
        enabled = sorted(set(enabled) | set(confidential), key=["sev", "sev-es", "sev-snp", "tdx"].index)
    guest = facts.guest
    if guest and not enabled:
        # A guest's CPUID and flags describe what it was given (its own SEV, say), not hosting.
        details.update({"available": [], "enabled": [], "value": "none"})
        return n.done("info", "cvm-host.guest", **details)
    details.update({"available": available, "enabled": enabled, "value": ", ".join(enabled or available) or "none"})
    if enabled:
        asids = details.get("asids")
        fields = {"names": ", ".join(NAMES[e] for e in enabled),
                  "asids": " (%s)" % ", ".join("%s: %d ASIDs" % kv for kv in sorted(asids.items())) if asids else ""}
        if vm_types is not None and not confidential:
            return n.done("warn", "cvm-host.vm-types-missing", "remedy.cvm-kernel-log", fields, **details)
        return n.done("pass", "cvm-host.ready-vm-types" if confidential else "cvm-host.ready", None, fields,
                      **details)
    if available:
        return n.done("warn", "cvm-host.not-enabled", remedy, {"names": ", ".join(NAMES[a] for a in available)},
                      **details)
    lines, error = kernel_log(facts)
    if lines is None:
        n.unseen("cmd:dmesg", error, log_note(error))
    if cpu_vendor is None and not flags:
        return n.done("unknown", "cvm-host.cpu-unknown", **details)
    if cpu_vendor == "intel" and not is_root(facts) and error:
        return n.done("info", "cvm-host.no-tdx-log-unreadable", **details)
    return n.done("info", "cvm-host.none", **details)
