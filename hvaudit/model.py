"""The records every layer of hvaudit passes along: reads, evidence, layers, findings, checks.

All are immutable records (hvaudit.records: NamedTuple's syntax, light tuple classes at
run time, because start-up time matters to a command that scripts call in loops). "Not
seen" is a value (an errno name), never an exception, so that what could not be read
travels into the report beside what was read.
"""

from __future__ import annotations

from .records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, ClassVar, Dict, List, Mapping, Optional, Tuple


class Strength(int):
    """How far one observation can be trusted to say what it claims (an ordered int, as an
    IntEnum would be, without importing enum on the start-up path).

    HINT: circumstantial: a name, a default, a guess that fits.
    WEAK: a claim anyone can plant: marker files, vendor strings without a cross-check.
    STRONG: the kernel or firmware says it, but another explanation exists.
    DEFINITIVE: the CPU, hypervisor or kernel states exactly this.
    """

    __slots__ = ()
    LABELS = ("", "hint", "weak", "strong", "definitive")
    HINT: ClassVar[Strength]
    WEAK: ClassVar[Strength]
    STRONG: ClassVar[Strength]
    DEFINITIVE: ClassVar[Strength]

    def __new__(cls, value: int) -> Strength:
        if not 1 <= value <= 4:
            raise ValueError("a strength is 1 to 4, not %r" % value)
        return super().__new__(cls, value)

    @property
    def label(self) -> str:
        return self.LABELS[self]

    @property
    def name(self) -> str:
        return self.label.upper()

    def __repr__(self) -> str:
        return "Strength." + self.name


Strength.HINT, Strength.WEAK, Strength.STRONG, Strength.DEFINITIVE = (Strength(i) for i in range(1, 5))


class Read(Record):
    """What asking a source about one path gave: its bytes, or the errno name of the failure."""

    where: str
    data: Optional[bytes] = None
    error: Optional[str] = None  # "ENOENT", "EACCES", "EFBIG", "ETIMEDOUT", "ENOTCAPTURED" ...

    @property
    def seen(self) -> bool:
        return self.error is None

    @property
    def text(self) -> Optional[str]:
        if self.data is None:
            return None
        return self.data.decode("utf-8", "replace")


class Listing(Record):
    """The names in a folder (hidden bookkeeping entries removed), or why they are unknown."""

    where: str
    names: Optional[Tuple[str, ...]] = None
    error: Optional[str] = None

    @property
    def seen(self) -> bool:
        return self.error is None


class Claim(Record):
    """What one observation says about one facet of the machine.

    facet: "vm" (the hypervisor), "vmm" (the VM monitor product above it), "cloud",
    "xen_mode", "container" (the runtime), "orchestrator", "sandbox", "wsl", "chroot".
    value: a technology id; "*" means "there is one, which is unknown"; "none" means "there is none".
    """

    facet: str
    value: str

    @property
    def positive(self) -> bool:
        return self.value != "none"


class Evidence(Record):
    """One observation: where it was made, the raw value, what it points to and how strongly."""

    probe: str
    where: str  # a path, "cpuid:0x40000000", "cmd:dmidecode", "uname"
    raw: str  # the value as read (shortened), or what was missing
    claim: Optional[Claim] = None
    strength: Strength = Strength.HINT
    note: str = ""  # why this observation means what it claims
    error: Optional[str] = None  # set when the observation could not be made (errno name)
    note_fields: Tuple[Tuple[str, str], ...] = ()  # the note message's named fields

    @property
    def seen(self) -> bool:
        return self.error is None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "probe": self.probe,
            "where": self.where,
            "raw": self.raw,
            "claim": {"facet": self.claim.facet, "value": self.claim.value} if self.claim else None,
            "strength": self.strength.label,
            "note": note_text(self.note, self.note_fields),
            "note_id": self.note if note_text(self.note) != self.note else None,
            "error": self.error,
            **({"note_fields": dict(self.note_fields)} if self.note_fields else {}),
        }


def note_text(note: str, fields: Tuple[Tuple[str, str], ...] = (), lang: str = "en") -> str:
    """An evidence note in `lang`: notes are message ids with their fields, or (from a source)
    plain text."""
    if not note:
        return note
    from .messages import known, render

    return render(note, lang, **dict(fields)) if known(note) else note


def unseen(probe: str, where: str, error: str, note: str = "") -> Evidence:
    """Evidence that an observation could not be made, and why: `error` is an errno name (an
    older capture may add ": text", which is dropped), or a Reason (hvaudit.errors) whose
    message and fields are the note where `note` gives none."""
    fields: Tuple[Tuple[str, str], ...] = ()
    if not note:
        note, fields = getattr(error, "message", ""), getattr(error, "fields", ())
    return Evidence(probe, where, raw="", error=str(error).split(":")[0], note=note, note_fields=fields)


class Layer(Record):
    """One level of the stack, from the hardware up: hardware, vm, container or chroot."""

    kind: str
    tech: str  # precise technology id: "kvm", "firecracker", "docker", "x86_64"
    name: str  # for people: "KVM", "Docker"
    confidence: Strength
    details: Mapping[str, Any] = {}
    evidence: Tuple[Evidence, ...] = ()

    def to_dict(self) -> Dict[str, Any]:
        return {
            "kind": self.kind,
            "tech": self.tech,
            "name": self.name,
            "confidence": self.confidence.label,
            "details": dict(self.details),
            "evidence": [e.to_dict() for e in self.evidence],
        }


