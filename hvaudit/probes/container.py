"""Is this process in a container, which one, and how isolated?

Kernel facts (namespace inodes, id maps, cgroup paths, mounts, PID 2) are evidence; files
that runtimes leave in the image (/.dockerenv, /run/systemd/container) are only claims,
because an image can carry them anywhere (moby/moby#18355).
"""

from __future__ import annotations

from ..model import Evidence, Strength
from ..parsers.procfs import (
    is_identity_map,
    is_number,
    parse_cgroup,
    parse_environ,
    parse_id_map,
    parse_ns_link,
)
from ..signatures import CONTAINER_ENV_NAMES, INIT_PROGRAMS, OCI_MASKED_FILES, RUNTIME_MOUNT_POINTS
from ..sources import Source
from ..views import LINUX, Views
from . import denied_note, ev, missing, probe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator, List, Mapping, Optional, Set, Tuple


#: The inode numbers of the initial namespaces, fixed since Linux 3.8 (include/linux/proc_ns.h).
INITIAL_NS_INODES: Mapping[str, int] = {
    "ipc": 0xEFFFFFFF, "uts": 0xEFFFFFFE, "user": 0xEFFFFFFD, "pid": 0xEFFFFFFC,
    "cgroup": 0xEFFFFFFB, "time": 0xEFFFFFFA,
}
#: How much a private namespace of each kind says about being in a container: a PID
#: namespace is what containers are made of; systemd services also get private UTS, IPC
#: and mount namespaces (ProtectHostname=, PrivateIPC=, PrivateTmp=) on ordinary hosts.
#: A user namespace alone is no container (`unshare -U`, a browser's sandbox): it says
#: "private users", as `systemd-detect-virt --private-users` does, and nothing more.
NS_WEIGHT: Mapping[str, Optional[Strength]] = {
    "pid": Strength.DEFINITIVE, "user": None, "cgroup": Strength.STRONG,
    "uts": Strength.WEAK, "ipc": Strength.WEAK, "time": Strength.WEAK,
}


@probe("container.namespaces", systems=(LINUX,))
def namespaces(src: Source, views: Views) -> Iterator[Evidence]:
    """/proc/self/ns/* against the initial namespaces' fixed inodes; PID 2 (kthreadd only in
    the initial PID namespace); the user namespace's uid_map; the mount namespace of PID 1."""
    pid_ = "container.namespaces"
    private: List[str] = []
    initial: List[str] = []
    for kind in ("pid", "user", "cgroup", "uts", "ipc", "time"):
        path = "/proc/self/ns/" + kind
        link = src.readlink(path)
        if not link.seen:
            yield from missing(pid_, path, link.error)
            continue
        parsed = parse_ns_link(link.text or "")
        if parsed is None:
            continue
        if parsed[1] == INITIAL_NS_INODES[kind]:
            initial.append(kind)
        else:
            private.append(kind)
            weight = NS_WEIGHT[kind]
            if weight is not None:
                yield ev(pid_, path, link.text or "", "container", "*", weight,
                         "note.probe.container.not-initial-namespace", kind=kind,
                         inode="0x%X" % INITIAL_NS_INODES[kind])
            yield ev(pid_, path, link.text or "", "namespace", kind, Strength.DEFINITIVE,
                     "note.probe.container.private-namespace", kind=kind)
    if "pid" in initial and not [kind for kind in private if NS_WEIGHT[kind] is not None]:
        # Same mount namespace as PID 1 too? Readable by root (or the owner of PID 1) only.
        mine, init = src.readlink("/proc/self/ns/mnt"), src.readlink("/proc/1/ns/mnt")
        same_mnt: Optional[bool] = None
        if mine.seen and init.seen:
            same_mnt = mine.text == init.text
            if not same_mnt:
                yield ev(pid_, "/proc/1/ns/mnt", "%s vs %s" % (mine.text, init.text), "container", "*", Strength.WEAK,
                         "note.probe.container.a-private-mount-namespace")
        else:
            yield from missing(pid_, "/proc/1/ns/mnt", init.error or mine.error,
                               denied_note(src, init.error or mine.error, "root or PID 1's owner"))
        yield ev(pid_, "/proc/self/ns", "initial: " + " ".join(initial), "container", "none",
                 Strength.DEFINITIVE if same_mnt else Strength.STRONG,
                 "note.probe.container.initial-namespaces-userns" if "user" in private
                 else "note.probe.container.initial-namespaces")
    comm = src.read("/proc/2/comm", limit=256)
    if comm.seen:
        name = (comm.text or "").strip()
        if name == "kthreadd":
            yield ev(pid_, "/proc/2/comm", name, "container", "none", Strength.STRONG,
                     "note.probe.container.kthreadd-is-pid-2")
        else:
            yield ev(pid_, "/proc/2/comm", name, "container", "*", Strength.STRONG,
                     "note.probe.container.pid-2-is-not")
    else:
        yield from missing(pid_, "/proc/2/comm", comm.error)
    uid_map = src.read("/proc/self/uid_map", limit=65536)
    if uid_map.seen:
        entries = parse_id_map(uid_map.text or "")
        if entries and not is_identity_map(entries):
            yield ev(pid_, "/proc/self/uid_map", (uid_map.text or "").strip(), "userns", "mapped", Strength.DEFINITIVE,
                     "note.probe.container.user-ids-are-mapped")
    else:
        yield from missing(pid_, "/proc/self/uid_map", uid_map.error)


