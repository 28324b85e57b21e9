"""ACPI table headers (ACPI 6.5, 5.2.6 "System Description Table Header") and the FADT's

Hypervisor Vendor Identity (5.2.9, offset 268, FADT revision 6 and later)."""

from __future__ import annotations

from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional

HEADER_LENGTH = 36
FADT_HYPERVISOR_VENDOR_OFFSET = 268


class TableHeader(Record):
    signature: str
    length: int
    revision: int
    oem_id: str
    oem_table_id: str
    creator_id: str


def _ascii(raw: bytes) -> str:
    return raw.rstrip(b"\0 ").decode("ascii", "replace")


def parse_header(raw: bytes) -> Optional[TableHeader]:
    if len(raw) < HEADER_LENGTH:
        return None
    return TableHeader(
        signature=_ascii(raw[0:4]),
        length=int.from_bytes(raw[4:8], "little"),
        revision=raw[8],
        oem_id=_ascii(raw[10:16]),
        oem_table_id=_ascii(raw[16:24]),
        creator_id=_ascii(raw[28:32]),
    )


def fadt_hypervisor_vendor(raw: bytes) -> Optional[str]:
    """The 8-byte vendor a hypervisor writes into the FADT (e.g. Firecracker's "FIRECKVM")."""
    end = FADT_HYPERVISOR_VENDOR_OFFSET + 8
    if len(raw) < end or raw[0:4] != b"FACP":
        return None
    value = raw[FADT_HYPERVISOR_VENDOR_OFFSET:end]
    if not value.strip(b"\0"):
        return None
    return _ascii(value)
