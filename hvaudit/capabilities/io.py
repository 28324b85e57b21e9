"""I/O virtualization: the IOMMU (firmware table, kernel driver, groups, mode, interrupt
remapping), VFIO device assignment, and the in-kernel virtio back-ends and taps that
VMMs use for networking and sockets (vhost-net, vhost-vsock, tun)."""

from __future__ import annotations

from ..facts import Facts
from ..model import Check
from . import check
from .common import (
    Notes,
    cmdline_params,
    config_value,
    device_summary,
    first_line,
    is_x86,
    log_lines,
    machine,
    module_present,
    param_on,
    vendor,
)

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Optional, Sequence, Tuple

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


def interrupt_remapping(facts: Facts, n: Notes) -> Tuple[List[str], List[str]]:
    """(what says on, what says off): from /proc/interrupts, which never rotates, where it
    names x86 interrupt chips; else from the kernel log's boot lines, which may be gone."""
    read = facts.src.read("/proc/interrupts", limit=1 << 20)
    chips = set((read.text or "").split()) if read.seen else set()
    remapped = sorted(chips & set(REMAPPED_CHIPS))
    plain = sorted(chips & set(PLAIN_CHIPS))
    if remapped or plain:
        n.add("/proc/interrupts", ", ".join(remapped or plain),
              "note.io.ir-chips-interrupts-pass")
        return (remapped, []) if remapped else ([], plain)
    remap_on = log_lines(facts, *IR_ENABLED)
    remap_off = log_lines(facts, *IR_DISABLED)
    for line in (remap_on + remap_off)[:2]:
        n.add("cmd:dmesg", line, "note.io.interrupt-remapping-keeps-an")
    return remap_on, remap_off


#: Names one evidence value lists at most (a host with SR-IOV has thousands of devices).
NAMES_LISTED = 8


def listed(names: Sequence[str]) -> str:
    """Names for an evidence value: a few in full, else the first NAMES_LISTED, "..." and
    how many there are in all (the check's fields and details count them too)."""
    if len(names) <= NAMES_LISTED:
        return " ".join(names)
    return "%s ... (%d)" % (" ".join(names[:NAMES_LISTED]), len(names))


def _iommu_groups(src) -> Tuple[Optional[List[str]], Optional[str]]:
    listing = src.listdir("/sys/kernel/iommu_groups")
    if not listing.seen:
        return None, listing.error
    return [g for g in listing.names or () if g.isdigit()], None


@check()
def iommu(facts: Facts) -> Check:
    """The IOMMU that device assignment needs: the firmware's ACPI table (DMAR, IVRS, IORT;
    the vendor from vendor_id, not from vmx/svm), the kernel's IOMMU devices
    (/sys/class/iommu) and groups (/sys/kernel/iommu_groups, their default domain type:
    DMA or identity = passthrough), the command line (intel_iommu=, amd_iommu=, iommu=)
    and interrupt remapping from the kernel log."""
    src = facts.src
    n = Notes("iommu")
    tables = src.listdir("/sys/firmware/acpi/tables")
    present_tables = [t for t in IOMMU_TABLES if tables.seen and t in (tables.names or ())]
    if tables.seen:
        n.add("/sys/firmware/acpi/tables", " ".join(present_tables) or "no DMAR/IVRS/IORT/VIOT",
              "note.io.the-firmware-s-description")
    else:
        n.unseen("/sys/firmware/acpi/tables", tables.error)
    units = src.listdir("/sys/class/iommu")
    unit_names = list(units.names or ()) if units.seen else []
    if units.seen:
        n.add("/sys/class/iommu", " ".join(unit_names) or "(empty)", "note.io.iommu-units-a-kernel")
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
              "note.io.dma-dma-fq-translated")
    params = cmdline_params(src)
    iommu_params = {k: v for k, v in params.items() if k in ("intel_iommu", "amd_iommu", "iommu", "iommu.passthrough",
                                                             "iommu.strict", "amd_iommu_intr")}
    if iommu_params:
        n.add("/proc/cmdline", " ".join("%s=%s" % kv for kv in sorted(iommu_params.items())))
    remap_on, remap_off = interrupt_remapping(facts, n)
    cpu_vendor = vendor(facts)
    details: Dict[str, Any] = {"tables": present_tables, "units": unit_names, "groups": len(groups or []),
                               "domain_types": types, "cmdline": iommu_params,
                               "interrupt_remapping": True if remap_on else False if remap_off else None}
    expected_table = {"intel": "DMAR", "amd": "IVRS"}.get(cpu_vendor or "", "IORT" if machine(src) in (
        "aarch64", "arm64") else None)
    param_name = {"intel": "intel_iommu=on", "amd": "amd_iommu=on"}.get(cpu_vendor or "", "iommu=on")
    active = bool(groups) and bool(unit_names or types)
    if active:
        mode = "iommu.mode.identity" if types and set(types) == {"identity"} else "iommu.mode.dma" if types else ""
        kind = ", ".join(IOMMU_TABLES[t] for t in present_tables) or ", ".join(unit_names[:2]) or "IOMMU"
        details["value"] = kind
        fields: Dict[str, Any] = {"kind": kind, "count": len(groups or []),
                                  "more_msgs": [mode] if mode else []}
        if remap_off and not remap_on:
            fields["more_msgs"].append("iommu.remapping-off")
            return n.done("warn", "iommu.active", "remedy.interrupt-remapping", fields, **details)
        if remap_on:
            fields["more_msgs"].append("iommu.remapping-on")
        return n.done("pass", "iommu.active" if fields["more_msgs"] else "iommu.active-plain", None, fields,
                      **details)
    details["value"] = "none"
    off = [k for k, v in iommu_params.items() if v == "off"]
    if present_tables:
        table = present_tables[0]
        if off:
            return n.done("warn", "iommu.turned-off", "remedy.iommu-remove-off",
                          {"kind": IOMMU_TABLES[table], "table": table, "param": off[0]}, **details)
        return n.done("warn", "iommu.not-enabled", "remedy.iommu-param",
                      {"kind": IOMMU_TABLES[table], "table": table, "param": param_name}, **details)
    if not tables.seen and groups is None:
        return n.done("unknown", "iommu.unreadable", **details)
    if not tables.seen and facts.in_container:
        return n.done("unknown", "iommu.container", **details)
    if facts.guest:
        return n.done("warn", "iommu.none-in-vm", "remedy.viommu", {"param": param_name}, **details)
    if not is_x86(facts) and expected_table is None:
        return n.done("unknown", "iommu.platform-not-audited", **details)
    return n.done("warn", "iommu.no-table", "remedy.iommu-firmware",
                  {"table": expected_table or "IOMMU",
                   "kind": {"intel": "VT-d", "amd": "AMD-Vi (IOMMU)"}.get(cpu_vendor or "", "IOMMU")}, **details)


