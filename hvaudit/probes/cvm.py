"""Confidential computing, the guest side: is this system a confidential VM, as
systemd-detect-virt --cvm (src/basic/confidential-virt.c) and virt-what-cvm tell it, step
for step, plus what the kernel says without privileges (/dev/sev-guest, /dev/tdx_guest,
the `tdx_guest` flag, "Memory Encryption Features active" in the log), so that an
unprivileged SEV guest is not taken for "none". CPUID comes from the hypervisor and can
lie; only attestation proves a CVM (intel/tdx-tools#331).

The verdict is a claim on the "cvm" facet, which the classifier decides; when it cannot be
told, the probe claims nothing and says why (cvm-guest reports it as unknown).
"""

from __future__ import annotations

from ..model import Claim, Evidence, Strength, unseen
from ..reads import cpuid_bit, cpuid_vendor, cpuid_where, exists, first_line, machine, msr_note
from ..signatures import signature_text
from ..sources import Source
from ..views import LINUX, Views
from . import probe, shorten

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, List, Optional, Tuple

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


def _hyperv_isolation(src: Source, n: _Seen) -> Optional[str]:
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
    n.add("cpuid:0x4000000c EBX[3:0]", kind, "note.probe.cvm.hyper-v-isolation-type")
    return HYPERV_ISOLATION_TYPES.get(kind, "hyperv-isolation")


def _kernel_signals(views: Views, n: _Seen) -> Optional[str]:
    """What this guest's kernel says without privileges."""
    src = views.src
    info = views.cpuinfo()
    if info is not None and "tdx_guest" in info.flags:
        n.add("/proc/cpuinfo flags", "tdx_guest", "note.probe.cvm.the-kernel-runs-as")
        return "tdx"
    for line in _log_lines(views, "Memory Encryption Features active"):
        n.add("cmd:dmesg", line, "note.probe.cvm.the-guest-kernel-s")
        if "TDX" in line:
            return "tdx"
        if "SEV-SNP" in line:
            return "sev-snp"
        if "SEV-ES" in line:
            return "sev-es"
        if "SEV" in line:
            return "sev"
    for line in _log_lines(views, "tdx: Guest detected"):
        n.add("cmd:dmesg", line)
        return "tdx"
    for node, kind in (("/dev/tdx_guest", "tdx"), ("/dev/sev-guest", "sev-snp")):
        if src.device(node).seen:
            n.add(node, "present", "note.probe.cvm.the-guest-driver-for")
            return kind
    return None


def detect_cvm(views: Views, n: _Seen) -> Tuple[str, Optional[str]]:
    """(systemd's cvm id, what made it unknown or None)."""
    src = views.src
    arch = machine(src)
    if arch.startswith("s390"):
        value, _ = first_line(src, "/sys/firmware/uv/prot_virt_guest")
        if value is not None:
            n.add("/sys/firmware/uv/prot_virt_guest", value, "note.probe.cvm.1-in-a-secure")
        return ("protvirt" if value == "1" else "none"), None
    if arch in ("aarch64", "arm64"):
        present = exists(src, "/sys/devices/platform/arm-cca-dev")
        if present:
            n.add("/sys/devices/platform/arm-cca-dev", "present", "note.probe.cvm.the-arm-cca-realm")
        return ("cca" if present else "none"), None
    guest = cpuid_bit(src, 1, 2, 31)
    if guest is None:
        signal = _kernel_signals(views, n)
        if signal:
            return signal, None
        # Why CPUID failed is cpu.hypervisor-leaves' evidence already.
        return "none", "cpuid"
    n.add(cpuid_where(1, 2, 31), "set" if guest else "clear", "note.probe.cvm.cpuid-checks-are-skipped")
    if not guest:
        return "none", None
    raw_vendor = cpuid_vendor(src)
    if raw_vendor in ("AuthenticAMD", "HygonGenuine"):
        sev = cpuid_bit(src, SEV_LEAF, 0, 1)
        if sev:
            n.add(cpuid_where(SEV_LEAF, 0, 1), "set", "note.probe.cvm.sev-is-offered-to")
            status, msr_error = src.msr(0, MSR_AMD64_SEV)
            if status is not None:
                n.add("msr:0xc0010131 (SEV_STATUS, cpu 0)", "0x%x" % status, "note.probe.cvm.bit-0-sev-1")
                return _sev_from_msr(status), None
            n.unseen("msr:0xc0010131", msr_error, msr_note(views, msr_error))
            signal = _kernel_signals(views, n)
            if signal:
                return signal, None
            return "none", "sev-status"
        isolated = _hyperv_isolation(src, n)
        return isolated or "none", None
    if raw_vendor == "GenuineIntel":
        top = src.cpuid(0)
        if top is not None and top[0] >= TDX_LEAF:
            regs = src.cpuid(TDX_LEAF)
            if regs is not None:
                text = signature_text(regs[1], regs[3], regs[2])
                if text.strip():
                    n.add("cpuid:0x21", repr(text), "note.probe.cvm.inteltdx-in-ebx-edx")
                if text == "IntelTDX    ":
                    return "tdx", None
        isolated = _hyperv_isolation(src, n)
        if isolated:
            return isolated, None
        return _kernel_signals(views, n) or "none", None
    return _kernel_signals(views, n) or "none", None


class _Seen:
    """The observations made on the way to a verdict, in order."""

    def __init__(self) -> None:
        self.items: List[Evidence] = []

    def add(self, where: str, raw: object, note: str = "") -> None:
        self.items.append(Evidence(PROBE, where, raw=shorten(str(raw)), strength=Strength.STRONG, note=note))

    def unseen(self, where: str, error: Optional[str], note: str = "") -> None:
        if error and error not in ("ENOENT", "ENOTDIR"):
            self.items.append(unseen(PROBE, where, error, note))


def _log_lines(views: Views, *needles: str) -> List[str]:
    lines, _ = views.kernel_log()
    return [line for line in lines or () if any(n in line for n in needles)]


PROBE = "cvm.guest"
#: Why the verdict could not be made, as `unknown` records it: CPUID could not be executed,
#: or SEV is offered and whether it is active needs SEV_STATUS (root) or the kernel log.
UNKNOWN_CAUSES = ("cpuid", "sev-status")


@probe(PROBE, systems=(LINUX,))
def cvm_guest(src: Source, views: Views) -> Iterator[Evidence]:
    """AMD SEV/SEV-ES/SEV-SNP (CPUID 0x8000001F, MSR SEV_STATUS as root), Intel TDX (CPUID
    leaf 0x21), Hyper-V isolation (paravisor, CPUID 0x40000003/0x4000000C), IBM Z protected
    virtualization, Arm CCA, and the kernel's own unprivileged signals. The last evidence
    carries the verdict: a claim on the "cvm" facet, or (unknown) a claimless "cvm:unknown"."""
    seen = _Seen()
    cvm, unknown = detect_cvm(views, seen)
    yield from seen.items
    if unknown:
        yield Evidence(PROBE, "cvm:unknown", raw=unknown, note="")
        return
    last = seen.items[-1].where if seen.items else "cpuid"
    yield Evidence(PROBE, last, raw=cvm, claim=Claim("cvm", cvm),
                   strength=Strength.STRONG if cvm != "none" else Strength.HINT)
