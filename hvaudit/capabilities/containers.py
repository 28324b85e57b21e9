"""Container readiness, tested rather than assumed from the kernel's configuration:
namespaces, user namespaces (created in a trial), cgroups (mode and controllers from the
mounts), overlayfs and fuse, seccomp, this process's capabilities, security modules, and
the build options Docker's check-config.sh asks for."""

from __future__ import annotations

import re
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from ..model import Check, Evidence
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
    in_container,
    log_lines,
    module_present,
    mountinfo,
    status_fields,
    text,
    vendor,
)

NAMESPACE_KINDS = ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")
#: virt-host-validate (LXC) fails without these and warns without net and user.
REQUIRED_NS = ("ipc", "mnt", "pid", "uts")
RECOMMENDED_NS = ("net", "user")


def _release_tuple(release: str) -> Tuple[int, ...]:
    return tuple(int(p) for p in re.findall(r"[0-9]{1,9}", release.split("-")[0])[:3])


@check
def namespaces(src, evidence: Sequence[Evidence]) -> Check:
    """The namespace types this kernel offers (/proc/self/ns), the ones virt-host-validate
    requires (ipc, mnt, pid, uts) and recommends (net, user), and per-type limits
    (/proc/sys/user/max_*_namespaces: 0 forbids creating that type)."""
    n = Notes("namespaces")
    listing = src.listdir("/proc/self/ns")
    if not listing.seen:
        n.unseen("/proc/self/ns", listing.error)
        return n.done("unknown", "/proc/self/ns could not be read", value="unknown")
    kinds = sorted(k for k in listing.names or () if k in NAMESPACE_KINDS)
    n.add("/proc/self/ns", " ".join(listing.names or ()), "one entry per namespace type the kernel supports")
    release = src.uname().get("release", "")
    if release:
        n.add("uname", release)
    limited: List[str] = []
    for kind in NAMESPACE_KINDS:
        value, _ = first_line(src, "/proc/sys/user/max_%s_namespaces" % kind)
        if value == "0":
            limited.append(kind)
            n.add("/proc/sys/user/max_%s_namespaces" % kind, value, "no namespace of this type can be created")
    missing_required = [k for k in REQUIRED_NS if k not in kinds]
    missing_recommended = [k for k in RECOMMENDED_NS if k not in kinds]
    details: Dict[str, Any] = {"kinds": kinds, "limited": limited, "value": " ".join(kinds)}
    if release and _release_tuple(release) and _release_tuple(release) < (2, 6, 26):
        return n.done("fail", "Linux %s is older than 2.6.26: too old for namespaces" % release,
                      "Upgrade the kernel", **details)
    if missing_required:
        return n.done("fail", "Missing namespace types: %s (containers need ipc, mnt, pid, uts)"
                      % ", ".join(missing_required), "Use a kernel with CONFIG_NAMESPACES and the %s namespaces"
                      % ", ".join(missing_required), **details)
    if missing_recommended or limited:
        parts = []
        if missing_recommended:
            parts.append("no %s namespaces" % " or ".join(missing_recommended))
        if limited:
            parts.append("creating %s namespaces is disabled (max_*_namespaces=0)" % ", ".join(limited))
        return n.done("warn", "Namespaces: " + "; ".join(parts),
                      "sudo sysctl user.max_%s_namespaces=15000 (and persist it in /etc/sysctl.d/)" % limited[0]
                      if limited else "Use a kernel with CONFIG_%s_NS" % missing_recommended[0].upper(), **details)
    return n.done("pass", "All %d namespace types are available: %s" % (len(kinds), ", ".join(kinds)), **details)


USERNS_SYSCTLS: Tuple[Tuple[str, str], ...] = (
    ("/proc/sys/user/max_user_namespaces", "0 forbids user namespaces for everyone"),
    ("/proc/sys/kernel/unprivileged_userns_clone", "Debian/Ubuntu patch: 0 allows them only with CAP_SYS_ADMIN"),
    ("/proc/sys/kernel/apparmor_restrict_unprivileged_userns",
     "Ubuntu 23.10+: 1 gives unconfined programs user namespaces without capabilities"),
)
HELPERS = ("/usr/bin/newuidmap", "/usr/sbin/newuidmap", "/bin/newuidmap")
SETUID = 0o4000
ROOTLESS_IDS = 65536  # rootless Podman and Docker want 65536 subordinate ids (a whole container range)

