"""Reads that may hang, bounded: paths outside the kernel's own file systems (/proc, /sys,
/dev), and files mounted over them from elsewhere (lxcfs's /proc/cpuinfo), may sit on FUSE,
NFS or virtio-fs, where a read can block for ever. Such calls run on a helper thread and
are abandoned after READ_TIMEOUT; after MAX_STUCK abandoned calls every further one
answers at once, so an audit ends in bounded time."""

from __future__ import annotations

import _thread
import errno

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, List, Tuple, TypeVar

    T = TypeVar("T")

#: Reads beneath these are answered by the kernel from memory: asked directly, no thread.
KERNEL_PREFIXES = ("/proc/", "/sys/", "/dev/")
READ_TIMEOUT = 2.0  # seconds for one call on any other path
MAX_STUCK = 3  # abandoned calls after which such paths are no longer tried


#: File systems the kernel answers from memory: a read on them never waits for a daemon, a
#: disk or a network. Anything else mounted under /proc, /sys or /dev (lxcfs serves
#: /proc/cpuinfo, /proc/meminfo, ... over FUSE in LXC and Incus containers) is not.
KERNEL_FILESYSTEMS = frozenset({
    "proc", "sysfs", "devtmpfs", "devpts", "tmpfs", "ramfs", "cgroup", "cgroup2", "securityfs", "debugfs",
    "tracefs", "configfs", "bpf", "mqueue", "hugetlbfs", "pstore", "efivarfs", "fusectl", "binfmt_misc",
    "selinuxfs", "nsfs", "rpc_pipefs",
})
#: Entries of /proc/PID that lead out of /proc, into whatever file system they point at.
PROCESS_EXITS = frozenset({"root", "cwd", "fd", "map_files", "exe"})


def risky(path: str) -> bool:
    """Whether a path may be on a file system that can hang, by its name alone: anything
    but /proc, /sys and /dev, and the links of /proc/PID that lead out of /proc."""
    if not path.startswith(KERNEL_PREFIXES) or "/../" in path or "/./" in path:
        return True
    parts = path.split("/", 4)
    return parts[1] == "proc" and len(parts) > 3 and parts[3] in PROCESS_EXITS


def foreign_mounts(mountinfo: str) -> Tuple[str, ...]:
    """Mount points under /proc, /sys and /dev whose file system is not the kernel's own
    (from /proc/self/mountinfo: the mount point is field 5, the type follows " - ")."""
    out = []
    for line in mountinfo.split("\n"):
        left, sep, right = line.partition(" - ")
        fields, kind = left.split(" "), right.split(" ", 1)[0]
        if sep and len(fields) >= 5 and kind not in KERNEL_FILESYSTEMS:
            point = fields[4].replace("\\040", " ")
            if point.startswith(KERNEL_PREFIXES) or point in ("/proc", "/sys", "/dev"):
                out.append(point)
    return tuple(out)


def on_mounts(path: str, mounts: Tuple[str, ...]) -> bool:
    return any(path == point or path.startswith(point + "/") for point in mounts)


class Watchdog:
    """Runs a call on a fresh helper thread and waits for it at most `timeout` seconds.

    Uses the interpreter's low-level `_thread` (built in, nothing to import), so a run
    that never meets a risky path pays nothing, and one that does pays a thread start
    (tens of microseconds) per call. A call that does not return in time is abandoned
    (its thread may stay blocked in the kernel until the process exits) and raises
    TimeoutError; after `max_stuck` of them, every call raises TimeoutError at once."""

    def __init__(self, timeout: float = READ_TIMEOUT, max_stuck: int = MAX_STUCK) -> None:
        self.timeout = timeout
        self.max_stuck = max_stuck
        self.stuck = 0

    def __call__(self, function: Callable[..., T], *args: Any) -> T:
        if self.stuck >= self.max_stuck:
            raise TimeoutError(errno.ETIMEDOUT, "earlier calls did not return; not tried")
        done = _thread.allocate_lock()
        done.acquire()
        box: List[Any] = []

        def work() -> None:
            try:
                box.append((True, function(*args)))
            except BaseException as exc:  # handed to the caller, never printed by the thread
                box.append((False, exc))
            finally:
                done.release()

        try:
            _thread.start_new_thread(work, ())
        except RuntimeError:  # no thread may be started here (pids.max, RLIMIT_NPROC): not tried
            raise TimeoutError(errno.EAGAIN, "no thread could be started to bound the call") from None
        if not done.acquire(timeout=self.timeout):
            self.stuck += 1
            raise TimeoutError(errno.ETIMEDOUT, "no answer within %.1f s" % self.timeout)
        ok, value = box[0]
        if ok:
            return value
        raise value
