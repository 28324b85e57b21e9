"""FreeBSD, Windows and macOS: parsers on documented output, the live source's helper
commands through a fake runner, and the platform probes and checks on in-memory sources."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Mapping, Optional, Sequence, Tuple

import pytest

from hvaudit.parsers.dmesg import parse_boot_cpu
from hvaudit.parsers.kenv import dmi_fields_from_kenv, parse_kenv
from hvaudit.parsers.sysctl import parse_sysctl, sysctl_int, sysctl_words
from hvaudit.parsers.windows import (
    decode_output,
    hyperv_requirements,
    parse_cim_json,
    parse_systeminfo,
    parse_wsl_list,
)
from hvaudit.privacy import filter_dmesg_boot, filter_kenv, filter_systeminfo
from hvaudit.sources import sysname
from hvaudit.sources.capture import command_file
from hvaudit.sources.helper_programs import PLATFORM_COMMANDS, RunResult, failure
from hvaudit.sources.live import LiveSource

from .support import HYPERVISOR_BIT, DictSource, signature

# --------------------------------------------------------------------------------------
# Documented output (FreeBSD identcpu.c and sysctl(8), Microsoft's systeminfo and WMI
# documentation, Apple's sysctl names); the fixtures under fixtures/captures/ hold whole cases.
# --------------------------------------------------------------------------------------
FREEBSD_DMESG = """\
---<<BOOT>>---
Copyright (c) 1992-2023 The FreeBSD Project.
FreeBSD 14.0-RELEASE #0 releng/14.0-n265380-f9716eee8ab4: Fri Nov 10 05:57:23 UTC 2023
CPU: Intel(R) Xeon(R) CPU E5-2620 v3 @ 2.40GHz (2400.05-MHz K8-class CPU)
  Origin="GenuineIntel"  Id=0x306f2  Family=0x6  Model=0x3f  Stepping=2
  Features=0xbfebfbff<FPU,VME,DE,PSE,TSC,MSR,PAE,MCE,CX8,APIC,SEP,MTRR,PGE,MCA,CMOV,PAT,PSE36,CLFLUSH>
  Features2=0x7ffefbff<SSE3,PCLMULQDQ,DTES64,MON,DS_CPL,VMX,SMX,EST,TM2,SSSE3,SDBG,FMA,CX16,xTPR>
  AMD Features=0x2c100800<SYSCALL,NX,Page1GB,RDTSCP,LM>
  VT-x: PAT,HLT,MTF,PAUSE,EPT,UG,VPID,VID,PostIntr
  TSC: P-state invariant, performance statistics
real memory  = 34359738368 (32768 MB)
em0: Ethernet address: 00:25:90:aa:bb:cc
ada0: <Samsung SSD 860 EVO 500GB RVT04B6Q> ACS-4 ATA SATA 3.x device
ada0: Serial Number S3Z2NB0K123456X
FreeBSD/SMP: Multiprocessor System Detected: 12 CPUs
"""

SYSTEMINFO_REQUIREMENTS = """\
Host Name:                 WIN-HOST01
OS Name:                   Microsoft Windows 11 Pro
OS Version:                10.0.22631 N/A Build 22631
Registered Owner:          someone@example.com
Product ID:                00330-80000-00000-AA123
System Manufacturer:       Dell Inc.
System Model:              OptiPlex 7090
System Type:               x64-based PC
Processor(s):              1 Processor(s) Installed.
                           [01]: Intel64 Family 6 Model 167 Stepping 1 GenuineIntel ~2496 Mhz
BIOS Version:              Dell Inc. 1.20.0, 10/11/2023
Domain:                    corp.example.com
Logon Server:              \\\\DC01
Hotfix(s):                 2 Hotfix(s) Installed.
                           [01]: KB5032007
                           [02]: KB5033375
Network Card(s):           1 NIC(s) Installed.
                           [01]: Intel(R) Ethernet Connection (14) I219-LM
                                 Connection Name: Ethernet
                                 IP address(es)
                                 [01]: 192.0.2.15
Hyper-V Requirements:      VM Monitor Mode Extensions: Yes
                           Virtualization Enabled In Firmware: No
                           Second Level Address Translation: Yes
                           Data Execution Prevention Available: Yes
