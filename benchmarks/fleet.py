#!/usr/bin/env python3
"""Time `hvaudit fleet` on a large fleet, as a whole process, and report its peak memory.

    python3 benchmarks/fleet.py [--reports 10000] [--format csv] [--keep DIR] [--hvaudit PATH]

The fleet is made from the JSON reports of every capture under fixtures/captures/ (audited
once, in this process), copied under new host names until there are --reports of them
(about 24 KB each). The target (README, "Fleets"): 10,000 reports in at most 30 s of wall
time and 1 GiB of peak memory on a 2-core machine; the exit status is 1 when it is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
LIMIT_SECONDS = 30.0
LIMIT_BYTES = 1024 ** 3


def fixture_reports() -> List[dict]:
    from hvaudit.audit import run_audit
    from hvaudit.sources import open_source

    reports = []
    for capture in sorted((ROOT / "fixtures" / "captures").iterdir()):
        if (capture / "capture.json").is_file():
            reports.append(run_audit(open_source(capture)).to_dict())
    return reports


def make_fleet(folder: Path, count: int) -> None:
    samples = fixture_reports()
    for i in range(count):
        report = dict(samples[i % len(samples)])
        report["host"] = "host-%05d.example" % i
        # Spread the reports over folders, as an inventory fetched per group would be.
        target = folder / ("group-%02d" % (i % 20)) / ("host-%05d.json" % i)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(report, indent=2), encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=10000)
    parser.add_argument("--format", default="csv", choices=("csv", "json", "markdown", "html"))
    parser.add_argument("--keep", type=Path, help="make the fleet in DIR (reused when it holds one)")
    parser.add_argument("--hvaudit", help="the command to time (default: this checkout with this Python)")
    args = parser.parse_args()
    command = args.hvaudit.split() if args.hvaudit else [sys.executable, "-m", "hvaudit"]
    with tempfile.TemporaryDirectory(prefix="hvaudit-fleet-bench.") as temp:
        folder = args.keep or Path(temp) / "reports"
        if not folder.is_dir() or not any(folder.iterdir()):
            folder.mkdir(parents=True, exist_ok=True)
            started = time.perf_counter()
            make_fleet(folder, args.reports)
            print("made %d reports in %.1f s" % (args.reports, time.perf_counter() - started))
        output = Path(temp) / ("fleet." + {"markdown": "md"}.get(args.format, args.format))
        env = dict(os.environ, PYTHONPATH=str(ROOT))
        started = time.perf_counter()
        proc = subprocess.run(command + ["fleet", str(folder), "--format", args.format, "-o", str(output)],
                              env=env, capture_output=True, text=True, check=False)
        wall = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # kB on Linux
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            return 2
        print("fleet --format %s: %.2f s wall, %.0f MiB peak, %d KiB written" % (
            args.format, wall, peak / 1024 ** 2, output.stat().st_size // 1024))
    ok = wall <= LIMIT_SECONDS and peak <= LIMIT_BYTES
    print("target (%.0f s, %d MiB): %s" % (LIMIT_SECONDS, LIMIT_BYTES // 1024 ** 2, "met" if ok else "MISSED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
