"""Confidential computing, from both sides: can this host run confidential VMs (AMD SEV,
SEV-ES, SEV-SNP; Intel TDX; IBM Z Secure Execution), and is this guest one.

The guest side follows systemd-detect-virt --cvm (src/basic/confidential-virt.c) and
virt-what-cvm step for step, and adds what the kernel says without privileges
(/dev/sev-guest, /dev/tdx_guest, the `tdx_guest` flag, "Memory Encryption Features
active" in the log), so that an unprivileged SEV guest is not taken for "none". CPUID
comes from the hypervisor and can lie; only attestation proves a CVM (intel/tdx-tools#331).
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..kvmapi import VM_TYPES
from ..model import Check, Evidence
from ..parsers import number
from ..signatures import signature_text
from . import check
from .common import (
    Notes,
    cpuid_bit,
    cpuid_vendor,
    cpuid_where,
    cpuinfo,
    exists,
    first_line,
    is_guest,
    is_root,
    kernel_log,
    log_lines,
    log_note,
    machine,
    msr_note,
    param_on,
    vendor,
)

MSR_AMD64_SEV = 0xC0010131  # SEV_STATUS: bit 0 SEV, 1 SEV-ES, 2 SEV-SNP (AMD APM vol. 2 §15.34.10)
SEV_LEAF = 0x8000001F  # EAX bit 0 SME, 1 SEV, 3 SEV-ES, 4 SEV-SNP; ECX guests; EDX min SEV ASID
TDX_LEAF = 0x21  # EBX, EDX, ECX = "IntelTDX    " in a TD guest (Intel TDX guest-host interface spec)
HYPERV_FEATURES = 0x40000003  # EBX bit 22 isolation, bit 12 CpuManagement (TLFS)
HYPERV_ISOLATION = 0x4000000C  # EBX[3:0]: 1 VBS, 2 SEV-SNP, 3 TDX
HYPERV_ISOLATION_TYPES = {1: "hyperv-isolation", 2: "sev-snp", 3: "tdx"}
#: virt-what-cvm's names for the same facts.
VIRT_WHAT_CVM = {"sev": ["amd-sev"], "sev-es": ["amd-sev-es"], "sev-snp": ["amd-sev-snp"], "tdx": ["intel-tdx"],
                 "protvirt": ["s390-protvirt"], "cca": ["arm-cca"], "hyperv-isolation": []}
NAMES = {"sev": "AMD SEV", "sev-es": "AMD SEV-ES", "sev-snp": "AMD SEV-SNP", "tdx": "Intel TDX",
         "protvirt": "IBM Z Secure Execution", "cca": "Arm CCA", "hyperv-isolation": "Hyper-V VBS isolation"}


def _sev_from_msr(value: int) -> str:
    return "sev-snp" if value & 4 else "sev-es" if value & 2 else "sev" if value & 1 else "none"


def _hyperv_isolation(src, n: Notes) -> Optional[str]:
    """Hyper-V's isolated (paravisor) guests, as systemd reads them: "Microsoft Hv" with a
    maximum leaf in 0x40000005..0x4000FFFF, the isolation bit without CpuManagement, then
    the isolation type."""
    top = src.cpuid(0x40000000)
    if top is None or signature_text(top[1], top[2], top[3]) != "Microsoft Hv":
        return None
    if not 0x40000005 <= top[0] <= 0x4000FFFF:
        return None
    features = src.cpuid(HYPERV_FEATURES)
    if features is None or not (features[1] >> 22 & 1) or features[1] >> 12 & 1:
        return None
    config = src.cpuid(HYPERV_ISOLATION)
    kind = (config[1] & 0xF) if config is not None else 0
    n.add("cpuid:0x4000000c EBX[3:0]", kind, "Hyper-V isolation type: 1 VBS, 2 SEV-SNP, 3 TDX (paravisor guest)")
    return HYPERV_ISOLATION_TYPES.get(kind, "hyperv-isolation")


def _kernel_signals(src, n: Notes) -> Optional[str]:
    """What this guest's kernel says without privileges."""
    info = cpuinfo(src)
    if info is not None and "tdx_guest" in info.flags:
        n.add("/proc/cpuinfo flags", "tdx_guest", "the kernel runs as a TDX guest")
        return "tdx"
    for line in log_lines(src, "Memory Encryption Features active"):
        n.add("cmd:dmesg", line, "the guest kernel's own report (arch/x86/mm/mem_encrypt.c)")
        if "TDX" in line:
            return "tdx"
        if "SEV-SNP" in line:
            return "sev-snp"
        if "SEV-ES" in line:
            return "sev-es"
        if "SEV" in line:
            return "sev"
    for line in log_lines(src, "tdx: Guest detected"):
        n.add("cmd:dmesg", line)
        return "tdx"
    for node, kind in (("/dev/tdx_guest", "tdx"), ("/dev/sev-guest", "sev-snp")):
        if src.device(node).seen:
            n.add(node, "present", "the guest driver for attestation reports exists only in such guests")
            return kind
    return None


