"""Container readiness, tested rather than assumed from the kernel's configuration:
namespaces, user namespaces (created in a trial), cgroups (mode and controllers from the
mounts), overlayfs and fuse, seccomp, this process's capabilities, security modules, and
the build options Docker's check-config.sh asks for."""

from __future__ import annotations

from ..facts import Facts
from ..model import Check
from ..parsers import number
from ..parsers.caps import (
    CAPABILITY_USES,
    DEFAULT_SETS,
    cap_names,
    full_mask,
    mask_of,
    parse_cap_mask,
)
from ..parsers.cgroups import cgroup_layout, parse_proc_cgroups
from ..parsers.ids import parse_subid
from ..parsers.procfs import parse_cgroup
from . import check
from .common import (
    Notes,
    config_value,
    filesystems,
    first_line,
    identity,
    log_lines,
    module_present,
    text,
    vendor,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

NAMESPACE_KINDS = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
#: virt-host-validate (LXC) fails without these and warns without net and user.
REQUIRED_NS = ("ipc", "mnt", "pid", "uts")
RECOMMENDED_NS = ("net", "user")


def _release_tuple(release: str) -> Tuple[int, ...]:
    """The first three numbers of a release ("6.1.0-18-amd64" -> (6, 1, 0)): runs of ASCII
    digits, each cut into pieces of at most nine."""
    numbers: List[int] = []
    run = ""
    for c in release.split("-")[0] + " ":
        if "0" <= c <= "9" and len(run) < 9:
            run += c
            continue
        if run:
            numbers.append(int(run))
        run = c if "0" <= c <= "9" else ""
    return tuple(numbers[:3])


@check()
def namespaces(facts: Facts) -> Check:
    """The namespace types this kernel offers (/proc/self/ns), the ones virt-host-validate
    requires (ipc, mnt, pid, uts) and recommends (net, user), and per-type limits
    (/proc/sys/user/max_*_namespaces: 0 forbids creating that type)."""
    src = facts.src
    n = Notes("namespaces")
    listing = src.listdir("/proc/self/ns")
    if not listing.seen:
        n.unseen("/proc/self/ns", listing.error)
        return n.done("unknown", "namespaces.unreadable", value="unknown")
    kinds = sorted(k for k in listing.names or () if k in NAMESPACE_KINDS)
    n.add("/proc/self/ns", " ".join(listing.names or ()), "note.containers.one-entry-per-namespace")
    release = src.uname().get("release", "")
    if release:
        n.add("uname", release)
    limited: List[str] = []
    for kind in NAMESPACE_KINDS:
        value, _ = first_line(src, "/proc/sys/user/max_%s_namespaces" % kind)
        if value == "0":
            limited.append(kind)
            n.add("/proc/sys/user/max_%s_namespaces" % kind, value, "note.containers.no-namespace-of-this")
    missing_required = [k for k in REQUIRED_NS if k not in kinds]
    missing_recommended = [k for k in RECOMMENDED_NS if k not in kinds]
    details: Dict[str, Any] = {"kinds": kinds, "limited": limited, "value": " ".join(kinds)}
    if release and _release_tuple(release) and _release_tuple(release) < (2, 6, 26):
        return n.done("fail", "namespaces.kernel-too-old", "remedy.upgrade-kernel", {"release": release}, **details)
    if missing_required:
        return n.done("fail", "namespaces.missing-required", "remedy.namespaces-kernel",
                      {"missing": missing_required}, **details)
    if missing_recommended or limited:
        parts = (["namespaces.no-recommended"] if missing_recommended else []) + \
            (["namespaces.limited"] if limited else [])
        fields = {"parts_msgs": parts, "missing": " / ".join(missing_recommended), "limited": limited,
                  "kind": limited[0] if limited else "", "option": missing_recommended[0].upper()
                  if missing_recommended else ""}
        return n.done("warn", "namespaces.partial", "remedy.namespaces-limit" if limited else "remedy.namespace-config",
                      fields, **details)
    return n.done("pass", "namespaces.all", None, {"count": len(kinds), "kinds": kinds}, **details)


USERNS_SYSCTLS: Tuple[Tuple[str, str], ...] = (
    ("/proc/sys/user/max_user_namespaces", "note.userns.max-user-namespaces"),
    ("/proc/sys/kernel/unprivileged_userns_clone", "note.userns.unprivileged-clone"),
    ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
     "note.userns.apparmor-restrict"),
)
HELPERS = ("/usr/bin/newuidmap", "/usr/sbin/newuidmap", "/bin/newuidmap")
SETUID = 0o4000
ROOTLESS_IDS = 65536  # rootless Podman and Docker want 65536 subordinate ids (a whole container range)

