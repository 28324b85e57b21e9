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

from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..model import Check, Evidence
from ..parsers.windows import HyperVRequirements
from ..probes.windows import HYPERVISOR_FEATURES
from ..sources import Source, sysname
from . import check
from .platform import FIRMWARE_REMEDY, in_vm, note

WINDOWS = "Windows"
ENABLE_HYPERV = "Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V -All (then restart)"


def cim(src: Source, name: str) -> Optional[List[Dict[str, Any]]]:
    from ..probes.windows import cim as read_cim

    return read_cim(src, name)


def requirements(src: Source) -> Optional[HyperVRequirements]:
    from ..parsers.windows import hyperv_requirements
    from ..probes.windows import systeminfo

    info = systeminfo(src)
    return hyperv_requirements(info) if info else None


def features(src: Source) -> Optional[Dict[str, int]]:
    """Optional feature name -> InstallState (1 enabled, 2 disabled, 3 absent), None if unread."""
    rows = cim(src, "cim-optionalfeature")
    if rows is None:
        return None
    return {r["Name"]: r["InstallState"] for r in rows
            if isinstance(r.get("Name"), str) and isinstance(r.get("InstallState"), int)}


def hypervisor_present(src: Source, req: Optional[HyperVRequirements]) -> Optional[bool]:
    from ..parsers.windows import cim_bool

    systems = cim(src, "cim-computersystem")
    if systems:
        value = cim_bool(systems[0].get("HypervisorPresent"))
        if value is not None:
            return value
    return req.hypervisor_detected if req is not None else None


def root_partition(evidence: Sequence[Evidence]) -> bool:
    roles = [e for e in evidence if e.seen and e.claim is not None and e.claim.facet == "role"]
    return any(e.claim.value == "root-partition" for e in roles)  # type: ignore[union-attr]


def _processor(src: Source, prop: str) -> Optional[bool]:
    rows = cim(src, "cim-processor") or []
    values = [r.get(prop) for r in rows if isinstance(r.get(prop), bool)]
    return all(values) if values else None


def _feature_check(src: Source, evidence: Sequence[Evidence], check_id: str, what: str,
                   req_field: str, cim_prop: str) -> Check:
    """cpu-hav and cpu-slat from systeminfo's requirements or Win32_Processor."""
    req = requirements(src)
    present = hypervisor_present(src, req)
    seen: List[Evidence] = []
    if present and root_partition(evidence):
        return Check(check_id, "pass", "%s: in use by Hyper-V, which runs below this Windows (its root partition)"
                     % what, (note(check_id, "cmd:cim-computersystem HypervisorPresent", "true"),), None,
                     {"hypervisor_present": True})
    if present:
        return Check(check_id, "unknown", "%s: Windows hides it while a hypervisor runs below it; "
                     "a guest gets it only with nested virtualization" % what,
                     (note(check_id, "cmd:systeminfo Hyper-V Requirements", req.raw if req else "hypervisor present"),),
                     "enable nested virtualization for this VM on its host" if in_vm(evidence) else None,
                     {"hypervisor_present": True})
    value: Optional[bool] = getattr(req, req_field) if req is not None and not req.hypervisor_detected else None
    firmware: Optional[bool] = req.virtualization_enabled_in_firmware if req is not None else None
    where = "cmd:systeminfo Hyper-V Requirements"
    if value is None:
        value = _processor(src, cim_prop)
        firmware = _processor(src, "VirtualizationFirmwareEnabled")
        where = "cmd:cim-processor " + cim_prop
    if value is None:
        return Check(check_id, "unknown", "%s: neither systeminfo nor Win32_Processor answered" % what, (), None, {})
    seen.append(note(check_id, where, req.raw if req is not None and where.startswith("cmd:systeminfo")
                     else "%s=%s" % (cim_prop, value)))
    details: Dict[str, object] = {"present": value, "enabled_in_firmware": firmware}
    if not value:
        return Check(check_id, "fail", "%s: the processor does not have it" % what, tuple(seen), None, details)
    if check_id == "cpu-hav" and firmware is False:
        return Check(check_id, "fail", "%s: present, but disabled in the firmware" % what, tuple(seen),
                     FIRMWARE_REMEDY, details)
    return Check(check_id, "pass", "%s: present%s" % (what, "" if check_id != "cpu-hav" else " and enabled"),
                 tuple(seen), None, details)


