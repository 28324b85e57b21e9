"""KVM checks: which module provides KVM, whether /dev/kvm is usable by this user (asked of
the device itself: open, KVM_GET_API_VERSION, KVM_CHECK_EXTENSION, KVM_CREATE_VM), and
nested virtualization on both sides (can this host's guests run KVM; can this guest)."""

from __future__ import annotations

from typing import Any, Dict, List, Mapping, Optional, Sequence

from ..kvmapi import VM_TYPES
from ..model import Check, Evidence
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
    in_container,
    is_guest,
    is_x86,
    kvm_backends,
    log_lines,
    module_param,
    module_present,
    mountinfo,
    param_on,
    vendor,
)

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
    "EBUSY": "hardware virtualization could not be enabled: another hypervisor (VirtualBox, VMware) holds VT-x/AMD-V",
    "EIO": "enabling virtualization failed on a CPU (firmware lock, or another hypervisor)",
    "ENOMEM": "the kernel could not allocate the VM",
    "EINVAL": "the VM type was refused",
    "EPERM": "a security policy (seccomp, LSM) forbids creating VMs",
    "EACCES": "a security policy forbids creating VMs",
    "ENODEV": "no hardware virtualization behind the driver",
    "EMFILE": "this process has no file descriptor left",
}


def _module_remedy(src) -> str:
    cpu_vendor = vendor(src)
    if cpu_vendor == "intel":
        return "sudo modprobe kvm_intel (if it fails, see cpu-hav and `dmesg | grep -i kvm`)"
    if cpu_vendor == "amd":
        return "sudo modprobe kvm_amd (if it fails, see cpu-hav and `dmesg | grep -i kvm`)"
    return "sudo modprobe kvm_intel or kvm_amd, whichever matches the CPU"


@check
def kvm_backend(src, evidence: Sequence[Evidence]) -> Check:
    """Which module gives KVM its hardware side: kvm_intel, kvm_amd, kvm_pvm (PVM, no
    hardware virtualization needed), kvm_hv/kvm_pr (POWER), or KVM itself on arm64, s390
    and RISC-V; loaded as a module or built in (/sys/module/NAME, initstate), with the
    parameters that shape what guests get, and the build configuration when no module is
    there."""
    n = Notes("kvm-backend")
    found = kvm_backends(src)
    core = module_present(src, "kvm")
    if core:
        n.add("/sys/module/kvm", core, "the KVM core")
    for name, state in found:
        n.add("/sys/module/" + name, state, BACKENDS.get(name, "KVM"))
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
        described = ", ".join("%s (%s)" % (name, state) for name, state in found)
        if "kvm_pvm" in names and not ({"kvm_intel", "kvm_amd"} & set(names)):
            return n.done("warn", "KVM is provided by %s: PVM runs guests without VT-x/AMD-V, with shadow paging; "
                                  "guests need a PVM-enabled Linux kernel and cannot nest" % described, **details)
        if "kvm_pr" in names and "kvm_hv" not in names:
            return n.done("warn", "KVM is provided by %s: guests are emulated in problem state, slowly" % described,
                          "Run on PowerNV (bare metal) for kvm_hv", **details)
        what = "; ".join("%s drives %s" % (name, BACKENDS.get(name, "the hardware")) for name in names
                         if name in BACKENDS) or "KVM is built for this architecture"
        return n.done("pass", "KVM is provided by %s: %s" % (described, what), **details)
    if not is_x86(src) and core:
        return n.done("pass", "KVM is provided by the kvm %s" % core, **details)
    log = log_lines(src, "kvm_intel", "kvm_amd", "kvm:", "KVM:")
    for line in log[:3]:
        n.add("cmd:dmesg", line, "what KVM said when it loaded (or refused to)")
    option = {"intel": "KVM_INTEL", "amd": "KVM_AMD"}.get(vendor(src) or "", "KVM")
    built = config_value(src, option)
    if built is not None:
        n.add("kernel config", "CONFIG_%s=%s" % (option, built))
    details["config"] = built
    if core:
        why = ("the vendor module refused to load: " + log[0].split("]", 1)[-1].strip()) if log else \
            "no vendor module is loaded"
        return n.done("fail", "The KVM core is loaded but %s" % why, _module_remedy(src), **details)
    if built == "n" or config_value(src, "KVM") == "n":
        return n.done("fail", "This kernel is built without KVM (CONFIG_%s is not set)" % option,
                      "Boot a kernel with KVM (CONFIG_KVM and CONFIG_%s)" % option, **details)
    listing = src.listdir("/sys/module")
    if not listing.seen:
        n.unseen("/sys/module", listing.error)
        return n.done("unknown", "/sys/module could not be read: the KVM backend is unknown", **details)
    return n.done("fail", "No KVM module is loaded", _module_remedy(src), **details)


