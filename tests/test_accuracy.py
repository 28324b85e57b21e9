"""Markers are claims that a runtime's own traces corroborate; a namespace sandbox is named
as the sandbox; unknown is not no; ties resolve by the kind of evidence, never by name."""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import pytest

from hvaudit import detect
from hvaudit.audit import run_audit
from hvaudit.classify import classify, decide_value
from hvaudit.model import Claim, Evidence, Strength, note_text
from hvaudit.sources.capture import CaptureSource

from .support import HYPERVISOR_BIT, NO_HYPERVISOR_BIT, DictSource
from .test_classify import CONTAINER_NS, HOST_CPUINFO, INITIAL_NS

CAPTURES = Path(__file__).resolve().parent.parent / "fixtures" / "captures"
#: A PID-namespace sandbox's mount table with none of any engine's traces.
PLAIN_MOUNTS = ("30 25 254:0 / / rw,relatime - ext4 /dev/vda rw\n"
                "31 30 0:5 / /proc rw,nosuid - proc proc rw\n")
DOCKER_MOUNTS = PLAIN_MOUNTS + (
    "32 30 254:0 /var/lib/docker/containers/" + "ab" * 32 + "/hostname /etc/hostname rw - ext4 /dev/vda rw\n")


def sandbox(files: dict, links: dict = CONTAINER_NS, **kwargs) -> DictSource:
    base = {"/proc/cpuinfo": HOST_CPUINFO, "/proc/self/mountinfo": PLAIN_MOUNTS, "/proc/2/comm": "sh\n",
            "/proc/self/uid_map": "         0          0 4294967295\n"}
    return DictSource({**base, **files}, links=links, cpuid={(1, 0): NO_HYPERVISOR_BIT}, **kwargs)


def ids(report) -> set:
    return {f.id for f in report.findings}


def test_stale_dockerenv_in_a_namespace_sandbox_is_not_docker() -> None:
    report = run_audit(sandbox({"/.dockerenv": ""}), checks=False)
    assert report.container == "container-other"
    assert report.layers[-1].tech == "namespace-sandbox"
    finding = next(f for f in report.findings if f.id == "container.marker-uncorroborated")
    assert [e.where for e in finding.contradicted_by] == ["/.dockerenv"]


def test_dockerenv_with_dockers_traces_is_docker() -> None:
    report = run_audit(sandbox({"/.dockerenv": "", "/proc/self/mountinfo": DOCKER_MOUNTS}), checks=False)
    assert (report.container, report.layers[-1].tech) == ("docker", "docker")
    assert "container.marker-uncorroborated" not in ids(report)


@pytest.mark.parametrize("marker", [{"/run/systemd/container": "lxc\n"}, {"/proc/1/environ": b"container=lxc\0"},
                                    {"/run/.containerenv": ""}, {"/proc/self/environ": b"container=podman\0"},
                                    {"/run/host/container-manager": "systemd-nspawn\n"}])
def test_every_known_runtimes_marker_needs_its_traces(marker: dict) -> None:
    report = run_audit(sandbox(marker), checks=False)
    assert report.container == "container-other"
    assert "container.marker-uncorroborated" in ids(report)


def test_a_marker_stands_where_traces_could_not_be_looked_for() -> None:
    """A capture without a mount table cannot refute the marker: it still names LXC."""
    report = run_audit(DictSource({"/proc/cpuinfo": HOST_CPUINFO, "/proc/1/environ": b"container=lxc\0"}),
                       checks=False)
    assert report.container == "lxc"


def test_an_unknown_container_value_is_the_runtimes_own_word() -> None:
    files = {"/.dockerenv": "", "/proc/self/environ": b"container=firejail\0"}
    for source in (sandbox(files), DictSource({"/proc/cpuinfo": HOST_CPUINFO, **files})):
        report = run_audit(source, checks=False)
        assert (report.container, report.layers[-1].tech) == ("container-other", "firejail")


@pytest.mark.parametrize("program, tech", [("bwrap", "bubblewrap"), ("/usr/bin/firejail", "firejail"),
                                           ("/usr/sbin/init.lxc", "lxc")])
def test_the_sandbox_is_named_from_its_init(program: str, tech: str) -> None:
    report = run_audit(sandbox({"/.dockerenv": "", "/proc/1/cmdline": program.encode() + b"\0--\0sh\0"}),
                       checks=False)
    assert report.layers[-1].tech == tech
    assert report.container == ("lxc" if tech == "lxc" else "container-other")


def test_flatpak_refines_bubblewrap() -> None:
    mounts = PLAIN_MOUNTS + "33 30 0:40 /app/.flatpak-info /.flatpak-info ro - tmpfs tmpfs rw\n"
    report = run_audit(sandbox({"/proc/1/cmdline": b"bwrap\0", "/proc/self/mountinfo": mounts}), checks=False)
    assert report.layers[-1].tech == "flatpak"