#: /proc/self/cgroup: the names runtimes give their containers' cgroups (not the daemons'),
#: as (token, followed by a 64-hex container id?, facet, value). Sources: Docker (cgroupfs
#: "/docker/<id>", systemd driver "docker-<id>.scope"), Podman ("libpod-<id>.scope"), CRI-O
#: ("crio-<id>.scope"), containerd CRI ("cri-containerd-<id>.scope"), kubelet ("kubepods"),
#: LXC ("/lxc/<name>", "lxc.payload.<name>"), libvirt-lxc and machined ("machine-lxc\x2d…").
CGROUP_TOKENS: Tuple[Tuple[str, bool, str, str], ...] = (
    ("/docker/", True, "container", "docker"),
    ("docker-", True, "container", "docker"),
    ("libpod-", True, "container", "podman"),
    ("libpod-conmon-", True, "container", "podman"),
    ("crio-", True, "container", "cri-o"),
    ("crio-conmon-", True, "container", "cri-o"),
    ("cri-containerd-", True, "container", "containerd"),
    ("/kubepods", False, "orchestrator", "kubernetes"),
    ("/lxc/", False, "container", "lxc"),
    ("/lxc.payload.", False, "container", "lxc"),
    ("/lxc.payload/", False, "container", "lxc"),
    ("/machine.slice/machine-lxc", False, "container", "lxc-libvirt"),
    ("/machine.slice/machine-rkt", False, "container", "rkt"),
)
HEX_DIGITS = frozenset("0123456789abcdef")


def has_token(text: str, token: str, with_id: bool) -> bool:
    """Whether `token` occurs in `text` (followed by a 64-hex container id if `with_id`)."""
    start = text.find(token)
    while start >= 0:
        container_id = text[start + len(token):start + len(token) + 64]  # a slice of 64, not the rest
        if not with_id or (len(container_id) == 64 and set(container_id) <= HEX_DIGITS):
            return True
        start = text.find(token, start + 1)
    return False


@probe("container.cgroup", systems=(LINUX,))
def cgroup(src: Source, views: Views) -> Iterator[Evidence]:
    """/proc/self/cgroup: the kernel reports which cgroup this process is in, and runtimes
    name their containers' cgroups. With cgroup v2 and a private cgroup namespace the
    path is "/" and says nothing (systemd PR #35382)."""
    pid_ = "container.cgroup"
    read = src.read("/proc/self/cgroup", limit=65536)
    if not read.seen:
        yield from missing(pid_, "/proc/self/cgroup", read.error)
        return
    reported: Set[Tuple[str, str]] = set()
    for line in parse_cgroup(read.text or ""):
        for token, with_id, facet, value in CGROUP_TOKENS:
            if (facet, value) not in reported and has_token(line.path, token, with_id):
                reported.add((facet, value))
                yield ev(pid_, "/proc/self/cgroup", line.path, facet, value, Strength.STRONG,
                         "note.probe.container.cgroup-names", runtime=value)


