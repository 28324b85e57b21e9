"""What hvaudit may keep of what it reads: no secrets, only the names of runtimes."""

from __future__ import annotations

import posixpath

#: Environment variables that name a container runtime, a sandbox or WSL, and nothing else.
#: Their values say which runtime runs this process; every other variable is dropped at
#: the source, so no report and no capture can hold a token or a password.
RUNTIME_VARIABLES = frozenset({
    "container",  # systemd's container interface (nspawn, podman, lxc, ...)
    "container_uuid",
    "WSL_DISTRO_NAME", "WSL_INTEROP",  # set by WSL's init in every distro process
    "KUBERNETES_SERVICE_HOST", "KUBERNETES_SERVICE_PORT",  # injected by the kubelet
    "SINGULARITY_CONTAINER", "APPTAINER_CONTAINER", "SINGULARITY_NAME", "APPTAINER_NAME",
    "FLATPAK_ID",
})


def normal_path(path: str) -> str:
    """The path as the kernel resolves its spelling ("//proc/./1/environ" is /proc/1/environ)."""
    return posixpath.normpath("/" + path.lstrip("/"))


def _process(name: str) -> bool:
    return name in ("self", "thread-self") or (name.isascii() and name.isdecimal())


def is_environ_path(path: str) -> bool:
    """An environment block of a process or of one of its threads, however spelt:
    /proc/PID/environ, /proc/self/environ, /proc/PID/task/TID/environ."""
    if "environ" not in path:  # every spelling of one names it (most reads are not one)
        return False
    parts = normal_path(path).split("/")[1:]
    if len(parts) not in (3, 5) or parts[0] != "proc" or parts[-1] != "environ" or not _process(parts[1]):
        return False
    return len(parts) == 3 or (parts[2] == "task" and parts[3].isascii() and parts[3].isdecimal())


def filter_environ(data: bytes) -> bytes:
    """Keep only RUNTIME_VARIABLES of a NUL-separated environment block."""
    kept = []
    for entry in data.split(b"\0"):
        name, sep, _ = entry.partition(b"=")
        if sep and name.decode("ascii", "replace") in RUNTIME_VARIABLES:
            kept.append(entry)
    return b"".join(e + b"\0" for e in kept)


def is_cmdline_path(path: str) -> bool:
    """A process's command line: /proc/PID/cmdline, /proc/self/cmdline."""
    if "cmdline" not in path:  # every spelling of one names it (most reads are not one)
        return False
    parts = normal_path(path).split("/")[1:]
    return len(parts) == 3 and parts[0] == "proc" and parts[2] == "cmdline" and _process(parts[1])


def filter_cmdline(data: bytes) -> bytes:
    """Keep only the program (argv[0]): hvaudit needs no more, and arguments can hold
    passwords and tokens."""
    return data.split(b"\0", 1)[0] + b"\0" if data else data


#: FreeBSD's boot messages, kept from boot for dmesg(8); hvaudit keeps only the CPU's lines.
DMESG_BOOT = "/var/run/dmesg.boot"


def filter_dmesg_boot(data: bytes) -> bytes:
    """Keep only the CPU block of FreeBSD's boot messages ("CPU: ..." and its indented
    feature lines, "Hypervisor: ...", "FreeBSD/SMP: ..."): the rest names disks, serial
    numbers and network addresses, which hvaudit never needs."""
    kept = []
    in_cpu = False
    for line in data.splitlines(keepends=True):
        if line.startswith(b"CPU: "):
            in_cpu = True
            kept.append(line)
        elif in_cpu and line[:1] in (b" ", b"\t"):
            kept.append(line)
        else:
            in_cpu = False
            if line.startswith((b"Hypervisor:", b"FreeBSD/SMP:")):
                kept.append(line)
    return b"".join(kept)