"""

SYSTEMINFO_HYPERVISOR = """\
OS Name:                   Microsoft Windows Server 2022 Datacenter
System Manufacturer:       Dell Inc.
System Model:              PowerEdge R750
Hyper-V Requirements:      A hypervisor has been detected. Features required for Hyper-V will not be displayed.
"""


# --- parsers: sysctl, kenv, dmesg.boot -----------------------------------------------

def test_parse_sysctl_reads_names_values_and_continuations() -> None:
    text = ("kern.vm_guest: bhyve\nhw.hv_vendor: bhyve bhyve \nsecurity.jail.jailed: 0\n"
            "kern.osproductversion = 14.2\nkern.version: FreeBSD 14.0-RELEASE #0\n  second line\n"
            "machdep.cpu.features: FPU VME VMX\n")
    values = parse_sysctl(text)
    assert values["kern.vm_guest"] == "bhyve"
    assert values["hw.hv_vendor"] == "bhyve bhyve"  # trimmed; the signature is matched trimmed
    assert values["kern.osproductversion"] == "14.2"
    assert values["security.jail.jailed"] == "0"
    assert values["kern.version"] == "FreeBSD 14.0-RELEASE #0\nsecond line"
    assert sysctl_words(values, "machdep.cpu.features") >= {"VMX", "VME"}
    assert sysctl_int({"a.b": "0x1f"}, "a.b") == 31 and sysctl_int({"a.b": "x"}, "a.b") is None
    assert sysctl_int(values, "no.such") is None


def test_parse_sysctl_never_raises_on_garbage() -> None:
    assert parse_sysctl("") == {}
    assert parse_sysctl("\0\0:::\n: x\n") == {}


def test_parse_kenv_unquotes_and_maps_to_dmi_fields() -> None:
    text = ('smbios.system.maker="BHYVE"\nsmbios.system.product="BHYVE"\nsmbios.bios.vendor="BHYVE"\n'
            'smbios.chassis.tag="say \\"hi\\""\nbroken line\nsmbios.system.serial="None"\n')
    values = parse_kenv(text)
    assert values["smbios.chassis.tag"] == 'say "hi"'
    fields = dmi_fields_from_kenv(values)
    assert fields == {"sys_vendor": "BHYVE", "product_name": "BHYVE", "bios_vendor": "BHYVE",
                      "chassis_asset_tag": 'say "hi"'}


def test_parse_boot_cpu_reads_vtx_and_features() -> None:
    cpu = parse_boot_cpu(FREEBSD_DMESG)
    assert cpu.model.startswith("Intel(R) Xeon(R)")
    assert {"VMX", "NX", "LM"} <= cpu.features and "HV" not in cpu.features
    assert cpu.virt is not None and cpu.virt.kind == "VT-x" and not cpu.virt.disabled
    assert {"EPT", "UG", "VPID"} <= cpu.virt.features
    assert cpu.hypervisor_origin is None


def test_parse_boot_cpu_reads_svm_disabled_in_bios_and_the_verbose_form() -> None:
    text = ("CPU: AMD Ryzen 7 5800X 8-Core Processor (3800.00-MHz K8-class CPU)\n"
            "  AMD Features2=0x75c237ff<LAHF,CMP,SVM,ExtAPIC,CR8>\n"
            "  SVM: (disabled in BIOS) NP,NRIP,VClean,AFlush,DAssist,NAsids=32768\n")
    cpu = parse_boot_cpu(text)
    assert cpu.virt is not None and cpu.virt.kind == "SVM" and cpu.virt.disabled
    assert {"NP", "NRIP", "NAsids"} <= cpu.virt.features
    verbose = ("CPU: Intel(R) Core(TM) i7 (3000.00-MHz K8-class CPU)\n"
               "  Features2=0x7ffafbff<SSE3,VMX,HV>\n"
               "  VT-x: Basic Features=0xda0400<SMM,INS/OUTS,TRUE>\n"
               "        Pin-Based Controls=0xff<ExtINT,NMI,VNMI,PostIntr>\n"
               "        Secondary Processor Controls=0x5ffcff<APIC,EPT,DT,RDTSCP,x2APIC,VPID,WBINVD,UG>\n"
               "  TSC: P-state invariant\n"
               'Hypervisor: Origin = "KVMKVMKVM"\n')
    cpu = parse_boot_cpu(verbose)
    assert cpu.virt is not None and {"EPT", "UG"} <= cpu.virt.features and not cpu.virt.disabled
    assert "HV" in cpu.features and cpu.hypervisor_origin == "KVMKVMKVM"


def test_parse_boot_cpu_of_nothing() -> None:
    cpu = parse_boot_cpu("no cpu here\n")
    assert cpu.virt is None and not cpu.has_feature_lines and cpu.model == ""


# --- parsers: Windows ------------------------------------------------------------------

def test_systeminfo_requirements_block() -> None:
    info = parse_systeminfo(SYSTEMINFO_REQUIREMENTS)
    assert info["System Manufacturer"] == ["Dell Inc."]
    assert info["Processor(s)"][1].startswith("[01]: Intel64")
    req = hyperv_requirements(info)
    assert req is not None and not req.hypervisor_detected
    assert (req.vm_monitor_mode_extensions, req.virtualization_enabled_in_firmware,
            req.second_level_address_translation, req.data_execution_prevention_available) == (True, False, True, True)


def test_systeminfo_hypervisor_detected() -> None:
    req = hyperv_requirements(parse_systeminfo(SYSTEMINFO_HYPERVISOR))
    assert req is not None and req.hypervisor_detected and req.vm_monitor_mode_extensions is None
    assert hyperv_requirements(parse_systeminfo("OS Name: x\n")) is None


def test_cim_json_dict_list_empty_and_garbage() -> None:
    assert parse_cim_json('{"Manufacturer": "VMware, Inc.", "HypervisorPresent": true}') == [
        {"Manufacturer": "VMware, Inc.", "HypervisorPresent": True}]
    assert parse_cim_json('[{"a": 1}, 2, {"b": null}]') == [{"a": 1}, {"b": None}]
    assert parse_cim_json("") == [] and parse_cim_json("  \r\n") == []
    assert parse_cim_json("Get-VMHost : The term 'Get-VMHost' is not recognized") is None
    assert parse_cim_json("42") is None


def test_decode_output_handles_utf16_and_bom() -> None:
    assert decode_output("x: 1".encode("utf-16-le")) == "x: 1"
    assert decode_output(b"\xff\xfe" + "y".encode("utf-16-le")) == "y"
    assert decode_output(b"\xef\xbb\xbf{}") == "{}"
    assert decode_output(b"plain") == "plain"


def test_wsl_list_rows() -> None:
    rows = parse_wsl_list("  NAME            STATE           VERSION\n* Ubuntu-22.04    Running         2\n"
                          "  Debian          Stopped         2\n  legacy          Stopped         1\n")
    assert [(r.name, r.state, r.version, r.default) for r in rows] == [
        ("Ubuntu-22.04", "Running", 2, True), ("Debian", "Stopped", 2, False), ("legacy", "Stopped", 1, False)]
    assert parse_wsl_list("") == []


# --- privacy: what helpers and files may leave in a report or capture ----------------

def test_dmesg_boot_keeps_only_the_cpu() -> None:
    kept = filter_dmesg_boot(FREEBSD_DMESG.encode()).decode()
    assert "VT-x: PAT" in kept and "Features2=" in kept and "FreeBSD/SMP" in kept
    assert "Serial Number" not in kept and "00:25:90" not in kept and "real memory" not in kept


def test_kenv_keeps_smbios_identity_without_serials() -> None:
    data = (b'LINES="24"\nkern.geom.eli.passphrase="secret"\nsmbios.system.maker="Dell Inc."\n'
            b'smbios.system.serial="ABC123"\nsmbios.system.uuid="4c4c4544-0000"\nsmbios.planar.serial="X"\n'
            b'smbios.chassis.tag="OracleCloud.com"\n')
    kept = filter_kenv(data).decode()
    assert kept == 'smbios.system.maker="Dell Inc."\nsmbios.chassis.tag="OracleCloud.com"\n'


def test_systeminfo_drops_names_addresses_and_hotfixes() -> None:
    kept = filter_systeminfo(SYSTEMINFO_REQUIREMENTS.encode()).decode()
    for gone in ("WIN-HOST01", "someone@example.com", "00330-80000", "corp.example.com", "DC01", "KB5032007",
                 "192.0.2.15"):
        assert gone not in kept, gone
    for kept_text in ("Dell Inc.", "OptiPlex 7090", "Virtualization Enabled In Firmware: No", "[01]: Intel64"):
        assert kept_text in kept, kept_text


# --- the live source: platform helpers through a fake runner -------------------------

class FakeRunner:
    """Answers helper commands from a table keyed by the program's base name."""

    def __init__(self, answers: Mapping[str, object]) -> None:
        self.answers = dict(answers)
        self.calls: List[Tuple[Tuple[str, ...], float, Optional[Mapping[str, str]]]] = []

    def __call__(self, argv: Sequence[str], timeout: float, env: Optional[Mapping[str, str]]) -> RunResult:
        self.calls.append((tuple(argv), timeout, env))
        key = argv[0].replace("\\", "/").rsplit("/", 1)[-1]
        if key == "powershell.exe":  # keyed by the cmdlet, or by the CIM class it reads
            words = argv[-1].split()
            key = words[2] if words[0] == "Get-CimInstance" else words[0]
        answer = self.answers.get(key)
        if isinstance(answer, BaseException):
            raise answer
        if answer is None:
            raise FileNotFoundError(argv[0])
        return answer  # type: ignore[return-value]