def detect_cvm(src, n: Notes) -> Tuple[str, Optional[str]]:
    """(systemd's cvm id, what made it unknown or None)."""
    arch = machine(src)
    if arch.startswith("s390"):
        value, _ = first_line(src, "/sys/firmware/uv/prot_virt_guest")
        if value is not None:
            n.add("/sys/firmware/uv/prot_virt_guest", value, "1 in a Secure Execution (protected virtualization) guest")
        return ("protvirt" if value == "1" else "none"), None
    if arch in ("aarch64", "arm64"):
        present = exists(src, "/sys/devices/platform/arm-cca-dev")
        if present:
            n.add("/sys/devices/platform/arm-cca-dev", "present", "the Arm CCA realm guest device")
        return ("cca" if present else "none"), None
    guest = cpuid_bit(src, 1, 2, 31)
    if guest is None:
        signal = _kernel_signals(src, n)
        if signal:
            return signal, None
        error = src.cpuid_error()
        n.unseen("cpuid", error)
        return "none", "CPUID could not be executed"
    n.add(cpuid_where(1, 2, 31), "set" if guest else "clear", "CPUID checks are skipped on bare metal")
    if not guest:
        return "none", None
    raw_vendor = cpuid_vendor(src)
    if raw_vendor in ("AuthenticAMD", "HygonGenuine"):
        sev = cpuid_bit(src, SEV_LEAF, 0, 1)
        if sev:
            n.add(cpuid_where(SEV_LEAF, 0, 1), "set", "SEV is offered to this guest")
            value, error = src.msr(0, MSR_AMD64_SEV)
            if value is not None:
                n.add("msr:0xc0010131 (SEV_STATUS, cpu 0)", "0x%x" % value, "bit 0 SEV, 1 SEV-ES, 2 SEV-SNP active")
                return _sev_from_msr(value), None
            n.unseen("msr:0xc0010131", error, msr_note(src, error))
            signal = _kernel_signals(src, n)
            if signal:
                return signal, None
            return "none", "SEV is offered, but whether it is active needs SEV_STATUS (root) or the kernel log"
        isolated = _hyperv_isolation(src, n)
        return isolated or "none", None
    if raw_vendor == "GenuineIntel":
        top = src.cpuid(0)
        if top is not None and top[0] >= TDX_LEAF:
            regs = src.cpuid(TDX_LEAF)
            if regs is not None:
                text = signature_text(regs[1], regs[3], regs[2])
                if text.strip():
                    n.add("cpuid:0x21", repr(text), "\"IntelTDX    \" in EBX, EDX, ECX inside a trust domain")
                if text == "IntelTDX    ":
                    return "tdx", None
        isolated = _hyperv_isolation(src, n)
        if isolated:
            return isolated, None
        return _kernel_signals(src, n) or "none", None
    return _kernel_signals(src, n) or "none", None


@check
def cvm_guest(src, evidence: Sequence[Evidence]) -> Check:
    """Is this guest a confidential VM, as systemd-detect-virt --cvm and virt-what-cvm tell
    it: AMD SEV/SEV-ES/SEV-SNP (CPUID 0x8000001F, MSR SEV_STATUS as root), Intel TDX (CPUID
    leaf 0x21), Hyper-V isolation (paravisor, CPUID 0x40000003/0x4000000C), IBM Z protected
    virtualization, Arm CCA; plus the kernel's own unprivileged signals. details["cvm"]
    holds systemd's id."""
    n = Notes("cvm-guest")
    cvm, unknown = detect_cvm(src, n)
    details: Dict[str, Any] = {"cvm": cvm, "virt_what_cvm": VIRT_WHAT_CVM.get(cvm, []), "value": NAMES.get(cvm, cvm)}
    if cvm != "none":
        tsm = exists(src, "/sys/kernel/config/tsm/report")
        if tsm:
            n.add("/sys/kernel/config/tsm/report", "present", "configfs-tsm: attestation reports can be requested")
        details["attestation"] = "configfs-tsm" if tsm else None
        if any(e.where.startswith("cpuid:0x4000000c") for e in n.items):
            details["virt_what_cvm"] = ["hyperv-hcl"] + VIRT_WHAT_CVM.get(cvm, [])
        if cvm == "hyperv-isolation":
            return n.done("warn", "Hyper-V VBS isolation: memory is protected by the hypervisor, not encrypted by the "
                                  "CPU", **details)
        proof = " (attestation via configfs-tsm)" if tsm else ""
        if cvm == "sev":
            return n.done("warn", "A confidential VM with AMD SEV only: memory is encrypted, but CPU register state "
                                  "is visible to the host (no SEV-ES)%s" % proof,
                          "Launch the guest with SEV-ES or SEV-SNP", **details)
        return n.done("pass", "This is a confidential VM: %s%s; CPUID comes from the host, so only attestation "
                              "proves it" % (NAMES.get(cvm, cvm), proof), **details)
    if unknown:
        return n.done("unknown", "Whether this is a confidential VM is unknown: %s" % unknown, **details)
    guest = is_guest(src)
    return n.done("info", "Not a confidential VM" + ("" if guest else " (not a guest at all)"), **details)


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


