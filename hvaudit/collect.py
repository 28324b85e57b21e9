"""`hvaudit collect DIR`: write what the probes read on this machine as a capture
(hvaudit/sources/capture.py writes it; docs/capture-format.md). The capture is built in
a temporary folder beside DIR and renamed into place at the end, so an interrupted collect
leaves nothing half-written, and an existing, non-empty DIR is never touched."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Optional

from .errors import OutputError, UsageError
from .model import Report
from .sources.capture import write_capture
from .sources.recording import RecordingSource


def collect(target: Path, source: Optional[Any] = None, redact: bool = False) -> Report:
    """Audit the live machine through a RecordingSource and write the capture to target;
    with `redact`, serials, UUIDs, MACs and the hostname are replaced (hvaudit/redact.py)."""
    from .audit import run_audit
    from .sources.live import LiveSource

    target = Path(target)
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError("%s exists and is not an empty folder; choose a new one" % target)
    inner = source or LiveSource()
    recording = RecordingSource(inner)
    report = run_audit(recording)
    redactor = None
    if redact:
        from .redact import Redactor, hostname_of

        redactor = Redactor(hostname_of(inner))
        redactor.learn_recording(recording)
    parent = target.resolve().parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".hvaudit-collect-", dir=str(parent)))
    except OSError as exc:
        raise OutputError("cannot write beside %s: %s" % (target, exc.strerror or exc)) from None
    try:
        write_capture(recording, staging, report, redactor)
        if target.exists():
            target.rmdir()
        os.replace(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError("cannot write the capture to %s: %s" % (target, exc.strerror or exc)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report
