"""What the kernel learnt from the hypervisor: Xen's interfaces, paravirtual buses and
clocks, virtual PCI vendors, device trees (Arm, POWER), IBM Z sysinfo and SPARC LDoms."""

from __future__ import annotations

from ..model import Evidence, Strength
from ..parsers.procfs import parse_hex_mask
from ..signatures import CLOCKSOURCES, PARAVIRTUAL_PCI_VENDORS, PCI_VENDORS
from ..sources import Source
from ..views import LINUX, PCI_DEVICES, Views
from . import ev, missing, probe

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterator


XENFEAT_DOM0 = 11  # xen/include/public/features.h


def _text(src: Source, path: str, limit: int = 4096) -> tuple[str | None, str | None]:
    read = src.read(path, limit=limit)
    return (read.text, None) if read.seen else (None, read.error)


@probe("xen.interfaces", systems=(LINUX,))
def xen_interfaces(src: Source, views: Views) -> Iterator[Evidence]:
    """/sys/hypervisor/{type,guest_type,properties/features}, /proc/xen and its
    capabilities (`control_d` in dom0), and the xen buses: the Linux Xen drivers publish
    these only when the kernel runs on Xen."""
    pid = "xen.interfaces"
    htype, err = _text(src, "/sys/hypervisor/type")
    if htype is not None and htype.strip():
        value = htype.strip()
        yield ev(pid, "/sys/hypervisor/type", value, "vm", "xen" if value == "xen" else "*", Strength.DEFINITIVE,
                 "note.probe.hypervisor.the-kernel-s-hypervisor")
    else:
        yield from missing(pid, "/sys/hypervisor/type", err)
    uuid, _ = _text(src, "/sys/hypervisor/uuid")
    if uuid and uuid.strip().lower().startswith("ec2"):
        yield ev(pid, "/sys/hypervisor/uuid", uuid.strip(), "cloud", "aws", Strength.STRONG,
                 "note.probe.hypervisor.ec2-s-xen-instances")
    guest_type, _ = _text(src, "/sys/hypervisor/guest_type")
    if guest_type and guest_type.strip() in ("PV", "HVM", "PVH"):
        yield ev(pid, "/sys/hypervisor/guest_type", guest_type.strip(), "xen_mode", guest_type.strip().lower(),
                 Strength.DEFINITIVE, "note.probe.hypervisor.the-xen-guest-type")
    features, _ = _text(src, "/sys/hypervisor/properties/features")
    mask = parse_hex_mask(features) if features else None
    if mask is not None and mask >> XENFEAT_DOM0 & 1:
        yield ev(pid, "/sys/hypervisor/properties/features", features.strip() if features else "",
                 "role", "control-domain", Strength.DEFINITIVE, "note.probe.hypervisor.xenfeat-dom0-this-is")
    proc_xen = src.listdir("/proc/xen")
    if proc_xen.seen:
        yield ev(pid, "/proc/xen", " ".join(proc_xen.names or ()) or "(empty)", "vm", "xen", Strength.DEFINITIVE,
                 "note.probe.hypervisor.xenfs-exists-only-in")
        caps, _ = _text(src, "/proc/xen/capabilities")
        if caps is not None:
            if "control_d" in caps:
                yield ev(pid, "/proc/xen/capabilities", caps.strip(), "role", "control-domain", Strength.DEFINITIVE,
                         "note.probe.hypervisor.control-d-this-domain")
            else:
                yield ev(pid, "/proc/xen/capabilities", caps.strip() or "(empty)", "role", "guest", Strength.STRONG,
                         "note.probe.hypervisor.no-control-d-an")
    # Every kernel built with Xen support registers the bus, on any machine: only what is
    # on it says anything. Front-end drivers (xen-blkfront, xen-netfront) register only in
    # a Xen domain (their init returns -ENODEV elsewhere), and devices only where Xen's
    # back-ends offer them.
    on_bus = [(path, listing.names) for path, listing in
              ((p, src.listdir(p)) for p in ("/sys/bus/xen/devices", "/sys/bus/xen/drivers")) if listing.names]
    if on_bus:
        backend = src.listdir("/sys/bus/xen-backend")
        yield ev(pid, on_bus[0][0], " ".join(on_bus[0][1] or ()), "vm", "xen", Strength.STRONG,
                 "note.probe.hypervisor.front-end-drivers-or")
        if not backend.seen and not proc_xen.seen:
            yield ev(pid, "/sys/bus/xen-backend", "absent", "xen_mode", "hvm", Strength.HINT,
                     "note.probe.hypervisor.front-end-drivers-without")


