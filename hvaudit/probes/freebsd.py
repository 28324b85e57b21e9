"""FreeBSD: the jail this process may be in (FreeBSD's OS-level container), the hypervisor
below the kernel, the firmware's identity, and what the boot messages say of the CPU.

Every probe here returns at once on another system. Sources: jail(8) ("Sysctl MIB Entries":
security.jail.jailed), sys/kern/kern_jail.c (security.jail.vnet "Jail owns vnet?", the
*_allowed permission sysctls), sys/kern/subr_param.c (kern.vm_guest), sys/x86/x86/identcpu.c
(hw.hv_vendor, the Features2 HV bit, the VT-x/SVM lines, "Hypervisor: Origin"), kenv(1).
"""

from __future__ import annotations

from ..model import Evidence, Strength
from ..sources import Source
from ..views import FREEBSD, SYSCTL, Views
from . import ev, firmware_identity, missing, probe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


@probe("freebsd.jail", systems=(FREEBSD,))
def jail(src: Source, views: Views) -> Iterator[Evidence]:
    """security.jail.jailed (1 in a jail), and inside one what it may do: security.jail.vnet
    (its own network stack) and the security.jail.*_allowed sysctls, which read the jail's
    own allow.* parameters. A jail is FreeBSD's OS-level container: processes share the
    host's kernel, partitioned."""
    pid = "freebsd.jail"
    values = views.sysctl()
    if values is None:
        yield from missing(pid, SYSCTL, src.command("sysctl").error, "sysctl-failed")
        return
    from ..signatures import jail_parameter

    jailed = values.get("security.jail.jailed")
    where = SYSCTL + " security.jail.jailed"
    if jailed == "1":
        yield ev(pid, where, jailed, "container", "jail", Strength.DEFINITIVE,
                 "note.probe.freebsd.the-kernel-reports-this")
    elif jailed == "0":
        yield ev(pid, where, jailed, "container", "none", Strength.DEFINITIVE,
                 "note.probe.freebsd.the-kernel-reports-this-2")
        return
    else:
        return
    vnet = values.get("security.jail.vnet")
    if vnet in ("0", "1"):
        own = vnet == "1"
        yield ev(pid, SYSCTL + " security.jail.vnet", vnet, "jail_vnet", "own" if own else "host",
                 Strength.DEFINITIVE, "note.probe.freebsd.a-vnet-jail-a"
                 if own else "note.probe.freebsd.no-vnet-the-jail")
    for name in sorted(values):
        parameter = jail_parameter(name)
        if parameter and values[name] == "1":
            yield ev(pid, SYSCTL + " " + name, values[name], "jail_allow", parameter, Strength.DEFINITIVE,
                     "note.probe.freebsd.jail-parameter", parameter=parameter)
    if values.get("security.jail.socket_unixiproute_only") == "0":
        yield ev(pid, SYSCTL + " security.jail.socket_unixiproute_only", "0", "jail_allow", "allow.socket_af",
                 Strength.DEFINITIVE, "note.probe.freebsd.sockets-of-every-family")
    statfs = values.get("security.jail.enforce_statfs")
    if statfs in ("0", "1", "2"):
        yield ev(pid, SYSCTL + " security.jail.enforce_statfs", statfs, "jail_statfs", statfs, Strength.DEFINITIVE,
                 "note.probe.freebsd.which-mount-points-the")


@probe("freebsd.vm-guest", systems=(FREEBSD,))
def vm_guest(src: Source, views: Views) -> Iterator[Evidence]:
    """kern.vm_guest, the kernel's own verdict on the hypervisor below it, and hw.hv_vendor,
    the CPUID hypervisor signature as the kernel read it at boot (else the boot messages'
    "Hypervisor: Origin" line). Both describe the machine, so a jail sees its host's."""
    pid = "freebsd.vm-guest"
    from ..signatures import CPUID_SIGNATURES, FREEBSD_VM_GUEST

    values = views.sysctl() or {}
    guest = values.get("kern.vm_guest")
    if guest:
        tech = FREEBSD_VM_GUEST.get(guest, "*")
        note = ("note.probe.freebsd.the-kernel-found-no" if tech == "none" else
                "note.probe.freebsd.the-kernel-detected-a" if tech == "*" else
                "note.probe.freebsd.the-kernel-identified-its")
        yield ev(pid, SYSCTL + " kern.vm_guest", guest, "vm", tech, Strength.STRONG, note)
    vendor = values.get("hw.hv_vendor", "").strip()
    where = SYSCTL + " hw.hv_vendor"
    if not vendor:
        from ..parsers.dmesg import parse_boot_cpu
        from ..privacy import DMESG_BOOT

        boot = src.read(DMESG_BOOT, limit=1 << 20)
        if boot.seen:
            vendor = (parse_boot_cpu(boot.text or "").hypervisor_origin or "").strip()
            where = DMESG_BOOT + " Hypervisor: Origin"
    if vendor:
        known = {k.strip(): v for k, v in CPUID_SIGNATURES.items()}
        signed = known.get(vendor)
        if signed:
            yield ev(pid, where, vendor, "vm", signed, Strength.DEFINITIVE,
                     "note.probe.freebsd.the-hypervisor-s-cpuid")
        else:
            yield ev(pid, where, vendor, "vm", "*", Strength.STRONG,
                     "note.probe.freebsd.a-cpuid-hypervisor-signature")


