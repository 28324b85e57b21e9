"""Capability checks: can this machine host VMs and containers, and how well.

Each check is a small function registered with a stable id and the systems it applies to;
`run_checks` runs the audited system's checks against the audit's Facts (the probes'
evidence, the classification, the parsed views), so a capture audits exactly as the live
machine did. Every check builds its answer the same way, with `Notes`.
"""

from __future__ import annotations

from ..model import Check, Evidence, Strength
from ..probes import shorten
from ..views import LINUX, modules_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Collection, Dict, List, Mapping, Optional, Sequence, Tuple

    from ..facts import Facts

    #: A check answers a Check, or None where it does not apply here.
    CheckFunction = Callable[[Facts], Optional[Check]]


#: The modules that define checks. Each check says which systems it applies to where it is
#: defined (`@check(systems=...)`); an audit runs only its own system's, so each check id
#: appears once per report.
MODULES: Sequence[str] = ("cpu", "kvm", "io", "memory", "cvm", "containers", "freebsd", "windows", "macos")

#: Report order: the hardware, KVM, devices, memory, confidential computing, containers,
#: then other systems' own checks. A check's id is its function's name with "-" for "_".
ORDER: Sequence[str] = (
    "cpu-hav", "cpu-slat", "kvm-backend", "kvm-device", "kvm-nested", "iommu", "vfio", "vhost-net", "hugepages",
    "cvm-host", "cvm-guest", "namespaces", "userns", "cgroups", "overlayfs", "seccomp", "capabilities", "lsm",
    "kernel-config", "bhyve-host", "jails", "hyperv-host", "hyperv-features", "wsl2", "hvf",
)

#: Details every system's version of a check gives (None where that system cannot say),
#: so that a fleet's reports compare: the extension's name, whether the processor has it,
#: whether the firmware enabled it, and whether this system is a guest.
SHARED_DETAILS: Mapping[str, Tuple[str, ...]] = {
    "cpu-hav": ("extension", "present", "enabled_in_firmware", "guest"),
    "cpu-slat": ("extension", "present"),
}


class Registered:
    """One check function and the systems it applies to."""

    def __init__(self, function: CheckFunction, systems: Sequence[str]) -> None:
        self.function = function
        self.systems = tuple(systems)
        self.id = check_id(function)
        self.doc = (function.__doc__ or "").strip()


#: Every registered check, in registration order.
REGISTRY: List[Registered] = []


def check_id(function: Callable[..., Any]) -> str:
    return function.__name__.replace("_", "-")


def check(systems: Sequence[str] = (LINUX,)) -> Callable[[CheckFunction], CheckFunction]:
    """Register a check for the systems it applies to (`uname -s` names); its id is its
    name ("cpu_hav" -> "cpu-hav"), its docstring says what it reads and why."""

    def register(function: CheckFunction) -> CheckFunction:
        entry = Registered(function, systems)
        for other in REGISTRY:
            if other.id == entry.id and set(other.systems) & set(entry.systems):
                raise ValueError("duplicate check id %s" % entry.id)
        REGISTRY.append(entry)
        return function

    return register


def registered(system: Optional[str] = LINUX) -> List[Registered]:
    """The checks of one system (of every system for None), in report order."""
    for name in modules_for(MODULES, system):
        # __import__, not importlib.import_module: importlib imports warnings, a cost on every start.
        __import__("%s.%s" % (__name__, name))
    rank = {cid: i for i, cid in enumerate(ORDER)}
    found = [r for r in REGISTRY if system is None or system in r.systems]
    return sorted(found, key=lambda r: rank.get(r.id, len(rank)))


def load_all(system: str = LINUX) -> List[CheckFunction]:
    """The check functions of one system, in report order."""
    return [r.function for r in registered(system)]


def run_checks(facts: Facts, only: Optional[Collection[str]] = None) -> List[Check]:
    """Every check of the audited system (or those whose ids are in `only`), in report order."""
    results: List[Check] = []
    for entry in registered(facts.system):
        if only is not None and entry.id not in only:
            continue
        try:
            result = entry.function(facts)
            if result is not None:  # None: not applicable here
                results.append(result)
        except Exception as exc:  # a defect in one check must not end the audit
            results.append(Check(entry.id, "unknown", "check.failed",
                                 fields={"error": "%s: %s" % (type(exc).__name__, str(exc)[:200])}))
    return results


class Notes:
    """The evidence one check gathers, in order, and the Check it ends with: every check,
    on every system, builds its answer with this."""

    def __init__(self, check_id: str) -> None:
        self.id = check_id
        self.items: List[Evidence] = []

    def add(self, where: str, raw: object, note: str = "", strength: Strength = Strength.STRONG,
            **fields: str) -> None:
        """Record an observation; `fields` fill the note message's named fields."""
        self.items.append(Evidence(self.id, where, raw=shorten(str(raw)), strength=strength, note=note,
                                   note_fields=tuple(sorted(fields.items()))))

    def unseen(self, where: str, error: Optional[str], note: str = "") -> None:
        """Record that an answer is missing; plain absence (ENOENT) is an answer, not this."""
        if error and error not in ("ENOENT", "ENOTDIR"):
            self.items.append(Evidence(self.id, where, raw="", error=error.split(":")[0], note=note))

    def done(self, status: str, summary: str, remedy: Optional[str] = None,
             fields: Optional[Mapping[str, Any]] = None, /, **details: Any) -> Check:
        """The Check: `summary` (its cause) and `remedy` are message ids, `fields` fill both."""
        shared: Dict[str, Any] = {key: None for key in SHARED_DETAILS.get(self.id, ())}
        shared.update(details)
        return Check(self.id, status, summary, tuple(self.items), remedy, shared, dict(fields or {}))
