"""Reads that may hang, bounded: paths outside the kernel's own file systems (/proc, /sys,
/dev) may sit on FUSE, NFS or virtio-fs, where a read can block for ever. Such calls run
on a helper thread and are abandoned after READ_TIMEOUT; after MAX_STUCK abandoned calls
every further one answers at once, so an audit ends in bounded time."""

from __future__ import annotations

import _thread
import errno

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, TypeVar

    T = TypeVar("T")

#: Reads beneath these are answered by the kernel from memory: asked directly, no thread.
KERNEL_PREFIXES = ("/proc/", "/sys/", "/dev/")
READ_TIMEOUT = 2.0  # seconds for one call on any other path
MAX_STUCK = 3  # abandoned calls after which such paths are no longer tried


def risky(path: str) -> bool:
    """Whether a path may be on a file system that can hang (anything but /proc, /sys, /dev)."""
    return not path.startswith(KERNEL_PREFIXES) or "/../" in path


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
        worker = self._worker or _Worker()
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
