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
    from typing import Any, Dict, Optional, Sequence, Tuple

FORMAT_CHOICES = ("text", "json", "markdown", "html", "prometheus", "facts")
SUFFIX_FORMATS = {".json": "json", ".html": "html", ".htm": "html", ".md": "markdown", ".prom": "prometheus"}


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
    from pathlib import Path

    for option in AUDIT_OPTIONS:
        if option.metavar and values[option.name] is not None:
            values[option.name] = Path(values[option.name])
    return values


def run_audit_command(capture: Optional[Path], fmt: Optional[str], output: Optional[Path], lang: str,
                      force: bool, redact: bool = False) -> None:
    from .audit import run_audit
    from .output import write_output
    from .report import FORMATS, render
    from .sources import open_source

    fmt = fmt or ("text" if output is None else SUFFIX_FORMATS.get(output.suffix.lower(), "text"))
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
    color = fmt == "text" and output is None and sys.stdout is not None and sys.stdout.isatty() \
        and "NO_COLOR" not in os.environ
    write_output(render(report, fmt, lang=lang, color=color), output, force=force)
