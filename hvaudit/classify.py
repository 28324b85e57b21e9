"""Evidence -> layers, identifiers and findings. Pure: no I/O.

Each facet (is there a VM? which hypervisor? which container runtime? ...) is decided by
weighing the claims made about it: the strongest wins, and what it outweighed is kept and
reported as contradicting evidence. Order of probes never decides anything.

Presence and identity are decided apart: the CPUID hypervisor bit can prove that there is a
hypervisor while only a vendor string names it; a vendor string alone never makes a VM.
"""

from __future__ import annotations

from .model import Evidence, Finding, Layer, Strength
from .records import Record
from .signatures import (
    CLAIMED_RUNTIMES,
    CLOUD_TO_SYSTEMD,
    CONTAINER_TECH_TO_SYSTEMD,
    CORROBORATED_BY,
    EVIDENCE_KINDS,
    HYPERVISOR_TYPES,
    PRESENTS_INTERFACE_OF,
    REFINES,
    VM_TECH_TO_SYSTEMD,
    name_of,
    product_name,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, FrozenSet, Iterable, List, Mapping, Optional, Sequence, Tuple


#: Hypervisors whose guests on x86 and Arm run on the CPU's virtualization extensions.
HARDWARE_ASSISTED = frozenset({"kvm", "microsoft", "vmware", "virtualbox", "parallels", "bhyve", "apple", "acrn",
                               "qnx", "openbsd-vmm", "zvm", "jailhouse", "sre", "unisys-spar", "nvmm"})
#: Probes that report the hypervisor *this kernel* runs on; CPUID can report an outer one
#: (a paravirtualized or user-mode kernel executes CPUID on the real CPU of the VM below).
KERNEL_INTERFACE_PROBES = frozenset({"xen.interfaces", "cpu.kernel-view"})
#: Container technologies that do not put their processes in a private PID (or user, or
#: cgroup) namespace: the machine's own namespaces say nothing against them. Apptainer
#: shares the host's PID namespace unless asked (--pid); PRoot works by ptrace; WSL 1 is
#: the NT kernel; OpenVZ, Linux-VServer and illumos LX zones isolate by their own kernels.
WITHOUT_PID_NAMESPACE = frozenset({"apptainer", "proot", "wsl1", "openvz", "linux-vserver", "illumos-lx", "jail"})
#: Probes whose container claims are markers: what a runtime says it is, or an image says.
MARKER_PROBES = frozenset({"container.markers"})
#: Roles in which the OS on a hypervisor is that hypervisor's host, not its guest: Xen's
#: control domain (dom0) and Hyper-V's root partition (the Windows that manages Hyper-V).
HOST_ROLES = frozenset({"control-domain", "root-partition"})
#: Probes whose unclaimed evidence states the machine's identity as its firmware gives it.
IDENTITY_PROBES = ("dmi.identity", "freebsd.smbios", "windows.firmware", "macos.model")


class Decision(Record):
    """How one facet was decided."""

    value: Optional[str]  # None: nothing claimed anything
    strength: Strength = Strength.HINT
    support: Tuple[Evidence, ...] = ()
    against: Tuple[Evidence, ...] = ()
    conflict: bool = False  # equally strong claims disagreed and nothing explained why
    presented: Tuple[Evidence, ...] = ()  # interfaces another hypervisor presents
    rule: str = ""  # what decided between the claims: one of RULES
    decisive: Optional[Evidence] = None  # the evidence that decided


#: How a value was chosen among the claims, as reports show it.
RULES = ("sole-claim", "by-strength", "by-interface", "by-kind", "by-count", "unresolved")


class Classification:
    """What classify() concluded; filled in step by step, then frozen into the Report."""

    def __init__(self) -> None:
        self.layers: List[Layer] = []
        self.findings: List[Finding] = []
        self.vm = "none"
        self.container = "none"
        self.classification = "bare-metal-host"
        self.chroot: Optional[bool] = None
        #: A hypervisor below that is not this system's own (a host role is not a guest);
        #: None when nothing claimed either way.
        self.guest: Optional[bool] = None
        self.cvm = "none"  # systemd-detect-virt --cvm's id
        self.private_users: Optional[bool] = None


def claims(evidence: Iterable[Evidence], facet: str) -> List[Evidence]:
    return [e for e in evidence if e.seen and e.claim is not None and e.claim.facet == facet]


def strongest(items: Sequence[Evidence]) -> Strength:
    return max((e.strength for e in items), default=Strength.HINT)


def decide_presence(items: Sequence[Evidence]) -> Decision:
    """Is there such a layer at all? Positive claims against "none"; a tie goes to presence,
    because a layer that hides is more common than one that is invented."""
    positive = [e for e in items if e.claim and e.claim.positive]
    negative = [e for e in items if e.claim and not e.claim.positive]
    if not positive and not negative:
        return Decision(None)
    p, n = (strongest(positive) if positive else 0), (strongest(negative) if negative else 0)
    if positive and p >= n:
        return Decision("*", Strength(p), tuple(positive), tuple(negative), conflict=bool(negative) and p == n)
    return Decision("none", Strength(n), tuple(negative), tuple(positive))


def kind_rank(e: Evidence) -> int:
    return EVIDENCE_KINDS.get(e.probe, 1)


def decide_value(items: Sequence[Evidence], refines: Mapping[str, FrozenSet[str]] = PRESENTS_INTERFACE_OF
                 ) -> Decision:
    """Which technology, among positive specific claims: the strongest, unless a weaker
    claim names a technology known to present or build on the stronger one's (VirtualBox
    and Parallels answer CPUID as KVM; KVM and Xen can answer as Hyper-V; Docker runs its
    containers through an OCI runtime). Claims still tied are weighed by the kind of
    evidence (EVIDENCE_KINDS), then by how many observations agree; never by name: a tie
    that survives all of that is unresolved ("*", with a conflict)."""
    specific = [e for e in items if e.claim and e.claim.positive and e.claim.value != "*"]
    if not specific:
        return Decision(None)
    top = strongest(specific)
    leaders = {e.claim.value for e in specific if e.strength == top}  # type: ignore[union-attr]
    presenters = {e.claim.value for e in specific if e.strength >= Strength.WEAK  # type: ignore[union-attr]
                  and any(v in refines.get(e.claim.value, ()) for v in leaders)}  # type: ignore[union-attr]
    # A presenter that another presenter presents in turn is the inner one of a chain.
    presenters -= {v for p in presenters for v in refines.get(p, ()) if v in presenters}
    candidates = presenters or leaders
    named = {e.claim.value for e in specific}  # type: ignore[union-attr]
    rule = "by-interface" if presenters else "by-strength" if len(named) > 1 else "sole-claim"
    conflict = False
    if len(candidates) > 1:
        def weight(value: str) -> Tuple[int, int]:
            mine = [e for e in specific if e.claim.value == value  # type: ignore[union-attr]
                    and (presenters or e.strength == top)]
            return max(kind_rank(e) for e in mine), len(mine)

        ranked = sorted(candidates, key=weight, reverse=True)
        best, second = weight(ranked[0]), weight(ranked[1])
        if best[0] > second[0]:
            candidates, rule = {ranked[0]}, "by-kind"
        elif best[1] > second[1]:
            candidates, rule = {ranked[0]}, "by-count"
        else:
            conflict, rule = True, "unresolved"
    if conflict:
        tied = tuple(e for e in specific if e.claim.value in candidates)  # type: ignore[union-attr]
        others = tuple(e for e in specific if e not in tied)
        return Decision("*", top, tied, others, True, (), rule, _decisive(tied))
    chosen = next(iter(candidates))
    support = tuple(e for e in specific if e.claim.value == chosen)  # type: ignore[union-attr]
    presented = tuple(e for e in specific if e.claim.value in refines.get(chosen, ())  # type: ignore[union-attr]
                      and e.claim.value != chosen)  # type: ignore[union-attr]
    against = tuple(e for e in specific if e.claim.value != chosen and e not in presented)  # type: ignore[union-attr]
    return Decision(chosen, strongest(support), support, against, False, presented, rule, _decisive(support))


def _decisive(support: Sequence[Evidence]) -> Optional[Evidence]:
    """The observation a decision rests on: the strongest, of the most decisive kind."""
    return max(support, key=lambda e: (e.strength, kind_rank(e), e.where, e.raw), default=None)


def decide_simple(evidence: Sequence[Evidence], facet: str) -> Decision:
    return decide_value(claims(evidence, facet))


def _fields(**kwargs: Optional[str]) -> Dict[str, str]:
    return {k: v for k, v in kwargs.items() if v}


def _conflict_fields(fields: Mapping[str, str], against: Sequence[Evidence]) -> Dict[str, str]:
    """An explanation of a conflict names the evidence that disagrees, and what it says."""
    if not against:
        return dict(fields)
    claim = against[0].claim
    return dict(fields, where=against[0].where, value=name_of(claim.value) if claim else against[0].raw)


def _vm_systemd_id(tech: str, cloud: Optional[str]) -> str:
    if tech in ("kvm", "*") and cloud in CLOUD_TO_SYSTEMD:
        return CLOUD_TO_SYSTEMD[cloud]  # type: ignore[index]
    return VM_TECH_TO_SYSTEMD.get(tech, "vm-other")


def _mode(tech: str, xen_mode: Optional[str]) -> Optional[str]:
    if tech == "xen":
        return {"pv": "paravirtualized", "hvm": "hardware-assisted", "pvh": "hardware-assisted"}.get(xen_mode or "")
    if tech in ("uml", "powervm"):
        return "paravirtualized"
    if tech in ("qemu", "bochs", "virtualpc"):
        return "full"
    if tech in HARDWARE_ASSISTED:
        return "hardware-assisted"
    return None


def classify(evidence: Sequence[Evidence], uname: Mapping[str, str]) -> Classification:
    out = Classification()
    out.layers.append(_hardware_layer(evidence, uname))
    _classify_vms(evidence, out)
    _classify_containers(evidence, out)
    _classify_chroot(evidence, out)
    _classify_hosting(evidence, out)
    _classify_cvm(evidence, out)
    _evidence_findings(evidence, out)
    kinds = [layer.kind for layer in out.layers]
    if "container" in kinds:
        out.classification = "container"
    else:
        guests = [layer for layer in out.layers if layer.kind == "vm" and layer.details.get("role") not in HOST_ROLES]
        if guests:
            hv_type = guests[-1].details.get("hypervisor_type")
            out.classification = {"type-1": "type-1-guest", "type-2": "type-2-guest"}.get(hv_type or "", "vm-guest")
    return out


def _classify_cvm(evidence: Sequence[Evidence], out: Classification) -> None:
    """The confidential-VM verdict: the cvm.guest probe's claim (one at most)."""
    positive = [e for e in claims(evidence, "cvm") if e.claim is not None and e.claim.positive]
    if positive:
        out.cvm = positive[0].claim.value  # type: ignore[union-attr]


def _hardware_layer(evidence: Sequence[Evidence], uname: Mapping[str, str]) -> Layer:
    machine = uname.get("machine", "") or "unknown"
    identity = [e for e in evidence if e.probe in IDENTITY_PROBES and e.claim is None and e.seen and e.raw]
    identity.sort(key=lambda e: IDENTITY_PROBES.index(e.probe))
    details: Dict[str, str] = {"machine": machine}
    if identity:
        details["firmware_identity"] = identity[0].raw
    return Layer("hardware", machine, "Hardware (%s)" % machine, Strength.DEFINITIVE, details, tuple(identity[:1]))


def _classify_vms(evidence: Sequence[Evidence], out: Classification) -> None:
    vm_claims = claims(evidence, "vm")
    presence = decide_presence(vm_claims)
    role = decide_simple(evidence, "role")
    if presence.value != "*":
        out.guest = False if presence.value == "none" else None
        dmi_like = [e for e in vm_claims if e.claim and e.claim.positive and e.strength <= Strength.WEAK]
        if presence.value == "none" and dmi_like:
            out.findings.append(Finding(
                "vm.dmi-vendor-without-vm", "info",
                "title.vm.dmi-vendor-without-vm",
                tuple(presence.support), tuple(dmi_like),
                _fields(tech=name_of(dmi_like[0].claim.value), value=dmi_like[0].raw)))  # type: ignore[union-attr]
        out.findings.append(Finding("host.bare-metal", "info", "title.host.bare-metal",
                                    tuple(presence.support)))
        cloud = decide_simple(evidence, "cloud")
        if cloud.value:  # a bare-metal cloud instance (EC2 *.metal, GCE bare metal)
            hardware = out.layers[0]
            out.layers[0] = hardware._replace(details=dict(hardware.details, cloud=cloud.value))
            out.findings.append(Finding("vm.cloud", "info", "title.vm.cloud.bare-metal", cloud.support, cloud.against,
                                        _fields(value=name_of(cloud.value))))
        return
    techs = decide_value(vm_claims)
    # A paravirtualized or user-mode kernel names its own hypervisor, while CPUID answers
    # for the VM below it: two VM layers, not a contradiction (systemd #17754, #20971).
    kernel = {e.claim.value for e in vm_claims if e.probe in KERNEL_INTERFACE_PROBES  # type: ignore[union-attr]
              and e.strength == Strength.DEFINITIVE and e.claim.value != "*"}  # type: ignore[union-attr]
    cpu = {e.claim.value for e in vm_claims if e.probe == "cpu.hypervisor-leaves"  # type: ignore[union-attr]
           and e.strength == Strength.DEFINITIVE and e.claim.value != "*"}  # type: ignore[union-attr]
    stack: List[Decision] = []
    if len(kernel) == 1 and len(cpu) == 1 and kernel != cpu:
        inner, outer = next(iter(kernel)), next(iter(cpu))
        if inner not in PRESENTS_INTERFACE_OF.get(outer, ()) and outer not in PRESENTS_INTERFACE_OF.get(inner, ()):
            stack = [decide_value([e for e in vm_claims if e.claim and e.claim.value == outer]),
                     decide_value([e for e in vm_claims if e.claim and e.claim.value == inner])]
            out.findings.append(Finding("vm.nested", "info",
                                        "title.vm.nested",
                                        stack[0].support + stack[1].support,
                                        fields=_fields(tech=name_of(inner), product=name_of(outer))))
    if not stack:
        stack = [techs if techs.value else Decision("*", presence.strength, presence.support)]
    for i, decision in enumerate(stack):
        innermost = i == len(stack) - 1
        out.layers.append(_vm_layer(evidence, decision, presence, role if innermost else Decision(None),
                                    innermost, out))
    inner_layer = out.layers[-1]
    if inner_layer.details.get("role") in HOST_ROLES:
        outer_guests = [layer for layer in out.layers if layer.kind == "vm" and layer is not inner_layer]
        out.vm = outer_guests[-1].details["systemd_id"] if outer_guests else "none"
        out.guest = False
    else:
        out.vm = inner_layer.details["systemd_id"]
        out.guest = True


def _vm_layer(evidence: Sequence[Evidence], decision: Decision, presence: Decision, role: Decision,
              innermost: bool, out: Classification) -> Layer:
    tech = decision.value or "*"
    vmm = decide_simple(evidence, "vmm") if innermost else Decision(None)
    cloud = decide_simple(evidence, "cloud") if innermost else Decision(None)
    xen_mode = decide_simple(evidence, "xen_mode")
    mode_value = xen_mode.value
    if tech == "xen" and innermost:
        if role.value == "control-domain":
            mode_value = "dom0"
        elif mode_value is None:
            has_signature = any(e.probe == "cpu.hypervisor-leaves" and e.claim and e.claim.value == "xen"
                                for e in decision.support)
            mode_value = "hvm" if has_signature else "pv" if any(e.where == "/proc/xen" for e in evidence) else None
    hv_type, type_reason = HYPERVISOR_TYPES.get(tech, (None, "this hypervisor's type is not known to hvaudit"))
    mode = _mode(tech, mode_value if mode_value != "dom0" else
                 (xen_mode.value if xen_mode.value != "dom0" else "pv"))
    pv_devices = sorted({e.claim.value for e in claims(evidence, "pv_device")}) if innermost else []  # type: ignore[union-attr]
    clock = decide_simple(evidence, "clocksource") if innermost else Decision(None)
    interfaces = [e for e in claims(evidence, "interface")] + list(decision.presented)
    details: Dict[str, object] = {
        "systemd_id": _vm_systemd_id(tech, cloud.value),
        "hypervisor": tech,
        "hypervisor_type": hv_type,
        "hypervisor_type_reason": type_reason,
        "mode": mode,
    }
    if vmm.value:
        details["product"] = vmm.value
    if cloud.value:
        details["cloud"] = cloud.value
    if tech == "xen" and mode_value:
        details["xen_mode"] = mode_value
    if role.value and innermost:
        details["role"] = role.value
    if pv_devices:
        details["paravirtual_devices"] = pv_devices
    if clock.value:
        details["clocksource"] = clock.value
    lpar = decide_simple(evidence, "lpar")
    if lpar.value and tech == "powervm":
        details["lpar_processors"] = lpar.value
    _record_decision(details, decision)
    name = name_of(tech) if tech != "*" else "Unidentified hypervisor"
    if vmm.value and vmm.value != tech:
        name += " (%s)" % product_name(vmm.value)
    if details.get("role") == "root-partition":
        name += " (root partition)"
    support = decision.support + tuple(e for e in presence.support if e not in decision.support)
    layer = Layer("vm", tech, name, max(decision.strength, presence.strength), details, support)
    pv_evidence = claims(evidence, "pv_device") if innermost else []
    _vm_findings(layer, decision, presence, vmm, cloud, role, interfaces, pv_evidence, innermost, out)
    return layer


def _vm_findings(layer: Layer, decision: Decision, presence: Decision, vmm: Decision, cloud: Decision,
                 role: Decision, interfaces: List[Evidence], pv_evidence: Sequence[Evidence], innermost: bool,
                 out: Classification) -> None:
    tech, details = layer.tech, layer.details
    fields = _fields(tech=name_of(tech), product=product_name(vmm.value) if vmm.value else None,
                     value=str(details.get("systemd_id")))
    # Hints that lost are defaults, not contradictions (they stay in the report's evidence).
    against = tuple(e for e in decision.against + (presence.against if innermost else ())
                    if e.strength >= Strength.WEAK)
    if tech == "*":
        raw = next((e.raw for e in presence.support if e.probe == "cpu.hypervisor-leaves" and e.raw), "")
        out.findings.append(Finding("vm.signature-unknown", "warning",
                                    "title.vm.signature-unknown",
                                    presence.support, against, _fields(value=raw)))
    elif details.get("role") == "root-partition":
        out.findings.append(Finding("vm.hyperv-root-partition", "info",
                                    "title.vm.hyperv-root-partition",
                                    role.support + decision.support, against, fields))
    else:
        out.findings.append(Finding("vm.detected", "info", "title.vm.detected", decision.support, against,
                                    dict(fields, name=layer.name)))
    if details.get("role") == "control-domain":
        out.findings.append(Finding("vm.xen-control-domain", "info",
                                    "title.vm.xen-control-domain",
                                    role.support, fields=fields))
    out.findings.append(Finding("vm.hypervisor-type", "info",
                                {"type-1": "title.vm.hypervisor-type.1", "type-2": "title.vm.hypervisor-type.2"}.get(
                                    str(details.get("hypervisor_type")), "title.vm.hypervisor-type.unknown"),
                                decision.support,
                                fields=_fields(tech=name_of(tech),
                                               value=str(details.get("hypervisor_type") or "unknown"))))
    if details.get("mode"):
        out.findings.append(Finding("vm.mode", "info", "title.vm.mode",
                                    decision.support, fields=dict(fields, value=str(details["mode"]))))
    if details.get("paravirtual_devices"):
        devices = ", ".join(details["paravirtual_devices"])
        out.findings.append(Finding("vm.paravirtual-devices", "info", "title.vm.paravirtual-devices",
                                    tuple(pv_evidence), fields=dict(fields, value=devices)))
    if interfaces:
        shown = sorted({e.claim.value for e in interfaces if e.claim})
        out.findings.append(Finding("vm.hyperv-enlightenments", "info",
                                    "title.vm.hyperv-enlightenments",
                                    tuple(interfaces), fields=dict(fields, value=", ".join(name_of(s) for s in shown))))
    if cloud.value:
        out.findings.append(Finding("vm.cloud", "info", "title.vm.cloud", cloud.support,
                                    cloud.against, dict(fields, value=name_of(cloud.value))))
    if decision.conflict or presence.conflict and innermost:
        against = decision.against or presence.against
        out.findings.append(Finding("evidence.conflict", "warning",
                                    "title.evidence.conflict.vm",
                                    decision.support or presence.support, against, _conflict_fields(fields, against)))


def uncorroborated_markers(evidence: Sequence[Evidence]) -> List[Evidence]:
    """Markers naming a runtime whose own traces were looked for and not found. A marker
    is a claim (an image or a root file system can carry it anywhere); it names a runtime
    only when that runtime's traces corroborate it (CORROBORATED_BY), or when they could
    not be looked for at all (a capture without a mount table): then nothing refutes it."""
    if not claims(evidence, "traces"):
        return []
    container_claims = claims(evidence, "container")
    traced = {e.claim.value for e in container_claims if e.probe not in MARKER_PROBES}  # type: ignore[union-attr]
    traced |= {e.claim.value for e in claims(evidence, "trace")}  # type: ignore[union-attr]
    found = [e for e in container_claims if e.probe in MARKER_PROBES and e.claim
             and e.claim.value in CLAIMED_RUNTIMES
             and not CORROBORATED_BY.get(e.claim.value, frozenset({e.claim.value})) & traced]
    return sorted(found, key=lambda e: (-e.strength, e.where, e.raw))


def _classify_containers(evidence: Sequence[Evidence], out: Classification) -> None:
    container_claims = claims(evidence, "container")
    uncorroborated = uncorroborated_markers(evidence)
    tech = decide_value([e for e in container_claims if e not in uncorroborated], REFINES)
    if tech.value in WITHOUT_PID_NAMESPACE:
        container_claims = [e for e in container_claims if e.claim and e.claim.positive]
    presence = decide_presence(container_claims)
    markers = sorted((e for e in container_claims if e.claim and e.claim.positive and e.strength <= Strength.WEAK
                      and e.claim.value != "*"), key=lambda e: (e.where, e.raw))
    userns = decide_simple(evidence, "userns")
    uid_map_unseen = any(e.where == "/proc/self/uid_map" and not e.seen for e in evidence)
    out.private_users = True if userns.value else None if uid_map_unseen else False
    if presence.value != "*":
        if presence.value == "none" and markers:
            out.findings.append(Finding(
                "container.marker-outweighed", "warning",
                "title.container.marker-outweighed",
                presence.support, tuple(markers), _fields(tech=name_of(markers[0].claim.value),  # type: ignore[union-attr]
                                                          where=markers[0].where)))
        return
    value = tech.value or "*"
    if value == "wsl":
        value = "wsl2" if any(layer.kind == "vm" and layer.tech == "microsoft" for layer in out.layers) else "wsl1"
    orchestrator = decide_simple(evidence, "orchestrator")
    sandbox = decide_simple(evidence, "sandbox")
    private = sorted({e.claim.value for e in claims(evidence, "namespace")})  # type: ignore[union-attr]
    if value == "*":
        value = "userns-sandbox" if private == ["user"] or (userns.value and "pid" not in private) else (
            "namespace-sandbox" if not sandbox.value and not orchestrator.value else "*")
    systemd_id = CONTAINER_TECH_TO_SYSTEMD.get(value, "container-other")
    details: Dict[str, object] = {"systemd_id": systemd_id, "runtime": value}
    if orchestrator.value:
        details["orchestrator"] = orchestrator.value
    if sandbox.value:
        details["sandbox"] = sandbox.value
    if private:
        details["private_namespaces"] = private
    if userns.value:
        details["user_ids"] = "mapped"
    if value in ("wsl1", "wsl2"):
        details["wsl_version"] = value[-1]
    jail = _jail_details(evidence) if value == "jail" else None
    if jail is not None:
        details.update(jail[0])
    around = [name_of(v) for v in (orchestrator.value, sandbox.value) if v]
    name = name_of(value) if value != "*" else ("Container" if around else "Unidentified container")
    if around:
        name += " (%s)" % ", ".join(around)
    _record_decision(details, tech)
    support = tech.support + tuple(e for e in presence.support if e not in tech.support)
    if sandbox.value == "gvisor":
        out.layers.append(Layer("sandbox", "gvisor", name_of("gvisor"), sandbox.strength,
                                {"kind": "user-space kernel"}, sandbox.support))
    layer = Layer("container", value, name, max(presence.strength, tech.strength), details, support)
    out.layers.append(layer)
    out.container = systemd_id
    fields = _fields(tech=name, value=systemd_id)
    out.findings.append(Finding("container.detected", "info", "title.container.detected",
                                support, tech.against + presence.against, fields))
    if private:
        out.findings.append(Finding("container.namespaces", "info",
                                    "title.container.namespaces",
                                    tuple(e for e in evidence if e.claim and e.claim.facet == "namespace"),
                                    fields=dict(fields, value=", ".join(private))))
    if userns.value:
        out.findings.append(Finding("container.rootless", "info",
                                    "title.container.rootless",
                                    userns.support, fields=dict(fields, value=userns.support[0].raw)))
    if orchestrator.value:
        out.findings.append(Finding("container.orchestrator", "info",
                                    "title.container.orchestrator", orchestrator.support,
                                    fields=dict(fields, product=name_of(orchestrator.value))))
    if sandbox.value:
        out.findings.append(Finding("container.sandbox", "info",
                                    "title.container.sandbox", sandbox.support,
                                    fields=dict(fields, product=name_of(sandbox.value))))
    if jail is not None:
        allow = ", ".join("allow." + str(n) for n in jail[0]["allow"]) or "-"  # type: ignore[attr-defined]
        out.findings.append(Finding("container.jail", "info", jail[1], jail[2],
                                    fields=dict(fields, value="%s; %s" % (jail[0].get("network", "?"), allow),
                                                allow=allow)))
    if value in ("wsl1", "wsl2"):
        out.findings.append(Finding("container.wsl", "info", "title.container.wsl",
                                    tech.support, fields=dict(fields, value=value[-1])))
    if uncorroborated:
        out.findings.append(Finding(
            "container.marker-uncorroborated", "warning",
            "title.container.marker-uncorroborated", support, tuple(uncorroborated),
            dict(fields, where=uncorroborated[0].where,
                 product=name_of(uncorroborated[0].claim.value))))  # type: ignore[union-attr]
    if tech.conflict:
        out.findings.append(Finding("evidence.conflict", "warning",
                                    "title.evidence.conflict.container",
                                    tech.support, tech.against, _conflict_fields(fields, tech.against)))


def _record_decision(details: Dict[str, object], decision: Decision) -> None:
    """Which evidence decided a layer's technology, and by what rule (reports show both)."""
    if decision.decisive is not None and decision.rule:
        details["decided_by"] = decision.decisive.where
        details["decision"] = decision.rule


def _jail_details(evidence: Sequence[Evidence]) -> Tuple[Dict[str, object], str, Tuple[Evidence, ...]]:
    """A FreeBSD jail's network stack and permissions: layer details, a title, the evidence."""
    vnet = decide_simple(evidence, "jail_vnet")
    allowed = claims(evidence, "jail_allow")
    statfs = decide_simple(evidence, "jail_statfs")
    names = sorted({e.claim.value for e in allowed})  # type: ignore[union-attr]
    details: Dict[str, object] = {"allow": names}
    if vnet.value:
        details["network"] = "vnet" if vnet.value == "own" else "host-stack"
    if statfs.value:
        details["enforce_statfs"] = statfs.value
    title = "title.container.jail." + {"own": "vnet", "host": "host-stack"}.get(vnet.value or "", "unknown")
    return details, title, tuple(vnet.support) + tuple(allowed) + tuple(statfs.support)


def _classify_hosting(evidence: Sequence[Evidence], out: Classification) -> None:
    """Virtual machines this system runs itself (bhyve's /dev/vmm, Hyper-V's running VMs)."""
    items = [e for e in claims(evidence, "hosting") if e.claim and e.claim.positive]
    if not items:
        return
    techs = ", ".join(name_of(t) for t in sorted({e.claim.value for e in items}))  # type: ignore[union-attr]
    out.findings.append(Finding("host.runs-vms", "info", "title.host.runs-vms",
                                tuple(items), fields=_fields(tech=techs, where=items[0].where, value=items[0].raw)))


def _classify_chroot(evidence: Sequence[Evidence], out: Classification) -> None:
    decision = decide_presence(claims(evidence, "chroot"))
    if decision.value is None:
        return
    out.chroot = decision.value != "none"
    if out.chroot:
        out.layers.append(Layer("chroot", "chroot", "chroot", decision.strength, {}, decision.support))


def _evidence_findings(evidence: Sequence[Evidence], out: Classification) -> None:
    denied = [e for e in evidence if e.error in ("EACCES", "EPERM")]
    if denied:
        out.findings.append(Finding("evidence.unreadable", "info",
                                    "title.evidence.unreadable",
                                    tuple(denied), fields=_fields(value=str(len(denied)), count=str(len(denied)))))
    failed = [e for e in evidence if e.error == "EPROBE"]
    if failed:
        out.findings.append(Finding("evidence.probe-error", "error", "title.evidence.probe-error", tuple(failed),
                                    fields=_fields(value=str(len(failed)), count=str(len(failed)))))