@check()
def vfio(facts: Facts) -> Check:
    """Device assignment through VFIO: the modules (vfio, vfio_pci, vfio_iommu_type1 and
    whether it allows unsafe interrupts), /dev/vfio/vfio (legacy container) and /dev/iommu
    (iommufd), group nodes in /dev/vfio, devices bound to vfio-pci; it needs an IOMMU."""
    src = facts.src
    n = Notes("vfio")
    modules = {name: module_present(facts, name) for name in ("vfio", "vfio_pci", "vfio_iommu_type1", "iommufd")}
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
        n.add("/dev/vfio", listed(group_nodes), "note.io.iommu-groups-handed-to")
    bound = src.listdir("/sys/bus/pci/drivers/vfio-pci")
    devices = [d for d in bound.names or () if ":" in d] if bound.seen else []
    if devices:
        n.add("/sys/bus/pci/drivers/vfio-pci", listed(devices), "note.vfio.bound")
    unsafe, unsafe_raw, unsafe_path = param_on(src, "vfio_iommu_type1", "allow_unsafe_interrupts")
    if unsafe:
        n.add(unsafe_path, unsafe_raw, "note.io.vfio-accepts-devices-without")
    noiommu, noiommu_raw, noiommu_path = param_on(src, "vfio", "enable_unsafe_noiommu_mode")
    if noiommu:
        n.add(noiommu_path, noiommu_raw, "note.io.no-iommu-mode-no")
    groups_listing = src.listdir("/sys/kernel/iommu_groups")
    has_groups = bool(groups_listing.seen and [g for g in groups_listing.names or () if g.isdigit()])
    built = config_value(facts, "VFIO")
    details: Dict[str, Any] = {"modules": loaded, "groups": group_nodes, "devices": devices,
                               "iommu_groups": has_groups, "config": built}
    details["value"] = "vfio-pci" if "vfio_pci" in loaded else "vfio" if loaded else "none"
    if not loaded and not container_dev.seen and built is None and facts.sys_modules() is None \
            and not groups_listing.seen:
        return n.done("unknown", "vfio.unreadable", **details)
    if not loaded and not container_dev.seen:
        if built == "n":
            return n.done("fail", "vfio.not-built", "remedy.vfio-config", **details)
        if not has_groups:
            return n.done("fail", "vfio.no-vfio-no-groups", "remedy.iommu-then-vfio", **details)
        return n.done("warn", "vfio.not-loaded", "remedy.modprobe-vfio", **details)
    if not has_groups and not noiommu:
        return n.done("fail", "vfio.no-groups", "remedy.enable-iommu", **details)
    if container_dev.seen and container_dev.info.get("open") not in (None, "ok"):
        n.add("/dev/vfio/vfio", "open: %s" % container_dev.info.get("open"))
    if noiommu:
        return n.done("warn", "vfio.no-iommu-mode", None, **details)
    if unsafe:
        return n.done("warn", "vfio.unsafe-interrupts", None, **details)
    more = (["vfio.bound"] if devices else ["vfio.none-bound"]) + (["vfio.iommufd"] if iommufd.seen else [])
    return n.done("pass", "vfio.ready", None, {"count": len(devices), "more_msgs": more}, **details)


