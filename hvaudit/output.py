"""Writing what the user asked for: atomically, and never over an existing file unasked."""

from __future__ import annotations

import contextlib
import os
import sys

from .errors import OutputError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Optional


def write_output(text: str, path: Optional[Path], force: bool = False) -> None:
    """Print to stdout, or write to `path` through a temporary file renamed into place, so
    that a crash never leaves half a report and a reader never sees one."""
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    import tempfile  # only when writing a file
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        raise UsageError("%s is a folder; give a file name" % path)
    if path.exists() and not force:
        raise UsageError("%s exists; use --force to replace it" % path)
    directory = path.resolve().parent
    try:
        fd, temp = tempfile.mkstemp(prefix=".%s." % path.name, dir=str(directory))
    except OSError as exc:
        raise OutputError("cannot write %s: %s" % (path, exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except OSError as exc:
        _remove(temp)
        raise OutputError("cannot write %s: %s" % (path, exc.strerror or exc)) from None
    except BaseException:
        _remove(temp)
        raise


def _remove(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
