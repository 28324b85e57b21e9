"""CPU checks: hardware virtualization (VT-x, AMD-V and their equivalents) and second-level
address translation with the finer VMX/SVM features.

Two views of the CPU are compared: CPUID, which says what the silicon (or the outer
hypervisor) offers, and the kernel's /proc/cpuinfo flags, which say what the kernel
enabled. A feature in CPUID but not in the flags was disabled, not missing: the MSRs
(root) or the kernel log tell by whom.
"""

from __future__ import annotations

from ..facts import Facts
from ..model import Check
from . import check
from .common import (
    Notes,
    backend_name,
    cpuid_bit,
    cpuid_where,
    cpuinfo,
    first_line,
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

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Tuple

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

HAV_REMEDY = {"intel": "remedy.enable-vtx", "amd": "remedy.enable-svm"}
#: The same, where the CPU may not have it at all.
HAV_REMEDY_IF_PRESENT = {"intel": "remedy.enable-vtx.if-present", "amd": "remedy.enable-svm.if-present"}
NESTED_REMEDY = "remedy.expose-hav-to-guest"

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


def firmware_state(facts: Facts, n: Notes, cpu_vendor: Optional[str]) -> Optional[str]:
    """From the MSR on CPU 0 (root, msr module): "disabled" (locked off by firmware),
    "enabled", "unlocked" (firmware left it to the OS), or None when unreadable."""
    if cpu_vendor == "intel":
        value, error = facts.src.msr(0, IA32_FEAT_CTL)
        where = "msr:0x3a (IA32_FEAT_CTL, cpu 0)"
        if value is None:
            n.unseen(where, error, msr_note(facts, error))
            return None
        locked, outside = bool(value & FEAT_CTL_LOCKED), bool(value & FEAT_CTL_VMX_OUTSIDE_SMX)
        n.add(where, "0x%x (lock=%d, VMX inside SMX=%d, VMX outside SMX=%d)" % (
            value, locked, bool(value & FEAT_CTL_VMX_INSIDE_SMX), outside),
            "note.cpu.bit-0-locks-the")
        if locked and not outside:
            return "disabled"
        return "enabled" if locked else "unlocked"
    if cpu_vendor == "amd":
        value, error = facts.src.msr(0, VM_CR)
        where = "msr:0xc0010114 (VM_CR, cpu 0)"
        if value is None:
            n.unseen(where, error, msr_note(facts, error))
            return None
        n.add(where, "0x%x (LOCK=%d, SVMDIS=%d)" % (value, bool(value & VM_CR_LOCK), bool(value & VM_CR_SVMDIS)),
              "note.cpu.svmdis-bit-4-makes")
        if value & VM_CR_SVMDIS:
            return "disabled"
        return "enabled"
    return None


@check()
def cpu_hav(facts: Facts) -> Check:
    """Hardware virtualization: VT-x (CPUID.1:ECX[5], flag `vmx`) or AMD-V (CPUID
    0x80000001:ECX[2], flag `svm`); when the CPU has it and the kernel does not show it,
    the firmware lock MSR (root) and the kernel log say who disabled it. Other
    architectures: s390 `sie`, arm64 EL2, POWER kvm_hv."""
    result = _hav(facts)
    details = dict(result.details)
    firmware = details.get("firmware")
    cpu_present = details.get("cpuid_bit") if details.get("cpuid_bit") is not None else details.get("kernel_flag")
    if result.status == "pass":
        cpu_present = True
    details.update(extension=details.get("value"), present=cpu_present, guest=facts.guest,
                   enabled_in_firmware={"disabled": False, "enabled": True, "unlocked": True}.get(firmware or ""))
    return result._replace(details=details)


def _hav(facts: Facts) -> Check:
    """cpu-hav before the details every system shares."""
    src = facts.src
    n = Notes("cpu-hav")
    if not is_x86(facts):
        return _other_architecture(facts, n)
    info = cpuinfo(facts)
    cpu_vendor = vendor(facts)
    name, flag = _hav_names(cpu_vendor)
    flags = info.flags if info is not None else frozenset()
    if info is None:
        n.unseen("/proc/cpuinfo", facts.error("/proc/cpuinfo"))
    kernel_has: Optional[bool] = None
    if flags:
        kernel_has = flag in flags if flag else bool({"vmx", "svm"} & flags)
        n.add("/proc/cpuinfo flags", ("%s present" if kernel_has else "no %s flag") % (flag or "vmx/svm"),
              "note.cpu.the-kernel-lists-the")
    raw, raw_where = _raw_bit(src, cpu_vendor)
    if raw is not None:
        n.add(raw_where, "set" if raw else "clear", "note.cpu.what-the-cpu-or")
    elif src.cpuid_error():
        n.unseen("cpuid", src.cpuid_error())
    guest = facts.guest
    backend = backend_name(facts)
    lines, log_error = kernel_log(facts)
    if lines is None:
        n.unseen("cmd:dmesg", log_error, log_note(log_error))
    firmware_lines = log_lines(facts, *FIRMWARE_MESSAGES)
    for line in firmware_lines[:3]:
        n.add("cmd:dmesg", line, "note.cpu.the-kernel-found-the")
    for line in log_lines(facts, *MISSING_MESSAGES)[:2]:
        n.add("cmd:dmesg", line, "note.cpu.the-kernel-s-kvm")
    for line in log_lines(facts, HYPERV_NESTED)[:1]:
        n.add("cmd:dmesg", line, "note.cpu.kvm-runs-nested-under")
    multihit, _ = first_line(src, "/sys/devices/system/cpu/vulnerabilities/itlb_multihit")
    if multihit and "KVM" in multihit:
        n.add("/sys/devices/system/cpu/vulnerabilities/itlb_multihit", multihit,
              "note.cpu.the-kernel-s-view")
    details: Dict[str, Any] = {"vendor": cpu_vendor, "kernel_flag": kernel_has, "cpuid_bit": raw, "guest": guest,
               "backend": backend, "value": name}
    fields = {"name": name, "flag": flag or "vmx/svm", "module": "kvm_intel" if cpu_vendor == "intel" else "kvm_amd"}
    hav_remedy = HAV_REMEDY.get(cpu_vendor or "", HAV_REMEDY["intel"])

    if kernel_has:
        if guest:
            return n.done("pass", "cpu-hav.exposed-to-guest", None, fields, **details)
        return n.done("pass", "cpu-hav.enabled", None, fields, **details)

    if kernel_has is None and raw is None:
        return n.done("unknown", "cpu-hav.unreadable", None, fields, **details)

    state = firmware_state(facts, n, cpu_vendor) if not guest else None
    details["firmware"] = state
    if raw and guest:  # offered in CPUID by the outer hypervisor, yet not enabled by this kernel
        return n.done("fail", "cpu-hav.guest-cpuid-unused", NESTED_REMEDY, fields, **details)
    if raw:  # in the CPU, not in the kernel's flags: disabled, not missing
        if state == "disabled" or firmware_lines:
            why = ("cpu-hav.why.feat-ctl" if cpu_vendor == "intel" else "cpu-hav.why.svmdis") \
                if state == "disabled" else "cpu-hav.why.kernel-log"
            return n.done("fail", "cpu-hav.disabled-by-firmware", hav_remedy, dict(fields, why_msg=why), **details)
        if state in ("enabled", "unlocked"):
            return n.done("fail", "cpu-hav.turned-off-by-kernel", "remedy.kvm-kernel", fields, **details)
        return n.done("fail", "cpu-hav.probably-firmware", hav_remedy, fields, **details)

    if backend == "kvm_pvm":
        return n.done("warn", "cpu-hav.pvm-in-guest" if guest else "cpu-hav.pvm", NESTED_REMEDY if guest else None,
                      fields, **details)
    if guest:
        return n.done("fail", "cpu-hav.not-exposed", NESTED_REMEDY, fields, **details)
    if raw is None:
        return n.done("fail", "cpu-hav.no-flag-no-cpuid",
                      HAV_REMEDY_IF_PRESENT.get(cpu_vendor or "", HAV_REMEDY_IF_PRESENT["intel"]), fields, **details)
    return n.done("fail", "cpu-hav.cpu-lacks", None, fields, **details)


def _other_architecture(facts: Facts, n: Notes) -> Check:
    src = facts.src
    arch = machine(src)
    info = cpuinfo(facts)
    details = {"architecture": arch, "value": arch}
    if arch.startswith("s390"):
        has = info is not None and "sie" in info.flags
        n.add("/proc/cpuinfo features", "sie present" if has else "no sie", "note.cpu.sie-the-start-interpretive")
        if has:
            return n.done("pass", "cpu-hav.sie", **details)
        return n.done("fail", "cpu-hav.no-sie", "remedy.sie", **details)
    if arch in ("aarch64", "arm64"):
        lines, error = kernel_log(facts)
        el2 = log_lines(facts, "started at EL2", "Hyp mode initialized", "VHE mode initialized", "hyp mode")
        el1 = log_lines(facts, "started at EL1")
        for line in (el2 + el1)[:3]:
            n.add("cmd:dmesg", line, "note.cpu.the-exception-level-the")
        if lines is None:
            n.unseen("cmd:dmesg", error, log_note(error))
        if el2:
            return n.done("pass", "cpu-hav.el2", **details)
        if el1:
            return n.done("fail", "cpu-hav.el1", "remedy.el2", **details)
        kvm = src.device("/dev/kvm")
        if kvm.seen:
            n.add("/dev/kvm", "present", "note.cpu.the-kvm-driver-registered")
            return n.done("pass", "cpu-hav.el2-dev-kvm", **details)
        return n.done("unknown", "cpu-hav.el2-unknown", **details)
    if arch.startswith("ppc"):
        platform = info.get("platform") if info is not None else ""
        n.add("/proc/cpuinfo platform", platform or "(none)", "note.cpu.powernv-runs-on-opal")
        if platform == "PowerNV":
            return n.done("pass", "cpu-hav.powernv", **details)
        if platform == "pSeries":
            return n.done("warn", "cpu-hav.pseries", **details)
        return n.done("unknown", "cpu-hav.power-unknown", **details)
    return n.done("unknown", "cpu-hav.other-architecture", None, {"arch": arch or "?"}, **details)


@check()
def cpu_slat(facts: Facts) -> Check:
    """Second-level address translation (Intel EPT, AMD NPT) and the features KVM uses
    with it: unrestricted guest, VPID, APICv/AVIC, PML, shadow VMCS... from the `vmx flags`
    line (Linux 5.6+) or `flags`, and whether kvm_intel/kvm_amd keep them on."""
    result = _slat(facts)
    details = dict(result.details)
    details.update(extension={"intel": "EPT", "amd": "NPT"}.get(vendor(facts) or "", details.get("value")),
                   present=details.get("slat"))
    return result._replace(details=details)


def _slat(facts: Facts) -> Check:
    """cpu-slat before the details every system shares."""
    src = facts.src
    n = Notes("cpu-slat")
    if not is_x86(facts):
        return n.done("unknown", "cpu-slat.other-architecture", None, {"arch": machine(src) or "?"},
                      value=machine(src))
    info = cpuinfo(facts)
    cpu_vendor = vendor(facts)
    if info is None or not info.flags:
        n.unseen("/proc/cpuinfo", facts.error("/proc/cpuinfo"))
        return n.done("unknown", "cpu-slat.flags-unreadable", value="unknown")
    flags, vmx_flags = info.flags, info.vmx_flags
    backend = backend_name(facts)
    has_hav = "vmx" in flags or "svm" in flags
    if not has_hav:
        raw = cpuid_bit(src, 1, 2, 5) if cpu_vendor == "intel" else cpuid_bit(src, 0x80000001, 2, 2)
        if backend == "kvm_pvm":
            n.add("/proc/cpuinfo flags", "no vmx/svm", "note.cpu.pvm-keeps-guest-page")
            return n.done("warn", "cpu-slat.pvm", value="shadow paging (PVM)", slat=False)
        if raw and cpu_vendor == "intel" and is_root(facts):
            value, error = src.msr(0, IA32_VMX_PROCBASED_CTLS2)
            if value is not None:
                allowed = value >> 32
                found = [name for bit, name in CTLS2_BITS.items() if allowed >> bit & 1]
                n.add("msr:0x48b (IA32_VMX_PROCBASED_CTLS2, cpu 0)", "0x%x: %s" % (value, " ".join(found) or "none"),
                      "note.cpu.the-secondary-controls-vmx")
                return n.done("unknown", "cpu-slat.vtx-disabled-offers" if found else "cpu-slat.vtx-disabled-no-ept",
                              None, {"offers": found}, value=" ".join(found), slat="ept" in found)
            n.unseen("msr:0x48b", error, msr_note(facts, error))
        n.add("/proc/cpuinfo flags", "no vmx/svm", "note.cpu.slat-is-part-of")
        if raw:
            return n.done("unknown", "cpu-slat.hav-disabled", value="unknown", slat=None)
        return n.done("fail", "cpu-slat.no-hav", value="none", slat=False)

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
          "note.cpu.the-vmx-svm-features")
    details: Dict[str, Any] = {"features": found, "missing": missing, "vmx_flags_line": bool(vmx_flags)}
    if slat_flag not in present:
        return n.done("warn", "cpu-slat.shadow-paging", NESTED_REMEDY if facts.guest else "remedy.slat-cpu",
                      {"slat": slat_flag.upper()}, value="none", slat=False, **details)
    on, raw_param, path = param_on(src, module, param)
    if raw_param is not None:
        n.add(path, raw_param, "note.cpu.slat-param", module=module, slat=slat_flag.upper())
    if on is False:
        return n.done("warn", "cpu-slat.turned-off", "remedy.slat-param",
                      {"slat": slat_flag.upper(), "module": module, "param": param, "raw": raw_param},
                      value=slat_flag.upper(), slat=True, **details)
    notes: List[str] = []
    ug_raw: Optional[str] = None
    if "vmx" in flags and vmx_flags and "unrestricted_guest" not in present:
        return n.done("warn", "cpu-slat.no-unrestricted-guest", NESTED_REMEDY if facts.guest else None,
                      value="EPT", slat=True, **details)
    if "vmx" in flags:
        ug_on, ug_raw, ug_path = param_on(src, "kvm_intel", "unrestricted_guest")
        if ug_on is False:
            n.add(ug_path, ug_raw, "note.cpu.kvm-intel-keeps-unrestricted")
            notes.append("cpu-slat.note.ug-param")
    if not vmx_flags and "vmx" in flags:
        notes.append("cpu-slat.note.old-kernel")
    return n.done("pass", "cpu-slat.in-use-notes" if notes else "cpu-slat.in-use", None,
                  {"features": found[:6], "notes_msgs": notes, "raw": ug_raw},
                  value=slat_flag.upper(), slat=True, **details)
