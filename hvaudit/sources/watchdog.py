"""Reads that may hang, bounded: paths outside the kernel's own file systems (/proc, /sys,
/dev) may sit on FUSE, NFS or virtio-fs, where a read can block for ever. Such calls run
on a helper thread and are abandoned after READ_TIMEOUT; after MAX_STUCK abandoned calls
every further one answers at once, so an audit ends in bounded time."""

from __future__ import annotations

import _thread
import errno

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, List, TypeVar

    T = TypeVar("T")

#: Reads beneath these are answered by the kernel from memory: asked directly, no thread.
KERNEL_PREFIXES = ("/proc/", "/sys/", "/dev/")
READ_TIMEOUT = 2.0  # seconds for one call on any other path
MAX_STUCK = 3  # abandoned calls after which such paths are no longer tried


def risky(path: str) -> bool:
    """Whether a path may be on a file system that can hang (anything but /proc, /sys, /dev)."""
    return not path.startswith(KERNEL_PREFIXES) or "/../" in path


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

        _thread.start_new_thread(work, ())
        if not done.acquire(timeout=self.timeout):
            self.stuck += 1
            raise TimeoutError(errno.ETIMEDOUT, "no answer within %.1f s" % self.timeout)
        ok, value = box[0]
        if ok:
            return value
        raise value
