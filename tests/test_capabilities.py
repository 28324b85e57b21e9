"""Capability checks on in-memory sources: each branch of each check, the parsers they use
(module parameters, capability masks, cgroup layouts, kernel configs, kmsg records) and
the /dev/kvm errno table."""

from __future__ import annotations

import gzip
from typing import Any, Dict, Optional

import pytest

from hvaudit import knowledge
from hvaudit.capabilities import ORDER, load_all, run_checks
from hvaudit.facts import Facts
from hvaudit.model import Claim, Evidence, Strength
from hvaudit.parsers.caps import DEFAULT_SETS, cap_names, full_mask, mask_of, parse_cap_mask
from hvaudit.parsers.cgroups import cgroup_layout, parse_proc_cgroups
from hvaudit.parsers.ids import parse_subid
from hvaudit.parsers.kconfig import config_text, parse_kconfig
from hvaudit.parsers.kmod import parse_param_bool
from hvaudit.parsers.kmsg import format_line, message, parse_kmsg_record, relevant_lines
from hvaudit.parsers.procfs import parse_mountinfo

from .support import DictSource, signature

INTEL = (0x20, 0x756E6547, 0x6C65746E, 0x49656E69)  # "GenuineIntel" (EBX, EDX, ECX)
AMD = (0x10, 0x68747541, 0x444D4163, 0x69746E65)  # "AuthenticAMD"
LEAF1_VMX = (0x000906EA, 0, 0x00000020, 0)  # ECX[5] VMX, no hypervisor bit
LEAF1_PLAIN = (0x000906EA, 0, 0, 0)
LEAF1_GUEST = (0x000906EA, 0, 0x80000000, 0)
LEAF1_GUEST_VMX = (0x000906EA, 0, 0x80000020, 0)
EXT_TOP = (0x80000021, 0, 0, 0)
EXT1_SVM = (0, 0, 0x00000004, 0)

CONTAINER = Evidence("container.namespaces", "/proc/self/ns/pid", "pid:[4026532200]",
                     claim=Claim("container", "*"), strength=Strength.DEFINITIVE)


def cpuinfo(vendor: str = "GenuineIntel", flags: str = "fpu", vmx_flags: Optional[str] = None) -> str:
    text = "processor\t: 0\nvendor_id\t: %s\nflags\t\t: %s\n" % (vendor, flags)
    if vmx_flags is not None:
        text += "vmx flags\t: %s\n" % vmx_flags
    return text + "\n"


def run(src: DictSource, check_id: str, evidence=()) -> Any:
    results = run_checks(Facts.of(src, evidence), only={check_id})
    assert len(results) == 1
    result = results[0]
    assert "the check failed" not in result.summary, result.summary
    return result


# -- the registry ----------------------------------------------------------------------


#: The ids issue #3 asks for on Linux, at least.
REQUIRED = {"cpu-hav", "cpu-slat", "kvm-device", "kvm-nested", "iommu", "vfio", "vhost-net", "hugepages", "cvm-host",
            "cvm-guest", "userns", "cgroups", "namespaces", "overlayfs", "seccomp"}


def linux_order() -> list:
    ids = {f.__name__.replace("_", "-") for f in load_all("Linux")}
    return [cid for cid in ORDER if cid in ids]


def test_every_check_is_registered_in_order_and_explained() -> None:
    ids = [f.__name__.replace("_", "-") for f in load_all()]
    assert ids == linux_order()
    assert set(ids) >= REQUIRED
    for check_id in ids:
        assert check_id in knowledge.explanation_ids(), check_id
    for function in load_all():
        assert (function.__doc__ or "").strip(), function.__name__


def test_checks_never_fail_on_an_empty_source() -> None:
    results = run_checks(Facts.of(DictSource()))
    assert [r.id for r in results] == linux_order()
    for result in results:
        assert "the check failed" not in result.summary, (result.id, result.summary)
        assert result.status in ("pass", "warn", "fail", "unknown", "info")
        assert result.summary and "\n" not in result.summary


# -- parsers -----------------------------------------------------------------------------


@pytest.mark.parametrize("raw,value", [
    ("Y", True), ("N", False), ("y", True), ("n", False), ("1", True), ("0", False), ("2", True),
    ("Y\n", True), ("on", True), ("off", False), ("", None), (None, None), ("maybe", None),
])
def test_module_parameters_read_as_the_kernel_prints_them(raw, value) -> None:
    assert parse_param_bool(raw) is value


def test_capability_masks_decode_to_names() -> None:
    docker = parse_cap_mask("00000000a80425fb")
    assert docker == mask_of(DEFAULT_SETS["docker-default"])
    assert set(cap_names(docker)) == set(DEFAULT_SETS["docker-default"])
    assert cap_names(full_mask(40))[-1] == "CAP_CHECKPOINT_RESTORE"
    assert len(cap_names(full_mask(40))) == 41
    assert cap_names(1 << 45) == ["cap_45"]
    assert parse_cap_mask("zz") is None


MOUNTS_V2 = "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n"
MOUNTS_HYBRID = ("31 23 0:28 / /sys/fs/cgroup rw - tmpfs tmpfs rw\n"
                 "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
                 "33 31 0:30 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
                 "34 31 0:31 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
                 "35 31 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n")
MOUNTS_V1 = MOUNTS_HYBRID.replace("35 31 0:32 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", "")


def test_cgroup_mode_from_the_mounts() -> None:
    assert cgroup_layout(parse_mountinfo(MOUNTS_V2)).mode == "unified"
    hybrid = cgroup_layout(parse_mountinfo(MOUNTS_HYBRID))
    assert hybrid.mode == "hybrid" and hybrid.v2_path == "/sys/fs/cgroup/unified"
    assert {"cpu", "cpuacct", "memory", "name=systemd"} <= set(hybrid.v1)
    assert cgroup_layout(parse_mountinfo(MOUNTS_V1)).mode == "legacy"
    assert cgroup_layout([]).mode == "none"
    assert parse_proc_cgroups("#subsys_name\thierarchy\tnum_cgroups\tenabled\ncpu\t2\t1\t1\nrdma\t0\t1\t0\n") == [
        ("cpu", 2, True), ("rdma", 0, False)]


