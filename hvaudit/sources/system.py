"""What the running system says of itself: its uname and who this process runs as."""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

def system_uname() -> Dict[str, str]:
    """uname(2) where it exists; on Windows (no os.uname) the same four fields from `platform`."""
    if hasattr(os, "uname"):
        u = os.uname()
        return {"sysname": u.sysname, "release": u.release, "version": u.version, "machine": u.machine}
    import platform  # Windows only: sys.getwindowsversion() and the environment, no subprocess

    return {"sysname": platform.system() or "Windows", "release": platform.release(),
            "version": platform.version(), "machine": platform.machine()}


def current_user() -> Dict[str, Any]:
    """Who observed: uid and euid, or on Windows whether the process is elevated."""
    if hasattr(os, "geteuid"):
        return {"uid": os.getuid(), "euid": os.geteuid()}
    try:
        import ctypes

        return {"admin": bool(ctypes.windll.shell32.IsUserAnAdmin())}  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        return {}
