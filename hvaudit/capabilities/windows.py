"""Windows' capabilities: what Hyper-V requires and whether its hypervisor runs, the
Hyper-V host's features that the notes list (processors per VM, checkpoints, live
migration), and WSL 2. Every check answers None on another system.

Sources: Microsoft Learn, "Windows 10 Hyper-V System Requirements" (systeminfo's Hyper-V
Requirements: VM Monitor Mode Extensions, Virtualization Enabled In Firmware, Second Level
Address Translation, Data Execution Prevention Available; "A hypervisor has been detected"),
"Win32_Processor class" (VMMonitorModeExtensions, VirtualizationFirmwareEnabled,
SecondLevelAddressTranslationExtensions), "Win32_OptionalFeature class" (InstallState 1 =
Enabled), Get-VMHost and Get-VM (Hyper-V module), "Hyper-V maximum scale limits in Windows
Server", "Install WSL" (Virtual Machine Platform).
"""

from __future__ import annotations

from ..facts import Facts
from ..model import Check
from ..parsers.windows import HyperVRequirements
from ..signatures import HYPERVISOR_FEATURES
from ..views import WINDOWS
from . import Notes, check
from .platform import FIRMWARE_REMEDY, NESTED_REMEDY

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional

ENABLE_HYPERV = "remedy.enable-hyperv"
START_HYPERVISOR = "remedy.start-hypervisor"


def requirements(facts: Facts) -> Optional[HyperVRequirements]:
    from ..parsers.windows import hyperv_requirements

    info = facts.systeminfo()
    return hyperv_requirements(info) if info else None


def features(facts: Facts) -> Optional[Dict[str, int]]:
    """Optional feature name -> InstallState (1 enabled, 2 disabled, 3 absent), None if unread."""
    rows = facts.cim("cim-optionalfeature")
    if rows is None:
        return None
    return {r["Name"]: r["InstallState"] for r in rows
            if isinstance(r.get("Name"), str) and isinstance(r.get("InstallState"), int)}


def hypervisor_present(facts: Facts, req: Optional[HyperVRequirements]) -> Optional[bool]:
    from ..parsers.windows import cim_bool

    systems = facts.cim("cim-computersystem")
    if systems:
        value = cim_bool(systems[0].get("HypervisorPresent"))
        if value is not None:
            return value
    return req.hypervisor_detected if req is not None else None


def root_partition(facts: Facts) -> bool:
    """Windows runs in its own hypervisor's root partition (the classification's role)."""
    layers = facts.classification.layers
    return any(layer.details.get("role") == "root-partition" for layer in layers)


def _processor(facts: Facts, prop: str) -> Optional[bool]:
    rows = facts.cim("cim-processor") or []
    values = [r.get(prop) for r in rows if isinstance(r.get(prop), bool)]
    return all(values) if values else None


def _feature_check(facts: Facts, check_id: str, what: str, extension: str, req_field: str, cim_prop: str) -> Check:
    """cpu-hav and cpu-slat from systeminfo's requirements or Win32_Processor."""
    n = Notes(check_id)
    req = requirements(facts)
    present = hypervisor_present(facts, req)
    hav = check_id == "cpu-hav"
    shared: Dict[str, Any] = {"extension": extension, "hypervisor_present": present}
    if hav:
        shared["guest"] = facts.guest
    if present and root_partition(facts):
        n.add("cmd:cim-computersystem HypervisorPresent", "true")
        return n.done("pass", "windows.in-use-by-hyperv", None, {"extension": what},
                      **dict(shared, present=True, enabled_in_firmware=True if hav else None))
    if present:
        n.add("cmd:systeminfo Hyper-V Requirements", req.raw if req else "hypervisor present")
        return n.done("unknown", "windows.hidden-by-hypervisor", NESTED_REMEDY if facts.guest else None,
                      {"extension": what}, **shared)
    value: Optional[bool] = getattr(req, req_field) if req is not None and not req.hypervisor_detected else None
    firmware: Optional[bool] = req.virtualization_enabled_in_firmware if req is not None else None
    where = "cmd:systeminfo Hyper-V Requirements"
    if value is None:
        value = _processor(facts, cim_prop)
        firmware = _processor(facts, "VirtualizationFirmwareEnabled")
        where = "cmd:cim-processor " + cim_prop
    if value is None:
        return n.done("unknown", "windows.no-answer", None, {"extension": what}, **shared)
    n.add(where, req.raw if req is not None and where.startswith("cmd:systeminfo") else "%s=%s" % (cim_prop, value))
    details = dict(shared, present=value)
    if hav:
        details["enabled_in_firmware"] = firmware
    if not value:
        return n.done("fail", "windows.not-in-processor", None, {"extension": what}, **details)
    if hav and firmware is False:
        return n.done("fail", "cpu-hav.disabled-in-firmware", FIRMWARE_REMEDY, {"extension": what}, **details)
    return n.done("pass", "cpu-hav.present-and-enabled" if hav else "cpu-slat.present", None, {"extension": what},
                  **details)