FREEBSD = {"sysname": "FreeBSD", "release": "14.0-RELEASE", "version": "FreeBSD 14.0-RELEASE", "machine": "amd64"}
WINDOWS = {"sysname": "Windows", "release": "2022Server", "version": "10.0.20348", "machine": "AMD64"}
DARWIN = {"sysname": "Darwin", "release": "23.1.0", "version": "Darwin Kernel Version 23.1.0", "machine": "arm64"}


def test_live_runs_the_freebsd_helpers_with_a_clean_environment() -> None:
    runner = FakeRunner({"sysctl": RunResult(0, b"security.jail.jailed: 1\n"),
                         "kenv": RunResult(0, b'smbios.system.maker="BHYVE"\nsmbios.system.serial="S1"\n')})
    src = LiveSource(runner=runner, uname=FREEBSD)
    assert sysname(src) == "FreeBSD"
    assert src.command("sysctl").text == "security.jail.jailed: 1\n"
    assert src.command("kenv").text == 'smbios.system.maker="BHYVE"\n'  # serial filtered at the source
    argv, timeout, env = runner.calls[0]
    assert argv[:2] == ("sysctl", "-i") and "security.jail" in argv and "hw.vmm" in argv
    assert env is not None and env["LC_ALL"] == "C" and "HOME" not in env
    assert timeout == 5.0
    # A command of another system, or an unknown one, is never run.
    assert src.command("systeminfo").error == "EINVAL"
    assert src.command("dmidecode").error == "EINVAL"
    assert len(runner.calls) == 2


