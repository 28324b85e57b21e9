"""The command line: options become a request, one function does the work, errors become
one line and a documented exit code (README, "Exit codes")."""

from __future__ import annotations

import os
import sys

from . import __version__
from .errors import EXIT_CANNOT_WRITE, EXIT_INTERNAL, EXIT_INTERRUPTED, HvauditError, write_error

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, NoReturn, Optional, Sequence, Union


def main(argv: Optional[Sequence[str]] = None) -> None:
    import _signal  # type: ignore[import-not-found]  # signal's own module: no enum to import

    from . import _interrupted

    args: List[str] = list(sys.argv[1:] if argv is None else argv)
    command_line = _signal.getsignal(_signal.SIGINT) is _interrupted  # started as a program
    if command_line:  # from here Ctrl-C raises KeyboardInterrupt, so that cleanups run
        _signal.signal(_signal.SIGINT, _signal.default_int_handler)
    try:
        code: Union[str, int, None] = 0
        try:
            if args[:1] == ["detect"]:
                from .detect import run

                run(args[1:])  # exits; kept off click to stay fast
            if args == ["--version"]:
                _print("hvaudit %s\n" % __version__)
                sys.exit(0)
            from .audit_command import parse_plain_audit, run_audit_command

            plain = parse_plain_audit(args)
            if plain is not None:  # `hvaudit` or a well-formed `hvaudit audit ...`: no click needed
                run_audit_command(**plain)
            else:
                import gc

                gc.enable()  # off since start-up (hvaudit/__init__.py); fleets and diffs may run long
                _click_main(args)
        except SystemExit as exc:
            code = exc.code
        _flush_stdout()
        if code:
            sys.exit(code)
    except HvauditError as exc:
        _fail(str(exc), exc.exit_code)
    except KeyboardInterrupt:
        _fail("interrupted", EXIT_INTERRUPTED)
    except BrokenPipeError:  # the reader went away (`| head`): as systemd-detect-virt, silent
        _quiet_stdout()
        sys.exit(0)
    except SystemExit:
        raise
    except Exception as exc:  # a defect: one line for the user, the traceback on request
        if os.environ.get("HVAUDIT_DEBUG"):
            raise
        _fail("internal error: %s: %s (set HVAUDIT_DEBUG=1 for a traceback, and please report it)"
              % (type(exc).__name__, exc), EXIT_INTERNAL)
    finally:
        if command_line:  # a second Ctrl-C while exiting ends at once, still one line
            _signal.signal(_signal.SIGINT, _interrupted)


def _print(text: str) -> None:
    from .output import write_output

    write_output(text, None)


def _flush_stdout() -> None:
    """What is still buffered for standard output is written now, where a failure is an
    error with its exit code, not a message from the interpreter's exit."""
    from .errors import OutputError
    from .output import stdout_error

    if sys.stdout is None:
        return
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise
    except (OSError, ValueError) as exc:
        raise OutputError(stdout_error(exc)) from None


def _quiet_stdout() -> None:
    """Point standard output at /dev/null, so that the interpreter's last flush of what is
    still buffered succeeds silently."""
    try:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.close(fd)
    except OSError:
        pass


def _fail(message: str, code: int) -> NoReturn:
    if code == EXIT_CANNOT_WRITE:
        _quiet_stdout()  # a report that could not be written is not written again at exit
    write_error(message)
    sys.exit(code)


def _click_main(args: List[str]) -> None:
    import click

    from .commands import cli
    from .errors import UsageError

    try:
        # click's main() would print a newline on Ctrl-C and turn a broken pipe into exit 1:
        # the context is made and invoked here, and those are handled as every other error.
        with cli.make_context("hvaudit", args) as ctx:
            cli.invoke(ctx)
    except click.exceptions.Exit as exc:  # --help, --version
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        raise KeyboardInterrupt from None
    except click.UsageError as exc:  # one line, as every other error (README, "Errors")
        hint = " (see '%s --help')" % exc.ctx.command_path if exc.ctx is not None else ""
        raise UsageError(exc.format_message() + hint) from None
    except click.ClickException as exc:
        _fail(exc.format_message(), exc.exit_code)
