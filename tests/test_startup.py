"""`hvaudit detect` is called by scripts in loops; its time budget is virt-what's (see
benchmarks/bench.py). Its path must not import what costs most of that budget."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT, process_env

#: Each of these costs milliseconds to import on a small VM (typing pulls re, which pulls enum).
HEAVY = ("typing", "re", "enum", "argparse", "getopt", "gettext", "json", "dataclasses", "pathlib", "click",
         "jinja2", "psutil", "cpuinfo", "subprocess", "inspect", "datetime")

# What the interpreter's start-up loaded already (site hooks, e.g. an editable install's
# finder) is not hvaudit's cost: only what `detect` itself imports counts.
PROBE = """
import sys
before = set(sys.modules)
from hvaudit.cli import main
try:
    main(["detect", "-q"])
except SystemExit:
    pass
loaded = sorted(m for m in %r if m in sys.modules and m not in before)
print(" ".join(loaded) or "-", file=sys.stderr)
""" % (HEAVY,)


def test_detect_path_imports_nothing_heavy() -> None:
    proc = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, env=process_env(),
                          cwd=str(ROOT), timeout=60)
    assert proc.stderr.strip().splitlines()[-1] == "-"
