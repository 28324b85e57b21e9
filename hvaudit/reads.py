"""Small questions probes and checks ask a Source the same way: a file's text or first
line, whether a path exists, the machine, one CPUID bit. Pure functions of the Source's
answers, so captures replay."""

from __future__ import annotations

from .sources import Source, cpuid_key
from .sources.cpuid import X86

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Tuple

    from .views import Views

__all__ = ["X86"]


def text(src: Source, path: str, limit: int = 65536) -> Tuple[Optional[str], Optional[str]]:
    """(text, None) or (None, errno name)."""
    read = src.read(path, limit=limit)
    return (read.text, None) if read.seen else (None, read.error)


def first_line(src: Source, path: str) -> Tuple[Optional[str], Optional[str]]:
    value, error = text(src, path, 4096)
    return (value.strip(), None) if value is not None else (None, error)


def exists(src: Source, path: str) -> bool:
    """A file or folder is there (readable or not)."""
    read = src.read(path, limit=4096)
    if read.seen or read.error in ("EISDIR", "EFBIG", "EACCES", "EPERM", "ENOTCAPTURED", "EFTYPE"):
        return True
    return src.listdir(path).seen


def machine(src: Source) -> str:
    return src.uname().get("machine", "") or ""


def cpuid_vendor(src: Source) -> Optional[str]:
    """"GenuineIntel", "AuthenticAMD", "HygonGenuine", ... from CPUID leaf 0 (EBX, EDX, ECX)."""
    regs = src.cpuid(0)
    if regs is None:
        return None
    raw = b"".join(r.to_bytes(4, "little") for r in (regs[1], regs[3], regs[2]))
    name = raw.decode("latin-1").strip("\0 ")
    return name or None


def cpuid_bit(src: Source, leaf: int, register: int, bit: int, subleaf: int = 0) -> Optional[bool]:
    """One CPUID bit (register 0..3 = EAX..EDX), None when the leaf cannot be asked or is
    above the maximum leaf of its range (out-of-range leaves echo another leaf on Intel)."""
    base = leaf & 0xFFFF0000
    top = src.cpuid(base)
    if top is None or (base in (0, 0x80000000) and top[0] < leaf):
        return None
    regs = src.cpuid(leaf, subleaf)
    if regs is None:
        return None
    return bool(regs[register] >> bit & 1)


def cpuid_where(leaf: int, register: int, bit: int, subleaf: int = 0) -> str:
    return "cpuid:%s %s[%d]" % (cpuid_key(leaf, subleaf), ("EAX", "EBX", "ECX", "EDX")[register], bit)


# -- who is asking ---------------------------------------------------------------------


def identity(v: Views) -> Dict[str, Any]:
    """uid, euid, gid, egid, groups, user, db_groups: from the Source, completed from
    /proc/self/status (Uid, Gid, Groups lines) for captures made before it was recorded."""
    src = v.src
    ident: Dict[str, Any] = dict(src.identity() or {})
    fields = v.status()

    def ids(key: str) -> List[int]:
        from .parsers import number

        return [n for n in (number(v) for v in fields.get(key, "").split()) if n is not None and n >= 0]

    uids, gids = ids("Uid"), ids("Gid")
    if "uid" not in ident and len(uids) >= 2:
        ident["uid"], ident["euid"] = uids[0], uids[1]
    if "gid" not in ident and len(gids) >= 2:
        ident["gid"], ident["egid"] = gids[0], gids[1]
    if "groups" not in ident and "Groups" in fields:
        ident["groups"] = ids("Groups")
    if "euid" not in ident:
        user = src.meta().get("user") or {}
        if isinstance(user.get("euid"), int):
            ident["euid"] = user["euid"]
            ident.setdefault("uid", user.get("uid", user["euid"]))
    return ident


def is_root(v: Views) -> Optional[bool]:
    euid = identity(v).get("euid")
    return None if euid is None else euid == 0


def msr_note(v: Views, error: Optional[str]) -> str:
    """Why an MSR could not be read (a message id); root is never told that it needs root."""
    if error == "ENOENT":
        return "note.msr.no-driver"
    if error in ("EACCES", "EPERM"):
        return "note.msr.denied-to-root" if is_root(v) else "note.msr.root-only"
    if error == "EIO":
        return "note.msr.refused"
    return "note.msr.unreadable"
