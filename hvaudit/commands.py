"""The click commands: each turns its options into one call and writes the result.

Imported only for commands other than `detect` (click's import costs more than all of
`detect`); error handling and exit codes live in hvaudit.cli.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from . import __version__
from .errors import UsageError

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Optional, Sequence

FORMAT_CHOICES = ("text", "json", "markdown", "html")
SUFFIX_FORMATS = {".json": "json", ".html": "html", ".htm": "html", ".md": "markdown"}


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


@click.group(invoke_without_command=True, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="hvaudit", message="%(prog)s %(version)s")
@click.pass_context
def cli(ctx: click.Context) -> None:
    """What this machine is (bare metal, VM guest, container, in layers) and what it can host.

    Without a command, audits this machine and prints a summary.
    """
    if ctx.invoked_subcommand is None:
        run_audit_command(None, None, None, "en", False)


@cli.command()
@click.option("--capture", type=click.Path(path_type=Path), metavar="DIR",
              help="Audit a capture made by `hvaudit collect`, not this machine.")
@click.option("--format", "fmt", type=click.Choice(FORMAT_CHOICES),
              help="Report format (default: text, or from the -o file's suffix).")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the report to FILE (atomically) instead of standard output.")
@click.option("--lang", type=click.Choice(("en", "pt")), default="en", show_default=True,
              help="Language of explanations and labels.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
@click.option("--redact", is_flag=True,
              help="Replace serial numbers, UUIDs, MAC addresses and the hostname by placeholders.")
def audit(capture: Optional[Path], fmt: Optional[str], output: Optional[Path], lang: str, force: bool,
          redact: bool) -> None:
    """Audit this machine (or a capture): layers, capabilities and findings with their evidence."""
    run_audit_command(capture, fmt, output, lang, force, redact)


@cli.command(context_settings={"ignore_unknown_options": True, "help_option_names": []}, add_help_option=False)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def detect(args: Sequence[str]) -> None:
    """systemd-detect-virt compatible detection (see `hvaudit detect --help`)."""
    from .detect import run

    run(list(args))


@cli.command()
@click.argument("directory", type=click.Path(path_type=Path))
@click.option("--redact", is_flag=True,
              help="Replace serial numbers, UUIDs, MAC addresses and the hostname by placeholders.")
def collect(directory: Path, redact: bool) -> None:
    """Save what the probes read on this machine into DIRECTORY (a new or empty folder)."""
    from .collect import collect as do_collect

    report = do_collect(directory, redact=redact)
    click.echo("hvaudit: capture written to %s (vm=%s, container=%s)" % (directory, report.vm, report.container),
               err=True)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the JSON report."""
    from .output import write_output
    from .schema import schema_text

    write_output(schema_text(), None)
