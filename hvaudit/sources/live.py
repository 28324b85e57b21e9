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
import stat as statmod
import time

from ..model import Listing, Read
from ..privacy import filter_command, filter_read
from ..records import Record
from . import DEFAULT_LIMIT, DeviceInfo, Source, StatInfo
from .cpuid import CpuidExecutor

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, FrozenSet, List, Mapping, Optional, Sequence, Tuple, TypeVar

    from . import Registers

    T = TypeVar("T")

    #: How a helper program is run: argv, timeout, environment -> its result.
    Runner = Callable[[Sequence[str], float, Optional[Mapping[str, str]]], "RunResult"]

#: Helper programs a probe may ask for on Linux, with their arguments. Nothing else is ever run.
COMMANDS: Mapping[str, Tuple[str, ...]] = {
    "dmidecode": ("dmidecode",),
    # The kernel log is read from /dev/kmsg directly; the program is the fallback where
    # that node is missing (some containers). Only lines about virtualization are kept.
    "dmesg": ("dmesg",),
}
COMMAND_TIMEOUT = 5.0  # seconds; a helper that takes longer is stopped and recorded ETIMEDOUT
COMMAND_PATH = "/usr/sbin:/sbin:/usr/bin:/bin:/usr/local/sbin:/usr/local/bin"

#: sysctl(8) names read on FreeBSD: the VM below (kern.vm_guest, hw.hv_vendor), the jail this
#: process is in and what it may do (the security.jail subtree), bhyve's vmm.ko (the hw.vmm
#: subtree, present only while the module is loaded) and VNET support (kern.features.vimage).
#: `-i` ignores names this kernel does not have (sysctl(8)).
FREEBSD_SYSCTLS = ("kern.vm_guest", "hw.hv_vendor", "security.jail", "hw.vmm", "kern.features.vimage",
                   "kern.osrelease", "hw.machine", "hw.model", "hw.ncpu")
#: sysctl(8) names read on macOS: Hypervisor.framework support (kern.hv_support, Apple's
#: Hypervisor documentation), whether macOS itself is a VM guest (kern.hv_vmm_present, macOS
#: 11.3 and later), the Mac model (hw.model; VirtualMac2,1 is a Virtualization.framework VM)
#: and the CPU's features (Intel only: machdep.cpu.features lists VMX, and VMM in a guest).
DARWIN_SYSCTLS = ("kern.hv_support", "kern.hv_vmm_present", "kern.osproductversion", "hw.model", "hw.machine",
                  "hw.ncpu", "hw.optional.arm64", "machdep.cpu.brand_string", "machdep.cpu.features",
                  "machdep.cpu.leaf7_features")
#: Windows PowerShell, as installed with every Windows since 7 / Server 2008 R2, under %SystemRoot%.
POWERSHELL = ("System32\\WindowsPowerShell\\v1.0\\powershell.exe", "-NoLogo", "-NoProfile", "-NonInteractive",
              "-Command")


def _ps(script: str) -> Tuple[str, ...]:
    return POWERSHELL + (script,)


