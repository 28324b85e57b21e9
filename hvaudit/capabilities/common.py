"""What several checks ask the same way: the CPU's two views, module parameters, the
kernel log and configuration, who is asking, whether this is a guest or a container.

Everything here is a pure function of the Source's answers (so captures replay), with a
small per-source memo for answers that cost a parse.
"""

from __future__ import annotations

import weakref
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

from ..model import Check, Evidence, Strength
from ..parsers import number
from ..parsers.cpuinfo import CPUINFO_LIMIT, CpuInfo, parse_cpuinfo
from ..parsers.kmod import parse_param_bool
from ..probes import shorten
from ..sources import Source
from ..sources.capture import cpuid_key
from ..sources.cpuid import X86

_MEMO: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()  # source -> {key: answer}


def memo(src: Source, key: str, compute: Callable[[], Any]) -> Any:
    """compute() once per source (sources that cannot be weakly referenced: every time)."""
    try:
        table = _MEMO.setdefault(src, {})
    except TypeError:
        return compute()
    if key not in table:
        table[key] = compute()
    return table[key]


class Notes:
    """The evidence one check gathers, in order, and the Check it ends with."""

    def __init__(self, check_id: str) -> None:
        self.id = check_id
        self.items: List[Evidence] = []

    def add(self, where: str, raw: object, note: str = "", strength: Strength = Strength.STRONG) -> None:
        self.items.append(Evidence(self.id, where, raw=shorten(str(raw)), strength=strength, note=note))

    def unseen(self, where: str, error: Optional[str], note: str = "") -> None:
        """Record that an answer is missing; plain absence (ENOENT) is an answer, not this."""
        if error and error not in ("ENOENT", "ENOTDIR"):
            self.items.append(Evidence(self.id, where, raw="", error=error.split(":")[0], note=note))

    def done(self, status: str, summary: str, remedy: Optional[str] = None, **details: Any) -> Check:
        return Check(self.id, status, summary, tuple(self.items), remedy, details)


# -- files --------------------------------------------------------------------------


def text(src: Source, path: str, limit: int = 65536) -> Tuple[Optional[str], Optional[str]]:
    """(text, None) or (None, errno name)."""
    read = src.read(path, limit=limit)
    return (read.text, None) if read.seen else (None, read.error)


def first_line(src: Source, path: str) -> Tuple[Optional[str], Optional[str]]:
    value, error = text(src, path, 4096)
    return (value.strip(), None) if value is not None else (None, error)


def exists(src: Source, path: str) -> bool:
    """A file or folder is there (readable or not)."""
    read = src.read(path, limit=4096)
    if read.seen or read.error in ("EISDIR", "EFBIG", "EACCES", "EPERM", "ENOTCAPTURED", "EFTYPE"):
        return True
    return src.listdir(path).seen


# -- the CPU ------------------------------------------------------------------------



def cpuinfo(src: Source) -> Optional[CpuInfo]:
    def compute() -> Optional[CpuInfo]:
        read = src.read("/proc/cpuinfo", limit=CPUINFO_LIMIT, partial=True)
        return parse_cpuinfo(read.text or "") if read.seen else None

    return memo(src, "cpuinfo", compute)


def machine(src: Source) -> str:
    return src.uname().get("machine", "") or ""


def cpuid_vendor(src: Source) -> Optional[str]:
    """"GenuineIntel", "AuthenticAMD", "HygonGenuine", ... from CPUID leaf 0 (EBX, EDX, ECX)."""
    regs = src.cpuid(0)
    if regs is None:
        return None
    raw = b"".join(r.to_bytes(4, "little") for r in (regs[1], regs[3], regs[2]))
    name = raw.decode("latin-1").strip("\0 ")
    return name or None


def vendor(src: Source) -> Optional[str]:
    """The CPU vendor: "intel", "amd" (Hygon too: it is AMD's design) or None. From the
    kernel's vendor_id first, CPUID leaf 0 second; never from the vmx/svm flags, which
    firmware or an outer hypervisor can hide."""
    info = cpuinfo(src)
    name = info.get("vendor_id") if info is not None else ""
    if not name:
        name = cpuid_vendor(src) or ""
    if name == "GenuineIntel":
        return "intel"
    if name in ("AuthenticAMD", "HygonGenuine"):
        return "amd"
    return None


def is_x86(src: Source) -> bool:
    info = cpuinfo(src)
    return machine(src) in X86 or (info is not None and info.get("vendor_id") in (
        "GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls"))


def cpuid_bit(src: Source, leaf: int, register: int, bit: int, subleaf: int = 0) -> Optional[bool]:
    """One CPUID bit (register 0..3 = EAX..EDX), None when the leaf cannot be asked or is
    above the maximum leaf of its range (out-of-range leaves echo another leaf on Intel)."""
    base = leaf & 0xFFFF0000
    top = src.cpuid(base)
    if top is None or (base in (0, 0x80000000) and top[0] < leaf):
        return None
    regs = src.cpuid(leaf, subleaf)
    if regs is None:
        return None
    return bool(regs[register] >> bit & 1)


