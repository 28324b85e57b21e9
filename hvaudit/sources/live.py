"""The running machine as a Source: bounded, read-only, never following a probe into a hang.

Bounds: a file is read up to the probe's limit, never past it; FIFOs and device nodes are
never read (O_NONBLOCK, then regular files only); a helper command is stopped after
COMMAND_TIMEOUT. Paths outside the kernel's own file systems (/proc, /sys, /dev) may sit
on FUSE, NFS or virtio-fs, where a read can hang for ever: those are asked on a helper
thread and abandoned after READ_TIMEOUT (answer ETIMEDOUT). After MAX_STUCK abandoned
calls every further such path answers ETIMEDOUT at once, so an audit ends in bounded
time, and the process still exits (an abandoned thread does not hold it).
Nothing is ever written.
"""

from __future__ import annotations

import _thread
import errno
import os
import re
import stat as statmod
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple, TypeVar

from ..model import Listing, Read
from ..privacy import ENVIRON_PATH, filter_environ, normal_path
from . import DEFAULT_LIMIT, DeviceInfo, Registers, StatInfo
from .cpuid import CpuidExecutor

#: Helper programs a probe may ask for, with their arguments. Nothing else is ever run.
COMMANDS: Mapping[str, Tuple[str, ...]] = {
    "dmidecode": ("dmidecode",),
}
COMMAND_TIMEOUT = 5.0  # seconds; a helper that takes longer is stopped and recorded ETIMEDOUT
COMMAND_PATH = "/usr/sbin:/sbin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin"

#: Device nodes that are opened (not only stat'ed): opening them has no side effect beyond
#: a file descriptor that is closed at once. Everything else is stat'ed only.
OPENABLE_DEVICES = frozenset({
    "/dev/kvm", "/dev/vhost-net", "/dev/vhost-vsock", "/dev/net/tun", "/dev/vfio/vfio",
    "/dev/sev", "/dev/sev-guest", "/dev/tdx_guest", "/dev/sgx_vepc", "/dev/iommu",
})


#: Reads beneath these are answered by the kernel from memory: asked directly, no thread.
KERNEL_PREFIXES = ("/proc/", "/sys/", "/dev/")
READ_TIMEOUT = 2.0  # seconds for one call on any other path
MAX_STUCK = 3  # abandoned calls after which such paths are no longer tried

#: Why a path that "does not exist" may only be out of sight: /proc mounted with hidepid=
#: hides other users' processes (PID 1 exists in every PID namespace), and /proc or /sys
#: may not be mounted at all (a chroot, a hardened container).
HIDDEN = "EHIDDEN"
NOT_MOUNTED = "ENOTMOUNTED"
_PROC_PID = re.compile(r"^/proc/(\d+)(?:/|$)")

T = TypeVar("T")


def errname(exc: BaseException) -> str:
    number = getattr(exc, "errno", None)
    return errno.errorcode.get(number, "EIO") if number else "EIO"


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


