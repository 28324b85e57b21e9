#!/usr/bin/env python3
"""How each parser's time grows with its input: the benchmark beside tests/test_linear_time.py.

    python3 benchmarks/parsers.py [--runs 5] [NAME ...]

For every parser, filter and escaper the test guards (the same table, input shapes and
sizes), the processor time of the best of `--runs` runs on inputs of 10,000 and of 80,000
characters, over every shape, and the worst growth: a linear parser grows about 8 times,
a quadratic one 64. The test fails a parser past 24; this prints where each one stands.
Needs the test dependencies (`pip install '.[test]'`).
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import List, Optional, Sequence, Tuple

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from tests.test_linear_time import ATOMS, BOUND, LARGE, PARSERS, PREFIXES, SMALL, _best, _shaped  # noqa: E402


def growth(name: str, runs: int) -> Tuple[float, float, float, str]:
    """(worst ratio, its small time, its large time, its shape) of one parser."""
    parse = PARSERS[name]
    worst = (0.0, 0.0, 0.0, "")
    for prefix in PREFIXES:
        for atom in ATOMS:
            small = _best(parse, _shaped(prefix, atom, SMALL), runs)
            large = _best(parse, _shaped(prefix, atom, LARGE), runs)
            ratio = large / small if small > 0 else 0.0
            if small >= 1e-4 and ratio > worst[0]:  # below 0.1 ms the clock, not the parser, speaks
                worst = (ratio, small, large, "%r * %r" % (prefix, atom))
    return worst


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per input, the best counted (default 5)")
    parser.add_argument("names", nargs="*", help="parsers to measure (default: all)")
    args = parser.parse_args(argv)
    names: List[str] = args.names or sorted(PARSERS)
    print("%-32s %8s %12s %12s  %s" % ("parser", "growth", "10k chars ms", "80k chars ms", "worst shape"))
    for name in names:
        ratio, small, large, shape = growth(name, args.runs)
        flag = "" if ratio <= BOUND else "  OVER %d" % BOUND
        print("%-32s %7.1fx %12.2f %12.2f  %s%s" % (name, ratio, small * 1e3, large * 1e3, shape[:40], flag))
    print("(input sizes %d and %d; linear is about %dx, quadratic %dx)" % (SMALL, LARGE, LARGE // SMALL,
                                                                           (LARGE // SMALL) ** 2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