SEVERITIES = ("info", "warning", "error")


class Finding(Record):
    """A conclusion with a stable public id, its evidence and what contradicts it."""

    id: str
    severity: str  # one of SEVERITIES
    title_id: str  # the title's message id (hvaudit.messages)
    evidence: Tuple[Evidence, ...] = ()
    contradicted_by: Tuple[Evidence, ...] = ()
    fields: Mapping[str, str] = {}  # fills the title's and the explanation's fields

    @property
    def title(self) -> str:
        """The title in English."""
        from .messages import render

        return render(self.title_id, "en", **self.fields)

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "severity": self.severity,
            "title": self.title,
            "title_id": self.title_id,
            "fields": dict(self.fields),
            "evidence": [e.to_dict() for e in self.evidence],
            "contradicted_by": [e.to_dict() for e in self.contradicted_by],
        }


CHECK_STATUSES = ("pass", "warn", "fail", "unknown", "info")


class Check(Record):
    """One capability of the machine: can it host VMs or containers, and how well."""

    id: str
    status: str  # one of CHECK_STATUSES
    cause: str  # why it ended so: the summary's message id (hvaudit.messages)
    evidence: Tuple[Evidence, ...] = ()
    remedy_id: Optional[str] = None  # the remedy's message id
    details: Mapping[str, Any] = {}
    fields: Mapping[str, Any] = {}  # the named fields of the summary and the remedy

    @property
    def summary(self) -> str:
        """The summary in English."""
        from .messages import render

        return render(self.cause, "en", **self.fields)

    @property
    def remedy(self) -> Optional[str]:
        """The remedy in English, None when there is none."""
        from .messages import render

        return render(self.remedy_id, "en", **self.fields) if self.remedy_id else None

    def to_dict(self) -> Dict[str, Any]:
        return {
            "id": self.id,
            "status": self.status,
            "summary": self.summary,
            "cause": self.cause,
            "remedy": self.remedy,
            "remedy_id": self.remedy_id,
            "fields": {k: v if isinstance(v, (int, float, bool, type(None), list, dict)) else str(v)
                       for k, v in self.fields.items()},
            "details": dict(self.details),
            "evidence": [e.to_dict() for e in self.evidence],
        }


class Meta(Record):
    """Where and when the audited observations were made."""

    hvaudit_version: str
    source: str  # "live" or "capture"
    capture_path: Optional[str] = None
    captured_at: Optional[str] = None
    audited_at: Optional[str] = None
    uname: Mapping[str, str] = {}
    user: Mapping[str, Any] = {}  # uid/euid of the observer
    redacted: bool = False
    host: Optional[str] = None  # the machine's host name ("<hostname>" under --redact), None if unknown

    def to_dict(self) -> Dict[str, Any]:
        return {
            "hvaudit_version": self.hvaudit_version,
            "source": self.source,
            "capture_path": self.capture_path,
            "captured_at": self.captured_at,
            "audited_at": self.audited_at,
            "uname": dict(self.uname),
            "user": dict(self.user),
            "redacted": self.redacted,
        }


class Report(Record):
    """Everything one audit concluded. `to_dict()` is the JSON report (see hvaudit/schema)."""

    meta: Meta
    vm: str  # systemd-detect-virt identifier of the innermost VM, "none" if none
    container: str  # systemd-detect-virt identifier of the container, "none" if none
    classification: str
    layers: Tuple[Layer, ...]
    findings: Tuple[Finding, ...]
    checks: Tuple[Check, ...] = ()
    evidence: Tuple[Evidence, ...] = ()
    chroot: Optional[bool] = None  # None: could not tell
    cvm: str = "none"
    private_users: Optional[bool] = None  # in a user namespace (ids mapped); None: could not tell

    @property
    def unseen(self) -> List[Evidence]:
        return [e for e in self.evidence if not e.seen]

    def counts(self) -> Dict[str, Dict[str, int]]:
        """Checks counted by status and findings by severity, every value present (0 if none)."""
        return {"checks": {s: sum(1 for c in self.checks if c.status == s) for s in CHECK_STATUSES},
                "findings": {s: sum(1 for f in self.findings if f.severity == s) for s in SEVERITIES}}

    def to_dict(self) -> Dict[str, Any]:
        from .hosting import can_host

        return {
            "schema": "https://hvaudit.invalid/schema/report-1.json",
            "host": self.meta.host,
            "generated": self.meta.audited_at,
            "counts": self.counts(),
            "can_host": can_host(self.checks).to_dict(),
            "meta": self.meta.to_dict(),
            "vm": self.vm,
            "container": self.container,
            "classification": self.classification,
            "chroot": self.chroot,
            "cvm": self.cvm,
            "private_users": self.private_users,
            "layers": [layer.to_dict() for layer in self.layers],
            "findings": [f.to_dict() for f in self.findings],
            "capabilities": [c.to_dict() for c in self.checks],
            "evidence": [e.to_dict() for e in self.evidence],
            "unseen": [{"where": e.where, "error": e.error, "probe": e.probe, "note": note_text(e.note, e.note_fields)}
                       for e in self.unseen],
        }