def test_a_bare_oci_runtime_is_told_by_its_masked_files() -> None:
    mounts = PLAIN_MOUNTS + ("40 31 0:42 /null /proc/keys rw - tmpfs tmpfs rw\n"
                             "41 31 0:42 /null /proc/timer_list rw - tmpfs tmpfs rw\n")
    report = run_audit(sandbox({"/proc/self/mountinfo": mounts}), checks=False)
    assert (report.container, report.layers[-1].tech) == ("container-other", "oci")
    docker = run_audit(sandbox({"/proc/self/mountinfo": mounts + DOCKER_MOUNTS.split("\n", 2)[2]}), checks=False)
    assert docker.container == "docker"


def test_lxc_execute_is_lxc_from_its_traces() -> None:
    mounts = PLAIN_MOUNTS + "35 30 0:50 /4 /dev/lxc/console rw - devpts devpts rw\n"
    for files in ({"/proc/self/mountinfo": mounts}, {"/dev/.lxc-boot-id": "0b9f\n"}):
        assert run_audit(sandbox({"/.dockerenv": "", **files}), checks=False).container == "lxc"


USER_ONLY_NS = dict(INITIAL_NS, **{"/proc/self/ns/user": "user:[4026532600]"})


def test_a_user_namespace_alone_is_no_container(capsys, monkeypatch) -> None:
    source = DictSource({"/proc/cpuinfo": HOST_CPUINFO, "/proc/2/comm": "kthreadd\n", "/.dockerenv": "",
                         "/proc/self/uid_map": "         0       1000          1\n"},
                        links=USER_ONLY_NS, cpuid={(1, 0): NO_HYPERVISOR_BIT})
    report = run_audit(source, checks=False)
    assert (report.container, report.private_users) == ("none", True)
    monkeypatch.setattr("hvaudit.sources.open_source", lambda capture: source)
    assert detect.main(["--private-users"]) == 0
    assert detect.main(["--container"]) == 1
    assert capsys.readouterr().out.split() == ["none"]
    assert detect.main(["--json"]) == 1
    assert json.loads(capsys.readouterr().out)["private_users"] is True


def test_chroot_without_proc_is_unknown_and_detect_says_why(capsys, monkeypatch) -> None:
    source = DictSource({"/proc/cpuinfo": HOST_CPUINFO}, identity={"euid": 0, "uid": 0})
    report = run_audit(source, checks=False)
    assert report.chroot is None
    why = next(e for e in report.unseen if e.where == "/proc/1/root")
    assert "needs root" not in note_text(why.note) and "readable by root" not in note_text(why.note)
    monkeypatch.setattr("hvaudit.sources.open_source", lambda capture: source)
    assert detect.main(["--chroot"]) == 1
    err = capsys.readouterr().err
    assert "cannot tell whether this is a chroot" in err and "/proc is not mounted" in err
    assert detect.summary(report)["chroot"] is None


def test_denied_to_a_user_says_root_and_to_root_does_not() -> None:
    for euid, says_root in ((1000, True), (0, False)):
        source = DictSource({"/proc/cpuinfo": HOST_CPUINFO}, errors={"/proc/1/root": "EACCES"},
                            stats={"/": {"dev": 1, "ino": 2}}, identity={"euid": euid})
        why = next(e for e in run_audit(source, checks=False).unseen if e.where == "/proc/1/root")
        assert ("readable by root" in note_text(why.note)) is says_root, why.note


def test_detect_reads_no_process_names(monkeypatch) -> None:
    asked = []

    class Watching(DictSource):
        def command(self, name: str):
            asked.append(name)
            return super().command(name)

    monkeypatch.setattr("hvaudit.sources.open_source", lambda capture: Watching({"/proc/cpuinfo": HOST_CPUINFO}))
    detect.main(["-q"])
    assert "vm-processes" not in asked
    run_audit(Watching({"/proc/cpuinfo": HOST_CPUINFO}), checks=False)
    assert "vm-processes" in asked  # the full audit still asks


def test_an_empty_xen_bus_is_not_xen() -> None:
    files = {"/proc/cpuinfo": HOST_CPUINFO, "/sys/bus/xen/devices/.keep": "", "/sys/bus/xen/drivers/.keep": ""}
    report = run_audit(DictSource(files, cpuid={(1, 0): NO_HYPERVISOR_BIT}), checks=False)
    assert report.vm == "none"
    with_driver = dict(files, **{"/sys/bus/xen/drivers/vbd/bind": ""})
    assert run_audit(DictSource(with_driver, cpuid={(1, 0): HYPERVISOR_BIT}), checks=False).vm == "xen"


def claim(probe: str, value: str, strength: Strength = Strength.DEFINITIVE) -> Evidence:
    return Evidence(probe, "where:" + probe, value, Claim("vm", value), strength)


