"""The helper programs a probe may ask for, by system, and how they are run: the only
programs hvaudit ever runs. Each is stopped after its timeout; what it prints is kept
under the same name in a capture (docs/capture-format.md)."""

from __future__ import annotations

import os

from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, FrozenSet, Mapping, Optional, Sequence, Tuple

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