#: Where container storage lives on the host, as the root mount's overlay options or the
#: source of /etc/hostname and friends show it: (substrings, facet, value, what). A value
#: of "containers-storage" is a trace that Podman or CRI-O made the container.
STORAGE_PATHS: Tuple[Tuple[Tuple[str, ...], str, str, str], ...] = (
    (("/var/lib/docker/", "/docker/overlay2/"), "container", "docker", "note.probe.container.storage.docker"),
    (("/containers/storage/", "/overlay-containers/"), "trace", "containers-storage",
     "note.probe.container.storage.containers-storage"),
    (("/var/lib/containerd/", "/run/containerd/", "/k3s/agent/containerd/"), "container", "containerd",
     "note.probe.container.storage.containerd"),
    (("/var/lib/kubelet/pods/",), "orchestrator", "kubernetes", "note.probe.container.storage.kubelet"),
    (("/var/lib/lxc/", "/var/lib/lxd/", "/var/lib/incus/"), "container", "lxc", "note.probe.container.storage.lxc"),
)
#: The files every engine writes per container and bind-mounts into it.
ENGINE_FILES = frozenset({"/etc/hostname", "/etc/hosts", "/etc/resolv.conf"})


def docker_container_file(root: str) -> bool:
    """Docker keeps a container's hostname, hosts and resolv.conf in containers/<64-hex id>/
    of its data root (/var/lib/docker, or a rootless user's ~/.local/share/docker)."""
    parts = root.split("/")
    return len(parts) >= 3 and parts[-3] == "containers" and len(parts[-2]) == 64 \
        and set(parts[-2]) <= HEX_DIGITS


def storage_claims(text: str) -> Iterator[Tuple[str, str, str]]:
    for parts, facet, value, what in STORAGE_PATHS:
        if any(part in text for part in parts):
            yield facet, value, what