def _membership(info: Mapping[str, Any], ident: Mapping[str, Any]) -> Dict[str, Any]:
    gid = info.get("gid")
    groups = set(ident.get("groups") or ())
    if isinstance(ident.get("egid"), int):
        groups.add(ident["egid"])
    db = ident.get("db_groups")
    return {"gid": gid, "group": info.get("group") or ("gid %s" % gid),
            "in_session": gid in groups if gid is not None else None,
            "in_database": (gid in db) if (gid is not None and isinstance(db, list)) else None}


def _nodev_mount(src) -> Optional[str]:
    """The mount that holds /dev, if it forbids device nodes (nodev): opening then fails
    with EACCES even for root."""
    best = None
    for m in mountinfo(src):
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


@check
def kvm_device(src, evidence: Sequence[Evidence]) -> Check:
    """/dev/kvm, asked directly: opened read-write as this user, KVM_GET_API_VERSION (must
    be 12), KVM_CHECK_EXTENSION for the limits, and one KVM_CREATE_VM closed at once. Each
    way it can fail has its own cause and remedy: no driver, a node not passed into a
    container, permissions (and whether the user is in the node's group, now or after a
    new login), a device cgroup or LSM policy, a stale node, VM creation refused."""
    n = Notes("kvm-device")
    dev = src.device("/dev/kvm")
    misc, misc_error = first_line(src, "/sys/class/misc/kvm/dev")
    if misc is not None:
        n.add("/sys/class/misc/kvm/dev", misc, "the KVM driver registered its misc device")
    else:
        n.unseen("/sys/class/misc/kvm/dev", misc_error)
    container = in_container(evidence)
    if not dev.seen:
        if dev.error != "ENOENT":
            n.unseen("/dev/kvm", dev.error)
            return n.done("unknown", "/dev/kvm could not be examined (%s)" % dev.error, value="unknown")
        n.add("/dev/kvm", "absent")
        misc_class = src.listdir("/sys/class/misc")
        if misc is None and not misc_class.seen:
            return n.done("fail", "/dev/kvm is absent, and whether a KVM driver exists cannot be seen (no "
                                  "/sys/class/misc)", _module_remedy(src), value="absent", cause="absent")
        if misc is not None:
            if container:
                return n.done("fail", "The KVM driver is loaded on the host, but /dev/kvm was not passed into this "
                                      "container",
                              "Pass the device: docker/podman run --device /dev/kvm ...; in Kubernetes, a device "
                              "plugin (e.g. KubeVirt's) or a privileged pod", value="not passed", cause="container")
            return n.done("fail", "The KVM driver is loaded but /dev/kvm does not exist (no devtmpfs or udev "
                                  "created it)",
                          "sudo mknod -m 0660 /dev/kvm c 10 232 && sudo chgrp kvm /dev/kvm, or `udevadm trigger`",
                          value="no node", cause="node")
        backend = backend_name(src)
        reason = ""
        flags = cpuinfo(src)
        if backend is None and is_x86(src) and flags is not None and flags.flags \
                and not ({"vmx", "svm"} & flags.flags):
            reason = ": the CPU offers no usable VT-x/AMD-V (see cpu-hav)"
        elif backend is None:
            reason = ": no KVM module is loaded (see kvm-backend)"
        return n.done("fail", "No KVM driver: /dev/kvm and /sys/class/misc/kvm are absent" + reason,
                      _module_remedy(src) if not reason.startswith(": the CPU") else
                      "Enable VT-x/AMD-V (see cpu-hav), then load kvm_intel or kvm_amd", value="absent",
                      cause="driver")
    info = dev.info
    n.add("/dev/kvm", device_summary(info))
    details: Dict[str, Any] = {"mode": info.get("mode"), "group": info.get("group"), "open": info.get("open")}
    if info.get("type") == "unknown":
        return n.done("unknown", "/dev/kvm is present, but what opening it gives was not recorded", value="present",
                      **details)
    if info.get("type") != "char" or (info.get("major"), info.get("minor")) != KVM_MISC:
        return n.done("fail", "/dev/kvm is not KVM's device (%s %s:%s, expected char 10:232)" % (
            info.get("type"), info.get("major"), info.get("minor")),
            "Remove the wrong node and let udev create /dev/kvm (char 10:232)", value="wrong node", **details)
    opened = info.get("open")
    ident = identity(src)
    who = "root" if ident.get("euid") == 0 else ("uid %s" % ident.get("euid")) if ident.get("euid") is not None \
        else "this user"
    if opened is None:
        return n.done("unknown", "/dev/kvm is present but was not opened", value="present", **details)
    if opened == "EACCES":
        member = _membership(info, ident)
        details.update(member)
        nodev = _nodev_mount(src)
        if nodev is not None:
            return n.done("fail", "/dev/kvm cannot be opened: %s is mounted nodev" % nodev,
                          "Mount %s without nodev (containers: pass the device with --device /dev/kvm)" % nodev,
                          value="nodev", cause="nodev", **details)
        mode = number(str(info.get("mode") or "0"), 8) or 0
        group = member["group"]
        if member["in_session"]:
            if mode & 0o060 != 0o060:
                return n.done("fail", "Permission denied: %s is in group %s, but /dev/kvm (mode %s) gives the group "
                                      "no read-write access" % (who, group, info.get("mode")),
                              "sudo chmod 0660 /dev/kvm (and a udev rule: KERNEL==\"kvm\", GROUP=\"kvm\", "
                              "MODE=\"0660\")", value="EACCES", cause="mode", **details)
            return n.done("fail", "Permission denied although %s is in group %s (an ACL or LSM denies it)"
                          % (who, group), "Check `getfacl /dev/kvm` and the LSM audit log", value="EACCES",
                          cause="acl", **details)
        if member["in_database"]:
            return n.done("fail", "Permission denied: %s was added to group %s, but this session started before "
                                  "that" % (who, group),
                          "Log out and in again (or run `newgrp %s`) to take up the new group" % group,
                          value="EACCES", cause="session", **details)
        owner = "root" if info.get("uid") == 0 else info.get("uid")
        return n.done("fail", "Permission denied: /dev/kvm is %s:%s mode %s and %s is not in group %s" % (
            owner, group, info.get("mode"), who, group),
            "sudo usermod -aG %s $USER, then log in again (or, until reboot: sudo setfacl -m u:$USER:rw /dev/kvm)"
            % group, value="EACCES", cause="group", **details)
    if opened == "EPERM":
        if container:
            return n.done("fail", "Opening /dev/kvm is denied by this container's device policy (device cgroup)",
                          "Start the container with --device /dev/kvm (or the device-cgroup rule 'c 10:232 rwm')",
                          value="EPERM", cause="device-cgroup", **details)
        return n.done("fail", "Opening /dev/kvm is denied by policy: a device cgroup or a security module (EPERM)",
                      "Check the service's DeviceAllow= (systemd), the device cgroup, and the SELinux/AppArmor audit "
                      "log (ausearch -m avc; journalctl -k | grep -i apparmor)", value="EPERM", cause="policy",
                      **details)
    if opened in ("ENXIO", "ENODEV"):
        return n.done("fail", "/dev/kvm is a stale node: no driver answers char 10:232 (%s)" % opened,
                      _module_remedy(src) + "; then remove the stale node and let udev recreate it",
                      value=opened, cause="stale", **details)
    if opened != "ok":
        return n.done("fail", "/dev/kvm could not be opened (%s)" % opened, value=opened, cause="open", **details)
    api = info.get("kvm_api_version")
    caps = info.get("caps") if isinstance(info.get("caps"), dict) else {}
    details.update({"api_version": api, "caps": caps, "create_vm": info.get("create_vm")})
    vm_types = caps.get("vm_types")
    if isinstance(vm_types, int) and vm_types:
        details["vm_types"] = [name for bit, name in VM_TYPES.items() if vm_types >> bit & 1]
    if api != KVM_API_VERSION:
        return n.done("fail", "/dev/kvm answers KVM_GET_API_VERSION with %s, not 12: an incompatible driver" % api,
                      value="API %s" % api, cause="api", **details)
    create = info.get("create_vm")
    n.add("ioctl:KVM_CREATE_VM", create or "not tried", "the end-to-end proof that a VM can be created now")
    if create is None:
        return n.done("unknown", "/dev/kvm opens (API 12), but KVM_CREATE_VM was not tried", value="API 12",
                      **details)
    if create != "ok":
        return n.done("fail", "/dev/kvm opens (API 12) but KVM_CREATE_VM fails with %s: %s" % (
            create, CREATE_VM_ERRORS.get(create, "see the kernel log")),
            "Stop other hypervisors (VirtualBox, VMware) and check `dmesg | grep -i kvm`"
            if create in ("EBUSY", "EIO") else None, value=create, cause="create-vm", **details)
    limits: List[str] = []
    if caps.get("max_vcpus"):
        limits.append("up to %s vCPUs per VM (%s recommended)" % (caps["max_vcpus"], caps.get("nr_vcpus", "?")))
    if caps.get("nr_memslots"):
        limits.append("%s memory slots" % caps["nr_memslots"])
    n.add("ioctl:KVM_CHECK_EXTENSION", ", ".join("%s=%s" % kv for kv in sorted(caps.items())))
    access = _who_else(info)
    return n.done("pass", "KVM works for %s: API 12, a VM was created%s%s" % (
        who, "; " + ", ".join(limits) if limits else "", "; " + access if access else ""),
        value="usable", **details)


