"""KVM checks: which module provides KVM, whether /dev/kvm is usable by this user (asked of
the device itself: open, KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_CREATE_VM), and
nested virtualization on both sides (can this host's guests run KVM; can this guest)."""

from __future__ import annotations

from ..facts import Facts
from ..kvmapi import VM_TYPES
from ..model import Check
from ..parsers import number
from . import check
from .common import (
    BACKENDS,
    Notes,
    backend_name,
    config_value,
    cpuinfo,
    device_summary,
    first_line,
    identity,
    is_x86,
    kvm_backends,
    log_lines,
    module_param,
    module_present,
    param_on,
    vendor,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Optional, Sequence

#: Documentation/virt/kvm/api.rst: applications should refuse to run if KVM_GET_API_VERSION
#: returns a value other than 12.
KVM_API_VERSION = 12
KVM_MISC = (10, 232)  # Documentation/admin-guide/devices.txt: 10 char 232 = /dev/kvm

#: Parameters worth showing for each backend (kvm_intel bools print Y/N; kvm_amd's nested,
#: nrips, vls and vgif are ints and print 1/0).
BACKEND_PARAMS: Mapping[str, Sequence[str]] = {
    "kvm_intel": ("nested", "ept", "unrestricted_guest", "enable_apicv", "vpid", "pml", "enable_shadow_vmcs", "tdx"),
    "kvm_amd": ("nested", "npt", "avic", "sev", "sev_es", "sev_snp", "vls", "vgif"),
    "kvm_pvm": ("pvm_native", "force"),
    "kvm": ("enable_virt_at_load", "tdp_mmu", "nx_huge_pages", "ignore_msrs"),
}

#: What KVM_CREATE_VM's errors mean (virt/kvm/kvm_main.c, arch/x86/kvm/x86.c).
CREATE_VM_ERRORS: Mapping[str, str] = {
    "EBUSY": "kvm-device.create-vm.EBUSY",
    "EIO": "kvm-device.create-vm.EIO",
    "ENOMEM": "kvm-device.create-vm.ENOMEM",
    "EINVAL": "kvm-device.create-vm.EINVAL",
    "EPERM": "kvm-device.create-vm.EPERM",
    "EACCES": "kvm-device.create-vm.EACCES",
    "ENODEV": "kvm-device.create-vm.ENODEV",
    "EMFILE": "kvm-device.create-vm.EMFILE",
}


def _module_remedy(facts: Facts) -> str:
    """The message id of the remedy that loads the vendor module."""
    return {"intel": "remedy.modprobe-kvm-intel", "amd": "remedy.modprobe-kvm-amd"}.get(
        vendor(facts) or "", "remedy.modprobe-kvm")


@check()
def kvm_backend(facts: Facts) -> Check:
    """Which module gives KVM its hardware side: kvm_intel, kvm_amd, kvm_pvm (PVM, no
    hardware virtualization needed), kvm_hv/kvm_pr (POWER), or KVM itself on arm64, s390
    and RISC-V; loaded as a module or built in (/sys/module/NAME, initstate), with the
    parameters that shape what guests get, and the build configuration when no module is
    there."""
    src = facts.src
    n = Notes("kvm-backend")
    found = kvm_backends(facts)
    core = module_present(facts, "kvm")
    if core:
        n.add("/sys/module/kvm", core, "note.kvm.the-kvm-core")
    for name, state in found:
        n.add("/sys/module/" + name, state, BACKENDS.get(name, "note.kvm.backend.kvm"))
        for param in BACKEND_PARAMS.get(name, ()):
            raw, path = module_param(src, name, param)
            if raw is not None:
                n.add(path, raw)
    if core:
        for param in BACKEND_PARAMS["kvm"]:
            raw, path = module_param(src, "kvm", param)
            if raw is not None:
                n.add(path, raw)
    names = [name for name, _ in found]
    details: Dict[str, Any] = {"backends": names, "states": dict(found), "value": "+".join(names) or "none"}
    if found:
        fields: Dict[str, Any] = {"described": ", ".join("%s (%s)" % (name, state) for name, state in found)}
        if "kvm_pvm" in names and not ({"kvm_intel", "kvm_amd"} & set(names)):
            return n.done("warn", "kvm-backend.pvm", None, fields, **details)
        if "kvm_pr" in names and "kvm_hv" not in names:
            return n.done("warn", "kvm-backend.kvm-pr", "remedy.powernv", fields, **details)
        fields["drives_msgs"] = ["kvm-backend.drives." + name for name in names if name in BACKENDS] or \
            ["kvm-backend.drives.architecture"]
        return n.done("pass", "kvm-backend.provided", None, fields, **details)
    if not is_x86(facts) and core:
        return n.done("pass", "kvm-backend.core-" + core, **details)
    log = log_lines(facts, "kvm_intel", "kvm_amd", "kvm:", "KVM:")
    for line in log[:3]:
        n.add("cmd:dmesg", line, "note.kvm.what-kvm-said-when")
    option = {"intel": "KVM_INTEL", "amd": "KVM_AMD"}.get(vendor(facts) or "", "KVM")
    built = config_value(facts, option)
    if built is not None:
        n.add("kernel config", "CONFIG_%s=%s" % (option, built))
    details["config"] = built
    if core:
        if log:
            return n.done("fail", "kvm-backend.vendor-refused", _module_remedy(facts),
                          {"line": log[0].split("]", 1)[-1].strip()}, **details)
        return n.done("fail", "kvm-backend.no-vendor-module", _module_remedy(facts), **details)
    if built == "n" or config_value(facts, "KVM") == "n":
        return n.done("fail", "kvm-backend.not-built", "remedy.kvm-config", {"option": option}, **details)
    listing = src.listdir("/sys/module")
    if not listing.seen:
        n.unseen("/sys/module", listing.error)
        return n.done("unknown", "kvm-backend.unreadable", **details)
    return n.done("fail", "kvm-backend.none", _module_remedy(facts), **details)


def _membership(info: Mapping[str, Any], ident: Mapping[str, Any]) -> Dict[str, Any]:
    gid = info.get("gid")
    groups = set(ident.get("groups") or ())
    if isinstance(ident.get("egid"), int):
        groups.add(ident["egid"])
    db = ident.get("db_groups")
    return {"gid": gid, "group": info.get("group") or ("gid %s" % gid),
            "in_session": gid in groups if gid is not None else None,
            "in_database": (gid in db) if (gid is not None and isinstance(db, list)) else None}


def _nodev_mount(facts) -> Optional[str]:
    """The mount that holds /dev, if it forbids device nodes (nodev): opening then fails
    with EACCES even for root."""
    best = None
    for m in facts.mountinfo():
        holds = m.mount_point == "/dev/kvm" or "/dev/kvm".startswith(m.mount_point.rstrip("/") + "/")
        if holds and (best is None or len(m.mount_point) > len(best.mount_point)):
            best = m
    if best is not None and "nodev" in best.options.split(","):
        return best.mount_point
    return None


def kvm_usable(src) -> Optional[bool]:
    info = src.device("/dev/kvm")
    if not info.seen:
        return False if info.error == "ENOENT" else None
    if info.info.get("open") not in ("ok", None):
        return False
    if info.info.get("create_vm") is None:
        return None
    return info.info.get("create_vm") == "ok" and info.info.get("kvm_api_version") == KVM_API_VERSION


@check()
def kvm_device(facts: Facts) -> Check:
    """/dev/kvm, asked directly: opened read-write as this user, KVM_GET_API_VERSION (must
    be 12), KVM_CHECK_EXTENSION for the limits, and one KVM_CREATE_VM closed at once. Each
    way it can fail has its own cause and remedy: no driver, a node not passed into a
    container, permissions (and whether the user is in the node's group, now or after a
    new login), a device cgroup or LSM policy, a stale node, VM creation refused."""
    src = facts.src
    n = Notes("kvm-device")
    dev = src.device("/dev/kvm")
    misc, misc_error = first_line(src, "/sys/class/misc/kvm/dev")
    if misc is not None:
        n.add("/sys/class/misc/kvm/dev", misc, "note.kvm.the-kvm-driver-registered")
    else:
        n.unseen("/sys/class/misc/kvm/dev", misc_error)
    container = facts.in_container
    if not dev.seen:
        if dev.error != "ENOENT":
            n.unseen("/dev/kvm", dev.error)
            return n.done("unknown", "kvm-device.unexaminable", None, {"error": dev.error}, value="unknown")
        n.add("/dev/kvm", "absent")
        misc_class = src.listdir("/sys/class/misc")
        if misc is None and not misc_class.seen:
            return n.done("fail", "kvm-device.absent-unknown-driver", _module_remedy(facts), value="absent",
                          cause="absent")
        if misc is not None:
            if container:
                return n.done("fail", "kvm-device.not-passed", "remedy.pass-kvm-device", value="not passed",
                              cause="container")
            return n.done("fail", "kvm-device.no-node", "remedy.mknod-kvm", value="no node", cause="node")
        backend = backend_name(facts)
        flags = cpuinfo(facts)
        if backend is None and is_x86(facts) and flags is not None and flags.flags \
                and not ({"vmx", "svm"} & flags.flags):
            return n.done("fail", "kvm-device.no-driver-no-hav", "remedy.enable-hav-then-kvm", value="absent",
                          cause="driver")
        return n.done("fail", "kvm-device.no-driver-no-module" if backend is None else "kvm-device.no-driver",
                      _module_remedy(facts), value="absent", cause="driver")
    info = dev.info
    n.add("/dev/kvm", device_summary(info))
    details: Dict[str, Any] = {"mode": info.get("mode"), "group": info.get("group"), "open": info.get("open")}
    if info.get("type") == "unknown":
        return n.done("unknown", "kvm-device.not-recorded", value="present", **details)
    if info.get("type") != "char" or (info.get("major"), info.get("minor")) != KVM_MISC:
        return n.done("fail", "kvm-device.wrong-node", "remedy.recreate-kvm-node",
                      {"type": info.get("type"), "major": info.get("major"), "minor": info.get("minor")},
                      value="wrong node", **details)
    opened = info.get("open")
    ident = identity(facts)
    who = "root" if ident.get("euid") == 0 else ("uid %s" % ident.get("euid")) if ident.get("euid") is not None \
        else ""
    fields: Dict[str, Any] = {"who": who, "who_msg": "kvm-device.who" if who else "kvm-device.this-user",
                              "mode": info.get("mode"), "error": opened}
    if opened is None:
        return n.done("unknown", "kvm-device.not-opened", value="present", **details)
    if opened == "EACCES":
        member = _membership(info, ident)
        details.update(member)
        nodev = _nodev_mount(facts)
        if nodev is not None:
            return n.done("fail", "kvm-device.nodev", "remedy.mount-without-nodev", dict(fields, mount=nodev),
                          value="nodev", cause="nodev", **details)
        mode = number(str(info.get("mode") or "0"), 8) or 0
        fields["group"] = member["group"]
        if member["in_session"]:
            if mode & 0o060 != 0o060:
                return n.done("fail", "kvm-device.group-no-access", "remedy.chmod-kvm", fields, value="EACCES",
                              cause="mode", **details)
            return n.done("fail", "kvm-device.acl-or-lsm", "remedy.check-acl", fields, value="EACCES", cause="acl",
                          **details)
        if member["in_database"]:
            return n.done("fail", "kvm-device.session-predates-group", "remedy.newgrp", fields, value="EACCES",
                          cause="session", **details)
        fields["owner"] = "root" if info.get("uid") == 0 else info.get("uid")
        return n.done("fail", "kvm-device.not-in-group", "remedy.usermod", fields, value="EACCES", cause="group",
                      **details)
    if opened == "EPERM":
        if container:
            return n.done("fail", "kvm-device.device-cgroup", "remedy.container-device", fields, value="EPERM",
                          cause="device-cgroup", **details)
        return n.done("fail", "kvm-device.policy", "remedy.check-policy", fields, value="EPERM", cause="policy",
                      **details)
    if opened in ("ENXIO", "ENODEV"):
        return n.done("fail", "kvm-device.stale", "remedy.stale-node",
                      dict(fields, module_msg=_module_remedy(facts)), value=opened, cause="stale", **details)
    if opened != "ok":
        return n.done("fail", "kvm-device.open-failed", None, fields, value=opened, cause="open", **details)
    api = info.get("kvm_api_version")
    caps: Dict[str, Any] = info["caps"] if isinstance(info.get("caps"), dict) else {}
    details.update({"api_version": api, "caps": caps, "create_vm": info.get("create_vm")})
    vm_types = caps.get("vm_types")
    if isinstance(vm_types, int) and vm_types:
        details["vm_types"] = [name for bit, name in VM_TYPES.items() if vm_types >> bit & 1]
    if api != KVM_API_VERSION:
        return n.done("fail", "kvm-device.api", None, dict(fields, api=api), value="API %s" % api, cause="api",
                      **details)
    create = info.get("create_vm")
    n.add("ioctl:KVM_CREATE_VM", create or "not tried", "note.kvm.the-end-to-end")
    if create is None:
        return n.done("unknown", "kvm-device.create-not-tried", value="API 12", **details)
    if create != "ok":
        return n.done("fail", "kvm-device.create-vm-failed",
                      "remedy.stop-other-hypervisors" if create in ("EBUSY", "EIO") else None,
                      dict(fields, error=create, why_msg=CREATE_VM_ERRORS.get(create, "kvm-device.create-vm.other")),
                      value=create, cause="create-vm", **details)
    limits: List[str] = []
    if caps.get("max_vcpus"):
        limits.append("kvm-device.limit.vcpus")
    if caps.get("nr_memslots"):
        limits.append("kvm-device.limit.memslots")
    n.add("ioctl:KVM_CHECK_EXTENSION", ", ".join("%s=%s" % kv for kv in sorted(caps.items())))
    access = _who_else(info)
    fields.update(max_vcpus=caps.get("max_vcpus"), nr_vcpus=caps.get("nr_vcpus", "?"),
                  memslots=caps.get("nr_memslots"), group=info.get("group") or info.get("gid"),
                  more_msgs=limits + ([access] if access else []))
    return n.done("pass", "kvm-device.works-more" if fields["more_msgs"] else "kvm-device.works", None, fields,
                  value="usable", **details)


def _who_else(info: Mapping[str, Any]) -> str:
    """The message id saying who else may open the node, "" when the mode is unreadable."""
    try:
        mode = int(str(info.get("mode")), 8)
    except ValueError:
        return ""
    if mode & 0o006 == 0o006:
        return "kvm-device.access.everyone"
    if mode & 0o060 == 0o060:
        return "kvm-device.access.group"
    return "kvm-device.access.owner"


def _supported_bit(info: Mapping[str, Any], leaf: str, register: int, bit: int) -> Optional[bool]:
    table = info.get("supported_cpuid")
    if not isinstance(table, dict):
        return None
    regs = table.get(leaf)
    if not (isinstance(regs, list) and len(regs) == 4 and isinstance(regs[register], int)):
        return False if table else None  # KVM listed leaves, not this one: it offers nothing there
    return bool(regs[register] >> bit & 1)


@check()
def kvm_nested(facts: Facts) -> Check:
    """Nested virtualization on both sides. Host side: can this host's guests run KVM
    (kvm_intel.nested / kvm_amd.nested, "Y"/"N" and "1"/"0" alike, and whether
    KVM_GET_SUPPORTED_CPUID offers VMX/SVM to guests; PVM cannot). Guest side: does the
    outer hypervisor expose VT-x/AMD-V to this guest, and does /dev/kvm work here."""
    src = facts.src
    n = Notes("kvm-nested")
    guest = facts.guest
    backend = backend_name(facts)
    info = cpuinfo(facts)
    flags = info.flags if info is not None else frozenset()
    dev = src.device("/dev/kvm")
    kvm_info: Mapping[str, Any] = dev.info if dev.seen else {}
    host_side: Optional[str] = None  # "on", "off", "impossible", None (unknown / no KVM)
    if backend in ("kvm_intel", "kvm_amd"):
        on, raw, path = param_on(src, backend, "nested")
        if raw is not None:
            n.add(path, raw, "note.kvm.kvm-intel-prints-a")
        if backend == "kvm_intel":
            offered = _supported_bit(kvm_info, "0x1", 2, 5)
            bit_name = "VMX"
        else:
            offered = _supported_bit(kvm_info, "0x80000001", 2, 2)
            bit_name = "SVM"
        if offered is not None:
            n.add("ioctl:KVM_GET_SUPPORTED_CPUID", "%s %s offered to guests" % (bit_name, "is" if offered else "not"),
                  "note.kvm.what-kvm-would-put")
        if on is None and offered is None:
            host_side = None
        else:
            host_side = "on" if (offered if offered is not None else on) else "off"
        state = (kvm_info.get("caps") or {}).get("nested_state") if isinstance(kvm_info.get("caps"), dict) else None
        if state:
            n.add("ioctl:KVM_CHECK_EXTENSION(NESTED_STATE)", state,
                  "note.kvm.nested-guests-state-can")
    elif backend == "kvm_pvm":
        host_side = "impossible"
        n.add("/sys/module/kvm_pvm", "present", "note.kvm.pvm-offers-its-guests")
    hav_flag = "vmx" if "vmx" in flags else "svm" if "svm" in flags else None
    usable = kvm_usable(src)
    details: Dict[str, Any] = {"guest": guest, "host_side": host_side, "backend": backend}
    if guest:
        if flags:
            n.add("/proc/cpuinfo flags", hav_flag or "no vmx/svm", "note.kvm.in-a-guest-these")
        else:
            n.unseen("/proc/cpuinfo", facts.error("/proc/cpuinfo"))
        for line in log_lines(facts, "Enlightened VMCS", "nested")[:2]:
            n.add("cmd:dmesg", line)
        # PVM gives this guest KVM without VT-x (whether this user may open /dev/kvm is kvm-device's matter).
        # Without the kernel's flags nothing says whether VT-x/AMD-V is exposed: unknown, not "none".
        guest_side = "exposed" if hav_flag else "pvm" if backend == "kvm_pvm" else "none" if flags else "unknown"
        details["guest_side"] = guest_side
        details["value"] = guest_side
        if guest_side == "exposed":
            more = ["kvm-nested.dev-kvm-works"] if usable else ["kvm-nested.dev-kvm-unusable"] \
                if usable is False else []
            if host_side in ("on", "off", "impossible"):
                more.append("kvm-nested.host-side." + str(host_side))
            return n.done("pass" if usable is not False else "warn",
                          "kvm-nested.exposed-more" if more else "kvm-nested.exposed", None,
                          {"flag": (hav_flag or "").upper(), "more_msgs": more}, **details)
        if guest_side == "pvm":
            return n.done("warn", "kvm-nested.guest-pvm", None, **details)
        if guest_side == "unknown":
            return n.done("unknown", "kvm-nested.guest-unknown", None, **details)
        return n.done("fail", "kvm-nested.not-exposed", "remedy.nested-at-outer-hypervisor", **details)
    details["value"] = host_side or "unknown"
    module = backend or "kvm_intel"
    if host_side == "on":
        return n.done("pass", "kvm-nested.on", None, {"module": module}, **details)
    if host_side == "off":
        return n.done("warn", "kvm-nested.off", "remedy.nested-on", {"module": module}, **details)
    if host_side == "impossible":
        return n.done("fail", "kvm-nested.pvm", **details)
    return n.done("unknown", "kvm-nested.unknown", **details)
