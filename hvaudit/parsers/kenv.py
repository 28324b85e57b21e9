"""kenv(1) on FreeBSD: the kernel environment as `name="value"` lines (the loader puts the
firmware's SMBIOS strings there as smbios.*; see smbios(4) and loader.efi(8))."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, Mapping


#: smbios.* kenv variables -> the names of Linux's /sys/class/dmi/id fields, so that one
#: table of vendor strings (hvaudit/signatures.py) serves both systems.
SMBIOS_TO_DMI: Mapping[str, str] = {
    "smbios.system.maker": "sys_vendor",
    "smbios.system.product": "product_name",
    "smbios.system.version": "product_version",
    "smbios.system.family": "product_family",
    "smbios.planar.maker": "board_vendor",
    "smbios.planar.product": "board_name",
    "smbios.bios.vendor": "bios_vendor",
    "smbios.bios.version": "bios_version",
    "smbios.chassis.maker": "chassis_vendor",
    "smbios.chassis.tag": "chassis_asset_tag",
}


def parse_kenv(text: str) -> Dict[str, str]:
    """`kenv` output -> {name: value}; the double quotes around values are removed and the
    escaped quotes and backslashes inside them restored."""
    out: Dict[str, str] = {}
    for line in text.splitlines():
        name, sep, value = line.partition("=")
        name = name.strip()
        if not sep or not name:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
        out[name] = value
    return out


def dmi_fields_from_kenv(values: Mapping[str, str]) -> Dict[str, str]:
    """The DMI identity fields (Linux's names) found among smbios.* variables."""
    return {field: values[name].strip() for name, field in SMBIOS_TO_DMI.items() if values.get(name, "").strip()}