@probe("container.mounts", systems=(LINUX,))
def mounts(src: Source, views: Views) -> Iterator[Evidence]:
    """/proc/self/mountinfo: what the root file system is (overlay from a runtime's storage,
    Kata's shared virtio-fs, WSL 1's lxfs/wslfs), where /etc/hostname comes from, lxcfs,
    the mounts runtimes make (/run/.containerenv, /dev/lxc/, /run/host) and the files an
    OCI runtime masks: the runtimes' own traces, which corroborate their markers."""
    pid_ = "container.mounts"
    read = views.read("/proc/self/mountinfo", limit=4 << 20)
    if not read.seen:
        yield from missing(pid_, "/proc/self/mountinfo", read.error)
        return
    where = "/proc/self/mountinfo"
    table = views.mountinfo()
    # Recorded so that the classifier knows the traces were looked for: a marker with no
    # trace here is uncorroborated, while one whose traces could not be read is untested.
    yield ev(pid_, where, "%d mounts" % len(table), "traces", "mountinfo", Strength.DEFINITIVE,
             "note.probe.container.the-mount-table-where")
    reported: Set[object] = set()
    masked = []
    for m in table:
        if m.mount_point == "/":
            raw = "/ %s %s %s %s" % (m.root, m.fstype, m.source, m.super_options)
            if m.fstype in ("virtiofs", "9p") and "kataShared" in (m.source, m.root):
                yield ev(pid_, where, raw, "sandbox", "kata", Strength.STRONG,
                         "note.probe.container.kata-containers-share-the")
                yield ev(pid_, where, raw, "container", "*", Strength.STRONG,
                         "note.probe.container.a-container-inside-a")
            elif m.fstype in ("lxfs", "wslfs"):
                yield ev(pid_, where, raw, "container", "wsl1", Strength.STRONG,
                         "note.probe.container.lxfs-wslfs-is-the")
            else:
                found = list(storage_claims(m.super_options if m.fstype == "overlay" else m.root))
                for facet, value, what in found:
                    yield ev(pid_, where, raw, facet, value, Strength.STRONG,
                             "note.probe.container.root-comes-from", what_msg=what)
                if found and not any(facet == "container" for facet, _, _ in found):
                    yield ev(pid_, where, raw, "container", "*", Strength.STRONG,
                             "note.probe.container.root-comes-from", what_msg=found[0][2])
                if not found and m.fstype == "overlay":
                    yield ev(pid_, where, raw, "container", "*", Strength.HINT,
                             "note.probe.container.an-overlay-root-live")
        elif m.mount_point in ENGINE_FILES:
            claims = list(storage_claims(m.root))
            if docker_container_file(m.root):
                claims.append(("container", "docker", "note.probe.container.storage.docker-container"))
            for facet, value, what in claims:
                if (facet, value) not in reported:
                    reported.add((facet, value))
                    yield ev(pid_, where, "%s from %s" % (m.mount_point, m.root), facet, value, Strength.STRONG,
                             "note.probe.container.bind-mounts", path=m.mount_point, what_msg=what)
        elif m.fstype == "fuse.lxcfs" and ("container", "lxcfs") not in reported:
            reported.add(("container", "lxcfs"))
            yield ev(pid_, where, "%s %s" % (m.mount_point, m.fstype), "container", "lxc", Strength.WEAK,
                     "note.probe.container.lxcfs-virtualises-proc-files")
        elif m.mount_point in OCI_MASKED_FILES and m.root in ("/null", "/dev/null"):
            masked.append(m.mount_point)
        for point, prefix, facet, value, what in RUNTIME_MOUNT_POINTS:
            hit = m.mount_point.startswith(point) if prefix else m.mount_point == point
            if hit and point not in reported:
                reported.add(point)
                yield ev(pid_, where, "%s %s from %s" % (m.mount_point, m.fstype, m.root), facet, value,
                         Strength.STRONG, what)
    if masked:
        yield ev(pid_, where, "masked with /dev/null: " + " ".join(sorted(masked)), "container", "oci",
                 Strength.WEAK, "note.probe.container.an-oci-runtime-runc")


#: PID 1's environment needs root (or PID 1's owner); this process's is inherited.
ENVIRONMENTS: Tuple[Tuple[str, Strength], ...] = (("/proc/1/environ", Strength.STRONG),
                                                  ("/proc/self/environ", Strength.WEAK))


@probe("container.environ", systems=(LINUX,))
def environ(src: Source, views: Views) -> Iterator[Evidence]:
    """The variables that WSL, Kubernetes, Apptainer and Flatpak set as they start a
    process (`container=` is a marker: see container.markers)."""
    pid_ = "container.environ"
    for path, base in ENVIRONMENTS:
        read = src.read(path, limit=1 << 20)
        if not read.seen:
            yield from missing(pid_, path, read.error, denied_note(src, read.error, "root or PID 1's owner"))
            continue
        env = parse_environ(read.data or b"")
        if "KUBERNETES_SERVICE_HOST" in env:
            yield ev(pid_, path, "KUBERNETES_SERVICE_HOST", "orchestrator", "kubernetes", base,
                     "note.probe.container.the-kubelet-injects-the")
        if "WSL_DISTRO_NAME" in env or "WSL_INTEROP" in env:
            yield ev(pid_, path, "WSL_DISTRO_NAME=" + env.get("WSL_DISTRO_NAME", ""), "container", "wsl", base,
                     "note.probe.container.wsl-s-init-sets")
        # Unlike `container=`, which images can carry (ENV container oci), these are set by
        # the runtime as it starts the process, so even an inherited copy is strong.
        for name in ("APPTAINER_CONTAINER", "SINGULARITY_CONTAINER"):
            if name in env:
                yield ev(pid_, path, name, "container", "apptainer", Strength.STRONG,
                         "note.probe.container.set-by-apptainer-singularity")
                break
        if "FLATPAK_ID" in env:
            yield ev(pid_, path, "FLATPAK_ID=" + env["FLATPAK_ID"], "container", "flatpak", Strength.STRONG,
                     "note.probe.container.set-by-flatpak-run")