@check
def cvm_host(src, evidence: Sequence[Evidence]) -> Check:
    """Can this host run confidential VMs: AMD SEV, SEV-ES, SEV-SNP (CPUID 0x8000001F,
    the kernel's `sev*` flags, kvm_amd.sev/sev_es/sev_snp as Y/N or 1/0, /dev/sev, the SEV
    ASIDs in the log or misc.capacity), Intel TDX (kvm_intel.tdx, "virt/tdx: module
    initialized"), IBM Z Secure Execution (/sys/firmware/uv/prot_virt_host); the ground
    truth where the kernel offers it is KVM_CAP_VM_TYPES from /dev/kvm."""
    n = Notes("cvm-host")
    vm_types = _vm_types(src)
    if vm_types is not None:
        n.add("ioctl:KVM_CHECK_EXTENSION(VM_TYPES)", " ".join(vm_types) or "(none)",
              "the VM types this KVM can create (Linux 6.8+; SEV types 6.10+, TDX 6.16+)")
    confidential = [t for t in (vm_types or []) if t in ("sev", "sev-es", "sev-snp", "tdx")]
    arch = machine(src)
    info = cpuinfo(src)
    flags = info.flags if info is not None else frozenset()
    details: Dict[str, Any] = {"vm_types": vm_types}
    if arch.startswith("s390"):
        host, _ = first_line(src, "/sys/firmware/uv/prot_virt_host")
        facilities = (info.get("facilities") if info is not None else "").split()
        n.add("/proc/cpuinfo facilities", "158 present" if "158" in facilities else "no 158",
              "facility 158: the Ultravisor for Secure Execution")
        if host is not None:
            n.add("/sys/firmware/uv/prot_virt_host", host)
        details["value"] = "Secure Execution" if host == "1" else "none"
        if host == "1":
            return n.done("pass", "IBM Z Secure Execution is enabled for KVM guests", **details)
        if "158" in facilities:
            return n.done("warn", "The machine has Secure Execution (facility 158), but it is not enabled",
                          "Add prot_virt=1 to the kernel command line", **details)
        return n.done("info", "No IBM Z Secure Execution", **details)
    cpu_vendor = vendor(src)
    available: List[str] = []
    enabled: List[str] = []
    remedy: Optional[str] = None
    if cpu_vendor == "amd":
        bits = {name: cpuid_bit(src, SEV_LEAF, 0, bit) for name, bit in (("sme", 0), ("sev", 1), ("sev-es", 3),
                                                                        ("sev-snp", 4))}
        regs = src.cpuid(SEV_LEAF) if any(bits.values()) else None
        if any(v is not None for v in bits.values()):
            n.add("cpuid:0x8000001f EAX", " ".join(k for k, v in bits.items() if v) or "no SME/SEV bits",
                  "what the CPU offers" + (": %d encrypted guests, SEV-ES/SNP ASIDs below %d" % (regs[2], regs[3])
                                           if regs else ""))
        kernel = [f for f in ("sme", "sev", "sev_es", "sev_snp") if f in flags]
        if flags:
            n.add("/proc/cpuinfo flags", " ".join(kernel) or "no sme/sev flags",
                  "what the firmware enabled and the kernel found")
        available = [name for name in ("sev", "sev-es", "sev-snp")
                     if bits.get(name) or name.replace("-", "_") in flags]
        for name, param in (("sev", "sev"), ("sev-es", "sev_es"), ("sev-snp", "sev_snp")):
            on, raw, path = param_on(src, "kvm_amd", param)
            if raw is not None:
                n.add(path, raw, "Y/N or 1/0 (older kernels printed sev as an int)")
            if on:
                enabled.append(name)
        kvm = src.device("/dev/kvm")
        offered = kvm.info.get("supported_cpuid") if kvm.seen else None
        if isinstance(offered, dict) and isinstance(offered.get("0x8000001f"), list):
            eax = offered["0x8000001f"][0]
            n.add("ioctl:KVM_GET_SUPPORTED_CPUID 0x8000001f", "EAX=0x%x" % eax,
                  "the encrypted-memory features KVM would show its guests")
        psp = src.device("/dev/sev")
        if psp.seen:
            n.add("/dev/sev", "present", "the AMD Secure Processor (ccp) that launches SEV guests")
        # "SEV supported: N ASIDs" (before 6.6), "SEV enabled (ASIDs 100 - 509)" (later kernels),
        # "SEV-SNP API:1.55 build:21" (drivers/crypto/ccp/sev-dev.c).
        for line in log_lines(src, "SEV supported", "SEV-ES supported", "SEV-SNP supported", "SEV enabled",
                              "SEV-ES enabled", "SEV-SNP enabled", "SEV-SNP API", "SEV API")[:5]:
            n.add("cmd:dmesg", line)
        misc = _misc_capacity(src)
        if misc:
            n.add("/sys/fs/cgroup/misc.capacity", ", ".join("%s %d" % kv for kv in sorted(misc.items())),
                  "ASIDs for SEV and SEV-ES guests")
            details["asids"] = misc
        if available and not enabled:
            remedy = ("Enable SEV/SEV-SNP (SMEE, SNP, ASIDs) in the firmware setup, load ccp, and set kvm_amd "
                      "sev=1 sev_es=1 sev_snp=1 (options in /etc/modprobe.d/); SNP also needs the kernel's "
                      "host support (6.11+)")
    elif cpu_vendor == "intel":
        on, raw, path = param_on(src, "kvm_intel", "tdx")
        if raw is not None:
            n.add(path, raw, "KVM's TDX support (off unless kvm_intel.tdx=1)")
        if "tdx_host_platform" in flags:
            n.add("/proc/cpuinfo flags", "tdx_host_platform", "the firmware enabled TDX and the kernel found it")
            available.append("tdx")
        log = log_lines(src, "virt/tdx:", "tdx: ")
        for line in log[:3]:
            n.add("cmd:dmesg", line)
        if any("module initialized" in line for line in log) and "tdx" not in available:
            available.append("tdx")
        if on:
            enabled.append("tdx")
        if available and not enabled:
            remedy = "Set kvm_intel.tdx=1 (and keep the TDX module loaded by the firmware)"
        if "sgx" in flags:
            sgx = src.device("/dev/sgx_vepc")
            n.add("/dev/sgx_vepc", "present" if sgx.seen else "absent", "SGX enclaves for guests (not a CVM)")
            details["sgx_for_guests"] = sgx.seen
    if confidential:
        enabled = sorted(set(enabled) | set(confidential), key=["sev", "sev-es", "sev-snp", "tdx"].index)
    guest = is_guest(src)
    if guest and not enabled:
        # A guest's CPUID and flags describe what it was given (its own SEV, say), not hosting.
        details.update({"available": [], "enabled": [], "value": "none"})
        return n.done("info", "A guest: confidential VMs are hosted on bare metal with SEV or TDX", **details)
    details.update({"available": available, "enabled": enabled, "value": ", ".join(enabled or available) or "none"})
    if enabled:
        names = ", ".join(NAMES[e] for e in enabled)
        asids = details.get("asids")
        extra = " (%s)" % ", ".join("%s: %d ASIDs" % kv for kv in sorted(asids.items())) if asids else ""
        source = " per KVM_CAP_VM_TYPES" if confidential else ""
        if vm_types is not None and not confidential:
            return n.done("warn", "%s enabled in the module parameters, but KVM does not offer the VM types%s" % (
                names, extra), "Check the kernel log (dmesg | grep -i -e sev -e tdx) for why initialisation failed",
                **details)
        return n.done("pass", "KVM can run confidential VMs: %s%s%s" % (names, source, extra), **details)
    if available:
        return n.done("warn", "The CPU offers %s but KVM does not enable it" % ", ".join(NAMES[a] for a in available),
                      remedy, **details)
    lines, error = kernel_log(src)
    if lines is None:
        n.unseen("cmd:dmesg", error, log_note(error))
    if cpu_vendor is None and not flags:
        return n.done("unknown", "The CPU could not be identified", **details)
    if cpu_vendor == "intel" and not is_root(src) and error:
        return n.done("info", "No TDX host support found (kvm_intel.tdx absent; the kernel log was not readable)",
                      **details)
    return n.done("info", "No confidential-computing support for guests on this host (no SEV, no TDX)", **details)