def test_a_tie_is_broken_by_the_kind_of_evidence_not_the_name() -> None:
    for a, b in (("kvm", "bhyve"), ("bhyve", "kvm"), ("acrn", "zvm"), ("zvm", "acrn")):
        decision = decide_value([claim("freebsd.vm-guest", b), claim("cpu.hypervisor-leaves", a)])
        assert (decision.value, decision.rule) == (a, "by-kind")
        assert decision.decisive is not None and decision.decisive.probe == "cpu.hypervisor-leaves"


def test_a_tie_of_equal_kinds_stays_unresolved() -> None:
    decision = decide_value([claim("dmi.identity", "vmware"), claim("dmi.identity", "bhyve")])
    assert (decision.value, decision.conflict, decision.rule) == ("*", True, "unresolved")


def test_the_report_says_which_evidence_decided() -> None:
    report = run_audit(CaptureSource(CAPTURES / "docker-on-kvm"), checks=False)
    vm = next(layer for layer in report.layers if layer.kind == "vm")
    assert (vm.details["decided_by"], vm.details["decision"]) == ("cpuid:0x40000000", "by-strength")


SHUFFLED = sorted(p.name for p in CAPTURES.iterdir() if (p / "expected.json").is_file())


@pytest.mark.parametrize("case", SHUFFLED)
def test_the_order_of_evidence_never_changes_the_verdict(case: str) -> None:
    source = CaptureSource(CAPTURES / case)
    report = run_audit(source, checks=False)
    evidence = list(report.evidence)

    def verdict(items):
        out = classify(items, source.uname())
        return (out.vm, out.container, out.classification, out.chroot,
                [(layer.kind, layer.tech, dict(layer.details)) for layer in out.layers],
                sorted((f.id, sorted(f.fields.items())) for f in out.findings))

    expected = verdict(evidence)
    rng = random.Random(case)
    for _ in range(5):
        rng.shuffle(evidence)
        assert verdict(evidence) == expected


def test_a_chroot_is_told_by_the_mount_table_where_pid_1s_root_is_denied() -> None:
    chrooted = "50 27 254:0 /usr /usr rw - ext4 /dev/vda rw\n51 27 0:40 / /proc rw - proc proc rw\n"
    for mounts, expected in ((chrooted, True), (PLAIN_MOUNTS, None)):
        source = DictSource({"/proc/cpuinfo": HOST_CPUINFO, "/proc/self/mountinfo": mounts},
                            errors={"/proc/1/root": "EACCES"}, stats={"/": {"dev": 1, "ino": 2}},
                            identity={"euid": 0})
        assert run_audit(source, checks=False).chroot is expected


@pytest.mark.parametrize("interrupts, expected", [(" 24:  0  IR-PCI-MSI 512000-edge  ahci\n", True),
                                                  (" 24:  0  PCI-MSI 512000-edge  ahci\n", False)])
def test_interrupt_remapping_is_read_from_proc_before_the_kernel_log(interrupts: str, expected: bool) -> None:
    """/proc/interrupts never rotates: it decides, even against a log line that says otherwise."""
    files = {"/proc/cpuinfo": HOST_CPUINFO, "/proc/interrupts": interrupts,
             "/sys/kernel/iommu_groups/0/type": "DMA\n", "/sys/class/iommu/dmar0/.keep": ""}
    log = "DMAR-IR: Not enabling interrupt remapping" if expected else "DMAR-IR: Enabled IRQ remapping in x2apic mode"
    check = next(c for c in run_audit(DictSource(files, commands={"dmesg": log}), checks=("iommu",)).checks)
    assert check.details["interrupt_remapping"] is expected
    assert any(e.where == "/proc/interrupts" for e in check.evidence)


@pytest.mark.skipif(os.geteuid() != 0, reason="what root is told: needs root")
def test_root_is_never_told_it_needs_root() -> None:
    from hvaudit.sources import open_source

    report = run_audit(open_source(None))
    notes = [note_text(e.note) for e in report.unseen] + [note_text(e.note) for c in report.checks
                                                          for e in c.evidence if not e.seen]
    assert not [n for n in notes if "needs root" in n or "by root" in n and "only" in n]


def test_a_command_line_keeps_only_its_program() -> None:
    source = sandbox({"/proc/1/cmdline": b"/usr/bin/bwrap\0--setenv\0PASSWORD\0hunter2\0"})
    from hvaudit.privacy import filter_read

    assert filter_read("/proc/1/cmdline", source.files["/proc/1/cmdline"]) == b"/usr/bin/bwrap\0"
    assert filter_read("/proc/self/cmdline", b"a\0b\0") == b"a\0"
    assert "hunter2" not in json.dumps(run_audit(source, checks=False).to_dict())