@check(systems=(WINDOWS,))
def cpu_hav(facts: Facts) -> Optional[Check]:
    """cpu-hav on Windows: "VM Monitor Mode Extensions" and "Virtualization Enabled In
    Firmware" (systeminfo, else Win32_Processor); in the root partition, Hyper-V uses them."""
    return _feature_check(facts, "cpu-hav", "VT-x/AMD-V", "VT-x/AMD-V", "vm_monitor_mode_extensions",
                          "VMMonitorModeExtensions")


@check(systems=(WINDOWS,))
def cpu_slat(facts: Facts) -> Optional[Check]:
    """cpu-slat on Windows: "Second Level Address Translation" (EPT/RVI), which Hyper-V
    requires on Windows 8 / Server 2016 and later."""
    return _feature_check(facts, "cpu-slat", "SLAT (EPT/RVI)", "EPT/RVI",
                          "second_level_address_translation", "SecondLevelAddressTranslationExtensions")


def _unmet(req: HyperVRequirements) -> List[str]:
    names = (("VM Monitor Mode Extensions", req.vm_monitor_mode_extensions),
             ("Virtualization Enabled In Firmware", req.virtualization_enabled_in_firmware),
             ("Second Level Address Translation", req.second_level_address_translation),
             ("Data Execution Prevention Available", req.data_execution_prevention_available))
    return [name for name, value in names if value is False]


@check(systems=(WINDOWS,))
def hyperv_host(facts: Facts) -> Optional[Check]:
    """Can this Windows host Hyper-V VMs: the Microsoft-Hyper-V feature (the role), whether
    the hypervisor runs with this Windows as its root partition, else which of Hyper-V's
    requirements are unmet."""
    n = Notes("hyperv-host")
    req = requirements(facts)
    present = hypervisor_present(facts, req)
    state = features(facts)
    role = (state or {}).get("Microsoft-Hyper-V")
    enabled = role == 1
    if state is not None:
        n.add("cmd:cim-optionalfeature", ", ".join(
            "%s=%s" % (k, {1: "Enabled", 2: "Disabled", 3: "Absent"}.get(v, v)) for k, v in sorted(state.items())))
    if req is not None:
        n.add("cmd:systeminfo Hyper-V Requirements", req.raw)
    details: Dict[str, object] = {"role_enabled": enabled if state is not None else None,
                                  "hypervisor_present": present}
    if req is not None and not req.hypervisor_detected:
        details["requirements"] = {"vm_monitor_mode_extensions": req.vm_monitor_mode_extensions,
                                   "virtualization_enabled_in_firmware": req.virtualization_enabled_in_firmware,
                                   "second_level_address_translation": req.second_level_address_translation,
                                   "data_execution_prevention_available": req.data_execution_prevention_available}
    vms = facts.cim("ps-vm")
    if vms is not None:
        details["vms"] = len(vms)
        details["vms_running"] = sum(1 for vm in vms if vm.get("State") == "Running")
    if present and root_partition(facts):
        if enabled:
            return n.done("pass", "hyperv-host.root-partition", **details)
        users = [k for k, v in (state or {}).items()
                 if v == 1 and k in HYPERVISOR_FEATURES and k != "Microsoft-Hyper-V"]
        return n.done("info", ("hyperv-host.hypervisor-for" if users else "hyperv-host.hypervisor-runs")
                      + (".role-off" if state is not None else ".role-unknown"), ENABLE_HYPERV,
                      {"users": sorted(users)}, **details)
    if present:
        return n.done("unknown" if not enabled else "info",
                      "hyperv-host.guest", **details)
    if enabled and present is False:
        return n.done("warn", "hyperv-host.not-running", START_HYPERVISOR, **details)
    if req is not None and not req.hypervisor_detected:
        unmet = _unmet(req)
        if unmet:
            remedy = FIRMWARE_REMEDY if unmet == ["Virtualization Enabled In Firmware"] else None
            return n.done("fail", "hyperv-host.unmet", remedy, {"unmet": unmet}, **details)
        return n.done("warn", "hyperv-host.requirements-met" + (".role-off" if state is not None else ".role-unknown"),
                      ENABLE_HYPERV, **details)
    return n.done("unknown", "hyperv-host.no-answer", **details)


#: Hyper-V's documented maximum virtual processors per VM ("Hyper-V maximum scale limits in
#: Windows Server"): 240 for generation 2 VMs on 2016 and 2019, 64 for generation 1.
VP_LIMITS: Mapping[int, int] = {1: 64, 2: 240}


