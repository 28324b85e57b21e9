"""The running machine as a Source: bounded, read-only, never following a probe into a hang."""

from __future__ import annotations

import errno
import os
import stat as statmod
import time
from typing import Any, Dict, Mapping, Optional, Tuple

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


def errname(exc: BaseException) -> str:
    number = getattr(exc, "errno", None)
    return errno.errorcode.get(number, "EIO") if number else "EIO"


class LiveSource:
    """Answers from this machine. Reads are bounded; special files are never read."""

    kind = "live"

    def __init__(self) -> None:
        self._cpuid = CpuidExecutor()
        self._cpuid_cache: Dict[Tuple[int, int], Optional[Registers]] = {}

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY)
        except OSError as exc:
            return Read(path, error=errname(exc))
        try:
            info = os.fstat(fd)
            if statmod.S_ISDIR(info.st_mode):
                return Read(path, error="EISDIR")
            if not statmod.S_ISREG(info.st_mode):
                return Read(path, error="EFTYPE")  # a FIFO or device node: never read
            chunks = []
            size = 0
            while size <= limit:
                chunk = os.read(fd, min(65536, limit + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
        except OSError as exc:
            return Read(path, error=errname(exc))
        finally:
            os.close(fd)
        data = b"".join(chunks)
        if size > limit:
            if not partial:
                return Read(path, error="EFBIG")
            data = data[:limit]
        if ENVIRON_PATH.match(normal_path(path)):
            data = filter_environ(data)
        return Read(path, data=data)

    def listdir(self, path: str) -> Listing:
        try:
            with os.scandir(path) as entries:
                names = tuple(sorted(e.name for e in entries))
        except OSError as exc:
            return Listing(path, error=errname(exc))
        return Listing(path, names=names)

    def entry_kinds(self, path: str) -> Dict[str, str]:
        """For `collect`: "dir" or "file" for each name in a folder (links followed)."""
        kinds: Dict[str, str] = {}
        try:
            with os.scandir(path) as entries:
                for entry in entries:
                    try:
                        kinds[entry.name] = "dir" if entry.is_dir() else "file"
                    except OSError:
                        kinds[entry.name] = "file"
        except OSError:
            pass
        return kinds

    def readlink(self, path: str) -> Read:
        try:
            return Read(path, data=os.fsencode(os.readlink(path)))
        except OSError as exc:
            return Read(path, error=errname(exc))

    def stat(self, path: str) -> StatInfo:
        try:
            st = os.stat(path)
        except OSError as exc:
            return StatInfo(path, error=errname(exc))
        return StatInfo(path, dev=st.st_dev, ino=st.st_ino, mode=st.st_mode, uid=st.st_uid, gid=st.st_gid)

    def device(self, path: str) -> DeviceInfo:
        try:
            st = os.stat(path)
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
