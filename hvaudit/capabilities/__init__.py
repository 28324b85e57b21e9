"""Capability checks: can this machine host VMs and containers, and how well.

Each check is a small function registered with a stable id; `run_checks` runs them all
against the same Source the probes used (and the probes' evidence), so a capture audits
exactly as the live machine did.
"""

from __future__ import annotations

import importlib

from ..model import Check, Evidence
from ..sources import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Collection, List, Optional, Sequence

    CheckFunction = Callable[[Source, Sequence[Evidence]], Check]


#: Modules whose checks run.
MODULES: Sequence[str] = ("cpu", "kvm", "io", "memory", "cvm", "containers")

#: Report order: the hardware, KVM, devices, memory, confidential computing, containers.
#: A check's id is its function's name with "-" for "_".
ORDER: Sequence[str] = (
    "cpu-hav", "cpu-slat", "kvm-backend", "kvm-device", "kvm-nested", "iommu", "vfio", "vhost-net", "hugepages",
    "cvm-host", "cvm-guest", "namespaces", "userns", "cgroups", "overlayfs", "seccomp", "capabilities", "lsm",
    "kernel-config",
)

CHECKS: List[CheckFunction] = []


def check_id(function: CheckFunction) -> str:
    return function.__name__.replace("_", "-")


def check(function: CheckFunction) -> CheckFunction:
    """Register a check; its id is its name ("cpu_hav" -> "cpu-hav"), its docstring says
    what it reads and why."""
    if any(check_id(f) == check_id(function) for f in CHECKS):
        raise ValueError("duplicate check id %s" % check_id(function))
    CHECKS.append(function)
    return function


def load_all() -> List[CheckFunction]:
    for name in MODULES:
        importlib.import_module("%s.%s" % (__name__, name))
    rank = {cid: i for i, cid in enumerate(ORDER)}
    return sorted(CHECKS, key=lambda f: rank.get(check_id(f), len(rank)))


def run_checks(source: Source, evidence: Sequence[Evidence], only: Optional[Collection[str]] = None) -> List[Check]:
    """Every check (or those whose ids are in `only`), in report order."""
    results: List[Check] = []
    for function in load_all():
        if only is not None and check_id(function) not in only:
            continue
        try:
            results.append(function(source, evidence))
        except Exception as exc:  # a defect in one check must not end the audit
            results.append(Check(check_id(function), "unknown",
                                 "the check failed (%s: %s)" % (type(exc).__name__, str(exc)[:200])))
    return results