def runtime_word(value: str) -> str:
    """A `container=` value that systemd does not know names the runtime in its own word
    (firejail sets container=firejail); kept when it reads as a name, else unidentified."""
    name = value.strip().lower()
    ok = 0 < len(name) <= 32 and name.isascii() and all(c.isalnum() or c in "._+-" for c in name)
    return name if ok and name not in ("*", "none") else "*"


#: Marker files: (path, kind of test, facet, value, note). All are claims (WEAK): images
#: carry them wherever they are copied, and some runtimes do not write them at all.
MARKERS: Tuple[Tuple[str, str, str, str, str], ...] = (
    ("/.dockerenv", "file", "container", "docker", "note.probe.container.docker-creates-it-images"),
    ("/.dockerinit", "file", "container", "docker", "note.probe.container.written-by-docker-before"),
    ("/run/.containerenv", "file", "container", "podman", "note.probe.container.podman-creates-it-in"),
    ("/.singularity.d", "dir", "container", "apptainer", "note.probe.container.the-metadata-folder-of"),
    ("/.apptainer.d", "dir", "container", "apptainer", "note.probe.container.the-metadata-folder-of-2"),
    ("/.flatpak-info", "file", "container", "flatpak", "note.probe.container.flatpak-run-places-it"),
    ("/run/WSL", "dir", "container", "wsl", "note.probe.container.wsl-s-init-creates"),
    ("/proc/sys/fs/binfmt_misc/WSLInterop", "file", "container", "wsl",
     "note.probe.container.wsl-registers-windows-binaries"),
    ("/var/run/secrets/kubernetes.io/serviceaccount", "dir", "orchestrator", "kubernetes",
     "note.probe.container.the-kubelet-mounts-the"),
    ("/run/secrets/kubernetes.io/serviceaccount", "dir", "orchestrator", "kubernetes",
     "note.probe.container.the-kubelet-mounts-the"),
)
#: Files that name the container manager: (path, note).
MANAGER_FILES = (("/run/systemd/container", "note.probe.container.written-by-systemd-as"),
                 ("/run/host/container-manager", "note.probe.container.written-by-the-container"))


@probe("container.markers", systems=(LINUX,))
def markers(src: Source, views: Views) -> Iterator[Evidence]:
    """What runtimes say they are: `container=` in PID 1's and this process's environment
    (systemd's Container Interface), /.dockerenv, /run/.containerenv, /run/systemd/container,
    /run/host/container-manager, Apptainer's and Flatpak's files, WSL's, Kubernetes' service
    account folder (listed, never read). Claims, which the runtime's traces must corroborate."""
    pid_ = "container.markers"
    # Most markers are absent: learnt for all at once, not path by path.
    src.prefetch([path for path, *_ in MARKERS + MANAGER_FILES])
    for path, base in ENVIRONMENTS:
        read = src.read(path, limit=1 << 20)
        if not read.seen:
            continue  # container.environ reports it unseen
        value = parse_environ(read.data or b"").get("container")
        if value is None:
            continue
        if not value:
            yield ev(pid_, path, "container=", "container", "none", base,
                     "note.probe.container.an-empty-container-says")
        elif value in CONTAINER_ENV_NAMES:
            # "oci" is written into images (UBI's ENV container oci): it names no runtime.
            yield ev(pid_, path, "container=" + value, "container", CONTAINER_ENV_NAMES[value],
                     Strength.WEAK if value == "oci" else base,
                     "note.probe.container.a-runtime-s-name")
        else:
            yield ev(pid_, path, "container=" + value, "container", runtime_word(value), Strength.STRONG,
                     "note.probe.container.a-name-systemd-does")
    for path, kind, facet, value, note in MARKERS:
        if kind == "dir":
            listing = src.listdir(path)
            present, error = listing.seen, listing.error
        else:
            read = src.read(path, limit=4096)
            present, error = read.seen or read.error == "EFBIG", read.error
        if present:
            strength = Strength.WEAK if facet == "container" else Strength.STRONG
            yield ev(pid_, path, "present", facet, value, strength, note)
        else:
            yield from missing(pid_, path, error if error not in ("EISDIR", "ENOTDIR") else None)
    for path, note in MANAGER_FILES:
        read = src.read(path, limit=4096)
        if read.seen:
            name = (read.text or "").strip()
            if name:
                yield ev(pid_, path, name, "container", CONTAINER_ENV_NAMES.get(name, "*"), Strength.WEAK, note)
    lxd = src.device("/dev/lxd/sock")
    if lxd.seen:
        yield ev(pid_, "/dev/lxd/sock", "present", "container", "lxc", Strength.WEAK,
                 "note.probe.container.lxd-s-guest-api")


