"""Windows: the firmware's identity (Win32_ComputerSystem, Win32_BIOS), whether a hypervisor
runs below Windows (Win32_ComputerSystem.HypervisorPresent, systeminfo's Hyper-V
Requirements), and whether that hypervisor is Windows' own Hyper-V with this Windows as its
root partition. Every probe here returns at once on another system.

With Hyper-V (or anything built on its hypervisor: WSL 2, Windows Sandbox, virtualization-
based security) enabled, Windows itself runs in the root partition: a hypervisor is present,
and yet this is the host. CPUID says so exactly (cpu.hypervisor-leaves: the CpuManagement
privilege); without CPUID, Windows' own answers and the firmware's identity do.
Sources: Microsoft Learn, "Win32_ComputerSystem class" (HypervisorPresent), "Win32_BIOS
class", "Windows 10 Hyper-V System Requirements" (systeminfo's block), "Hyper-V Architecture"
(root and child partitions).
"""

from __future__ import annotations

from ..model import Evidence, Strength
from ..signatures import HYPERVISOR_FEATURES
from ..sources import Source
from ..views import WINDOWS, Views
from . import ev, firmware_identity, missing, probe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Optional, Tuple

def firmware_fields(views: Views) -> Tuple[str, Dict[str, str]]:
    """(where, DMI-named fields) from CIM, else from systeminfo."""
    from ..parsers.windows import dmi_fields_from_cim, dmi_fields_from_systeminfo

    instances = {name: views.cim(name) or [] for name in ("cim-computersystem", "cim-bios")}
    fields = dmi_fields_from_cim(instances)
    if fields:
        return "cmd:cim-computersystem+cim-bios", fields
    info = views.systeminfo()
    return "cmd:systeminfo", dmi_fields_from_systeminfo(info) if info else {}


@probe("windows.firmware", systems=(WINDOWS,))
def firmware(src: Source, views: Views) -> Iterator[Evidence]:
    """Manufacturer and Model of Win32_ComputerSystem and the vendor and version of
    Win32_BIOS (else systeminfo's System Manufacturer, System Model and BIOS Version), matched
    against the same vendor table as Linux's DMI fields: "VMware, Inc." / "VMware7,1", or
    "Microsoft Corporation" / "Virtual Machine" for a Hyper-V guest."""
    pid = "windows.firmware"
    where, fields = firmware_fields(views)
    if not fields:
        read = src.command("cim-computersystem")
        yield from missing(pid, "cmd:cim-computersystem", read.error, "note.probe.windows.the-firmware-s-identity")
        return
    yield from firmware_identity(pid, where, fields)


@probe("windows.hypervisor", systems=(WINDOWS,))
def hypervisor(src: Source, views: Views) -> Iterator[Evidence]:
    """Win32_ComputerSystem.HypervisorPresent and systeminfo's Hyper-V Requirements (listed
    only when no hypervisor runs; else "A hypervisor has been detected"). When CPUID cannot be
    read, a hypervisor under firmware that names no virtual machine is Windows' own Hyper-V,
    with this Windows in its root partition."""
    pid = "windows.hypervisor"
    from ..parsers.windows import cim_bool, hyperv_requirements
    from ..signatures import dmi_claims

    present: Optional[bool] = None
    support: List[Evidence] = []
    systems = views.cim("cim-computersystem")
    if systems:
        value = cim_bool(systems[0].get("HypervisorPresent"))
        if value is not None:
            present = value
            item = ev(pid, "cmd:cim-computersystem HypervisorPresent", str(value).lower(), "vm",
                      "*" if value else "none", Strength.STRONG,
                      "note.probe.windows.windows-reports-a-hypervisor" if value else
                      "note.probe.windows.windows-reports-no-hypervisor")
            support.append(item)
            yield item
    info = views.systeminfo()
    requirements = hyperv_requirements(info) if info else None
    if requirements is not None:
        where = "cmd:systeminfo Hyper-V Requirements"
        if requirements.hypervisor_detected:
            item = ev(pid, where, requirements.raw, "vm", "*", Strength.STRONG,
                      "note.probe.windows.windows-hides-the-processor")
            present = True if present is None else present
            support.append(item)
            yield item
        else:
            yield ev(pid, where, requirements.raw, "vm", "none", Strength.STRONG,
                     "note.probe.windows.windows-lists-hyper-v")
            present = False if present is None else present
    if not present or src.cpuid_error() is None:
        return  # CPUID, when it can be read, says exactly whether this is the root partition
    where, fields = firmware_fields(views)
    if not fields:
        return
    if any(facet == "vm" and value != "none" for facet, value in dmi_claims(fields)):
        return  # a guest: the firmware belongs to a virtual machine
    identity = ", ".join("%s=%s" % (k, fields[k]) for k in ("sys_vendor", "product_name") if k in fields)
    enabled = [f["Name"] for f in views.cim("cim-optionalfeature") or []
               if f.get("InstallState") == 1 and f.get("Name") in HYPERVISOR_FEATURES]
    raw = identity + ("; enabled: " + ", ".join(enabled) if enabled else "")
    note = ("note.probe.windows.a-hypervisor-runs-below")
    yield ev(pid, where, raw, "vm", "microsoft", Strength.STRONG, note)
    yield ev(pid, where, raw, "role", "root-partition", Strength.STRONG, note)


@probe("windows.hyperv-vms", systems=(WINDOWS,))
def hyperv_vms(src: Source, views: Views) -> Iterator[Evidence]:
    """The Hyper-V module's Get-VM: virtual machines this Windows hosts, and how many run
    (needs the Hyper-V management tools and Hyper-V Administrators or elevation); else the
    Hyper-V worker processes (vmwp.exe), one per running VM."""
    pid = "windows.hyperv-vms"
    vms = views.cim("ps-vm")
    if vms is not None:
        running = [vm for vm in vms if vm.get("State") == "Running"]
        if running:
            yield ev(pid, "cmd:ps-vm", "%d of %d virtual machines running" % (len(running), len(vms)), "hosting",
                     "microsoft", Strength.STRONG, "note.probe.windows.hyper-v-reports-virtual")
        return
    read = src.command("ps-vm")
    yield from missing(pid, "cmd:ps-vm", read.error, "note.probe.windows.get-vm-needs-the")
    workers = (views.vm_processes() or {}).get("vmwp.exe", 0)
    if workers:
        yield ev(pid, "cmd:vm-processes vmwp.exe", "%d Hyper-V worker processes" % workers, "hosting", "microsoft",
                 Strength.STRONG, "note.probe.windows.hyper-v-runs-one")
