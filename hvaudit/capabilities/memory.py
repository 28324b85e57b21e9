"""Memory for guests: huge pages (reserved pools, hugetlbfs), transparent huge pages and
KSM, the kernel same-page merging that lets many similar guests share memory."""

from __future__ import annotations

from ..facts import Facts
from ..model import Check
from ..parsers import number
from . import check
from .common import Notes, cpuinfo, filesystems, first_line

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional

HUGEPAGES = "/sys/kernel/mm/hugepages"
THP = "/sys/kernel/mm/transparent_hugepage/enabled"
KSM = "/sys/kernel/mm/ksm"


def _size_label(name: str) -> str:
    """"hugepages-1048576kB" -> "1 GiB", "hugepages-2048kB" -> "2 MiB"."""
    kib = number(name[len("hugepages-"):-len("kB")]) if name.startswith("hugepages-") and name.endswith("kB") else None
    if kib is None or kib < 0:
        return name
    return "%d GiB" % (kib >> 20) if kib >= 1 << 20 else "%d MiB" % (kib >> 10) if kib >= 1024 else "%d KiB" % kib


def _int(src, path: str) -> Optional[int]:
    value, _ = first_line(src, path)
    parsed = number(value)
    return parsed if parsed is not None and parsed >= 0 else None


@check()
def hugepages(facts: Facts) -> Check:
    """Huge pages for guest memory: the reserved pools per size (nr/free under
    /sys/kernel/mm/hugepages), hugetlbfs registered and mounted, 1 GiB pages (`pdpe1gb`),
    the transparent huge page mode (QEMU asks for THP with madvise, so `madvise` suffices)
    and KSM (/sys/kernel/mm/ksm/run: 1 merges identical pages across guests)."""
    src = facts.src
    n = Notes("hugepages")
    pools = src.listdir(HUGEPAGES)
    reserved: Dict[str, Dict[str, Optional[int]]] = {}
    if pools.seen:
        for name in pools.names or ():
            total = _int(src, "%s/%s/nr_hugepages" % (HUGEPAGES, name))
            free = _int(src, "%s/%s/free_hugepages" % (HUGEPAGES, name))
            reserved[_size_label(name)] = {"total": total, "free": free}
        n.add(HUGEPAGES, ", ".join("%s: %s reserved, %s free" % (size, v["total"], v["free"])
                                   for size, v in reserved.items()) or "(no sizes)")
    else:
        n.unseen(HUGEPAGES, pools.error)
    fs = filesystems(src)
    hugetlbfs = fs is not None and "hugetlbfs" in fs
    mounted = [m.mount_point for m in facts.mountinfo() if m.fstype == "hugetlbfs"]
    if fs is not None:
        n.add("/proc/filesystems", "hugetlbfs" if hugetlbfs else "no hugetlbfs")
    if mounted:
        n.add("/proc/self/mountinfo", "hugetlbfs at " + ", ".join(mounted))
    info = cpuinfo(facts)
    gib_pages = info is not None and "pdpe1gb" in info.flags
    thp_raw, thp_error = first_line(src, THP)
    thp = None
    if thp_raw is not None:
        thp = bracketed(thp_raw)
        n.add(THP, thp_raw, "note.memory.always-every-large-mapping")
    else:
        n.unseen(THP, thp_error)
    ksm_run = _int(src, KSM + "/run")
    sharing = _int(src, KSM + "/pages_sharing")
    if ksm_run is not None:
        n.add(KSM + "/run", ksm_run, "note.memory.0-stopped-1-merging")
        if sharing:
            n.add(KSM + "/pages_sharing", sharing)
    ksm = {0: "stopped", 1: "running", 2: "unmerging"}.get(ksm_run, "absent") if ksm_run is not None else "absent"
    preallocated = sum(v["total"] or 0 for v in reserved.values())
    details: Dict[str, Any] = {"pools": reserved, "hugetlbfs": hugetlbfs, "hugetlbfs_mounts": mounted,
                               "gib_pages": gib_pages, "thp": thp, "ksm": ksm,
                               "value": ", ".join(p for p in (
                                   "pages=%d" % preallocated if preallocated else "",
                                   "THP=%s" % thp if thp else "", "KSM=%s" % ksm) if p)}
    extras: List[str] = (["hugepages.gib-pages"] if gib_pages else []) + ["hugepages.ksm-" + ksm]
    fields: Dict[str, Any] = {"thp": thp or "absent", "extras_msgs": extras, "path": THP}
    if not pools.seen and thp is None:
        return n.done("unknown", "hugepages.unreadable", None, fields, **details)
    if not reserved and not hugetlbfs and thp in (None, "never"):
        return n.done("fail", "hugepages.none", "remedy.hugepages-kernel", fields, **details)
    if preallocated:
        fields.update(free=sum(v["free"] or 0 for v in reserved.values()),
                      sizes=", ".join("%s x %s" % (v["total"], size) for size, v in reserved.items() if v["total"]),
                      mount=mounted[0] if mounted else "",
                      mount_msg="hugepages.mounted-at" if mounted else "hugepages.not-mounted")
        return n.done("pass", "hugepages.reserved", None, fields, **details)
    if thp in ("always", "madvise"):
        return n.done("pass", "hugepages.thp-only", None, fields, **details)
    return n.done("warn", "hugepages.small-pages", "remedy.hugepages", fields, **details)


def bracketed(line: str) -> Optional[str]:
    """The first word in brackets, as sysfs marks the chosen one ("always [madvise] never"
    -> "madvise"); a word is letters, digits and "_" (re's \\w)."""
    start = line.find("[")
    while start != -1:
        end = start + 1
        while end < len(line) and (line[end].isalnum() or line[end] == "_"):
            end += 1
        if end > start + 1 and line[end:end + 1] == "]":
            return line[start + 1:end]
        start = line.find("[", start + 1)
    return None
