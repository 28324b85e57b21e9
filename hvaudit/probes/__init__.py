"""Probes: small declared units that ask a Source questions and yield Evidence.

Each probe has a stable id (`area.thing`) and a docstring saying what it reads and why.
A probe never raises: a defect in one (or input it did not foresee) becomes evidence
that it failed, and the other probes still run.
"""

from __future__ import annotations

import importlib
from typing import Callable, Iterable, Iterator, List, NamedTuple, Optional

from ..model import Claim, Evidence, Strength
from ..sources import Source, sysname

ProbeFunction = Callable[[Source], Iterable[Evidence]]

#: Modules whose probes run, in this order (the order only sets the order of evidence).
MODULES = ("cpu", "firmware", "hypervisor", "container", "freebsd", "windows", "macos")

#: Probes that read Linux's own interfaces (/proc, /sys, dmidecode) run on Linux only: on
#: another system they could only report that a capture of it lacks Linux's files. CPUID
#: (cpu.hypervisor-leaves) is the same instruction everywhere and runs on every system;
#: the freebsd, windows and macos modules check the system themselves.
LINUX_ONLY_MODULES = frozenset({"firmware", "hypervisor", "container"})
LINUX_ONLY_PROBES = frozenset({"cpu.kernel-view"})


class Probe(NamedTuple):
    id: str
    doc: str
    function: ProbeFunction

    @property
    def linux_only(self) -> bool:
        module = getattr(self.function, "__module__", "").rsplit(".", 1)[-1]
        return module in LINUX_ONLY_MODULES or self.id in LINUX_ONLY_PROBES


REGISTRY: List[Probe] = []


def probe(probe_id: str) -> Callable[[ProbeFunction], ProbeFunction]:
    """Register a probe under a unique id; its docstring is its documentation."""

    def register(function: ProbeFunction) -> ProbeFunction:
        if any(p.id == probe_id for p in REGISTRY):
            raise ValueError("duplicate probe id %s" % probe_id)
        REGISTRY.append(Probe(probe_id, (function.__doc__ or "").strip(), function))
        return function

    return register


def load_all() -> List[Probe]:
    for name in MODULES:
        importlib.import_module("%s.%s" % (__name__, name))
    return REGISTRY


def run_probes(source: Source) -> List[Evidence]:
    evidence: List[Evidence] = []
    linux = sysname(source) == "Linux"
    for p in load_all():
        if p.linux_only and not linux:
            continue
        try:
            evidence.extend(p.function(source))
        except Exception as exc:  # a probe defect must not end the audit: it becomes evidence
            evidence.append(Evidence(p.id, "probe:" + p.id, raw="", error="EPROBE",
                                     note="the probe failed (%s: %s); its evidence is missing"
                                     % (type(exc).__name__, str(exc)[:200])))
    return evidence


def ev(probe_id: str, where: str, raw: str, facet: Optional[str] = None, value: Optional[str] = None,
       strength: Strength = Strength.HINT, note: str = "") -> Evidence:
    """Evidence with an optional claim, raw values shortened for reports."""
    claim = Claim(facet, value) if facet is not None and value is not None else None
    return Evidence(probe_id, where, raw=shorten(raw), claim=claim, strength=strength, note=note)


def shorten(text: str, limit: int = 300) -> str:
    text = "".join(c if c.isprintable() or c in "\t" else "\\x%02x" % ord(c) if ord(c) < 256 else "?"
                   for c in text.strip())
    return text if len(text) <= limit else text[:limit - 1] + "…"


def missing(probe_id: str, where: str, error: Optional[str], note: str = "") -> Iterator[Evidence]:
    """Evidence that a path could not be read, except where it plainly does not exist:
    absence is an answer, denial and damage are not."""
    if error and error not in ("ENOENT", "ENOTDIR"):
        yield Evidence(probe_id, where, raw="", error=error, note=note)