def _read_path(path: str, limit: int) -> Tuple[Optional[bytes], Optional[str]]:
    """Up to limit + 1 bytes of a regular file, or the errno name of why not."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
    except OSError as exc:
        return None, errname(exc)
    try:
        info = os.fstat(fd)
        if statmod.S_ISDIR(info.st_mode):
            return None, "EISDIR"
        if not statmod.S_ISREG(info.st_mode):
            return None, "EFTYPE"  # a FIFO or device node: never read
        chunks = []
        size = 0
        while size <= limit:
            chunk = os.read(fd, min(65536, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as exc:
        return None, errname(exc)
    finally:
        os.close(fd)
    return b"".join(chunks), None


def _list_path(path: str) -> Tuple[str, ...]:
    with os.scandir(path) as entries:
        return tuple(sorted(e.name for e in entries))


def _entry_kinds(path: str) -> Dict[str, str]:
    kinds: Dict[str, str] = {}
    with os.scandir(path) as entries:
        for entry in entries:
            try:
                kinds[entry.name] = "dir" if entry.is_dir() else "file"
            except OSError:
                kinds[entry.name] = "file"
    return kinds


class LiveSource:
    """Answers from this machine. Reads are bounded; special files are never read."""

    kind = "live"

    def __init__(self, read_timeout: Optional[float] = None) -> None:
        self._cpuid = CpuidExecutor()
        self._cpuid_cache: Dict[Tuple[int, int], Optional[Registers]] = {}
        self.watchdog = Watchdog(READ_TIMEOUT if read_timeout is None else read_timeout)
        self._visible: Dict[str, bool] = {}

    def _exists(self, path: str) -> bool:
        if path not in self._visible:
            self._visible[path] = os.path.lexists(path)
        return self._visible[path]

    def _absent(self, path: str, error: str) -> str:
        """ENOENT where /proc or /sys is not mounted, or where hidepid hides a process,
        is not an answer: say why the path could not be seen instead."""
        if error != "ENOENT":
            return error
        if path.startswith("/proc/"):
            if not self._exists("/proc/self"):
                return NOT_MOUNTED
            match = _PROC_PID.match(path)
            if match and int(match.group(1)) != os.getpid() and not self._exists("/proc/1"):
                return HIDDEN
        elif path.startswith("/sys/") and not self._exists("/sys/kernel"):
            return NOT_MOUNTED
        return error

    def _bounded(self, path: str, function: Callable[..., T], *args: Any) -> T:
        """function(*args), on the watchdog's thread when the path is risky; raises
        TimeoutError when it did not answer in time."""
        if risky(path):
            return self.watchdog(function, *args)
        return function(*args)

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        try:
            data, error = self._bounded(path, _read_path, path, limit)
        except TimeoutError:
            return Read(path, error="ETIMEDOUT")
        if data is None:
            return Read(path, error=self._absent(path, error or "EIO"))
        if len(data) > limit:
            if not partial:
                return Read(path, error="EFBIG")
            data = data[:limit]
        if ENVIRON_PATH.match(normal_path(path)):
            data = filter_environ(data)
        return Read(path, data=data)

    def listdir(self, path: str) -> Listing:
        try:
            names = self._bounded(path, _list_path, path)
        except TimeoutError:
            return Listing(path, error="ETIMEDOUT")
        except OSError as exc:
            return Listing(path, error=self._absent(path, errname(exc)))
        return Listing(path, names=names)

    def entry_kinds(self, path: str) -> Dict[str, str]:
        """For `collect`: "dir" or "file" for each name in a folder (links followed)."""
        try:
            return self._bounded(path, _entry_kinds, path)
        except OSError:
            return {}

    def readlink(self, path: str) -> Read:
        try:
            return Read(path, data=os.fsencode(self._bounded(path, os.readlink, path)))
        except TimeoutError:
            return Read(path, error="ETIMEDOUT")
        except OSError as exc:
            return Read(path, error=self._absent(path, errname(exc)))

    def stat(self, path: str) -> StatInfo:
        try:
            st = self._bounded(path, os.stat, path)
        except TimeoutError:
            return StatInfo(path, error="ETIMEDOUT")
        except OSError as exc:
            return StatInfo(path, error=self._absent(path, errname(exc)))
        return StatInfo(path, dev=st.st_dev, ino=st.st_ino, mode=st.st_mode, uid=st.st_uid, gid=st.st_gid)

    def device(self, path: str) -> DeviceInfo:
        try:
            st = self._bounded(path, os.stat, path)
        except TimeoutError:
            return DeviceInfo(path, error="ETIMEDOUT")
        except OSError as exc:
            return DeviceInfo(path, error=errname(exc))
        kind = "char" if statmod.S_ISCHR(st.st_mode) else "block" if statmod.S_ISBLK(st.st_mode) else (
            "dir" if statmod.S_ISDIR(st.st_mode) else "socket" if statmod.S_ISSOCK(st.st_mode) else "other")
        info: Dict[str, Any] = {"type": kind, "mode": "%04o" % statmod.S_IMODE(st.st_mode),
                                "uid": st.st_uid, "gid": st.st_gid}
        if kind in ("char", "block"):
            info["major"], info["minor"] = os.major(st.st_rdev), os.minor(st.st_rdev)
        if path in OPENABLE_DEVICES and kind == "char":
            info.update(self._open_device(path))
        return DeviceInfo(path, info=info)

    def _open_device(self, path: str) -> Dict[str, Any]:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC | os.O_NONBLOCK)
        except OSError as exc:
            return {"open": errname(exc)}
        try:
            answers: Dict[str, Any] = {"open": "ok"}
            if path == "/dev/kvm":
                from ..kvmapi import query_kvm

                answers.update(query_kvm(fd))
            return answers
        finally:
            os.close(fd)

    def cpuid(self, leaf: int, subleaf: int = 0) -> Optional[Registers]:
        key = (leaf, subleaf)
        if key not in self._cpuid_cache:
            self._cpuid_cache[key] = self._cpuid(leaf, subleaf)
        return self._cpuid_cache[key]

    def cpuid_error(self) -> Optional[str]:
        return self._cpuid.unavailable()

    def msr(self, cpu: int, index: int) -> Tuple[Optional[int], Optional[str]]:
        path = "/dev/cpu/%d/msr" % cpu
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except OSError as exc:
            return None, errname(exc)
        try:
            data = os.pread(fd, 8, index)
        except OSError as exc:
            return None, errname(exc)
        finally:
            os.close(fd)
        if len(data) != 8:
            return None, "EIO"
        return int.from_bytes(data, "little"), None

    def command(self, name: str) -> Read:
        argv = COMMANDS.get(name)
        where = "cmd:" + name
        if argv is None:
            return Read(where, error="EINVAL")
        if name == "dmidecode":
            # dmidecode reads the SMBIOS tables the kernel exports (root only); without them
            # there is nothing to decode, and running it would only cost time.
            if not os.path.exists("/sys/firmware/dmi/tables/DMI"):
                return Read(where, error="ENODATA")
            if os.geteuid() != 0:
                return Read(where, error="EACCES")
        import subprocess  # only when a helper is run

        env = {"PATH": COMMAND_PATH, "LANG": "C", "LC_ALL": "C"}
        try:
            proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=COMMAND_TIMEOUT, env=env, check=False)
        except FileNotFoundError:
            return Read(where, error="ENOENT")
        except subprocess.TimeoutExpired:
            return Read(where, error="ETIMEDOUT")
        except OSError as exc:
            return Read(where, error=errname(exc))
        if proc.returncode != 0:
            # dmidecode exits 1 without root ("/dev/mem: Permission denied"): not an answer.
            return Read(where, error="EACCES" if b"ermission denied" in proc.stderr else "EIO")
        return Read(where, data=proc.stdout[:DEFAULT_LIMIT])

    def uname(self) -> Mapping[str, str]:
        u = os.uname()
        return {"sysname": u.sysname, "release": u.release, "version": u.version, "machine": u.machine}

    def meta(self) -> Mapping[str, Any]:
        return {
            "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user": {"uid": os.getuid(), "euid": os.geteuid()},
            "path": None,
        }
