"""FreeBSD's boot messages (/var/run/dmesg.boot): what identcpu.c printed about the CPU.

The lines look like:

    CPU: Intel(R) Xeon(R) CPU E5-2620 v3 @ 2.40GHz (2400.05-MHz K8-class CPU)
      Features2=0xfffa3203<SSE3,PCLMULQDQ,...,VMX,...,HV>
      VT-x: (disabled in BIOS) PAT,HLT,MTF,PAUSE,EPT,UG,VPID
      SVM: NP,NRIP,VClean,AFlush,DAssist,NAsids=32768
    Hypervisor: Origin = "bhyve bhyve "

"VT-x:" and "SVM:" are printed from the VMX capability MSRs and CPUID 0x8000000A; "(disabled
in BIOS)" when IA32_FEATURE_CONTROL (Intel) or VM_CR.SVMDIS (AMD) locks them off; HV in
Features2 is CPUID.1:ECX[31], the hypervisor bit.
"""

from __future__ import annotations

import re

from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import FrozenSet, List, Optional, Set


class VirtExtensions(Record):
    kind: str  # "VT-x" or "SVM"
    disabled: bool  # "(disabled in BIOS)"
    features: FrozenSet[str]  # EPT, UG, VPID, NP, NRIP, ... as printed
    raw: str


class BootCpu(Record):
    model: str = ""
    features: FrozenSet[str] = frozenset()  # every name in a Features...=0x...<...> list
    virt: Optional[VirtExtensions] = None
    hypervisor_origin: Optional[str] = None
    has_feature_lines: bool = False


_ORIGIN = re.compile(r'^Hypervisor:\s+Origin\s*=\s*"([^"]*)"')
_DISABLED = "(disabled in BIOS)"


HEX_DIGITS = frozenset("0123456789abcdefABCDEF")


def _feature_names(line: str) -> Optional[str]:
    """The list of an indented "  Features2=0x1234<A,B,C>" line (also "AMD Features",
    "Structured Extended Features3", ...), or None. String operations, not a regular
    expression: a line of 1 MiB of spaces costs one pass."""
    if not line[:1].isspace():
        return None
    head, sep, rest = line.partition("=0x")
    name = head.strip().rstrip("0123456789")
    if not sep or not name.endswith("Features") or not all(c == " " or c == "_" or c.isalnum() for c in name):
        return None
    number, sep, rest = rest.partition("<")
    names, end, _ = rest.partition(">")
    if not sep or not end or not number or not set(number) <= HEX_DIGITS:
        return None
    return names


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _virt(block: List[str]) -> VirtExtensions:
    kind, _, rest = block[0].partition(":")
    text = " ".join([rest] + block[1:])
    disabled = _DISABLED in text
    tokens = re.split(r"[\s,<>]+", text.replace(_DISABLED, " "))
    names = frozenset(t.split("=")[0] for t in tokens if t and t[0].isalpha())
    return VirtExtensions(kind.strip(), disabled, names, " ".join(block)[:300])


def parse_boot_cpu(text: str) -> BootCpu:
    """The first CPU block of dmesg.boot (a later boot appended to the file starts another).
    Never raises: what is not recognised is left out."""
    model = ""
    features: Set[str] = set()
    origin: Optional[str] = None
    block: List[str] = []
    in_cpu = seen_cpu = in_virt = False
    for line in text.splitlines():
        match = _ORIGIN.match(line)
        if match:
            origin = match.group(1)
            continue
        if line.startswith("CPU: "):
            if seen_cpu:
                break
            seen_cpu = in_cpu = True
            model = line[5:].strip()
            continue
        if not in_cpu:
            continue
        if not line[:1].isspace():
            in_cpu = in_virt = False
            continue
        stripped = line.strip()
        if stripped.startswith(("VT-x:", "SVM:")) and not block:
            block, in_virt = [stripped], True
            continue
        if in_virt and _indent(line) > 2:  # bootverbose: the VMX controls on lines of their own
            block.append(stripped)
            continue
        in_virt = False
        names = _feature_names(line)
        if names is not None:
            features.update(f.strip() for f in names.split(",") if f.strip())
    return BootCpu(model, frozenset(features), _virt(block) if block else None, origin, bool(features))
