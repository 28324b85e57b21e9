"""dmidecode's text output: a list of structures, each a title and indented fields.

Format (dmidecode(8)): "Handle 0x0001, DMI type 1, 27 bytes", a title line, then
tab-indented "Key: Value" lines; list values (BIOS "Characteristics:") follow on lines
indented by two tabs.
"""

from __future__ import annotations

from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Tuple




def _structure_type(line: str) -> Optional[int]:
    """The type in a structure's first line, "Handle 0x0001, DMI type 1, 27 bytes"."""
    if not line.startswith("Handle 0x"):
        return None
    _, sep, rest = line.partition(", DMI type ")
    number = rest.partition(",")[0]
    return int(number) if sep and number.isdigit() and number.isascii() and len(number) < 6 else None


class DmiStructure(Record):
    type: int
    title: str
    fields: Dict[str, str] = {}
    lists: Dict[str, Tuple[str, ...]] = {}


def parse_dmidecode(text: str) -> List[DmiStructure]:
    structures: List[DmiStructure] = []
    current: Optional[_Building] = None
    list_key: Optional[str] = None
    for line in text.split("\n"):
        stype = _structure_type(line)
        if stype is not None:
            if current is not None:
                structures.append(current.freeze())
            current = _Building(stype)
            list_key = None
            continue
        if current is None or not line.strip():
            continue
        if current.title is None and not line.startswith("\t"):
            current.title = line.strip()
            continue
        if line.startswith("\t\t") and list_key is not None:
            current.lists.setdefault(list_key, []).append(line.strip())
            continue
        if line.startswith("\t"):
            key, sep, value = line.strip().partition(":")
            if not sep:
                continue
            key, value = key.strip(), value.strip()
            if value:
                current.fields.setdefault(key, value)
                list_key = None
            else:
                list_key = key
    if current is not None:
        structures.append(current.freeze())
    return structures


class _Building:
    """A structure while its lines are read."""

    def __init__(self, stype: int) -> None:
        self.type = stype
        self.title: Optional[str] = None
        self.fields: Dict[str, str] = {}
        self.lists: Dict[str, List[str]] = {}

    def freeze(self) -> DmiStructure:
        return DmiStructure(type=self.type, title=self.title or "", fields=self.fields,
                            lists={k: tuple(v) for k, v in self.lists.items()})


#: dmidecode structure type and field -> the name of the same value in /sys/class/dmi/id/.
SYSFS_NAMES: Dict[Tuple[int, str], str] = {
    (0, "Vendor"): "bios_vendor",
    (0, "Version"): "bios_version",
    (1, "Manufacturer"): "sys_vendor",
    (1, "Product Name"): "product_name",
    (1, "Version"): "product_version",
    (1, "Family"): "product_family",
    (2, "Manufacturer"): "board_vendor",
    (2, "Product Name"): "board_name",
    (3, "Manufacturer"): "chassis_vendor",
    (3, "Asset Tag"): "chassis_asset_tag",
}


def dmi_fields(structures: List[DmiStructure]) -> Dict[str, str]:
    """The sysfs-named identity fields, from the first structure of each type."""
    out: Dict[str, str] = {}
    for s in structures:
        for (stype, name), key in SYSFS_NAMES.items():
            if s.type == stype and name in s.fields and key not in out:
                out[key] = s.fields[name]
    return out


def vm_bit(structures: List[DmiStructure]) -> Optional[bool]:
    """The BIOS characteristic "System is a virtual machine" (SMBIOS 2.4+, type 0), if a BIOS
    structure with characteristics is present."""
    for s in structures:
        if s.type == 0:
            items = s.lists.get("Characteristics")
            if items is None:
                return None
            return "System is a virtual machine" in items
    return None


def smbios_raw_vm_bit(raw: bytes) -> Optional[bool]:
    """Bit 4 of BIOS Characteristics Extension Byte 2 in a raw SMBIOS type 0 structure
    (/sys/firmware/dmi/entries/0-0/raw): "System is a virtual machine" (DSP0134, 7.1.2.2).
    The byte sits at offset 0x13 when the structure is long enough (SMBIOS 2.4+)."""
    if len(raw) < 0x14 or raw[0] != 0:
        return None
    length = raw[1]
    if length <= 0x13:
        return None
    return bool(raw[0x13] & 0x10)
