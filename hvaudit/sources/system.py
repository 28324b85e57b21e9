"""What the running system says of itself: its uname and who this process runs as."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Optional

def system_uname() -> Dict[str, str]:
    """uname(2) where it exists; on Windows (no os.uname) the same four fields from `platform`."""
    if hasattr(os, "uname"):
        try:
            u = os.uname()
        except OSError:  # denied (a seccomp filter): the kernel says the same under /proc
            return _proc_uname()
        return {"sysname": u.sysname, "release": u.release, "version": u.version, "machine": u.machine}
    import platform  # Windows only: sys.getwindowsversion() and the environment, no subprocess

    return {"sysname": platform.system() or "Windows", "release": platform.release(),
            "version": platform.version(), "machine": platform.machine()}


#: ELF e_machine values (the ELF specification, elf(5)) -> uname's machine names, for the
#: interpreter's own executable when uname(2) is denied.
ELF_MACHINES = {0x03: "i686", 0x3E: "x86_64", 0xB7: "aarch64", 0x28: "armv7l", 0x15: "ppc64le", 0x16: "s390x",
                0xF3: "riscv64", 0x08: "mips", 0x102: "loongarch64"}


def kernel_line(path: str) -> str:
    try:
        with open(path, "rb") as f:
            return f.read(4096).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _proc_uname() -> Dict[str, str]:
    """uname's fields from /proc/sys/kernel, and the machine from the ELF header of this
    process's executable; what cannot be read is left empty."""
    machine = kernel_line("/proc/sys/kernel/arch")
    if not machine:
        try:
            with open("/proc/self/exe", "rb") as f:
                header = f.read(20)
            if header[:4] == b"\x7fELF" and len(header) == 20:
                code = int.from_bytes(header[18:20], "little") if header[5] == 1 else \
                    int.from_bytes(header[18:20], "big")
                machine = ELF_MACHINES.get(code, "")
        except OSError:
            pass
    return {"sysname": kernel_line("/proc/sys/kernel/ostype") or "Linux",
            "release": kernel_line("/proc/sys/kernel/osrelease"), "version": kernel_line("/proc/sys/kernel/version"),
            "machine": machine}


def system_hostname() -> Optional[str]:
    """This machine's host name, as uname(2) gives it (kept out of `system_uname()`, which
    a capture records for every audit to compare, so that `--redact` decides alone where the
    name is written)."""
    if hasattr(os, "uname"):
        try:
            name = os.uname().nodename
        except OSError:  # uname(2) denied
            name = kernel_line("/proc/sys/kernel/hostname")
    else:
        import platform

        name = platform.node()
    return name or None


def current_user() -> Dict[str, Any]:
    """Who observed: uid and euid, or on Windows whether the process is elevated."""
    if hasattr(os, "geteuid"):
        return {"uid": os.getuid(), "euid": os.geteuid()}
    try:
        import ctypes

        return {"admin": bool(ctypes.windll.shell32.IsUserAnAdmin())}  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        return {}
