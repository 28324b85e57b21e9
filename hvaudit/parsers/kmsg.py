"""The kernel log: /dev/kmsg records (Documentation/ABI/testing/dev-kmsg) and `dmesg` text,
and which of its lines say something about virtualization."""

from __future__ import annotations

from bisect import bisect_right

from . import number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List, Optional, Pattern, Sequence, Tuple

#: Lines worth keeping: hardware virtualization, KVM and its backends, IOMMU and interrupt
#: remapping, memory encryption and confidential guests, the hypervisor, security modules.
#: Examples: "x86/cpu: VMX (outside TXT) disabled by BIOS" (arch/x86/kernel/cpu/feat_ctl.c),
#: "SVM disabled (by BIOS) in MSR_VM_CR", "kvm: disabled by bios", "DMAR-IR: Enabled IRQ
#: remapping in x2apic mode", "AMD-Vi: Interrupt remapping enabled", "SEV supported: 410 ASIDs",
#: "Memory Encryption Features active: AMD SEV SEV-ES SEV-SNP", "tdx: Guest detected",
#: "virt/tdx: module initialized", "kvm-pvm: loaded", "KVM: vmx: using Hyper-V Enlightened VMCS".
RELEVANT = (
    r"\bVMX\b|\bSVM\b|\bkvm|\bKVM|\bPVM\b|\bpvm|disabled by bios|\bDMAR|AMD-Vi|\bIOMMU|\biommu|IRQ remapping|"
    r"Interrupt remapping|\bSEV|\bSNP\b|\bSME\b|Memory Encryption|\btdx|\bTDX|\bccp\b|Hypervisor detected|"
    r"Hyper-V|\bvfio|\bVFIO|\bvhost|AppArmor|apparmor|SELinux|\bLSM\b|landlock|prot_virt|Secure Execution|"
    r"\bEL2\b|Hyp mode|\bhugepages?\b|HugeTLB")
#: Noise that matches the pattern but says nothing about capabilities.
NOISE = (r"kvm-clock|clocksource: kvm|kvm-guest: (?:APIC|setup|KVM setup|PV spinlocks)|"
         r"Booting paravirtualized kernel|Kernel command line|Command line")
#: Every alternative of RELEVANT contains one of these, case-folded: a cheap test that skips
#: the regex for the great majority of lines (a boot log has thousands).
KEYWORDS = ("vmx", "svm", "kvm", "pvm", "disabled by bios", "dmar", "amd-vi", "iommu", "remapping", "sev", "snp",
            "sme", "memory encryption", "tdx", "ccp", "hypervisor detected", "hyper-v", "vfio", "vhost", "apparmor",
            "selinux", "lsm", "landlock", "prot_virt", "secure execution", "el2", "hyp mode", "hugepage", "hugetlb")
MAX_LINES = 400
MAX_LINE = 400


def parse_kmsg_record(record: bytes) -> Optional[Tuple[int, int, str]]:
    """One /dev/kmsg record, "PRIO,SEQ,USEC,FLAGS[,..];TEXT\\n KEY=VALUE...", as
    (facility, microseconds, text); None if malformed. \\xNN escapes are kept as they are."""
    head, sep, rest = record.partition(b";")
    if not sep:
        return None
    fields = head.split(b",")
    if len(fields) < 3:
        return None
    prio, usec = number(fields[0].decode("ascii", "replace")), number(fields[2].decode("ascii", "replace"))
    if prio is None or usec is None or prio < 0 or usec < 0:
        return None
    text = rest.split(b"\n", 1)[0].decode("utf-8", "replace")
    return prio >> 3, usec, text


def records_with_keywords(records: Sequence[bytes]) -> List[bytes]:
    """The records that hold one of KEYWORDS, in order: the whole log is searched at once
    (a few substring searches over one buffer), not record by record."""
    starts = []
    offset = 0
    for record in records:
        starts.append(offset)
        offset += len(record)
    folded = b"".join(records).lower()
    hits = set()
    for word in KEYWORDS:
        needle = word.encode("ascii")
        at = folded.find(needle)
        while at != -1:
            index = bisect_right(starts, at) - 1
            hits.add(index)
            at = folded.find(needle, starts[index + 1] if index + 1 < len(starts) else len(folded))
    return [records[i] for i in sorted(hits)]


def format_line(usec: int, text: str) -> str:
    """As `dmesg` prints it: "[    0.000000] text"."""
    return "[%5d.%06d] %s" % (usec // 1000000, usec % 1000000, text)


_PATTERNS: List[Pattern[str]] = []


def patterns() -> Tuple[Pattern[str], Pattern[str]]:
    """RELEVANT and NOISE compiled, on first use: most logs have no line that needs them,
    and compiling the first costs milliseconds. Neither re nor functools (for a cache) is
    imported before: each costs an audit milliseconds of start-up."""
    if not _PATTERNS:
        import re

        _PATTERNS.extend((re.compile(RELEVANT), re.compile(NOISE)))
    return _PATTERNS[0], _PATTERNS[1]


def relevant_lines(lines: Iterable[str]) -> List[str]:
    """The lines that matter, bounded in number and length."""
    out: List[str] = []
    for line in lines:
        line = line.rstrip("\n")
        folded = line.lower()
        if not any(word in folded for word in KEYWORDS):
            continue
        relevant, noise = patterns()
        if relevant.search(line) and not noise.search(line):
            out.append(line[:MAX_LINE])
            if len(out) >= MAX_LINES:
                break
    return out


def message(line: str) -> str:
    """The text of a dmesg line without its "[ time]" prefix."""
    import re

    return re.sub(r"^\[\s*\d+\.\d+\]\s?", "", line)