def test_live_runs_windows_helpers_by_full_path_with_their_own_timeouts(monkeypatch) -> None:
    monkeypatch.setenv("SYSTEMROOT", "D:\\Win")
    runner = FakeRunner({"systeminfo.exe": RunResult(0, SYSTEMINFO_REQUIREMENTS.encode()),
                         "Win32_ComputerSystem": RunResult(0, b'{"HypervisorPresent": false}'),
                         "Get-VMHost": RunResult(1, b"", b"Get-VMHost : You do not have the required permission"),
                         "Get-VM": RunResult(1, b"", b"Get-VM : The term 'Get-VM' is not recognized as the name"),
                         "wsl.exe": TimeoutError("slow")})
    src = LiveSource(runner=runner, uname=WINDOWS)
    info = src.command("systeminfo")
    assert "WIN-HOST01" not in (info.text or "") and "Virtualization Enabled In Firmware" in (info.text or "")
    assert src.command("cim-computersystem").text == '{"HypervisorPresent": false}'
    assert src.command("ps-vmhost").error == "EACCES"
    assert src.command("ps-vm").error == "ENOENT"
    assert src.command("wsl-list").error == "ETIMEDOUT"
    assert src.command("cim-bios").error == "ENOENT"  # the fake has no answer: program missing
    assert src.command("sysctl").error == "EINVAL"
    argv, timeout, env = runner.calls[0]
    assert argv == ("D:\\Win\\System32\\systeminfo.exe",) and timeout == 30.0 and env is None
    ps_argv = runner.calls[1][0]
    assert ps_argv[0] == "D:\\Win\\System32\\WindowsPowerShell\\v1.0\\powershell.exe"
    assert "-NoProfile" in ps_argv and ps_argv[-1].endswith("ConvertTo-Json")


def test_live_keeps_partial_sysctl_output_on_macos() -> None:
    runner = FakeRunner({"sysctl": RunResult(1, b"kern.hv_support: 1\nhw.model: Mac14,2\n",
                                             b"sysctl: unknown oid 'machdep.cpu.features'\n")})
    src = LiveSource(runner=runner, uname=DARWIN)
    assert src.command("sysctl").text == "kern.hv_support: 1\nhw.model: Mac14,2\n"
    argv = runner.calls[0][0]
    assert "kern.hv_vmm_present" in argv and "machdep.cpu.features" in argv
    runner = FakeRunner({"sysctl": RunResult(1, b"", b"sysctl: unknown oid\n")})
    assert LiveSource(runner=runner, uname=DARWIN).command("sysctl").error == "EIO"


def test_live_runs_each_helper_once_per_audit() -> None:
    from hvaudit.audit import run_audit

    runner = FakeRunner({"sysctl": RunResult(0, b"security.jail.jailed: 0\nkern.vm_guest: none\n"),
                         "kenv": RunResult(0, b"")})
    run_audit(LiveSource(runner=runner, uname=FREEBSD))
    assert sorted(call[0][0] for call in runner.calls) == ["kenv", "sysctl"]


def test_vm_processes_are_counted_in_process_and_without_psutil_on_linux() -> None:
    src = LiveSource(uname=WINDOWS, process_names=lambda: ["vmwp.exe", "VMWP.EXE", "vmmem", "notepad.exe"])
    assert src.command("vm-processes").text == "vmmem 1\nvmwp.exe 2\n"
    assert LiveSource(uname=DARWIN, process_names=lambda: ["x"]).command("vm-processes").error == "EINVAL"

    def no_psutil() -> List[str]:
        raise ImportError("psutil")

    assert LiveSource(uname=FREEBSD, process_names=no_psutil).command("vm-processes").error == "ENOSYS"
    # Linux reads /proc/PID/comm itself: psutil is not needed (nor loaded) there.
    assert LiveSource(uname={"sysname": "Linux", "machine": "x86_64"}).command("vm-processes").seen
    from hvaudit.sources.helper_programs import linux_process_names, process_names

    assert linux_process_names()  # this test's own process at least

    assert process_names()  # the real lister (psutil) sees this test's own process at least


def test_live_helper_failures_map_to_errno_names() -> None:
    assert failure(b"/dev/mem: Permission denied") == "EACCES"
    assert failure(b"Access is denied.") == "EACCES"
    assert failure(b"something else") == "EIO"
    runner = FakeRunner({"sysctl": PermissionError(13, "denied")})
    assert LiveSource(runner=runner, uname=FREEBSD).command("sysctl").error == "EACCES"