def cpuid_where(leaf: int, register: int, bit: int, subleaf: int = 0) -> str:
    return "cpuid:%s %s[%d]" % (cpuid_key(leaf, subleaf), ("EAX", "EBX", "ECX", "EDX")[register], bit)


def is_guest(src: Source) -> Optional[bool]:
    """CPUID.1:ECX[31], or the kernel's `hypervisor` flag."""
    bit = cpuid_bit(src, 1, 2, 31)
    if bit is not None:
        return bit
    info = cpuinfo(src)
    if info is not None and info.flags:
        return "hypervisor" in info.flags
    return None


# -- kernel modules -------------------------------------------------------------------


def sys_modules(src: Source) -> Optional[frozenset]:
    """The names in /sys/module, or None when it cannot be listed (no sysfs here, or a
    capture that did not record it): then no module can be said to be absent."""

    def compute() -> Optional[frozenset]:
        listing = src.listdir("/sys/module")
        return frozenset(listing.names or ()) if listing.seen else None

    return memo(src, "sys_modules", compute)


def module_present(src: Source, name: str) -> Optional[str]:
    """"module" (loadable, loaded), "built-in", or None. /sys/module/NAME exists for both;
    only loadable modules have an initstate file (and a line in /proc/modules)."""
    names = sys_modules(src)
    if names is not None and name not in names:
        return None
    listing = src.listdir("/sys/module/" + name)
    if not listing.seen:
        return None
    return "module" if "initstate" in (listing.names or ()) else "built-in"


def module_param(src: Source, module: str, param: str) -> Tuple[Optional[str], str]:
    """(raw value or None, path) of /sys/module/MODULE/parameters/PARAM."""
    path = "/sys/module/%s/parameters/%s" % (module, param)
    value, _ = first_line(src, path)
    return value, path


def param_on(src: Source, module: str, param: str) -> Tuple[Optional[bool], Optional[str], str]:
    """(on?, raw, path): "Y"/"N" and "1"/"0" alike."""
    raw, path = module_param(src, module, param)
    return parse_param_bool(raw), raw, path


# -- the kernel's log and configuration --------------------------------------------


def kernel_log(src: Source) -> Tuple[Optional[List[str]], Optional[str]]:
    """(lines, None) or (None, errno name): the virtualization lines of the kernel log."""

    def compute() -> Tuple[Optional[List[str]], Optional[str]]:
        read = src.command("dmesg")
        if not read.seen:
            return None, read.error
        return (read.text or "").splitlines(), None

    return memo(src, "kernel_log", compute)


def log_lines(src: Source, *needles: str) -> List[str]:
    """The kernel log lines that contain any of the needles."""
    lines, _ = kernel_log(src)
    return [line for line in lines or () if any(n in line for n in needles)]


def log_note(error: Optional[str]) -> str:
    if error in ("EPERM", "EACCES"):
        return "the kernel log needs CAP_SYSLOG while kernel.dmesg_restrict=1"
    if error == "ENOTCAPTURED":
        return "the capture holds no kernel log"
    return "the kernel log could not be read"


def kernel_config(src: Source) -> Tuple[Optional[Dict[str, str]], str]:
    """(the kernel's build configuration, where) from /proc/config.gz or /boot/config-RELEASE."""

    def compute() -> Tuple[Optional[Dict[str, str]], str]:
        from ..parsers.kconfig import config_text, parse_kconfig

        release = src.uname().get("release", "")
        paths = ["/proc/config.gz"] + (["/boot/config-" + release] if release else [])
        for path in paths:
            read = src.read(path, limit=2 << 20)
            if read.seen and read.data:
                content = config_text(read.data)
                if content:
                    return parse_kconfig(content), path
        return None, " or ".join(paths)

    return memo(src, "kconfig", compute)


def config_value(src: Source, option: str) -> Optional[str]:
    """"y", "m", "n", a value, or None when the configuration is not known."""
    config, _ = kernel_config(src)
    if config is None:
        return None
    return config.get(option, "n")


# -- who is asking, and from where ---------------------------------------------------


def status_fields(src: Source) -> Dict[str, str]:
    def compute() -> Dict[str, str]:
        from ..parsers.procfs import parse_status

        read = src.read("/proc/self/status", limit=65536)
        return parse_status(read.text or "") if read.seen else {}

    return memo(src, "status", compute)


def identity(src: Source) -> Dict[str, Any]:
    """uid, euid, gid, egid, groups, user, db_groups: from the Source, completed from
    /proc/self/status (Uid, Gid, Groups lines) for captures made before it was recorded."""
    ident: Dict[str, Any] = dict(src.identity() or {})
    fields = status_fields(src)

    def ids(key: str) -> List[int]:
        return [n for n in (number(v) for v in fields.get(key, "").split()) if n is not None and n >= 0]

    uids, gids = ids("Uid"), ids("Gid")
    if "uid" not in ident and len(uids) >= 2:
        ident["uid"], ident["euid"] = uids[0], uids[1]
    if "gid" not in ident and len(gids) >= 2:
        ident["gid"], ident["egid"] = gids[0], gids[1]
    if "groups" not in ident and "Groups" in fields:
        ident["groups"] = ids("Groups")
    if "euid" not in ident:
        user = src.meta().get("user") or {}
        if isinstance(user.get("euid"), int):
            ident["euid"] = user["euid"]
            ident.setdefault("uid", user.get("uid", user["euid"]))
    return ident


