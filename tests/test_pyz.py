"""The single file: dist/hvaudit.pyz runs on a bare interpreter (`python3 -I -S`: no
site-packages, no environment, no user folder), from the archive alone."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import jsonschema
import pytest

from hvaudit.schema import DETECT_SCHEMA, schema_text

BARE = [sys.executable, "-I", "-S"]


def run(pyz: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(BARE + [str(pyz)] + list(args), capture_output=True, text=True, timeout=180,
                          cwd="/", env={"PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})


def test_the_archive_holds_what_it_needs_and_nothing_binary(pyz: Path) -> None:
    with zipfile.ZipFile(pyz) as archive:
        names = set(archive.namelist())
    for needed in ("__main__.py", "hvaudit/cli.py", "hvaudit/templates/report.html.j2", "hvaudit/templates/fleet.css",
                   "hvaudit/schema/report.schema.json", "hvaudit/schema/detect.schema.json",
                   "hvaudit/knowledge/sections.json", "click/__init__.py", "jinja2/__init__.py",
                   "markupsafe/__init__.py", "cpuinfo/cpuinfo.py"):
        assert needed in names, needed
    assert not [n for n in names if n.endswith((".so", ".pyd", ".dll"))]
    assert not [n for n in names if n.startswith("psutil/")]
    assert any(n.startswith("licenses/jinja2/") for n in names)


def test_bare_interpreter_sees_no_site_packages() -> None:
    probe = "import importlib.util as u; print(u.find_spec('click'), u.find_spec('jinja2'))"
    proc = subprocess.run(BARE + ["-c", probe], capture_output=True, text=True, timeout=60)
    assert proc.stdout.split() == ["None", "None"]


def test_detect_from_the_single_file(pyz: Path) -> None:
    proc = run(pyz, "detect")
    assert proc.returncode in (0, 1) and proc.stdout.strip(), proc.stderr
    proc = run(pyz, "detect", "--json")
    jsonschema.validate(json.loads(proc.stdout), json.loads(schema_text(DETECT_SCHEMA)))


@pytest.mark.parametrize("fmt,start", [("text", "This machine"), ("json", "{"), ("markdown", "# "),
                                       ("html", "<!DOCTYPE html>"), ("prometheus", "# HELP hvaudit_info")])
def test_audit_from_the_single_file_in_every_format(pyz: Path, fmt: str, start: str) -> None:
    proc = run(pyz, "audit", "--format", fmt)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(start) and not proc.stderr
    if fmt == "json":
        jsonschema.validate(json.loads(proc.stdout), json.loads(schema_text()))


def test_collect_and_fleet_from_the_single_file(pyz: Path, tmp_path: Path) -> None:
    capture = tmp_path / "capture"
    proc = run(pyz, "collect", str(capture))
    assert proc.returncode == 0, proc.stderr
    assert (capture / "capture.json").is_file()
    report = tmp_path / "reports" / "a.json"
    report.parent.mkdir()
    assert run(pyz, "audit", "--capture", str(capture), "-o", str(report)).returncode == 0
    proc = run(pyz, "fleet", str(report.parent), "--format", "html")
    assert proc.returncode == 0 and proc.stdout.startswith("<!DOCTYPE html>"), proc.stderr
    assert run(pyz, "diff", str(report), str(report)).returncode == 0