#: Helper programs of the other systems, by `uname().sysname`: name -> arguments. Windows
#: programs are named relative to %SystemRoot%, so that no PATH entry can stand in for them.
#: What they print is kept under the same name in a capture (see docs/capture-format.md).
PLATFORM_COMMANDS: Mapping[str, Mapping[str, Tuple[str, ...]]] = {
    "FreeBSD": {
        "sysctl": ("sysctl", "-i") + FREEBSD_SYSCTLS,
        "kenv": ("kenv",),  # the loader's environment, smbios.* among it (kenv(1)); filtered to smbios.*
    },
    "Darwin": {
        "sysctl": ("sysctl",) + DARWIN_SYSCTLS,
    },
    "Windows": {
        # English output is parsed; its Hyper-V Requirements block says what Hyper-V needs.
        "systeminfo": ("System32\\systeminfo.exe",),
        "cim-computersystem": _ps(
            "Get-CimInstance -ClassName Win32_ComputerSystem | Select-Object Manufacturer,Model,SystemFamily,"
            "HypervisorPresent,NumberOfProcessors,NumberOfLogicalProcessors | ConvertTo-Json"),
        "cim-processor": _ps(
            "Get-CimInstance -ClassName Win32_Processor | Select-Object Manufacturer,Name,NumberOfCores,"
            "NumberOfLogicalProcessors,VMMonitorModeExtensions,VirtualizationFirmwareEnabled,"
            "SecondLevelAddressTranslationExtensions | ConvertTo-Json"),
        "cim-bios": _ps(
            "Get-CimInstance -ClassName Win32_BIOS | Select-Object Manufacturer,SMBIOSBIOSVersion,Version "
            "| ConvertTo-Json"),
        "cim-optionalfeature": _ps(
            "Get-CimInstance -ClassName Win32_OptionalFeature -Filter \"Name='Microsoft-Hyper-V' OR "
            "Name='Microsoft-Hyper-V-Hypervisor' OR Name='VirtualMachinePlatform' OR Name='HypervisorPlatform' OR "
            "Name='Microsoft-Windows-Subsystem-Linux' OR Name='Containers-DisposableClientVM'\" "
            "| Select-Object Name,InstallState | ConvertTo-Json"),
        # The Hyper-V module's view of the host and its VMs (Hyper-V Administrators or elevation).
        "ps-vmhost": _ps(
            "Get-VMHost | Select-Object LogicalProcessorCount,VirtualMachineMigrationEnabled,"
            "MaximumVirtualMachineMigrations,MaximumStorageMigrations,NumaSpanningEnabled | ConvertTo-Json"),
        "ps-vm": _ps(
            "Get-VM | Select-Object @{n='State';e={[string]$_.State}},ProcessorCount,Generation,"
            "@{n='CheckpointType';e={[string]$_.CheckpointType}} | ConvertTo-Json"),
        "wsl-list": ("System32\\wsl.exe", "--list", "--verbose"),
    },
}
#: Helpers known to take longer than COMMAND_TIMEOUT (systeminfo lists every hotfix; PowerShell
#: starts in about a second, the Hyper-V module loads in several).
COMMAND_TIMEOUTS: Mapping[str, float] = {
    "systeminfo": 30.0, "cim-computersystem": 20.0, "cim-processor": 20.0, "cim-bios": 20.0,
    "cim-optionalfeature": 20.0, "ps-vmhost": 30.0, "ps-vm": 30.0, "wsl-list": 15.0,
}
#: Helpers whose output is kept even when they exit non-zero: macOS's sysctl reports a name
#: the kernel lacks (machdep.cpu.features on Apple silicon) and still prints the others.
PARTIAL_OUTPUT = frozenset({"sysctl"})

#: Processes that are virtual machines, or hold one, by their executable's name: Hyper-V's
#: worker process (vmwp.exe, one per running VM), the memory of Windows' utility VMs (vmmem;
#: vmmemWSL for WSL 2's), and bhyve (one process per VM on FreeBSD).
VM_PROCESSES: Mapping[str, FrozenSet[str]] = {
    "Windows": frozenset({"vmwp.exe", "vmmem", "vmmemwsl"}),
    "FreeBSD": frozenset({"bhyve"}),
    # Linux VM monitors, as /proc/PID/comm shows them (cut to 15 characters): matched as
    # prefixes, so "qemu-system-" covers every QEMU target ("qemu-system-x86" for x86_64).
    "Linux": frozenset({"qemu-system-", "qemu-kvm", "firecracker", "cloud-hyperviso", "crosvm", "lkvm",
                        "vboxheadless", "virtualboxvm", "vmware-vmx"}),
}
#: Answers computed in this process instead of by a helper program (with psutil elsewhere,
#: from /proc/*/comm on Linux); kept in a capture like a helper's output: counts only.
IN_PROCESS_COMMANDS = frozenset({"vm-processes"})

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


class RunResult(Record):
    """What a helper program did: its exit status and what it printed."""

    returncode: int
    stdout: bytes
    stderr: bytes = b""


#: A Runner runs argv with a timeout and an environment (None: inherit); returns a RunResult,
#: raises FileNotFoundError when the program is missing, TimeoutError when it overran, OSError else.

