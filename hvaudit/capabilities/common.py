"""What several checks ask the same way: the CPU's two views, module parameters, the
kernel log and configuration, who is asking.

Everything here is a pure function of the audit's Views (so captures replay); what costs a
parse is parsed once per audit, by the Views.
"""

from __future__ import annotations

from ..parsers.cpuinfo import CpuInfo
from ..parsers.kmod import parse_param_bool
from ..reads import (
    X86,
    cpuid_bit,
    cpuid_vendor,
    cpuid_where,
    exists,
    first_line,
    identity,
    is_root,
    machine,
    msr_note,
    text,
)
from ..sources import Source
from ..views import Views
from . import Notes

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Tuple

__all__ = ["Notes", "X86", "cpuid_bit", "cpuid_vendor", "cpuid_where", "exists", "first_line", "identity", "is_root",
           "machine", "msr_note", "text"]


# -- the CPU ------------------------------------------------------------------------


def cpuinfo(v: Views) -> Optional[CpuInfo]:
    return v.cpuinfo()


def vendor(v: Views) -> Optional[str]:
    """The CPU vendor: "intel", "amd" (Hygon too: it is AMD's design) or None. From the
    kernel's vendor_id first, CPUID leaf 0 second; never from the vmx/svm flags, which
    firmware or an outer hypervisor can hide."""
    info = v.cpuinfo()
    name = info.get("vendor_id") if info is not None else ""
    if not name:
        name = cpuid_vendor(v.src) or ""
    if name == "GenuineIntel":
        return "intel"
    if name in ("AuthenticAMD", "HygonGenuine"):
        return "amd"
    return None


def is_x86(v: Views) -> bool:
    info = v.cpuinfo()
    return machine(v.src) in X86 or (info is not None and info.get("vendor_id") in (
        "GenuineIntel", "AuthenticAMD", "HygonGenuine", "CentaurHauls"))


# -- kernel modules -------------------------------------------------------------------


def module_present(v: Views, name: str) -> Optional[str]:
    """"module" (loadable, loaded), "built-in", or None. /sys/module/NAME exists for both;
    only loadable modules have an initstate file (and a line in /proc/modules)."""
    names = v.sys_modules()
    if names is not None and name not in names:
        return None
    listing = v.src.listdir("/sys/module/" + name)
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


def kernel_log(v: Views) -> Tuple[Optional[List[str]], Optional[str]]:
    """(lines, None) or (None, errno name): the virtualization lines of the kernel log."""
    return v.kernel_log()


def log_lines(v: Views, *needles: str) -> List[str]:
    """The kernel log lines that contain any of the needles."""
    lines, _ = v.kernel_log()
    return [line for line in lines or () if any(n in line for n in needles)]


def log_note(error: Optional[str]) -> str:
    """Why the kernel log is missing (a message id)."""
    if error in ("EPERM", "EACCES"):
        return "note.kernel-log.denied"
    if error == "ENOTCAPTURED":
        return "note.kernel-log.not-captured"
    return "note.kernel-log.unreadable"


def config_value(v: Views, option: str) -> Optional[str]:
    """"y", "m", "n", a value, or None when the configuration is not known."""
    config, _ = v.kernel_config()
    if config is None:
        return None
    return config.get(option, "n")


# -- who is asking, and from where ---------------------------------------------------


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
    "kvm_intel": "note.kvm.backend.kvm_intel",
    "kvm_amd": "note.kvm.backend.kvm_amd",
    "kvm_pvm": "note.kvm.backend.kvm_pvm",
    "kvm_hv": "note.kvm.backend.kvm_hv",
    "kvm_pr": "note.kvm.backend.kvm_pr",
}


def kvm_backends(v: Views) -> List[Tuple[str, str]]:
    """[(module, "module"|"built-in")] of the vendor modules present. On arm64, s390,
    RISC-V and LoongArch KVM has no vendor module: the `kvm` module is the backend."""

    def compute() -> List[Tuple[str, str]]:
        found = [(name, state) for name in BACKENDS for state in [module_present(v, name)] if state]
        if not found and machine(v.src) not in X86:
            state = module_present(v, "kvm")
            if state:
                found.append(("kvm", state))
        return found

    return v.cached("kvm_backends", compute)


def backend_name(v: Views) -> Optional[str]:
    found = kvm_backends(v)
    return found[0][0] if found else None
