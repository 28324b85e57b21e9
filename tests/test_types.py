"""hvaudit/ is type-clean: mypy (from the test extra, configured in pyproject.toml) finds
nothing. Run it alone with `python -m mypy`."""

from __future__ import annotations

import subprocess
import sys

import pytest

from .conftest import ROOT, process_env


@pytest.mark.slow
def test_mypy_finds_no_error_in_hvaudit(tmp_path) -> None:
    # The cache goes to a temporary folder: the checkout is left as it was.
    proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "cache")],
                          capture_output=True, text=True, cwd=str(ROOT), env=process_env(), timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "Success" in proc.stdout