def test_every_platform_command_has_a_capture_file_name() -> None:
    for system, table in PLATFORM_COMMANDS.items():
        for name in table:
            expected = ".json" if name.startswith(("cim-", "ps-")) else ".txt"
            assert command_file(name).endswith(expected), (system, name)


def test_live_uname_is_the_systems_own_by_default() -> None:
    import os

    u = LiveSource().uname()
    assert u["sysname"] == os.uname().sysname and u["machine"] == os.uname().machine


def test_live_uname_without_os_uname_comes_from_platform(monkeypatch) -> None:
    import os
    import platform

    from hvaudit.sources import system

    monkeypatch.delattr(os, "uname")
    monkeypatch.setattr(platform, "system", lambda: "Windows")
    monkeypatch.setattr(platform, "release", lambda: "10")
    monkeypatch.setattr(platform, "version", lambda: "10.0.19045")
    monkeypatch.setattr(platform, "machine", lambda: "AMD64")
    assert system.system_uname() == {"sysname": "Windows", "release": "10", "version": "10.0.19045",
                                     "machine": "AMD64"}


def test_live_user_without_geteuid(monkeypatch) -> None:
    import os

    from hvaudit.sources import system

    monkeypatch.delattr(os, "geteuid")
    assert isinstance(system.current_user(), dict)  # {"admin": ...} on Windows, {} where unknown


def test_capture_reads_json_commands_and_filters_helpers(tmp_path: Path) -> None:
    from hvaudit.sources.capture import CaptureSource

    (tmp_path / "commands").mkdir()
    (tmp_path / "capture.json").write_text(json.dumps({"format": "hvaudit-capture/1", "uname": WINDOWS}))
    (tmp_path / "commands" / "cim-bios.json").write_text('{"Manufacturer": "VMware, Inc."}')
    (tmp_path / "commands" / "systeminfo.txt").write_text(SYSTEMINFO_REQUIREMENTS)
    (tmp_path / "commands" / "dmidecode.txt").write_text("# dmidecode 3.4\n")
    src = CaptureSource(tmp_path)
    assert src.command("cim-bios").text == '{"Manufacturer": "VMware, Inc."}'
    assert "WIN-HOST01" not in (src.command("systeminfo").text or "")
    assert src.command("dmidecode").text == "# dmidecode 3.4\n"
    assert src.command("cim-processor").error == "ENOENT"


# --- CPUID on other systems ----------------------------------------------------------

def test_cpuid_is_refused_off_x86_and_arch_prctl_is_linux_only() -> None:
    from hvaudit.sources.cpuid import CpuidExecutor

    assert (CpuidExecutor("arm64", "Darwin").unavailable() or "").startswith("ENOSYS")
    import os

    if os.uname().machine == "x86_64":
        # A non-Linux system name skips arch_prctl (another syscall elsewhere) and still runs CPUID.
        executor = CpuidExecutor("x86_64", "FreeBSD")
        if executor.unavailable() is None:
            assert executor(0) == CpuidExecutor("x86_64", "Linux")(0)


def test_the_windows_cpuid_routine_computes_what_the_linux_one_does(monkeypatch) -> None:
    """The Microsoft-ABI routine, entered through a System V shim (r8 <- rdx, edx <- esi,
    ecx <- edi), gives the same registers as the System V routine on this machine."""
    import os

    from hvaudit.sources import cpuid

    if os.uname().machine != "x86_64":
        pytest.skip("x86-64 only")
    reference = cpuid.CpuidExecutor("x86_64", "Linux")
    if reference.unavailable() is not None:
        pytest.skip(reference.unavailable() or "")
    shim = bytes.fromhex("4989d0" "89f2" "89f9")
    monkeypatch.setattr(cpuid, "_ROUTINE", shim + cpuid._ROUTINE_MS)
    windows_body = cpuid.CpuidExecutor("x86_64", "Linux")
    for leaf in (0, 0x80000000, 0x80000002):
        assert windows_body(leaf) == reference(leaf), hex(leaf)


def test_dictsource_defaults_to_linux() -> None:
    assert sysname(DictSource()) == "Linux"
    assert sysname(DictSource(uname={})) == "Linux"



# --- probes and classification on in-memory sources ----------------------------------

def evidence_probes(report) -> set:
    return {e.probe for e in report.evidence}


def test_linux_probes_do_not_run_on_other_systems() -> None:
    from hvaudit.audit import run_audit

    linux_files = {"/proc/cpuinfo": "processor\t: 0\nflags\t\t: fpu hypervisor\n", "/.dockerenv": "",
                   "/sys/hypervisor/type": "xen\n"}
    for uname in (FREEBSD, WINDOWS, DARWIN):
        report = run_audit(DictSource(linux_files, uname=uname, links={"/proc/self/ns/pid": "pid:[4026532301]"}))
        assert (report.vm, report.container) == ("none", "none"), uname["sysname"]
        assert not {p for p in evidence_probes(report) if p.split(".")[0] in ("container", "xen", "dmi", "acpi")}
        assert "cpu.kernel-view" not in evidence_probes(report)


