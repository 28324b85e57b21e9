"""CPU checks: hardware virtualization (VT-x, AMD-V and their equivalents) and second-level
address translation with the finer VMX/SVM features.

Two views of the CPU are compared: CPUID, which says what the silicon (or the outer
hypervisor) offers, and the kernel's /proc/cpuinfo flags, which say what the kernel
enabled. A feature in CPUID but not in the flags was disabled, not missing: the MSRs
(root) or the kernel log tell by whom.
"""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..model import Check, Evidence
from . import check
from .common import (
    Notes,
    backend_name,
    cpuid_bit,
    cpuid_where,
    cpuinfo,
    first_line,
    is_guest,
    is_root,
    is_x86,
    kernel_log,
    log_lines,
    log_note,
    machine,
    msr_note,
    param_on,
    vendor,
)

# Model-specific registers (Intel SDM vol. 4; AMD APM vol. 2 §15.30).
IA32_FEAT_CTL = 0x3A
FEAT_CTL_LOCKED = 1 << 0
FEAT_CTL_VMX_INSIDE_SMX = 1 << 1
FEAT_CTL_VMX_OUTSIDE_SMX = 1 << 2
IA32_VMX_PROCBASED_CTLS2 = 0x48B  # allowed-1 settings in the high dword
CTLS2_BITS: Mapping[int, str] = {1: "ept", 5: "vpid", 7: "unrestricted_guest", 17: "pml"}
VM_CR = 0xC0010114
VM_CR_LOCK = 1 << 3
VM_CR_SVMDIS = 1 << 4

#: Kernel log lines that say why VT-x/AMD-V is off: arch/x86/kernel/cpu/feat_ctl.c
#: ("VMX (outside TXT) disabled by BIOS"), arch/x86/kernel/cpu/amd.c ("SVM disabled (by
#: BIOS) in MSR_VM_CR"), older KVM ("kvm: disabled by bios"), and the vendor modules.
FIRMWARE_MESSAGES = ("disabled by BIOS", "disabled by bios", "disabled (by BIOS)")
MISSING_MESSAGES = ("VMX not supported", "SVM not supported", "no hardware support", "not supported by CPU")
HYPERV_NESTED = "Enlightened VMCS"

HAV_REMEDY = {
    "intel": "Enable Intel Virtualization Technology (VT-x) in the firmware (BIOS/UEFI) setup, then power the "
             "machine off and on (a warm reboot may keep the lock)",
    "amd": "Enable SVM Mode (AMD-V) in the firmware (BIOS/UEFI) setup, then power the machine off and on",
}
NESTED_REMEDY = ("Ask the outer hypervisor to expose VT-x/AMD-V to this VM: on KVM hosts kvm_intel.nested=1 "
                 "(or kvm_amd.nested=1) and a host-passthrough CPU model (-cpu host); on clouds an instance type "
                 "with nested virtualization; on Hyper-V Set-VMProcessor -ExposeVirtualizationExtensions $true")

#: Features of the `vmx flags` line (arch/x86/include/asm/vmxfeatures.h) and of `flags`
#: for AMD (cpufeatures.h word 15 = CPUID 0x8000000A EDX) that matter to a hypervisor.
INTEL_FEATURES: Tuple[Tuple[str, str], ...] = (
    ("ept", "EPT (SLAT)"), ("vpid", "VPID"), ("unrestricted_guest", "unrestricted guest"),
    ("ept_ad", "EPT A/D bits"), ("ept_1gb", "EPT 1 GiB pages"), ("ept_mode_based_exec", "MBEC"),
    ("flexpriority", "FlexPriority"), ("apicv", "APICv"), ("posted_intr", "posted interrupts"),
    ("pml", "PML"), ("shadow_vmcs", "shadow VMCS"), ("tsc_scaling", "TSC scaling"),
    ("preemption_timer", "preemption timer"),
)
AMD_FEATURES: Tuple[Tuple[str, str], ...] = (
    ("npt", "NPT (SLAT)"), ("nrip_save", "NRIP save"), ("flushbyasid", "flush by ASID"),
    ("decodeassists", "decode assists"), ("avic", "AVIC"), ("x2avic", "x2AVIC"), ("vgif", "vGIF"),
    ("v_vmsave_vmload", "virtual VMSAVE/VMLOAD"), ("vnmi", "vNMI"), ("tsc_scale", "TSC scaling"),
    ("lbrv", "LBR virtualization"), ("pausefilter", "pause filter"),
)


