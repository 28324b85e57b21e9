#!/usr/bin/env python3
"""Build dist/hvaudit.pyz: hvaudit as one file that runs on a bare Python 3.9+.

    python3 tools/build_pyz.py [-o dist/hvaudit.pyz]

Run it with an interpreter that has hvaudit's pure-Python dependencies installed (the
project's virtual environment: `.venv/bin/python tools/build_pyz.py`). The archive holds
hvaudit (with its templates as `hvaudit/templates/`, as in the wheel) and click, jinja2,
markupsafe and py-cpuinfo, with their licences under `licenses/`: the installed copies, or,
where the installed release no longer supports Python 3.9, the newest one that does, fetched
from the package index by pip (a pure-Python wheel). psutil is not bundled: it
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
import subprocess
import sys
import tempfile
import zipapp
from pathlib import Path
from typing import List, Optional

ROOT = Path(__file__).resolve().parents[1]
#: The oldest Python the archive runs on (pyproject.toml's requires-python).
OLDEST_PYTHON = "3.9"
#: Bundled import packages: the distribution each comes from, and the releases that hvaudit
#: needs and that run on OLDEST_PYTHON (click 8.2 dropped Python 3.9).
BUNDLED = {"click": ("click", "click>=8.0,<8.2"), "jinja2": ("jinja2", "jinja2>=3.0"),
           "markupsafe": ("markupsafe", "markupsafe>=2.0"), "cpuinfo": ("py-cpuinfo", "py-cpuinfo>=9.0")}
#: Never bundled: built for one platform and one interpreter, or not needed at run time.
SKIPPED_SUFFIXES = (".so", ".pyd", ".dll", ".dylib", ".c", ".h", ".pyc", ".pyo")


def _copy_package(source: Path, target: Path) -> None:
    shutil.copytree(source, target, ignore=lambda folder, names: [
        n for n in names if n == "__pycache__" or n.endswith(SKIPPED_SUFFIXES)])


def _runs_on_oldest_python(distribution: str, path: Optional[Path] = None) -> bool:
    """Whether the distribution (installed, or fetched into `path`) supports OLDEST_PYTHON."""
    if path is None:
        metadata = importlib.metadata.metadata(distribution)
    else:
        metadata = next(importlib.metadata.distributions(name=distribution, path=[str(path)])).metadata
    wanted = metadata.get("Requires-Python")
    if not wanted:
        return True
    try:
        from packaging.specifiers import SpecifierSet
    except ImportError:
        from pip._vendor.packaging.specifiers import SpecifierSet
    return SpecifierSet(wanted).contains(OLDEST_PYTHON)


def _fetch_for_oldest_python(requirement: str, target: Path) -> Path:
    """The newest release of `requirement` that supports OLDEST_PYTHON, as a pure-Python wheel
    from the package index (the installed one is too new, e.g. click 8.2 needs Python 3.10)."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps",
                    "--target", str(target), "--only-binary=:all:", "--python-version", OLDEST_PYTHON,
                    "--implementation", "py", "--abi", "none", "--platform", "any", requirement], check=True)
    name = requirement.split(">")[0].split("<")[0].split("=")[0]
    if not _runs_on_oldest_python(name, target):
        raise SystemExit("build_pyz: the package index gave a %s that does not run on Python %s"
                         % (name, OLDEST_PYTHON))
    return target


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
        for package, (distribution, requirement) in BUNDLED.items():
            if _runs_on_oldest_python(distribution):
                _copy_package(_package_folder(package), staging / package)
                _licenses(distribution, staging / "licenses")
            else:
                fetched = _fetch_for_oldest_python(requirement, Path(temp) / "fetched" / package)
                _copy_package(fetched / package, staging / package)
                for info in fetched.glob("*.dist-info"):
                    for name in info.rglob("*"):
                        if name.is_file() and name.name.upper().startswith(("LICENSE", "LICENCE", "COPYING")):
                            (staging / "licenses" / distribution).mkdir(parents=True, exist_ok=True)
                            shutil.copy2(name, staging / "licenses" / distribution / name.name)
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
