"""Hostile and broken captures: every case under fixtures/hostile/ and every case that
tests/hostile_cases.py builds (FIFOs, device nodes, links, huge sparse files, odd names)
runs as a real process, through every entry point and output format, with a timeout.

Each ends in a one-line error with exit code 2, or in a degraded audit (exit 0) whose
`capture.damaged` finding names the damage; never a traceback, never a hang."""

from __future__ import annotations

import filecmp
import json
import os
import resource
import subprocess
import time
from pathlib import Path
from typing import Any, Dict, List

import jsonschema
import pytest

from hvaudit.audit import run_audit
from hvaudit.errors import CaptureError
from hvaudit.redact import audit_redacted
from hvaudit.report import FORMATS
from hvaudit.schema import schema_text
from hvaudit.sources.capture import CaptureSource

from . import hostile_cases
from .conftest import FIXTURES, ROOT, hvaudit_command, process_env

HOSTILE = FIXTURES / "hostile"
STORED = sorted(p for p in HOSTILE.iterdir() if (p / "expected.json").is_file()) if HOSTILE.is_dir() else []
GENERATED = [c for c in hostile_cases.CASES if not c.stored]
TIMEOUT = 60  # seconds for one process; each takes well under one

#: Each case runs hvaudit as a process, or audits a capture built to be large.
pytestmark = pytest.mark.slow


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(hvaudit_command() + list(args), capture_output=True, env=process_env(), cwd=str(ROOT),
                          timeout=TIMEOUT, stdin=subprocess.DEVNULL)


def entry_points(capture: Path) -> List[List[str]]:
    """Every command that reads a capture, in every report format this build has."""
    commands = [["audit", "--capture", str(capture), "--format", fmt] for fmt in sorted(FORMATS)]
    return commands + [["detect", "--capture", str(capture)], ["detect", "--capture", str(capture), "--json"]]


def check_outcome(capture: Path, expected: Dict[str, Any]) -> None:
    schema = json.loads(schema_text())
    for args in entry_points(capture):
        proc = run(*args)
        out = proc.stdout.decode("utf-8")  # strict: every output is valid UTF-8
        err = proc.stderr.decode("utf-8")
        what = " ".join(args[:1] + args[3:])
        assert "Traceback" not in err, (what, err)
        for text in expected.get("stdout_excludes", []):
            assert text not in out and text not in err, (what, text)
        if expected["exit"] == 2:
            assert proc.returncode == 2, (what, proc.returncode, err)
            assert err.startswith("hvaudit: error: ") and err.count("\n") == 1, (what, err)
            assert expected["stderr"] in err, (what, err)
            assert out == ""
            continue
        detect = args[0] == "detect"
        assert proc.returncode in ((0, 1) if detect else (0,)), (what, proc.returncode, err)
        assert err == "", (what, err)
        if args[-1] == "json" or args[-1] == "--json":
            report = json.loads(out)
            if not detect:
                jsonschema.validate(report, schema)
            findings = report["findings"] if detect else [f["id"] for f in report["findings"]]
            assert set(expected.get("findings", [])) <= set(findings), (what, findings)
            assert not set(expected.get("findings_absent", [])) & set(findings), (what, findings)
            if "vm" in expected:
                assert report["vm"] == expected["vm"], what
            if not detect and expected.get("damage"):
                finding = next(f for f in report["findings"] if f["id"] == "capture.damaged")
                damage = " ".join(e["note"] for e in finding["evidence"])
                for text in expected["damage"]:
                    assert text in damage, (text, damage)
        if args[-1] == "text":
            assert "\x1b" not in out


@pytest.mark.parametrize("case", STORED, ids=lambda p: p.name)
def test_stored_hostile_case(case: Path) -> None:
    check_outcome(case, json.loads((case / "expected.json").read_text(encoding="utf-8")))


def test_stored_cases_describe_themselves_and_are_all_there() -> None:
    stored = {c.name for c in hostile_cases.CASES if c.stored}
    assert {p.name for p in STORED} == stored
    for case in STORED:
        assert (case / "SOURCE.md").read_text(encoding="utf-8").startswith("Source:")


def test_stored_cases_match_their_generator(tmp_path: Path) -> None:
    hostile_cases.write_stored(tmp_path)
    for case in STORED:
        comparison = filecmp.dircmp(str(case), str(tmp_path / case.name))
        assert not _differences(comparison), (case.name, _differences(comparison))