def run_helper(argv: Sequence[str], timeout: float, env: Optional[Mapping[str, str]]) -> RunResult:
    """The real runner: a subprocess without standard input (and without a console window on
    Windows), stopped after `timeout` seconds."""
    import subprocess  # only when a helper is run

    try:
        proc = subprocess.run(list(argv), stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout,
                              env=dict(env) if env is not None else None, check=False,
                              creationflags=getattr(subprocess, "CREATE_NO_WINDOW", 0))
    except subprocess.TimeoutExpired:
        raise TimeoutError("%s ran longer than %gs" % (argv[0], timeout)) from None
    return RunResult(proc.returncode, proc.stdout, proc.stderr)


def process_names() -> Sequence[str]:
    """The executable names of this system's processes (psutil, imported only here)."""
    import psutil

    names = []
    for process in psutil.process_iter(["name"]):
        name = process.info.get("name")
        if isinstance(name, str):
            names.append(name)
    return names


def linux_process_names(limit: int = 65536) -> Sequence[str]:
    """The command names of Linux's processes, from /proc/PID/comm (no psutil: this runs on
    the detect path). Processes hidden by hidepid= or gone meanwhile are skipped."""
    names = []
    for entry in os.listdir("/proc")[:limit]:
        if entry.isdigit():
            try:
                with open("/proc/%s/comm" % entry, "rb") as f:
                    names.append(f.read(64).decode("utf-8", "replace").strip())
            except OSError:
                continue
    return names


def system_uname() -> Dict[str, str]:
    """uname(2) where it exists; on Windows (no os.uname) the same four fields from `platform`."""
    if hasattr(os, "uname"):
        u = os.uname()
        return {"sysname": u.sysname, "release": u.release, "version": u.version, "machine": u.machine}
    import platform  # Windows only: sys.getwindowsversion() and the environment, no subprocess

    return {"sysname": platform.system() or "Windows", "release": platform.release(),
            "version": platform.version(), "machine": platform.machine()}


def system_hostname() -> Optional[str]:
    """This machine's host name, as uname(2) gives it (kept out of `uname()`, which a
    capture records for every audit to compare, so that only `--redact` decides where the
    name is written)."""
    if hasattr(os, "uname"):
        name = os.uname().nodename
    else:
        import platform

        name = platform.node()
    return name or None


def failure(stderr: bytes) -> str:
    """The errno name for a helper that exited non-zero, from what it said."""
    text = stderr.decode("utf-8", "replace").lower()
    if "operation not permitted" in text:  # e.g. dmesg under kernel.dmesg_restrict=1
        return "EPERM"
    if "permission denied" in text or "access is denied" in text or "required permission" in text:
        return "EACCES"
    if "is not recognized" in text:  # PowerShell: a cmdlet whose module is not installed
        return "ENOENT"
    return "EIO"


#: Reads beneath these are answered by the kernel from memory: asked directly, no thread.
KERNEL_PREFIXES = ("/proc/", "/sys/", "/dev/")
READ_TIMEOUT = 2.0  # seconds for one call on any other path
MAX_STUCK = 3  # abandoned calls after which such paths are no longer tried

#: Why a path that "does not exist" may only be out of sight: /proc mounted with hidepid=
#: hides other users' processes (PID 1 exists in every PID namespace), and /proc or /sys
#: may not be mounted at all (a chroot, a hardened container).
HIDDEN = "EHIDDEN"
NOT_MOUNTED = "ENOTMOUNTED"



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
            pid = path.split("/")[2]
            if pid.isascii() and pid.isdecimal() and int(pid) != os.getpid() and not self._exists("/proc/1"):
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
        return Read(path, data=filter_read(path, data))

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
        if path not in self._devices:
            self._devices[path] = self._device(path)
        return self._devices[path]

    def _device(self, path: str) -> DeviceInfo:
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
            kernel_log = _read_kmsg(where)
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
            from ..parsers.kmsg import relevant_lines

            lines = relevant_lines(result.stdout[:4 * DEFAULT_LIMIT].decode("utf-8", "replace").splitlines())
            return Read(where, data="".join(line + "\n" for line in lines).encode())
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


def current_user() -> Dict[str, Any]:
    """Who observed: uid and euid, or on Windows whether the process is elevated."""
    if hasattr(os, "geteuid"):
        return {"uid": os.getuid(), "euid": os.geteuid()}
    try:
        import ctypes

        return {"admin": bool(ctypes.windll.shell32.IsUserAnAdmin())}  # type: ignore[attr-defined]
    except (ImportError, AttributeError, OSError):
        return {}