#: Steps of the userns trial that run inside the new namespace with its capabilities.
INSIDE_STEPS = ("unshare_mount_uts", "sethostname", "make_private", "mount_tmpfs")


def _userns_failure(outcome: Mapping[str, Any], sysctls: Mapping[str, Optional[str]], container: bool) -> str:
    error = outcome.get("error")
    if error == "ENOSPC":
        if sysctls.get("max_user_namespaces") == "0":
            return "user.max_user_namespaces is 0"
        return "the limit of user namespaces is reached"
    if error == "EPERM":
        if sysctls.get("unprivileged_userns_clone") == "0":
            return "kernel.unprivileged_userns_clone is 0"
        if container:
            return "this container's seccomp profile or missing CAP_SYS_ADMIN forbids it"
        return "a seccomp filter, a security module or a chroot forbids it"
    if error == "EINVAL":
        return "the kernel has no user namespaces (CONFIG_USER_NS)"
    if error == "EUSERS":
        return "user namespaces are nested too deep (32 levels)"
    return "unshare(CLONE_NEWUSER) failed with %s" % error


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
                  "setuid root, or file capabilities (cap_setuid) on some distributions")
            out["newuidmap"] = path
            out["newuidmap_setuid"] = bool(info.mode & SETUID)
            break
    if helper is None:
        out["newuidmap"] = None
    return out


