"""`hvaudit detect`: a drop-in for systemd-detect-virt, with the same identifiers,
options and exit codes (0 when virtualized, 1 when not), plus --capture and --json.

Options follow systemd-detect-virt's getopt_long grammar (bundled short flags, --long,
--capture DIR or --capture=DIR; when several modes are given the last one counts). They are
parsed here by hand: this is the command scripts call in loops, and argparse, getopt (via
gettext) and click all import `re` and more, a third of the time budget.
"""

from __future__ import annotations

import sys

from .errors import EXIT_NOT_VIRTUALIZED, EXIT_OK, DetectUsageError, HvauditError, write_error
from .signatures import SYSTEMD_CONTAINER_IDS, SYSTEMD_VM_IDS

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Optional, Sequence


#: The `schema` key of `detect --json`: `hvaudit schema --detect` prints that schema.
DETECT_SCHEMA_ID = "https://hvaudit.invalid/schema/detect-1.json"
CVM_IDS = ("none", "sev", "sev-es", "sev-snp", "tdx", "protvirt", "cca")

HELP = """\
hvaudit detect [OPTIONS...]

Detect execution in a virtualized environment (systemd-detect-virt compatible).

  -h --help             Show this help
  -c --container        Only detect whether we are run in a container
  -v --vm               Only detect whether we are run in a VM
  -r --chroot           Detect whether we are run in a chroot() environment
     --private-users    Only detect whether we are running in a user namespace
     --cvm              Only detect whether we are run in a confidential VM
  -q --quiet            Don't output anything, just set return value
     --list             List all known and detectable types of virtualization
     --list-cvm         List all known and detectable types of confidential virtualization
     --json             Print a JSON object: vm, container, classification, layers, findings
     --capture DIR      Detect from a capture made by `hvaudit collect`, not this machine

Exit status: 0 if virtualization (or a chroot, user namespace, CVM) was found, 1 if not
or on a bad option (as systemd-detect-virt), 2 on an unusable capture.
"""

SHORT_FLAGS = {"h": "--help", "c": "--container", "v": "--vm", "r": "--chroot", "q": "--quiet"}
MODES = {"--container": "container", "--vm": "vm", "--chroot": "chroot", "--private-users": "private-users",
         "--cvm": "cvm", "--list": "list", "--list-cvm": "list-cvm"}
FLAGS = frozenset(MODES) | {"--help", "--quiet", "--json"}


class Options:
    def __init__(self) -> None:
        self.mode = "any"
        self.quiet = False
        self.json = False
        self.capture: Optional[str] = None
        self.help = False


def _bad(message: str) -> DetectUsageError:
    """A bad option: exit 1, as systemd-detect-virt (its getopt error is EXIT_FAILURE)."""
    return DetectUsageError("detect: %s (see `hvaudit detect --help`)" % message)


def parse(argv: Sequence[str]) -> Options:
    options = Options()
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--capture" or arg.startswith("--capture="):
            value = arg.partition("=")[2] if "=" in arg else (args.pop(0) if args else None)
            if not value:
                raise _bad("option --capture requires a folder")
            options.capture = value
            continue
        if arg.startswith("--"):
            flags = [arg]
        elif arg.startswith("-") and len(arg) > 1:
            flags = [SHORT_FLAGS.get(c, "-" + c) for c in arg[1:]]
        else:
            raise _bad("unexpected argument %r" % arg)
        for flag in flags:
            if flag not in FLAGS:
                raise _bad("unrecognized option %r" % flag)
            if flag in MODES:
                options.mode = MODES[flag]
            options.quiet = options.quiet or flag == "--quiet"
            options.json = options.json or flag == "--json"
            options.help = options.help or flag == "--help"
    return options


def main(argv: Sequence[str]) -> int:
    options = parse(argv)
    if options.help:
        sys.stdout.write(HELP)
        return EXIT_OK
    if options.mode in ("list", "list-cvm"):
        ids: List[str] = list(CVM_IDS) if options.mode == "list-cvm" else [
            "none", *SYSTEMD_VM_IDS, *SYSTEMD_CONTAINER_IDS]
        if not options.quiet:
            _say("\n".join(ids))
        return EXIT_OK
    from .audit import innermost, run_audit
    from .sources import open_source

    # No check is needed here; the confidential-VM probe only where its verdict is asked for.
    wants_cvm = options.mode == "cvm" or options.json
    # Identifying the layers needs no process list: detect never scans /proc/*/comm.
    report = run_audit(open_source(options.capture), checks=False, cvm=wants_cvm, host_role=False)
    answer: Optional[str]
    if options.mode == "chroot":
        answer, virtualized = None, bool(report.chroot)
        if report.chroot is None:
            # systemd-detect-virt says why on standard error and exits 1 ("Failed to check
            # for chroot() environment: No such file or directory" where /proc is missing).
            from .model import note_text

            why = next((e for e in report.unseen if e.where == "/proc/1/root"), None)
            if sys.stderr is not None:  # closed: print(file=None) would write to standard output
                print("hvaudit: cannot tell whether this is a chroot: %s" % (
                    "%s (%s)" % (note_text(why.note, why.note_fields), why.error) if why is not None
                    else note_text("note.pid1-root-uncompared")), file=sys.stderr)
    elif options.mode == "private-users":
        answer, virtualized = None, bool(report.private_users)
    else:
        answer = {"container": report.container, "vm": report.vm, "cvm": report.cvm}.get(options.mode,
                                                                                    innermost(report))
        virtualized = answer not in (None, "none")
    if options.json:
        import json

        _say(json.dumps(summary(report), indent=2))
    elif answer is not None and not options.quiet:
        _say(answer)
    return EXIT_OK if virtualized else EXIT_NOT_VIRTUALIZED


def _say(line: str) -> None:
    """One answer on standard output; a closed or full one is an error (exit 3)."""
    from .output import write_output

    write_output(line + "\n", None)


def summary(report: object) -> dict:
    from .model import Report

    assert isinstance(report, Report)
    layers = []
    for layer in report.layers:
        entry = {"kind": layer.kind, "tech": layer.tech, "name": layer.name, "confidence": layer.confidence.label}
        # A detail never replaces one of the layer's own keys (a sandbox's details say its "kind").
        entry.update({("detail_" + k if k in entry else k): v for k, v in layer.details.items()})
        layers.append(entry)
    return {
        "schema": DETECT_SCHEMA_ID,
        "vm": report.vm,
        "container": report.container,
        "classification": report.classification,
        "chroot": report.chroot,
        "cvm": report.cvm,
        "private_users": report.private_users,
        "layers": layers,
        "findings": [f.id for f in report.findings],
    }


def run(argv: Sequence[str]) -> None:
    """Entry for `hvaudit detect ...`: one-line errors, documented exit codes."""
    try:
        code = main(argv)
    except HvauditError as exc:
        write_error(str(exc))
        code = exc.exit_code
    sys.exit(code)