@probe("paravirt.buses", systems=(LINUX,))
def paravirt_buses(src: Source, views: Views) -> Iterator[Evidence]:
    """Paravirtual device buses: VMBus exists only under Hyper-V; virtio and xenbus devices
    are the paravirtual drivers of KVM-family VMMs and Xen."""
    pid = "paravirt.buses"
    for path, device, claim in (("/sys/bus/vmbus/devices", "vmbus", "microsoft"),
                                ("/sys/bus/virtio/devices", "virtio", None),
                                ("/sys/bus/xen/devices", "xenbus", "xen")):
        listing = src.listdir(path)
        if not listing.seen:
            yield from missing(pid, path, listing.error)
            continue
        if not listing.names:
            continue
        raw = "%d devices" % len(listing.names)
        yield ev(pid, path, raw, "pv_device", device, Strength.STRONG,
                 "note.probe.hypervisor.paravirtual-devices-the-guest")
        if claim:
            yield ev(pid, path, raw, "vm", claim, Strength.STRONG,
                     "note.probe.hypervisor.only-this-hypervisor-offers")


@probe("paravirt.clocksource", systems=(LINUX,))
def clocksource(src: Source, views: Views) -> Iterator[Evidence]:
    """Clock sources the kernel registered: kvm-clock, Hyper-V's TSC page and xen appear only
    when the hypervisor offers them."""
    pid = "paravirt.clocksource"
    base = "/sys/devices/system/clocksource/clocksource0"
    available, err = _text(src, base + "/available_clocksource")
    current, _ = _text(src, base + "/current_clocksource")
    if available is None:
        yield from missing(pid, base + "/available_clocksource", err)
        return
    names = available.split()
    if current and current.strip():
        yield ev(pid, base + "/current_clocksource", current.strip(), "clocksource", current.strip(), Strength.STRONG,
                 "note.probe.hypervisor.the-clock-the-kernel")
    for name in names:
        tech = CLOCKSOURCES.get(name)
        if tech:
            yield ev(pid, base + "/available_clocksource", name, "vm", tech, Strength.STRONG,
                     "note.probe.hypervisor.a-paravirtual-clock-the")


@probe("pci.vendors", systems=(LINUX,))
def pci_vendors(src: Source, views: Views) -> Iterator[Evidence]:
    """PCI vendor ids of emulated or paravirtual devices (pci.ids): VMware's SVGA, VirtualBox's
    guest device, Xen's platform device, Hyper-V's, virtio's."""
    pid = "pci.vendors"
    vendors, error = views.pci_vendors()
    if vendors is None:
        yield from missing(pid, PCI_DEVICES, error)
        return
    for vendor, device in vendors.items():
        where = "%s/%s/vendor" % (PCI_DEVICES, device)
        for facet, value in PCI_VENDORS.get(vendor, ()):
            yield ev(pid, where, vendor, facet, value, Strength.WEAK, "note.probe.hypervisor.a-pci-vendor-id")
        if vendor in PARAVIRTUAL_PCI_VENDORS:
            yield ev(pid, where, vendor, "pv_device", PARAVIRTUAL_PCI_VENDORS[vendor], Strength.STRONG,
                     "note.probe.hypervisor.a-paravirtual-pci-device")


def _dt_strings(src: Source, path: str) -> list[str]:
    read = src.read(path, limit=4096)
    if not read.seen or read.data is None:
        return []
    strings = (s.strip().decode("utf-8", "replace") for s in read.data.split(b"\0"))
    return [s for s in strings if s]


@probe("devicetree.hypervisor", systems=(LINUX,))
def device_tree(src: Source, views: Views) -> Iterator[Evidence]:
    """Device tree (Arm, POWER, RISC-V): the /hypervisor node's compatible, QEMU's fw-cfg
    node, the virtual board "linux,dummy-virt", and PowerVM's partition properties."""
    pid = "devicetree.hypervisor"
    root = src.listdir("/proc/device-tree")
    if not root.seen:
        yield from missing(pid, "/proc/device-tree", root.error)
        return
    names = set(root.names or ())
    compatible = _dt_strings(src, "/proc/device-tree/hypervisor/compatible")
    if compatible:
        joined = " ".join(compatible)
        tech = "kvm" if "linux,kvm" in compatible else "xen" if "xen" in joined else (
            "vmware" if "vmware" in joined else "*")
        yield ev(pid, "/proc/device-tree/hypervisor/compatible", joined, "vm", tech, Strength.STRONG,
                 "note.probe.hypervisor.the-vmm-describes-itself")
    fw_cfg = sorted(n for n in names if n.startswith("fw-cfg"))
    board = _dt_strings(src, "/proc/device-tree/compatible")
    if fw_cfg:
        yield ev(pid, "/proc/device-tree/" + fw_cfg[0], fw_cfg[0], "vmm", "qemu", Strength.STRONG,
                 "note.probe.hypervisor.fw-cfg-is-qemu")
        yield ev(pid, "/proc/device-tree/" + fw_cfg[0], fw_cfg[0], "vm", "qemu", Strength.WEAK,
                 "note.probe.hypervisor.qemu-accelerated-by-kvm")
    if "linux,dummy-virt" in board:
        yield ev(pid, "/proc/device-tree/compatible", " ".join(board), "vm", "*", Strength.STRONG,
                 "note.probe.hypervisor.linux-dummy-virt-is")
        if not fw_cfg:
            yield ev(pid, "/proc/device-tree/compatible", " ".join(board), "vmm", "kvmtool", Strength.WEAK,
                     "note.probe.hypervisor.a-virtual-board-without")
            yield ev(pid, "/proc/device-tree/compatible", " ".join(board), "vm", "kvm", Strength.WEAK,
                     "note.probe.hypervisor.kvmtool-runs-guests-on")
    if "qemu,pseries" in board:
        yield ev(pid, "/proc/device-tree/compatible", " ".join(board), "vm", "qemu", Strength.WEAK,
                 "note.probe.hypervisor.a-pseries-machine-emulated")
    if "ibm,powernv" in board:
        yield ev(pid, "/proc/device-tree/compatible", " ".join(board), "vm", "none", Strength.STRONG,
                 "note.probe.hypervisor.powernv-linux-on-opal")
    if "ibm,partition-name" in names and "hmc-managed?" in names:
        chosen = src.listdir("/proc/device-tree/chosen")
        if not (chosen.seen and "qemu,graphic-width" in (chosen.names or ())):
            yield ev(pid, "/proc/device-tree/ibm,partition-name", "hmc-managed partition", "vm", "powervm",
                     Strength.STRONG, "note.probe.hypervisor.an-hmc-managed-logical")


