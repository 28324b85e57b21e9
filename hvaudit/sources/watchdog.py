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
    from typing import Any, Callable, Tuple, TypeVar

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


class _Worker:
    """A helper thread that runs one call at a time, handed over through two locks."""

    def __init__(self) -> None:
        self.ready = _thread.allocate_lock()
        self.ready.acquire()
        self.done = _thread.allocate_lock()
        self.done.acquire()
        self.call: Any = None
        self.answer: Any = None
        _thread.start_new_thread(self._serve, ())

    def _serve(self) -> None:
        while True:
            self.ready.acquire()
            function, args = self.call
            try:
                self.answer = (True, function(*args))
            except BaseException as exc:  # handed to the caller, never printed by the thread
                self.answer = (False, exc)
            self.done.release()


class Watchdog:
    """Runs a call on a helper thread and waits for it at most `timeout` seconds.

    Uses the interpreter's low-level `_thread` (built in, nothing to import), so a run
    that never meets a risky path pays nothing; one that does starts one helper thread and
    hands it each call in turn. A call that does not return in time is abandoned with its
    thread (which may stay blocked in the kernel until the process exits; the next call
    gets a fresh one) and raises TimeoutError; after `max_stuck` of them, every call
    raises TimeoutError at once."""

    def __init__(self, timeout: float = READ_TIMEOUT, max_stuck: int = MAX_STUCK) -> None:
        self.timeout = timeout
        self.max_stuck = max_stuck
        self.stuck = 0
        self._worker: Any = None

    def __call__(self, function: Callable[..., T], *args: Any) -> T:
        if self.stuck >= self.max_stuck:
            raise TimeoutError(errno.ETIMEDOUT, "earlier calls did not return; not tried")
        try:
            worker = self._worker or _Worker()
        except RuntimeError:  # no thread may be started here (pids.max, RLIMIT_NPROC): not tried
            raise TimeoutError(errno.EAGAIN, "no thread could be started to bound the call") from None
        self._worker = worker
        worker.call = (function, args)
        worker.ready.release()
        if not worker.done.acquire(timeout=self.timeout):
            self.stuck += 1
            self._worker = None  # abandoned, still in its call
            raise TimeoutError(errno.ETIMEDOUT, "no answer within %.1f s" % self.timeout)
        ok, value = worker.answer
        if ok:
            return value
        raise value
