"""The running machine as a Source: bounded, read-only, never following a probe into a hang.

Bounds: a file is read up to the probe's limit, never past it; FIFOs and device nodes are
never read (O_NONBLOCK, then regular files only); a helper command (helper_programs.py)
is stopped after its timeout. Paths outside the kernel's own file systems (/proc, /sys,
/dev) may sit on FUSE, NFS or virtio-fs, where a read can hang for ever: those go through
the watchdog (watchdog.py) and answer ETIMEDOUT when abandoned, so an audit ends in bounded
time, and the process still exits (an abandoned thread does not hold it).
Nothing is ever written.
"""

from __future__ import annotations

import os
import stat as statmod
import time

from ..errors import errname
from ..model import Listing, Read
from ..privacy import filter_command, filter_read
from . import DEFAULT_LIMIT, DeviceInfo, Source, StatInfo
from .cpuid import CpuidExecutor
from .helper_programs import (
    COMMAND_PATH,
    COMMAND_TIMEOUT,
    COMMAND_TIMEOUTS,
    COMMANDS,
    IN_PROCESS_COMMANDS,
    PARTIAL_OUTPUT,
    PLATFORM_COMMANDS,
    VM_PROCESSES,
    failure,
    linux_process_names,
    process_names,
    run_helper,
)
from .system import current_user, system_hostname, system_uname
from .watchdog import READ_TIMEOUT, Watchdog, foreign_mounts, on_mounts, risky

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, Mapping, Optional, Sequence, Tuple, TypeVar

    from . import Registers
    from .helper_programs import Runner

    T = TypeVar("T")

#: Device nodes that are opened (not only stat'ed): opening them has no side effect beyond
#: a file descriptor that is closed at once. Everything else is stat'ed only.
OPENABLE_DEVICES = frozenset({
    "/dev/kvm", "/dev/vhost-net", "/dev/vhost-vsock", "/dev/net/tun", "/dev/vfio/vfio",
    "/dev/sev", "/dev/sev-guest", "/dev/tdx_guest", "/dev/sgx_vepc", "/dev/iommu",
})

