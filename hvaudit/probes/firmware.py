"""What the firmware says: SMBIOS/DMI identity and the VM bit, and ACPI table makers.

Firmware strings are written by whoever built the machine or the VM. They name vendors
well, but a vendor is not a verdict: Oracle and Microsoft sell bare-metal hardware too.
"""

from __future__ import annotations

from ..model import Evidence, Strength
from ..parsers.acpi import fadt_hypervisor_vendor, parse_header
from ..parsers.dmidecode import DmiStructure, dmi_fields, parse_dmidecode, smbios_raw_vm_bit, vm_bit
from ..signatures import ACPI_OEM_IDS, FADT_HYPERVISOR_VENDORS
from ..sources import Source
from ..views import LINUX, Views
from . import denied_note, ev, firmware_identity, missing, probe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Iterator, List, Optional


DMI_DIR = "/sys/class/dmi/id"
DMI_FIELDS = ("sys_vendor", "product_name", "product_version", "product_family", "board_vendor", "board_name",
              "bios_vendor", "bios_version", "chassis_vendor", "chassis_asset_tag")
SMBIOS_TYPE0 = "/sys/firmware/dmi/entries/0-0/raw"
ACPI_DIR = "/sys/firmware/acpi/tables"


def _sysfs_dmi(src: Source, pid: str) -> tuple[Dict[str, str], List[Evidence]]:
    fields: Dict[str, str] = {}
    problems: List[Evidence] = []
    for name in DMI_FIELDS:
        read = src.read("%s/%s" % (DMI_DIR, name), limit=4096)
        if read.seen:
            value = (read.text or "").strip()
            if value:
                fields[name] = value
        else:
            problems.extend(missing(pid, "%s/%s" % (DMI_DIR, name), read.error))
    return fields, problems


@probe("dmi.identity", systems=(LINUX,))
def dmi_identity(src: Source, views: Views) -> Iterator[Evidence]:
    """DMI vendor and product strings (/sys/class/dmi/id, else `dmidecode`), matched against
    the vendor table, and the SMBIOS "System is a virtual machine" bit (type 0, byte 0x13
    bit 4), which only VMs' firmware sets."""
    pid = "dmi.identity"
    fields, problems = _sysfs_dmi(src, pid)
    structures: Optional[List[DmiStructure]] = None
    origin = DMI_DIR
    if not fields:
        read = src.command("dmidecode")
        if read.seen:
            structures = parse_dmidecode(read.text or "")
            fields = dmi_fields(structures)
            origin = "cmd:dmidecode"
            if not structures:
                first = (read.text or "").strip().splitlines()[:1]
                yield Evidence(pid, origin, raw=first[0][:200] if first else "", error="ENODATA",
                               note="note.probe.firmware.dmidecode-found-no-smbios")
        elif read.error not in ("ENOENT", "ENODATA"):
            yield Evidence(pid, "cmd:dmidecode", raw="", error=read.error,
                           note="note.probe.firmware.dmi-could-not-be")
    yield from problems if not fields else ()
    yield from firmware_identity(pid, origin, fields)
    product = fields.get("product_name", "")
    if fields.get("sys_vendor", "").startswith("Amazon EC2") and (
            product.endswith(".metal") or ".metal-" in product):
        yield ev(pid, origin + " product_name", product, "vm", "none", Strength.WEAK,
                 "note.probe.firmware.ec2-names-bare-metal")
    # The VM bit: raw SMBIOS entry (root only), else dmidecode's decoded characteristics.
    raw = src.read(SMBIOS_TYPE0, limit=4096)
    bit: Optional[bool] = None
    where = SMBIOS_TYPE0
    if raw.seen and raw.data is not None:
        bit = smbios_raw_vm_bit(raw.data)
    else:
        yield from missing(pid, SMBIOS_TYPE0, raw.error, denied_note(src, raw.error, "root"))
        if structures is None and not fields:
            structures = []
        if structures:
            bit, where = vm_bit(structures), "cmd:dmidecode BIOS Characteristics"
    if bit is True:
        yield ev(pid, where, "System is a virtual machine", "vm", "*", Strength.STRONG,
                 "note.probe.firmware.smbios-bios-characteristics-only")
    elif bit is False:
        yield ev(pid, where, "VM bit clear", "vm", "none", Strength.HINT,
                 "note.probe.firmware.many-hypervisors-leave-this")


@probe("acpi.tables", systems=(LINUX,))
def acpi_tables(src: Source, views: Views) -> Iterator[Evidence]:
    """ACPI table headers (OEM ID, table ID, creator) and the FADT Hypervisor Vendor
    Identity: Firecracker, QEMU, Hyper-V, VirtualBox, VMware and Xen sign their tables."""
    pid = "acpi.tables"
    listing = src.listdir(ACPI_DIR)
    if not listing.seen:
        yield from missing(pid, ACPI_DIR, listing.error)
        return
    names = set(listing.names or ())
    for table in ("FACP", "DSDT"):
        if table not in names:
            continue
        path = "%s/%s" % (ACPI_DIR, table)
        read = src.read(path, limit=512, partial=True)
        if not read.seen or read.data is None:
            yield from missing(pid, path, read.error, denied_note(src, read.error, "root"))
            continue
        header = parse_header(read.data)
        if header is None:
            continue
        raw = "OEM ID %s, table %s, creator %s" % (header.oem_id, header.oem_table_id, header.creator_id)
        claims = ACPI_OEM_IDS.get(header.oem_id, ())
        if not claims:
            yield ev(pid, path, raw, note="note.probe.firmware.the-firmware-that-built")
        for facet, value in claims:
            yield ev(pid, path, raw, facet, value, Strength.STRONG if facet == "vmm" else Strength.WEAK,
                     "note.probe.firmware.the-acpi-tables-were")
        if table == "FACP":
            vendor = fadt_hypervisor_vendor(read.data)
            if vendor:
                for facet, value in FADT_HYPERVISOR_VENDORS.get(vendor, (("vm", "*"),)):
                    yield ev(pid, path + " hypervisor vendor", vendor, facet, value, Strength.DEFINITIVE,
                             "note.probe.firmware.the-fadt-s-hypervisor")
