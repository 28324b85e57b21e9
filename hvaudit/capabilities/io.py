"""I/O virtualization: the IOMMU (firmware table, kernel driver, groups, mode, interrupt
remapping), VFIO device assignment, and the in-kernel virtio back-ends and taps that
VMMs use for networking and sockets (vhost-net, vhost-vsock, tun)."""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence, Tuple

from ..model import Check, Evidence
from ..sources import Source
from . import check
from .common import (
    Notes,
    cmdline_params,
    config_value,
    device_summary,
    first_line,
    in_container,
    is_guest,
    is_x86,
    log_lines,
    machine,
    module_present,
    param_on,
    sys_modules,
    vendor,
)

#: ACPI tables that describe an IOMMU: DMAR (Intel VT-d), IVRS (AMD-Vi), IORT (Arm SMMU);
#: VIOT describes a virtio-iommu for guests (ACPI 6.4).
IOMMU_TABLES = {"DMAR": "Intel VT-d", "IVRS": "AMD-Vi", "IORT": "Arm SMMU", "VIOT": "virtio-iommu"}
#: Kernel log lines about interrupt remapping (drivers/iommu/intel/irq_remapping.c, amd/init.c).
IR_ENABLED = ("Enabled IRQ remapping", "Interrupt remapping enabled", "IRQ remapping enabled")
IR_DISABLED = ("IRQ remapping was enabled on", "Not enabling interrupt remapping", "x2apic is disabled",
               "Failed to enable irq remapping", "Interrupt remapping disabled")
MAX_GROUPS_READ = 64  # group types read; the count is always complete
#: x86 interrupt chips in /proc/interrupts: with remapping on, the kernel names them "IR-..."
#: (arch/x86/kernel/apic: IR-IO-APIC, IR-PCI-MSI; drivers/iommu/intel/irq_remapping.c).
REMAPPED_CHIPS = ("IR-IO-APIC", "IR-PCI-MSI", "IR-PCI-MSIX")
PLAIN_CHIPS = ("IO-APIC", "PCI-MSI", "PCI-MSIX")


def interrupt_remapping(src: Source, n: Notes) -> Tuple[List[str], List[str]]:
    """(what says on, what says off): from /proc/interrupts, which never rotates, where it
    names x86 interrupt chips; else from the kernel log's boot lines, which may be gone."""
    read = src.read("/proc/interrupts", limit=1 << 20)
    chips = set((read.text or "").split()) if read.seen else set()
    remapped = sorted(chips & set(REMAPPED_CHIPS))
    plain = sorted(chips & set(PLAIN_CHIPS))
    if remapped or plain:
        n.add("/proc/interrupts", ", ".join(remapped or plain),
              "IR- chips: interrupts pass through the IOMMU's remapping table, which keeps an assigned "
              "device from injecting arbitrary interrupts")
        return (remapped, []) if remapped else ([], plain)
    remap_on = log_lines(src, *IR_ENABLED)
    remap_off = log_lines(src, *IR_DISABLED)
    for line in (remap_on + remap_off)[:2]:
        n.add("cmd:dmesg", line, "interrupt remapping keeps an assigned device from injecting arbitrary interrupts")
    return remap_on, remap_off


def _iommu_groups(src) -> Tuple[Optional[List[str]], Optional[str]]:
    listing = src.listdir("/sys/kernel/iommu_groups")
    if not listing.seen:
        return None, listing.error
    return [g for g in listing.names or () if g.isdigit()], None


