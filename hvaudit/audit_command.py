"""`hvaudit audit`: its options, declared once, and the one function that does its work.

click builds the command from AUDIT_OPTIONS (hvaudit/commands.py) and owns the command line:
help, every error message, every other command. Importing click costs more than half of
what an audit of a small machine does, so `hvaudit` and a well-formed `hvaudit audit ...`
(options from this table, a value of a listed choice) are read here, from the same table,
without click; anything else, from `--help` to a misspelt option, goes to click.
"""

from __future__ import annotations

import os
import sys

from .errors import UsageError
from .records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any, Dict, List, Optional, Sequence, Tuple

FORMAT_CHOICES = ("text", "json", "markdown", "html", "prometheus", "facts")
#: The format an -o file's suffix names; a file without a suffix gets text.
SUFFIX_FORMATS = {".json": "json", ".html": "html", ".htm": "html", ".md": "markdown", ".markdown": "markdown",
                  ".txt": "text", ".text": "text", ".prom": "prometheus"}
DETAIL_CHOICES = ("compact", "full")
#: --fail-on LEVEL: the check statuses that fail the gate at each level.
FAIL_ON = {"warn": ("warn", "fail"), "fail": ("fail",)}
#: The width of the text report when it is not written to a terminal.
DEFAULT_WIDTH = 80


class Option(Record):
    """One option of `hvaudit audit`, as click.option takes it."""

    flags: Tuple[str, ...]  # e.g. ("-o", "--output")
    name: str  # the parameter of run_audit_command
    help: str
    choices: Tuple[str, ...] = ()  # a choice among these (else a path, or a flag)
    is_flag: bool = False
    default: Optional[str] = None
    metavar: Optional[str] = None  # a path when set


AUDIT_OPTIONS = (
    Option(("--capture",), "capture", "Audit a capture made by `hvaudit collect`, not this machine.", metavar="DIR"),
    Option(("--format",), "fmt", "Report format (default: text, or from the -o file's suffix).",
           choices=FORMAT_CHOICES),
    Option(("-o", "--output"), "output", "Write the report to FILE (atomically) instead of standard output.",
           metavar="FILE"),
    Option(("--lang",), "lang", "Language of explanations and labels.", choices=("en", "pt"), default="en"),
    Option(("--force",), "force", "Replace FILE if it exists.", is_flag=True),
    Option(("--redact",), "redact", "Replace serial numbers, UUIDs, MAC addresses and the hostname by placeholders.",
           is_flag=True),
    Option(("--detail",), "detail", "compact fits a ticket (each note section quoted once); full adds every "
           "explanation and its evidence.", choices=DETAIL_CHOICES, default="compact"),
    Option(("--fail-on",), "fail_on", "Exit with code 5 when a check reaches this status (warn: warn or fail), "
           "for CI gates.", choices=tuple(FAIL_ON)),
)


def parse_plain_audit(args: Sequence[str]) -> Optional[Dict[str, Any]]:
    """run_audit_command's arguments for `hvaudit` or a plain `hvaudit audit [OPTION ...]`;
    None for anything that click should read (and explain, if it is wrong)."""
    if not args:
        args = ["audit"]
    if args[0] != "audit":
        return None
    by_flag = {flag: option for option in AUDIT_OPTIONS for flag in option.flags}
    values: Dict[str, Any] = {o.name: (False if o.is_flag else o.default) for o in AUDIT_OPTIONS}
    rest = list(args[1:])
    while rest:
        word = rest.pop(0)
        flag, equals, value = word.partition("=") if word.startswith("--") else (word, "", "")
        option = by_flag.get(flag)
        if option is None:
            return None
        if option.is_flag:
            if equals:
                return None
            values[option.name] = True
            continue
        if not equals:
            if not rest:
                return None
            value = rest.pop(0)
        if (option.choices and value not in option.choices) or (not option.choices and not value):
            return None
        values[option.name] = value
    for option in AUDIT_OPTIONS:
        if option.metavar and values[option.name] is not None:
            from pathlib import Path  # only when a path is given (it imports urllib and ipaddress)

            values[option.name] = Path(values[option.name])
    return values


def format_for(output: Optional[Path]) -> str:
    """The format an -o file names by its suffix; a suffix that names none is refused
    (a report.pdf that holds text would mislead whoever opens it)."""
    if output is None or str(output) == "-" or not output.suffix:
        return "text"
    fmt = SUFFIX_FORMATS.get(output.suffix.lower())
    if fmt is None:
        known: Dict[str, List[str]] = {}
        for suffix, name in SUFFIX_FORMATS.items():
            known.setdefault(name, []).append(suffix)
        raise UsageError("%s: the suffix %s names no report format; formats: %s (or give --format)" % (
            output, output.suffix, ", ".join("%s (%s)" % (name, " ".join(known[name])) for name in sorted(known))))
    return fmt


def terminal_width() -> int:
    """The terminal's width in columns ($COLUMNS first, as shutil reads it), 80 if unknown."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    try:
        return os.get_terminal_size(sys.stdout.fileno()).columns or DEFAULT_WIDTH
    except (OSError, ValueError):
        return DEFAULT_WIDTH


def run_audit_command(capture: Optional[Path], fmt: Optional[str], output: Optional[Path], lang: str,
                      force: bool, redact: bool = False, detail: str = "compact",
                      fail_on: Optional[str] = None) -> None:
    from .audit import run_audit
    from .errors import EXIT_GATE
    from .output import write_output
    from .report import FORMATS, render
    from .sources import open_source

    fmt = fmt or format_for(output)
    if fmt not in FORMATS:
        raise UsageError("the %s format is not available in this build" % fmt)
    if output is not None and str(output) != "-":
        from .output import check_target

        check_target(str(output), force)  # before the audit, not after it
    if redact:
        from .redact import audit_redacted

        report = audit_redacted(open_source(capture))
    else:
        report = run_audit(open_source(capture))
    terminal = output is None and sys.stdout is not None and sys.stdout.isatty()
    color = fmt == "text" and terminal and "NO_COLOR" not in os.environ
    width = terminal_width() if terminal else DEFAULT_WIDTH
    write_output(render(report, fmt, lang=lang, color=color, detail=detail, width=width), output, force=force)
    if fail_on and any(c.status in FAIL_ON[fail_on] for c in report.checks):
        sys.exit(EXIT_GATE)