def _hav_names(cpu_vendor: Optional[str]) -> Tuple[str, Optional[str]]:
    if cpu_vendor == "intel":
        return "VT-x", "vmx"
    if cpu_vendor == "amd":
        return "AMD-V", "svm"
    return "VT-x/AMD-V", None


def _raw_bit(src, cpu_vendor: Optional[str]) -> Tuple[Optional[bool], str]:
    if cpu_vendor == "intel":
        return cpuid_bit(src, 1, 2, 5), cpuid_where(1, 2, 5)
    if cpu_vendor == "amd":
        return cpuid_bit(src, 0x80000001, 2, 2), cpuid_where(0x80000001, 2, 2)
    return None, "cpuid"


def firmware_state(src, n: Notes, cpu_vendor: Optional[str]) -> Optional[str]:
    """From the MSR on CPU 0 (root, msr module): "disabled" (locked off by firmware),
    "enabled", "unlocked" (firmware left it to the OS), or None when unreadable."""
    if cpu_vendor == "intel":
        value, error = src.msr(0, IA32_FEAT_CTL)
        where = "msr:0x3a (IA32_FEAT_CTL, cpu 0)"
        if value is None:
            n.unseen(where, error, msr_note(src, error))
            return None
        locked, outside = bool(value & FEAT_CTL_LOCKED), bool(value & FEAT_CTL_VMX_OUTSIDE_SMX)
        n.add(where, "0x%x (lock=%d, VMX inside SMX=%d, VMX outside SMX=%d)" % (
            value, locked, bool(value & FEAT_CTL_VMX_INSIDE_SMX), outside),
            "bit 0 locks the register until reset; bit 2 allows VMXON outside SMX (Intel SDM vol. 4)")
        if locked and not outside:
            return "disabled"
        return "enabled" if locked else "unlocked"
    if cpu_vendor == "amd":
        value, error = src.msr(0, VM_CR)
        where = "msr:0xc0010114 (VM_CR, cpu 0)"
        if value is None:
            n.unseen(where, error, msr_note(src, error))
            return None
        n.add(where, "0x%x (LOCK=%d, SVMDIS=%d)" % (value, bool(value & VM_CR_LOCK), bool(value & VM_CR_SVMDIS)),
              "SVMDIS (bit 4) makes EFER.SVME unsettable; LOCK (bit 3) keeps it so until reset (AMD APM vol. 2)")
        if value & VM_CR_SVMDIS:
            return "disabled"
        return "enabled"
    return None