@check
def iommu(src, evidence: Sequence[Evidence]) -> Check:
    """The IOMMU that device assignment needs: the firmware's ACPI table (DMAR, IVRS, IORT;
    the vendor from vendor_id, not from vmx/svm), the kernel's IOMMU devices
    (/sys/class/iommu) and groups (/sys/kernel/iommu_groups, their default domain type:
    DMA or identity = passthrough), the command line (intel_iommu=, amd_iommu=, iommu=)
    and interrupt remapping from the kernel log."""
    n = Notes("iommu")
    tables = src.listdir("/sys/firmware/acpi/tables")
    present_tables = [t for t in IOMMU_TABLES if tables.seen and t in (tables.names or ())]
    if tables.seen:
        n.add("/sys/firmware/acpi/tables", " ".join(present_tables) or "no DMAR/IVRS/IORT/VIOT",
              "the firmware's description of the platform's IOMMU")
    else:
        n.unseen("/sys/firmware/acpi/tables", tables.error)
    units = src.listdir("/sys/class/iommu")
    unit_names = list(units.names or ()) if units.seen else []
    if units.seen:
        n.add("/sys/class/iommu", " ".join(unit_names) or "(empty)", "IOMMU units a kernel driver manages")
    groups, groups_error = _iommu_groups(src)
    if groups is not None:
        n.add("/sys/kernel/iommu_groups", "%d groups" % len(groups))
    else:
        n.unseen("/sys/kernel/iommu_groups", groups_error)
    types: Dict[str, int] = {}
    for group in (groups or [])[:MAX_GROUPS_READ]:
        kind, _ = first_line(src, "/sys/kernel/iommu_groups/%s/type" % group)
        if kind:
            types[kind] = types.get(kind, 0) + 1
    if types:
        n.add("/sys/kernel/iommu_groups/*/type", ", ".join("%s=%d" % kv for kv in sorted(types.items())),
              "DMA/DMA-FQ: translated; identity: passthrough (iommu=pt)")
    params = cmdline_params(src)
    iommu_params = {k: v for k, v in params.items() if k in ("intel_iommu", "amd_iommu", "iommu", "iommu.passthrough",
                                                             "iommu.strict", "amd_iommu_intr")}
    if iommu_params:
        n.add("/proc/cmdline", " ".join("%s=%s" % kv for kv in sorted(iommu_params.items())))
    remap_on, remap_off = interrupt_remapping(src, n)
    cpu_vendor = vendor(src)
    details: Dict[str, Any] = {"tables": present_tables, "units": unit_names, "groups": len(groups or []),
                               "domain_types": types, "cmdline": iommu_params,
                               "interrupt_remapping": True if remap_on else False if remap_off else None}
    expected_table = {"intel": "DMAR", "amd": "IVRS"}.get(cpu_vendor or "", "IORT" if machine(src) in (
        "aarch64", "arm64") else None)
    param_name = {"intel": "intel_iommu=on", "amd": "amd_iommu=on"}.get(cpu_vendor or "", "iommu=on")
    active = bool(groups) and bool(unit_names or types)
    if active:
        mode = "passthrough (identity)" if types and set(types) == {"identity"} else "translated DMA" if types else ""
        kind = ", ".join(IOMMU_TABLES[t] for t in present_tables) or ", ".join(unit_names[:2]) or "IOMMU"
        details["value"] = kind
        summary = "IOMMU active: %s, %d groups%s" % (kind, len(groups or []), ", " + mode if mode else "")
        if remap_off and not remap_on:
            return n.done("warn", summary + "; interrupt remapping is off",
                          "Enable interrupt remapping (x2APIC, firmware); VFIO otherwise needs "
                          "vfio_iommu_type1.allow_unsafe_interrupts=1, which is unsafe", **details)
        return n.done("pass", summary + ("; interrupt remapping on" if remap_on else ""), **details)
    details["value"] = "none"
    off = [k for k, v in iommu_params.items() if v == "off"]
    if present_tables:
        table = present_tables[0]
        if off:
            return n.done("warn", "The firmware describes %s (%s) but the kernel command line turns it off (%s=off)"
                          % (IOMMU_TABLES[table], table, off[0]),
                          "Remove %s=off from the kernel command line" % off[0], **details)
        return n.done("warn", "The firmware describes %s (%s) but the kernel has not enabled it" % (
            IOMMU_TABLES[table], table),
            "Add %s (and iommu=pt for host performance) to the kernel command line, then reboot" % param_name,
            **details)
    if not tables.seen and groups is None:
        return n.done("unknown", "Neither the ACPI tables nor the IOMMU groups could be read", **details)
    if not tables.seen and in_container(evidence):
        return n.done("unknown", "This container cannot see the firmware tables; the host's IOMMU is unknown",
                      **details)
    if is_guest(src):
        return n.done("warn", "No IOMMU in this VM: devices cannot be assigned to nested guests",
                      "Give the VM a virtual IOMMU (QEMU: -device intel-iommu,intremap=on or virtio-iommu) and add "
                      "%s" % param_name, **details)
    if not is_x86(src) and expected_table is None:
        return n.done("unknown", "No IOMMU found; this platform's IOMMU description is not audited", **details)
    return n.done("warn", "No %s table: the IOMMU is disabled in the firmware or the platform has none" % (
        expected_table or "IOMMU"),
        "Enable %s in the firmware (BIOS/UEFI) setup" % {"intel": "VT-d", "amd": "AMD-Vi (IOMMU)"}.get(
            cpu_vendor or "", "the IOMMU"), **details)