def test_kernel_config_reads_every_line_as_the_line_by_line_reading_does() -> None:
    import random
    import re

    def line_by_line(text: str) -> Dict[str, str]:
        out: Dict[str, str] = {}
        for line in text.splitlines():
            line = line.strip()
            match = re.match(r"^CONFIG_([A-Za-z0-9_]+)=(.*)$", line)
            if match:
                out[match.group(1)] = match.group(2).strip('"')
                continue
            match = re.match(r"^# CONFIG_([A-Za-z0-9_]+) is not set$", line)
            if match:
                out[match.group(1)] = "n"
        return out

    pieces = ["CONFIG_", "# CONFIG_", " is not set", "=", "y", '"', " ", "\t", "\n", "A", "_", "1", "#", "\r",
              "\x0c", "\x1f", "\u00e9", "\u2028", "\x85", "CONFIG_A=y\n", "# CONFIG_B is not set\n",
              "CONFIG_C=\"x\" \n", "# CONFIG__ is not set", "CONFIG_="]
    rng = random.Random(11)
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert parse_kconfig(text) == line_by_line(text), repr(text)


def test_kernel_config_plain_and_gzip() -> None:
    text = "# comment\nCONFIG_KVM=y\nCONFIG_KVM_INTEL=m\n# CONFIG_VFIO is not set\nCONFIG_NR_CPUS=64\n"
    assert parse_kconfig(text) == {"KVM": "y", "KVM_INTEL": "m", "VFIO": "n", "NR_CPUS": "64"}
    assert config_text(gzip.compress(text.encode())) == text
    assert config_text(b"\x1f\x8bnot gzip") is None
    assert config_text(b"nothing here") is None


def test_kmsg_records_and_relevant_lines() -> None:
    record = b"4,512,1234567,-;x86/cpu: VMX (outside TXT) disabled by BIOS\n SUBSYSTEM=cpu\n"
    assert parse_kmsg_record(record) == (0, 1234567, "x86/cpu: VMX (outside TXT) disabled by BIOS")
    assert parse_kmsg_record(b"garbage") is None
    assert parse_kmsg_record(b"a,b,c;x") is None
    assert format_line(1234567, "x") == "[    1.234567] x"
    assert message("[    1.234567] x") == "x"
    lines = ["[0.1] kvm-clock: Using msrs", "[0.2] x86/cpu: VMX (outside TXT) disabled by BIOS",
             "[0.3] usb 1-1: new device", "[0.4] DMAR-IR: Enabled IRQ remapping in x2apic mode"]
    assert relevant_lines(lines) == lines[1:2] + lines[3:]


def test_subordinate_ids() -> None:
    ranges = parse_subid("# c\nalice:100000:65536\n1001:165536:65536\nbad line\n")
    assert [(r.owner, r.start, r.length) for r in ranges] == [("alice", 100000, 65536), ("1001", 165536, 65536)]


# -- cpu-hav -------------------------------------------------------------------------------


def intel_host(flags: str = "fpu vmx", leaf1=LEAF1_VMX, **kw: Any) -> DictSource:
    files = {"/proc/cpuinfo": cpuinfo("GenuineIntel", flags)}
    files.update(kw.pop("files", {}))
    return DictSource(files, cpuid={(0, 0): INTEL, (1, 0): leaf1}, **kw)


def test_hav_enabled_passes() -> None:
    assert run(intel_host(), "cpu-hav").status == "pass"


def test_hav_in_cpu_but_locked_off_by_firmware_msr() -> None:
    src = intel_host("fpu", msrs={(0, 0x3A): 0x1})  # locked, no VMX outside SMX
    result = run(src, "cpu-hav")
    assert result.status == "fail" and "firmware" in result.summary
    assert "VT-x" in (result.remedy or "")
    assert result.details["firmware"] == "disabled"


def test_hav_disabled_per_kernel_log_without_msr() -> None:
    src = intel_host("fpu", commands={"dmesg": "[    0.000000] x86/cpu: VMX (outside TXT) disabled by BIOS\n"})
    result = run(src, "cpu-hav")
    assert result.status == "fail" and "disabled by the firmware" in result.summary
    assert any(e.where == "cmd:dmesg" for e in result.evidence)


def test_hav_allowed_by_firmware_but_cleared_by_kernel() -> None:
    result = run(intel_host("fpu", msrs={(0, 0x3A): 0x5}), "cpu-hav")
    assert result.status == "fail" and "kernel turned it off" in result.summary


def test_hav_unconfirmed_without_msr_or_log() -> None:
    result = run(intel_host("fpu", errors={"cmd:dmesg": "EPERM"}), "cpu-hav")
    assert result.status == "fail" and "msr module" in result.summary
    assert any(e.error == "EPERM" and e.where == "cmd:dmesg" for e in result.evidence)


def test_amd_svm_disabled_by_vm_cr() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("AuthenticAMD", "fpu")},
                     cpuid={(0, 0): AMD, (1, 0): LEAF1_PLAIN, (0x80000000, 0): EXT_TOP, (0x80000001, 0): EXT1_SVM},
                     msrs={(0, 0xC0010114): 0x18})
    result = run(src, "cpu-hav")
    assert result.status == "fail" and "SVMDIS" in result.summary and "SVM Mode" in (result.remedy or "")


def test_guest_without_hav_but_pvm_warns() -> None:
    src = intel_host("fpu hypervisor", LEAF1_GUEST, files={"/sys/module/kvm_pvm/parameters/pvm_native": "Y"})
    result = run(src, "cpu-hav")
    assert result.status == "warn" and "PVM" in result.summary


def test_guest_without_hav_fails_with_nested_remedy() -> None:
    result = run(intel_host("fpu hypervisor", LEAF1_GUEST), "cpu-hav")
    assert result.status == "fail" and "outer hypervisor" in result.summary
    assert "nested" in (result.remedy or "")


