"""Reports for the reporter tests: one built by hand with every kind of content (all check
statuses, every severity, contradicted and unreadable evidence), optionally with hostile
strings in every place a machine or a capture can put text; and the audits of fixtures."""

from __future__ import annotations

import html
import re
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from hvaudit.audit import run_audit
from hvaudit.model import Check, Claim, Evidence, Finding, Layer, Meta, Report, Strength
from hvaudit.sources import open_source

from .conftest import CORPUS, FIXTURES

#: Strings that would be markup, a table cell, a link, a template or a terminal command
#: if a reporter passed them through.
HOSTILE = (
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(2)>",
    "| table | breaker |",
    "](javascript:alert(3))",
    "\x1b[31mRED\x1b[0m\x1b]0;pwned\x07",
    "{{ 7*7 }} {% raw %}",
    "**bold** `tick` &amp; @everyone",
)
HOSTILE_CAPTURE = FIXTURES / "captures" / "report-hostile-dmi"
#: Corpus cases whose reports are opened in the browser (each skipped when absent).
CORPUS_CASES = ("docker", "kvm", "hyperv", "rhel5-xen-dom0", "esx4.1", "aws-baremetal-x86", "crio")


def _e(where: str, raw: str, facet: Optional[str] = None, value: Optional[str] = None,
       strength: Strength = Strength.STRONG, note: str = "", probe: str = "sample.probe",
       error: Optional[str] = None, **fields: str) -> Evidence:
    claim = Claim(facet, value) if facet and value else None
    return Evidence(probe, where, raw, claim, strength, note, error, tuple(sorted(fields.items())))


def sample_report(hostile: bool = False) -> Report:
    """A KVM guest running Docker, with every check status and every finding severity."""
    bad = " ".join(HOSTILE) if hostile else ""

    def h(text: str) -> str:
        return ("%s %s" % (text, bad)) if hostile else text

    cpuid = _e("cpuid:0x40000000", h("KVMKVMKVM"), "vm", "kvm", Strength.DEFINITIVE,
               "note.probe.cpu.the-hypervisor-s-own", "cpu.hypervisor-leaves")
    dmi = _e(h("/sys/class/dmi/id sys_vendor"), h("QEMU"), "vm", "qemu", Strength.WEAK,
             "note.probe.firmware.a-vendor-string-it")
    cgroup = _e("/proc/self/cgroup", h("/docker/0123abcd"), "container", "docker", Strength.STRONG,
                "note.probe.container.cgroup-names", "container.cgroup", runtime=h("docker"))
    marker = _e("/.dockerenv", "present", "container", "docker", Strength.WEAK,
                "note.probe.container.docker-creates-it-images",
                "container.markers")
    # A source's reason is a message whose field quotes what the source said (an older capture's text).
    denied = _e(h("/proc/1/environ"), "", error="EACCES", note="note.capture.error-text",
                probe="container.environ", text=h("permission denied"))
    failed = _e("probe:acpi.tables", h("ValueError: bad table"), error="EPROBE", note="note.probe-failed",
                probe="acpi.tables")
    identity = _e("/sys/class/dmi/id", h("sys_vendor=QEMU, product_name=Standard PC"), probe="dmi.identity",
                  strength=Strength.HINT)
    layers = (
        Layer("hardware", "x86_64", "Hardware (x86_64)", Strength.DEFINITIVE,
              {"machine": "x86_64", "firmware_identity": identity.raw}, (identity,)),
        Layer("vm", "kvm", h("KVM"), Strength.DEFINITIVE,
              {"systemd_id": "kvm", "hypervisor": "kvm", "hypervisor_type": "type-1",
               "hypervisor_type_reason": "KVM is part of the host's Linux kernel", "mode": "hardware-assisted",
               "product": h("qemu"), "paravirtual_devices": ["virtio"]}, (cpuid,)),
        Layer("container", "docker", h("Docker"), Strength.STRONG, {"systemd_id": "docker", "runtime": "docker"},
              (cgroup, marker)),
    )
    findings = (
        Finding("vm.detected", "info", "title.vm.detected", (cpuid,), (dmi,),
                {"tech": h("KVM"), "product": h("QEMU"), "value": "kvm", "name": h("KVM")}),
        Finding("vm.hypervisor-type", "info", "title.vm.hypervisor-type.1", (cpuid,), (),
                {"tech": "KVM", "value": "type-1"}),
        Finding("container.detected", "info", "title.container.detected", (cgroup, marker), (),
                {"tech": h("Docker"), "value": "docker"}),
        Finding("evidence.unreadable", "info", "title.evidence.unreadable", (denied,), (),
                {"value": "1", "count": "1"}),
        Finding("evidence.probe-error", "error", "title.evidence.probe-error", (failed,), (),
                {"value": "1", "count": "1"}),
        Finding("capture.damaged", "warning", "title.capture.damaged",
                (_e(h("root/proc/cpuinfo"), "", note="note.damage.not-regular", probe="capture",
                    path=h("root/proc/cpuinfo")),), (), {"where": "capture", "count": "1"}),
    )
    checks = (
        Check("cpu-hav", "pass", "cpu-hav.enabled", (_e("/proc/cpuinfo flags", h("vmx")),),
              fields={"name": h("VT-x"), "flag": h("vmx")}),
        Check("kvm-device", "fail", "kvm-device.open-failed", (_e("/dev/kvm", "", error="ENOENT"),),
              remedy_id="remedy.stale-node", fields={"error": h("ENOENT"), "module": h("sudo modprobe kvm_intel")}),
        Check("iommu", "warn", "iommu.not-enabled", (), remedy_id="remedy.iommu-param",
              fields={"kind": h("Intel VT-d"), "table": "DMAR", "param": h("intel_iommu=on")}),
        Check("cvm-host", "unknown", "cvm-host.cpu-unknown"),
        Check("cgroups", "info", "cgroups.v2", details={"value": h("cgroup2")}, fields={"controllers": h("cpu io")}),
    )
    meta = Meta(hvaudit_version="0.1.0", source="capture", capture_path=h("/captures/sample"),
                captured_at=h("2026-11-27T01:00:00Z"), audited_at="2026-11-27T02:00:00Z",
                uname={"sysname": "Linux", "release": h("6.1.0"), "version": h("#1 SMP"), "machine": "x86_64"},
                user={"uid": 1000, "euid": 1000})
    return Report(meta=meta, vm="kvm", container="docker", classification="container", layers=layers,
                  findings=findings, checks=checks, evidence=(cpuid, dmi, cgroup, marker, denied, failed, identity),
                  chroot=False)