#: Flags for reading a file: never block on a FIFO, never become a terminal's controlling
#: process, never leak the descriptor. The flags a system lacks (Windows) count as 0.
READ_FLAGS = (os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
              | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_BINARY", 0))


#: Why a path that "does not exist" may only be out of sight: /proc mounted with hidepid=
#: hides other users' processes (PID 1 exists in every PID namespace), and /proc or /sys
#: may not be mounted at all (a chroot, a hardened container).
HIDDEN = "EHIDDEN"
NOT_MOUNTED = "ENOTMOUNTED"



def _read_path(path: str, limit: int) -> Tuple[Optional[bytes], Optional[str]]:
    """Up to limit + 1 bytes of a regular file, or the errno name of why not."""
    try:
        fd = os.open(path, READ_FLAGS)
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


def _missing_paths(paths: Tuple[str, ...]) -> Tuple[str, ...]:
    """Those of `paths` that do not exist (lstat says ENOENT); any other answer is left to
    the call that asks for the path itself."""
    out = []
    for path in paths:
        try:
            os.lstat(path)
        except FileNotFoundError:
            out.append(path)
        except OSError:
            pass
    return tuple(out)


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


def _read_msr(path: str, index: int) -> Tuple[Optional[int], Optional[str]]:
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


class LiveSource(Source):
    """Answers from this machine. Reads are bounded; special files are never read."""

    kind = "live"

    def __init__(self, runner: Optional[Runner] = None, uname: Optional[Mapping[str, str]] = None,
                 process_names: Optional[Callable[[], Sequence[str]]] = None,
                 read_timeout: Optional[float] = None) -> None:
        """`runner` replaces the subprocess runner and `process_names` the process list (tests
        give fake ones); `uname` replaces the system's own answer (tests audit another
        system's live code path); `read_timeout` bounds reads off the kernel's file systems."""
        self._runner = runner
        self._process_names = process_names
        self._uname: Optional[Dict[str, str]] = dict(uname) if uname is not None else None
        self._cpuid: Optional[CpuidExecutor] = None
        self._cpuid_cache: Dict[Tuple[int, int], Optional[Registers]] = {}
        # Answers that cost a fork, a VM or a scan of the kernel log are given once per
        # audit, so that every check that asks sees the same answer.
        self._devices: Dict[str, DeviceInfo] = {}
        self._commands: Dict[str, Read] = {}
        self._trials: Dict[str, Mapping[str, Any]] = {}
        self._identity: Optional[Dict[str, Any]] = None
        self.watchdog = Watchdog(READ_TIMEOUT if read_timeout is None else read_timeout)
        self._visible: Dict[str, bool] = {}
        self._foreign: Optional[Tuple[str, ...]] = None
        self._missing: set = set()  # risky paths prefetch() found absent

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
            pid = path.split("/")[2]
            if pid.isascii() and pid.isdecimal() and int(pid) != os.getpid() and not self._exists("/proc/1"):
                return HIDDEN
        elif path.startswith("/sys/") and not self._exists("/sys/kernel"):
            return NOT_MOUNTED
        return error

    def _bounded(self, path: str, function: Callable[..., T], *args: Any) -> T:
        """function(*args), on the watchdog's thread when the path is risky; raises
        TimeoutError when it did not answer in time, FileNotFoundError for a risky path
        prefetch() found absent."""
        if self._risky(path):
            if path in self._missing:
                raise FileNotFoundError(2, "No such file or directory", path)
            return self.watchdog(function, *args)
        return function(*args)

    def _risky(self, path: str) -> bool:
        return risky(path) or on_mounts(path, self._foreign_mounts())

    def prefetch(self, paths: Iterable[str]) -> None:
        """One hand-over to the watchdog's thread for all the risky paths, not one each:
        which of them are absent (the answer for most markers) is learnt at once."""
        wanted = tuple(p for p in paths if p not in self._missing and self._risky(p))
        if not wanted:
            return
        try:  # noqa: SIM105 - contextlib is not imported on detect's path
            self._missing.update(self.watchdog(_missing_paths, wanted))
        except TimeoutError:
            pass  # each is then asked, and bounded, on its own

    def _foreign_mounts(self) -> Tuple[str, ...]:
        """What is mounted under /proc, /sys and /dev from another file system, read once
        (through the watchdog: the table itself could be covered); when it cannot be read,
        every path under them counts as such."""
        if self._foreign is None:
            try:
                data, _ = self.watchdog(_read_path, "/proc/self/mountinfo", 4 << 20)
            except TimeoutError:
                data = None
            self._foreign = foreign_mounts(data.decode("utf-8", "surrogateescape")) if data is not None \
                else ("/proc", "/sys", "/dev")
        return self._foreign

    def read(self, path: str, limit: int = DEFAULT_LIMIT, partial: bool = False) -> Read:
        try:
            data, error = self._bounded(path, _read_path, path, limit)
        except TimeoutError as exc:
            return Read(path, error=errname(exc))
        except FileNotFoundError:  # prefetch() found it absent
            return Read(path, error="ENOENT")
        if data is None:
            return Read(path, error=self._absent(path, error or "EIO"))
        if len(data) > limit:
            if not partial:
                return Read(path, error="EFBIG")
            data = data[:limit]
        return Read(path, data=filter_read(path, data))

    def listdir(self, path: str) -> Listing:
        try:
            names = self._bounded(path, _list_path, path)
        except TimeoutError as exc:
            return Listing(path, error=errname(exc))
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
        except TimeoutError as exc:
            return Read(path, error=errname(exc))
        except OSError as exc:
            return Read(path, error=self._absent(path, errname(exc)))

    def stat(self, path: str) -> StatInfo:
        try:
            st = self._bounded(path, os.stat, path)
        except TimeoutError as exc:
            return StatInfo(path, error=errname(exc))
        except OSError as exc:
            return StatInfo(path, error=self._absent(path, errname(exc)))
        return StatInfo(path, dev=st.st_dev, ino=st.st_ino, mode=st.st_mode, uid=st.st_uid, gid=st.st_gid)

    def device(self, path: str) -> DeviceInfo:
        if path not in self._devices:
            self._devices[path] = self._device(path)
        return self._devices[path]

    def _device(self, path: str) -> DeviceInfo:
        try:
            st = self._bounded(path, os.stat, path)
        except TimeoutError as exc:
            return DeviceInfo(path, error=errname(exc))
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
            try:
                info.update(self._bounded(path, self._open_device, path))
            except TimeoutError as exc:
                info["open"] = errname(exc)
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

    def _executor(self) -> CpuidExecutor:
        if self._cpuid is None:
            u = self.uname()
            self._cpuid = CpuidExecutor(u.get("machine", ""), u.get("sysname", ""))
        return self._cpuid

    def cpuid(self, leaf: int, subleaf: int = 0) -> Optional[Registers]:
        key = (leaf, subleaf)
        if key not in self._cpuid_cache:
            self._cpuid_cache[key] = self._executor()(leaf, subleaf)
        return self._cpuid_cache[key]

    def cpuid_error(self) -> Optional[str]:
        return self._executor().unavailable()

    def msr(self, cpu: int, index: int) -> Tuple[Optional[int], Optional[str]]:
        path = "/dev/cpu/%d/msr" % cpu
        try:
            return self._bounded(path, _read_msr, path, index)
        except TimeoutError as exc:
            return None, errname(exc)

    def command(self, name: str) -> Read:
        if name not in self._commands:
            self._commands[name] = self._run_command(name)
        return self._commands[name]

    def _run_command(self, name: str) -> Read:
        where = "cmd:" + name
        system = self.uname().get("sysname", "")
        if name in IN_PROCESS_COMMANDS:
            return self._in_process(name, system)
        argv = (COMMANDS if system == "Linux" else PLATFORM_COMMANDS.get(system, {})).get(name)
        if argv is None:
            return Read(where, error="EINVAL")
        if name == "dmesg":
            from .kernel_log import read_kmsg  # only where the kernel log is asked for

            kernel_log = read_kmsg(where)
            if kernel_log.error != "ENOENT":
                return kernel_log
        env: Optional[Dict[str, str]] = {"PATH": COMMAND_PATH, "LANG": "C", "LC_ALL": "C"}
        if name == "dmidecode":
            # dmidecode reads the SMBIOS tables the kernel exports (root only); without them
            # there is nothing to decode, and running it would only cost time.
            if not os.path.exists("/sys/firmware/dmi/tables/DMI"):
                return Read(where, error="ENODATA")
            if os.geteuid() != 0:
                return Read(where, error="EACCES")
        if system == "Windows":
            import ntpath

            # By full path under %SystemRoot%; PowerShell needs the user's environment to start.
            root = os.environ.get("SYSTEMROOT") or "C:\\Windows"
            argv = (ntpath.join(root, argv[0]),) + argv[1:]
            env = None
        runner = self._runner or run_helper
        try:
            result = runner(argv, COMMAND_TIMEOUTS.get(name, COMMAND_TIMEOUT), env)
        except FileNotFoundError:
            return Read(where, error="ENOENT")
        except TimeoutError:
            return Read(where, error="ETIMEDOUT")
        except OSError as exc:
            return Read(where, error=errname(exc))
        if result.returncode != 0 and not (name in PARTIAL_OUTPUT and result.stdout.strip()):
            # dmidecode exits 1 without root ("/dev/mem: Permission denied"), dmesg with
            # "Operation not permitted" under kernel.dmesg_restrict=1: not an answer.
            return Read(where, error=failure(result.stderr))
        if name == "dmesg":
            from .kernel_log import from_dmesg

            return from_dmesg(where, result.stdout)
        return Read(where, data=filter_command(name, result.stdout)[:DEFAULT_LIMIT])

    def _in_process(self, name: str, system: str) -> Read:
        where = "cmd:" + name
        wanted = VM_PROCESSES.get(system)
        if name != "vm-processes" or not wanted:
            return Read(where, error="EINVAL")
        lister = self._process_names or (linux_process_names if system == "Linux" else process_names)
        try:
            names = lister()
        except ImportError:
            return Read(where, error="ENOSYS")
        except OSError as exc:
            return Read(where, error=errname(exc))
        counts: Dict[str, int] = {}
        for process in names:
            lowered = process.lower()
            key = lowered if lowered in wanted else next((w for w in wanted if lowered.startswith(w)), None)
            if key is not None:
                counts[key] = counts.get(key, 0) + 1
        return Read(where, data="".join("%s %d\n" % kv for kv in sorted(counts.items())).encode())

    def identity(self) -> Mapping[str, Any]:
        if self._identity is None:
            self._identity = self._who()
        return self._identity

    def _who(self) -> Dict[str, Any]:
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
            from .trials import TRIALS, run_trials

            # The first trial asked starts the others beside it: their children run at once.
            names = [n for n in TRIALS if n not in self._trials] if name in TRIALS else [name]
            self._trials.update(run_trials(names))
        return self._trials[name]

    def uname(self) -> Mapping[str, str]:
        if self._uname is None:
            self._uname = system_uname()
        return self._uname

    def meta(self) -> Mapping[str, Any]:
        return {
            "captured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "user": current_user(),
            "path": None,
            "hostname": system_hostname(),
        }


def _group_name(gid: int) -> Optional[str]:
    try:
        import grp

        return grp.getgrgid(gid).gr_name
    except (KeyError, ImportError, OverflowError):
        return None


