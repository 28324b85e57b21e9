"""Kernel module facts: parameters as sysfs prints them, and /proc/modules lines."""

from __future__ import annotations

from typing import Dict, Optional

from . import number

#: How the kernel prints module parameters (kernel/params.c): bool and invbool as "Y"/"N",
#: int and uint as decimal. KVM mixes both: kvm_intel.nested is a bool ("Y"), kvm_amd.nested
#: an int ("1"); old kernels printed kvm_amd.sev as "1" (karmab/kcli#667 tripped on this).
TRUE_WORDS = frozenset({"y", "yes", "on", "true"})
FALSE_WORDS = frozenset({"n", "no", "off", "false"})


def parse_param_bool(text: Optional[str]) -> Optional[bool]:
    """"Y"/"N", "1"/"0" (any integer: non-zero is on), "on"/"off"; None when unreadable."""
    if text is None:
        return None
    value = text.strip().lower()
    if not value:
        return None
    if value in TRUE_WORDS:
        return True
    if value in FALSE_WORDS:
        return False
    parsed = number(value, 0)
    return None if parsed is None else parsed != 0


def parse_param_int(text: Optional[str]) -> Optional[int]:
    if text is None:
        return None
    return number(text, 0)


def parse_proc_modules(text: str) -> Dict[str, str]:
    """/proc/modules: "name size refcount deps state address" -> {name: state} (Live, Loading...).
    Built-in modules never appear here; /sys/module/NAME does exist for them."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) >= 5:
            out[fields[0]] = fields[4]
    return out
