"""cgroup hierarchies as the mount table shows them (cgroups(7)), and /proc/cgroups."""

from __future__ import annotations

from ..records import Record
from . import number
from .procfs import Mount

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Sequence, Tuple

CGROUP_ROOT = "/sys/fs/cgroup"


class CgroupLayout(Record):
    """mode: "unified" (v2 only), "hybrid" (v1 controllers with a v2 hierarchy beside them),
    "legacy" (v1 only), or "none"; v2_path: where the v2 hierarchy is mounted;
    v1: controller -> mount point of the v1 hierarchies."""

    mode: str
    v2_path: Optional[str] = None
    v1: Dict[str, str] = {}


#: Options of a v1 cgroup mount that are not controllers.
_V1_OPTIONS = frozenset({"rw", "ro", "nosuid", "nodev", "noexec", "relatime", "noatime", "nodiratime",
                         "strictatime", "xattr", "noprefix", "clone_children", "cpuset_v2_mode",
                         "favordynmods"})


def cgroup_layout(mounts: Sequence[Mount]) -> CgroupLayout:
    """Which cgroup version(s) are mounted, by file-system type, as systemd and
    check-config.sh decide it (the statfs magic of /sys/fs/cgroup is the same fact)."""
    v2_path: Optional[str] = None
    v1: Dict[str, str] = {}
    for m in mounts:
        if m.fstype == "cgroup2":
            if v2_path is None or m.mount_point == CGROUP_ROOT:
                v2_path = m.mount_point
        elif m.fstype == "cgroup":
            for option in m.super_options.split(","):
                named = option.startswith("name=")  # a hierarchy without controllers (name=systemd)
                if named or (option and option not in _V1_OPTIONS and "=" not in option):
                    v1.setdefault(option, m.mount_point)
    real_v1 = {k: v for k, v in v1.items() if not k.startswith("name=")}
    if v2_path == CGROUP_ROOT and not real_v1:
        return CgroupLayout("unified", v2_path, v1)
    if real_v1 and v2_path is not None:
        return CgroupLayout("hybrid", v2_path, v1)
    if real_v1 or v1:
        return CgroupLayout("legacy", None, v1)
    if v2_path is not None:
        return CgroupLayout("unified", v2_path, v1)
    return CgroupLayout("none")


def parse_proc_cgroups(text: str) -> List[Tuple[str, int, bool]]:
    """/proc/cgroups: "#subsys_name hierarchy num_cgroups enabled" -> (name, hierarchy, enabled)."""
    out: List[Tuple[str, int, bool]] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        fields = line.split()
        hierarchy = number(fields[1]) if len(fields) >= 4 else None
        if hierarchy is not None and hierarchy >= 0:
            out.append((fields[0], hierarchy, fields[3] == "1"))
    return out