@check
def cpu_hav(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """cpu-hav on Windows: "VM Monitor Mode Extensions" and "Virtualization Enabled In
    Firmware" (systeminfo, else Win32_Processor); in the root partition, Hyper-V uses them."""
    if sysname(src) != WINDOWS:
        return None
    return _feature_check(src, evidence, "cpu-hav", "VT-x/AMD-V", "vm_monitor_mode_extensions",
                          "VMMonitorModeExtensions")


@check
def cpu_slat(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """cpu-slat on Windows: "Second Level Address Translation" (EPT/RVI), which Hyper-V
    requires on Windows 8 / Server 2016 and later."""
    if sysname(src) != WINDOWS:
        return None
    return _feature_check(src, evidence, "cpu-slat", "second-level address translation (EPT/RVI)",
                          "second_level_address_translation", "SecondLevelAddressTranslationExtensions")


def _unmet(req: HyperVRequirements) -> List[str]:
    names = (("VM Monitor Mode Extensions", req.vm_monitor_mode_extensions),
             ("Virtualization Enabled In Firmware", req.virtualization_enabled_in_firmware),
             ("Second Level Address Translation", req.second_level_address_translation),
             ("Data Execution Prevention Available", req.data_execution_prevention_available))
    return [name for name, value in names if value is False]


@check
def hyperv_host(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """Can this Windows host Hyper-V VMs: the Microsoft-Hyper-V feature (the role), whether
    the hypervisor runs with this Windows as its root partition, else which of Hyper-V's
    requirements are unmet."""
    if sysname(src) != WINDOWS:
        return None
    req = requirements(src)
    present = hypervisor_present(src, req)
    state = features(src)
    role = (state or {}).get("Microsoft-Hyper-V")
    enabled = role == 1
    seen: List[Evidence] = []
    if state is not None:
        seen.append(note("hyperv-host", "cmd:cim-optionalfeature", ", ".join(
            "%s=%s" % (k, {1: "Enabled", 2: "Disabled", 3: "Absent"}.get(v, v)) for k, v in sorted(state.items()))))
    if req is not None:
        seen.append(note("hyperv-host", "cmd:systeminfo Hyper-V Requirements", req.raw))
    details: Dict[str, object] = {"role_enabled": enabled if state is not None else None,
                                  "hypervisor_present": present}
    if req is not None and not req.hypervisor_detected:
        details["requirements"] = {"vm_monitor_mode_extensions": req.vm_monitor_mode_extensions,
                                   "virtualization_enabled_in_firmware": req.virtualization_enabled_in_firmware,
                                   "second_level_address_translation": req.second_level_address_translation,
                                   "data_execution_prevention_available": req.data_execution_prevention_available}
    vms = cim(src, "ps-vm")
    if vms is not None:
        details["vms"] = len(vms)
        details["vms_running"] = sum(1 for vm in vms if vm.get("State") == "Running")
    if present and root_partition(evidence):
        if enabled:
            return Check("hyperv-host", "pass", "Hyper-V is enabled and its hypervisor runs; this Windows is "
                         "the root partition", tuple(seen), None, details)
        users = [k for k, v in (state or {}).items()
                 if v == 1 and k in HYPERVISOR_FEATURES and k != "Microsoft-Hyper-V"]
        return Check("hyperv-host", "info", "Windows' hypervisor runs%s, but the Hyper-V role is %s"
                     % (" (for %s)" % ", ".join(sorted(users)) if users else "",
                        "not enabled" if state is not None else "not known"), tuple(seen), ENABLE_HYPERV, details)
    if present:
        return Check("hyperv-host", "unknown" if not enabled else "info",
                     "this Windows is a guest: Hyper-V inside it needs nested virtualization from its host",
                     tuple(seen), None, details)
    if enabled and present is False:
        return Check("hyperv-host", "warn", "the Hyper-V role is enabled, but its hypervisor is not running",
                     tuple(seen), "bcdedit /set hypervisorlaunchtype auto, then restart; check that "
                     "virtualization is enabled in the firmware", details)
    if req is not None and not req.hypervisor_detected:
        unmet = _unmet(req)
        if unmet:
            remedy = FIRMWARE_REMEDY if unmet == ["Virtualization Enabled In Firmware"] else None
            return Check("hyperv-host", "fail", "Hyper-V cannot run: %s" % ", ".join(unmet), tuple(seen), remedy,
                         details)
        return Check("hyperv-host", "warn", "Hyper-V's requirements are met, but the role is %s"
                     % ("not enabled" if state is not None else "not known"), tuple(seen), ENABLE_HYPERV, details)
    return Check("hyperv-host", "unknown", "neither systeminfo nor CIM said whether Hyper-V can run", tuple(seen),
                 None, details)


#: Hyper-V's documented maximum virtual processors per VM ("Hyper-V maximum scale limits in
#: Windows Server"): 240 for generation 2 VMs on 2016 and 2019, 64 for generation 1.
VP_LIMITS: Mapping[int, int] = {1: 64, 2: 240}


@check
def hyperv_features(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """The notes' Hyper-V features as this host has them: virtual processors per VM (SMP)
    against the host's logical processors, the VMs' checkpoint (snapshot) types, and live
    migration (Get-VMHost). Not applicable where Hyper-V's module does not answer and the
    role is off."""
    if sysname(src) != WINDOWS:
        return None
    host = cim(src, "ps-vmhost")
    vms = cim(src, "ps-vm")
    if host is None and vms is None:
        role = (features(src) or {}).get("Microsoft-Hyper-V")
        if role != 1:
            return None
        error = src.command("ps-vmhost").error or "no output"
        return Check("hyperv-features", "unknown", "the Hyper-V module did not answer (%s)" % error, (),
                     "run as a member of Hyper-V Administrators, or elevated", {})
    details: Dict[str, object] = {}
    seen: List[Evidence] = []
    parts: List[str] = []
    if host:
        h = host[0]
        logical = h.get("LogicalProcessorCount")
        migration = h.get("VirtualMachineMigrationEnabled")
        details.update({"logical_processors": logical, "live_migration": migration,
                        "max_live_migrations": h.get("MaximumVirtualMachineMigrations"),
                        "max_storage_migrations": h.get("MaximumStorageMigrations")})
        seen.append(note("hyperv-features", "cmd:ps-vmhost", "LogicalProcessorCount=%s, "
                         "VirtualMachineMigrationEnabled=%s" % (logical, migration)))
        if isinstance(migration, bool):
            parts.append("live migration %s" % ("enabled (%s at once)" % h.get("MaximumVirtualMachineMigrations")
                                                if migration else "disabled"))
    if vms:
        counts: List[int] = [vm["ProcessorCount"] for vm in vms if isinstance(vm.get("ProcessorCount"), int)]
        checkpoints = sorted({str(vm.get("CheckpointType")) for vm in vms if vm.get("CheckpointType")})
        generations: List[int] = sorted({vm["Generation"] for vm in vms if isinstance(vm.get("Generation"), int)})
        details.update({"vms": len(vms), "max_vm_processors": max(counts) if counts else None,
                        "checkpoint_types": checkpoints, "generations": generations,
                        "documented_vp_limits": {str(g): VP_LIMITS[g] for g in generations if g in VP_LIMITS}})
        seen.append(note("hyperv-features", "cmd:ps-vm", "%d VMs, processors %s, checkpoints %s"
                         % (len(vms), counts, ", ".join(checkpoints) or "-")))
        if counts:
            parts.append("up to %d virtual processors per VM" % max(counts))
        if checkpoints:
            parts.append("checkpoints: %s" % ", ".join(checkpoints))
    elif vms is not None:
        details["vms"] = 0
        parts.append("no VMs")
    return Check("hyperv-features", "info", "; ".join(parts) or "Hyper-V answered without details", tuple(seen),
                 None, details)


@check
def wsl2(src: Source, evidence: Sequence[Evidence]) -> Optional[Check]:
    """WSL 2 from the Windows side: the Virtual Machine Platform feature (WSL 2's utility VM
    runs on Windows' hypervisor), the WSL feature, and which distributions run as WSL 2."""
    if sysname(src) != WINDOWS:
        return None
    from ..parsers.windows import decode_output, parse_wsl_list

    state = features(src)
    listing = src.command("wsl-list")
    distros = parse_wsl_list(decode_output(listing.data)) if listing.seen and listing.data else []
    running = [d.name for d in distros if d.version == 2 and d.state == "Running"]
    from ..probes.platform import vm_process_counts

    utility_vm = (vm_process_counts(src) or {}).get("vmmemwsl", 0) > 0
    details: Dict[str, object] = {"distributions": len(distros),
                                  "wsl2_distributions": sum(1 for d in distros if d.version == 2),
                                  "utility_vm_running": bool(running) or utility_vm}
    seen: List[Evidence] = []
    if listing.seen:
        seen.append(note("wsl2", "cmd:wsl-list", "%d distributions, %d WSL 2 running" % (len(distros), len(running))))
    if utility_vm:
        seen.append(note("wsl2", "cmd:vm-processes vmmemwsl", "present", "the memory of WSL 2's utility VM"))
    if state is None:
        return Check("wsl2", "unknown", "the optional features could not be read", tuple(seen), None, details)
    platform, wsl = state.get("VirtualMachinePlatform"), state.get("Microsoft-Windows-Subsystem-Linux")
    details.update({"virtual_machine_platform": platform == 1, "wsl_feature": wsl == 1})
    if platform != 1:
        return Check("wsl2", "info", "WSL 2 is not enabled (Virtual Machine Platform is off)", tuple(seen),
                     "wsl --install", details)
    present = hypervisor_present(src, requirements(src))
    if present is False:
        return Check("wsl2", "warn", "Virtual Machine Platform is enabled, but no hypervisor runs", tuple(seen),
                     "bcdedit /set hypervisorlaunchtype auto, then restart; check that virtualization is "
                     "enabled in the firmware", details)
    summary = "WSL 2 can run%s" % (
        ": its utility VM runs (%s)" % ", ".join(running) if running else
        ": its utility VM runs" if utility_vm else "; no WSL 2 distribution runs now")
    return Check("wsl2", "pass", summary, tuple(seen), None, details)

