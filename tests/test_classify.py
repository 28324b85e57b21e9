"""The classifier's reasoning, on in-memory sources built from documented signals."""

from __future__ import annotations

from hvaudit.audit import run_audit

from .support import HYPERVISOR_BIT, NO_HYPERVISOR_BIT, DictSource, signature

INITIAL_NS = {"/proc/self/ns/pid": "pid:[4026531836]", "/proc/self/ns/user": "user:[4026531837]",
              "/proc/self/ns/cgroup": "cgroup:[4026531835]", "/proc/self/ns/uts": "uts:[4026531838]",
              "/proc/self/ns/ipc": "ipc:[4026531839]"}
CONTAINER_NS = {"/proc/self/ns/pid": "pid:[4026532301]", "/proc/self/ns/user": "user:[4026531837]",
                "/proc/self/ns/cgroup": "cgroup:[4026532305]", "/proc/self/ns/uts": "uts:[4026532299]",
                "/proc/self/ns/ipc": "ipc:[4026532300]"}
GUEST_CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme hypervisor\n"
HOST_CPUINFO = "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu vme vmx\n"


def ids(report) -> set:
    return {f.id for f in report.findings}


def test_bare_metal_without_hypervisor_bit() -> None:
    report = run_audit(DictSource({"/proc/cpuinfo": HOST_CPUINFO}, cpuid={(1, 0): NO_HYPERVISOR_BIT},
                                  links=INITIAL_NS), checks=False)
    assert (report.vm, report.container, report.classification) == ("none", "none", "bare-metal-host")
    assert "host.bare-metal" in ids(report)


def test_dmi_vendor_alone_never_makes_a_vm() -> None:
    # An Oracle server (systemd #21100) and a Surface laptop (#21468): vendor strings, no hypervisor.
    for vendor, product in (("Oracle Corporation", "SUN FIRE X4170 M3"), ("Microsoft Corporation", "Surface Laptop 3")):
        files = {"/proc/cpuinfo": HOST_CPUINFO, "/sys/class/dmi/id/sys_vendor": vendor + "\n",
                 "/sys/class/dmi/id/product_name": product + "\n", "/sys/class/dmi/id/board_vendor": vendor + "\n"}
        report = run_audit(DictSource(files, cpuid={(1, 0): NO_HYPERVISOR_BIT}, links=INITIAL_NS), checks=False)
        assert report.vm == "none", vendor


def test_vmware_dmi_without_hypervisor_bit_is_reported_as_outweighed() -> None:
    files = {"/proc/cpuinfo": HOST_CPUINFO, "/sys/class/dmi/id/sys_vendor": "VMware, Inc.\n"}
    report = run_audit(DictSource(files, cpuid={(1, 0): NO_HYPERVISOR_BIT}), checks=False)
    assert report.vm == "none"
    assert "vm.dmi-vendor-without-vm" in ids(report)


