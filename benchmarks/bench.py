#!/usr/bin/env python3
"""Time hvaudit's commands as whole processes, side by side with systemd-detect-virt and
virt-what when they are installed, and print medians and ratios.

    python3 benchmarks/bench.py [--runs 41] [--hvaudit PATH] [--capture DIR]

Runs are interleaved (A B C A B C ...) so that a change in machine load affects every
command alike. The first runs of each command are warm-up and not counted.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from typing import Dict, List, Optional, Sequence, Tuple


def find_hvaudit() -> List[str]:
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    venv = os.path.join(here, ".venv", "bin", "hvaudit")
    if os.access(venv, os.X_OK):
        return [venv]
    found = shutil.which("hvaudit")
    return [found] if found else [sys.executable, "-m", "hvaudit"]


def time_once(argv: Sequence[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    return time.perf_counter() - start


def measure(commands: Dict[str, List[str]], runs: int, warmup: int) -> Dict[str, List[float]]:
    samples: Dict[str, List[float]] = {name: [] for name in commands}
    for i in range(warmup + runs):
        for name, argv in commands.items():
            elapsed = time_once(argv)
            if i >= warmup:
                samples[name].append(elapsed)
    return samples


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=41, help="timed runs per command (default 41)")
    parser.add_argument("--warmup", type=int, default=5, help="untimed runs first (default 5)")
    parser.add_argument("--hvaudit", help="the hvaudit executable (default: .venv/bin/hvaudit, then PATH)")
    parser.add_argument("--capture", help="also time `detect --capture DIR` and `audit --capture DIR`")
    args = parser.parse_args(argv)
    hv = [args.hvaudit] if args.hvaudit else find_hvaudit()
    commands: Dict[str, List[str]] = {}
    for name in ("systemd-detect-virt", "virt-what"):
        path = shutil.which(name) or (("/usr/sbin/" + name) if os.access("/usr/sbin/" + name, os.X_OK) else None)
        if path:
            commands[name] = [path]
    commands["hvaudit detect"] = hv + ["detect"]
    commands["hvaudit audit --format json"] = hv + ["audit", "--format", "json"]
    if args.capture:
        commands["hvaudit detect --capture"] = hv + ["detect", "--capture", args.capture]
        commands["hvaudit audit --capture --format json"] = hv + ["audit", "--capture", args.capture, "--format",
                                                                  "json"]
    samples = measure(commands, args.runs, args.warmup)
    medians: List[Tuple[str, float]] = [(name, statistics.median(values)) for name, values in samples.items()]
    reference = dict(medians).get("virt-what")
    print("%-40s %10s %10s %12s" % ("command", "median ms", "p90 ms", "vs virt-what"))
    for name, median in medians:
        values = sorted(samples[name])
        p90 = values[int(0.9 * (len(values) - 1))]
        ratio = "%.2fx" % (median / reference) if reference else "-"
        print("%-40s %10.1f %10.1f %12s" % (name, median * 1000, p90 * 1000, ratio))
    print("(%d runs each after %d warm-up, interleaved; %s; %d CPUs, load %.2f)"
          % (args.runs, args.warmup, " ".join(hv), os.cpu_count() or 0, os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
