"""Probes: small declared units that ask a Source questions and yield Evidence.

Each probe has a stable id (`area.thing`) and a docstring saying what it reads and why.
A probe never raises: a defect in one (or input it did not foresee) becomes evidence
that it failed, and the other probes still run.
"""

from __future__ import annotations

import importlib

from ..model import Claim, Evidence, Strength
from ..plaintext import shown
from ..records import Record
from ..sources import Source, sysname

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Iterable, Iterator, List, Optional

    ProbeFunction = Callable[[Source], Iterable[Evidence]]


#: Probe modules by the system they read (`uname -s`, as sources.sysname gives it), in the
#: order evidence is listed. Linux's probes read /proc, /sys and dmidecode, which another
#: system's capture lacks; CPUID is the same instruction everywhere (cpu.kernel-view, which
#: reads /proc/cpuinfo, is Linux's only).
MODULES = {
    "Linux": ("cpu", "firmware", "hypervisor", "container"),
    "FreeBSD": ("cpu", "freebsd"),
    "Windows": ("cpu", "windows"),
    "Darwin": ("cpu", "macos"),
}
LINUX_ONLY_PROBES = frozenset({"cpu.kernel-view"})


class Probe(Record):
    id: str
    doc: str
    function: ProbeFunction

    @property
    def module(self) -> str:
        return getattr(self.function, "__module__", "").rsplit(".", 1)[-1]


REGISTRY: List[Probe] = []


def probe(probe_id: str) -> Callable[[ProbeFunction], ProbeFunction]:
    """Register a probe under a unique id; its docstring is its documentation."""

    def register(function: ProbeFunction) -> ProbeFunction:
        if any(p.id == probe_id for p in REGISTRY):
            raise ValueError("duplicate probe id %s" % probe_id)
        REGISTRY.append(Probe(probe_id, (function.__doc__ or "").strip(), function))
        return function

    return register


def load_all(system: str = "Linux") -> List[Probe]:
    """The probes of one system, in module order."""
    modules = MODULES.get(system, ("cpu",))
    for name in modules:
        importlib.import_module("%s.%s" % (__name__, name))
    return [p for name in modules for p in REGISTRY if p.module == name
            and (system == "Linux" or p.id not in LINUX_ONLY_PROBES)]


#: Probes that tell what this system hosts, not what it is: they scan every process's name
#: (/proc/*/comm), which identifying the layers (`hvaudit detect`) does not need.
HOST_ROLE_PROBES = frozenset({"host.vm-processes"})


def run_probes(source: Source, host_role: bool = True) -> List[Evidence]:
    evidence: List[Evidence] = []
    for p in load_all(sysname(source)):
        if not host_role and p.id in HOST_ROLE_PROBES:
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


#: Evidence keeps a tab as it is (columns in /proc files); every other control is escaped.
KEEP_TABS = {"\t": "\t"}


def shorten(text: str, limit: int = 300) -> str:
    """A raw value for a report: one printable line of at most `limit` characters."""
    return shown(text.strip(), limit, replace=KEEP_TABS)


def missing(probe_id: str, where: str, error: Optional[str], note: str = "") -> Iterator[Evidence]:
    """Evidence that a path could not be read, except where it plainly does not exist:
    absence is an answer, denial and damage are not."""
    if error and error not in ("ENOENT", "ENOTDIR"):
        yield Evidence(probe_id, where, raw="", error=error, note=note)


def denied_note(src: Source, error: Optional[str], needs: str) -> str:
    """Why a path could not be read, without telling root that it needs root: `needs` names
    the privilege ("root", "root or PID 1's owner") for a process that lacks it; a process
    that is root was refused by something else."""
    if error in ("ENOENT", "ENOTMOUNTED"):
        return "/proc is not mounted here (a chroot or an early-boot system)"
    if error not in ("EACCES", "EPERM"):
        return ""
    if src.identity().get("euid") == 0:
        return "denied even to root here: a user namespace, an LSM profile or a seccomp filter"
    return "readable by %s only" % needs