#: Steps of the userns trial that run inside the new namespace with its capabilities.
INSIDE_STEPS = ("unshare_mount_uts", "sethostname", "make_private", "mount_tmpfs")


def _userns_failure(outcome: Mapping[str, Any], sysctls: Mapping[str, Optional[str]], container: bool) -> str:
    """The message id of why creating a user namespace failed."""
    error = outcome.get("error")
    if error == "ENOSPC":
        if sysctls.get("max_user_namespaces") == "0":
            return "userns.why.max-zero"
        return "userns.why.limit"
    if error == "EPERM":
        if sysctls.get("unprivileged_userns_clone") == "0":
            return "userns.why.clone-zero"
        if container:
            return "userns.why.container"
        return "userns.why.policy"
    if error == "EINVAL":
        return "userns.why.no-config"
    if error == "EUSERS":
        return "userns.why.too-deep"
    return "userns.why.other"


def _subids(src, n: Notes, ident: Mapping[str, Any]) -> Dict[str, Any]:
    """This user's subordinate id ranges, and whether newuidmap can map them."""
    out: Dict[str, Any] = {}
    user, uid = ident.get("user"), ident.get("uid")
    owners = {str(uid)} | ({user} if user else set())
    for path, key in (("/etc/subuid", "subuid"), ("/etc/subgid", "subgid")):
        value, error = text(src, path)
        if value is None:
            n.unseen(path, error)
            out[key] = None if error not in ("ENOENT",) else 0
            out[key + "_entries"] = 0
            continue
        ranges = parse_subid(value)
        out[key + "_entries"] = len(ranges)
        out[key] = sum(r.length for r in ranges if r.owner in owners)
        n.add(path, "%d entries; %d ids for this user" % (len(ranges), out[key]))
    helper = None
    for path in HELPERS:
        info = src.stat(path)
        if info.seen and info.mode is not None:
            helper = path
            n.add(path, "mode %04o" % (info.mode & 0o7777),
                  "note.containers.setuid-root-or-file")
            out["newuidmap"] = path
            out["newuidmap_setuid"] = bool(info.mode & SETUID)
            break
    if helper is None:
        out["newuidmap"] = None
    return out