@check
def userns(src, evidence: Sequence[Evidence]) -> Check:
    """Unprivileged user namespaces, tested: a child process creates one, maps its ids,
    uses capabilities inside (its own UTS and mount namespaces) and mounts an overlay (the
    "userns" trial; as root also "userns-unprivileged", run as uid 65534). The sysctls that
    govern it explain a failure; /etc/subuid, /etc/subgid and newuidmap say whether
    rootless Podman/Docker can map a whole container's range of ids."""
    n = Notes("userns")
    sysctls: Dict[str, Optional[str]] = {}
    for path, note in USERNS_SYSCTLS:
        value, error = first_line(src, path)
        sysctls[path.rsplit("/", 1)[-1]] = value
        if value is not None:
            n.add(path, value, note)
        else:
            n.unseen(path, error)
    ident = identity(src)
    root = ident.get("euid") == 0
    current = src.trial("userns")
    unprivileged = src.trial("userns-unprivileged") if root else None
    chosen, who = current, "this user (uid %s)" % ident.get("euid", "?")
    if unprivileged is not None and "steps" in unprivileged:
        chosen, who = unprivileged, "an unprivileged user (uid %s)" % unprivileged.get("uid", 65534)
    for name, outcome in (("userns", current), ("userns-unprivileged", unprivileged)):
        if outcome is None:
            continue
        steps = outcome.get("steps") if isinstance(outcome.get("steps"), dict) else {}
        raw = " ".join("%s=%s" % kv for kv in steps.items()) or "error=%s" % outcome.get("error")
        n.add("trial:" + name, "uid %s: %s" % (outcome.get("uid", "?"), raw),
              "a child process tried it; nothing outside its own namespaces was touched")
    container = in_container(evidence)
    ids = _subids(src, n, ident) if not root else {}
    details: Dict[str, Any] = {"sysctls": sysctls, "tested_as": chosen.get("uid"),
                               "trial": dict(chosen), "subids": ids}
    steps = chosen.get("steps") if isinstance(chosen.get("steps"), dict) else None
    if steps is None:  # the trial could not run, or the capture has none
        details["value"] = "not tested"
        if sysctls.get("max_user_namespaces") == "0":
            return n.done("fail", "User namespaces are disabled (user.max_user_namespaces=0); not tested",
                          "sudo sysctl user.max_user_namespaces=15000", **details)
        if sysctls.get("unprivileged_userns_clone") == "0":
            return n.done("fail", "Unprivileged user namespaces are disabled (kernel.unprivileged_userns_clone=0); "
                                  "not tested", "sudo sysctl kernel.unprivileged_userns_clone=1", **details)
        return n.done("unknown", "User namespaces were not tested (%s)" % chosen.get("error", "no trial"), **details)
    if steps.get("unshare_user") != "ok":
        details["value"] = "denied"
        reason = _userns_failure(chosen, {k: v for k, v in sysctls.items()}, container)
        remedy = {"user.max_user_namespaces is 0": "sudo sysctl user.max_user_namespaces=15000",
                  "kernel.unprivileged_userns_clone is 0": "sudo sysctl kernel.unprivileged_userns_clone=1"}.get(
            reason, "Run the container with a seccomp profile that allows unshare (or --privileged)"
            if container else None)
        if steps.get("drop_privileges") not in (None, "ok"):
            return n.done("unknown", "The trial could not switch to an unprivileged user (%s)"
                          % steps["drop_privileges"], **details)
        return n.done("fail", "%s cannot create user namespaces: %s" % (who[0].upper() + who[1:], reason), remedy,
                      **details)
    failed = chosen.get("failed")
    if steps.get("map_ids") not in (None, "ok"):
        details["value"] = "no id map"
        return n.done("warn", "A user namespace was created by %s, but mapping its ids failed (%s)" % (
            who, steps["map_ids"]), **details)
    if failed in INSIDE_STEPS:
        details["value"] = "no capabilities inside"
        restricted = sysctls.get("apparmor_restrict_unprivileged_userns") == "1"
        return n.done("warn", "User namespaces are created, but capabilities inside them are denied (%s failed with "
                              "%s)%s" % (failed, chosen.get("error"),
                                         ": AppArmor restricts unprivileged user namespaces" if restricted else ""),
                      "Give the container runtime an AppArmor profile with the `userns,` rule (Ubuntu ships them "
                      "for podman, buildah...), or sudo sysctl kernel.apparmor_restrict_unprivileged_userns=0"
                      if restricted else None, **details)
    details["value"] = "works"
    overlay = "; overlay mounts work inside" if steps.get("mount_overlay") == "ok" else \
        "; overlay mounts inside fail (%s)" % steps.get("mount_overlay") if steps.get("mount_overlay") else ""
    summary = "User namespaces work for %s: created, ids mapped, capabilities usable inside%s" % (who, overlay)
    if root:
        return n.done("pass", summary, **details)
    subuid, subgid = ids.get("subuid"), ids.get("subgid")
    if subuid is not None and subgid is not None and (subuid < ROOTLESS_IDS or subgid < ROOTLESS_IDS):
        user = ident.get("user") or "$USER"
        return n.done("warn", summary + "; but %s has %d subordinate uids and %d gids (rootless containers want "
                                        "65536)" % (user, subuid, subgid),
                      "sudo usermod --add-subuids 100000-165535 --add-subgids 100000-165535 %s" % user, **details)
    if ids.get("newuidmap") is None and subuid:
        return n.done("warn", summary + "; but newuidmap is missing, so the subordinate ids cannot be mapped",
                      "Install the uidmap package (shadow-utils newuidmap/newgidmap)", **details)
    return n.done("pass", summary + ("; %d subordinate ids" % subuid if subuid else ""), **details)


#: What libvirt (virt-host-validate) and Docker's check-config.sh want, by cgroup version.
V1_CONTROLLERS = ("cpu", "cpuacct", "cpuset", "memory", "devices", "blkio", "freezer", "pids")
V2_CONTROLLERS = ("cpu", "cpuset", "memory", "io", "pids")


def _own_cgroup(src) -> Optional[str]:
    value, _ = text(src, "/proc/self/cgroup")
    for line in parse_cgroup(value or ""):
        if line.hierarchy == "0" and not line.controllers:
            return line.path
    return None