def test_guest_with_hav_passes() -> None:
    assert run(intel_host("fpu vmx hypervisor", LEAF1_GUEST_VMX), "cpu-hav").status == "pass"


def test_hav_unknown_without_any_view() -> None:
    assert run(DictSource(), "cpu-hav").status == "unknown"


def test_s390_sie() -> None:
    src = DictSource({"/proc/cpuinfo": "vendor_id       : IBM/S390\nfeatures\t: esan3 zarch sie\n"},
                     uname={"sysname": "Linux", "machine": "s390x"})
    assert run(src, "cpu-hav").status == "pass"


# -- cpu-slat -------------------------------------------------------------------------------


def test_slat_with_unrestricted_guest_passes() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx ept vpid",
                                               "vnmi ept vpid unrestricted_guest ept_ad pml")})
    result = run(src, "cpu-slat")
    assert result.status == "pass" and "EPT" in result.summary


def test_slat_disabled_by_parameter_warns() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx ept", "ept unrestricted_guest"),
                      "/sys/module/kvm_intel/parameters/ept": "N\n"})
    result = run(src, "cpu-slat")
    assert result.status == "warn" and "ept=N" in result.summary


def test_slat_without_unrestricted_guest_warns() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx ept", "ept vpid")})
    assert run(src, "cpu-slat").status == "warn"


def test_npt_on_amd_passes() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("AuthenticAMD", "svm npt nrip_save avic")})
    result = run(src, "cpu-slat")
    assert result.status == "pass" and "NPT" in result.summary


def test_no_hav_means_no_slat() -> None:
    assert run(DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "fpu")}), "cpu-slat").status == "fail"
    pvm = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "fpu"), "/sys/module/kvm_pvm/initstate": "live"})
    assert run(pvm, "cpu-slat").status == "warn"


# -- kvm-backend -----------------------------------------------------------------------------


def test_backend_pvm_is_named_and_warned() -> None:
    src = DictSource({"/sys/module/kvm/parameters/halt_poll_ns": "200000",
                      "/sys/module/kvm_pvm/parameters/pvm_native": "Y"})
    result = run(src, "kvm-backend")
    assert result.status == "warn" and "kvm_pvm (built-in)" in result.summary and "nest" in result.summary


def test_backend_intel_module_passes() -> None:
    src = DictSource({"/sys/module/kvm_intel/initstate": "live", "/sys/module/kvm_intel/parameters/nested": "Y",
                      "/sys/module/kvm/initstate": "live"})
    result = run(src, "kvm-backend")
    assert result.status == "pass" and "kvm_intel (module)" in result.summary


def test_backend_missing_module_fails_with_modprobe() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx"), "/sys/module/loop/initstate": "live",
                      "/proc/config.gz": gzip.compress(b"CONFIG_KVM=m\nCONFIG_KVM_INTEL=m\n")})
    result = run(src, "kvm-backend")
    assert result.status == "fail" and "modprobe kvm_intel" in (result.remedy or "")


def test_backend_core_without_vendor_module() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("AuthenticAMD", "fpu"), "/sys/module/kvm/initstate": "live"},
                     commands={"dmesg": "[    1.0] kvm_amd: SVM not supported by CPU 0, disabled by BIOS\n"})
    result = run(src, "kvm-backend")
    assert result.status == "fail" and "refused" in result.summary


def test_backend_not_built() -> None:
    src = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx"), "/sys/module/loop/initstate": "live",
                      "/proc/config.gz": gzip.compress(b"# CONFIG_KVM is not set\n")})
    assert "built without KVM" in run(src, "kvm-backend").summary


# -- kvm-device: the errno table --------------------------------------------------------------

KVM_NODE = {"type": "char", "major": 10, "minor": 232, "mode": "0660", "uid": 0, "gid": 107, "group": "kvm"}
MISC = {"/sys/class/misc/kvm/dev": "10:232\n"}


def kvm_source(node: Optional[Dict[str, Any]] = None, files: Optional[Dict[str, Any]] = None,
               identity: Optional[Dict[str, Any]] = None) -> DictSource:
    merged = dict(MISC)
    merged.update(files or {})
    return DictSource(merged, devices={"/dev/kvm": node} if node is not None else {},
                      identity=identity or {"uid": 1000, "euid": 1000, "gid": 1000, "egid": 1000, "groups": [1000],
                                            "user": "alice", "db_groups": [1000]})


def test_kvm_usable_passes_with_limits() -> None:
    node = dict(KVM_NODE, open="ok", kvm_api_version=12, create_vm="ok",
                caps={"max_vcpus": 1024, "nr_vcpus": 8, "nr_memslots": 32764, "vm_types": 0b11})
    result = run(kvm_source(node), "kvm-device")
    assert result.status == "pass" and "1024 vCPUs" in result.summary
    assert result.details["vm_types"] == ["default", "sw-protected"]


@pytest.mark.parametrize("identity,cause", [
    ({"euid": 1000, "egid": 1000, "groups": [1000], "db_groups": [1000]}, "group"),
    ({"euid": 1000, "egid": 1000, "groups": [1000], "db_groups": [1000, 107]}, "session"),
])
def test_kvm_permission_denied_says_why(identity, cause) -> None:
    result = run(kvm_source(dict(KVM_NODE, open="EACCES"), identity=identity), "kvm-device")
    assert result.status == "fail" and result.details["cause"] == cause
    if cause == "group":
        assert "usermod -aG kvm" in (result.remedy or "")
    else:
        assert "log out" in (result.remedy or "").lower() or "newgrp" in (result.remedy or "")


def test_kvm_permission_denied_by_mode_for_a_member() -> None:
    node = dict(KVM_NODE, open="EACCES", mode="0600")
    result = run(kvm_source(node, identity={"euid": 1000, "egid": 1000, "groups": [107]}), "kvm-device")
    assert result.details["cause"] == "mode" and "chmod 0660" in (result.remedy or "")


