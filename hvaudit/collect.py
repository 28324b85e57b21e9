"""`hvaudit collect DIR`: write what the probes read on this machine as a capture
(hvaudit/sources/capture.py writes it; docs/capture-format.md).

The capture is built in a staging folder and moved into place at the end, so an
interrupted collect leaves nothing half-written, and an existing, non-empty DIR is never
touched. A new DIR: the staging folder is made beside it and renamed to DIR (a collect
that loses a race for the same new DIR finds it taken: exit 2). An existing empty DIR
(also `.`, a mount point, a link to an empty folder) is kept, with its mode and owner: the
staging folder is made inside it and its entries moved up, capture.json last. The staging
folder is made before the audit, so a DIR that cannot be written fails at once; one left
by a killed collect (".hvaudit-collect-PID-...", PID gone) is removed by the next.
"""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Optional

from .errors import OutputError, UsageError
from .model import Report
from .output import remove_leftovers
from .sources.capture import write_capture
from .sources.recording import RecordingSource

STAGING = ".hvaudit-collect-"


def _taken(target: Path) -> UsageError:
    return UsageError("%s exists and is not an empty folder; choose a new one" % target)


def collect(target: Path, source: Optional[Any] = None, redact: bool = False) -> Report:
    """Audit the live machine through a RecordingSource and write the capture to target;
    with `redact`, serials, UUIDs, MACs and the hostname are replaced (hvaudit/redact.py)."""
    from .audit import run_audit
    from .sources.live import LiveSource

    target = Path(target)
    into_existing = target.is_dir()  # an empty folder, `.`, a mount point, a link to one
    if into_existing:
        try:
            if any(e.name != "." and not e.name.startswith(STAGING) for e in os.scandir(target)):
                raise _taken(target)
        except OSError as exc:
            raise OutputError("cannot write the capture to %s: %s" % (target, exc.strerror or exc)) from None
    elif os.path.lexists(target):
        raise _taken(target)
    where = target if into_existing else target.absolute().parent
    try:
        if not into_existing:
            where.mkdir(parents=True, exist_ok=True)
        remove_leftovers(str(where), STAGING)
        staging = Path(tempfile.mkdtemp(prefix="%s%d-" % (STAGING, os.getpid()), dir=str(where)))
    except OSError as exc:
        raise OutputError("cannot write beside %s: %s" % (target, exc.strerror or exc)) from None
    try:
        inner = source or LiveSource()
        recording = RecordingSource(inner)
        report = run_audit(recording)
        redactor = None
        if redact:
            from .redact import Redactor, hostname_of

            redactor = Redactor(hostname_of(inner))
            redactor.learn_recording(recording)
        write_capture(recording, staging, report, redactor)
        if into_existing:
            _move_up(staging, target)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(staging, 0o777 & ~umask)  # as mkdir would have made it, not mkdtemp's 0700
            _rename_new(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise OutputError("cannot write the capture to %s: %s" % (target, exc.strerror or exc)) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return report


def _rename_new(staging: Path, target: Path) -> None:
    """Rename the staging folder to the new target; another collect that got there first
    makes this one's a usage error (exit 2), as if it had found the folder taken."""
    if os.path.lexists(target):
        raise _taken(target)
    try:
        os.rename(staging, target)
    except OSError as exc:
        if exc.errno in (errno.ENOTEMPTY, errno.EEXIST, errno.ENOTDIR, errno.EISDIR):
            shutil.rmtree(staging, ignore_errors=True)
            raise _taken(target) from None
        raise


def _move_up(staging: Path, target: Path) -> None:
    """Move the staged entries into the existing folder, capture.json last (a folder without
    it is not a capture), then remove the staging folder; on failure, what was moved is
    removed again (the folder was empty)."""
    names = sorted(os.listdir(staging), key=lambda n: n == "capture.json")
    moved = []
    try:
        for name in names:
            if os.path.lexists(target / name):
                raise _taken(target)
            os.rename(staging / name, target / name)
            moved.append(name)
        os.rmdir(staging)
    except BaseException:
        for name in moved:
            path = target / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink()
        raise