#: (node, module, CONFIG option, what it is for, status when missing).
VIRTIO_NODES: Tuple[Tuple[str, str, str, str, str], ...] = (
    ("/dev/net/tun", "tun", "TUN", "note.vhost.tun", "fail"),
    ("/dev/vhost-net", "vhost_net", "VHOST_NET", "note.vhost.vhost-net", "warn"),
    ("/dev/vhost-vsock", "vhost_vsock", "VHOST_VSOCK", "note.vhost.vhost-vsock", "warn"),
)
MISC_NUMBERS = {"/dev/net/tun": (10, 200), "/dev/vhost-net": (10, 238), "/dev/vhost-vsock": (10, 241)}


@check()
def vhost_net(facts: Facts) -> Check:
    """The device nodes VMMs use for guest I/O: /dev/net/tun (tap networking; virt-host-validate
    fails without it), /dev/vhost-net (virt-host-validate warns without it) and
    /dev/vhost-vsock; each present, of the right numbers, openable by this user, and if
    absent whether the module or the kernel lacks it, or a container did not get it."""
    src = facts.src
    n = Notes("vhost-net")
    container = facts.in_container
    states: Dict[str, str] = {}
    problems: List[Tuple[str, Dict[str, Any], Dict[str, Any]]] = []  # (severity, message, remedy message)
    for node, module, option, purpose, severity in VIRTIO_NODES:
        dev = src.device(node)
        if dev.seen:
            info = dev.info
            n.add(node, device_summary(info), purpose)
            if info.get("type") == "char" and "major" in info and (info.get("major"), info.get("minor")) != \
                    MISC_NUMBERS[node]:
                states[node] = "wrong node"
                problems.append((severity, {"id": "vhost-net.wrong-node", "node": node, "major": info.get("major"),
                                            "minor": info.get("minor")}, {"id": "remedy.recreate-node", "node": node}))
                continue
            opened = info.get("open")
            if opened in (None, "ok"):
                states[node] = "ok" if opened == "ok" else "present"
            else:
                states[node] = opened
                problems.append(("warn", {"id": "vhost-net.cannot-open", "node": node, "error": opened},
                                 {"id": "remedy.grant-node", "node": node}))
            continue
        if dev.error not in ("ENOENT", None):
            n.unseen(node, dev.error)
            states[node] = dev.error or "unknown"
            continue
        loaded = module_present(facts, module)
        built = config_value(facts, option)
        if not loaded and built is None and facts.sys_modules() is None:
            states[node] = "unknown"
            n.add(node, "absent; whether the kernel has %s cannot be seen (no /sys/module)" % module)
            continue
        if loaded:
            states[node] = "no node"
            n.add(node, "absent, although %s is loaded" % module)
            remedy = {"id": "remedy.pass-node", "node": node} if container else \
                {"id": "remedy.mknod-node", "node": node, "major": MISC_NUMBERS[node][0],
                 "minor": MISC_NUMBERS[node][1]}
            problems.append((severity, {"id": "vhost-net.missing-in-container" if container else
                                        "vhost-net.missing-module-loaded", "node": node}, remedy))
        elif built == "n":
            states[node] = "not built"
            n.add(node, "absent; CONFIG_%s is not set" % option)
            problems.append((severity, {"id": "vhost-net.not-built", "node": node, "module": module, "option": option},
                             {"id": "remedy.node-config", "option": option}))
        else:
            states[node] = "absent"
            n.add(node, "absent")
            problems.append((severity, {"id": "vhost-net.absent", "node": node, "module": module},
                             {"id": "remedy.pass-node", "node": node} if container else
                             {"id": "remedy.modprobe-node", "module": module}))
    details: Dict[str, Any] = {"nodes": states, "value": ", ".join("%s: %s" % kv for kv in states.items())}
    unknown = [node for node, state in states.items() if state == "unknown"]
    if not problems and unknown:
        return n.done("unknown", "vhost-net.unknown", None, {"nodes": unknown, "count": len(unknown)}, **details)
    if not problems:
        return n.done("pass", "vhost-net.available", **details)
    status = "fail" if any(p[0] == "fail" for p in problems) else "warn"
    ok = [node.rsplit("/", 1)[-1] for node, state in states.items() if state in ("ok", "present")]
    remedies = [r for i, r in enumerate(p[2] for p in problems) if r not in [q[2] for q in problems][:i]]
    available = [{"id": "vhost-net.ok", "ok": ok, "count": len(ok)}] if ok else []
    fields = {"problems_msgs": [p[1] for p in problems] + available, "remedies_msgs": remedies}
    return n.done(status, "vhost-net.problems", "remedy.vhost-net", fields, **details)
