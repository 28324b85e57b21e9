"""Reports that fit a ticket and read right at a glance: one header in every format (host,
audit time, version, verdict, what the machine can host, checks by status and findings by
severity), the Markdown within Jira's default comment size on every fixture and this
machine, terminal text wrapped at the terminal's width, -o refusing a suffix that names no
format, and --fail-on for CI gates. (The HTML's page count is measured in the browser
tests.)"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from hvaudit.hosting import CanHost, can_host
from hvaudit.model import Check, Meta, Report
from hvaudit.report import render
from hvaudit.report.markdown import text as markdown_text
from hvaudit.report.view import build, header
from hvaudit.sources.capture import CaptureSource

from .conftest import FIXTURES, ROOT, hvaudit_command, process_env
from .report_samples import audit, fixture_cases, sample_report

LANGS = ("en", "pt")
#: Jira's default comment limit is 32,767 characters, GitHub's 65,536; the Markdown report
#: keeps well inside both.
MARKDOWN_LIMIT = 20_000
TIMESTAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CASES = [None] + fixture_cases()
IDS = ["live"] + [p.name for p in fixture_cases()]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(hvaudit_command() + list(args), capture_output=True, text=True, env=process_env(),
                          cwd=str(ROOT), timeout=120)


def flat(value: str) -> str:
    return " ".join(value.split())


# --- the header ----------------------------------------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_every_format_opens_with_the_header_and_fits_a_ticket(case: Optional[Path]) -> None:
    report = audit(case)
    data = json.loads(render(report, "json"))
    assert TIMESTAMP.match(data["generated"]) and data["generated"] == report.meta.audited_at
    assert data["host"] == report.meta.host
    assert sum(data["counts"]["checks"].values()) == len(report.checks)
    assert sum(data["counts"]["findings"].values()) == len(report.findings)
    for lang in LANGS:
        view = build(report, lang)
        rows = header(view)
        assert [label for label, _ in rows][:4] == [view.t(k) for k in ("host", "audited-at", "hvaudit-version",
                                                                        "can-host")]
        # Checks and findings are counted under their own labels, in their own words.
        checks = dict(rows)[view.t("checks-by-status")]
        findings = dict(rows)[view.t("findings-by-severity")]
        assert all(view.t("status." + c.level) in checks for c in view.check_counts)
        assert all(view.t("severity." + c.level) in findings for c in view.finding_counts)
        text = flat(render(report, "text", lang=lang))
        markdown = render(report, "markdown", lang=lang)
        assert len(markdown) <= MARKDOWN_LIMIT, (lang, len(markdown))
        for out in (text, flat(markdown.replace("\\", ""))):
            for value in (view.verdict, view.host, view.generated, view.version) + tuple(a for _, a in view.can_host):
                assert flat(value) in out, value
        # Each note section cited is quoted once, under "The notes".
        for section in view.cited:
            assert markdown.count(markdown_text(section.quote)) == 1, section.key


def test_the_host_name_comes_from_the_machine_and_from_a_capture_and_redaction_hides_it(tmp_path: Path) -> None:
    live = audit(None)
    assert live.meta.host  # a live machine always has a name
    capture = tmp_path / "named"
    source = FIXTURES / "captures" / "docker-on-kvm"
    import shutil

    shutil.copytree(source, capture)
    doc = json.loads((capture / "capture.json").read_text())
    doc["hostname"] = "web-01.example.test"
    (capture / "capture.json").write_text(json.dumps(doc))
    proc = run("audit", "--capture", str(capture), "--format", "json")
    assert json.loads(proc.stdout)["host"] == "web-01.example.test"
    for fmt in ("json", "text", "markdown", "html"):
        proc = run("audit", "--capture", str(capture), "--format", fmt, "--redact")
        assert proc.returncode == 0, proc.stderr
        out = proc.stdout.replace("\\", "").replace("&lt;", "<").replace("&gt;", ">")
        assert "web-01" not in out and "<hostname>" in out, fmt
    doc["hostname"] = ["not", "a", "name"]
    (capture / "capture.json").write_text(json.dumps(doc))
    report = audit(capture)
    assert report.meta.host is None
    assert any((e.note, e.note_fields) == ("note.damage.not-a-string", (("key", "hostname"),))
               for f in report.findings for e in f.evidence)


def test_collect_records_the_host_name_and_the_time(tmp_path: Path) -> None:
    proc = run("collect", str(tmp_path / "c"))
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((tmp_path / "c" / "capture.json").read_text())
    assert doc["hostname"] and TIMESTAMP.match(doc["captured_at"])
    report = audit(tmp_path / "c")
    assert report.meta.host == doc["hostname"] and report.meta.captured_at == doc["captured_at"]


# --- can host ------------------------------------------------------------------------------


def _report(*checks: Check) -> Report:
    return sample_report()._replace(checks=checks)


def _can_host(*checks: Check) -> CanHost:
    return can_host(checks)


def test_can_host_reads_the_route_and_points_at_what_failed() -> None:
    kvm = _can_host(Check("cpu-hav", "pass", "", details={"value": "VT-x"}),
                    Check("kvm-backend", "pass", "", details={"value": "kvm_intel"}),
                           Check("kvm-device", "pass", ""), Check("kvm-nested", "pass", ""),
                           Check("userns", "fail", ""), Check("namespaces", "pass", ""),
                           Check("cgroups", "warn", ""), Check("iommu", "pass", ""), Check("vfio", "fail", ""))
    assert (kvm.vms.answer, kvm.vms.via, kvm.vms.nested) == ("yes", "kvm-vtx", "yes")
    assert kvm.rootful_containers.answer == "limited" and kvm.rootless_containers.answer == "no"
    assert kvm.passthrough.answer == "no" and kvm.passthrough.checks[0] == "vfio"
    pvm = _can_host(Check("cpu-hav", "warn", "", details={"value": "AMD-V"}),
                           Check("kvm-backend", "warn", "", details={"value": "kvm_pvm"}),
                           Check("kvm-device", "pass", ""), Check("kvm-nested", "warn", ""))
    assert (pvm.vms.answer, pvm.vms.via, pvm.vms.nested) == ("yes", "kvm-pvm", "no")
    none = _can_host(Check("cpu-hav", "fail", ""), Check("kvm-device", "fail", ""))
    assert none.vms.answer == "no" and set(none.vms.checks) == {"cpu-hav", "kvm-device"}
    assert none.passthrough is None and none.rootless_containers is None
    view = build(_report(Check("cpu-hav", "fail", ""), Check("kvm-device", "fail", "")), "pt")
    assert view.can_host_line == "Máquinas virtuais: não (ver kvm-device, cpu-hav)"


@pytest.mark.parametrize("name,answer,via", (("windows-hyperv-host", "yes", "hyperv"),
                                             ("freebsd-host-bhyve", "yes", "bhyve"),
                                             ("macos-hvf-intel", "yes", "hvf"),
                                             ("cap-gce-nested-guest", "yes", "kvm-vtx"),
                                             ("aws-nitro-c5", "no", None)))
def test_can_host_on_every_system(name: str, answer: str, via: Optional[str]) -> None:
    vms = can_host(audit(FIXTURES / "captures" / name).checks).vms
    assert vms is not None and vms.answer == answer and vms.via == via


# --- point 8: labels -----------------------------------------------------------------------


def test_a_hyper_v_root_partition_is_drawn_as_the_root_partition() -> None:
    report = audit(FIXTURES / "captures" / "windows-hyperv-host")
    for lang in LANGS:
        view = build(report, lang)
        assert [tier.role for tier in view.tiers] == ["hardware", "hypervisor", "root-partition"]
        assert view.tiers[-1].role_label == view.t("tier.root-partition")
        assert view.t("tier.guest-system") not in render(report, "html", lang=lang)


@pytest.mark.parametrize("case", [p for p in fixture_cases()
                                  if json.loads((p / "capture.json").read_text()).get("uname", {}).get("sysname")
                                  in ("Windows", "Darwin", "FreeBSD")], ids=lambda p: p.name)
def test_captures_of_other_systems_need_no_root_folder(case: Path, tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / case.name
    shutil.copytree(case, copy, ignore=shutil.ignore_patterns("root"))
    source = CaptureSource(copy)
    assert source.damage == []
    assert "capture.damaged" not in {f.id for f in audit(copy).findings}


def test_a_linux_capture_without_root_is_still_damaged(tmp_path: Path) -> None:
    import shutil

    copy = tmp_path / "linux"
    shutil.copytree(FIXTURES / "captures" / "docker-on-kvm", copy, ignore=shutil.ignore_patterns("root"))
    assert [d.note for d in CaptureSource(copy).damage] == ["note.damage.root-missing"]


def test_unknown_reads_as_unknown_except_for_the_hypervisor_type() -> None:
    report = sample_report()
    check = Check("kvm-nested", "unknown", "nested: unknown", details={"value": "unknown"})
    report = report._replace(checks=(check,))
    for lang in LANGS:
        view = build(report, lang)
        guest_label = view.t("hypervisor-type-unknown")
        assert guest_label[1:] not in view.checks[0].explanation
    layer = report.layers[1]._replace(details={"hypervisor_type": "unknown"})
    view = build(report._replace(layers=(report.layers[0], layer) + report.layers[2:]), "en")
    assert ("Hypervisor type", "Not determinable from inside the guest") in view.tiers[1].facts


# --- the terminal --------------------------------------------------------------------------


@pytest.mark.parametrize("width", (80, 100, 60))
@pytest.mark.parametrize("lang", LANGS)
def test_terminal_text_wraps_at_the_width_and_never_cuts_a_word(width: int, lang: str) -> None:
    for case in (None, FIXTURES / "captures" / "windows-hyperv-host", FIXTURES / "captures" / "wsl2"):
        report = audit(case)
        out = render(report, "text", lang=lang, width=width)
        lines = out.splitlines()
        words = set(flat(out).split())
        for line in lines:
            if len(line) > width:  # only a single word longer than the line may stand out
                assert len(line.split()) == 1 or len(line.strip().split()[-1]) > width // 3, line
        view = build(report, lang)
        # The words of every summary survive wrapping whole.
        for item in view.checks + view.findings:
            assert set(item.title.split()) <= words, item.id
        # The first screen: the verdict, what it can host, and what failed.
        first = flat("\n".join(lines[:24]))
        assert first.startswith(flat(view.verdict))
        assert flat("%s: %s: %s" % ((view.t("can-host"),) + view.can_host[0])) in first
        for kind, answer in view.can_host:
            assert flat("%s: %s" % (kind, answer)) in first
        failed = [c for c in view.checks if c.level == "fail"]
        if failed:
            assert failed[0].id in first


def test_not_a_terminal_means_80_columns() -> None:
    proc = run("audit", "--capture", str(FIXTURES / "captures" / "wsl2"))
    assert proc.returncode == 0
    assert max(len(line) for line in proc.stdout.splitlines()) <= 80


# --- the command line ---------------------------------------------------------------------


def test_an_output_suffix_that_names_no_format_is_refused(tmp_path: Path) -> None:
    proc = run("audit", "--capture", str(FIXTURES / "captures" / "wsl2"), "-o", str(tmp_path / "report.pdf"))
    assert proc.returncode == 2 and not (tmp_path / "report.pdf").exists()
    assert proc.stderr.startswith("hvaudit: error:") and len(proc.stderr.splitlines()) == 1
    for name in ("html", "json", "markdown", "text"):
        assert name in proc.stderr
    proc = run("audit", "--capture", str(FIXTURES / "captures" / "wsl2"), "-o", str(tmp_path / "report.pdf"),
               "--format", "html")
    assert proc.returncode == 0 and (tmp_path / "report.pdf").read_text().startswith("<!DOCTYPE html>")
    for name, start in (("r.txt", "This machine"), ("r.markdown", "# hvaudit report"), ("plain", "This machine")):
        proc = run("audit", "--capture", str(FIXTURES / "captures" / "wsl2"), "-o", str(tmp_path / name))
        assert proc.returncode == 0 and (tmp_path / name).read_text().startswith(start), name


def test_fail_on_gates_on_the_checks(tmp_path: Path) -> None:
    capture = str(FIXTURES / "captures" / "aws-nitro-c5")  # cpu-hav fails there
    statuses = {c.status for c in audit(FIXTURES / "captures" / "aws-nitro-c5").checks}
    assert "fail" in statuses
    proc = run("audit", "--capture", capture, "--fail-on", "fail", "--format", "json", "-o", str(tmp_path / "r.json"))
    assert proc.returncode == 5 and json.loads((tmp_path / "r.json").read_text())["counts"]["checks"]["fail"] > 0
    assert run("audit", "--capture", capture, "--fail-on", "warn").returncode == 5
    assert run("audit", "--capture", capture).returncode == 0
    clean = FIXTURES / "captures" / "macos-hvf-intel"
    levels = {c.status for c in audit(clean).checks}
    assert not levels & {"warn", "fail"}, levels
    assert run("audit", "--capture", str(clean), "--fail-on", "warn").returncode == 0
    assert run("audit", "--capture", capture, "--fail-on", "bogus").returncode == 2


def test_detail_full_keeps_every_explanation_and_the_evidence() -> None:
    report = audit(FIXTURES / "captures" / "docker-on-kvm")
    compact, full = render(report, "markdown"), render(report, "markdown", detail="full")
    assert len(full) > len(compact)
    view = build(report, "en", "full")
    for item in view.checks:
        assert flat(item.explanation.replace("_", "\\_"))[:50] in flat(full)
    proc = run("audit", "--capture", str(FIXTURES / "captures" / "docker-on-kvm"), "--detail", "full", "--format",
               "markdown")
    assert proc.returncode == 0 and len(proc.stdout) > len(compact)


def test_meta_without_host_renders_unknown() -> None:
    report = sample_report()._replace(meta=Meta(hvaudit_version="0.1.0", source="live",
                                                audited_at="2026-11-27T02:00:00Z"))
    view = build(report, "pt")
    assert view.host == view.t("placeholder.missing")
    assert json.loads(render(report, "json"))["host"] is None


# --- the README -------------------------------------------------------------------------


def _readme_examples() -> list:
    """(command, printed lines) of each `$ hvaudit [audit ...]` example in the README."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.finditer(r"```\n\$ (hvaudit(?: audit [^\n]*)?)\n(.*?)```", text, re.S)
    # Examples of the text report: those that write a file or run on are others' to check.
    return [(m.group(1), m.group(2).splitlines()) for m in blocks
            if " -o " not in m.group(1) and "#" not in m.group(1)]


def test_the_readme_examples_are_what_hvaudit_prints() -> None:
    examples = _readme_examples()
    assert len(examples) >= 2
    stamp = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ")
    for command, shown in examples:
        args = command.split()[1:]
        proc = run(*args)
        assert proc.returncode == 0, proc.stderr
        printed = proc.stdout.splitlines()
        shown = [line for line in shown if line.strip() != "..."]
        if "--capture" in args:  # a capture audits the same anywhere: line for line, but the audit time
            assert [stamp.sub("T", line) for line in printed[:len(shown)]] == [stamp.sub("T", s) for s in shown]
        else:  # this machine: the same header, in the same order
            labels = [line.split(":")[0] for line in shown if line and not line.startswith(" ")][:6]
            assert [line.split(":")[0] for line in printed if line and not line.startswith(" ")][:6] == labels