@check()
def userns(facts: Facts) -> Check:
    """Unprivileged user namespaces, tested: a child process creates one, maps its ids,
    uses capabilities inside (its own UTS and mount namespaces) and mounts an overlay (the
    "userns" trial; as root also "userns-unprivileged", run as uid 65534). The sysctls that
    govern it explain a failure; /etc/subuid, /etc/subgid and newuidmap say whether
    rootless Podman/Docker can map a whole container's range of ids."""
    src = facts.src
    n = Notes("userns")
    sysctls: Dict[str, Optional[str]] = {}
    for path, note in USERNS_SYSCTLS:
        value, error = first_line(src, path)
        sysctls[path.rsplit("/", 1)[-1]] = value
        if value is not None:
            n.add(path, value, note)
        else:
            n.unseen(path, error)
    ident = identity(facts)
    root = ident.get("euid") == 0
    current = src.trial("userns")
    unprivileged = src.trial("userns-unprivileged") if root else None
    chosen, who = current, "userns.who.this-user"
    fields: Dict[str, Any] = {"uid": ident.get("euid", "?")}
    if unprivileged is not None and "steps" in unprivileged:
        chosen, who = unprivileged, "userns.who.unprivileged"
        fields["uid"] = unprivileged.get("uid", 65534)
    fields["who_msg"] = who
    for name, outcome in (("userns", current), ("userns-unprivileged", unprivileged)):
        if outcome is None:
            continue
        tried: Mapping[str, Any] = outcome["steps"] if isinstance(outcome.get("steps"), dict) else {}
        raw = " ".join("%s=%s" % kv for kv in tried.items()) or "error=%s" % outcome.get("error")
        n.add("trial:" + name, "uid %s: %s" % (outcome.get("uid", "?"), raw),
              "note.containers.a-child-process-tried")
    container = facts.in_container
    ids = _subids(src, n, ident) if not root else {}
    details: Dict[str, Any] = {"sysctls": sysctls, "tested_as": chosen.get("uid"),
                               "trial": dict(chosen), "subids": ids}
    steps = chosen.get("steps") if isinstance(chosen.get("steps"), dict) else None
    if steps is None:  # the trial could not run, or the capture has none
        details["value"] = "not tested"
        if sysctls.get("max_user_namespaces") == "0":
            return n.done("fail", "userns.disabled-max", "remedy.userns-max", **details)
        if sysctls.get("unprivileged_userns_clone") == "0":
            return n.done("fail", "userns.disabled-clone", "remedy.userns-clone", **details)
        return n.done("unknown", "userns.not-tested", None, {"error": chosen.get("error", "no trial")}, **details)
    if steps.get("unshare_user") != "ok":
        details["value"] = "denied"
        reason = _userns_failure(chosen, {k: v for k, v in sysctls.items()}, container)
        remedy = {"userns.why.max-zero": "remedy.userns-max", "userns.why.clone-zero": "remedy.userns-clone"}.get(
            reason, "remedy.userns-seccomp" if container else None)
        if steps.get("drop_privileges") not in (None, "ok"):
            return n.done("unknown", "userns.drop-failed", None, {"error": steps["drop_privileges"]}, **details)
        return n.done("fail", "userns.denied", remedy, dict(fields, why_msg=reason, error=chosen.get("error")),
                      **details)
    failed = chosen.get("failed")
    if steps.get("map_ids") not in (None, "ok"):
        details["value"] = "no id map"
        return n.done("warn", "userns.map-failed", None, dict(fields, error=steps["map_ids"]), **details)
    if failed in INSIDE_STEPS:
        details["value"] = "no capabilities inside"
        restricted = sysctls.get("apparmor_restrict_unprivileged_userns") == "1"
        return n.done("warn", "userns.apparmor-restricted" if restricted else "userns.no-capabilities",
                      "remedy.userns-apparmor" if restricted else None,
                      dict(fields, step=failed, error=chosen.get("error")), **details)
    details["value"] = "works"
    overlay = steps.get("mount_overlay")
    more = ["userns.overlay-works"] if overlay == "ok" else ["userns.overlay-fails"] if overlay else []
    subuid, subgid = ids.get("subuid"), ids.get("subgid")
    fields.update(overlay=overlay, user=ident.get("user") or "$USER", subuid=subuid, subgid=subgid)
    status, remedy = "pass", None
    if root:
        pass
    elif subuid is not None and subgid is not None and (subuid < ROOTLESS_IDS or subgid < ROOTLESS_IDS):
        status, remedy = "warn", "remedy.subids"
        more.append("userns.few-subids")
    elif ids.get("newuidmap") is None and subuid:
        status, remedy = "warn", "remedy.uidmap"
        more.append("userns.no-newuidmap")
    elif subuid:
        more.append("userns.subids")
    return n.done(status, "userns.works" if more else "userns.works-plain", remedy, dict(fields, more_msgs=more),
                  **details)


#: What libvirt (virt-host-validate) and Docker's check-config.sh want, by cgroup version.
V1_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "devices", "blkio", "freezer", "pids")
V2_CONTROLLERS = ("cpu", "cpuset", "memory", "io", "pids")


def _own_cgroup(src) -> Optional[str]:
    value, _ = text(src, "/proc/self/cgroup")
    for line in parse_cgroup(value or ""):
        if line.hierarchy == "0" and not line.controllers:
            return line.path
    return None


