"""/proc/cpuinfo: the kernel's view of the CPUs (Documentation/arch/x86/cpuinfo.rst)."""

from __future__ import annotations

from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet


class CpuInfo(Record):
    """The first processor's fields, its feature flags, and the count of processors."""

    fields: Dict[str, str] = {}
    flags: FrozenSet[str] = frozenset()
    vmx_flags: FrozenSet[str] = frozenset()
    processors: int = 0
    text: str = ""

    def get(self, key: str, default: str = "") -> str:
        return self.fields.get(key, default)


#: How much of /proc/cpuinfo is read: what the probes need (the first processor's block, and
#: on POWER the machine lines after the blocks) is at its start, while the whole file grows
#: with the processors (about 1.4 KiB each on x86: 800 of them pass 1 MiB). Reading the
#: first part only keeps memory bounded on any host; the processor count is then of the
#: part read.
CPUINFO_LIMIT = 1 << 20

#: The names of the feature line on each architecture: x86 "flags", arm "Features",
#: s390 "features", and "facilities" on s390 for machine facilities.
FLAG_KEYS = ("flags", "features", "facilities")


def parse_cpuinfo(text: str) -> CpuInfo:
    """Parse the first block of each key; flags from the first `flags`/`Features` line. The
    text may be the first part of a longer file: a last line without its newline is left out."""
    if len(text) >= CPUINFO_LIMIT and not text.endswith("\n"):
        text = text[:text.rfind("\n") + 1]
    fields: Dict[str, str] = {}
    flags: FrozenSet[str] = frozenset()
    vmx: FrozenSet[str] = frozenset()
    processors = 0
    for line in text.split("\n"):
        key, sep, value = line.partition(":")
        if not sep:
            continue
        key, value = key.strip().lower(), value.strip()
        if key == "processor":
            processors += 1
        if key in fields:
            continue
        fields[key] = value
        if key in FLAG_KEYS and not flags:
            flags = frozenset(value.split())
        elif key == "vmx flags":
            vmx = frozenset(value.split())
    return CpuInfo(fields=fields, flags=flags, vmx_flags=vmx, processors=processors, text=text)
