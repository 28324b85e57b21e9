"""The CPU's two views: the raw CPUID instruction, and the kernel's /proc/cpuinfo."""

from __future__ import annotations

from ..model import Evidence, Strength, unseen
from ..signatures import CPUID_PRODUCTS, CPUID_SIGNATURES, plausible_signature, signature_text
from ..sources import Source, cpuid_key
from ..sources.cpuid import X86
from ..views import LINUX, Views
from . import ev, missing, probe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, List, Optional, Tuple


HYPERVISOR_BASE = 0x40000000
HYPERVISOR_STEP = 0x100
HYPERVISOR_LEAVES = 256  # 0x40000000 .. 0x4000FF00
HYPERV_FEATURES = 0x40000003  # TLFS: EBX bit 12 = CpuManagement (root partition)



@probe("cpu.kernel-view", systems=(LINUX,))
def kernel_view(src: Source, views: Views) -> Iterator[Evidence]:
    """/proc/cpuinfo: the `hypervisor` flag (the kernel's copy of CPUID.1:ECX[31]) and the
    vendor and model strings that name User-mode Linux, PowerVM Lx86, QEMU and POWER LPARs."""
    pid = "cpu.kernel-view"
    info = views.cpuinfo()
    if info is None:
        yield from missing(pid, "/proc/cpuinfo", views.read("/proc/cpuinfo", 4 << 20).error)
        return
    where = "/proc/cpuinfo"
    machine = src.uname().get("machine", "")
    vendor, model = info.get("vendor_id"), info.get("model name")
    x86 = machine in X86 or vendor in ("GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls")
    if "hypervisor" in info.flags:
        yield ev(pid, where + " flags", "hypervisor", "vm", "*", Strength.STRONG,
                 "note.probe.cpu.the-kernel-sets-this")
    elif x86 and info.flags:
        yield ev(pid, where + " flags", "no 'hypervisor' flag", "vm", "none", Strength.STRONG,
                 "note.probe.cpu.cpuid-1-ecx-31")
    if vendor == "User Mode Linux":
        yield ev(pid, where + " vendor_id", vendor, "vm", "uml", Strength.DEFINITIVE,
                 "note.probe.cpu.the-kernel-is-the")
    elif "PowerVM Lx86" in vendor:
        yield ev(pid, where + " vendor_id", vendor, "vm", "lx86", Strength.STRONG,
                 "note.probe.cpu.powervm-lx86-translates-x86")
    elif vendor == "IBM/S390":
        yield ev(pid, where + " vendor_id", vendor, note="note.probe.cpu.ibm-z-the-hypervisor")
    if "QEMU Virtual CPU" in model:
        yield ev(pid, where + " model name", model, "vmm", "qemu", Strength.STRONG,
                 "note.probe.cpu.qemu-s-default-cpu")
        yield ev(pid, where + " model name", model, "vm", "qemu", Strength.WEAK,
                 "note.probe.cpu.qemu-s-cpu-model")
    elif "Common KVM processor" in model:
        yield ev(pid, where + " model name", model, "vm", "kvm", Strength.WEAK, "note.probe.cpu.qemu-s-kvm64-cpu")
    platform = info.get("platform")
    if platform:
        cpu_model = info.get("model")
        if platform == "pSeries" and "emulated by qemu" in cpu_model:
            yield ev(pid, where + " platform/model", "%s / %s" % (platform, cpu_model), "vm", "kvm",
                     Strength.STRONG, "note.probe.cpu.a-pseries-machine-emulated")
        elif platform == "pSeries":
            yield ev(pid, where + " platform", platform, "vm", "powervm", Strength.STRONG,
                     "note.probe.cpu.the-pseries-platform-is")
        elif platform == "PowerNV":
            yield ev(pid, where + " platform", platform, "vm", "none", Strength.STRONG,
                     "note.probe.cpu.powernv-linux-runs-directly")