@check()
def cgroups(facts: Facts) -> Check:
    """cgroup mode from the mount table (unified v2, hybrid, legacy v1) and the
    controllers: v2 cgroup.controllers at the root and in this process's own cgroup
    (delegation, what rootless containers get), with devices done by BPF and freezing by
    cgroup.freeze; v1 from the mounted hierarchies and /proc/cgroups."""
    src = facts.src
    n = Notes("cgroups")
    mounts = facts.mountinfo()
    if not mounts:
        n.unseen("/proc/self/mountinfo", facts.error("/proc/self/mountinfo"))
        return n.done("unknown", "cgroups.mounts-unreadable", value="unknown")
    layout = cgroup_layout(mounts)
    n.add("/proc/self/mountinfo", "%s%s%s" % (layout.mode, " (v2 at %s)" % layout.v2_path if layout.v2_path else "",
                                              "; v1: " + " ".join(sorted(layout.v1)) if layout.v1 else ""),
          "note.containers.cgroup2-at-sys-fs")
    details: Dict[str, Any] = {"mode": layout.mode, "value": {"unified": "cgroup v2", "hybrid": "cgroup v1+v2 (hybrid)",
                                                              "legacy": "cgroup v1", "none": "none"}[layout.mode]}
    if layout.mode == "none":
        return n.done("fail", "cgroups.none", "remedy.mount-cgroup2", **details)
    ident = identity(facts)
    if layout.mode == "unified":
        root = layout.v2_path or "/sys/fs/cgroup"
        value, error = first_line(src, root + "/cgroup.controllers")
        if value is None:
            n.unseen(root + "/cgroup.controllers", error)
            return n.done("unknown", "cgroups.controllers-unreadable", **details)
        available = value.split()
        n.add(root + "/cgroup.controllers", value or "(none)")
        freeze = src.read(root + "/cgroup.freeze", limit=16).seen or bool(
            [p for p in (_own_cgroup(src),) if p and src.read(root + p.rstrip("/") + "/cgroup.freeze", limit=16).seen])
        bpf = config_value(facts, "CGROUP_BPF")
        missing = [c for c in V2_CONTROLLERS if c not in available]
        details.update({"controllers": available, "missing": missing, "freeze": freeze, "devices_bpf": bpf})
        notes: List[str] = []
        own = _own_cgroup(src)
        if own and own != "/" and ident.get("euid") not in (0, None):
            mine, _ = first_line(src, root + own.rstrip("/") + "/cgroup.controllers")
            if mine is not None:
                n.add(root + own.rstrip("/") + "/cgroup.controllers", mine or "(none)",
                      "note.containers.the-controllers-delegated-to")
                undelegated = [c for c in ("cpu", "memory", "pids") if c in available and c not in mine.split()]
                details["delegated"] = mine.split()
                if undelegated:
                    return n.done("warn", "cgroups.not-delegated", "remedy.delegate",
                                  {"controllers": undelegated}, **details)
        if bpf == "n":
            notes.append("cgroups.no-bpf")
        if missing:
            return n.done("warn", "cgroups.v2-missing", "remedy.cgroup-controllers",
                          {"controllers": missing, "count": len(missing)}, **details)
        return n.done("pass", "cgroups.v2-notes" if notes else "cgroups.v2", None,
                      {"controllers": " ".join(available), "notes_msgs": notes}, **details)
    value, error = text(src, "/proc/cgroups")
    enabled = {name: on for name, _, on in parse_proc_cgroups(value or "")}
    if value is not None:
        n.add("/proc/cgroups", " ".join(k for k, v in enabled.items() if v),
              "note.containers.controllers-enabled-in-the")
    else:
        n.unseen("/proc/cgroups", error)
    mounted = [c for c in layout.v1 if not c.startswith("name=")]
    missing = [c for c in V1_CONTROLLERS if c not in mounted]
    details.update({"controllers": sorted(mounted), "missing": missing, "v2_path": layout.v2_path})
    fields = {"path": layout.v2_path, "controllers": " ".join(sorted(mounted)) or "-", "missing": missing,
              "mode_msg": "cgroups.hybrid" if layout.mode == "hybrid" else "cgroups.legacy"}
    return n.done("warn", "cgroups.v1-missing" if missing else "cgroups.v1", "remedy.cgroup-v2", fields, **details)


FUSE_HELPERS = ("/usr/bin/fuse-overlayfs", "/usr/local/bin/fuse-overlayfs")