@check
def cgroups(src, evidence: Sequence[Evidence]) -> Check:
    """cgroup mode from the mount table (unified v2, hybrid, legacy v1) and the
    controllers: v2 cgroup.controllers at the root and in this process's own cgroup
    (delegation, what rootless containers get), with devices done by BPF and freezing by
    cgroup.freeze; v1 from the mounted hierarchies and /proc/cgroups."""
    n = Notes("cgroups")
    mounts = mountinfo(src)
    if not mounts:
        n.unseen("/proc/self/mountinfo", src.read("/proc/self/mountinfo", limit=16).error)
        return n.done("unknown", "The mount table could not be read", value="unknown")
    layout = cgroup_layout(mounts)
    n.add("/proc/self/mountinfo", "%s%s%s" % (layout.mode, " (v2 at %s)" % layout.v2_path if layout.v2_path else "",
                                              "; v1: " + " ".join(sorted(layout.v1)) if layout.v1 else ""),
          "cgroup2 at /sys/fs/cgroup: unified; cgroup v1 hierarchies beside a cgroup2 one: hybrid")
    details: Dict[str, Any] = {"mode": layout.mode, "value": {"unified": "cgroup v2", "hybrid": "cgroup v1+v2 (hybrid)",
                                                              "legacy": "cgroup v1", "none": "none"}[layout.mode]}
    if layout.mode == "none":
        return n.done("fail", "No cgroup file system is mounted: no resource control for containers or VMs",
                      "Mount cgroup2 at /sys/fs/cgroup (mount -t cgroup2 none /sys/fs/cgroup)", **details)
    ident = identity(src)
    if layout.mode == "unified":
        root = layout.v2_path or "/sys/fs/cgroup"
        value, error = first_line(src, root + "/cgroup.controllers")
        if value is None:
            n.unseen(root + "/cgroup.controllers", error)
            return n.done("unknown", "cgroup v2, but its controllers could not be read", **details)
        available = value.split()
        n.add(root + "/cgroup.controllers", value or "(none)")
        freeze = src.read(root + "/cgroup.freeze", limit=16).seen or bool(
            [p for p in (_own_cgroup(src),) if p and src.read(root + p.rstrip("/") + "/cgroup.freeze", limit=16).seen])
        bpf = config_value(src, "CGROUP_BPF")
        missing = [c for c in V2_CONTROLLERS if c not in available]
        details.update({"controllers": available, "missing": missing, "freeze": freeze, "devices_bpf": bpf})
        notes: List[str] = []
        own = _own_cgroup(src)
        if own and own != "/" and ident.get("euid") not in (0, None):
            mine, _ = first_line(src, root + own.rstrip("/") + "/cgroup.controllers")
            if mine is not None:
                n.add(root + own.rstrip("/") + "/cgroup.controllers", mine or "(none)",
                      "the controllers delegated to this user's cgroup (what rootless containers can limit)")
                undelegated = [c for c in ("cpu", "memory", "pids") if c in available and c not in mine.split()]
                details["delegated"] = mine.split()
                if undelegated:
                    return n.done("warn", "cgroup v2, but %s not delegated to this user: rootless containers cannot "
                                          "limit them" % ", ".join(undelegated),
                                  "Delegate them: a systemd drop-in for user@.service with Delegate=cpu cpuset io "
                                  "memory pids", **details)
        if bpf == "n":
            notes.append("no device control (CONFIG_CGROUP_BPF is not set)")
        if missing:
            return n.done("warn", "cgroup v2 without the %s controller%s" % (", ".join(missing),
                                                                              "s" if len(missing) > 1 else ""),
                          "Enable them in the kernel (CONFIG_CGROUP_*, CONFIG_MEMCG, CONFIG_CPUSETS) or on the "
                          "command line (cgroup_enable=memory)", **details)
        return n.done("pass", "cgroup v2 (unified) with %s%s" % (" ".join(available),
                                                                 "; " + "; ".join(notes) if notes else ""), **details)
    value, error = text(src, "/proc/cgroups")
    enabled = {name: on for name, _, on in parse_proc_cgroups(value or "")}
    if value is not None:
        n.add("/proc/cgroups", " ".join(k for k, v in enabled.items() if v), "controllers enabled in the kernel")
    else:
        n.unseen("/proc/cgroups", error)
    mounted = [c for c in layout.v1 if not c.startswith("name=")]
    missing = [c for c in V1_CONTROLLERS if c not in mounted]
    details.update({"controllers": sorted(mounted), "missing": missing, "v2_path": layout.v2_path})
    summary = "cgroup %s: v1 controllers %s%s" % (
        "v1 with a v2 hierarchy at %s (hybrid)" % layout.v2_path if layout.mode == "hybrid" else "v1 only (legacy)",
        " ".join(sorted(mounted)) or "(none)", "; missing " + ", ".join(missing) if missing else "")
    return n.done("warn", summary + ". Current runtimes and systemd (256+) expect cgroup v2",
                  "Boot with systemd.unified_cgroup_hierarchy=1 (and without cgroup_no_v1=) to use cgroup v2",
                  **details)


