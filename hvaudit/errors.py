"""Errors that end a command with one line and a documented exit code (see README)."""

from __future__ import annotations

import errno

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Tuple

#: Exit codes. `detect` follows systemd-detect-virt: 0 virtualized, 1 not.
EXIT_OK = 0
EXIT_NOT_VIRTUALIZED = 1
EXIT_BAD_INPUT = 2  # a capture that cannot be used, a bad option, an output that would overwrite
EXIT_CANNOT_WRITE = 3  # the report or capture could not be written
EXIT_INTERNAL = 4  # a defect in hvaudit: please report it
EXIT_INTERRUPTED = 130
EXIT_GATE = 5  # `audit --fail-on LEVEL`: a check reached that status (the report was written)


class HvauditError(Exception):
    """An error the user can act on; its message is one line."""

    exit_code = EXIT_INTERNAL


class CaptureError(HvauditError):
    """The capture cannot be read as a capture at all."""

    exit_code = EXIT_BAD_INPUT


class UsageError(HvauditError):
    exit_code = EXIT_BAD_INPUT


class DetectUsageError(UsageError):
    """A bad option to `detect`: exit 1, as systemd-detect-virt."""

    exit_code = EXIT_NOT_VIRTUALIZED


class OutputError(HvauditError):
    """The output could not be written (or would replace something it must not)."""

    exit_code = EXIT_CANNOT_WRITE


class Reason(str):
    """Why a source cannot answer, in every language: the string is the errno name ("ENOSYS"),
    so a Reason stands wherever an errno name does, and `message` is the id of the message
    that says why, filled with `fields` (what belongs to the machine: its name, an error
    number, an exception's text). A source never writes the sentence itself."""

    message: str
    fields: Tuple[Tuple[str, str], ...]

    def __new__(cls, errno_name: str, message: str = "", **fields: object) -> Reason:
        reason = super().__new__(cls, errno_name)
        reason.message = message
        reason.fields = tuple(sorted((k, str(v)) for k, v in fields.items()))
        return reason

    def __repr__(self) -> str:
        return "Reason(%s, %r%s)" % (str.__repr__(self), self.message,
                                     "".join(", %s=%r" % kv for kv in self.fields))


def errname(error: object) -> str:
    """The errno name ("EACCES") of an OSError or an errno number; "EIO" when it carries none."""
    number = error if isinstance(error, int) else getattr(error, "errno", None)
    return errno.errorcode.get(number, "EIO") if isinstance(number, int) and number else "EIO"


def write_error(message: str) -> None:
    """The one line every error ends with, on standard error: `hvaudit: error: MESSAGE`, its
    control characters escaped and bytes that were not UTF-8 shown as `\\xff` (README,
    "Errors"), in whatever encoding standard error has; nothing when it is closed."""
    import sys

    from .plaintext import shown

    stream = sys.stderr
    if stream is None:
        return
    line = "hvaudit: error: %s\n" % shown(message, limit=None) if message else "hvaudit: error\n"
    try:
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            stream.write(line)
            stream.flush()
        else:
            stream.flush()
            buffer.write(line.encode(getattr(stream, "encoding", None) or "utf-8", "backslashreplace"))
            buffer.flush()
    except (OSError, ValueError, LookupError):
        pass  # standard error is gone: the exit code still tells
