"""What this machine can host, in one answer per kind of guest, read off the capability
checks: virtual machines (and by what route: KVM with VT-x or AMD-V, through PVM, Hyper-V,
bhyve, Hypervisor.framework; nested or not), containers (rootful and rootless) and device
passthrough. Every report's header shows it; the JSON report holds it as `can_host`.

Each answer rests on named checks, and says which of them failed, so that "no" always
points at its reason in the report. A kind the audited system has no check for (device
passthrough on macOS) is None: not assessed, which is not "no".
"""

from __future__ import annotations

from .records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Mapping, Optional, Protocol, Sequence, Tuple

    class Check(Protocol):
        """What is read of a capability check (hvaudit.model.Check, which imports this module)."""

        @property
        def id(self) -> str: ...
        @property
        def status(self) -> str: ...
        @property
        def details(self) -> Mapping[str, Any]: ...

#: A check status as an answer: can it be done here.
ANSWERS = {"pass": "yes", "info": "yes", "warn": "limited", "fail": "no", "unknown": "unknown"}
#: The most serious first: the answer of several checks is their worst.
WORST_FIRST = ("fail", "warn", "unknown", "pass", "info")
#: The check that answers "can it run VMs" on each system, and the route it stands for.
VM_CHECKS = (("kvm-device", "kvm"), ("hyperv-host", "hyperv"), ("bhyve-host", "bhyve"), ("hvf", "hvf"))
#: The checks a VM route rests on, besides the one that answers it.
VM_PREREQUISITES = ("cpu-hav", "kvm-backend")
#: KVM's backend module (or the CPU's extension) -> route.
KVM_ROUTES = {"kvm_intel": "kvm-vtx", "kvm_amd": "kvm-amdv", "kvm_pvm": "kvm-pvm", "VT-x": "kvm-vtx",
              "AMD-V": "kvm-amdv"}
#: kvm-nested's status as the answer to "can its guests run VMs in turn": a warning there
#: is a reason they cannot (PVM, nested off), never a partial yes.
NESTED_ANSWERS = {"pass": "yes", "warn": "no", "fail": "no", "unknown": "unknown", "info": "unknown"}
ROOTFUL_CHECKS = ("namespaces", "cgroups", "overlayfs", "jails")
ROOTLESS_CHECKS = ("userns",)
PASSTHROUGH_CHECKS = ("iommu", "vfio")


class Answer(Record):
    """Whether one kind of guest can be hosted: yes, limited, no or unknown; the route
    (`via`) where one applies; and the checks it rests on, those that failed first."""

    answer: str
    checks: Tuple[str, ...]
    via: Optional[str] = None
    nested: Optional[str] = None  # for VMs: can their guests run VMs in turn (an answer)

    def to_dict(self) -> Dict[str, Any]:
        return {"answer": self.answer, "via": self.via, "nested": self.nested, "checks": list(self.checks)}


class CanHost(Record):
    vms: Optional[Answer] = None
    rootful_containers: Optional[Answer] = None
    rootless_containers: Optional[Answer] = None
    passthrough: Optional[Answer] = None

    def to_dict(self) -> Dict[str, Any]:
        return {"vms": self.vms.to_dict() if self.vms else None,
                "containers": {"rootful": self.rootful_containers.to_dict() if self.rootful_containers else None,
                               "rootless": self.rootless_containers.to_dict() if self.rootless_containers else None},
                "device_passthrough": self.passthrough.to_dict() if self.passthrough else None}


def _worst(checks: Sequence[Check]) -> str:
    statuses = {c.status for c in checks}
    return next((s for s in WORST_FIRST if s in statuses), "unknown")


def _answer(checks: Sequence[Check], via: Optional[str] = None, nested: Optional[str] = None) -> Optional[Answer]:
    if not checks:
        return None
    order = sorted(checks, key=lambda c: WORST_FIRST.index(c.status) if c.status in WORST_FIRST else 0)
    return Answer(ANSWERS.get(_worst(checks), "unknown"), tuple(c.id for c in order), via, nested)


def _vms(by_id: Mapping[str, Check]) -> Optional[Answer]:
    for check_id, route in VM_CHECKS:
        check = by_id.get(check_id)
        if check is None:
            continue
        # Why it does not work: the prerequisites that failed too (not when it works).
        prerequisites = [by_id[c] for c in VM_PREREQUISITES
                         if check.status != "pass" and c in by_id and by_id[c].status == "fail"]
        answer = _answer([check] + prerequisites)
        if answer is None:
            return None
        # Every check the answer rests on is named, the answering one first.
        related = [by_id[c] for c in VM_PREREQUISITES + ("kvm-nested",) if c in by_id and by_id[c] not in prerequisites]
        answer = answer._replace(checks=answer.checks + tuple(c.id for c in related))
        if answer.answer == "no":
            return answer
        if route == "kvm":
            backend = by_id.get("kvm-backend")
            hav = by_id.get("cpu-hav")
            names = [str(c.details.get("value")) for c in (backend, hav) if c is not None]
            route = next((KVM_ROUTES[n] for n in names if n in KVM_ROUTES), "kvm")
        nested = by_id.get("kvm-nested")
        return answer._replace(via=route, nested=NESTED_ANSWERS.get(nested.status) if nested is not None else None)
    return None


def can_host(checks: Sequence[Check]) -> CanHost:
    """What the machine whose capability checks these are can host."""
    by_id = {c.id: c for c in checks}

    def some(ids: Sequence[str]) -> Sequence[Check]:
        return [by_id[i] for i in ids if i in by_id]

    return CanHost(vms=_vms(by_id), rootful_containers=_answer(some(ROOTFUL_CHECKS)),
                   rootless_containers=_answer(some(ROOTLESS_CHECKS)), passthrough=_answer(some(PASSTHROUGH_CHECKS)))


#: The kinds a fleet counts, in order: each is hosted when its answer is yes or limited.
KINDS = ("vms", "nested-vms", "containers", "rootless-containers", "passthrough")
HOSTED = ("yes", "limited")


def hosted_kinds(answers: CanHost) -> Tuple[str, ...]:
    """The kinds (of KINDS) these answers say the machine can host: the header's answers
    flattened for fleets, metrics and facts, so that they never disagree with the report."""
    by_kind = {
        "vms": answers.vms.answer if answers.vms else None,
        "nested-vms": answers.vms.nested if answers.vms else None,
        "containers": answers.rootful_containers.answer if answers.rootful_containers else None,
        "rootless-containers": answers.rootless_containers.answer if answers.rootless_containers else None,
        "passthrough": answers.passthrough.answer if answers.passthrough else None,
    }
    return tuple(kind for kind in KINDS if by_kind[kind] in HOSTED)
