"""hvaudit: what this machine is (bare metal, VM guest, container, in layers) and what it can host.


Importing the package is cheap: `run_audit` is loaded on first use.
"""

from __future__ import annotations

import sys as _sys

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"
__all__ = ["__version__", "run_audit"]


def __getattr__(name: str) -> Any:
    if name == "run_audit":
        from .audit import run_audit

        return run_audit
    raise AttributeError(name)


def _interrupted(signum: int, frame: object) -> None:
    """Ctrl-C before the command line's own handling starts (or after it ends): one line
    and exit 130 at once, never a traceback from the middle of an import."""
    import os

    try:  # noqa: SIM105 (contextlib is not loaded yet, and need not be)
        os.write(2, b"hvaudit: error: interrupted\n")
    except OSError:
        pass
    os._exit(130)


def _start_command_line() -> None:
    """Run first when hvaudit starts as a program (`hvaudit`, `python -m hvaudit`), never when
    imported as a library: Ctrl-C is handled from here on, and a standard stream that was
    closed gets /dev/null as a placeholder, so that no file hvaudit opens can take its
    number (an error line must never land in a report). The stream objects stay None: a
    report to a closed standard output is an error, a message to a closed standard error
    is dropped."""
    import _signal  # type: ignore[import-not-found]  # signal's own module: no enum to import
    import gc
    import os

    # The cyclic collector's passes over the tens of thousands of objects that imports
    # create are about 5% of `hvaudit detect`, and an audit makes few cycles: off while
    # the program starts; the command line turns it back on for commands that may run long.
    gc.disable()
    _signal.signal(_signal.SIGINT, _interrupted)
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            try:
                placeholder = os.open(os.devnull, os.O_RDWR)
            except OSError:
                continue
            if placeholder != fd:
                os.dup2(placeholder, fd)
                os.close(placeholder)


if _sys.argv[:1] == ["-m"] or _sys.argv[0].rpartition("/")[2] == "hvaudit":
    _start_command_line()