FUSE_HELPERS = ("/usr/bin/fuse-overlayfs", "/usr/local/bin/fuse-overlayfs")


@check
def overlayfs(src, evidence: Sequence[Evidence]) -> Check:
    """OverlayFS for image layers (/proc/filesystems, the overlay module or its build
    option), whether it also mounts inside a user namespace (rootless storage; the userns
    trial's last step, Linux 5.11+), whether the root is itself an overlay (an upper layer
    cannot live there), and fuse (/dev/fuse, fuse-overlayfs, /sys/fs/fuse/connections)."""
    n = Notes("overlayfs")
    fs = filesystems(src)
    if fs is None:
        n.unseen("/proc/filesystems", src.read("/proc/filesystems", limit=16).error)
    registered = fs is not None and "overlay" in fs
    module = module_present(src, "overlay")
    built = config_value(src, "OVERLAY_FS")
    n.add("/proc/filesystems", "overlay registered" if registered else "no overlay" if fs is not None else "unread")
    if module:
        n.add("/sys/module/overlay", module)
    if built is not None:
        n.add("kernel config", "CONFIG_OVERLAY_FS=%s" % built)
    root_fs = next((m.fstype for m in mountinfo(src) if m.mount_point == "/"), None)
    if root_fs:
        n.add("/proc/self/mountinfo", "/ is %s" % root_fs)
    fuse_dev = src.device("/dev/fuse")
    fuse = (fs is not None and "fuse" in fs) or fuse_dev.seen
    n.add("/dev/fuse", "present" if fuse_dev.seen else "absent", "FUSE: fuse-overlayfs and lxcfs need it")
    helper = next((p for p in FUSE_HELPERS if src.stat(p).seen), None)
    if helper:
        n.add(helper, "present")
    trial = src.trial("userns")
    steps = trial.get("steps") if isinstance(trial.get("steps"), dict) else {}
    in_userns = steps.get("mount_overlay")
    if in_userns:
        n.add("trial:userns", "mount_overlay=%s" % in_userns, "an overlay mounted inside a user namespace")
    details: Dict[str, Any] = {"registered": registered, "module": module, "config": built, "root_fs": root_fs,
                               "fuse": fuse, "fuse_overlayfs": helper, "overlay_in_userns": in_userns}
    available = registered or bool(module) or built in ("y", "m")
    details["value"] = "overlay" if available else "fuse-overlayfs" if helper and fuse else "none"
    if not available:
        if fs is None and built is None:
            return n.done("unknown", "Whether this kernel has overlayfs could not be read", **details)
        if helper and fuse:
            return n.done("warn", "No overlayfs in the kernel; fuse-overlayfs can stand in (slower)",
                          "sudo modprobe overlay, or a kernel with CONFIG_OVERLAY_FS", **details)
        return n.done("fail", "No overlayfs: container runtimes fall back to copying whole layers (vfs driver)",
                      "sudo modprobe overlay (persist it in /etc/modules-load.d/), or a kernel with CONFIG_OVERLAY_FS",
                      **details)
    how = "registered" if registered else "loads on first mount" if built == "m" or module else "built in"
    problems: List[str] = []
    if root_fs == "overlay":
        problems.append("the root file system is itself an overlay, which cannot hold another overlay's upper layer "
                        "(a runtime in here needs a volume for its storage, or fuse-overlayfs)")
    if in_userns not in (None, "ok"):
        problems.append("overlay mounts inside a user namespace fail (%s; Linux 5.11+ allows them): rootless storage "
                        "needs fuse-overlayfs%s" % (in_userns, "" if helper else ", which is not installed"))
    if not fuse:
        problems.append("no FUSE (/dev/fuse): fuse-overlayfs and lxcfs cannot run")
    if problems:
        return n.done("warn", "overlayfs %s, but %s" % (how, "; ".join(problems)),
                      "Mount a volume at the runtime's storage path (e.g. /var/lib/containers)"
                      if root_fs == "overlay" else "sudo modprobe fuse; install fuse-overlayfs" if not fuse or
                      in_userns not in (None, "ok") else None, **details)
    return n.done("pass", "overlayfs %s%s; FUSE available" % (
        how, ", and it mounts inside user namespaces" if in_userns == "ok" else ""), **details)


