#!/usr/bin/env python3
"""Build dist/hvaudit.pyz: hvaudit as one file that runs on a bare Python 3.9+.

    python3 tools/build_pyz.py [-o dist/hvaudit.pyz]

Run it with an interpreter that has hvaudit's pure-Python dependencies installed (the
project's virtual environment: `.venv/bin/python tools/build_pyz.py`). The archive holds
hvaudit (with its templates as `hvaudit/templates/`, as in the wheel) and click, jinja2,
markupsafe and py-cpuinfo, with their licences under `licenses/`. psutil is not bundled: it
is a binary module, and on Linux hvaudit does not need it. Each module is also stored
compiled (an unchecked-hash .pyc for the building interpreter's version), so a run on that
version does not recompile; another version compiles the sources as usual.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import importlib.util
import py_compile
import shutil
import sys
import tempfile
import zipapp
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]
#: Bundled import packages, and the distribution each comes from.
BUNDLED = {"click": "click", "jinja2": "jinja2", "markupsafe": "markupsafe", "cpuinfo": "py-cpuinfo"}
#: Never bundled: built for one platform and one interpreter, or not needed at run time.
SKIPPED_SUFFIXES = (".so", ".pyd", ".dll", ".dylib", ".c", ".h", ".pyc", ".pyo")


def _copy_package(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=lambda folder, names: [
        n for n in names if n == "__pycache__" or n.endswith(SKIPPED_SUFFIXES)])


def _package_folder(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("build_pyz: %s is not installed for %s; install the project first "
                         "(pip install -e .)" % (name, sys.executable))
    return Path(list(spec.submodule_search_locations)[0])


def _licenses(distribution: str, target: Path) -> None:
    dist = importlib.metadata.distribution(distribution)
    for file in dist.files or ():
        name = file.name.upper()
        if name.startswith(("LICENSE", "LICENCE", "COPYING")) or "/licenses/" in str(file).lower():
            source = Path(str(file.locate()))
            if source.is_file():
                (target / distribution).mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target / distribution / source.name)


def _compile(staging: Path) -> None:
    # zipimport reads `module.pyc` beside `module.py` (never __pycache__/).
    for source in sorted(staging.rglob("*.py")):
        py_compile.compile(str(source), cfile=str(source.with_suffix(".pyc")), dfile=str(source.relative_to(staging)),
                           doraise=True, invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH)


def build(output: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="hvaudit-pyz.") as temp:
        staging = Path(temp) / "app"
        _copy_package(ROOT / "hvaudit", staging / "hvaudit")
        _copy_package(ROOT / "templates", staging / "hvaudit" / "templates")
        (staging / "hvaudit" / "templates" / "__init__.py").touch()
        for package, distribution in BUNDLED.items():
            _copy_package(_package_folder(package), staging / package)
            _licenses(distribution, staging / "licenses")
        _compile(staging)
        output.parent.mkdir(parents=True, exist_ok=True)
        partial = output.with_name(output.name + ".partial")
        zipapp.create_archive(staging, partial, interpreter="/usr/bin/env python3", main="hvaudit.cli:main",
                              compressed=True)
        partial.replace(output)
    return output


def main(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=ROOT / "dist" / "hvaudit.pyz")
    args = parser.parse_args(argv)
    path = build(args.output)
    print("%s (%d KiB)" % (path, path.stat().st_size // 1024))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
