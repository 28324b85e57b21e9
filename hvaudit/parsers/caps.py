"""Linux capabilities: the bit numbers of include/uapi/linux/capability.h, and the
/proc/PID/status masks (CapInh, CapPrm, CapEff, CapBnd, CapAmb; proc(5))."""

from __future__ import annotations

from .procfs import parse_hex_mask

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Dict, List, Optional, Tuple

#: Bit number -> name, from include/uapi/linux/capability.h (CAP_CHECKPOINT_RESTORE = 40,
#: the last one as of Linux 6.x; /proc/sys/kernel/cap_last_cap says which the kernel knows).
CAPABILITY_NAMES: Tuple[str, ...] = (
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
    "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE",
    "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE",
    "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT",
    "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",
    "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
    "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
)
CAP_NUMBERS: Dict[str, int] = {name: bit for bit, name in enumerate(CAPABILITY_NAMES)}

#: What a virtualization host needs some of, and why (for reports).
CAPABILITY_USES: Dict[str, str] = {
    "CAP_SYS_ADMIN": "mounts, namespaces, most container set-up",
    "CAP_NET_ADMIN": "creating tap devices and bridges for guests",
    "CAP_SYS_RAWIO": "reading MSRs through /dev/cpu/N/msr",
    "CAP_SYSLOG": "reading the kernel log when kernel.dmesg_restrict=1",
    "CAP_SYS_RESOURCE": "raising memory-lock and other limits for guests",
    "CAP_MKNOD": "creating device nodes such as /dev/kvm",
    "CAP_SYS_MODULE": "loading kernel modules (kvm_intel, vhost_net, ...)",
    "CAP_IPC_LOCK": "locking guest memory (mlock)",
    "CAP_BPF": "loading BPF programs (cgroup v2 device control)",
}

#: The effective set a container gets by default, for recognising it (a public fact of
#: the runtimes' documentation): Docker/moby's 14 default capabilities (docs.docker.com,
#: "Runtime privilege and Linux capabilities"), and Podman's 11 (containers.conf(5),
#: default_capabilities, since Podman 4.0).
DEFAULT_SETS: Dict[str, Tuple[str, ...]] = {
    "docker-default": ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
                       "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
                       "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE"),
    "podman-default": ("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL",
                       "CAP_NET_BIND_SERVICE", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID",
                       "CAP_SYS_CHROOT"),
}


def parse_cap_mask(text: Optional[str]) -> Optional[int]:
    """A CapEff-style value: 16 hex digits (None where the field is missing)."""
    return None if text is None else parse_hex_mask(text)


def cap_names(mask: int) -> List[str]:
    """Names of the bits set, in bit order; unknown bits as "cap_N"."""
    out: List[str] = []
    for bit, digit in enumerate(reversed(bin(mask)[2:])):  # one pass, however wide the mask
        if digit == "1":
            out.append(CAPABILITY_NAMES[bit] if bit < len(CAPABILITY_NAMES) else "cap_%d" % bit)
    return out


def full_mask(last_cap: int) -> int:
    """Every capability the kernel knows: bits 0..cap_last_cap."""
    return (1 << (last_cap + 1)) - 1


def mask_of(names: Tuple[str, ...]) -> int:
    mask = 0
    for name in names:
        mask |= 1 << CAP_NUMBERS[name]
    return mask