@check(systems=(WINDOWS,))
def hyperv_features(facts: Facts) -> Optional[Check]:
    """The notes' Hyper-V features as this host has them: virtual processors per VM (SMP)
    against the host's logical processors, the VMs' checkpoint (snapshot) types, and live
    migration (Get-VMHost). Not applicable where Hyper-V's module does not answer and the
    role is off."""
    n = Notes("hyperv-features")
    host = facts.cim("ps-vmhost")
    vms = facts.cim("ps-vm")
    if host is None and vms is None:
        role = (features(facts) or {}).get("Microsoft-Hyper-V")
        if role != 1:
            return None
        error = facts.src.command("ps-vmhost").error or "no output"
        return n.done("unknown", "hyperv-features.no-answer", "remedy.hyperv-administrators", {"error": error})
    details: Dict[str, object] = {}
    parts: List[str] = []
    if host:
        h = host[0]
        logical = h.get("LogicalProcessorCount")
        migration = h.get("VirtualMachineMigrationEnabled")
        details.update({"logical_processors": logical, "live_migration": migration,
                        "max_live_migrations": h.get("MaximumVirtualMachineMigrations"),
                        "max_storage_migrations": h.get("MaximumStorageMigrations")})
        n.add("cmd:ps-vmhost", "LogicalProcessorCount=%s, VirtualMachineMigrationEnabled=%s" % (logical, migration))
        if isinstance(migration, bool):
            parts.append("hyperv-features.migration-on" if migration else "hyperv-features.migration-off")
    if vms:
        counts: List[int] = [vm["ProcessorCount"] for vm in vms if isinstance(vm.get("ProcessorCount"), int)]
        checkpoints = sorted({str(vm.get("CheckpointType")) for vm in vms if vm.get("CheckpointType")})
        generations: List[int] = sorted({vm["Generation"] for vm in vms if isinstance(vm.get("Generation"), int)})
        details.update({"vms": len(vms), "max_vm_processors": max(counts) if counts else None,
                        "checkpoint_types": checkpoints, "generations": generations,
                        "documented_vp_limits": {str(g): VP_LIMITS[g] for g in generations if g in VP_LIMITS}})
        n.add("cmd:ps-vm", "%d VMs, processors %s, checkpoints %s" % (len(vms), counts, ", ".join(checkpoints) or "-"))
        if counts:
            parts.append("hyperv-features.processors")
        if checkpoints:
            parts.append("hyperv-features.checkpoints")
    elif vms is not None:
        details["vms"] = 0
        parts.append("hyperv-features.no-vms")
    fields = {"parts_msgs": parts, "migrations": details.get("max_live_migrations"),
              "processors": details.get("max_vm_processors"), "checkpoints": details.get("checkpoint_types")}
    return n.done("info", "hyperv-features.summary" if parts else "hyperv-features.no-details", None, fields,
                  **details)


@check(systems=(WINDOWS,))
def wsl2(facts: Facts) -> Optional[Check]:
    """WSL 2 from the Windows side: the Virtual Machine Platform feature (WSL 2's utility VM
    runs on Windows' hypervisor), the WSL feature, and which distributions run as WSL 2."""
    from ..parsers.windows import decode_output, parse_wsl_list

    n = Notes("wsl2")
    state = features(facts)
    listing = facts.src.command("wsl-list")
    distros = parse_wsl_list(decode_output(listing.data)) if listing.seen and listing.data else []
    running = [d.name for d in distros if d.version == 2 and d.state == "Running"]
    utility_vm = (facts.vm_processes() or {}).get("vmmemwsl", 0) > 0
    details: Dict[str, object] = {"distributions": len(distros),
                                  "wsl2_distributions": sum(1 for d in distros if d.version == 2),
                                  "utility_vm_running": bool(running) or utility_vm}
    if listing.seen:
        n.add("cmd:wsl-list", "%d distributions, %d WSL 2 running" % (len(distros), len(running)))
    if utility_vm:
        n.add("cmd:vm-processes vmmemwsl", "present", "note.windows.the-memory-of-wsl")
    if state is None:
        return n.done("unknown", "wsl2.features-unreadable", **details)
    platform, wsl = state.get("VirtualMachinePlatform"), state.get("Microsoft-Windows-Subsystem-Linux")
    details.update({"virtual_machine_platform": platform == 1, "wsl_feature": wsl == 1})
    if platform != 1:
        return n.done("info", "wsl2.not-enabled", "remedy.wsl-install", **details)
    present = hypervisor_present(facts, requirements(facts))
    if present is False:
        return n.done("warn", "wsl2.no-hypervisor", START_HYPERVISOR, **details)
    cause = "wsl2.running-distributions" if running else "wsl2.utility-vm-runs" if utility_vm else "wsl2.idle"
    return n.done("pass", cause, None, {"distributions": running}, **details)
