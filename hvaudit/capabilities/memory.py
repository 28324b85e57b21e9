"""Memory for guests: huge pages (reserved pools, hugetlbfs), transparent huge pages and
KSM, the kernel same-page merging that lets many similar guests share memory."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Sequence

from ..model import Check, Evidence
from ..parsers import number
from . import check
from .common import Notes, cpuinfo, filesystems, first_line, mountinfo

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


@check
def hugepages(src, evidence: Sequence[Evidence]) -> Check:
    """Huge pages for guest memory: the reserved pools per size (nr/free under
    /sys/kernel/mm/hugepages), hugetlbfs registered and mounted, 1 GiB pages (`pdpe1gb`),
    the transparent huge page mode (QEMU asks for THP with madvise, so `madvise` suffices)
    and KSM (/sys/kernel/mm/ksm/run: 1 merges identical pages across guests)."""
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
    mounted = [m.mount_point for m in mountinfo(src) if m.fstype == "hugetlbfs"]
    if fs is not None:
        n.add("/proc/filesystems", "hugetlbfs" if hugetlbfs else "no hugetlbfs")
    if mounted:
        n.add("/proc/self/mountinfo", "hugetlbfs at " + ", ".join(mounted))
    info = cpuinfo(src)
    gib_pages = info is not None and "pdpe1gb" in info.flags
    thp_raw, thp_error = first_line(src, THP)
    thp = None
    if thp_raw is not None:
        match = re.search(r"\[(\w+)\]", thp_raw)
        thp = match.group(1) if match else None
        n.add(THP, thp_raw, "always: every large mapping; madvise: those that ask (QEMU does); never: off")
    else:
        n.unseen(THP, thp_error)
    ksm_run = _int(src, KSM + "/run")
    sharing = _int(src, KSM + "/pages_sharing")
    if ksm_run is not None:
        n.add(KSM + "/run", ksm_run, "0 stopped, 1 merging, 2 unmerging")
        if sharing:
            n.add(KSM + "/pages_sharing", sharing)
    ksm = {0: "stopped", 1: "running", 2: "unmerging"}.get(ksm_run, "absent") if ksm_run is not None else "absent"
    preallocated = sum(v["total"] or 0 for v in reserved.values())
    details: Dict[str, Any] = {"pools": reserved, "hugetlbfs": hugetlbfs, "hugetlbfs_mounts": mounted,
                               "gib_pages": gib_pages, "thp": thp, "ksm": ksm,
                               "value": ", ".join(p for p in (
                                   "%d reserved pages" % preallocated if preallocated else "",
                                   "THP %s" % thp if thp else "", "KSM %s" % ksm) if p)}
    extras: List[str] = []
    if gib_pages:
        extras.append("1 GiB pages supported")
    extras.append("KSM %s" % ksm)
    if not pools.seen and thp is None:
        return n.done("unknown", "Neither huge page pools nor the THP mode could be read", **details)
    if not reserved and not hugetlbfs and thp in (None, "never"):
        return n.done("fail", "No huge pages: the kernel has no hugetlbfs and THP is %s" % (thp or "absent"),
                      "Use a kernel with CONFIG_HUGETLBFS and CONFIG_TRANSPARENT_HUGEPAGE", **details)
    if preallocated:
        free = sum(v["free"] or 0 for v in reserved.values())
        sizes = ", ".join("%s x %s" % (v["total"], size) for size, v in reserved.items() if v["total"])
        where = " (mounted at %s)" % mounted[0] if mounted else " (hugetlbfs not mounted: libvirt mounts its own)"
        return n.done("pass", "Huge pages reserved: %s, %d free%s; THP %s; %s" % (
            sizes, free, where, thp or "absent", ", ".join(extras)), **details)
    if thp in ("always", "madvise"):
        return n.done("pass", "THP is %s (QEMU uses it for guest RAM); no huge pages reserved; %s" % (
            thp, ", ".join(extras)),
            None, **details)
    return n.done("warn", "THP is %s and no huge pages are reserved: guest memory uses 4 KiB pages (more TLB "
                          "misses, longer two-level page walks)" % (thp or "absent"),
                  "echo madvise | sudo tee %s, or reserve pages: sudo sysctl vm.nr_hugepages=N (1 GiB pages: "
                  "hugepagesz=1G hugepages=N on the kernel command line)" % THP, **details)
