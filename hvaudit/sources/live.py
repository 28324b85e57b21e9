"""The running machine as a Source: bounded, read-only, never following a probe into a hang."""

from __future__ import annotations

import errno
import os
import stat as statmod
import time

from ..model import Listing, Read
from ..privacy import filter_environ, is_environ_path
from . import DEFAULT_LIMIT, DeviceInfo, Source, StatInfo
from .cpuid import CpuidExecutor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, Mapping, Optional, Tuple

    from . import Registers


#: Helper programs a probe may ask for, with their arguments. Nothing else is ever run.
COMMANDS: Mapping[str, Tuple[str, ...]] = {
    "dmidecode": ("dmidecode",),
    # The kernel log is read from /dev/kmsg directly; the program is the fallback where
    # that node is missing (some containers). Only lines about virtualization are kept.
    "dmesg": ("dmesg",),
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


class LiveSource(Source):
    """Answers from this machine. Reads are bounded; special files are never read."""

    kind = "live"

    def __init__(self) -> None:
        self._cpuid = CpuidExecutor()
        self._cpuid_cache: Dict[Tuple[int, int], Optional[Registers]] = {}
        # Answers that cost a fork, a VM or a scan of the kernel log are given once per
        # audit, so that every check that asks sees the same answer.
        self._devices: Dict[str, DeviceInfo] = {}
        self._commands: Dict[str, Read] = {}
        self._trials: Dict[str, Mapping[str, Any]] = {}

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
        if is_environ_path(path):
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
        if path not in self._devices:
            self._devices[path] = self._device(path)
        return self._devices[path]

    def _device(self, path: str) -> DeviceInfo:
        try:
            st = os.stat(path)
        except OSError as exc:
            return DeviceInfo(path, error=errname(exc))
        kind = "char" if statmod.S_ISCHR(st.st_mode) else "block" if statmod.S_ISBLK(st.st_mode) else (
            "dir" if statmod.S_ISDIR(st.st_mode) else "socket" if statmod.S_ISSOCK(st.st_mode) else "other")
        info: Dict[str, Any] = {"type": kind, "mode": "%04o" % statmod.S_IMODE(st.st_mode),
                                "uid": st.st_uid, "gid": st.st_gid}
        group = _group_name(st.st_gid)
        if group is not None:
            info["group"] = group
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
        if name not in self._commands:
            self._commands[name] = self._command(name)
        return self._commands[name]

    def _command(self, name: str) -> Read:
        argv = COMMANDS.get(name)
        where = "cmd:" + name
        if argv is None:
            return Read(where, error="EINVAL")
        if name == "dmesg":
            kernel_log = _read_kmsg(where)
            if kernel_log.error != "ENOENT":
                return kernel_log
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
            # dmidecode exits 1 without root ("/dev/mem: Permission denied"), dmesg with
            # "Operation not permitted" under kernel.dmesg_restrict=1: not an answer.
            if b"ermission denied" in proc.stderr:
                return Read(where, error="EACCES")
            return Read(where, error="EPERM" if b"not permitted" in proc.stderr else "EIO")
        if name == "dmesg":
            from ..parsers.kmsg import relevant_lines

            lines = relevant_lines(proc.stdout[:4 * DEFAULT_LIMIT].decode("utf-8", "replace").splitlines())
            return Read(where, data="".join(line + "\n" for line in lines).encode())
        return Read(where, data=proc.stdout[:DEFAULT_LIMIT])

    def identity(self) -> Mapping[str, Any]:
        ident: Dict[str, Any] = {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(),
                                 "egid": os.getegid(), "groups": sorted(set(os.getgroups()))}
        try:
            import pwd

            entry = pwd.getpwuid(os.getuid())
            ident["user"] = entry.pw_name
            ident["db_groups"] = sorted(set(os.getgrouplist(entry.pw_name, entry.pw_gid)))
        except (KeyError, OSError, ImportError):
            ident["user"] = None  # a uid without a passwd entry (common in containers)
        return ident

    def trial(self, name: str) -> Mapping[str, Any]:
        if name not in self._trials:
            from .trials import run_trial

            self._trials[name] = run_trial(name)
        return self._trials[name]

    def uname(self) -> Mapping[str, str]:
        u = os.uname()
        return {"sysname": u.sysname, "release": u.release, "version": u.version, "machine": u.machine}

    def meta(self) -> Mapping[str, Any]:
        return {
            "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user": {"uid": os.getuid(), "euid": os.geteuid()},
            "path": None,
        }


def _group_name(gid: int) -> Optional[str]:
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (KeyError, ImportError, OverflowError):
        return None


#: The kernel log is read for at most this long and this many bytes (it is a ring buffer
#: of a few hundred KiB to a few MiB).
KMSG_TIMEOUT = 2.0
KMSG_LIMIT = 16 << 20


def _read_kmsg(where: str) -> Read:
    """The kernel's messages from /dev/kmsg (as `dmesg -k` prints them), keeping only the
    lines that concern virtualization. Reading needs CAP_SYSLOG when kernel.dmesg_restrict=1
    (EPERM otherwise); the ring buffer may have lost its oldest lines on a long-running host."""
    from ..parsers.kmsg import format_line, parse_kmsg_record, relevant_lines

    try:
        fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        return Read(where, error=errname(exc))
    lines = []
    total = 0
    deadline = time.monotonic() + KMSG_TIMEOUT
    try:
        while total < KMSG_LIMIT and time.monotonic() < deadline:
            try:
                record = os.read(fd, 8192)
            except BlockingIOError:
                break  # the end of the buffer
            except OSError as exc:
                if exc.errno == errno.EPIPE:
                    continue  # a record was overwritten while reading: skip it
                if not lines:
                    return Read(where, error=errname(exc))
                break
            if not record:
                break
            total += len(record)
            parsed = parse_kmsg_record(record)
            if parsed is not None and parsed[0] == 0:  # facility 0: the kernel's own messages
                lines.append(format_line(parsed[1], parsed[2]))
    finally:
        os.close(fd)
    return Read(where, data="".join(line + "\n" for line in relevant_lines(lines)).encode())