def test_platform_probes_and_checks_are_silent_on_linux() -> None:
    from hvaudit.audit import run_audit

    commands = {"sysctl": "security.jail.jailed: 1\nkern.hv_vmm_present: 1\n", "kenv": 'smbios.system.maker="BHYVE"\n',
                "cim-computersystem": '{"HypervisorPresent": true}', "systeminfo": SYSTEMINFO_HYPERVISOR}
    report = run_audit(DictSource({"/proc/cpuinfo": "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: vmx\n"},
                                  commands=commands))
    assert not {p for p in evidence_probes(report) if p.split(".")[0] in ("freebsd", "windows", "macos")}
    assert not {c.id for c in report.checks} & {"bhyve-host", "jails", "hyperv-host", "hyperv-features", "wsl2", "hvf"}
    assert (report.vm, report.container) == ("none", "none")


def test_jail_parameter_names() -> None:
    from hvaudit.signatures import jail_parameter

    assert jail_parameter("security.jail.allow_raw_sockets") == "allow.raw_sockets"
    assert jail_parameter("security.jail.mount_allowed") == "allow.mount"
    assert jail_parameter("security.jail.mount_nullfs_allowed") == "allow.mount.nullfs"
    assert jail_parameter("security.jail.vmm_allowed") == "allow.vmm"
    assert jail_parameter("security.jail.param.allow.vmm") is None
    assert jail_parameter("security.jail.jailed") is None
    assert jail_parameter("kern.vm_guest") is None


def freebsd(sysctl: str, **kwargs) -> DictSource:
    return DictSource(kwargs.pop("files", {}), uname=FREEBSD, commands={"sysctl": sysctl, **kwargs.pop("commands", {})},
                      **kwargs)


def test_freebsd_vm_guest_names_and_unknown_signatures() -> None:
    from hvaudit.audit import run_audit

    report = run_audit(freebsd("kern.vm_guest: generic\nhw.hv_vendor: SomethingNew\nsecurity.jail.jailed: 0\n"))
    assert (report.vm, report.classification) == ("vm-other", "vm-guest")
    report = run_audit(freebsd("kern.vm_guest: hv\nhw.hv_vendor: Microsoft Hv\nsecurity.jail.jailed: 0\n"))
    assert report.vm == "microsoft"
    report = run_audit(freebsd("kern.vm_guest: none\nsecurity.jail.jailed: 0\n"))
    assert (report.vm, report.container, report.classification) == ("none", "none", "bare-metal-host")


def test_freebsd_hypervisor_origin_from_the_boot_messages() -> None:
    from hvaudit.audit import run_audit

    dmesg = ("CPU: Intel(R) Xeon(R) (2400.05-MHz K8-class CPU)\n  Features2=0xfffa3203<SSE3,HV>\n"
             'Hypervisor: Origin = "KVMKVMKVM"\n')
    report = run_audit(freebsd("security.jail.jailed: 0\n", files={"/var/run/dmesg.boot": dmesg}))
    assert report.vm == "kvm"


def test_freebsd_jail_layer_details() -> None:
    from hvaudit.audit import run_audit

    sysctl = ("security.jail.jailed: 1\nsecurity.jail.vnet: 1\nsecurity.jail.allow_raw_sockets: 1\n"
              "security.jail.vmm_allowed: 1\nsecurity.jail.socket_unixiproute_only: 0\n"
              "security.jail.enforce_statfs: 1\nsecurity.jail.param.allow.mount: 0\nkern.vm_guest: none\n")
    report = run_audit(freebsd(sysctl))
    assert (report.container, report.classification) == ("container-other", "container")
    layer = report.layers[-1]
    assert (layer.kind, layer.tech, layer.name) == ("container", "jail", "FreeBSD jail")
    assert layer.details["network"] == "vnet" and layer.details["enforce_statfs"] == "1"
    assert layer.details["allow"] == ["allow.raw_sockets", "allow.socket_af", "allow.vmm"]
    jail_finding = next(f for f in report.findings if f.id == "container.jail")
    assert "VNET" in jail_finding.title
    bhyve = next(c for c in report.checks if c.id == "bhyve-host")
    assert bhyve.details["allow.vmm"] is True


def test_freebsd_sysctl_unavailable_is_not_seen_not_absent() -> None:
    from hvaudit.audit import run_audit

    report = run_audit(DictSource(uname=FREEBSD, errors={}, commands={}))
    checks = {c.id: c.status for c in report.checks}
    assert checks["bhyve-host"] == "unknown" and checks["jails"] == "unknown" and checks["cpu-hav"] == "unknown"


