"""Lines of /proc: status, cgroup, mountinfo, environ, namespace links, uid_map."""

from __future__ import annotations

from ..records import Record
from . import MAX_DIGITS, number

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Tuple


def is_number(text: str) -> bool:
    """A decimal number as the kernel writes one (ASCII digits only: "²".isdigit() is true)."""
    return text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS


def parse_status(text: str) -> Dict[str, str]:
    """/proc/PID/status: "Key:\tvalue" lines (proc(5))."""
    out: Dict[str, str] = {}
    for line in text.split("\n"):
        key, sep, value = line.partition(":")
        key = key.strip()
        if sep and key and key not in out:
            out[key] = value.strip()
    return out


class CgroupLine(Record):
    hierarchy: str
    controllers: Tuple[str, ...]
    path: str


def parse_cgroup(text: str) -> List[CgroupLine]:
    """/proc/PID/cgroup: "hierarchy-ID:controller-list:cgroup-path" (cgroups(7))."""
    out: List[CgroupLine] = []
    for line in text.split("\n"):
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        out.append(CgroupLine(parts[0], tuple(c for c in parts[1].split(",") if c), parts[2]))
    return out


class Mount(Record):
    mount_id: str
    root: str
    mount_point: str
    options: str
    fstype: str
    source: str
    super_options: str


OCTAL_DIGITS = frozenset("01234567")


def _unescape(field: str) -> str:
    """mountinfo escapes space, tab, newline and backslash as three octal digits (\\040)."""
    if "\\" not in field:
        return field
    out, i = [], 0
    while i < len(field):
        code = field[i + 1:i + 4]
        if field[i] == "\\" and len(code) == 3 and set(code) <= OCTAL_DIGITS:
            out.append(chr(int(code, 8)))
            i += 4
        else:
            out.append(field[i])
            i += 1
    return "".join(out)


def parse_mountinfo(text: str) -> List[Mount]:
    """/proc/PID/mountinfo (proc(5)): fields, optional fields, "-", fstype, source, options."""
    out: List[Mount] = []
    for line in text.split("\n"):
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        # Fields are separated by single spaces; the kernel escapes space, tab, newline and
        # backslash inside them, and nothing else, so other whitespace belongs to a field.
        lf, rf = [f for f in left.split(" ") if f], [f for f in right.split(" ") if f]
        if len(lf) < 6 or len(rf) < 2:
            continue
        out.append(Mount(lf[0], _unescape(lf[3]), _unescape(lf[4]), lf[5], rf[0], _unescape(rf[1]),
                         rf[2] if len(rf) > 2 else ""))
    return out


def parse_environ(data: bytes) -> Dict[str, str]:
    out: Dict[str, str] = {}
    for entry in data.split(b"\0"):
        name, sep, value = entry.partition(b"=")
        if sep:
            out[name.decode("utf-8", "replace")] = value.decode("utf-8", "replace")
    return out


def parse_ns_link(text: str) -> Optional[Tuple[str, int]]:
    """A namespace link target, "pid:[4026531836]" -> ("pid", 4026531836)."""
    kind, sep, rest = text.strip().partition(":[")
    inode = rest[:-1]
    if not (sep and rest.endswith("]") and is_number(inode) and kind
            and kind.replace("_", "").isalpha() and kind.islower()):
        return None
    return kind, int(inode)


def parse_id_map(text: str) -> List[Tuple[int, int, int]]:
    """/proc/PID/uid_map lines: inside-ID outside-ID length (user_namespaces(7))."""
    out: List[Tuple[int, int, int]] = []
    for line in text.split("\n"):
        parts = line.split()
        if len(parts) == 3 and all(is_number(p) for p in parts):
            out.append((int(parts[0]), int(parts[1]), int(parts[2])))
    return out


def is_identity_map(entries: List[Tuple[int, int, int]]) -> bool:
    """The initial user namespace maps every id to itself: "0 0 4294967295"."""
    return entries == [(0, 0, 4294967295)]


def parse_hex_mask(text: str) -> Optional[int]:
    return number(text, 16)


_HEX = frozenset("0123456789abcdefABCDEF")


def parse_pci_devices(text: str) -> List[Tuple[str, str]]:
    """(device "BB:SS.F", vendor id "0x1af4") for each line of /proc/bus/pci/devices: the PCI
    devices of every domain, one line each, "BBDF<TAB>VVVVDDDD<TAB>IRQ ..." in hex (Linux
    drivers/pci/proc.c, show_device: bus and devfn, then vendor and device). The domain is
    not written; lines of another shape are skipped."""
    out: List[Tuple[str, str]] = []
    for line in text.split("\n"):
        fields = line.split("\t", 2)
        if len(fields) < 2 or len(fields[0]) != 4 or len(fields[1]) != 8:
            continue
        location, ids = fields[0], fields[1]
        if not _HEX.issuperset(location) or not _HEX.issuperset(ids):
            continue
        devfn = int(location[2:], 16)
        out.append(("%s:%02x.%x" % (location[:2].lower(), devfn >> 3, devfn & 7), "0x" + ids[:4].lower()))
    return out
