"""Capability checks: can this machine host VMs and containers, and how well.

Each check is a small function registered with a stable id; `run_checks` runs them all
against the same Source the probes used (and the probes' evidence), so a capture audits
exactly as the live machine did.
"""

from __future__ import annotations

import importlib
from typing import Callable, List, Optional, Sequence

from ..model import Check, Evidence
from ..sources import Source

#: A check answers a Check, or None where it does not apply (another system's check).
CheckFunction = Callable[[Source, Sequence[Evidence]], Optional[Check]]

#: Modules whose checks run, in report order.
MODULES: Sequence[str] = ("freebsd", "windows", "macos")

CHECKS: List[CheckFunction] = []


def check(function: CheckFunction) -> CheckFunction:
    CHECKS.append(function)
    return function


def run_checks(source: Source, evidence: Sequence[Evidence]) -> List[Check]:
    for name in MODULES:
        importlib.import_module("%s.%s" % (__name__, name))
    results: List[Check] = []
    for function in CHECKS:
        try:
            result = function(source, evidence)
            if result is not None:  # None: not applicable here
                results.append(result)
        except Exception as exc:  # a defect in one check must not end the audit
            results.append(Check(function.__name__.replace("_", "-"), "unknown",
                                 "the check failed (%s: %s)" % (type(exc).__name__, str(exc)[:200])))
    return results