def is_root(src: Source) -> Optional[bool]:
    euid = identity(src).get("euid")
    return None if euid is None else euid == 0


def msr_note(src: Source, error: Optional[str]) -> str:
    """Why an MSR could not be read; root is never told that it needs root."""
    if error == "ENOENT":
        return "the msr driver is not loaded (modprobe msr) or this kernel has none"
    if error in ("EACCES", "EPERM"):
        if is_root(src):
            return "denied even to root here: reading MSRs needs CAP_SYS_RAWIO (missing in containers) " \
                   "and a kernel not in lockdown"
        return "MSRs are readable by root with CAP_SYS_RAWIO only"
    if error == "EIO":
        return "the CPU (or the outer hypervisor) refused to read this MSR"
    return "the MSR could not be read"


def in_container(evidence: Sequence[Evidence]) -> bool:
    """The probes found this process in a container: a private PID namespace, or a
    runtime's cgroup or storage (kernel facts, not marker files)."""
    for e in evidence:
        if e.claim is None or e.claim.facet != "container" or not e.claim.positive:
            continue
        if e.probe == "container.namespaces" and e.strength >= Strength.DEFINITIVE:
            return True
        if e.probe in ("container.cgroup", "container.mounts") and e.strength >= Strength.STRONG:
            return True
    return False


def mountinfo(src: Source) -> List[Any]:
    def compute() -> List[Any]:
        from ..parsers.procfs import parse_mountinfo

        read = src.read("/proc/self/mountinfo", limit=4 << 20)
        return parse_mountinfo(read.text or "") if read.seen else []

    return memo(src, "mountinfo", compute)


def filesystems(src: Source) -> Optional[List[str]]:
    """The file-system types the kernel has registered (/proc/filesystems)."""
    value, _ = text(src, "/proc/filesystems")
    if value is None:
        return None
    return [line.split()[-1] for line in value.splitlines() if line.split()]


def cmdline(src: Source) -> Optional[str]:
    value, _ = first_line(src, "/proc/cmdline")
    return value


def cmdline_params(src: Source) -> Dict[str, str]:
    """The kernel's own parameters (before "--"): name -> value ("" for a bare flag)."""
    line = cmdline(src) or ""
    out: Dict[str, str] = {}
    for word in line.split():
        if word == "--":
            break
        name, _, value = word.partition("=")
        out[name] = value
    return out


def device_summary(info: Mapping[str, Any]) -> str:
    """"char 10:232 0660 root:kvm" for a DeviceInfo's info."""
    parts = [str(info.get("type", "?"))]
    if "major" in info:
        parts.append("%s:%s" % (info.get("major"), info.get("minor")))
    if "mode" in info:
        parts.append(str(info["mode"]))
    if "gid" in info:
        parts.append("uid %s gid %s%s" % (info.get("uid"), info.get("gid"),
                                          " (%s)" % info["group"] if info.get("group") else ""))
    if "open" in info:
        parts.append("open: %s" % info["open"])
    return " ".join(parts)


# -- KVM ------------------------------------------------------------------------------

#: Modules that provide KVM's hardware side ("vendor modules"), and what each implies.
#: kvm_pvm: PVM, KVM with a paravirtualized, software-only backend (no VT-x/AMD-V needed;
#: guests must run a PVM-enabled Linux kernel; no nested virtualization), virt-pvm/linux.
BACKENDS: Mapping[str, str] = {
    "kvm_intel": "Intel VT-x (VMX)",
    "kvm_amd": "AMD-V (SVM)",
    "kvm_pvm": "PVM: software-only, paravirtualized guests, no VT-x/AMD-V",
    "kvm_hv": "POWER hypervisor mode (KVM-HV)",
    "kvm_pr": "POWER problem-state emulation (KVM-PR, slow)",
}


def kvm_backends(src: Source) -> List[Tuple[str, str]]:
    """[(module, "module"|"built-in")] of the vendor modules present. On arm64, s390,
    RISC-V and LoongArch KVM has no vendor module: the `kvm` module is the backend."""

    def compute() -> List[Tuple[str, str]]:
        found = [(name, state) for name in BACKENDS for state in [module_present(src, name)] if state]
        if not found and machine(src) not in X86:
            state = module_present(src, "kvm")
            if state:
                found.append(("kvm", state))
        return found

    return memo(src, "kvm_backends", compute)


def backend_name(src: Source) -> Optional[str]:
    found = kvm_backends(src)
    return found[0][0] if found else None