@probe("container.init", systems=(LINUX,))
def init(src: Source, views: Views) -> Iterator[Evidence]:
    """PID 1's program, from /proc/1/cmdline (readable by anyone): in a sandbox's own PID
    namespace it is the sandbox (bwrap, firejail, LXC's init.lxc, docker-init); and
    /dev/.lxc-boot-id, which LXC writes into every container it starts."""
    pid_ = "container.init"
    cmdline = src.read("/proc/1/cmdline", limit=4096)
    if cmdline.seen:
        program = (cmdline.data or b"").split(b"\0", 1)[0].decode("utf-8", "replace")
        runtime = INIT_PROGRAMS.get(program.rsplit("/", 1)[-1])
        if runtime:
            yield ev(pid_, "/proc/1/cmdline", program, "container", runtime, Strength.STRONG,
                     "note.probe.container.pid-1-is-the")
    else:
        yield from missing(pid_, "/proc/1/cmdline", cmdline.error)
    boot_id = src.read("/dev/.lxc-boot-id", limit=256)
    if boot_id.seen:
        yield ev(pid_, "/dev/.lxc-boot-id", (boot_id.text or "").strip(), "container", "lxc", Strength.STRONG,
                 "note.probe.container.lxc-writes-the-container")
    else:
        yield from missing(pid_, "/dev/.lxc-boot-id", boot_id.error)


#: gVisor's Sentry presents a fixed kernel version (pkg/sentry/fs/proc and its successors).
GVISOR_VERSION = "#1 SMP Sun Jan 10 15:06:54 PST 2016"


