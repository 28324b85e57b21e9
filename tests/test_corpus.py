"""The shared conformance corpus (virt-what's 44 machines): every case must pass, scored
by the corpus's own script running hvaudit as a real process."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from hvaudit.audit import run_audit
from hvaudit.sources.capture import CaptureSource

from .conftest import CORPUS, ROOT, process_env

CASES = sorted(p for p in (CORPUS / "virt-what").iterdir() if (p / "expect.json").is_file()) \
    if (CORPUS / "virt-what").is_dir() else []
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not CASES, reason="the shared corpus is not beside this checkout")]


def test_score_script_passes_every_case() -> None:
    cmd = "%s -m hvaudit detect --capture {case} --json" % sys.executable
    proc = subprocess.run([sys.executable, str(CORPUS / "score.py"), "--cmd", cmd], capture_output=True, text=True,
                          env=process_env(), cwd=str(ROOT), timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "%d passed, 0 failed" % len(CASES) in proc.stdout


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.name)
def test_xen_mode_and_cloud(case) -> None:
    expect = json.loads((case / "expect.json").read_text())
    report = run_audit(CaptureSource(case), checks=False)
    details: dict = {}
    for layer in report.layers:
        details.update(layer.details)
    for key in ("xen_mode", "cloud"):
        assert details.get(key) == expect.get(key), key