def windows(commands: Mapping[str, str], **kwargs) -> DictSource:
    return DictSource(kwargs.pop("files", {}), uname=WINDOWS, commands=commands, **kwargs)


DELL = '{"Manufacturer": "Dell Inc.", "Model": "PowerEdge R750", "HypervisorPresent": true}'


def test_windows_root_partition_from_windows_own_answers() -> None:
    from hvaudit.audit import run_audit

    report = run_audit(windows({"cim-computersystem": DELL, "systeminfo": SYSTEMINFO_HYPERVISOR,
                                "cim-optionalfeature": '[{"Name": "Microsoft-Hyper-V", "InstallState": 1}]'}))
    assert (report.vm, report.container, report.classification) == ("none", "none", "bare-metal-host")
    layer = report.layers[-1]
    assert layer.details["role"] == "root-partition" and layer.name == "Microsoft Hyper-V (root partition)"
    assert "vm.hyperv-root-partition" in {f.id for f in report.findings}
    assert "vm.detected" not in {f.id for f in report.findings}
    assert {c.id: c.status for c in report.checks}["hyperv-host"] == "pass"


def test_windows_guest_firmware_or_cpuid_prevents_the_root_inference() -> None:
    from hvaudit.audit import run_audit

    from .support import HYPERVISOR_BIT, signature

    hyperv_guest = '{"Manufacturer": "Microsoft Corporation", "Model": "Virtual Machine", "HypervisorPresent": true}'
    report = run_audit(windows({"cim-computersystem": hyperv_guest}))
    assert (report.vm, report.classification) == ("microsoft", "type-1-guest")
    # Unknown firmware, but CPUID answers: KVM, and no root-partition privilege.
    odd = '{"Manufacturer": "Foo Cloud", "Model": "Compute", "HypervisorPresent": true}'
    report = run_audit(windows({"cim-computersystem": odd},
                               cpuid={(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("KVMKVMKVM")}))
    assert report.vm == "kvm" and "role" not in report.layers[-1].details


def test_windows_hyperv_enabled_but_hypervisor_not_running() -> None:
    from hvaudit.audit import run_audit

    features = ('[{"Name": "Microsoft-Hyper-V", "InstallState": 1}, '
                '{"Name": "VirtualMachinePlatform", "InstallState": 1}]')
    report = run_audit(windows({"cim-computersystem": DELL.replace("true", "false"), "cim-optionalfeature": features}))
    checks = {c.id: c for c in report.checks}
    assert checks["hyperv-host"].status == "warn" and "hypervisorlaunchtype" in (checks["hyperv-host"].remedy or "")
    assert checks["wsl2"].status == "warn"
    assert checks["hyperv-features"].status == "unknown"  # role on, module silent
    assert report.vm == "none"


def test_windows_hyperv_features_not_applicable_without_the_role() -> None:
    from hvaudit.audit import run_audit

    report = run_audit(windows({"cim-computersystem": DELL.replace("true", "false"),
                                "cim-optionalfeature": '{"Name": "Microsoft-Hyper-V", "InstallState": 2}',
                                "systeminfo": SYSTEMINFO_REQUIREMENTS}))
    checks = {c.id: c for c in report.checks}
    assert "hyperv-features" not in checks
    assert checks["hyperv-host"].status == "fail" and checks["cpu-hav"].status == "fail"
    assert checks["cpu-slat"].status == "pass"


def test_windows_cpu_features_from_win32_processor_without_systeminfo() -> None:
    from hvaudit.audit import run_audit

    processor = ('{"VMMonitorModeExtensions": true, "VirtualizationFirmwareEnabled": true, '
                 '"SecondLevelAddressTranslationExtensions": false}')
    report = run_audit(windows({"cim-computersystem": DELL.replace("true", "false"), "cim-processor": processor}))
    checks = {c.id: c.status for c in report.checks}
    assert (checks["cpu-hav"], checks["cpu-slat"]) == ("pass", "fail")


def macos(sysctl: str, machine: str = "arm64") -> DictSource:
    return DictSource(uname=dict(DARWIN, machine=machine), commands={"sysctl": sysctl})


def test_macos_intel_guest_of_vmware() -> None:
    from hvaudit.audit import run_audit

    report = run_audit(macos("kern.hv_support: 0\nkern.hv_vmm_present: 1\nhw.model: VMware7,1\n"
                             "machdep.cpu.features: FPU VME SSE3 VMM\n", machine="x86_64"))
    assert (report.vm, report.classification) == ("vmware", "vm-guest")
    checks = {c.id: c for c in report.checks}
    assert checks["cpu-hav"].status == "fail" and checks["cpu-hav"].remedy
    assert checks["hvf"].status == "fail"


def test_macos_without_answers_is_unknown() -> None:
    from hvaudit.audit import run_audit

    report = run_audit(DictSource(uname=DARWIN))
    assert {c.id: c.status for c in report.checks} == {"hvf": "unknown", "cpu-hav": "unknown", "cpu-slat": "unknown"}
    assert report.vm == "none"


# --- the live path end to end: collect through a fake runner, audit the capture ------

FAKE_MACHINES = {
    "FreeBSD": (FREEBSD, {"sysctl": RunResult(0, b"kern.vm_guest: bhyve\nhw.hv_vendor: bhyve bhyve \n"
                                                 b"security.jail.jailed: 1\nsecurity.jail.vnet: 1\n"),
                          "kenv": RunResult(0, b'smbios.system.maker="FreeBSD"\nsmbios.system.product="BHYVE"\n'
                                               b'smbios.system.uuid="0000"\n')}),
    "Windows": (WINDOWS, {"systeminfo.exe": RunResult(0, SYSTEMINFO_HYPERVISOR.encode()),
                          "Win32_ComputerSystem": RunResult(0, DELL.encode("utf-16-le")),
                          "Win32_OptionalFeature": RunResult(
                              0, b'{"Name": "VirtualMachinePlatform", "InstallState": 1}'),
                          "wsl.exe": RunResult(
                              0, "  NAME STATE VERSION\r\n* Ubuntu Running 2\r\n".encode("utf-16-le"))}),
    "Darwin": (DARWIN, {"sysctl": RunResult(1, b"kern.hv_support: 0\nkern.hv_vmm_present: 1\nhw.model: VirtualMac2,1\n",
                                            b"sysctl: unknown oid 'machdep.cpu.features'\n")}),
}


@pytest.mark.parametrize("system", sorted(FAKE_MACHINES))
def test_collect_through_a_fake_runner_replays_identically(system: str, tmp_path: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    from hvaudit.audit import run_audit
    from hvaudit.collect import write_capture
    from hvaudit.sources.capture import CaptureSource
    from hvaudit.sources.recording import RecordingSource

    uname, answers = FAKE_MACHINES[system]
    if system == "FreeBSD":
        # The fake bhyve guest's own CPUID (hw.hv_vendor reads the same leaf), not the CPU
        # this test runs on: a verdict must never depend on the machine under the tests.
        leaves = {(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("bhyve bhyve ")}
        monkeypatch.setattr(LiveSource, "cpuid", lambda self, leaf, subleaf=0: leaves.get((leaf, subleaf)))
    processes = {"FreeBSD": ["init", "bhyve", "bhyve"], "Windows": ["explorer.exe", "vmmemWSL"]}.get(system, [])
    recording = RecordingSource(LiveSource(runner=FakeRunner(answers), uname=uname,
                                           process_names=lambda: processes))
    live = run_audit(recording)
    write_capture(recording, tmp_path / "capture", live)
    replayed = run_audit(CaptureSource(tmp_path / "capture"))
    live_dict, replayed_dict = live.to_dict(), replayed.to_dict()
    for data in (live_dict, replayed_dict):
        data.pop("meta")
        data.pop("generated")  # when each audit ran
    assert replayed_dict == live_dict
    names = {p.name for p in (tmp_path / "capture" / "commands").iterdir()}
    if system == "Windows":
        assert {"systeminfo.txt", "cim-computersystem.json", "wsl-list.txt"} <= names
        assert (live.vm, live.layers[-1].details.get("role")) == ("none", "root-partition")
        assert (tmp_path / "capture" / "commands" / "vm-processes.txt").read_text() == "vmmemwsl 1\n"
        assert {c.id: c.details for c in live.checks}["wsl2"]["utility_vm_running"] is True
    elif system == "FreeBSD":
        assert names == {"sysctl.txt", "kenv.txt", "vm-processes.txt"}
        assert "host.runs-vms" in {f.id for f in live.findings}  # two bhyve processes, no /dev/vmm here
        assert b"uuid" not in (tmp_path / "capture" / "commands" / "kenv.txt").read_bytes()
        assert (live.vm, live.container) == ("bhyve", "container-other")
    else:
        assert (live.vm, live.classification) == ("apple", "type-2-guest")


PLATFORM_FIXTURES = sorted(p for p in (Path(__file__).resolve().parents[1] / "fixtures" / "captures").glob("*")
                           if p.name.startswith(("freebsd-", "windows-", "macos-")))


@pytest.mark.parametrize("case", PLATFORM_FIXTURES, ids=lambda p: p.name)
def test_platform_reports_validate_and_name_each_check_once(case: Path) -> None:
    """Each system's checks share ids (cpu-hav, cpu-slat) with Linux's: a report must hold
    each id once, so every check answers None off its own system."""
    import jsonschema

    from hvaudit.audit import run_audit
    from hvaudit.schema import schema_text
    from hvaudit.sources.capture import CaptureSource

    report = json.loads(json.dumps(run_audit(CaptureSource(case)).to_dict()))
    jsonschema.validate(report, json.loads(schema_text()))
    ids = [c["id"] for c in report["capabilities"]]
    assert len(ids) == len(set(ids)), ids
    assert not [e for e in report["unseen"] if e["where"].startswith(("/proc", "/sys"))]