@check()
def overlayfs(facts: Facts) -> Check:
    """OverlayFS for image layers (/proc/filesystems, the overlay module or its build
    option), whether it also mounts inside a user namespace (rootless storage; the userns
    trial's last step, Linux 5.11+), whether the root is itself an overlay (an upper layer
    cannot live there), and fuse (/dev/fuse, fuse-overlayfs, /sys/fs/fuse/connections)."""
    src = facts.src
    n = Notes("overlayfs")
    fs = filesystems(src)
    if fs is None:
        n.unseen("/proc/filesystems", src.read("/proc/filesystems", limit=16).error)
    registered = fs is not None and "overlay" in fs
    module = module_present(facts, "overlay")
    built = config_value(facts, "OVERLAY_FS")
    n.add("/proc/filesystems", "overlay registered" if registered else "no overlay" if fs is not None else "unread")
    if module:
        n.add("/sys/module/overlay", module)
    if built is not None:
        n.add("kernel config", "CONFIG_OVERLAY_FS=%s" % built)
    root_fs = next((m.fstype for m in facts.mountinfo() if m.mount_point == "/"), None)
    if root_fs:
        n.add("/proc/self/mountinfo", "/ is %s" % root_fs)
    fuse_dev = src.device("/dev/fuse")
    fuse = (fs is not None and "fuse" in fs) or fuse_dev.seen
    n.add("/dev/fuse", "present" if fuse_dev.seen else "absent", "note.containers.fuse-fuse-overlayfs-and")
    helper = next((p for p in FUSE_HELPERS if src.stat(p).seen), None)
    if helper:
        n.add(helper, "present")
    trial = src.trial("userns")
    steps: Mapping[str, Any] = trial["steps"] if isinstance(trial.get("steps"), dict) else {}
    in_userns = steps.get("mount_overlay")
    if in_userns:
        n.add("trial:userns", "mount_overlay=%s" % in_userns, "note.containers.an-overlay-mounted-inside")
    details: Dict[str, Any] = {"registered": registered, "module": module, "config": built, "root_fs": root_fs,
                               "fuse": fuse, "fuse_overlayfs": helper, "overlay_in_userns": in_userns}
    available = registered or bool(module) or built in ("y", "m")
    details["value"] = "overlay" if available else "fuse-overlayfs" if helper and fuse else "none"
    if not available:
        if fs is None and built is None:
            return n.done("unknown", "overlayfs.unreadable", **details)
        if helper and fuse:
            return n.done("warn", "overlayfs.fuse-only", "remedy.modprobe-overlay", **details)
        return n.done("fail", "overlayfs.none", "remedy.modprobe-overlay-persist", **details)
    how = "overlayfs.how.registered" if registered else "overlayfs.how.module" if built == "m" or module else \
        "overlayfs.how.built-in"
    problems: List[str] = []
    if root_fs == "overlay":
        problems.append("overlayfs.root-is-overlay")
    if in_userns not in (None, "ok"):
        problems.append("overlayfs.userns-fails" if helper else "overlayfs.userns-fails-no-helper")
    if not fuse:
        problems.append("overlayfs.no-fuse")
    fields = {"how_msg": how, "problems_msgs": problems, "error": in_userns}
    if problems:
        return n.done("warn", "overlayfs.problems", "remedy.overlay-volume" if root_fs == "overlay" else
                      "remedy.fuse-overlayfs" if not fuse or in_userns not in (None, "ok") else None, fields,
                      **details)
    return n.done("pass", "overlayfs.ready-userns" if in_userns == "ok" else "overlayfs.ready", None, fields,
                  **details)


@check()
def seccomp(facts: Facts) -> Check:
    """Seccomp: whether the kernel can filter system calls for containers
    (/proc/sys/kernel/seccomp/actions_avail, the `Seccomp:` line, CONFIG_SECCOMP_FILTER),
    and whether this process already runs under filters (mode 2, their number) or with
    no_new_privs (setuid helpers such as newuidmap cannot gain privileges then)."""
    src = facts.src
    n = Notes("seccomp")
    fields = facts.status()
    if not fields:
        n.unseen("/proc/self/status", facts.error("/proc/self/status"))
    mode = fields.get("Seccomp")
    filters = fields.get("Seccomp_filters")
    nnp = fields.get("NoNewPrivs")
    if mode is not None:
        n.add("/proc/self/status Seccomp", mode + (" (%s filters)" % filters if filters else ""),
              "note.containers.0-disabled-1-strict")
    if nnp is not None:
        n.add("/proc/self/status NoNewPrivs", nnp, "note.containers.1-execve-cannot-grant")
    actions, actions_error = first_line(src, "/proc/sys/kernel/seccomp/actions_avail")
    if actions is not None:
        n.add("/proc/sys/kernel/seccomp/actions_avail", actions)
    else:
        n.unseen("/proc/sys/kernel/seccomp/actions_avail", actions_error)
    built = config_value(facts, "SECCOMP_FILTER")
    if built is not None:
        n.add("kernel config", "CONFIG_SECCOMP_FILTER=%s" % built)
    details: Dict[str, Any] = {"mode": mode, "filters": number(filters),
                               "no_new_privs": nnp == "1", "actions": actions.split() if actions else None}
    supported = actions is not None or mode is not None or built in ("y",)
    details["value"] = {"0": "available", "1": "strict", "2": "filtered"}.get(mode or "", "unknown")
    if not supported:
        if built == "n":
            return n.done("fail", "seccomp.none", "remedy.seccomp-kernel", **details)
        if fields:
            return n.done("unknown", "seccomp.no-state", **details)
        return n.done("unknown", "seccomp.unreadable", **details)
    data: Dict[str, Any] = {"count": number(filters) or 1,
                            "nnp_msg": "seccomp.no-new-privs" if nnp == "1" else "", "actions": actions}
    if mode == "2":
        return n.done("warn", "seccomp.filtered", "remedy.seccomp-profile", data, **details)
    if mode == "1":
        return n.done("warn", "seccomp.strict", None, data, **details)
    if nnp == "1":
        return n.done("warn", "seccomp.available-nnp", None, data, **details)
    return n.done("pass", "seccomp.available-actions" if actions else "seccomp.available", None, data, **details)