def hypervisor_leaves(src: Source) -> List[Tuple[int, str, Tuple[int, int, int, int]]]:
    """(base, signature, registers) for every plausible signature in the hypervisor range.

    Interfaces sit at consecutive 0x100 boundaries from 0x40000000: another hypervisor's
    first (Hyper-V's, TLFS 2.4), then the hypervisor's own at "the first otherwise unused
    0x100 aligned boundary" (Xen's public cpuid.h; KVM behind Hyper-V enlightenments at
    0x40000100). So past the second boundary the first one without a signature ends the
    scan: in a VM every CPUID is an exit to the hypervisor, and most of the 256 are empty."""
    found: List[Tuple[int, str, Tuple[int, int, int, int]]] = []
    seen_texts = set()
    for n in range(HYPERVISOR_LEAVES):
        base = HYPERVISOR_BASE + n * HYPERVISOR_STEP
        regs = src.cpuid(base)
        if regs is None:  # not asked when the capture was made: the next may have been
            continue
        text = signature_text(regs[1], regs[2], regs[3])
        if not plausible_signature(text) or text in seen_texts:
            if n >= 1:
                break
            continue
        seen_texts.add(text)
        found.append((base, text, regs))
    return found


@probe("cpu.hypervisor-leaves")
def cpuid_view(src: Source, views: Views) -> Iterator[Evidence]:
    """CPUID.1:ECX[31] and every vendor signature in leaves 0x40000000-0x4000FF00 (up to the
    first empty boundary past the second, see hypervisor_leaves). A
    hypervisor that offers another's interface puts it at 0x40000000 and its own above
    (TLFS §2.4): KVM with Hyper-V enlightenments sits at 0x40000100, Xen behind Viridian too."""
    pid = "cpu.hypervisor-leaves"
    error = src.cpuid_error()
    if error is not None:
        yield unseen(pid, "cpuid", error)
        return
    leaf1 = src.cpuid(1)
    hypervisor_bit: Optional[bool] = None
    if leaf1 is not None:
        hypervisor_bit = bool(leaf1[2] >> 31 & 1)
        if hypervisor_bit:
            yield ev(pid, "cpuid:0x1", "ECX=0x%08x (bit 31 set)" % leaf1[2], "vm", "*", Strength.DEFINITIVE,
                     "note.probe.cpu.cpuid-1-ecx-31-2")
        else:
            yield ev(pid, "cpuid:0x1", "ECX=0x%08x (bit 31 clear)" % leaf1[2], "vm", "none", Strength.STRONG,
                     "note.probe.cpu.no-hypervisor-announces-itself")
    if hypervisor_bit is False:
        regs = src.cpuid(HYPERVISOR_BASE)
        if regs is not None:
            text = signature_text(regs[1], regs[2], regs[3])
            if text in CPUID_SIGNATURES:  # a hypervisor that clears the bit but still answers
                yield ev(pid, "cpuid:0x40000000", text, "vm", CPUID_SIGNATURES[text], Strength.STRONG,
                         "note.probe.cpu.a-hypervisor-signature-answers")
        return
    signatures = hypervisor_leaves(src)
    known = [s for s in signatures if s[1] in CPUID_SIGNATURES]
    native_base = known[-1][0] if known else None
    for base, text, regs in signatures:
        where = "cpuid:%s" % cpuid_key(base)
        tech = CPUID_SIGNATURES.get(text)
        if tech is None:
            yield ev(pid, where, text, "vm", "*", Strength.WEAK,
                     "note.probe.cpu.unknown-signature", eax="0x%08x" % regs[0])
        elif base == native_base:
            yield ev(pid, where, text, "vm", tech, Strength.DEFINITIVE, "note.probe.cpu.the-hypervisor-s-own")
            if text in CPUID_PRODUCTS:
                yield ev(pid, where, text, "vmm", CPUID_PRODUCTS[text], Strength.DEFINITIVE,
                         "note.probe.cpu.this-signature-is-specific")
        else:
            yield ev(pid, where, text, "interface", tech, Strength.STRONG,
                     "note.probe.cpu.compatibility-interface", leaf=cpuid_key(native_base or 0))
    if any(s[1] == "Microsoft Hv" for s in known):
        base = next(s[0] for s in known if s[1] == "Microsoft Hv")
        features = src.cpuid(base + 3)
        if features is not None and features[1] >> 12 & 1:
            yield ev(pid, "cpuid:%s" % cpuid_key(base + 3), "EBX=0x%08x (CpuManagement, bit 12)" % features[1],
                     "role", "root-partition", Strength.DEFINITIVE,
                     "note.probe.cpu.the-root-partition-of")
