"""Writing what the user asked for: atomically, never over an existing file unasked, never
over anything that is not a regular file, and with every failure one line and exit 3."""

from __future__ import annotations

import os
import stat as statmod
import sys

from .errors import OutputError, UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Optional

#: Temporary names are ".NAME.hvaudit-tmp-PID-RANDOM": NAME cut to this many bytes (so that a
#: legal 255-byte name still has a legal temporary name), and the writer's process id, so a
#: later run can tell (and remove) what a killed one left.
TEMP_NAME_BYTES = 128
TEMP_MARK = ".hvaudit-tmp-"


def stdout_error(exc: BaseException) -> str:
    if isinstance(exc, UnicodeEncodeError):
        return ("cannot write to standard output: its encoding (%s) cannot hold the text; use -o FILE or a UTF-8 "
                "locale" % (getattr(sys.stdout, "encoding", None) or "unknown"))
    if isinstance(exc, OSError) and exc.strerror:
        return "cannot write to standard output: %s" % exc.strerror
    return "cannot write to standard output: it is closed"


def write_output(text: str, path: Optional[Path], force: bool = False) -> None:
    """Print to stdout, or write to `path` through a temporary file renamed into place, so
    that a crash never leaves half a report and a reader never sees one."""
    if path is None or str(path) == "-":
        _write_stdout(text)
        return
    write_file(str(path), text.encode("utf-8", "backslashreplace"), force)


def _write_stdout(text: str) -> None:
    stream = sys.stdout
    if stream is None:
        raise OutputError(stdout_error(ValueError()))
    try:
        stream.write(text)
        stream.flush()
    except BrokenPipeError:
        raise  # the reader went away: silent, exit 0 (hvaudit.cli)
    except (OSError, ValueError, UnicodeEncodeError) as exc:
        raise OutputError(stdout_error(exc)) from None


def write_file(name: str, data: bytes, force: bool = False) -> None:
    """`data` into the file `name`: a new regular file, or (with `force`) one that replaces
    the regular file or the symbolic link itself that is there. Device nodes, FIFOs,
    sockets and folders are refused, with or without `force`; a link is never followed
    (its target, perhaps another user's file in another folder, is left alone)."""
    check_target(name, force)
    _write_new(name, data, *os.path.split(name))


def check_target(name: str, force: bool) -> None:
    """Refuse, before any work is done, an output that could not be written as asked."""
    try:
        info: Optional[os.stat_result] = os.lstat(name)
    except FileNotFoundError:
        info = None
    except OSError as exc:
        raise OutputError("cannot write %s: %s" % (name, exc.strerror or exc)) from None
    if info is not None:
        if statmod.S_ISDIR(info.st_mode):
            raise UsageError("%s is a folder; give a file name" % name)
        if statmod.S_ISLNK(info.st_mode):
            if not force:
                raise UsageError("%s is a symbolic link; use --force to replace the link itself" % name)
        elif not statmod.S_ISREG(info.st_mode):
            raise UsageError("%s is not a regular file (a device, FIFO or socket); give a file name" % name)
        elif not force:
            raise UsageError("%s exists; use --force to replace it" % name)


def _write_new(name: str, data: bytes, directory: str, base: str) -> None:
    directory = directory or "."
    remove_leftovers(directory, "." + _short(base) + TEMP_MARK)
    temp = os.path.join(directory, ".%s%s%d-%s" % (_short(base), TEMP_MARK, os.getpid(), os.urandom(4).hex()))
    try:
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError as exc:
        raise OutputError("cannot write %s: %s" % (name, exc.strerror or exc)) from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, name)
    except OSError as exc:
        _remove(temp)
        raise OutputError("cannot write %s: %s" % (name, exc.strerror or exc)) from None
    except BaseException:
        _remove(temp)
        raise


def _short(name: str) -> str:
    return os.fsdecode(os.fsencode(name)[:TEMP_NAME_BYTES])


def remove_leftovers(directory: str, prefix: str) -> None:
    """Remove what a killed hvaudit left in `directory`: entries named PREFIX + PID + "-..."
    that this user owns, whose process no longer runs (a temporary file, or a capture's
    staging folder). Anything else is never touched."""
    import shutil

    try:
        with os.scandir(directory) as entries:
            stale = [e for e in entries if e.name.startswith(prefix)]
    except OSError:
        return
    for entry in stale:
        pid = entry.name[len(prefix):].partition("-")[0]
        if not (pid.isascii() and pid.isdigit() and len(pid) < 10) or _running(int(pid)):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_uid != os.geteuid():
                continue
            if statmod.S_ISDIR(info.st_mode):
                shutil.rmtree(entry.path, ignore_errors=True)
            elif statmod.S_ISREG(info.st_mode):
                os.unlink(entry.path)
        except OSError:
            continue


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, another user's
    return True


def _remove(path: str) -> None:
    # Not contextlib.suppress: contextlib imports collections, which detect's start-up avoids.
    try:  # noqa: SIM105
        os.unlink(path)
    except OSError:
        pass