@check
def seccomp(src, evidence: Sequence[Evidence]) -> Check:
    """Seccomp: whether the kernel can filter system calls for containers
    (/proc/sys/kernel/seccomp/actions_avail, the `Seccomp:` line, CONFIG_SECCOMP_FILTER),
    and whether this process already runs under filters (mode 2, their number) or with
    no_new_privs (setuid helpers such as newuidmap cannot gain privileges then)."""
    n = Notes("seccomp")
    fields = status_fields(src)
    if not fields:
        n.unseen("/proc/self/status", src.read("/proc/self/status", limit=16).error)
    mode = fields.get("Seccomp")
    filters = fields.get("Seccomp_filters")
    nnp = fields.get("NoNewPrivs")
    if mode is not None:
        n.add("/proc/self/status Seccomp", mode + (" (%s filters)" % filters if filters else ""),
              "0 disabled, 1 strict, 2 filtered")
    if nnp is not None:
        n.add("/proc/self/status NoNewPrivs", nnp, "1: execve cannot grant privileges (setuid, file capabilities)")
    actions, actions_error = first_line(src, "/proc/sys/kernel/seccomp/actions_avail")
    if actions is not None:
        n.add("/proc/sys/kernel/seccomp/actions_avail", actions)
    else:
        n.unseen("/proc/sys/kernel/seccomp/actions_avail", actions_error)
    built = config_value(src, "SECCOMP_FILTER")
    if built is not None:
        n.add("kernel config", "CONFIG_SECCOMP_FILTER=%s" % built)
    details: Dict[str, Any] = {"mode": mode, "filters": number(filters),
                               "no_new_privs": nnp == "1", "actions": actions.split() if actions else None}
    supported = actions is not None or mode is not None or built in ("y",)
    details["value"] = {"0": "available", "1": "strict", "2": "filtered"}.get(mode or "", "unknown")
    if not supported:
        if built == "n":
            return n.done("fail", "This kernel has no seccomp: runtimes cannot restrict containers' system calls",
                          "Use a kernel with CONFIG_SECCOMP and CONFIG_SECCOMP_FILTER", **details)
        if fields:
            return n.done("unknown", "This kernel reports no seccomp state (older than 3.8, or built without "
                                     "seccomp)", **details)
        return n.done("unknown", "Whether the kernel has seccomp could not be read", **details)
    extra = "; no_new_privs is set: setuid helpers (newuidmap, sudo) cannot gain privileges" if nnp == "1" else ""
    if mode == "2":
        return n.done("warn", "This process runs under %s seccomp filter%s: system calls that nested runtimes and "
                              "VMMs need (unshare, mount, keyctl...) may be refused%s" % (
                                  filters or "a", "" if filters == "1" else "s", extra),
                      "Run with a profile that allows what is needed (docker/podman --security-opt seccomp=...), "
                      "or unconfined where that is acceptable", **details)
    if mode == "1":
        return n.done("warn", "This process runs in strict seccomp mode: almost every system call is refused",
                      **details)
    if nnp == "1":
        return n.done("warn", "Seccomp is available; this process is not filtered%s" % extra, None, **details)
    return n.done("pass", "Seccomp filtering is available (%s); this process is not filtered" % (
        "actions: " + actions if actions else "mode field present"), **details)


