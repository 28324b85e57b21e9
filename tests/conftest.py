"""Shared paths and helpers for the test suite."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
#: The shared conformance corpus lives beside the checkout (read-only in CI); absent elsewhere.
SHARED = Path(os.environ.get("HVAUDIT_SHARED", ROOT.parent / "shared"))
CORPUS = SHARED / "corpus"
#: What tests leave to look at (git-ignored); ARTIFACT_NOTES lines are printed after the run.
ARTIFACTS = ROOT / "test-artifacts"
ARTIFACT_NOTES: list = []

if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def hvaudit_command() -> list:
    """Run hvaudit as a real process, from this checkout, with this interpreter."""
    return [sys.executable, "-m", "hvaudit"]


def process_env() -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.pop("NO_COLOR", None)
    return env


@pytest.fixture
def run_env() -> dict:
    return process_env()


def pytest_terminal_summary(terminalreporter) -> None:
    for line in ARTIFACT_NOTES:
        terminalreporter.write_line(line)


#: The single file, as `python3 tools/build_pyz.py` builds it (README, "A single file").
PYZ = ROOT / "dist" / "hvaudit.pyz"


@pytest.fixture(scope="session")
def pyz() -> Path:
    """dist/hvaudit.pyz, built once per run from this checkout (with this interpreter, which
    has hvaudit's dependencies to bundle)."""
    import subprocess

    subprocess.run([sys.executable, str(ROOT / "tools" / "build_pyz.py"), "-o", str(PYZ)], check=True,
                   capture_output=True, timeout=300)
    return PYZ