@probe("s390.sysinfo", systems=(LINUX,))
def s390_sysinfo(src: Source, views: Views) -> Iterator[Evidence]:
    """IBM Z: /proc/sysinfo lists the hypervisors the guest runs under, outermost first:
    LPAR (PR/SM), then "VM00 Control Program: z/VM" or "KVM/Linux"."""
    pid = "s390.sysinfo"
    text, err = _text(src, "/proc/sysinfo", limit=65536)
    if text is None:
        yield from missing(pid, "/proc/sysinfo", err)
        return
    programs = [line.split(":", 1)[1].strip() for line in text.splitlines()
                if line.startswith("VM") and "Control Program:" in line]
    for program in programs[-1:]:  # the innermost level is listed last
        tech = "zvm" if "z/VM" in program else "kvm" if "KVM" in program else "*"
        yield ev(pid, "/proc/sysinfo", program, "vm", tech, Strength.DEFINITIVE,
                 "note.probe.hypervisor.the-control-program-this")
    if not programs and any(line.startswith("LPAR") for line in text.splitlines()):
        yield ev(pid, "/proc/sysinfo", "LPAR", "vm", "none", Strength.STRONG,
                 "note.probe.hypervisor.linux-in-a-logical")


@probe("powervm.lparcfg", systems=(LINUX,))
def lparcfg(src: Source, views: Views) -> Iterator[Evidence]:
    """/proc/ppc64/lparcfg: how a PowerVM partition gets its processors."""
    pid = "powervm.lparcfg"
    text, err = _text(src, "/proc/ppc64/lparcfg", limit=65536)
    if text is None:
        yield from missing(pid, "/proc/ppc64/lparcfg", err)
        return
    shared = "shared_processor_mode=1" in text.split()
    yield ev(pid, "/proc/ppc64/lparcfg", "shared_processor_mode=%d" % shared, "lpar",
             "shared" if shared else "dedicated", Strength.STRONG, "note.probe.hypervisor.the-partition-s-processor")


@probe("sparc.ldoms", systems=(LINUX,))
def ldoms(src: Source, views: Views) -> Iterator[Evidence]:
    """SPARC: /dev/mdesc, the machine description that the LDoms hypervisor gives each domain."""
    pid = "sparc.ldoms"
    if not src.uname().get("machine", "").startswith("sparc"):
        return
    node = src.device("/dev/mdesc")
    if node.seen:
        yield ev(pid, "/dev/mdesc", "present", "vm", "ldoms", Strength.STRONG,
                 "note.probe.hypervisor.the-hypervisor-s-machine")


#: VM monitor processes (as the vm-processes answer names them) -> the technology they run.
VMM_PROCESSES = {"qemu-system-": "qemu", "qemu-kvm": "qemu", "firecracker": "firecracker",
                 "cloud-hyperviso": "cloud-hypervisor", "crosvm": "crosvm", "lkvm": "kvmtool",
                 "vboxheadless": "virtualbox", "virtualboxvm": "virtualbox", "vmware-vmx": "vmware"}


@probe("host.vm-processes", systems=(LINUX,))
def vm_processes(src: Source, views: Views) -> Iterator[Evidence]:
    """VM monitors running on this system (QEMU, Firecracker, Cloud Hypervisor, crosvm,
    kvmtool, VirtualBox, VMware): a host role, independent of being a guest."""
    pid = "host.vm-processes"
    counts = views.vm_processes()
    if counts is None:
        error = src.command("vm-processes").error
        yield from missing(pid, "cmd:vm-processes", error if error != "EINVAL" else None)
        return
    for name, count in counts.items():
        tech = VMM_PROCESSES.get(name)
        if tech and count > 0:
            yield ev(pid, "cmd:vm-processes " + name, "%s running: %s" % (name, count), "hosting", tech,
                     Strength.STRONG, "note.probe.hypervisor.a-vm-monitor-process")