@check
def capabilities(src, evidence: Sequence[Evidence]) -> Check:
    """This process's capabilities decoded from /proc/self/status (CapEff, CapPrm, CapBnd,
    CapInh, CapAmb) against the kernel's cap_last_cap: root that lacks some (a sandbox or
    container withheld them, e.g. Docker's default 14), and what each missing one stops
    (SYS_RAWIO: MSRs, SYSLOG: the kernel log, NET_ADMIN: tap devices, SYS_ADMIN: mounts)."""
    n = Notes("capabilities")
    fields = status_fields(src)
    if not fields:
        n.unseen("/proc/self/status", src.read("/proc/self/status", limit=16).error)
        return n.done("unknown", "/proc/self/status could not be read", value="unknown")
    masks = {key: parse_cap_mask(fields.get(key)) for key in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")}
    for key, mask in masks.items():
        if mask is not None:
            n.add("/proc/self/status " + key, "%016x" % mask)
    last_raw, _ = first_line(src, "/proc/sys/kernel/cap_last_cap")
    last = number(last_raw)
    if last is not None:
        n.add("/proc/sys/kernel/cap_last_cap", last, "the highest capability this kernel knows")
    effective = masks.get("CapEff")
    if effective is None:
        return n.done("unknown", "CapEff is not in /proc/self/status", value="unknown")
    everything = full_mask(last if last is not None else 40)
    names = cap_names(effective)
    lacking = cap_names(everything & ~effective)
    bounding = masks.get("CapBnd")
    not_bounded = cap_names(everything & ~bounding) if bounding is not None else []
    euid = identity(src).get("euid")
    details: Dict[str, Any] = {"effective": names, "missing": lacking, "bounding_missing": not_bounded,
                               "count": len(names), "of": len(cap_names(everything))}
    recognised = next((label for label, caps in DEFAULT_SETS.items() if effective == mask_of(caps)), None)
    if recognised:
        details["set"] = recognised
    details["value"] = "%d of %d" % (len(names), details["of"])
    if effective & everything == everything:
        who = "root" if euid == 0 else "this process"
        return n.done("pass", "%s has all %d capabilities" % (who[0].upper() + who[1:], details["of"]), **details)
    if euid == 0 or effective:
        important = [c for c in lacking if c in CAPABILITY_USES]
        shown = ", ".join("%s (%s)" % (c, CAPABILITY_USES[c]) for c in important[:4]) or ", ".join(lacking[:6])
        what = "%d of %d capabilities" % (len(names), details["of"])
        if recognised:
            what += " (the default set of a %s container)" % recognised.split("-")[0].capitalize()
        who = "Root" if euid == 0 else "This process"
        return n.done("warn", "%s has %s; it lacks %s%s" % (
            who, what, shown, ", ..." if len(lacking) > len(important[:4]) and important else ""),
            "Grant what the workload needs (docker/podman run --cap-add NAME, or --privileged for nested "
            "runtimes and VMMs)" if in_container(evidence) or recognised else None, **details)
    return n.done("info", "An unprivileged process without capabilities (uid %s): KVM needs only access to /dev/kvm, "
                          "rootless containers need user namespaces" % euid, **details)


APPARMOR_PARSERS = ("/sbin/apparmor_parser", "/usr/sbin/apparmor_parser")


@check
def lsm(src, evidence: Sequence[Evidence]) -> Check:
    """Security modules: the active list (/sys/kernel/security/lsm, else the kernel log's
    "LSM: initializing lsm=" line), AppArmor (enabled parameter; apparmor_parser, without
    which Docker cannot load its profile, as check-config.sh checks), SELinux (enforce),
    and this process's own label or profile (/proc/self/attr/current)."""
    n = Notes("lsm")
    listed, error = first_line(src, "/sys/kernel/security/lsm")
    active: Optional[List[str]] = None
    if listed is not None:
        active = [x for x in listed.split(",") if x]
        n.add("/sys/kernel/security/lsm", listed)
    else:
        n.unseen("/sys/kernel/security/lsm", error, "securityfs may not be mounted")
        for line in log_lines(src, "LSM: initializing lsm="):
            n.add("cmd:dmesg", line, "the security modules the kernel started with")
            match = re.search(r"lsm=([\w,]+)", line)
            if match:
                active = [x for x in match.group(1).split(",") if x]
    apparmor, _ = first_line(src, "/sys/module/apparmor/parameters/enabled")
    if apparmor is not None:
        n.add("/sys/module/apparmor/parameters/enabled", apparmor)
    enforce, _ = first_line(src, "/sys/fs/selinux/enforce")
    if enforce is not None:
        n.add("/sys/fs/selinux/enforce", enforce, "1 enforcing, 0 permissive")
    label = None
    for path in ("/proc/self/attr/apparmor/current", "/proc/self/attr/current"):
        value, _ = first_line(src, path)
        if value:
            label = value.rstrip("\0")
            n.add(path, label, "this process's confinement")
            break
    apparmor_on = apparmor in ("Y", "y", "1") or (active is not None and "apparmor" in active)
    selinux_on = enforce is not None or (active is not None and "selinux" in active)
    parser = next((p for p in APPARMOR_PARSERS if src.stat(p).seen), None) if apparmor_on else None
    if apparmor_on and not in_container(evidence):
        n.add("apparmor_parser", parser or "absent", "Docker and Podman load their default profile with it")
    major = [x for x in (active or []) if x in ("apparmor", "selinux", "smack", "tomoyo")]
    if apparmor_on and "apparmor" not in major:
        major.append("apparmor")
    if selinux_on and "selinux" not in major:
        major.append("selinux")
    details: Dict[str, Any] = {"active": active, "apparmor": apparmor_on, "selinux": (
        "enforcing" if enforce == "1" else "permissive" if enforce == "0" else None), "label": label,
        "value": ", ".join(major) or "none"}
    if active is None and apparmor is None and enforce is None and label is None:
        return n.done("unknown", "The security modules could not be read (no securityfs, no kernel log)", **details)
    confined = label not in (None, "unconfined", "kernel") and not (label or "").endswith(":unconfined_t:s0")
    where = "; this process is confined as %s" % label if confined else "; this process is unconfined" \
        if label else ""
    if apparmor_on and parser is None and not in_container(evidence):  # in a container, the host's counts
        return n.done("warn", "AppArmor is enabled but apparmor_parser is missing: Docker cannot load its "
                              "docker-default profile and containers fail to start%s" % where,
                      "Install apparmor (the apparmor_parser program)", **details)
    if not major:
        return n.done("info", "No confining security module (active: %s)%s" % (", ".join(active or []) or "none",
                                                                                 where), **details)
    state = []
    if apparmor_on:
        state.append("AppArmor")
    if selinux_on:
        state.append("SELinux %s" % details["selinux"] if details["selinux"] else "SELinux")
    state.extend(x for x in major if x not in ("apparmor", "selinux"))
    return n.done("info", "%s active%s" % (", ".join(state), where), **details)


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


@check
def kernel_config(src, evidence: Sequence[Evidence]) -> Check:
    """The kernel's build options (/proc/config.gz or /boot/config-RELEASE) that Docker's
    check-config.sh calls generally necessary and optional, by cgroup version, and those a
    KVM host relies on (KVM and its vendor module, TUN, VHOST_*, VFIO, huge pages, KSM).
    Build options only say what could work; the other checks test what does. Also the
    limit check-config.sh reports: kernel.keys.root_maxkeys (each container's session
    keyring counts against root's quota)."""
    from .common import kernel_config as read_config  # the check's name shadows it here

    n = Notes("kernel-config")
    maxkeys_raw, _ = first_line(src, "/proc/sys/kernel/keys/root_maxkeys")
    maxkeys = number(maxkeys_raw)
    if maxkeys is not None:
        n.add("/proc/sys/kernel/keys/root_maxkeys", maxkeys, "root's key quota; every container takes keys from it")
    low_keys = maxkeys is not None and maxkeys <= ROOT_MAXKEYS_LOW
    config, where = read_config(src)
    if config is None:
        n.add(where, "absent", "the kernel exposes its configuration only with CONFIG_IKCONFIG_PROC")
        return n.done("unknown", "The kernel's build configuration is not available (%s); the other checks test the "
                                 "running kernel instead" % where, value="unavailable")
    n.add(where, "%d options" % len(config))
    layout = cgroup_layout(mountinfo(src)).mode
    required = list(CONTAINER_OPTIONS) + list(V1_OPTIONS if layout in ("legacy", "hybrid") else V2_OPTIONS)
    cpu_vendor = vendor(src)
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
        return n.done("warn", "The kernel lacks options containers generally need: %s" % ", ".join(
            "CONFIG_" + o for o in lacking[:8]) + (", ..." if len(lacking) > 8 else ""),
            "Use a kernel built with them (or load the modules that provide them)", **details)
    extra = []
    if low_keys and maxkeys is not None:
        return n.done("warn", "The build options containers need are there, but kernel.keys.root_maxkeys is only %d: "
                              "many containers will run out of keys" % maxkeys,
                      "sudo sysctl kernel.keys.root_maxkeys=1000000 kernel.keys.root_maxbytes=25000000", **details)
    if vms:
        extra.append("without %s" % ", ".join("CONFIG_" + o for o in vms[:5]))
    if optional:
        extra.append("optional ones missing: %s" % ", ".join("CONFIG_" + o for o in optional[:5]))
    return n.done("pass", "Every option Docker's check-config.sh calls necessary is built (%s)%s" % (
        where, "; " + "; ".join(extra) if extra else ""), **details)