@check
def cpu_hav(src, evidence: Sequence[Evidence]) -> Check:
    """Hardware virtualization: VT-x (CPUID.1:ECX[5], flag `vmx`) or AMD-V (CPUID
    0x80000001:ECX[2], flag `svm`); when the CPU has it and the kernel does not show it,
    the firmware lock MSR (root) and the kernel log say who disabled it. Other
    architectures: s390 `sie`, arm64 EL2, POWER kvm_hv."""
    n = Notes("cpu-hav")
    if not is_x86(src):
        return _other_architecture(src, n)
    info = cpuinfo(src)
    cpu_vendor = vendor(src)
    name, flag = _hav_names(cpu_vendor)
    flags = info.flags if info is not None else frozenset()
    if info is None:
        n.unseen("/proc/cpuinfo", "EACCES")
    kernel_has: Optional[bool] = None
    if flags:
        kernel_has = flag in flags if flag else bool({"vmx", "svm"} & flags)
        n.add("/proc/cpuinfo flags", ("%s present" if kernel_has else "no %s flag") % (flag or "vmx/svm"),
              "the kernel lists the feature only when it is enabled and usable")
    raw, raw_where = _raw_bit(src, cpu_vendor)
    if raw is not None:
        n.add(raw_where, "set" if raw else "clear", "what the CPU (or the outer hypervisor) offers")
    elif src.cpuid_error():
        n.unseen("cpuid", src.cpuid_error())
    guest = is_guest(src)
    backend = backend_name(src)
    lines, log_error = kernel_log(src)
    if lines is None:
        n.unseen("cmd:dmesg", log_error, log_note(log_error))
    firmware_lines = log_lines(src, *FIRMWARE_MESSAGES)
    for line in firmware_lines[:3]:
        n.add("cmd:dmesg", line, "the kernel found the feature locked off by the firmware")
    for line in log_lines(src, *MISSING_MESSAGES)[:2]:
        n.add("cmd:dmesg", line, "the kernel's KVM found no usable hardware virtualization")
    for line in log_lines(src, HYPERV_NESTED)[:1]:
        n.add("cmd:dmesg", line, "KVM runs nested under Hyper-V (WSL 2, Azure) with enlightened VMCS")
    multihit, _ = first_line(src, "/sys/devices/system/cpu/vulnerabilities/itlb_multihit")
    if multihit and "KVM" in multihit:
        n.add("/sys/devices/system/cpu/vulnerabilities/itlb_multihit", multihit,
              "the kernel's view of VMX: 'VMX unsupported' (no VT-x usable), 'VMX disabled' (KVM not in VMX operation)")
    details: Dict[str, Any] = {"vendor": cpu_vendor, "kernel_flag": kernel_has, "cpuid_bit": raw, "guest": guest,
               "backend": backend, "value": name}

    if kernel_has:
        if guest:
            return n.done("pass", "%s is exposed to this guest by the outer hypervisor (flag %s): it can run "
                                  "hardware-assisted VMs (nested virtualization)" % (name, flag or "vmx/svm"),
                          **details)
        return n.done("pass", "%s is present and enabled (flag %s)" % (name, flag or "vmx/svm"), **details)

    if kernel_has is None and raw is None:
        return n.done("unknown", "Neither /proc/cpuinfo nor CPUID could be read: %s state unknown" % name, **details)

    state = firmware_state(src, n, cpu_vendor) if not guest else None
    details["firmware"] = state
    if raw and guest:  # offered in CPUID by the outer hypervisor, yet not enabled by this kernel
        return n.done("fail", "%s appears in this guest's CPUID but the kernel does not use it (the outer "
                              "hypervisor's emulation of it is incomplete, or this kernel has no %s)"
                      % (name, "kvm_intel" if cpu_vendor == "intel" else "kvm_amd"), NESTED_REMEDY, **details)
    if raw:  # in the CPU, not in the kernel's flags: disabled, not missing
        if state == "disabled" or firmware_lines:
            why = ("IA32_FEAT_CTL is locked without VMX" if cpu_vendor == "intel" else "VM_CR.SVMDIS is set") \
                if state == "disabled" else "the kernel log says so"
            return n.done("fail", "%s is in the CPU but disabled by the firmware (%s)" % (name, why),
                          HAV_REMEDY.get(cpu_vendor or "", HAV_REMEDY["intel"]), **details)
        if state in ("enabled", "unlocked"):
            return n.done("fail", "%s is in the CPU and allowed by the firmware, but this kernel turned it off "
                                  "(a kernel without %s support, or a clearcpuid/nosvm parameter)"
                          % (name, "kvm_intel" if cpu_vendor == "intel" else "kvm_amd"),
                          "Boot a kernel built with CONFIG_KVM_INTEL/CONFIG_KVM_AMD and without parameters that "
                          "clear the feature", **details)
        return n.done("fail", "%s is in the CPU but the kernel does not show it: disabled by the firmware, most "
                              "likely (run as root with the msr module loaded to confirm)" % name,
                      HAV_REMEDY.get(cpu_vendor or "", HAV_REMEDY["intel"]), **details)

    if backend == "kvm_pvm":
        return n.done("warn", "No %s%s: KVM runs here through PVM (kvm_pvm), without hardware virtualization"
                      % (name, " in this guest (the outer hypervisor does not expose it)" if guest else ""),
                      NESTED_REMEDY if guest else None, **details)
    if guest:
        return n.done("fail", "The outer hypervisor does not expose %s to this guest: no hardware-assisted VMs "
                              "here" % name, NESTED_REMEDY, **details)
    if raw is None:
        return n.done("fail", "No %s flag, and CPUID could not be read to tell a missing feature from a disabled "
                              "one" % name,
                      HAV_REMEDY.get(cpu_vendor or "", HAV_REMEDY["intel"]) + " (if the CPU has it)", **details)
    return n.done("fail", "This CPU has no %s: no hardware-assisted virtualization" % name, None, **details)