@check()
def capabilities(facts: Facts) -> Check:
    """This process's capabilities decoded from /proc/self/status (CapEff, CapPrm, CapBnd,
    CapInh, CapAmb) against the kernel's cap_last_cap: root that lacks some (a sandbox or
    container withheld them, e.g. Docker's default 14), and what each missing one stops
    (SYS_RAWIO: MSRs, SYSLOG: the kernel log, NET_ADMIN: tap devices, SYS_ADMIN: mounts)."""
    src = facts.src
    n = Notes("capabilities")
    fields = facts.status()
    if not fields:
        n.unseen("/proc/self/status", facts.error("/proc/self/status"))
        return n.done("unknown", "capabilities.unreadable", value="unknown")
    masks = {key: parse_cap_mask(fields.get(key)) for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    for key, mask in masks.items():
        if mask is not None:
            n.add("/proc/self/status " + key, "%016x" % mask)
    last_raw, _ = first_line(src, "/proc/sys/kernel/cap_last_cap")
    last = number(last_raw)
    if last is not None:
        n.add("/proc/sys/kernel/cap_last_cap", last, "note.containers.the-highest-capability-this")
    effective = masks.get("CapEff")
    if effective is None:
        return n.done("unknown", "capabilities.no-capeff", value="unknown")
    everything = full_mask(last if last is not None else 40)
    names = cap_names(effective)
    lacking = cap_names(everything & ~effective)
    bounding = masks.get("CapBnd")
    not_bounded = cap_names(everything & ~bounding) if bounding is not None else []
    euid = identity(facts).get("euid")
    details: Dict[str, Any] = {"effective": names, "missing": lacking, "bounding_missing": not_bounded,
                               "count": len(names), "of": len(cap_names(everything))}
    recognised = next((label for label, caps in DEFAULT_SETS.items() if effective == mask_of(caps)), None)
    if recognised:
        details["set"] = recognised
    details["value"] = "%d of %d" % (len(names), details["of"])
    data: Dict[str, Any] = {"of": details["of"], "count": len(names), "uid": euid,
                            "runtime": recognised.split("-")[0].capitalize() if recognised else ""}
    if effective & everything == everything:
        return n.done("pass", "capabilities.all-root" if euid == 0 else "capabilities.all", None, data, **details)
    if euid == 0 or effective:
        important = [c for c in lacking if c in CAPABILITY_USES]
        data["lacking_msgs"] = [{"id": "capabilities.use." + c, "cap": c} for c in important[:4]] or \
            [{"id": "capabilities.plain", "cap": ", ".join(lacking[:6])}]
        data["more"] = ", ..." if len(lacking) > len(important[:4]) and important else ""
        cause = ("capabilities.root-lacks" if euid == 0 else "capabilities.process-lacks") + \
            ("-runtime" if recognised else "")
        return n.done("warn", cause, "remedy.cap-add" if facts.in_container or recognised else None, data,
                      **details)
    return n.done("info", "capabilities.unprivileged", None, data, **details)


APPARMOR_PARSERS = ("/sbin/apparmor_parser", "/usr/sbin/apparmor_parser")


@check()
def lsm(facts: Facts) -> Check:
    """Security modules: the active list (/sys/kernel/security/lsm, else the kernel log's
    "LSM: initializing lsm=" line), AppArmor (enabled parameter; apparmor_parser, without
    which Docker cannot load its profile, as check-config.sh checks), SELinux (enforce),
    and this process's own label or profile (/proc/self/attr/current)."""
    src = facts.src
    n = Notes("lsm")
    listed, error = first_line(src, "/sys/kernel/security/lsm")
    active: Optional[List[str]] = None
    if listed is not None:
        active = [x for x in listed.split(",") if x]
        n.add("/sys/kernel/security/lsm", listed)
    else:
        n.unseen("/sys/kernel/security/lsm", error, "note.containers.securityfs-may-not-be")
        for line in log_lines(facts, "LSM: initializing lsm="):
            n.add("cmd:dmesg", line, "note.containers.the-security-modules-the")
            import re  # only for such a line (kept off the import path of every audit)

            match = re.search(r"lsm=([\w,]+)", line)
            if match:
                active = [x for x in match.group(1).split(",") if x]
    apparmor, _ = first_line(src, "/sys/module/apparmor/parameters/enabled")
    if apparmor is not None:
        n.add("/sys/module/apparmor/parameters/enabled", apparmor)
    enforce, _ = first_line(src, "/sys/fs/selinux/enforce")
    if enforce is not None:
        n.add("/sys/fs/selinux/enforce", enforce, "note.containers.1-enforcing-0-permissive")
    label = None
    for path in ("/proc/self/attr/apparmor/current", "/proc/self/attr/current"):
        value, _ = first_line(src, path)
        if value:
            label = value.rstrip("\0")
            n.add(path, label, "note.containers.this-process-s-confinement")
            break
    apparmor_on = apparmor in ("Y", "y", "1") or (active is not None and "apparmor" in active)
    selinux_on = enforce is not None or (active is not None and "selinux" in active)
    parser = next((p for p in APPARMOR_PARSERS if src.stat(p).seen), None) if apparmor_on else None
    if apparmor_on and not facts.in_container:
        n.add("apparmor_parser", parser or "absent", "note.containers.docker-and-podman-load")
    major = [x for x in (active or []) if x in ("apparmor", "selinux", "smack", "tomoyo")]
    if apparmor_on and "apparmor" not in major:
        major.append("apparmor")
    if selinux_on and "selinux" not in major:
        major.append("selinux")
    details: Dict[str, Any] = {"active": active, "apparmor": apparmor_on, "selinux": (
        "enforcing" if enforce == "1" else "permissive" if enforce == "0" else None), "label": label,
        "value": ", ".join(major) or "none"}
    if active is None and apparmor is None and enforce is None and label is None:
        return n.done("unknown", "lsm.unreadable", **details)
    confined = label not in (None, "unconfined", "kernel") and not (label or "").endswith(":unconfined_t:s0")
    data: Dict[str, Any] = {"label": label, "active": ", ".join(active or []) or "-",
                            "where_msg": "lsm.confined" if confined else "lsm.unconfined" if label else ""}
    if apparmor_on and parser is None and not facts.in_container:  # in a container, the host's counts
        return n.done("warn", "lsm.no-apparmor-parser", "remedy.apparmor-parser", data, **details)
    if not major:
        return n.done("info", "lsm.none", None, data, **details)
    state = []
    if apparmor_on:
        state.append("AppArmor")
    if selinux_on:
        state.append("SELinux %s" % details["selinux"] if details["selinux"] else "SELinux")
    state.extend(x for x in major if x not in ("apparmor", "selinux"))
    return n.done("info", "lsm.active", None, dict(data, modules=", ".join(state)), **details)


#: Build options Docker's contrib/check-config.sh lists as generally necessary, and the
#: ones libvirt/QEMU hosts rely on (option names from the kernel's Kconfig). check-config
#: also calls NETFILTER_XT_MATCH_IPVS necessary; only Swarm's IPVS load balancing uses it,
#: so it is counted optional here.
CONTAINER_OPTIONS: Tuple[str, ...] = (
    "NAMESPACES", "NET_NS", "PID_NS", "IPC_NS", "UTS_NS", "CGROUPS", "CGROUP_CPUACCT", "CGROUP_SCHED",
    "CPUSETS", "MEMCG", "KEYS", "VETH", "BRIDGE", "BRIDGE_NETFILTER", "IP_NF_FILTER", "IP_NF_MANGLE",
    "IP_NF_TARGET_MASQUERADE", "NETFILTER_XT_MATCH_ADDRTYPE", "NETFILTER_XT_MATCH_CONNTRACK",
    "NETFILTER_XT_MARK", "IP_NF_NAT", "NF_NAT", "POSIX_MQUEUE",
)
V1_OPTIONS = ("CGROUP_DEVICE", "CGROUP_FREEZER")
V2_OPTIONS = ("CGROUP_BPF",)
OPTIONAL_OPTIONS: Tuple[str, ...] = (
    "USER_NS", "SECCOMP", "SECCOMP_FILTER", "CGROUP_PIDS", "BLK_CGROUP", "BLK_DEV_THROTTLING", "CFS_BANDWIDTH",
    "FAIR_GROUP_SCHED", "CGROUP_HUGETLB", "NET_CLS_CGROUP", "CGROUP_NET_PRIO", "OVERLAY_FS", "VXLAN", "IPVLAN",
    "MACVLAN", "DUMMY", "NETFILTER_XT_MATCH_IPVS",
)
ROOT_MAXKEYS_LOW = 10000  # check-config.sh's threshold; the kernel's default has been 1000000 since 4.x
VM_OPTIONS: Tuple[str, ...] = ("KVM", "TUN", "VHOST_NET", "VHOST_VSOCK", "VFIO", "VFIO_PCI", "HUGETLBFS",
                               "TRANSPARENT_HUGEPAGE", "KSM")


@check()
def kernel_config(facts: Facts) -> Check:
    """The kernel's build options (/proc/config.gz or /boot/config-RELEASE) that Docker's
    check-config.sh calls generally necessary and optional, by cgroup version, and those a
    KVM host relies on (KVM and its vendor module, TUN, VHOST_*, VFIO, huge pages, KSM).
    Build options only say what could work; the other checks test what does. Also the
    limit check-config.sh reports: kernel.keys.root_maxkeys (each container's session
    keyring counts against root's quota)."""
    src = facts.src
    n = Notes("kernel-config")
    maxkeys_raw, _ = first_line(src, "/proc/sys/kernel/keys/root_maxkeys")
    maxkeys = number(maxkeys_raw)
    if maxkeys is not None:
        n.add("/proc/sys/kernel/keys/root_maxkeys", maxkeys, "note.containers.root-s-key-quota")
    low_keys = maxkeys is not None and maxkeys <= ROOT_MAXKEYS_LOW
    config, where = facts.kernel_config()
    if config is None:
        n.add(where, "absent", "note.containers.the-kernel-exposes-its")
        return n.done("unknown", "kernel-config.unavailable", None, {"where": where}, value="unavailable")
    n.add(where, "%d options" % len(config))
    layout = cgroup_layout(facts.mountinfo()).mode
    required = list(CONTAINER_OPTIONS) + list(V1_OPTIONS if layout in ("legacy", "hybrid") else V2_OPTIONS)
    cpu_vendor = vendor(facts)
    vm_options = list(VM_OPTIONS) + (["KVM_INTEL"] if cpu_vendor == "intel" else ["KVM_AMD"]
                                     if cpu_vendor == "amd" else [])
    if config.get("KVM_PVM", "n") != "n":
        vm_options.append("KVM_PVM")

    def missing(options: Sequence[str]) -> List[str]:
        return [o for o in options if config.get(o, "n") in ("n", "")]

    lacking, optional, vms = missing(required), missing(OPTIONAL_OPTIONS), missing(vm_options)
    if cpu_vendor in ("intel", "amd") and "KVM_PVM" in vm_options:
        vendor_option = "KVM_INTEL" if cpu_vendor == "intel" else "KVM_AMD"
        if vendor_option in vms:
            vms.remove(vendor_option)  # PVM provides KVM here
    for label, options in (("containers: missing", lacking), ("optional: missing", optional), ("VMs: missing", vms)):
        if options:
            n.add(where, "%s CONFIG_%s" % (label, " CONFIG_".join(options)))
    details: Dict[str, Any] = {"source": where, "missing": lacking, "optional_missing": optional, "vm_missing": vms,
               "value": "%d/%d container options" % (len(required) - len(lacking), len(required))}
    if lacking:
        return n.done("warn", "kernel-config.lacking", "remedy.kernel-options",
                      {"options": ", ".join("CONFIG_" + o for o in lacking[:8])
                       + (", ..." if len(lacking) > 8 else "")},
                      **details)
    extra = []
    if low_keys and maxkeys is not None:
        return n.done("warn", "kernel-config.maxkeys", "remedy.maxkeys", {"count": maxkeys}, **details)
    if vms:
        extra.append("kernel-config.without-vm")
    if optional:
        extra.append("kernel-config.optional-missing")
    return n.done("pass", "kernel-config.complete-notes" if extra else "kernel-config.complete", None,
                  {"where": where, "extra_msgs": extra, "vm": ", ".join("CONFIG_" + o for o in vms[:5]),
                   "optional": ", ".join("CONFIG_" + o for o in optional[:5])}, **details)