@probe("container.kernel-interfaces", systems=(LINUX,))
def kernel_interfaces(src: Source, views: Views) -> Iterator[Evidence]:
    """Kernels that are themselves container systems: OpenVZ (/proc/vz without /proc/bc),
    Linux-VServer (VxID), WSL (the kernel release), gVisor (its fixed version), illumos LX
    zones (BrandZ), and PRoot (a ptrace tracer named proot)."""
    pid_ = "container.kernel-interfaces"
    vz, bc = src.listdir("/proc/vz"), src.listdir("/proc/bc")
    if vz.seen and not bc.seen:
        yield ev(pid_, "/proc/vz", "present, /proc/bc absent", "container", "openvz", Strength.DEFINITIVE,
                 "note.probe.container.an-openvz-container-the")
    elif vz.seen and bc.seen:
        yield ev(pid_, "/proc/bc", "present", "role", "openvz-host", Strength.DEFINITIVE,
                 "note.probe.container.the-openvz-host-node")
    status = views.read("/proc/self/status", limit=65536)
    fields = views.status()
    if not status.seen:
        yield from missing(pid_, "/proc/self/status", status.error)
    for key, tech in (("VxID", "linux-vserver"), ("s_context", "linux-vserver"), ("envID", "openvz")):
        value = fields.get(key)
        if value is not None and is_number(value):
            if int(value) > 0:
                yield ev(pid_, "/proc/self/status " + key, value, "container", tech, Strength.DEFINITIVE,
                         "note.probe.container.the-kernel-reports-a")
            break
    tracer = fields.get("TracerPid", "0")
    if is_number(tracer) and int(tracer) > 0:
        comm = src.read("/proc/%s/comm" % tracer, limit=256)
        if comm.seen and (comm.text or "").startswith("proot"):
            yield ev(pid_, "/proc/%s/comm" % tracer, (comm.text or "").strip(), "container", "proot",
                     Strength.DEFINITIVE, "note.probe.container.proot-emulates-a-chroot")
    release_read = src.read("/proc/sys/kernel/osrelease", limit=4096)
    release = (release_read.text or "").strip() if release_read.seen else src.uname().get("release", "")
    where = "/proc/sys/kernel/osrelease" if release_read.seen else "uname"
    if "Microsoft" in release:
        yield ev(pid_, where, release, "container", "wsl1", Strength.DEFINITIVE,
                 "note.probe.container.wsl-1-reports-a")
    elif "WSL2" in release:
        yield ev(pid_, where, release, "container", "wsl2", Strength.DEFINITIVE,
                 "note.probe.container.microsoft-s-wsl-2")
    elif "microsoft-standard" in release:
        yield ev(pid_, where, release, "container", "wsl2", Strength.STRONG,
                 "note.probe.container.the-microsoft-standard-kernel")
    version = src.read("/proc/version", limit=4096)
    text = (version.text or "") if version.seen else src.uname().get("version", "")
    if "BrandZ virtual linux" in text:
        yield ev(pid_, "/proc/version", text.strip(), "container", "illumos-lx", Strength.DEFINITIVE,
                 "note.probe.container.an-illumos-lx-branded")
    if GVISOR_VERSION in text or src.uname().get("version", "") == GVISOR_VERSION:
        yield ev(pid_, "/proc/version", text.strip() or GVISOR_VERSION, "sandbox", "gvisor", Strength.STRONG,
                 "note.probe.container.gvisor-s-user-space")
        yield ev(pid_, "/proc/version", text.strip() or GVISOR_VERSION, "container", "*", Strength.STRONG,
                 "note.probe.container.gvisor-runs-containers")


@probe("container.chroot", systems=(LINUX,))
def chroot(src: Source, views: Views) -> Iterator[Evidence]:
    """Whether this process's root is PID 1's root (as `systemd-detect-virt --chroot`
    checks): needs access to /proc/1/root (root, or PID 1's owner) and a mounted /proc.
    Without /proc the answer is unknown, never "no": a chroot is where /proc is missing."""
    pid_ = "container.chroot"
    mine, init = src.stat("/"), src.stat("/proc/1/root")
    if not (mine.seen and init.seen):
        error = init.error or mine.error or "EIO"
        yield Evidence(pid_, "/proc/1/root", raw="", error=error,
                       note=denied_note(src, error, "root or PID 1's owner") or "note.pid1-root-uncompared")
        # The kernel lists only the mounts reachable from this process's root (proc(5),
        # mountinfo: paths are relative to the root): a root that is a mere folder of a
        # file system, as a chroot's is, has no mount at "/". A chroot into a mount point
        # (or a container's pivot_root) has one, and stays unknown.
        table = views.mountinfo()
        if table and not any(m.mount_point == "/" for m in table):
            yield ev(pid_, "/proc/self/mountinfo", "no mount at /, %d others" % len(table), "chroot", "chroot",
                     Strength.STRONG, "note.probe.container.this-root-is-a")
        return
    same = (mine.dev, mine.ino) == (init.dev, init.ino)
    yield ev(pid_, "/proc/1/root", "/ is %s:%s, PID 1's root is %s:%s" % (mine.dev, mine.ino, init.dev, init.ino),
             "chroot", "none" if same else "chroot", Strength.DEFINITIVE,
             "note.probe.container.the-same-root-as" if same else "note.probe.container.a-different-root-than")
