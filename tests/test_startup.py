"""`hvaudit detect` is called by scripts in loops; its time budget is virt-what's (see
benchmarks/bench.py). Its path must not import what costs most of that budget."""

from __future__ import annotations

import subprocess
import sys
from typing import Sequence

import pytest

from .conftest import ROOT, process_env

#: Each of these costs milliseconds to import on a small VM (typing pulls re, which pulls enum).
HEAVY = ("typing", "re", "enum", "argparse", "getopt", "gettext", "json", "dataclasses", "pathlib", "click",
         "jinja2", "psutil", "cpuinfo", "subprocess", "inspect", "datetime", "collections", "importlib",
         "warnings", "hvaudit.sources.capture", "hvaudit.sources.kernel_log")


def import_probe(run: str, heavy: Sequence[str], setup: str = "", after: str = "") -> str:
    """Python that runs `run` and prints, last on standard error, which modules of `heavy` it
    imported beyond what the interpreter's start-up (and `setup`) had loaded, or "-": what
    site hooks load (an editable install's finder) is not hvaudit's cost."""
    return ("import sys\n%s\nbefore = set(sys.modules)\ntry:\n    %s\nexcept SystemExit:\n    pass\n%s\n"
            "loaded = sorted(m for m in %r if m in sys.modules and m not in before)\n"
            "print(' '.join(loaded) or '-', file=sys.stderr)\n" % (setup, run, after, tuple(heavy)))


PROBE = import_probe("from hvaudit.cli import main; main(['detect', '-q'])", HEAVY)


@pytest.mark.slow
def test_detect_path_imports_nothing_heavy() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=process_env(),
                          cwd=str(ROOT), timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == "-"


AUDIT_PROBE = """
import sys
from hvaudit.cli import main
main(["audit", "--format", "json", "--capture", sys.argv[1]])
print(" ".join(sorted(m for m in ("click", "inspect") if m in sys.modules)) or "-", file=sys.stderr)
"""


@pytest.mark.slow
def test_a_plain_audit_does_not_import_click() -> None:
    capture = ROOT / "fixtures" / "captures" / "docker-on-kvm"
    proc = subprocess.run([sys.executable, "-c", AUDIT_PROBE, str(capture)], capture_output=True, text=True,
                          env=process_env(), cwd=str(ROOT), timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip().splitlines()[-1] == "-"


#: What a live audit's start-up does without (subprocess, psutil and the like it may need on
#: some machines: dmidecode as root, a system without /proc).
AUDIT_HEAVY = ("typing", "re", "enum", "functools", "contextlib", "json", "pathlib", "argparse", "gettext",
               "dataclasses", "inspect", "click", "jinja2", "importlib", "warnings")

LIVE_AUDIT_PROBE = import_probe(
    "from hvaudit.cli import main; from hvaudit.parsers import kmsg; main(['audit', '--format', 'json'])",
    AUDIT_HEAVY, after="sys.stdout.flush()\nprint('patterns' if sys.modules['hvaudit.parsers.kmsg']._PATTERNS "
                       "else '-', end=' ', file=sys.stderr)")


@pytest.mark.slow
def test_a_live_json_audit_imports_nothing_heavy_but_re_for_the_kernel_log() -> None:
    """re (with enum and functools) only when the kernel log holds a line worth a regular
    expression; typing, json, pathlib and the rest never."""
    proc = subprocess.run([sys.executable, "-c", LIVE_AUDIT_PROBE], capture_output=True, text=True,
                          env=process_env(), cwd=str(ROOT), timeout=120)
    assert proc.returncode == 0, proc.stderr
    patterns, loaded = proc.stderr.strip().splitlines()[-1].split(" ", 1)
    allowed = {"re", "enum", "functools"} if patterns == "patterns" else set()
    assert set(loaded.split()) - {"-"} <= allowed, loaded


# Run without site (-S): an editable install's finder would import `re` before the launcher.
LAUNCHER_PROBE = import_probe(
    "exec(compile(open(%r).read(), 'hvaudit', 'exec'), {'__name__': '__main__'})" % str(ROOT / "bin" / "hvaudit"),
    HEAVY, setup="sys.path.insert(0, %r)\nsys.argv = ['hvaudit', 'detect', '-q']" % str(ROOT))


@pytest.mark.slow
def test_the_installed_command_imports_nothing_heavy_before_hvaudit() -> None:
    """The `hvaudit` command is bin/hvaudit (pyproject's script-files), not a generated
    entry-point script, whose template imports `re` first."""
    proc = subprocess.run([sys.executable, "-S", "-c", LAUNCHER_PROBE], capture_output=True, text=True,
                          env=process_env(), cwd=str(ROOT), timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == "-"
    assert (ROOT / "bin" / "hvaudit").read_text().startswith("#!python\n")
