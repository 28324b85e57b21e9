"""Capability checks: can this machine host VMs and containers, and how well.

Each check is a small function registered with a stable id; `run_checks` runs them all
against the same Source the probes used (and the probes' evidence), so a capture audits
exactly as the live machine did.
"""

from __future__ import annotations

import importlib

from ..model import Check, Evidence
from ..sources import Source, sysname

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Collection, Dict, List, Mapping, Optional, Sequence

    #: A check answers a Check, or None where it does not apply (another system's check).
    CheckFunction = Callable[[Source, Sequence[Evidence]], Optional[Check]]


#: Check modules by the system whose checks they hold (`uname -s`, as sources.sysname gives
#: it); an audit runs only its own system's, so each check id appears once per report.
MODULES: Mapping[str, Sequence[str]] = {
    "Linux": ("cpu", "kvm", "io", "memory", "cvm", "containers"),
    "FreeBSD": ("freebsd",),
    "Windows": ("windows",),
    "Darwin": ("macos",),
}

#: Report order: the hardware, KVM, devices, memory, confidential computing, containers,
#: then other systems' own checks. A check's id is its function's name with "-" for "_".
ORDER: Sequence[str] = (
    "cpu-hav", "cpu-slat", "kvm-backend", "kvm-device", "kvm-nested", "iommu", "vfio", "vhost-net", "hugepages",
    "cvm-host", "cvm-guest", "namespaces", "userns", "cgroups", "overlayfs", "seccomp", "capabilities", "lsm",
    "kernel-config", "bhyve-host", "jails", "hyperv-host", "hyperv-features", "wsl2", "hvf",
)

#: Registered checks by the short name of the module that defines them.
CHECKS: Dict[str, List[CheckFunction]] = {}


def check_id(function: CheckFunction) -> str:
    return function.__name__.replace("_", "-")


def check(function: CheckFunction) -> CheckFunction:
    """Register a check; its id is its name ("cpu_hav" -> "cpu-hav"), its docstring says
    what it reads and why."""
    module = function.__module__.rpartition(".")[2]
    registered = CHECKS.setdefault(module, [])
    if any(check_id(f) == check_id(function) for f in registered):
        raise ValueError("duplicate check id %s" % check_id(function))
    registered.append(function)
    return function


def load_all(system: str = "Linux") -> List[CheckFunction]:
    """The checks of one system, in report order."""
    functions: List[CheckFunction] = []
    for name in MODULES.get(system, ()):
        importlib.import_module("%s.%s" % (__name__, name))
        functions.extend(CHECKS.get(name, ()))
    rank = {cid: i for i, cid in enumerate(ORDER)}
    return sorted(functions, key=lambda f: rank.get(check_id(f), len(rank)))


def run_checks(source: Source, evidence: Sequence[Evidence], only: Optional[Collection[str]] = None) -> List[Check]:
    """Every check (or those whose ids are in `only`), in report order."""
    results: List[Check] = []
    for function in load_all(sysname(source)):
        if only is not None and check_id(function) not in only:
            continue
        try:
            result = function(source, evidence)
            if result is not None:  # None: not applicable here
                results.append(result)
        except Exception as exc:  # a defect in one check must not end the audit
            results.append(Check(check_id(function), "unknown",
                                 "the check failed (%s: %s)" % (type(exc).__name__, str(exc)[:200])))
    return results