def test_kvm_behind_hyperv_enlightenments_is_kvm() -> None:
    cpuid = {(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("Microsoft Hv"),
             (0x40000100, 0): signature("KVMKVMKVM")}
    report = run_audit(DictSource({"/proc/cpuinfo": GUEST_CPUINFO}, cpuid=cpuid), checks=False)
    assert report.vm == "kvm"
    assert "vm.hyperv-enlightenments" in ids(report)


def test_xen_behind_viridian_is_xen() -> None:
    cpuid = {(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("Microsoft Hv"),
             (0x40000100, 0): signature("XenVMMXenVMM")}
    report = run_audit(DictSource({"/proc/cpuinfo": GUEST_CPUINFO}, cpuid=cpuid), checks=False)
    assert report.vm == "xen"
    assert [layer.details.get("xen_mode") for layer in report.layers if layer.kind == "vm"] == ["hvm"]


def test_virtualbox_presenting_kvm_interface_is_virtualbox() -> None:
    cpuid = {(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("KVMKVMKVM")}
    files = {"/proc/cpuinfo": GUEST_CPUINFO, "/sys/class/dmi/id/sys_vendor": "innotek GmbH\n",
             "/sys/class/dmi/id/product_name": "VirtualBox\n"}
    report = run_audit(DictSource(files, cpuid=cpuid), checks=False)
    assert report.vm == "oracle"
    assert report.classification == "type-2-guest"


def test_junk_signature_is_not_a_hypervisor() -> None:
    cpuid = {(1, 0): NO_HYPERVISOR_BIT, (0x40000000, 0): (0, 0x40, 0, 0)}
    report = run_audit(DictSource({"/proc/cpuinfo": HOST_CPUINFO}, cpuid=cpuid), checks=False)
    assert report.vm == "none"


def test_unknown_plausible_signature_is_vm_other() -> None:
    cpuid = {(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("NewHVNewHVNe")}
    report = run_audit(DictSource({"/proc/cpuinfo": GUEST_CPUINFO}, cpuid=cpuid), checks=False)
    assert report.vm == "vm-other"
    assert "vm.signature-unknown" in ids(report)


def test_stale_dockerenv_in_initial_namespaces_is_outweighed() -> None:
    files = {"/proc/cpuinfo": GUEST_CPUINFO, "/.dockerenv": "", "/proc/2/comm": "kthreadd\n"}
    report = run_audit(DictSource(files, links=INITIAL_NS, cpuid={(1, 0): HYPERVISOR_BIT,
                                                                 (0x40000000, 0): signature("KVMKVMKVM")}),
                       checks=False)
    assert (report.vm, report.container) == ("kvm", "none")
    finding = next(f for f in report.findings if f.id == "container.marker-outweighed")
    assert [e.where for e in finding.contradicted_by] == ["/.dockerenv"]


def test_docker_on_kvm_has_both_layers() -> None:
    files = {"/proc/cpuinfo": GUEST_CPUINFO, "/.dockerenv": "", "/proc/self/cgroup": "0::/\n",
             "/proc/self/mountinfo": "530 470 0:52 / / rw,relatime master:1 - overlay overlay rw,"
                                     "lowerdir=/var/lib/docker/overlay2/l/ABC:/var/lib/docker/overlay2/l/DEF\n"}
    report = run_audit(DictSource(files, links=CONTAINER_NS, cpuid={(1, 0): HYPERVISOR_BIT,
                                                                   (0x40000000, 0): signature("KVMKVMKVM")}),
                       checks=False)
    assert (report.vm, report.container, report.classification) == ("kvm", "docker", "container")
    assert [layer.kind for layer in report.layers] == ["hardware", "vm", "container"]


def test_namespace_sandbox_without_marker_is_container_other() -> None:
    report = run_audit(DictSource({"/proc/cpuinfo": HOST_CPUINFO}, links=CONTAINER_NS,
                                  cpuid={(1, 0): NO_HYPERVISOR_BIT}), checks=False)
    assert report.container == "container-other"
    assert report.layers[-1].tech == "namespace-sandbox"


def test_wsl1_and_wsl2_are_told_apart() -> None:
    wsl1 = run_audit(DictSource({"/proc/cpuinfo": HOST_CPUINFO,
                                 "/proc/sys/kernel/osrelease": "4.4.0-19041-Microsoft\n"}), checks=False)
    wsl2 = run_audit(DictSource({"/proc/cpuinfo": GUEST_CPUINFO,
                                 "/proc/sys/kernel/osrelease": "5.15.153.1-microsoft-standard-WSL2\n"},
                                cpuid={(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("Microsoft Hv")}),
                     checks=False)
    assert (wsl1.vm, wsl1.container, wsl1.layers[-1].tech) == ("none", "wsl", "wsl1")
    assert (wsl2.vm, wsl2.container, wsl2.layers[-1].tech) == ("microsoft", "wsl", "wsl2")


def test_uml_inside_kvm_is_two_vm_layers() -> None:
    files = {"/proc/cpuinfo": "processor\t: 0\nvendor_id\t: User Mode Linux\nmodel name\t: UML\n"}
    report = run_audit(DictSource(files, cpuid={(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("KVMKVMKVM")}),
                       checks=False)
    assert [layer.tech for layer in report.layers if layer.kind == "vm"] == ["kvm", "uml"]
    assert report.vm == "uml"


def test_firecracker_is_named_from_acpi() -> None:
    facp = bytearray(276)
    facp[0:4], facp[8], facp[10:16], facp[16:24] = b"FACP", 6, b"FIRECK", b"FCVMFADT"
    facp[268:276] = b"FIRECKVM"
    files = {"/proc/cpuinfo": GUEST_CPUINFO, "/sys/firmware/acpi/tables/FACP": bytes(facp)}
    report = run_audit(DictSource(files, cpuid={(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("KVMKVMKVM")}),
                       checks=False)
    vm = [layer for layer in report.layers if layer.kind == "vm"][0]
    assert (report.vm, vm.tech, vm.details.get("product")) == ("kvm", "kvm", "firecracker")


def test_unreadable_evidence_is_reported_not_hidden() -> None:
    report = run_audit(DictSource({"/proc/cpuinfo": HOST_CPUINFO},
                                  errors={"/proc/1/environ": "EACCES", "/sys/firmware/dmi/entries/0-0/raw": "EACCES"}),
                       checks=False)
    assert {"/proc/1/environ", "/sys/firmware/dmi/entries/0-0/raw"} <= {e.where for e in report.unseen}
    assert "evidence.unreadable" in ids(report)


def test_xen_dom0_is_the_host() -> None:
    files = {"/proc/cpuinfo": HOST_CPUINFO, "/proc/xen/capabilities": "control_d\n", "/sys/hypervisor/type": "xen\n"}
    report = run_audit(DictSource(files), checks=False)
    assert (report.vm, report.classification) == ("none", "bare-metal-host")
    assert "vm.xen-control-domain" in ids(report)


def test_aws_metal_is_bare_metal_in_the_cloud() -> None:
    files = {"/proc/cpuinfo": HOST_CPUINFO, "/sys/class/dmi/id/sys_vendor": "Amazon EC2\n",
             "/sys/class/dmi/id/product_name": "m5.metal\n"}
    report = run_audit(DictSource(files, cpuid={(1, 0): NO_HYPERVISOR_BIT}), checks=False)
    assert (report.vm, report.layers[0].details.get("cloud")) == ("none", "aws")


def test_a_kvm_guest_running_its_own_vms_is_guest_and_host() -> None:
    source = DictSource({"/proc/cpuinfo": GUEST_CPUINFO}, cpuid={(1, 0): HYPERVISOR_BIT,
                                                                 (0x40000000, 0): signature("KVMKVMKVM")},
                        commands={"vm-processes": "firecracker 2\nqemu-system- 1\n"})
    report = run_audit(source, checks=False)
    assert report.vm == "kvm"
    hosting = next(f for f in report.findings if f.id == "host.runs-vms")
    assert "Firecracker" in hosting.title and "QEMU" in hosting.title


def test_live_vm_process_names_count_by_prefix() -> None:
    from hvaudit.sources.live import LiveSource

    source = LiveSource(uname={"sysname": "Linux", "machine": "x86_64", "release": "", "version": ""},
                        process_names=lambda: ["qemu-system-x86", "qemu-system-aar", "bash", "firecracker"])
    assert source.command("vm-processes").text == "firecracker 1\nqemu-system- 2\n"


class _Processor(DictSource):
    """A processor's CPUID as AMD answers it: zeros for a leaf no interface defines; each
    leaf asked is noted."""

    def __init__(self, leaves: dict) -> None:
        super().__init__({"/proc/cpuinfo": GUEST_CPUINFO}, cpuid=leaves)
        self.asked: list = []

    def cpuid(self, leaf: int, subleaf: int = 0):  # type: ignore[no-untyped-def]
        self.asked.append(leaf)
        return self.cpuid_leaves.get((leaf, subleaf), (0, 0, 0, 0))


def test_the_hypervisor_range_is_scanned_up_to_its_first_empty_boundary() -> None:
    """Interfaces sit at consecutive 0x100 boundaries: the scan reads the first two, then
    stops at the first without a signature, instead of making 256 exits to the hypervisor."""
    from hvaudit.probes.cpu import hypervisor_leaves

    stacked = _Processor({(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("Microsoft Hv"),
                          (0x40000100, 0): signature("KVMKVMKVM")})
    assert [text for _, text, _ in hypervisor_leaves(stacked)] == ["Microsoft Hv", "KVMKVMKVM"]
    assert stacked.asked == [0x40000000, 0x40000100, 0x40000200]
    hidden_first = _Processor({(0x40000100, 0): signature("XenVMMXenVMM")})
    assert [base for base, _, _ in hypervisor_leaves(hidden_first)] == [0x40000100]
    alone = _Processor({(0x40000000, 0): signature("KVMKVMKVM")})
    hypervisor_leaves(alone)
    assert alone.asked == [0x40000000, 0x40000100]
