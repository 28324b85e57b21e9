"""The command line: options become a request, one function does the work, errors become
one line and a documented exit code (README, "Exit codes")."""

from __future__ import annotations

import os
import sys

from . import __version__
from .errors import EXIT_INTERNAL, HvauditError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional, Sequence


def main(argv: Optional[Sequence[str]] = None) -> None:
    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    try:
        if args[:1] == ["detect"]:
            from .detect import run

            run(args[1:])  # exits; kept off click to stay fast
        if args == ["--version"]:
            print("hvaudit %s" % __version__)
            sys.exit(0)
        from .audit_command import parse_plain_audit, run_audit_command

        plain = parse_plain_audit(args)
        if plain is not None:  # `hvaudit` or a well-formed `hvaudit audit ...`: no click needed
            run_audit_command(**plain)
            return
        _click_main(args)
    except HvauditError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        sys.exit(0)
    except SystemExit:
        raise
    except Exception as exc:  # a defect: one line for the user, the traceback on request
        if os.environ.get("HVAUDIT_DEBUG"):
            raise
        _fail("internal error: %s: %s (set HVAUDIT_DEBUG=1 for a traceback, and please report it)"
              % (type(exc).__name__, exc), EXIT_INTERNAL)


def _fail(message: str, code: int) -> None:
    print("hvaudit: error: %s" % message.splitlines()[0] if message else "hvaudit: error", file=sys.stderr)
    sys.exit(code)


def _click_main(args: List[str]) -> None:
    import click

    from .commands import cli
    from .errors import UsageError

    try:
        cli.main(args=args, prog_name="hvaudit", standalone_mode=False)
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.UsageError as exc:  # one line, as every other error (README, "Errors")
        hint = " (see '%s --help')" % exc.ctx.command_path if exc.ctx is not None else ""
        raise UsageError(exc.format_message() + hint) from None
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
