"""What Windows tools print: `systeminfo` (English), PowerShell's ConvertTo-Json of CIM
instances and cmdlet objects, and `wsl --list --verbose`."""

from __future__ import annotations

from ..records import Record
from . import load_json, number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Tuple


def decode_output(data: bytes) -> str:
    """Text from a Windows tool: UTF-8 (with or without a byte-order mark) or UTF-16LE, which
    wsl.exe and redirected PowerShell can print; undecodable bytes replaced, never raised."""
    if data.startswith(b"\xff\xfe") or (len(data) > 1 and data[1:2] == b"\0" and data[:1] != b"\0"):
        return data.decode("utf-16-le", "replace").lstrip("\ufeff")
    return data.decode("utf-8", "replace").lstrip("\ufeff")


def parse_systeminfo(text: str) -> Dict[str, List[str]]:
    """systeminfo's "Field:   value" list -> {field: [value, continuation lines...]}. A field's
    further lines (Processor(s), Hyper-V Requirements) are indented."""
    out: Dict[str, List[str]] = {}
    current: Optional[str] = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if not line[:1].isspace() and ":" in line:
            key, _, value = line.partition(":")
            current = key.strip()
            out[current] = [value.strip()] if value.strip() else []
        elif current is not None:
            out[current].append(line.strip())
    return out


class HyperVRequirements(Record):
    """systeminfo's "Hyper-V Requirements": four answers, or that a hypervisor already runs
    (then Windows does not show them: "A hypervisor has been detected. Features required
    for Hyper-V will not be displayed.")."""

    hypervisor_detected: bool
    vm_monitor_mode_extensions: Optional[bool] = None
    virtualization_enabled_in_firmware: Optional[bool] = None
    second_level_address_translation: Optional[bool] = None
    data_execution_prevention_available: Optional[bool] = None
    raw: str = ""


_REQUIREMENTS = {
    "vm monitor mode extensions": "vm_monitor_mode_extensions",
    "virtualization enabled in firmware": "virtualization_enabled_in_firmware",
    "second level address translation": "second_level_address_translation",
    "data execution prevention available": "data_execution_prevention_available",
}


def hyperv_requirements(info: Mapping[str, List[str]]) -> Optional[HyperVRequirements]:
    """The Hyper-V Requirements block of parse_systeminfo's result, None when absent."""
    lines = info.get("Hyper-V Requirements")
    if not lines:
        return None
    raw = "; ".join(lines)
    if any("hypervisor has been detected" in line.lower() for line in lines):
        return HyperVRequirements(True, raw=raw)
    answers: Dict[str, Optional[bool]] = {}
    for line in lines:
        name, _, value = line.partition(":")
        key = _REQUIREMENTS.get(name.strip().lower())
        if key:
            answers[key] = {"yes": True, "no": False}.get(value.strip().lower())
    return HyperVRequirements(False, raw=raw, **answers)


def parse_cim_json(text: str) -> Optional[List[Dict[str, Any]]]:
    """ConvertTo-Json output: one object (a dict) or several (a list of dicts) -> a list of
    dicts; empty output (no instance) -> []; None when it is not JSON."""
    text = text.strip().lstrip("\ufeff")
    if not text:
        return []
    try:
        value = load_json(text)
    except ValueError:  # not JSON, or nested deeper than MAX_JSON_DEPTH
        return None
    if isinstance(value, dict):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, dict)]
    return None


def cim_bool(value: Any) -> Optional[bool]:
    """A CIM boolean as ConvertTo-Json writes it (true/false), or None (null, absent, other)."""
    return value if isinstance(value, bool) else None


class WslDistribution(Record):
    name: str
    state: str  # "Running", "Stopped", "Installing", ...
    version: Optional[int]  # 1 or 2
    default: bool


def parse_wsl_list(text: str) -> List[WslDistribution]:
    """`wsl --list --verbose`: a header (NAME STATE VERSION), then one row per distribution,
    the default one marked with "*"."""
    out: List[WslDistribution] = []
    for line in text.replace("\0", "").splitlines():
        default = line.lstrip().startswith("*")
        parts = line.replace("*", " ", 1).split() if default else line.split()
        if len(parts) < 3 or parts[0].upper() == "NAME":
            continue
        version = number(parts[-1])
        out.append(WslDistribution(" ".join(parts[:-2]), parts[-2], version, default))
    return out


#: CIM properties -> the names of Linux's /sys/class/dmi/id fields (Win32_ComputerSystem and
#: Win32_BIOS carry the SMBIOS type 1 and type 0 strings), so that one vendor table serves.
CIM_TO_DMI: Mapping[Tuple[str, str], str] = {
    ("cim-computersystem", "Manufacturer"): "sys_vendor",
    ("cim-computersystem", "Model"): "product_name",
    ("cim-computersystem", "SystemFamily"): "product_family",
    ("cim-bios", "Manufacturer"): "bios_vendor",
    ("cim-bios", "SMBIOSBIOSVersion"): "bios_version",
}
#: The same strings as systeminfo prints them ("BIOS Version" is vendor, version and date).
SYSTEMINFO_TO_DMI: Mapping[str, str] = {
    "System Manufacturer": "sys_vendor",
    "System Model": "product_name",
    "BIOS Version": "bios_version",
}


def dmi_fields_from_cim(instances: Mapping[str, List[Dict[str, Any]]]) -> Dict[str, str]:
    """DMI-named identity fields from the first instance of each CIM class given
    ({"cim-computersystem": [...], "cim-bios": [...]})."""
    out: Dict[str, str] = {}
    for (command, prop), field in CIM_TO_DMI.items():
        rows = instances.get(command) or []
        value = rows[0].get(prop) if rows else None
        if isinstance(value, str) and value.strip():
            out[field] = value.strip()
    return out


def dmi_fields_from_systeminfo(info: Mapping[str, List[str]]) -> Dict[str, str]:
    return {field: info[key][0] for key, field in SYSTEMINFO_TO_DMI.items() if info.get(key) and info[key][0]}