def test_kvm_permission_denied_by_nodev_mount() -> None:
    files = {"/proc/self/mountinfo": "24 27 0:6 / /dev rw,nosuid,nodev - devtmpfs devtmpfs rw\n"}
    result = run(kvm_source(dict(KVM_NODE, open="EACCES"), files, {"euid": 0, "egid": 0, "groups": [0]}),
                 "kvm-device")
    assert result.details["cause"] == "nodev"


def test_kvm_eperm_in_a_container_is_the_device_cgroup() -> None:
    result = run_checks(Facts.of(kvm_source(dict(KVM_NODE, open="EPERM")), [CONTAINER]), only={"kvm-device"})[0]
    assert result.details["cause"] == "device-cgroup" and "--device /dev/kvm" in (result.remedy or "")
    host = run(kvm_source(dict(KVM_NODE, open="EPERM")), "kvm-device")
    assert host.details["cause"] == "policy"


@pytest.mark.parametrize("errno_name", ["ENXIO", "ENODEV"])
def test_kvm_stale_node(errno_name) -> None:
    result = run(kvm_source(dict(KVM_NODE, open=errno_name)), "kvm-device")
    assert result.status == "fail" and result.details["cause"] == "stale"


def test_kvm_missing_node_in_a_container_was_not_passed() -> None:
    result = run_checks(Facts.of(kvm_source(None), [CONTAINER]), only={"kvm-device"})[0]
    assert result.details["cause"] == "container" and "--device /dev/kvm" in (result.remedy or "")
    outside = run(kvm_source(None), "kvm-device")
    assert outside.details["cause"] == "node" and "mknod" in (outside.remedy or "")


def test_kvm_missing_driver() -> None:
    src = DictSource({"/sys/class/misc/tun/dev": "10:200", "/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx")})
    result = run(src, "kvm-device")
    assert result.details["cause"] == "driver" and "modprobe kvm_intel" in (result.remedy or "")


@pytest.mark.parametrize("create,expected", [("EBUSY", "another hypervisor"), ("ENOMEM", "allocate")])
def test_kvm_create_vm_failure(create, expected) -> None:
    node = dict(KVM_NODE, open="ok", kvm_api_version=12, create_vm=create, caps={})
    result = run(kvm_source(node), "kvm-device")
    assert result.status == "fail" and expected in result.summary


def test_kvm_wrong_api_and_wrong_node() -> None:
    assert run(kvm_source(dict(KVM_NODE, open="ok", kvm_api_version=11)), "kvm-device").details["cause"] == "api"
    assert run(kvm_source(dict(KVM_NODE, minor=233, open="ok")), "kvm-device").status == "fail"
    assert run(kvm_source({"type": "unknown"}), "kvm-device").status == "unknown"


# -- kvm-nested ---------------------------------------------------------------------------------


@pytest.mark.parametrize("module,raw,status", [
    ("kvm_intel", "Y", "pass"), ("kvm_intel", "N", "warn"), ("kvm_amd", "1", "pass"), ("kvm_amd", "0", "warn"),
])
def test_nested_parameter_y_n_1_0(module, raw, status) -> None:
    src = DictSource({"/sys/module/%s/initstate" % module: "live", "/sys/module/%s/parameters/nested" % module: raw})
    result = run(src, "kvm-nested")
    assert result.status == status
    if status == "warn":
        assert "nested=1" in (result.remedy or "")


def test_nested_supported_cpuid_overrides_the_parameter() -> None:
    node = dict(KVM_NODE, open="ok", supported_cpuid={"0x1": [0, 0, 0, 0]})
    src = DictSource({"/sys/module/kvm_intel/initstate": "live", "/sys/module/kvm_intel/parameters/nested": "Y"},
                     devices={"/dev/kvm": node})
    assert run(src, "kvm-nested").details["host_side"] == "off"


def test_nested_guest_sides() -> None:
    working = dict(KVM_NODE, open="ok", kvm_api_version=12, create_vm="ok")
    exposed = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx hypervisor")},
                         cpuid={(0, 0): INTEL, (1, 0): LEAF1_GUEST_VMX}, devices={"/dev/kvm": working})
    assert run(exposed, "kvm-nested").status == "pass"
    without_kvm = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx hypervisor")},
                             cpuid={(0, 0): INTEL, (1, 0): LEAF1_GUEST_VMX})
    result = run(without_kvm, "kvm-nested")
    assert result.status == "warn" and "not usable" in result.summary
    pvm = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "hypervisor"),
                      "/sys/module/kvm_pvm/parameters/force": "N"},
                     cpuid={(0, 0): INTEL, (1, 0): LEAF1_GUEST}, devices={"/dev/kvm": working})
    assert run(pvm, "kvm-nested").status == "warn"
    none = DictSource({"/proc/cpuinfo": cpuinfo("GenuineIntel", "hypervisor")},
                      cpuid={(0, 0): INTEL, (1, 0): LEAF1_GUEST})
    assert run(none, "kvm-nested").status == "fail"


# -- iommu, vfio, vhost-net --------------------------------------------------------------------


def test_iommu_active() -> None:
    src = DictSource({"/sys/firmware/acpi/tables/DMAR": b"", "/sys/class/iommu/dmar0/devices/.keep": "",
                      "/sys/kernel/iommu_groups/0/type": "DMA\n", "/sys/kernel/iommu_groups/1/type": "DMA\n",
                      "/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx")},
                     commands={"dmesg": "[    0.5] DMAR-IR: Enabled IRQ remapping in x2apic mode\n"})
    result = run(src, "iommu")
    assert result.status == "pass" and "2 groups" in result.summary and "remapping on" in result.summary


def test_iommu_in_firmware_but_not_enabled() -> None:
    src = DictSource({"/sys/firmware/acpi/tables/DMAR": b"", "/proc/cpuinfo": cpuinfo("GenuineIntel", "vmx"),
                      "/sys/kernel/iommu_groups/.keep": ""})
    result = run(src, "iommu")
    assert result.status == "warn" and "intel_iommu=on" in (result.remedy or "")


