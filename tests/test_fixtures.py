"""Every fixture capture under fixtures/captures/ audits to its expected.json.

A new case is a new folder; the folder name is the test id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List

import pytest

from hvaudit.audit import run_audit
from hvaudit.sources.capture import CaptureSource

from .conftest import FIXTURES

CAPTURES = FIXTURES / "captures"
CASES: List[Path] = sorted(p for p in CAPTURES.iterdir() if (p / "expected.json").is_file()) \
    if CAPTURES.is_dir() else []


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture_verdict(case: Path) -> None:
    expected = json.loads((case / "expected.json").read_text(encoding="utf-8"))
    report = run_audit(CaptureSource(case))
    got = report.to_dict()
    assert (got["vm"], got["container"]) == (expected["vm"], expected["container"])
    if "classification" in expected:
        assert got["classification"] == expected["classification"]
    techs = set()
    details: dict = {}
    for layer in report.layers:
        techs.add(layer.tech)
        for key in ("product", "runtime", "orchestrator", "sandbox"):
            if layer.details.get(key):
                techs.add(layer.details[key])
        details.update(layer.details)
    assert set(expected.get("technologies", [])) <= techs
    for key in ("cloud", "xen_mode"):
        if key in expected:
            assert details.get(key) == expected[key], key
    if "cvm" in expected:
        assert got["cvm"] == expected["cvm"]
    for key in ("chroot", "private_users"):  # null is an answer too: "could not tell"
        if key in expected:
            assert got[key] == expected[key], key
    assert set(expected.get("findings", [])) <= {f["id"] for f in got["findings"]}
    for check_id, status in expected.get("checks", {}).items():
        assert {c["id"]: c["status"] for c in got["capabilities"]}.get(check_id) == status, check_id


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_fixture_cites_its_source(case: Path) -> None:
    source = case / "SOURCE.md"
    assert source.is_file()
    assert source.read_text(encoding="utf-8").lstrip().startswith("Source:")


def test_a_capture_reads_alike_through_openat2_and_the_walk(tmp_path: Path) -> None:
    """Where the kernel has openat2, a capture's files are opened in one call that refuses
    links; elsewhere folder by folder. Both give the same answers and note the same damage."""
    import os
    import shutil

    capture = tmp_path / "cap"
    shutil.copytree(CAPTURES / "docker-on-kvm", capture, symlinks=True)
    os.symlink("/etc/hostname", capture / "root" / "proc" / "version.link")
    os.symlink("/etc", capture / "root" / "sys" / "etc")
    os.replace(capture / "root" / "proc" / "version.link", capture / "root" / "proc" / "version")

    def answers(beneath: bool) -> tuple:
        source = CaptureSource(capture)
        if not beneath:
            source._beneath = None
        reads = [source.read(p) for p in ("/proc/version", "/proc/cpuinfo", "/sys/etc/passwd", "/no/such", "/proc")]
        listings = [source.listdir(p) for p in ("/proc", "/sys/etc", "/sys")]
        return reads, listings, run_audit(source).to_dict()["unseen"], sorted(source.damage)

    with_openat2, walked = answers(True), answers(False)
    assert with_openat2 == walked
    assert walked[0][0].error == "ELOOP" and walked[0][1].seen and walked[0][2].error == "ELOOP"
    assert any(d.note == "note.damage.link" and d.where.endswith("version") for d in walked[3])
