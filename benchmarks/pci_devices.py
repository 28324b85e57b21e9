#!/usr/bin/env python3
"""What each PCI device of a capture costs an audit, in this process, beside the system
calls its file needs at the least.

    python3 benchmarks/pci_devices.py [--devices 5000] [--runs 15] [--capture DIR]

Two copies of a capture (default: fixtures/captures/bare-metal-intel-host) are made, with
10 and with --devices devices under /sys/bus/pci/devices, as benchmarks/bench.py makes them.
Each is audited in turn (the report rendered as JSON), --runs times, and the difference of
the median CPU times, divided by the devices added, is an audit's cost per device. The floor
beside it is a bare loop over the same files: list the folder, then open, check (fstat),
read and close each device's vendor file. What lies between the two is hvaudit's own.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))
SMALL = 10


def audit(capture: Path) -> None:
    from hvaudit.audit import run_audit
    from hvaudit.report import json_report
    from hvaudit.sources import open_source

    json_report.render(run_audit(open_source(capture)))


def bare_reads(capture: Path) -> None:
    """The system calls every device's vendor file needs, and nothing else."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK
    devices = os.open(capture / "root" / "sys" / "bus" / "pci" / "devices", os.O_RDONLY | os.O_DIRECTORY)
    try:
        for name in sorted(os.listdir(devices)):
            fd = os.open(name + "/vendor", flags, dir_fd=devices)
            try:
                os.fstat(fd)
                os.read(fd, 65)
            finally:
                os.close(fd)
    finally:
        os.close(devices)


def cpu_medians(tasks: Dict[str, Callable[[], None]], runs: int) -> Dict[str, float]:
    """Median CPU seconds of each task, the tasks interleaved, after one untimed run each."""
    samples: Dict[str, List[float]] = {name: [] for name in tasks}
    for i in range(runs + 1):
        for name, task in tasks.items():
            start = time.process_time()
            task()
            if i:
                samples[name].append(time.process_time() - start)
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> int:
    from bench import with_pci_devices

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--devices", type=int, default=5000, help="devices in the larger capture (default 5000)")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each (default 15)")
    parser.add_argument("--capture", type=Path, default=ROOT / "fixtures" / "captures" / "bare-metal-intel-host",
                        help="the capture to copy (a Linux one)")
    args = parser.parse_args()
    added = args.devices - SMALL
    with tempfile.TemporaryDirectory(prefix="hvaudit-pci-") as tmp:
        small = with_pci_devices(args.capture, Path(tmp) / "small", SMALL)
        large = with_pci_devices(args.capture, Path(tmp) / "large", args.devices)
        medians = cpu_medians({"audit small": lambda: audit(small), "audit large": lambda: audit(large),
                               "bare small": lambda: bare_reads(small), "bare large": lambda: bare_reads(large)},
                              args.runs)
    per_audit = (medians["audit large"] - medians["audit small"]) / added * 1e6
    per_bare = (medians["bare large"] - medians["bare small"]) / added * 1e6
    print("audit of %d devices %.1f ms, of %d %.1f ms (CPU medians)"
          % (args.devices, medians["audit large"] * 1e3, SMALL, medians["audit small"] * 1e3))
    print("per device: audit %.2f us, bare system calls %.2f us, hvaudit's own %.2f us"
          % (per_audit, per_bare, per_audit - per_bare))
    print("(%d runs each after one untimed, interleaved; %d CPUs, load %.2f)"
          % (args.runs, os.cpu_count() or 0, os.getloadavg()[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
