"""`hvaudit collect DIR`: write what the probes read on this machine as a capture
(hvaudit-capture/1, ../shared/capture-format.md, plus the keys documented in
docs/capture-format.md). The capture is built in a temporary folder beside DIR and
renamed into place at the end, so an interrupted collect leaves nothing half-written,
and an existing, non-empty DIR is never touched."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, Optional

from .errors import OutputError, UsageError
from .model import Report
from .sources import command_file
from .sources.capture import FORMAT, KEEP
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


def _place(root: Path, path: str) -> Path:
    parts = [p for p in path.split("/") if p and p not in (".", "..")]
    return root.joinpath(*parts) if parts else root


def write_capture(rec: RecordingSource, folder: Path, report: Report, redactor: Optional[Any] = None) -> None:
    """Write what `rec` saw as a capture; a Redactor, if given, is applied to every name,
    every file, commands/ and capture.json as they are written."""

    def name(text: str) -> str:
        return redactor.text(text) if redactor is not None else text

    def content(data: bytes, path: str = "") -> bytes:
        return redactor.data(data, path) if redactor is not None else data

    root = folder / "root"
    root.mkdir(parents=True, exist_ok=True)
    unread = []
    for path, names in sorted(rec.dirs.items()):
        where = _place(root, name(path))
        where.mkdir(parents=True, exist_ok=True)
        kinds = rec.entry_kinds.get(path, {})
        for entry in names:
            child = path.rstrip("/") + "/" + entry
            if child in rec.files or child in rec.dirs:
                continue
            # The whole path is redacted, not the bare name: a name is known by its context
            # ("lxc/NAME", "lxc.payload.NAME").
            named = _place(root, name(child))
            if kinds.get(entry) == "dir":
                named.mkdir(parents=True, exist_ok=True)
            else:
                named.parent.mkdir(parents=True, exist_ok=True)
                named.touch()
                unread.append(name(child))
    for path in sorted(rec.extra_dirs):
        _place(root, name(path)).mkdir(parents=True, exist_ok=True)
    for path, data in sorted(rec.files.items()):
        where = _place(root, name(path))
        if where.is_dir():
            continue
        where.parent.mkdir(parents=True, exist_ok=True)
        where.write_bytes(content(data, path))
    for dirpath, dirnames, filenames in os.walk(root):
        if not dirnames and not filenames:
            (Path(dirpath) / KEEP).touch()
    if rec.commands:
        (folder / "commands").mkdir()
        for name, data in rec.commands.items():
            (folder / "commands" / command_file(name)).write_bytes(content(data))
    meta = rec.meta()
    doc: Dict[str, Any] = {
        "format": FORMAT,
        "captured_at": meta.get("captured_at"),
        "hvaudit_version": report.meta.hvaudit_version,
        "user": meta.get("user"),
        "uname": dict(rec.uname()),
        "cpuid": {k: list(v) for k, v in sorted(rec.cpuid_leaves.items(), key=lambda kv: _leaf_order(kv[0]))},
        "links": dict(sorted(rec.links.items())),
        "devices": dict(sorted(rec.devices.items())),
        "stats": dict(sorted(rec.stats.items())),
        "msr": dict(sorted(rec.msrs.items())),
        "trials": dict(sorted(rec.trials.items())),
        "errors": dict(sorted(rec.errors.items())),
        "unread": sorted(unread),
    }
    if rec.identity_answer is not None:
        doc["identity"] = rec.identity_answer
    if redactor is not None:
        doc = redactor.value(doc)
        doc["uname"] = redactor.uname(rec.uname())
        doc["redacted"] = True
    (folder / "capture.json").write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")


def _leaf_order(key: str) -> Any:
    leaf, _, sub = key.partition(".")
    return (int(leaf, 16), int(sub, 16) if sub else 0)
