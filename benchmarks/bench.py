#!/usr/bin/env python3
"""Time hvaudit's commands as whole processes, side by side with the bare interpreter,
systemd-detect-virt and virt-what (when installed), and print medians and the ratios
hvaudit is held to.

    python3 benchmarks/bench.py [--runs 21] [--warmup 3] [--hvaudit PATH]

hvaudit is measured as users run it: this checkout, installed by pip (not editable) into a
throwaway venv, unless --hvaudit names an installed command.

Runs are interleaved (A B C A B C ...) so that a change in machine load affects every
command alike; the first runs of each command are warm-up and not counted. The package's
bytecode is compiled first, as an installed copy has it.

Two captures are generated for the last ratio: `hvaudit collect` of this machine, with
10 and with 5,000 PCI devices under /sys/bus/pci/devices, so that what grows with a
capture's size is measured apart from what every audit costs.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

#: (name, numerator, denominator, at most): the ratios of medians hvaudit is held to.
TARGETS: Tuple[Tuple[str, str, str, float], ...] = (
    ("detect / bare interpreter", "hvaudit detect", "python -S -c pass", 3.0),
    ("audit json / virt-what", "hvaudit audit --format json", "virt-what", 1.5),
    ("audit html / virt-what", "hvaudit audit --format html", "virt-what", 2.0),
    ("capture of 5,000 PCI devices / of 10", "audit --capture (5,000 PCI)", "audit --capture (10 PCI)", 1.5),
)
#: virtio (paravirtual) and Intel: a few devices of a vendor the probes recognise, the rest not.
PCI_VENDORS = ("0x1af4", "0x8086")


def install_checkout(folder: Path) -> List[str]:
    """hvaudit as the README installs it (`pip install .`, not editable: an editable
    install's import hook costs some 20 ms on every start), in a throwaway venv."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "install", "--quiet", here], check=True, stdout=subprocess.DEVNULL)
    return [str(venv / "bin" / "hvaudit")]


def interpreter_of(hv: Sequence[str]) -> str:
    """The Python that runs hvaudit: the first line of its script, or the one given."""
    if len(hv) > 1:
        return hv[0]
    with open(hv[0], "rb") as f:
        first = f.readline().decode("utf-8", "replace")
    return first[2:].strip().split()[0] if first.startswith("#!") else sys.executable


def compile_package(python: str) -> None:
    """Write the bytecode an installed copy has (a checkout run with PYTHONDONTWRITEBYTECODE
    would otherwise compile every module on every run)."""
    where = subprocess.run([python, "-c", "import hvaudit, os; print(os.path.dirname(hvaudit.__file__))"],
                           capture_output=True, text=True, check=True).stdout.strip()
    subprocess.run([python, "-m", "compileall", "-q", where], check=True, stdout=subprocess.DEVNULL)


def make_captures(hv: Sequence[str], folder: Path, sizes: Sequence[int]) -> Dict[int, Path]:
    """`hvaudit collect` of this machine, copied once per size with that many PCI devices."""
    base = folder / "base"
    subprocess.run(list(hv) + ["collect", str(base)], check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return {size: with_pci_devices(base, folder / ("pci-%d" % size), size) for size in sizes}


def with_pci_devices(base: Path, target: Path, size: int) -> Path:
    """A copy of the capture `base` whose /sys/bus/pci/devices holds `size` devices."""
    shutil.copytree(base, target, symlinks=True)
    devices = target / "root" / "sys" / "bus" / "pci" / "devices"
    shutil.rmtree(devices, ignore_errors=True)
    devices.mkdir(parents=True)
    for i in range(size):
        device = devices / ("0000:%02x:%02x.%x" % (i // 256, (i // 8) % 32, i % 8))
        device.mkdir()
        (device / "vendor").write_text((PCI_VENDORS[0] if i < 4 else PCI_VENDORS[1]) + "\n")
        (device / "device").write_text("0x%04x\n" % (0x1000 + i % 64))
        (device / "class").write_text("0x020000\n")
    doc = json.loads((target / "capture.json").read_text())
    doc["unread"] = [p for p in doc.get("unread", []) if not p.startswith("/sys/bus/pci/devices/")]
    (target / "capture.json").write_text(json.dumps(doc))
    return target


def time_once(argv: Sequence[str]) -> Tuple[float, float]:
    """Wall seconds, and CPU seconds (user + system, the process and the children it waited
    for), of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(commands: Dict[str, List[str]], runs: int, warmup: int) -> Dict[str, List[Tuple[float, float]]]:
    samples: Dict[str, List[Tuple[float, float]]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, argv in commands.items():
            elapsed = time_once(argv)
            if i >= warmup:
                samples[name].append(elapsed)
    return samples


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=21, help="timed runs per command (default 21)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed runs first (default 3)")
    parser.add_argument("--hvaudit", help="the hvaudit executable (default: this checkout, installed with pip "
                                              "into a throwaway venv)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="hvaudit-bench-") as tmp:
        return run(args, Path(tmp))


def run(args: argparse.Namespace, tmp: Path) -> int:
    hv = [args.hvaudit] if args.hvaudit else install_checkout(tmp)
    python = interpreter_of(hv)
    compile_package(python)
    commands: Dict[str, List[str]] = {"python -S -c pass": [python, "-S", "-c", "pass"]}
    for name in ("systemd-detect-virt", "virt-what"):
        path = shutil.which(name) or (("/usr/sbin/" + name) if os.access("/usr/sbin/" + name, os.X_OK) else None)
        if path:
            commands[name] = [path]
    commands["hvaudit detect"] = hv + ["detect"]
    commands["hvaudit audit --format json"] = hv + ["audit", "--format", "json"]
    commands["hvaudit audit --format html"] = hv + ["audit", "--format", "html"]
    captures = make_captures(hv, tmp, (10, 5000))
    commands["audit --capture (10 PCI)"] = hv + ["audit", "--capture", str(captures[10]), "--format", "json"]
    commands["audit --capture (5,000 PCI)"] = hv + ["audit", "--capture", str(captures[5000]), "--format", "json"]
    samples = measure(commands, args.runs, args.warmup)
    walls = {name: statistics.median(w for w, _ in values) for name, values in samples.items()}
    cpus = {name: statistics.median(c for _, c in values) for name, values in samples.items()}
    print("%-36s %14s %10s %14s" % ("command", "wall median ms", "p90 ms", "CPU median ms"))
    for name, median in walls.items():
        values = sorted(w for w, _ in samples[name])
        print("%-36s %14.1f %10.1f %14.1f" % (name, median * 1000, values[int(0.9 * (len(values) - 1))] * 1000,
                                              cpus[name] * 1000))
    print()
    print("%-40s %7s %7s %7s" % ("ratio of medians", "wall", "CPU", "target"))
    for label, top, bottom, limit in TARGETS:
        if top in walls and bottom in walls:
            ratio = walls[top] / walls[bottom]
            print("%-40s %6.2fx %6.2fx %6.1fx  %s" % (label, ratio, cpus[top] / max(cpus[bottom], 1e-9), limit,
                                                      "ok" if ratio <= limit else "OVER"))
        else:
            print("%-40s %7s %7s %6.1fx  (%s not installed)" % (label, "-", "-", limit, bottom))
    print("(%d runs each after %d warm-up, interleaved; %s; %d CPUs, load %.2f)"
          % (args.runs, args.warmup, " ".join(hv), os.cpu_count() or 0, os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