@check
def vfio(src, evidence: Sequence[Evidence]) -> Check:
    """Device assignment through VFIO: the modules (vfio, vfio_pci, vfio_iommu_type1 and
    whether it allows unsafe interrupts), /dev/vfio/vfio (legacy container) and /dev/iommu
    (iommufd), group nodes in /dev/vfio, devices bound to vfio-pci; it needs an IOMMU."""
    n = Notes("vfio")
    modules = {name: module_present(src, name) for name in ("vfio", "vfio_pci", "vfio_iommu_type1", "iommufd")}
    loaded = {k: v for k, v in modules.items() if v}
    n.add("/sys/module", ", ".join("%s (%s)" % kv for kv in loaded.items()) or "no vfio modules")
    container_dev = src.device("/dev/vfio/vfio")
    iommufd = src.device("/dev/iommu")
    for dev in (container_dev, iommufd):
        if dev.seen:
            n.add(dev.where, device_summary(dev.info))
    nodes = src.listdir("/dev/vfio")
    group_nodes = [g for g in nodes.names or () if g.isdigit() or g.startswith("noiommu-")] if nodes.seen else []
    if group_nodes:
        n.add("/dev/vfio", " ".join(group_nodes), "IOMMU groups handed to VFIO")
    bound = src.listdir("/sys/bus/pci/drivers/vfio-pci")
    devices = [d for d in bound.names or () if ":" in d] if bound.seen else []
    if devices:
        n.add("/sys/bus/pci/drivers/vfio-pci", " ".join(devices[:8]), "PCI devices bound to vfio-pci")
    unsafe, unsafe_raw, unsafe_path = param_on(src, "vfio_iommu_type1", "allow_unsafe_interrupts")
    if unsafe:
        n.add(unsafe_path, unsafe_raw, "VFIO accepts devices without interrupt remapping: a guest could forge MSIs")
    noiommu, noiommu_raw, noiommu_path = param_on(src, "vfio", "enable_unsafe_noiommu_mode")
    if noiommu:
        n.add(noiommu_path, noiommu_raw, "no-IOMMU mode: no isolation at all, for user-space drivers only")
    groups_listing = src.listdir("/sys/kernel/iommu_groups")
    has_groups = bool(groups_listing.seen and [g for g in groups_listing.names or () if g.isdigit()])
    built = config_value(src, "VFIO")
    details: Dict[str, Any] = {"modules": loaded, "groups": group_nodes, "devices": devices,
                               "iommu_groups": has_groups, "config": built}
    details["value"] = "vfio-pci" if "vfio_pci" in loaded else "vfio" if loaded else "none"
    if not loaded and not container_dev.seen and built is None and sys_modules(src) is None \
            and not groups_listing.seen:
        return n.done("unknown", "Neither the modules nor the IOMMU groups can be seen here", **details)
    if not loaded and not container_dev.seen:
        if built == "n":
            return n.done("fail", "This kernel is built without VFIO (CONFIG_VFIO is not set)",
                          "Boot a kernel with CONFIG_VFIO and CONFIG_VFIO_PCI", **details)
        if not has_groups:
            return n.done("fail", "No VFIO and no IOMMU groups: devices cannot be assigned to guests",
                          "Enable the IOMMU first (see iommu), then sudo modprobe vfio-pci", **details)
        return n.done("warn", "The IOMMU is ready but VFIO is not loaded",
                      "sudo modprobe vfio-pci (and bind devices: driverctl set-override <BDF> vfio-pci)", **details)
    if not has_groups and not noiommu:
        return n.done("fail", "VFIO is loaded but there are no IOMMU groups: no device can be assigned",
                      "Enable the IOMMU (see iommu)", **details)
    if container_dev.seen and container_dev.info.get("open") not in (None, "ok"):
        n.add("/dev/vfio/vfio", "open: %s" % container_dev.info.get("open"))
    if noiommu:
        return n.done("warn", "VFIO runs in no-IOMMU mode: assigned devices are not isolated", None, **details)
    if unsafe:
        return n.done("warn", "VFIO is ready but allows unsafe interrupts (no interrupt remapping)", None, **details)
    what = "%d device(s) bound to vfio-pci" % len(devices) if devices else "no device bound to vfio-pci yet"
    return n.done("pass", "VFIO is ready: %s%s" % (what, ", iommufd available" if iommufd.seen else ""), **details)