def _other_architecture(src, n: Notes) -> Check:
    arch = machine(src)
    info = cpuinfo(src)
    details = {"architecture": arch, "value": arch}
    if arch.startswith("s390"):
        has = info is not None and "sie" in info.flags
        n.add("/proc/cpuinfo features", "sie present" if has else "no sie", "SIE: the start-interpretive-execution "
              "facility KVM on IBM Z needs")
        if has:
            return n.done("pass", "SIE is available: KVM can run guests", **details)
        return n.done("fail", "No SIE facility: this LPAR or guest cannot run KVM guests",
                      "Run Linux in an LPAR, or ask the outer z/VM or KVM to pass SIE through", **details)
    if arch in ("aarch64", "arm64"):
        lines, error = kernel_log(src)
        el2 = log_lines(src, "started at EL2", "Hyp mode initialized", "VHE mode initialized", "hyp mode")
        el1 = log_lines(src, "started at EL1")
        for line in (el2 + el1)[:3]:
            n.add("cmd:dmesg", line, "the exception level the kernel was started at: EL2 is needed for KVM")
        if lines is None:
            n.unseen("cmd:dmesg", error, log_note(error))
        if el2:
            return n.done("pass", "The kernel was started at EL2 (hypervisor mode): KVM can run guests", **details)
        if el1:
            return n.done("fail", "The kernel was started at EL1: no hypervisor mode for KVM",
                          "Boot the kernel at EL2 (firmware), or ask the outer hypervisor for nested "
                          "virtualization", **details)
        kvm = src.device("/dev/kvm")
        if kvm.seen:
            n.add("/dev/kvm", "present", "the KVM driver registered: hypervisor mode is available")
            return n.done("pass", "/dev/kvm exists: the kernel has hypervisor mode (EL2) for KVM", **details)
        return n.done("unknown", "Whether this arm64 system has hypervisor mode (EL2) cannot be told from here",
                      **details)
    if arch.startswith("ppc"):
        platform = info.get("platform") if info is not None else ""
        n.add("/proc/cpuinfo platform", platform or "(none)", "PowerNV runs on OPAL firmware; pSeries is an LPAR")
        if platform == "PowerNV":
            return n.done("pass", "PowerNV: the hypervisor mode KVM-HV needs is available", **details)
        if platform == "pSeries":
            return n.done("warn", "A pSeries LPAR: only KVM-PR (emulated, slow) or nested KVM-HV where PowerVM or "
                                  "KVM offers it", **details)
        return n.done("unknown", "POWER hypervisor mode cannot be told from here", **details)
    return n.done("unknown", "Hardware virtualization on %s is not audited; /dev/kvm tells whether KVM works"
                  % (arch or "this architecture"), **details)


