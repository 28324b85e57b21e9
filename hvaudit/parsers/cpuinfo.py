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


#: The names of the feature line on each architecture: x86 "flags", arm "Features",
#: s390 "features", and "facilities" on s390 for machine facilities.
FLAG_KEYS = ("flags", "features", "facilities")


def parse_cpuinfo(text: str) -> CpuInfo:
    """Parse the first block of each key; flags from the first `flags`/`Features` line."""
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