def test_iommu_absent_on_bare_metal() -> None:
    src = DictSource({"/sys/firmware/acpi/tables/APIC": b"", "/sys/kernel/iommu_groups/.keep": "",
                      "/proc/cpuinfo": cpuinfo("AuthenticAMD", "svm")}, cpuid={(0, 0): AMD, (1, 0): LEAF1_PLAIN})
    result = run(src, "iommu")
    assert result.status == "warn" and "IVRS" in result.summary and "AMD-Vi" in (result.remedy or "")


def test_vfio_ready_and_not_loaded() -> None:
    ready = DictSource({"/sys/module/vfio/initstate": "live", "/sys/module/vfio_pci/initstate": "live",
                        "/sys/kernel/iommu_groups/3/type": "DMA"},
                       devices={"/dev/vfio/vfio": {"type": "char", "open": "ok"}})
    assert run(ready, "vfio").status == "pass"
    idle = DictSource({"/sys/module/loop/initstate": "live", "/sys/kernel/iommu_groups/3/type": "DMA"})
    assert run(idle, "vfio").status == "warn"


def test_vfio_lists_a_few_devices_and_counts_them_all() -> None:
    """A host with SR-IOV binds thousands of functions: the evidence lists the first few and
    says how many there are, the summary counts them, the details keep every one."""
    bound = ["0000:01:%02x.%d" % (i // 8, i % 8) for i in range(20)]
    files = {"/sys/module/vfio/initstate": "live", "/sys/module/vfio_pci/initstate": "live",
             **{"/sys/kernel/iommu_groups/%d/type" % i: "DMA" for i in range(12)},
             **{"/sys/bus/pci/drivers/vfio-pci/%s/vendor" % d: "0x8086" for d in bound}}
    devices = {"/dev/vfio/vfio": {"type": "char", "open": "ok"},
               **{"/dev/vfio/%d" % i: {"type": "char"} for i in range(12)}}
    files.update({"/dev/vfio/%d" % i: "" for i in range(12)})
    result = run(DictSource(files, devices=devices), "vfio")
    raws = {e.where: e.raw for e in result.evidence}
    assert raws["/sys/bus/pci/drivers/vfio-pci"] == " ".join(bound[:8]) + " ... (20)"
    assert raws["/dev/vfio"] == " ".join(sorted(str(i) for i in range(12))[:8]) + " ... (12)"
    assert result.status == "pass" and "20 devices" in result.summary
    assert result.details["devices"] == bound
    three = {k: v for k, v in files.items() if "vfio-pci" not in k or any(d in k for d in bound[:3])}
    few = run(DictSource(three, devices=devices), "vfio")
    assert {e.where: e.raw for e in few.evidence}["/sys/bus/pci/drivers/vfio-pci"] == " ".join(bound[:3])


def test_vhost_nodes() -> None:
    nodes = {"/dev/net/tun": {"type": "char", "major": 10, "minor": 200, "open": "ok"},
             "/dev/vhost-net": {"type": "char", "major": 10, "minor": 238, "open": "ok"},
             "/dev/vhost-vsock": {"type": "char", "major": 10, "minor": 241, "open": "ok"}}
    assert run(DictSource(devices=nodes), "vhost-net").status == "pass"
    no_tun = dict(nodes)
    del no_tun["/dev/net/tun"]
    result = run(DictSource({"/sys/module/loop/initstate": "live"}, devices=no_tun), "vhost-net")
    assert result.status == "fail" and "modprobe tun" in (result.remedy or "")
    no_vhost = dict(nodes)
    del no_vhost["/dev/vhost-net"]
    warn = run(DictSource({"/sys/module/vhost_net/initstate": "live"}, devices=no_vhost), "vhost-net")
    assert warn.status == "warn" and "although its module is loaded" in warn.summary


# -- hugepages ------------------------------------------------------------------------------------


def test_hugepages_reserved_and_thp() -> None:
    reserved = DictSource({"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "512\n",
                           "/sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages": "500\n",
                           "/sys/kernel/mm/transparent_hugepage/enabled": "always [madvise] never\n",
                           "/sys/kernel/mm/ksm/run": "1\n"})
    result = run(reserved, "hugepages")
    assert result.status == "pass" and "512 x 2 MiB" in result.summary and result.details["ksm"] == "running"
    never = DictSource({"/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages": "0\n",
                        "/sys/kernel/mm/transparent_hugepage/enabled": "always madvise [never]\n",
                        "/proc/filesystems": "nodev\thugetlbfs\n"})
    assert run(never, "hugepages").status == "warn"


# -- cvm-guest and cvm-host ----------------------------------------------------------------------

TDX_SIG = (0, 0x65746E49, 0x20202020, 0x5844546C)  # EBX "Inte", ECX "    ", EDX "lTDX"


def test_tdx_guest() -> None:
    src = DictSource(cpuid={(0, 0): (0x21,) + INTEL[1:], (1, 0): LEAF1_GUEST, (0x21, 0): TDX_SIG})
    result = run(src, "cvm-guest")
    assert result.details["cvm"] == "tdx" and result.status == "pass"
    assert result.details["virt_what_cvm"] == ["intel-tdx"]


def test_sev_guest_from_msr_and_without_it() -> None:
    leaves = {(0, 0): AMD, (1, 0): LEAF1_GUEST, (0x80000000, 0): EXT_TOP, (0x8000001F, 0): (0x1B, 0, 0, 0)}
    snp = run(DictSource(cpuid=leaves, msrs={(0, 0xC0010131): 0x7}), "cvm-guest")
    assert snp.details["cvm"] == "sev-snp"
    plain = run(DictSource(cpuid=leaves, msrs={(0, 0xC0010131): 0x1}), "cvm-guest")
    assert plain.details["cvm"] == "sev" and plain.status == "warn"
    unprivileged = run(DictSource(cpuid=leaves, devices={"/dev/sev-guest": {"type": "char"}}), "cvm-guest")
    assert unprivileged.details["cvm"] == "sev-snp"
    blind = run(DictSource(cpuid=leaves), "cvm-guest")
    assert blind.details["cvm"] == "none" and blind.status == "unknown"


def test_hyperv_isolated_snp_guest() -> None:
    leaves = {(0, 0): AMD, (1, 0): LEAF1_GUEST, (0x80000000, 0): EXT_TOP, (0x8000001F, 0): (0, 0, 0, 0),
              (0x40000000, 0): (0x4000000C,) + signature("Microsoft Hv")[1:],
              (0x40000003, 0): (0, 1 << 22, 0, 0), (0x4000000C, 0): (0, 2, 0, 0)}
    result = run(DictSource(cpuid=leaves), "cvm-guest")
    assert result.details["cvm"] == "sev-snp" and "hyperv-hcl" in result.details["virt_what_cvm"]


def test_not_a_cvm_and_s390() -> None:
    bare = run(DictSource(cpuid={(0, 0): INTEL, (1, 0): LEAF1_PLAIN}), "cvm-guest")
    assert bare.details["cvm"] == "none" and bare.status == "info"
    s390 = DictSource({"/sys/firmware/uv/prot_virt_guest": "1\n"}, uname={"sysname": "Linux", "machine": "s390x"})
    assert run(s390, "cvm-guest").details["cvm"] == "protvirt"


def test_cvm_host_sev() -> None:
    leaves = {(0, 0): AMD, (1, 0): LEAF1_PLAIN, (0x80000000, 0): EXT_TOP, (0x8000001F, 0): (0x1B, 0x3F, 509, 100)}
    enabled = DictSource({"/proc/cpuinfo": cpuinfo("AuthenticAMD", "svm sme sev sev_es sev_snp"),
                          "/sys/module/kvm_amd/parameters/sev": "Y", "/sys/module/kvm_amd/parameters/sev_es": "1",
                          "/sys/module/kvm_amd/parameters/sev_snp": "Y"}, cpuid=leaves,
                         devices={"/dev/kvm": dict(KVM_NODE, open="ok", caps={"vm_types": 0b11101})})
    result = run(enabled, "cvm-host")
    assert result.status == "pass" and "SEV-SNP" in result.summary
    assert result.details["enabled"] == ["sev", "sev-es", "sev-snp"]
    off = DictSource({"/proc/cpuinfo": cpuinfo("AuthenticAMD", "svm sme"),
                      "/sys/module/kvm_amd/parameters/sev": "N"}, cpuid=leaves)
    assert run(off, "cvm-host").status == "warn"


# -- containers ------------------------------------------------------------------------------------

NS = {"/proc/self/ns/%s/.keep" % k: "" for k in ("cgroup", "ipc", "mnt", "net", "pid", "time", "user", "uts")}


def test_namespaces() -> None:
    assert run(DictSource(NS), "namespaces").status == "pass"
    no_user = {k: v for k, v in NS.items() if "/user/" not in k}
    assert run(DictSource(no_user), "namespaces").status == "warn"
    limited = dict(NS, **{"/proc/sys/user/max_net_namespaces": "0\n"})
    assert "max_*_namespaces=0" in run(DictSource(limited), "namespaces").summary
    no_pid = {k: v for k, v in NS.items() if "/pid/" not in k}
    assert run(DictSource(no_pid), "namespaces").status == "fail"


OK_STEPS = {"unshare_user": "ok", "map_ids": "ok", "unshare_mount_uts": "ok", "sethostname": "ok",
            "make_private": "ok", "mount_tmpfs": "ok", "mount_overlay": "ok"}
USER = {"uid": 1000, "euid": 1000, "gid": 1000, "egid": 1000, "groups": [1000], "user": "alice"}
SUBIDS = {"/etc/subuid": "alice:100000:65536\n", "/etc/subgid": "alice:100000:65536\n"}


def test_userns_works_for_a_user_with_subids() -> None:
    trials = {"userns": {"uid": 1000, "steps": OK_STEPS, "ok": True, "failed": None, "error": None}}
    result = run(DictSource(SUBIDS, trials=trials, identity=USER, stats={"/usr/bin/newuidmap": {"mode": 0o104755}}),
                 "userns")
    assert result.status == "pass" and "65536 subordinate ids" in result.summary


def test_userns_without_subids_warns() -> None:
    trials = {"userns": {"uid": 1000, "steps": OK_STEPS, "ok": True}}
    result = run(DictSource({"/etc/subuid": "", "/etc/subgid": ""}, trials=trials, identity=USER), "userns")
    assert result.status == "warn" and "usermod --add-subuids" in (result.remedy or "")


def test_userns_tested_as_nobody_when_root() -> None:
    trials = {"userns": {"uid": 0, "steps": OK_STEPS, "ok": True},
              "userns-unprivileged": {"uid": 65534, "steps": dict(OK_STEPS, drop_privileges="ok"), "ok": True}}
    result = run(DictSource(trials=trials, identity={"uid": 0, "euid": 0}), "userns")
    assert result.status == "pass" and "uid 65534" in result.summary and result.details["tested_as"] == 65534


def test_userns_denied_by_sysctl() -> None:
    trials = {"userns": {"uid": 1000, "steps": {"unshare_user": "EPERM"}, "ok": False, "failed": "unshare_user",
                         "error": "EPERM"}}
    src = DictSource({"/proc/sys/kernel/unprivileged_userns_clone": "0\n"}, trials=trials, identity=USER)
    result = run(src, "userns")
    assert result.status == "fail" and "unprivileged_userns_clone" in result.summary
    assert result.remedy == "sudo sysctl kernel.unprivileged_userns_clone=1"


def test_userns_restricted_by_apparmor() -> None:
    steps = {"unshare_user": "ok", "map_ids": "ok", "unshare_mount_uts": "EPERM"}
    trials = {"userns": {"uid": 1000, "steps": steps, "ok": True, "failed": "unshare_mount_uts", "error": "EPERM"}}
    src = DictSource({"/proc/sys/kernel/apparmor_restrict_unprivileged_userns": "1\n"}, trials=trials, identity=USER)
    result = run(src, "userns")
    assert result.status == "warn" and "AppArmor" in result.summary and "userns," in (result.remedy or "")


def test_userns_not_tested() -> None:
    assert run(DictSource(identity=USER), "userns").status == "unknown"
    off = DictSource({"/proc/sys/user/max_user_namespaces": "0\n"}, identity=USER)
    assert run(off, "userns").status == "fail"


def test_cgroups_modes() -> None:
    v2 = DictSource({"/proc/self/mountinfo": MOUNTS_V2,
                     "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n"})
    assert run(v2, "cgroups").status == "pass"
    partial = DictSource({"/proc/self/mountinfo": MOUNTS_V2, "/sys/fs/cgroup/cgroup.controllers": "cpu io pids\n"})
    result = run(partial, "cgroups")
    assert result.status == "warn" and "cpuset, memory" in result.summary
    hybrid = run(DictSource({"/proc/self/mountinfo": MOUNTS_HYBRID}), "cgroups")
    assert hybrid.status == "warn" and hybrid.details["mode"] == "hybrid"
    none = run(DictSource({"/proc/self/mountinfo": "27 1 254:0 / / rw - ext4 /dev/vda rw\n"}), "cgroups")
    assert none.status == "fail"


def test_cgroups_delegation_for_rootless() -> None:
    src = DictSource({"/proc/self/mountinfo": MOUNTS_V2,
                      "/sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory pids\n",
                      "/proc/self/cgroup": "0::/user.slice/user-1000.slice/session-1.scope\n",
                      "/sys/fs/cgroup/user.slice/user-1000.slice/session-1.scope/cgroup.controllers": "pids\n"},
                     identity=USER)
    result = run(src, "cgroups")
    assert result.status == "warn" and "cpu, memory" in result.summary and "Delegate" in (result.remedy or "")


def test_overlayfs() -> None:
    base = {"/proc/filesystems": "nodev\toverlay\nnodev\tfuse\n",
            "/proc/self/mountinfo": "27 1 254:0 / / rw - ext4 /dev/vda rw\n"}
    assert run(DictSource(base, devices={"/dev/fuse": {"type": "char"}}), "overlayfs").status == "pass"
    nested = dict(base, **{"/proc/self/mountinfo": "27 1 0:50 / / rw - overlay overlay rw,lowerdir=/a\n"})
    assert run(DictSource(nested, devices={"/dev/fuse": {"type": "char"}}), "overlayfs").status == "warn"
    absent = DictSource({"/proc/filesystems": "nodev\tproc\n", "/sys/module/loop/initstate": "live"})
    assert run(absent, "overlayfs").status == "fail"


def test_seccomp_states() -> None:
    filtered = DictSource({"/proc/self/status": "Seccomp:\t2\nSeccomp_filters:\t1\nNoNewPrivs:\t1\n"})
    result = run(filtered, "seccomp")
    assert result.status == "warn" and "1 seccomp filter" in result.summary and "no_new_privs" in result.summary
    free = DictSource({"/proc/self/status": "Seccomp:\t0\nNoNewPrivs:\t0\n",
                       "/proc/sys/kernel/seccomp/actions_avail": "kill_process errno allow\n"})
    assert run(free, "seccomp").status == "pass"


def test_capabilities_decoded() -> None:
    full = DictSource({"/proc/self/status": "CapEff:\t000001ffffffffff\nCapBnd:\t000001ffffffffff\n",
                       "/proc/sys/kernel/cap_last_cap": "40\n"}, identity={"euid": 0})
    assert run(full, "capabilities").status == "pass"
    docker = DictSource({"/proc/self/status": "CapEff:\t00000000a80425fb\nCapBnd:\t00000000a80425fb\n",
                         "/proc/sys/kernel/cap_last_cap": "40\n"}, identity={"euid": 0})
    result = run(docker, "capabilities")
    assert result.status == "warn" and result.details["set"] == "docker-default"
    assert "CAP_SYS_ADMIN" in result.details["missing"] and "Docker" in result.summary
    user = DictSource({"/proc/self/status": "Uid:\t1000\t1000\t1000\t1000\nCapEff:\t0000000000000000\n"})
    assert run(user, "capabilities").status == "info"


def test_lsm() -> None:
    parserless = DictSource({"/sys/kernel/security/lsm": "lockdown,capability,apparmor\n",
                             "/sys/module/apparmor/parameters/enabled": "Y\n"})
    result = run(parserless, "lsm")
    assert result.status == "warn" and "apparmor_parser" in result.summary
    with_parser = DictSource({"/sys/kernel/security/lsm": "capability,selinux\n", "/sys/fs/selinux/enforce": "1",
                              "/proc/self/attr/current": "system_u:system_r:container_t:s0:c1,c2\n"})
    result = run(with_parser, "lsm")
    assert result.status == "info" and "SELinux enforcing" in result.summary and "container_t" in result.summary
    from_log = DictSource(commands={"dmesg": "[    0.1] LSM: initializing lsm=lockdown,capability,landlock\n"})
    assert run(from_log, "lsm").details["active"] == ["lockdown", "capability", "landlock"]


def test_kernel_config() -> None:
    options = ["NAMESPACES", "NET_NS", "PID_NS", "IPC_NS", "UTS_NS", "CGROUPS", "CGROUP_CPUACCT", "CGROUP_SCHED",
               "CPUSETS", "MEMCG", "KEYS", "VETH", "BRIDGE", "BRIDGE_NETFILTER", "IP_NF_FILTER", "IP_NF_MANGLE",
               "IP_NF_TARGET_MASQUERADE", "NETFILTER_XT_MATCH_ADDRTYPE", "NETFILTER_XT_MATCH_CONNTRACK",
               "NETFILTER_XT_MARK", "IP_NF_NAT", "NF_NAT", "POSIX_MQUEUE", "CGROUP_BPF"]
    text = "".join("CONFIG_%s=y\n" % o for o in options)
    full = DictSource({"/proc/config.gz": gzip.compress(text.encode()), "/proc/self/mountinfo": MOUNTS_V2})
    assert run(full, "kernel-config").status == "pass"
    lacking = DictSource({"/proc/config.gz": gzip.compress(text.replace("CONFIG_VETH=y", "").encode()),
                          "/proc/self/mountinfo": MOUNTS_V2})
    result = run(lacking, "kernel-config")
    assert result.status == "warn" and "CONFIG_VETH" in result.summary
    boot = DictSource({"/boot/config-6.1.0": text}, uname={"sysname": "Linux", "machine": "x86_64",
                                                           "release": "6.1.0"})
    assert run(boot, "kernel-config").details["source"] == "/boot/config-6.1.0"
    assert run(DictSource(), "kernel-config").status == "unknown"
    few_keys = DictSource({"/proc/config.gz": gzip.compress(text.encode()), "/proc/self/mountinfo": MOUNTS_V2,
                           "/proc/sys/kernel/keys/root_maxkeys": "200\n"})
    result = run(few_keys, "kernel-config")
    assert result.status == "warn" and "root_maxkeys" in (result.remedy or "")


# -- trials ------------------------------------------------------------------------------------------


def test_trial_names_are_checked() -> None:
    from hvaudit.sources.trials import run_trial

    assert run_trial("no-such-trial")["error"] == "EINVAL"


def test_trials_run_side_by_side_and_a_capture_keeps_only_those_asked() -> None:
    from hvaudit.sources.live import LiveSource
    from hvaudit.sources.recording import RecordingSource
    from hvaudit.sources.trials import run_trials

    together = run_trials(["userns", "no-such-trial", "userns-unprivileged"])
    assert list(together) == ["userns", "no-such-trial", "userns-unprivileged"]
    assert together["no-such-trial"]["error"] == "EINVAL"
    assert all("steps" in o or "error" in o for o in together.values())
    source = LiveSource()
    recording = RecordingSource(source)
    recording.trial("userns")
    assert set(source._trials) == {"userns", "userns-unprivileged"}  # started beside it
    assert set(recording.trials) == {"userns"}


def test_userns_trial_reports_steps_or_an_error() -> None:
    from hvaudit.sources.trials import run_trial

    outcome = run_trial("userns")
    assert "steps" in outcome or "error" in outcome
    if "steps" in outcome:
        assert list(outcome["steps"])[0] == "unshare_user"
        assert all(isinstance(v, str) for v in outcome["steps"].values())


# -- captures ------------------------------------------------------------------------------------------


def test_capture_replays_identity_and_trials(tmp_path) -> None:
    import json

    from hvaudit.sources.capture import CaptureSource

    (tmp_path / "root").mkdir()
    doc = {"format": "hvaudit-capture/1",
           "identity": {"uid": 1000, "euid": 1000, "groups": [1000, "x"], "user": "alice", "db_groups": [1000, 108]},
           "trials": {"userns": {"uid": 1000, "steps": {"unshare_user": "ok"}, "ok": True}, "bad": 3}}
    (tmp_path / "capture.json").write_text(json.dumps(doc))
    src = CaptureSource(tmp_path)
    assert src.identity() == {"uid": 1000, "euid": 1000, "user": "alice", "db_groups": [1000, 108]}
    assert src.trial("userns")["steps"] == {"unshare_user": "ok"}
    assert src.trial("userns-unprivileged") == {"error": "ENOTCAPTURED"}
    assert len(src.damage) == 2


@pytest.mark.slow
def test_fixture_reports_validate_against_the_schema() -> None:
    import json

    import jsonschema

    from hvaudit.audit import run_audit
    from hvaudit.schema import schema_text
    from hvaudit.sources.capture import CaptureSource

    from .conftest import FIXTURES

    schema = json.loads(schema_text())
    cases = sorted((FIXTURES / "captures").glob("cap-*"))
    assert len(cases) >= 7
    for case in cases:
        report = json.loads(json.dumps(run_audit(CaptureSource(case)).to_dict()))
        jsonschema.validate(report, schema)
        assert {c["id"] for c in report["capabilities"]} == set(linux_order())


def test_kernel_log_prefilter_keeps_exactly_what_the_pattern_keeps() -> None:
    from hvaudit.parsers import kmsg

    lines = ["[    0.1] x86/cpu: VMX (outside TXT) disabled by BIOS", "[    0.2] DMAR-IR: Enabled IRQ remapping",
             "[    0.3] AppArmor: AppArmor initialized", "[    0.4] usb 1-1: new high-speed USB device",
             "[    0.5] Memory Encryption Features active: AMD SEV", "[    0.6] kvm-clock: Using msrs",
             "[    0.7] HugeTLB: registered 1.00 GiB page size", "[    0.8] random: crng init done"]
    relevant, noise = kmsg.patterns()
    slow = [line for line in lines if relevant.search(line) and not noise.search(line)]
    assert kmsg.relevant_lines(lines) == slow
    assert len(slow) == 5


def test_kernel_log_records_are_searched_at_once_for_the_same_keywords() -> None:
    from hvaudit.parsers import kmsg

    texts = ["x86/cpu: VMX (outside TXT) disabled by BIOS", "usb 1-1: new device", "DMAR-IR: Enabled IRQ remapping",
             "random: crng init done", "kvm: nested on; KVM twice", "Hugepage pool", "eth0: link up"]
    records = [b"6,%d,%d,-;%s\n SUBSYSTEM=x\n" % (i, i * 1000, t.encode()) for i, t in enumerate(texts)]
    one_by_one = [r for r, t in zip(records, texts) if any(w in t.lower() for w in kmsg.KEYWORDS)]
    assert kmsg.records_with_keywords(records) == one_by_one
    assert len(one_by_one) == 4 and kmsg.records_with_keywords([]) == []