@check
def cpu_slat(src, evidence: Sequence[Evidence]) -> Check:
    """Second-level address translation (Intel EPT, AMD NPT) and the features KVM uses
    with it: unrestricted guest, VPID, APICv/AVIC, PML, shadow VMCS... from the `vmx flags`
    line (Linux 5.6+) or `flags`, and whether kvm_intel/kvm_amd keep them on."""
    n = Notes("cpu-slat")
    if not is_x86(src):
        return n.done("unknown", "SLAT is not audited on %s (arm64 stage-2 and POWER radix are always present with "
                                 "KVM)" % (machine(src) or "this architecture"), value=machine(src))
    info = cpuinfo(src)
    cpu_vendor = vendor(src)
    if info is None or not info.flags:
        n.unseen("/proc/cpuinfo", "ENOENT" if info is None else None)
        return n.done("unknown", "The kernel's CPU flags could not be read", value="unknown")
    flags, vmx_flags = info.flags, info.vmx_flags
    backend = backend_name(src)
    has_hav = "vmx" in flags or "svm" in flags
    if not has_hav:
        raw = cpuid_bit(src, 1, 2, 5) if cpu_vendor == "intel" else cpuid_bit(src, 0x80000001, 2, 2)
        if backend == "kvm_pvm":
            n.add("/proc/cpuinfo flags", "no vmx/svm", "PVM keeps guest page tables with shadow paging")
            return n.done("warn", "No EPT/NPT: KVM through PVM uses shadow paging, slower for memory-heavy guests",
                          value="shadow paging (PVM)", slat=False)
        if raw and cpu_vendor == "intel" and is_root(src):
            value, error = src.msr(0, IA32_VMX_PROCBASED_CTLS2)
            if value is not None:
                allowed = value >> 32
                found = [name for bit, name in CTLS2_BITS.items() if allowed >> bit & 1]
                n.add("msr:0x48b (IA32_VMX_PROCBASED_CTLS2, cpu 0)", "0x%x: %s" % (value, " ".join(found) or "none"),
                      "the secondary controls VMX would allow (Intel SDM vol. 3, appendix A.3.3)")
                offers = ", ".join(found) or "no EPT"
                return n.done("unknown", "VT-x is disabled; once enabled it offers: %s" % offers,
                              value=" ".join(found), slat="ept" in found)
            n.unseen("msr:0x48b", error, msr_note(src, error))
        n.add("/proc/cpuinfo flags", "no vmx/svm", "SLAT is part of VT-x/AMD-V")
        if raw:
            return n.done("unknown", "Hardware virtualization is disabled, so its EPT/NPT support cannot be read",
                          value="unknown", slat=None)
        return n.done("fail", "No hardware virtualization, so no EPT/NPT (see cpu-hav)", value="none", slat=False)

    if "vmx" in flags:
        slat_flag, module, param, features = "ept", "kvm_intel", "ept", INTEL_FEATURES
        present = set(flags) | set(vmx_flags)
        line = "vmx flags" if vmx_flags else "flags"
    else:
        slat_flag, module, param, features = "npt", "kvm_amd", "npt", AMD_FEATURES
        present = set(flags)
        line = "flags"
    found = [label for key, label in features if key in present]
    missing = [label for key, label in features if key not in present]
    n.add("/proc/cpuinfo " + line, " ".join(key for key, _ in features if key in present) or "(none of them)",
          "the VMX/SVM features the kernel found")
    details: Dict[str, Any] = {"features": found, "missing": missing, "vmx_flags_line": bool(vmx_flags)}
    if slat_flag not in present:
        return n.done("warn", "No %s: KVM falls back to shadow paging, which costs a VM exit per guest page-table "
                              "change" % slat_flag.upper(),
                      NESTED_REMEDY if is_guest(src) else "A CPU with %s is needed for fast guests"
                      % slat_flag.upper(), value="none", slat=False, **details)
    on, raw_param, path = param_on(src, module, param)
    if raw_param is not None:
        n.add(path, raw_param, "whether %s uses %s" % (module, slat_flag.upper()))
    if on is False:
        return n.done("warn", "%s is in the CPU but %s.%s=%s: guests use shadow paging"
                      % (slat_flag.upper(), module, param, raw_param),
                      "Remove %s.%s=0 from the kernel command line or /etc/modprobe.d, then reload %s"
                      % (module, param, module), value=slat_flag.upper(), slat=True, **details)
    notes: List[str] = []
    if "vmx" in flags and vmx_flags and "unrestricted_guest" not in present:
        return n.done("warn", "EPT without unrestricted guest: real-mode guest code is emulated (slow boots; "
                              "some guests fail)",
                      NESTED_REMEDY if is_guest(src) else None, value="EPT", slat=True, **details)
    if "vmx" in flags:
        ug_on, ug_raw, ug_path = param_on(src, "kvm_intel", "unrestricted_guest")
        if ug_on is False:
            n.add(ug_path, ug_raw, "kvm_intel keeps unrestricted guest off")
            notes.append("kvm_intel.unrestricted_guest=%s" % ug_raw)
    if not vmx_flags and "vmx" in flags:
        notes.append("finer VMX features not listed (kernel before 5.6)")
    summary = "%s present and in use%s" % (", ".join(found[:6]), "; " + "; ".join(notes) if notes else "")
    return n.done("pass", summary, value=slat_flag.upper(), slat=True, **details)