def _differences(comparison: filecmp.dircmp) -> list:
    found = comparison.left_only + comparison.right_only + comparison.diff_files + comparison.funny_files
    for sub in comparison.subdirs.values():
        found += _differences(sub)
    return found


@pytest.mark.parametrize("item", GENERATED, ids=lambda c: c.name)
def test_generated_hostile_case(item: hostile_cases.Case, tmp_path: Path) -> None:
    if item.needs_root and os.geteuid() != 0:
        pytest.skip("making device nodes needs root")
    try:
        capture = hostile_cases.build(item, tmp_path)
    except PermissionError as exc:
        pytest.skip("not permitted here: %s" % exc)
    check_outcome(capture, item.expected)


@pytest.mark.parametrize("item", [c for c in hostile_cases.CASES if c.expected["exit"] == 0],
                         ids=lambda c: c.name)
def test_in_process_audit_is_degraded_not_broken(item: hostile_cases.Case, tmp_path: Path) -> None:
    if item.needs_root and os.geteuid() != 0:
        pytest.skip("making device nodes needs root")
    capture = hostile_cases.build(item, tmp_path)
    source = CaptureSource(capture)
    report = run_audit(source)
    json.dumps(report.to_dict()).encode("utf-8")
    assert bool(source.damage) == ("capture.damaged" in item.expected.get("findings", ())), source.damage
    for text in item.expected.get("stdout_excludes", []):
        assert text not in json.dumps(report.to_dict(), ensure_ascii=False)
    redacted = audit_redacted(CaptureSource(capture))
    assert redacted.meta.redacted and (redacted.vm, redacted.container) == (report.vm, report.container)
    json.dumps(redacted.to_dict(), ensure_ascii=False).encode("utf-8")


@pytest.mark.parametrize("item", [c for c in hostile_cases.CASES if c.expected["exit"] == 2],
                         ids=lambda c: c.name)
def test_in_process_unusable_capture_is_a_capture_error(item: hostile_cases.Case, tmp_path: Path) -> None:
    capture = hostile_cases.build(item, tmp_path)
    with pytest.raises(CaptureError) as info:
        CaptureSource(capture)
    assert item.expected["stderr"] in str(info.value) and "\n" not in str(info.value)


def test_huge_sparse_file_is_bounded_in_time_and_memory(tmp_path: Path) -> None:
    item = next(c for c in hostile_cases.CASES if c.name == "huge-sparse-file")
    capture = hostile_cases.build(item, tmp_path)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    proc = run("audit", "--capture", str(capture), "--format", "json")
    elapsed = time.monotonic() - start
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0
    assert elapsed < 10, elapsed
    assert max(used.ru_maxrss, before.ru_maxrss) < 200 * 1024, used.ru_maxrss  # KiB: far below 300 MB
    report = json.loads(proc.stdout)
    assert {"where": "/proc/cpuinfo", "error": "EFBIG"}.items() <= next(
        u for u in report["unseen"] if u["where"] == "/proc/cpuinfo").items()


def test_links_out_of_the_capture_are_never_followed(tmp_path: Path) -> None:
    """Nothing of the live /proc, /sys or of a linked secret reaches the report."""
    item = next(c for c in hostile_cases.CASES if c.name == "link-to-live-proc")
    report = run_audit(CaptureSource(hostile_cases.build(item, tmp_path)))
    text = json.dumps(report.to_dict())
    live_boot_id = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
    live_model = next((line for line in Path("/proc/cpuinfo").read_text().splitlines()
                       if line.startswith("model name")), "model name: none").split(":", 1)[1].strip()
    assert live_boot_id not in text and live_model not in text
    read_from_root = [e for e in report.evidence if e.where.startswith(("/proc/cpuinfo", "/proc/self/status",
                                                                        "/proc/self/mountinfo", "/sys/"))]
    assert read_from_root and all(not e.seen for e in read_from_root)


def test_unreadable_capture_as_another_user(tmp_path: Path) -> None:
    """A capture that the auditing user may not read: one line, exit 2."""
    import shutil

    if os.geteuid() != 0 or not shutil.which("setpriv"):
        pytest.skip("needs root and setpriv")
    folder = tmp_path / "private"
    hostile_cases.write_base(folder)
    os.chmod(tmp_path, 0o755)
    os.chmod(folder, 0o700)
    argv = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] + hvaudit_command() + [
        "audit", "--capture", str(folder)]
    proc = subprocess.run(argv, capture_output=True, text=True, env=process_env(), cwd="/", timeout=TIMEOUT)
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("hvaudit: error: cannot ") and proc.stderr.rstrip().endswith("Permission denied")