def _who_else(info: Mapping[str, Any]) -> str:
    try:
        mode = int(str(info.get("mode")), 8)
    except ValueError:
        return ""
    if mode & 0o006 == 0o006:
        return "every user can open it (mode %s)" % info.get("mode")
    if mode & 0o060 == 0o060:
        return "members of group %s can open it" % (info.get("group") or info.get("gid"))
    return "only its owner can open it (mode %s)" % info.get("mode")


def _supported_bit(info: Mapping[str, Any], leaf: str, register: int, bit: int) -> Optional[bool]:
    table = info.get("supported_cpuid")
    if not isinstance(table, dict):
        return None
    regs = table.get(leaf)
    if not (isinstance(regs, list) and len(regs) == 4 and isinstance(regs[register], int)):
        return False if table else None  # KVM listed leaves, not this one: it offers nothing there
    return bool(regs[register] >> bit & 1)


@check
def kvm_nested(src, evidence: Sequence[Evidence]) -> Check:
    """Nested virtualization on both sides. Host side: can this host's guests run KVM
    (kvm_intel.nested / kvm_amd.nested, "Y"/"N" and "1"/"0" alike, and whether
    KVM_GET_SUPPORTED_CPUID offers VMX/SVM to guests; PVM cannot). Guest side: does the
    outer hypervisor expose VT-x/AMD-V to this guest, and does /dev/kvm work here."""
    n = Notes("kvm-nested")
    guest = is_guest(src)
    backend = backend_name(src)
    info = cpuinfo(src)
    flags = info.flags if info is not None else frozenset()
    dev = src.device("/dev/kvm")
    kvm_info: Mapping[str, Any] = dev.info if dev.seen else {}
    host_side: Optional[str] = None  # "on", "off", "impossible", None (unknown / no KVM)
    if backend in ("kvm_intel", "kvm_amd"):
        on, raw, path = param_on(src, backend, "nested")
        if raw is not None:
            n.add(path, raw, "kvm_intel prints a bool (Y/N), kvm_amd an int (1/0)")
        if backend == "kvm_intel":
            offered = _supported_bit(kvm_info, "0x1", 2, 5)
            bit_name = "VMX"
        else:
            offered = _supported_bit(kvm_info, "0x80000001", 2, 2)
            bit_name = "SVM"
        if offered is not None:
            n.add("ioctl:KVM_GET_SUPPORTED_CPUID", "%s %s offered to guests" % (bit_name, "is" if offered else "not"),
                  "what KVM would put in its guests' CPUID")
        if on is None and offered is None:
            host_side = None
        else:
            host_side = "on" if (offered if offered is not None else on) else "off"
        state = (kvm_info.get("caps") or {}).get("nested_state") if isinstance(kvm_info.get("caps"), dict) else None
        if state:
            n.add("ioctl:KVM_CHECK_EXTENSION(NESTED_STATE)", state,
                  "nested guests' state can be saved (live migration of nested guests)")
    elif backend == "kvm_pvm":
        host_side = "impossible"
        n.add("/sys/module/kvm_pvm", "present", "PVM offers its guests no VT-x/AMD-V: they cannot run KVM")
    hav_flag = "vmx" if "vmx" in flags else "svm" if "svm" in flags else None
    usable = kvm_usable(src)
    details: Dict[str, Any] = {"guest": guest, "host_side": host_side, "backend": backend}
    if guest:
        n.add("/proc/cpuinfo flags", hav_flag or "no vmx/svm", "in a guest, these come from the outer hypervisor")
        for line in log_lines(src, "Enlightened VMCS", "nested")[:2]:
            n.add("cmd:dmesg", line)
        # PVM gives this guest KVM without VT-x (whether this user may open /dev/kvm is kvm-device's matter).
        guest_side = "exposed" if hav_flag else "pvm" if backend == "kvm_pvm" else "none"
        details["guest_side"] = guest_side
        details["value"] = guest_side
        host_text = {"on": "its own guests can nest too", "off": "its own guests cannot nest (nested is off here)",
                     "impossible": "its guests cannot nest (PVM)"}.get(host_side or "", "")
        if guest_side == "exposed":
            works = " and /dev/kvm works" if usable else " but /dev/kvm is not usable here (see kvm-device)" \
                if usable is False else ""
            return n.done("pass" if usable is not False else "warn",
                          "The outer hypervisor exposes %s to this guest (nested virtualization)%s%s" % (
                              (hav_flag or "").upper(), works, "; " + host_text if host_text else ""), **details)
        if guest_side == "pvm":
            return n.done("warn", "No VT-x/AMD-V is exposed to this guest; KVM runs here through PVM instead, and its "
                                  "guests cannot nest", None, **details)
        return n.done("fail", "The outer hypervisor does not expose VT-x/AMD-V to this guest: no nested "
                              "virtualization", "Enable nested virtualization for this VM at the outer hypervisor "
                              "(kvm_intel.nested=1 / kvm_amd.nested=1 and -cpu host on a KVM host; a cloud instance "
                              "type that supports it)", **details)
    details["value"] = host_side or "unknown"
    if host_side == "on":
        return n.done("pass", "Nested virtualization is on: guests of this host can run KVM (%s.nested)" % backend,
                      **details)
    if host_side == "off":
        module = backend or "kvm_intel"
        return n.done("warn", "Nested virtualization is off: guests of this host cannot run KVM",
                      "echo 'options %s nested=1' | sudo tee /etc/modprobe.d/kvm-nested.conf, then (with no VMs "
                      "running) sudo modprobe -r %s && sudo modprobe %s" % (module, module, module), **details)
    if host_side == "impossible":
        return n.done("fail", "PVM offers no nested virtualization: guests of this host cannot run KVM", **details)
    return n.done("unknown", "No KVM backend with a nested parameter: whether guests could nest is unknown", **details)
