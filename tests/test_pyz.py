"""The single file: dist/hvaudit.pyz runs on a bare interpreter (`python3 -I -S`: no
site-packages, no environment, no user folder), from the archive alone."""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import List, Optional

import jsonschema
import pytest

from hvaudit.schema import DETECT_SCHEMA, schema_text

pytestmark = pytest.mark.slow
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


def _oldest_python() -> Optional[List[str]]:
    """A Python 3.9 (the oldest hvaudit supports): HVAUDIT_PYTHON39, else python3.9 on PATH."""
    import os
    import shutil

    found = os.environ.get("HVAUDIT_PYTHON39") or shutil.which("python3.9")
    if not found:
        return None
    # A pyenv shim runs 3.9 only when asked to; other interpreters ignore the variable.
    env = {"PATH": os.environ.get("PATH", ""), "PYENV_VERSION": "3.9", "HOME": os.environ.get("HOME", "/")}
    proc = subprocess.run([found, "-c", "import sys; print(sys.version_info[:2] == (3, 9))"], capture_output=True,
                          text=True, env=env, timeout=60)
    return [found] if proc.stdout.strip() == "True" else None


@pytest.mark.skipif(_oldest_python() is None, reason="no Python 3.9 here (set HVAUDIT_PYTHON39)")
def test_the_single_file_runs_on_python_3_9(pyz: Path, tmp_path: Path) -> None:
    import os

    python = _oldest_python()
    assert python
    env = {"PATH": os.environ.get("PATH", ""), "PYENV_VERSION": "3.9", "HOME": os.environ.get("HOME", "/")}

    def run39(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(python + ["-I", "-S", str(pyz), *args], capture_output=True, text=True, env=env,
                              timeout=180, cwd="/")

    assert run39("detect").returncode in (0, 1)
    for fmt in ("json", "html", "prometheus"):
        proc = run39("audit", "--format", fmt, "-o", str(tmp_path / ("report." + fmt)))
        assert proc.returncode == 0, proc.stderr
    jsonschema.validate(json.loads((tmp_path / "report.json").read_text(encoding="utf-8")), json.loads(schema_text()))
    proc = run39("fleet", str(tmp_path / "report.json"), "--format", "csv")
    assert proc.returncode == 0 and proc.stdout.count("\n") == 2, proc.stderr