def corpus_cases() -> List[Path]:
    return [CORPUS / "virt-what" / name for name in CORPUS_CASES if (CORPUS / "virt-what" / name).is_dir()]


def fixture_cases() -> List[Path]:
    captures = FIXTURES / "captures"
    return sorted(p for p in captures.iterdir() if (p / "capture.json").is_file()) if captures.is_dir() else []


_AUDITS: Dict[Optional[str], Report] = {}


def audit(capture: Optional[Path]) -> Report:
    """The audit of a capture (None: this machine), once per test session."""
    key = str(capture) if capture else None
    if key not in _AUDITS:
        _AUDITS[key] = run_audit(open_source(capture))
    return _AUDITS[key]


def browser_cases() -> List[Tuple[str, Optional[Path]]]:
    """(name, capture) of every report the browser tests open; "sample" is sample_report(),
    "live" this machine."""
    cases: List[Tuple[str, Optional[Path]]] = [("sample", None), ("live", None),
                                               ("report-hostile-dmi", HOSTILE_CAPTURE)]
    # A Windows Hyper-V host and a container, as a ticket would show them.
    cases += [(name, FIXTURES / "captures" / name) for name in ("windows-hyperv-host", "kubernetes-containerd-pod")
              if (FIXTURES / "captures" / name).is_dir()]
    cases += [(p.name, p) for p in corpus_cases()]
    return cases


def plain_text(text: str, fmt: str) -> str:
    """A rendered report as the words a reader sees: tags and Markdown escapes removed,
    white space collapsed."""
    if fmt == "html":
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    if fmt == "markdown":
        text = re.sub(r"\\(.)", r"\1", text)
    return " ".join(text.split())