#: (node, module, CONFIG option, what it is for, status when missing).
VIRTIO_NODES: Tuple[Tuple[str, str, str, str, str], ...] = (
    ("/dev/net/tun", "tun", "TUN", "tap devices for guest networking (QEMU, libvirt, Firecracker)", "fail"),
    ("/dev/vhost-net", "vhost_net", "VHOST_NET", "in-kernel virtio-net back-end (fast guest networking)", "warn"),
    ("/dev/vhost-vsock", "vhost_vsock", "VHOST_VSOCK", "in-kernel virtio-vsock back-end (host-guest sockets; "
     "QEMU vhost-vsock, Kata)", "warn"),
)
MISC_NUMBERS = {"/dev/net/tun": (10, 200), "/dev/vhost-net": (10, 238), "/dev/vhost-vsock": (10, 241)}


@check
def vhost_net(src, evidence: Sequence[Evidence]) -> Check:
    """The device nodes VMMs use for guest I/O: /dev/net/tun (tap networking; virt-host-validate
    fails without it), /dev/vhost-net (virt-host-validate warns without it) and
    /dev/vhost-vsock; each present, of the right numbers, openable by this user, and if
    absent whether the module or the kernel lacks it, or a container did not get it."""
    n = Notes("vhost-net")
    container = in_container(evidence)
    states: Dict[str, str] = {}
    problems: List[Tuple[str, str, str]] = []  # (severity, text, remedy)
    for node, module, option, purpose, severity in VIRTIO_NODES:
        dev = src.device(node)
        if dev.seen:
            info = dev.info
            n.add(node, device_summary(info), purpose)
            if info.get("type") == "char" and "major" in info and (info.get("major"), info.get("minor")) != \
                    MISC_NUMBERS[node]:
                states[node] = "wrong node"
                problems.append((severity, "%s is not the expected device (%s:%s)" % (
                    node, info.get("major"), info.get("minor")), "Recreate %s" % node))
                continue
            opened = info.get("open")
            if opened in (None, "ok"):
                states[node] = "ok" if opened == "ok" else "present"
            else:
                states[node] = opened
                problems.append(("warn", "%s cannot be opened by this user (%s)" % (node, opened),
                                 "Grant access to %s (group or udev rule), or run the VMM with the right group"
                                 % node))
            continue
        if dev.error not in ("ENOENT", None):
            n.unseen(node, dev.error)
            states[node] = dev.error or "unknown"
            continue
        loaded = module_present(src, module)
        built = config_value(src, option)
        if not loaded and built is None and sys_modules(src) is None:
            states[node] = "unknown"
            n.add(node, "absent; whether the kernel has %s cannot be seen (no /sys/module)" % module)
            continue
        if loaded:
            states[node] = "no node"
            n.add(node, "absent, although %s is loaded" % module)
            remedy = ("Pass it into the container: --device %s" % node) if container else \
                "Create the node: udevadm trigger (or mknod %s c %d %d)" % ((node,) + MISC_NUMBERS[node])
            problems.append((severity, "%s is missing %s" % (
                node, "in this container" if container else "although its module is loaded"), remedy))
        elif built == "n":
            states[node] = "not built"
            n.add(node, "absent; CONFIG_%s is not set" % option)
            problems.append((severity, "%s is absent: the kernel is built without %s (CONFIG_%s)" % (
                node, module, option), "Use a kernel built with CONFIG_%s" % option))
        else:
            states[node] = "absent"
            n.add(node, "absent")
            problems.append((severity, "%s is absent (module %s not loaded)" % (node, module),
                             ("Pass it into the container: --device %s" % node) if container else
                             "sudo modprobe %s (persist it in /etc/modules-load.d/)" % module))
    details: Dict[str, Any] = {"nodes": states, "value": ", ".join("%s: %s" % kv for kv in states.items())}
    unknown = [node for node, state in states.items() if state == "unknown"]
    if not problems and unknown:
        return n.done("unknown", "%s absent, and whether the kernel could provide %s cannot be seen" % (
            ", ".join(unknown), "them" if len(unknown) > 1 else "it"), **details)
    if not problems:
        return n.done("pass", "tun, vhost-net and vhost-vsock are available", **details)
    status = "fail" if any(p[0] == "fail" for p in problems) else "warn"
    ok = [node.rsplit("/", 1)[-1] for node, state in states.items() if state in ("ok", "present")]
    summary = "; ".join(p[1] for p in problems) + ("; %s available" % ", ".join(ok) if ok else "")
    remedy = "; ".join(dict.fromkeys(p[2] for p in problems))
    return n.done(status, summary, remedy, **details)