#: Kernel parameters kept from /proc/cmdline: those about virtualization, IOMMU, memory,
#: cgroups, namespaces and security modules (kernel-parameters.txt), whose values are
#: settings. Every other parameter is dropped, with its value: a command line can carry
#: credentials (iSCSI initiator secrets, LUKS keys, cloud-init seeds, ip= configurations).
CMDLINE_PARAMETERS = frozenset({
    "iommu", "intel_iommu", "amd_iommu", "amd_iommu_intr", "iommu.passthrough", "iommu.strict", "iommu.forcedac",
    "intremap", "nointremap", "mem_encrypt", "kvm-intel.nested", "kvm-amd.nested", "nosmt", "mitigations",
    "hugepages", "hugepagesz", "default_hugepagesz", "transparent_hugepage", "hugetlb_cma",
    "systemd.unified_cgroup_hierarchy", "systemd.legacy_systemd_cgroup_controller", "cgroup_no_v1", "cgroup_enable",
    "cgroup_disable", "cgroup.memory", "swapaccount", "user_namespace.enable", "namespace.unpriv_enable",
    "apparmor", "security", "lsm", "selinux", "enforcing", "lockdown", "module.sig_enforce", "nosev", "tdx",
    "nopti", "pti", "vsyscall", "ro", "rw", "quiet", "single", "nomodeset",
})
#: Prefixes of module parameters kept (kvm.*, kvm_intel.*, kvm_amd.*, vfio*.*).
CMDLINE_MODULES = ("kvm.", "kvm_intel.", "kvm_amd.", "kvm-intel.", "kvm-amd.", "kvm_pvm.", "vfio.", "vfio_pci.",
                   "vfio-pci.", "vfio_iommu_type1.", "vhost.", "vhost_net.")
KERNEL_CMDLINE = "/proc/cmdline"


def filter_kernel_cmdline(data: bytes) -> bytes:
    """Keep the kernel's own parameters that hvaudit reads (CMDLINE_PARAMETERS, module
    parameters of KVM, VFIO and vhost) and drop the rest, and everything after "--" (the
    arguments of init)."""
    kept = []
    for word in data.split():
        if word == b"--":
            break
        name = word.partition(b"=")[0].decode("ascii", "replace")
        if name in CMDLINE_PARAMETERS or name.startswith(CMDLINE_MODULES):
            kept.append(word)
    return b" ".join(kept) + b"\n"


def filter_read(path: str, data: bytes) -> bytes:
    """What may be kept of a file's content: environments reduced to runtime names, command
    lines to the program, the kernel's command line to known parameters, FreeBSD's boot
    messages to the CPU's lines; everything else as read."""
    if "environ" not in path and "cmdline" not in path and path != DMESG_BOOT:  # most reads: kept whole
        return data
    if is_environ_path(path):
        return filter_environ(data)
    if is_cmdline_path(path):
        return filter_cmdline(data)
    if path == KERNEL_CMDLINE or (path.endswith("cmdline") and normal_path(path) == KERNEL_CMDLINE):
        return filter_kernel_cmdline(data)
    if path == DMESG_BOOT:
        return filter_dmesg_boot(data)
    return data


def kenv_private(line: bytes) -> bool:
    """kenv(1) variables that identify one machine, not a kind of machine (never kept):
    smbios.<section>.serial and smbios.<section>.uuid."""
    parts = line.partition(b"=")[0].split(b".")
    return (len(parts) == 3 and parts[0] == b"smbios" and parts[1].isalpha() and parts[1].islower()
            and parts[2] in (b"serial", b"uuid"))


def filter_kenv(data: bytes) -> bytes:
    """Keep only the firmware's identity from the loader's environment: `smbios.*`
    variables, without serial numbers and UUIDs (the rest can hold boot paths and keys)."""
    return b"".join(line for line in data.splitlines(keepends=True)
                    if line.startswith(b"smbios.") and not kenv_private(line))


#: systeminfo fields that describe the kind of machine; host name, owner, product id,
#: domain, logon server, hotfixes and network addresses are dropped.
SYSTEMINFO_FIELDS = frozenset({
    b"OS Name", b"OS Version", b"OS Manufacturer", b"OS Configuration", b"OS Build Type", b"System Manufacturer",
    b"System Model", b"System Type", b"Processor(s)", b"BIOS Version", b"Total Physical Memory",
    b"Hyper-V Requirements",
})


def filter_systeminfo(data: bytes) -> bytes:
    """Keep the fields of `systeminfo` that describe the machine and its Hyper-V requirements
    (with their continuation lines), nothing that names a person, a host or a network."""
    kept = []
    keep = False
    for line in data.splitlines(keepends=True):
        if line[:1] not in (b" ", b"\t") and b":" in line:
            keep = line.split(b":", 1)[0].strip() in SYSTEMINFO_FIELDS
        elif not line.strip():
            keep = False
        if keep:
            kept.append(line)
    return b"".join(kept)


def filter_command(name: str, data: bytes) -> bytes:
    """What may be kept of a helper's output (live and from captures alike)."""
    if name == "kenv":
        return filter_kenv(data)
    if name == "systeminfo":
        return filter_systeminfo(data)
    return data
