"""Live and capture are one code path: collect on this machine, audit the capture, and the
verdict and evidence are the same as the live audit's. Nothing here asserts what this
machine is; only that the two agree and that an unprivileged run works."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hvaudit.audit import run_audit
from hvaudit.collect import write_capture
from hvaudit.sources.capture import CaptureSource
from hvaudit.sources.live import LiveSource
from hvaudit.sources.recording import RecordingSource

from .conftest import ROOT, hvaudit_command, process_env


def comparable(report) -> dict:
    data = report.to_dict()
    data.pop("meta")
    data.pop("generated")  # when each audit ran
    return data


@pytest.mark.slow
def test_capture_audits_exactly_as_the_live_machine(tmp_path: Path) -> None:
    recording = RecordingSource(LiveSource())
    live = run_audit(recording)
    write_capture(recording, tmp_path / "capture", live)
    replayed = run_audit(CaptureSource(tmp_path / "capture"))
    assert comparable(replayed) == comparable(live)


@pytest.mark.slow
def test_collect_command_writes_a_capture_that_replays(tmp_path: Path) -> None:
    target = tmp_path / "machine"
    proc = subprocess.run(hvaudit_command() + ["collect", str(target)], capture_output=True, text=True,
                          env=process_env(), cwd=str(ROOT), timeout=120)
    assert proc.returncode == 0, proc.stderr
    doc = json.loads((target / "capture.json").read_text())
    assert doc["format"] == "hvaudit-capture/1"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".hvaudit-collect-")]
    environ = target / "root" / "proc" / "self" / "environ"
    if environ.exists():  # only runtime-naming variables are ever kept
        names = {e.split(b"=")[0] for e in environ.read_bytes().split(b"\0") if e}
        assert names <= {b"container", b"container_uuid", b"WSL_DISTRO_NAME", b"WSL_INTEROP",
                         b"KUBERNETES_SERVICE_HOST", b"KUBERNETES_SERVICE_PORT", b"SINGULARITY_CONTAINER",
                         b"APPTAINER_CONTAINER", b"SINGULARITY_NAME", b"APPTAINER_NAME", b"FLATPAK_ID"}


@pytest.mark.slow
@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv")
def test_unprivileged_run_succeeds_and_marks_what_it_could_not_read(tmp_path: Path) -> None:
    env = process_env()
    env["HOME"] = str(tmp_path)
    nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"]
    if subprocess.run(nobody + [sys.executable, "-c", "pass"], capture_output=True, cwd="/").returncode != 0:
        pytest.skip("this Python cannot start as nobody (its files are not readable by other users)")
    argv = nobody + hvaudit_command() + ["audit", "--format", "json"]
    proc = subprocess.run(argv, capture_output=True, text=True, env=env, cwd="/", timeout=120)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    assert report["meta"]["user"]["euid"] == 65534
    assert any(item["error"] in ("EACCES", "EPERM") for item in report["unseen"])
