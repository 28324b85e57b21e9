"""Probes: small declared units that ask a Source questions and yield Evidence.

Each probe has a stable id (`area.thing`) and a docstring saying what it reads and why.
A probe never raises: a defect in one (or input it did not foresee) becomes evidence
that it failed, and the other probes still run.
"""

from __future__ import annotations

from ..model import Claim, Evidence, Strength
from ..plaintext import shown
from ..records import Record
from ..signatures import dmi_claims
from ..sources import Source
from ..views import SYSTEMS, Views, modules_for

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Callable, Collection, Iterable, Iterator, List, Mapping, Optional, Sequence

    ProbeFunction = Callable[[Source, Views], Iterable[Evidence]]


#: The modules that define probes, in the order evidence is listed. Each probe says which
#: systems it reads where it is defined (`@probe(id, systems=...)`).
MODULES = ("cpu", "firmware", "hypervisor", "cvm", "container", "freebsd", "windows", "macos")


class Probe(Record):
    id: str
    doc: str
    function: ProbeFunction
    systems: Sequence[str] = SYSTEMS

    @property
    def module(self) -> str:
        return getattr(self.function, "__module__", "").rsplit(".", 1)[-1]


REGISTRY: List[Probe] = []


def probe(probe_id: str, systems: Sequence[str] = SYSTEMS) -> Callable[[ProbeFunction], ProbeFunction]:
    """Register a probe under a unique id for the systems it reads (`uname -s` names); its
    docstring is its documentation."""

    def register(function: ProbeFunction) -> ProbeFunction:
        if any(p.id == probe_id for p in REGISTRY):
            raise ValueError("duplicate probe id %s" % probe_id)
        REGISTRY.append(Probe(probe_id, (function.__doc__ or "").strip(), function, tuple(systems)))
        return function

    return register


def load_all(system: Optional[str] = "Linux") -> List[Probe]:
    """The probes of one system (every probe for None), in module order."""
    for name in modules_for(MODULES, system):
        # __import__, not importlib.import_module: importlib imports warnings, a cost on every start.
        __import__("%s.%s" % (__name__, name))
    return [p for name in MODULES for p in REGISTRY if p.module == name and (system is None or system in p.systems)]


#: Probes that tell what this system hosts, not what it is: they scan every process's name
#: (/proc/*/comm), which identifying the layers (`hvaudit detect`) does not need.
HOST_ROLE_PROBES = frozenset({"host.vm-processes"})


def run_probes(views: Views, skip: Collection[str] = ()) -> List[Evidence]:
    """The evidence of every probe of the audited system (but those in `skip`)."""
    evidence: List[Evidence] = []
    for p in load_all(views.system):
        if p.id in skip:
            continue
        try:
            evidence.extend(p.function(views.src, views))
        except Exception as exc:  # a probe defect must not end the audit: it becomes evidence
            evidence.append(Evidence(p.id, "probe:" + p.id, raw=shorten("%s: %s" % (type(exc).__name__, exc)),
                                     error="EPROBE", note="note.probe-failed"))
    return evidence


def ev(probe_id: str, where: str, raw: str, facet: Optional[str] = None, value: Optional[str] = None,
       strength: Strength = Strength.HINT, note: str = "", **fields: str) -> Evidence:
    """Evidence with an optional claim, raw values shortened for reports; `fields` fill the
    note message's named fields."""
    claim = Claim(facet, value) if facet is not None and value is not None else None
    return Evidence(probe_id, where, raw=shorten(raw), claim=claim, strength=strength, note=note,
                    note_fields=tuple(sorted(fields.items())))


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
    """Why a path could not be read (a message id), without telling root that it needs root:
    `needs` names the privilege ("root", "root or PID 1's owner") for a process that lacks
    it; a process that is root was refused by something else."""
    if error in ("ENOENT", "ENOTMOUNTED"):
        return "note.denied.no-proc"
    if error not in ("EACCES", "EPERM"):
        return ""
    if src.identity().get("euid") == 0:
        return "note.denied.root"
    return "note.denied.needs-root-or-owner" if "owner" in needs else "note.denied.needs-root"


def firmware_identity(pid: str, origin: str, fields: Mapping[str, str]) -> Iterator[Evidence]:
    """The firmware's identity, and the vendor table's claims, from fields named as Linux's
    /sys/class/dmi/id names them (other systems' SMBIOS answers are mapped to these names):
    shared by every system's firmware probe."""
    if not fields:
        return
    summary = ", ".join("%s=%s" % (k, fields[k]) for k in ("sys_vendor", "product_name", "bios_vendor")
                        if k in fields)
    yield ev(pid, origin, summary, note="note.probe.firmware.the-machine-s-identity")
    for (facet, value), (field_name, raw, hint) in dmi_claims(fields).items():
        # Hint-only strings (SeaBIOS's "Bochs", "Amazon EC2" on metal) hint at a VM; the
        # cloud or product they name is still plain.
        strength = (Strength.HINT if hint else Strength.WEAK) if facet == "vm" else Strength.STRONG
        yield ev(pid, "%s %s" % (origin, field_name), raw, facet, value, strength,
                 "note.probe.firmware.a-string-that-bare" if hint and facet == "vm" else
                 "note.probe.firmware.a-vendor-string-it")
