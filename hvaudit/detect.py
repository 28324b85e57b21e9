"""`hvaudit detect`: a drop-in for systemd-detect-virt, with the same identifiers,
options and exit codes (0 when virtualized, 1 when not), plus --capture and --json.

It parses its own options with argparse, not click: it is the command scripts call in
loops, and click's import alone would cost most of its time budget.
"""

from __future__ import annotations

import argparse
import sys
from typing import List, NoReturn, Optional, Sequence

from .errors import EXIT_NOT_VIRTUALIZED, EXIT_OK, HvauditError
from .signatures import SYSTEMD_CONTAINER_IDS, SYSTEMD_VM_IDS

CVM_IDS = ("none", "sev", "sev-es", "sev-snp", "tdx", "protvirt", "cca")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, as every other error (README, "Errors")
        from .errors import UsageError

        raise UsageError("%s (see 'hvaudit detect --help')" % message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="hvaudit detect",
        description="Detect execution in a virtualized environment (systemd-detect-virt compatible).")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("-c", "--container", action="store_true", help="only detect whether we run in a container")
    mode.add_argument("-v", "--vm", action="store_true", help="only detect whether we run in a VM")
    mode.add_argument("-r", "--chroot", action="store_true",
                      help="detect whether we run in a chroot (exit status only)")
    mode.add_argument("--private-users", action="store_true", help="detect whether we run in a user namespace")
    mode.add_argument("--cvm", action="store_true", help="only detect whether we run in a confidential VM")
    mode.add_argument("--list", action="store_true", help="list all known and detectable types of virtualization")
    mode.add_argument("--list-cvm", action="store_true", help="list all known confidential VM types")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing, only set the exit status")
    parser.add_argument("--json", action="store_true", help="print a JSON object (vm, container, layers, ...)")
    parser.add_argument("--capture", metavar="DIR", help="detect from a capture, not this machine")
    return parser


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(list(argv))
    if args.list or args.list_cvm:
        ids: List[str] = list(CVM_IDS) if args.list_cvm else ["none", *SYSTEMD_VM_IDS, *SYSTEMD_CONTAINER_IDS]
        if not args.quiet:
            print("\n".join(ids))
        return EXIT_OK
    from .audit import innermost, run_audit
    from .sources import open_source

    report = run_audit(open_source(args.capture), checks=bool(args.cvm or args.json))
    answer: Optional[str]
    if args.chroot:
        answer, virtualized = None, bool(report.chroot)
    elif args.private_users:
        answer = None
        virtualized = any(layer.details.get("user_ids") == "mapped" for layer in report.layers)
    else:
        answer = (report.container if args.container else report.vm if args.vm
                  else report.cvm if args.cvm else innermost(report))
        virtualized = answer not in (None, "none")
    if args.json:
        import json

        print(json.dumps(summary(report), indent=2))
    elif answer is not None and not args.quiet:
        print(answer)
    return EXIT_OK if virtualized else EXIT_NOT_VIRTUALIZED


def summary(report: object) -> dict:
    from .model import Report

    assert isinstance(report, Report)
    return {
        "vm": report.vm,
        "container": report.container,
        "classification": report.classification,
        "chroot": report.chroot,
        "cvm": report.cvm,
        "layers": [{"kind": layer.kind, "tech": layer.tech, "name": layer.name,
                    "confidence": layer.confidence.label, **{k: v for k, v in layer.details.items()}}
                   for layer in report.layers],
        "findings": [f.id for f in report.findings],
    }


def run(argv: Sequence[str]) -> None:
    """Entry for `hvaudit detect ...`: one-line errors, documented exit codes."""
    try:
        code = main(argv)
    except HvauditError as exc:
        print("hvaudit: error: %s" % exc, file=sys.stderr)
        code = exc.exit_code
    sys.exit(code)