@probe("freebsd.smbios", systems=(FREEBSD,))
def smbios(src: Source, views: Views) -> Iterator[Evidence]:
    """The firmware's SMBIOS strings, which the loader puts in the kernel environment as
    smbios.* (kenv(1)): vendor and product names matched against the same table as Linux's
    DMI fields. Vendor strings name a vendor, not whether this is a VM."""
    pid = "freebsd.smbios"
    read = src.command("kenv")
    if not read.seen:
        yield from missing(pid, "cmd:kenv", read.error, "note.probe.freebsd.kenv-1-could-not")
        return
    from ..parsers.kenv import dmi_fields_from_kenv, parse_kenv

    yield from firmware_identity(pid, "cmd:kenv", dmi_fields_from_kenv(parse_kenv(read.text or "")))


@probe("freebsd.cpu", systems=(FREEBSD,))
def boot_cpu(src: Source, views: Views) -> Iterator[Evidence]:
    """The CPU lines of /var/run/dmesg.boot: the HV flag in Features2 (CPUID.1:ECX[31], the
    hypervisor bit), and the VT-x/SVM line that says whether the firmware left hardware
    virtualization enabled and which of EPT/NPT and unrestricted guest the CPU has."""
    pid = "freebsd.cpu"
    from ..parsers.dmesg import parse_boot_cpu
    from ..privacy import DMESG_BOOT

    read = src.read(DMESG_BOOT, limit=1 << 20)
    if not read.seen:
        yield from missing(pid, DMESG_BOOT, read.error)
        return
    cpu = parse_boot_cpu(read.text or "")
    if cpu.has_feature_lines:
        if "HV" in cpu.features:
            yield ev(pid, DMESG_BOOT + " Features2", "HV", "vm", "*", Strength.STRONG,
                     "note.probe.freebsd.the-kernel-printed-the")
        else:
            yield ev(pid, DMESG_BOOT + " Features2", "no HV flag", "vm", "none", Strength.STRONG,
                     "note.probe.cpu.cpuid-1-ecx-31")
    if cpu.virt is not None:
        yield ev(pid, DMESG_BOOT + " " + cpu.virt.kind, cpu.virt.raw,
                 note="note.probe.freebsd.boot-virtualization-locked" if cpu.virt.disabled
                 else "note.probe.freebsd.boot-virtualization")


@probe("freebsd.vmm", systems=(FREEBSD,))
def vmm(src: Source, views: Views) -> Iterator[Evidence]:
    """bhyve's virtual machines: vmm(4) creates /dev/vmm/<name> for each VM that exists (the
    folder is absent when there is none); else the bhyve processes, one per running VM."""
    pid = "freebsd.vmm"
    listing = src.listdir("/dev/vmm")
    if listing.seen and listing.names:
        count = len(listing.names)
        yield ev(pid, "/dev/vmm", "%d virtual machine%s" % (count, "" if count == 1 else "s"), "hosting", "bhyve",
                 Strength.STRONG, "note.probe.freebsd.each-bhyve-vm-has")
        return
    yield from missing(pid, "/dev/vmm", listing.error)
    running = (views.vm_processes() or {}).get("bhyve", 0)
    if running:
        yield ev(pid, "cmd:vm-processes bhyve", "%d bhyve processes" % running, "hosting", "bhyve", Strength.STRONG,
                 "note.probe.freebsd.bhyve-8-runs-each")
