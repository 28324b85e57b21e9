"""The click commands: each turns its options into one call and writes the result.

Imported only for commands other than `detect` (click's import costs more than all of
`detect`); error handling and exit codes live in hvaudit.cli.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from . import __version__
from .audit_command import AUDIT_OPTIONS, run_audit_command

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional, Sequence

FLEET_FORMATS = ("csv", "json", "markdown", "html")
SUFFIX_FLEET_FORMATS = {".csv": "csv", ".json": "json", ".md": "markdown", ".html": "html", ".htm": "html"}
DIFF_FORMATS = ("text", "markdown", "json")
LANG_CHOICES = ("en", "pt")


def audit_options(function: Any) -> Any:
    """click's options of `audit`, from the one table of them (hvaudit/audit_command.py)."""
    for option in reversed(AUDIT_OPTIONS):
        if option.is_flag:
            function = click.option(*option.flags, option.name, is_flag=True, help=option.help)(function)
        elif option.choices:
            function = click.option(*option.flags, option.name, type=click.Choice(option.choices),
                                    default=option.default, show_default=option.default is not None,
                                    help=option.help)(function)
        else:
            function = click.option(*option.flags, option.name, type=click.Path(path_type=Path),
                                    metavar=option.metavar, help=option.help)(function)
    return function


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
@audit_options
def audit(capture: Optional[Path], fmt: Optional[str], output: Optional[Path], lang: str, force: bool,
          redact: bool, detail: str, fail_on: Optional[str]) -> None:
    """Audit this machine (or a capture): layers, capabilities and findings with their evidence."""
    run_audit_command(capture, fmt, output, lang, force, redact, detail, fail_on)


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
@click.argument("kind", required=False, type=click.Choice(("report", "detect", "fleet", "diff")))
@click.option("--detect", "of_detect", is_flag=True, help="The same as KIND detect.")
def schema(kind: Optional[str], of_detect: bool) -> None:
    """Print the JSON Schema of the JSON report, or of KIND: `detect --json`, the fleet
    report (`fleet --format json`) or `diff --format json`."""
    from .output import write_output
    from .schema import SCHEMAS, schema_text

    if of_detect and kind not in (None, "detect"):
        raise click.UsageError("--detect and %s: one schema at a time" % kind)
    write_output(schema_text(SCHEMAS["detect" if of_detect else kind or "report"]), None)


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(), metavar="PATH...")
@click.option("--format", "fmt", type=click.Choice(FLEET_FORMATS),
              help="Report format (default: markdown, or from the -o file's suffix).")
@click.option("-o", "--output", type=click.Path(path_type=Path), metavar="FILE",
              help="Write the fleet report to FILE (atomically) instead of standard output.")
@click.option("--lang", type=click.Choice(LANG_CHOICES), default="en", show_default=True,
              help="Language of labels.")
@click.option("--force", is_flag=True, help="Replace FILE if it exists.")
def fleet(paths: Sequence[str], fmt: Optional[str], output: Optional[Path], lang: str, force: bool) -> None:
    """Aggregate JSON reports (files, or folders of them) of many machines: one row per report,
    and the groups a fleet asks about. Reports that cannot be read are listed, never fatal."""
    from .fleet import read_fleet
    from .knowledge import label
    from .output import write_output
    from .report.fleet import render

    fmt = fmt or ("markdown" if output is None else SUFFIX_FLEET_FORMATS.get(output.suffix.lower(), "markdown"))
    result = read_fleet(list(paths))
    write_output(render(result, fmt, lang), output, force=force)
    if result.unreadable:
        click.echo("hvaudit: warning: " + label("fleet.warning-unreadable", lang).replace(
            "{count}", str(len(result.unreadable))), err=True)


@cli.command()
@click.argument("old", type=click.Path(), metavar="OLD")
@click.argument("new", type=click.Path(), metavar="NEW")
@click.option("--format", "fmt", type=click.Choice(DIFF_FORMATS), default="text", show_default=True,
              help="Output format.")
@click.option("--lang", type=click.Choice(LANG_CHOICES), default="en", show_default=True,
              help="Language of labels.")
def diff(old: str, new: str, fmt: str, lang: str) -> None:
    """What changed between two JSON reports of one machine: the verdict, layers, checks and
    findings. Exit status 0: nothing changed, 1: something did, 2: bad input."""
    from .diff import RENDERERS, diff_files
    from .output import write_output

    result = diff_files(old, new)
    write_output(RENDERERS[fmt](result, lang), None)
    sys.exit(1 if result.changed else 0)
