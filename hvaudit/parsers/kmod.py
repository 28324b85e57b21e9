"""Kernel module parameters as sysfs prints them."""

from __future__ import annotations

from . import number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

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
