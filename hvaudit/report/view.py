"""What a report for people shows, in one language: a plain view of a Report.

The HTML, Markdown and text reporters only lay this view out. It is built here, once,
from the Report and the notes in `hvaudit.knowledge`:

- the verdict in one sentence;
- the layers as a stack from the hardware up, each tier named after the notes' three
  parts (host system, hypervisor or VMM, guest system), with the container on top;
- every capability check and every finding with its explanation, the note sections it
  cites (a verbatim quote, and the corrections where the notes are wrong or dated) and
  its evidence;
- where and when the observations were made, and what could not be read.

Every string that came from the machine or the capture passes through `shown()`, which
makes control characters visible (an escape sequence in a DMI field is shown as `\\x1b`,
never sent to a terminal). Each reporter then escapes for its own format: the view is
text, never markup.
"""

from __future__ import annotations

from .. import knowledge as kb
from .. import messages
from ..model import CHECK_STATUSES, SEVERITIES, Check, Evidence, Finding, Layer, Report, note_text
from ..plaintext import shown as plain_shown
from ..records import Record
from ..signatures import DESCRIBED, layer_name, name_of, type_reason

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

#: Finding severities and check statuses, most serious first (the order they are listed in).
SEVERITY_ORDER = ("error", "warning", "info")
STATUS_ORDER = ("fail", "warn", "unknown", "pass", "info")
assert set(STATUS_ORDER) == set(CHECK_STATUSES) and set(SEVERITY_ORDER) == set(SEVERITIES)

#: Layer details shown in the stack, in this order, with the label of each.
FACTS = (
    ("firmware_identity", "fact.firmware"),
    ("hypervisor_type", "fact.hypervisor-type"),
    ("hypervisor_type_reason", "fact.why"),
    ("mode", "fact.mode"),
    ("product", "fact.product"),
    ("cloud", "fact.cloud"),
    ("xen_mode", "fact.xen-mode"),
    ("role", "fact.role"),
    ("paravirtual_devices", "fact.paravirtual-devices"),
    ("clocksource", "fact.clocksource"),
    ("lpar_processors", "fact.lpar-processors"),
    ("runtime", "fact.runtime"),
    ("orchestrator", "fact.orchestrator"),
    ("sandbox", "fact.sandbox"),
    ("kind", "fact.kind"),
    ("private_namespaces", "fact.private-namespaces"),
    ("user_ids", "fact.user-ids"),
    ("wsl_version", "fact.wsl-version"),
    ("systemd_id", "fact.systemd-id"),
    ("decided_by", "fact.decided-by"),
    ("decision", "fact.decision"),
)

#: Note sections about one product, cited besides an explanation's own when the finding's
#: evidence names that hypervisor: a Hyper-V guest's report quotes the notes on Hyper-V.
TECH_SECTIONS: Mapping[str, Tuple[str, ...]] = {
    "microsoft": ("hyperv", "hyperv-features"),
    "vmware": ("vmware-hypervisor", "vmotion"),
}
#: A hypervisor layer's role -> the tier of the operating system above it (a guest otherwise).
VM_ROLE_TIERS = {"control-domain": "control-domain", "root-partition": "root-partition"}
#: The findings about the hypervisor itself, which cite TECH_SECTIONS.
TECH_FINDINGS = ("vm.detected", "vm.hypervisor-type", "vm.xen-control-domain", "vm.nested")

#: Layer details that are identifiers (the same in every language), for a compact line.
CODES = ("systemd_id", "hypervisor_type", "mode", "product", "cloud", "xen_mode", "role", "paravirtual_devices",
         "runtime", "orchestrator", "sandbox", "firmware_identity", "decided_by")

#: Values of hvaudit's own vocabulary that have a label in every language.
TOKENS = {
    "type-1": "hypervisor-type-1",
    "type-2": "hypervisor-type-2",
    "unknown": "token.unknown",
    "full": "full-virtualization",
    "paravirtualized": "paravirtualization",
    "hardware-assisted": "hardware-assisted",
    "control-domain": "control-domain",
    "mapped": "user-ids.mapped",
    "none": "token.none",
    **{value: "token." + value.replace(" ", "-").replace("(", "").replace(")", "")
       for value in ("absent", "denied", "no capabilities inside", "no id map", "no node", "not passed", "not tested",
                     "present", "shadow paging (PVM)", "unavailable", "usable", "works", "wrong node",
                     "user-space kernel")},
    **{rule: "decision." + rule for rule in ("sole-claim", "by-strength", "by-interface", "by-kind", "by-count",
                                            "unresolved")},
}
#: Values whose label depends on the detail they are the value of: only the hypervisor's
#: type is "not determinable from inside the guest" when unknown.
KEYED_TOKENS = {("hypervisor_type", "unknown"): "hypervisor-type-unknown"}
#: Report detail: "compact" fits a ticket (each note section quoted once, in the appendix;
#: one sentence of explanation per item); "full" adds the whole explanation and the evidence.
DETAILS = ("compact", "full")
#: Check statuses listed under "what failed", most serious first.
ATTENTION = ("fail", "warn")


#: In a report a line break in a value is drawn, and a tab is a space.
REPORT_BREAKS = {"\n": " ⏎ ", "\t": " "}


def shown(value: object) -> str:
    """A machine-provided value as plain, visible text: control and format characters
    (escape sequences, bidirectional overrides, NUL) become `\\xNN`/`\\uNNNN`; a newline
    becomes " ⏎ "."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = ", ".join(str(v) for v in value)
    return plain_shown(str(value), limit=None, replace=REPORT_BREAKS)


def shown_fields(value: object) -> object:
    """A message's field, every value in it shown (see shown) and its shape kept: a
    `NAME_msgs` field is a list of message ids or of {"id": ..., field: ...} objects, which
    the catalogue renders one by one."""
    if isinstance(value, dict):
        return {k: shown_fields(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [shown_fields(v) for v in value]
    return shown(value)


class CorrectionView(Record):
    kind: str  # error, dated, caveat
    kind_label: str
    claim: str
    accurate: str
    source: str
    accurate_brief: str = ""  # the opening of `accurate`, for a compact report


class SectionView(Record):
    """One cited section of the notes: its quote (in the notes' language) and corrections."""

    key: str
    title: str
    quote: str
    corrections: Tuple[CorrectionView, ...]


class EvidenceView(Record):
    probe: str
    where: str
    raw: str
    strength: str  # definitive, strong, weak, hint
    strength_label: str
    claim: str  # "vm=kvm", or ""
    note: str
    error: str  # errno name, or ""
    error_label: str


class ItemView(Record):
    """A finding or a capability check, explained against the notes."""

    id: str
    name: str  # what the id means, in the report's language
    level: str  # a finding's severity or a check's status
    level_label: str
    title: str  # the finding's title or the check's summary, as hvaudit wrote it
    explanation: str
    sections: Tuple[SectionView, ...]
    evidence: Tuple[EvidenceView, ...]
    contradicted_by: Tuple[EvidenceView, ...] = ()
    remedy: str = ""
    lead: str = ""  # the explanation's first sentence, for a compact report


class Tier(Record):
    """One tier of the stack, from the hardware up."""

    role: str  # hardware, hypervisor, host-system, guest-system, control-domain, sandbox, container, chroot
    role_label: str
    name: str
    tech: str
    confidence: str  # a strength name, or "" for a tier inferred from the others
    confidence_label: str
    facts: Tuple[Tuple[str, str], ...]
    evidence: Tuple[EvidenceView, ...]
    here: bool = False  # the audited system: the top of the stack
    codes: str = ""  # the layer's identifiers, "systemd_id=kvm, mode=hardware-assisted", for the terminal


class Count(Record):
    level: str  # a check status or a finding severity
    label: str
    n: int


class View(Record):
    lang: str
    t: Callable[[str], str]  # label lookup in the report's language
    verdict: str
    vm: str
    container: str
    classification: str
    tiers: Tuple[Tier, ...]  # from the hardware up
    checks: Tuple[ItemView, ...]
    findings: Tuple[ItemView, ...]
    check_counts: Tuple[Count, ...]  # checks by status, those that occur, most serious first
    finding_counts: Tuple[Count, ...]  # findings by severity, likewise
    meta: Tuple[Tuple[str, str], ...]
    machine: str  # the hardware as the firmware names it, and the architecture
    source: str  # "Live audit", or "From a capture"
    when: str  # when the observations were made (or audited, when the capture does not say)
    unseen: Tuple[EvidenceView, ...]
    notes: str  # the notes' file name
    version: str
    host: str  # the host name ("<hostname>" when redacted), or "(unknown)"
    generated: str  # when this audit ran (UTC, ISO 8601)
    captured: str  # when the capture was made ("" for a live audit)
    can_host: Tuple[Tuple[str, str], ...]  # (kind, answer): VMs, containers, device passthrough
    attention: Tuple[ItemView, ...]  # the checks that failed, then those that warn
    cited: Tuple[SectionView, ...]  # every note section cited, once, in the order first cited
    detail: str  # "compact" or "full"
    redaction: str  # the redaction notice, or ""

    @property
    def header(self) -> Tuple[Tuple[str, str], ...]:
        return header(self)

    @property
    def can_host_line(self) -> str:
        return " · ".join("%s: %s" % part for part in self.can_host)



def _label(lang: str) -> Callable[[str], str]:
    def t(key: str) -> str:
        return kb.label(key, lang)

    return t


def _token(value: object, t: Callable[[str], str], inline: bool = False, key: str = "") -> str:
    """A value in the report's language when it is hvaudit's own vocabulary, else as
    shown; `inline` for use inside a sentence (lower-case first letter); `key` names the
    detail it is the value of, where that changes its meaning."""
    if isinstance(value, str) and (key, value) in KEYED_TOKENS:
        text = t(KEYED_TOKENS[(key, value)])
        return text[:1].lower() + text[1:] if inline else text
    if isinstance(value, str) and value in TOKENS:
        text = t(TOKENS[value])
        return text[:1].lower() + text[1:] if inline else text
    return shown(value)


def _evidence(items: Iterable[Evidence], t: Callable[[str], str], lang: str) -> Tuple[EvidenceView, ...]:
    out = []
    for e in items:
        error_label = t("errno." + e.error) if e.error else ""
        out.append(EvidenceView(
            probe=shown(e.probe), where=shown(e.where), raw=shown(e.raw), strength=e.strength.label,
            strength_label=t("strength." + e.strength.label),
            claim=shown("%s=%s" % (e.claim.facet, e.claim.value)) if e.claim else "",
            note=shown(note_text(e.note, e.note_fields, lang)), error=shown(e.error or ""),
            error_label="" if error_label == "errno." + (e.error or "") else error_label))
    return tuple(out)


def _sections(id: str, lang: str, t: Callable[[str], str], techs: Iterable[str] = ()) -> Tuple[SectionView, ...]:
    cited = list(kb.sections_for(id))
    for tech in techs:
        for key in TECH_SECTIONS.get(tech, ()):
            if all(s.key != key for s in cited):
                cited.append(kb.section(key))
    return tuple(
        SectionView(
            key=s.key, title=s.title.get(lang), quote=s.quote,
            corrections=tuple(CorrectionView(c.kind, t("correction." + c.kind), c.claim.get(lang),
                                             c.accurate.get(lang), c.source, brief(c.accurate.get(lang)))
                              for c in s.corrections))
        for s in cited)


def _name(kind: str, id: str, t: Callable[[str], str]) -> str:
    key = "%s.%s" % (kind, id)
    name = t(key)
    return shown(id) if name == key else name


def _fields(given: Mapping[str, Any], evidence: Sequence[Evidence], t: Callable[[str], str],
            lang: str) -> Dict[str, str]:
    """The placeholders of an explanation: the finding's own fields, then what its
    evidence says (the first observation's place; its notes, in `lang`, where the finding
    gives no value), all shown as data."""
    fields = {k: _token(v, t, inline=True, key=k) for k, v in given.items() if v not in (None, "")}
    if "value" not in fields:
        notes = dict.fromkeys(note_text(e.note, e.note_fields, lang) for e in evidence if e.note)
        if notes:
            fields["value"] = shown("; ".join(notes))
    if "where" not in fields:
        where = next((e.where for e in evidence if e.where), None)
        if where:
            fields["where"] = shown(where)
    if "product" not in fields and "tech" in fields:
        fields["product"] = fields["tech"]
    if "tech" not in fields and "product" in fields:
        fields["tech"] = fields["product"]
    return fields


def _finding(f: Finding, lang: str, t: Callable[[str], str], names: Mapping[str, str]) -> ItemView:
    """`names`: each layer's English name -> its name in `lang` (a finding names its layer
    as the classifier did, in English)."""
    fields = _fields({k: names.get(v, v) if isinstance(v, str) else v for k, v in f.fields.items()},
                     tuple(f.evidence) + tuple(f.contradicted_by), t, lang)
    techs: List[str] = []
    if f.id in TECH_FINDINGS:
        for e in f.evidence:
            if e.claim and e.claim.facet in ("vm", "vmm") and e.claim.value not in techs:
                techs.append(e.claim.value)
    explanation = kb.explanation(f.id, lang, **fields)
    return ItemView(
        id=shown(f.id), name=_name("finding", f.id, t), level=f.severity, level_label=t("severity." + f.severity),
        title=shown(messages.render(f.title_id, lang, **fields)), explanation=explanation,
        sections=_sections(f.id, lang, t, techs), evidence=_evidence(f.evidence, t, lang),
        contradicted_by=_evidence(f.contradicted_by, t, lang), lead=first_sentence(explanation))


def _check(c: Check, lang: str, t: Callable[[str], str]) -> ItemView:
    data = {k: shown_fields(v) for k, v in c.fields.items()}
    summary = messages.render(c.cause, lang, **data)
    remedy = messages.render(c.remedy_id, lang, **data) if c.remedy_id else ""
    given: Dict[str, Any] = {k: c.details[k] for k in kb.PLACEHOLDERS if isinstance(c.details.get(k), str)}
    given.setdefault("value", summary)
    fields = _fields(given, c.evidence, t, lang)
    explanation = kb.explanation(c.id, lang, **fields)
    return ItemView(
        id=shown(c.id), name=_name("check", c.id, t), level=c.status, level_label=t("status." + c.status),
        title=summary, explanation=explanation,
        sections=_sections(c.id, lang, t), evidence=_evidence(c.evidence, t, lang), remedy=remedy,
        lead=first_sentence(explanation))


def _facts(layer: Layer, lang: str, t: Callable[[str], str]) -> Tuple[Tuple[str, str], ...]:
    out = []
    for key, label in FACTS:
        value = layer.details.get(key)
        if key == "hypervisor_type" and layer.kind == "vm" and not value:
            value = "unknown"
        if value in (None, "", [], ()):
            continue
        if key == "hypervisor_type_reason":
            value = messages.render(type_reason(layer.tech), lang)
        if key == "systemd_id" and value in ("none", layer.tech):
            continue
        out.append((t(label), _token(value, t, key=key)))
    known = {key for key, _ in FACTS} | {"machine", "hypervisor"}
    for key, value in layer.details.items():
        if key not in known and value not in (None, "", [], ()):
            out.append((shown(key), shown(value)))
    return tuple(out)


def _tier(layer: Layer, role: str, lang: str, t: Callable[[str], str]) -> Tier:
    return Tier(role=role, role_label=t("tier." + role),
                name=shown(layer_name(layer.kind, layer.tech, layer.details, lang)),
                tech=shown(layer.tech),
                confidence=layer.confidence.label, confidence_label=t("strength." + layer.confidence.label),
                facts=_facts(layer, lang, t), evidence=_evidence(layer.evidence, t, lang),
                codes=", ".join("%s=%s" % (k, shown(layer.details[k])) for k in CODES
                                if layer.details.get(k) not in (None, "", [], ())))


def _tiers(report: Report, lang: str, t: Callable[[str], str]) -> Tuple[Tier, ...]:
    """The stack from the hardware up: hardware, each hypervisor, the operating system
    this audit ran on (the host or guest system of the notes), then what runs on its
    kernel (a sandbox, a container, a chroot)."""
    tiers: List[Tier] = []
    vms = [layer for layer in report.layers if layer.kind == "vm"]
    for layer in report.layers:
        if layer.kind == "hardware":
            tiers.append(_tier(layer, "hardware", lang, t))
    for layer in vms:
        tiers.append(_tier(layer, "hypervisor", lang, t))
    uname = report.meta.uname
    kernel = " ".join(shown(uname[k]) for k in ("sysname", "release") if uname.get(k))
    role = "host-system"
    if vms:
        role = VM_ROLE_TIERS.get(str(vms[-1].details.get("role")), "guest-system")
    tiers.append(Tier(role=role, role_label=t("tier." + role), name=kernel or t("os-kernel"), tech="os",
                      confidence="", confidence_label="",
                      facts=((t("fact.kernel-version"), shown(uname["version"])),) if uname.get("version") else (),
                      evidence=()))
    for layer in report.layers:
        if layer.kind in ("sandbox", "container", "chroot"):
            tiers.append(_tier(layer, layer.kind, lang, t))
        elif layer.kind not in ("hardware", "vm"):
            tiers.append(_tier(layer, "other", lang, t))
    tiers[-1] = tiers[-1]._replace(here=True)
    return tuple(tiers)


def verdict(report: Report, lang: str = "en") -> str:
    """The report in one sentence: what this machine is, then its layers from the hardware up."""
    t = _label(lang)
    vms = [layer for layer in report.layers if layer.kind == "vm"]
    if vms and vms[-1].details.get("role") == "control-domain":
        key = "verdict.control-domain"
    else:
        key = "verdict." + report.classification
    text = t(key)
    if text == key:
        text = t("verdict.other").replace("{classification}", shown(report.classification))
    names = [shown(layer_name(layer.kind, layer.tech, layer.details, lang)) for layer in report.layers
             if layer.kind != "hardware"]
    if names:
        text += ": " + " → ".join(names)
    return text + "."


def _machine(report: Report, t: Callable[[str], str]) -> str:
    hardware = next((layer for layer in report.layers if layer.kind == "hardware"), None)
    parts = []
    if hardware and hardware.details.get("firmware_identity"):
        parts.append(shown(hardware.details["firmware_identity"]))
    parts.append(shown(report.meta.uname.get("machine") or (hardware.tech if hardware else "")))
    return ", ".join(p for p in parts if p) or t("placeholder.missing")


def _meta(report: Report, t: Callable[[str], str]) -> Tuple[Tuple[str, str], ...]:
    m = report.meta
    rows: List[Tuple[str, str]] = []
    if m.source == "capture":
        rows.append((t("audited-from"), t("from-capture")))
        if m.capture_path:
            rows.append((t("capture-path"), shown(m.capture_path)))
    else:
        rows.append((t("audited-from"), t("live-audit")))
    rows.append((t("machine"), _machine(report, t)))
    kernel = " ".join(shown(m.uname[k]) for k in ("sysname", "release", "version") if m.uname.get(k))
    if kernel:
        rows.append((t("kernel"), kernel))
    if m.user:
        rows.append((t("observer"), ", ".join("%s=%s" % (shown(k), shown(v)) for k, v in m.user.items())))
    rows.append(("systemd-detect-virt", "vm=%s, container=%s%s" % (
        shown(report.vm), shown(report.container), (", cvm=%s" % shown(report.cvm)) if report.cvm != "none" else "")))
    if report.chroot is not None:
        rows.append(("chroot", t("yes") if report.chroot else t("no")))
    if m.redacted:
        rows.append((t("redacted"), t("yes")))
    return tuple(rows)


def header(view: View) -> Tuple[Tuple[str, str], ...]:
    """The header every format opens with (after the verdict): host, audit time, version,
    what the machine can host, and the counts, each labelled."""
    audited = view.generated or view.t("placeholder.missing")
    if view.captured:
        audited += " (%s %s)" % (view.t("captured-at-inline"), view.captured)
    elif view.captured == "" and view.source == view.t("from-capture"):
        audited += " (%s)" % view.t("capture-undated")
    return ((view.t("host"), view.host), (view.t("audited-at"), audited),
            (view.t("hvaudit-version"), view.version), (view.t("can-host"), view.can_host_line),
            (view.t("checks-by-status"), ", ".join("%s %d" % (c.label, c.n) for c in view.check_counts)
             or view.t("token.none")),
            (view.t("findings-by-severity"), ", ".join("%s %d" % (c.label, c.n) for c in view.finding_counts)
             or view.t("token.none")))


def level_counts(values: Sequence[str], order: Sequence[str], prefix: str,
                 t: Callable[[str], str]) -> Tuple[Count, ...]:
    """How many of `values` have each level, in `order`, levels none has left out; each
    labelled by t(prefix + level)."""
    return tuple(Count(level, t(prefix + level), values.count(level)) for level in order if level in values)


def _can_host(report: Report, t: Callable[[str], str]) -> Tuple[Tuple[str, str], ...]:
    """The "can host" answers in words: each kind, its answer, the route, and the checks
    to read where the answer is not a plain yes."""
    from ..hosting import can_host

    answers = can_host(report.checks)
    status = {c.id: c.status for c in report.checks}

    def words(answer: Any, route: bool = False) -> str:
        text = t("answer." + answer.answer)
        extra = []
        if route and answer.via and answer.answer != "no":
            extra.append(t("via." + answer.via))
        if route and answer.nested and answer.answer != "no":
            extra.append("%s: %s" % (t("can-host.nested"), t("answer." + answer.nested)))
        if answer.answer in ("no", "limited", "unknown"):
            worst = {"no": "fail", "limited": "warn", "unknown": "unknown"}[answer.answer]
            ids = [c for c in answer.checks if status.get(c) == worst]
            if ids:
                extra.append(t("can-host.see").replace("{checks}", ", ".join(ids)))
        return text + (" (%s)" % "; ".join(extra) if extra else "")

    parts: List[Tuple[str, str]] = []
    if answers.vms:
        parts.append((t("can-host.vms"), words(answers.vms, route=True)))
    containers = [(t(key), words(a)) for key, a in (("can-host.rootful", answers.rootful_containers),
                                                    ("can-host.rootless", answers.rootless_containers)) if a]
    if containers:
        parts.append((t("can-host.containers"), ", ".join("%s: %s" % c for c in containers)))
    if answers.passthrough:
        parts.append((t("can-host.passthrough"), words(answers.passthrough)))
    return tuple(parts) or ((t("can-host.vms"), t("can-host.not-assessed")),)


def _cited(items: Iterable[ItemView]) -> Tuple[SectionView, ...]:
    seen: Dict[str, SectionView] = {}
    for item in items:
        for s in item.sections:
            seen.setdefault(s.key, s)
    return tuple(seen.values())


def build(report: Report, lang: str = "en", detail: str = "compact") -> View:
    """The view of `report` in `lang` ("en" or "pt"; anything else reads as English), in
    `detail` ("compact" or "full")."""
    lang = lang if lang in kb.LANGS else kb.LANGS[0]
    detail = detail if detail in DETAILS else DETAILS[0]
    t = _label(lang)
    findings = sorted(report.findings, key=lambda f: SEVERITY_ORDER.index(f.severity)
                      if f.severity in SEVERITY_ORDER else len(SEVERITY_ORDER))
    checks = tuple(_check(c, lang, t) for c in report.checks)
    names = dict({name_of(tech): layer_name("other", tech, {}, lang) for tech in DESCRIBED},
                 **{name_of("*"): messages.render("layer.an-unidentified-hypervisor", lang)},
                 **{layer.name: layer_name(layer.kind, layer.tech, layer.details, lang) for layer in report.layers})
    finding_views = tuple(_finding(f, lang, t, names) for f in findings)
    m = report.meta
    statuses = [c.status for c in report.checks]
    return View(
        lang=lang, t=t, verdict=verdict(report, lang), vm=shown(report.vm), container=shown(report.container),
        classification=shown(report.classification), tiers=_tiers(report, lang, t),
        checks=checks, findings=finding_views,
        check_counts=level_counts(statuses, STATUS_ORDER, "status.", t),
        finding_counts=level_counts([f.severity for f in report.findings], tuple(reversed(SEVERITIES)), "severity.", t),
        meta=_meta(report, t), machine=_machine(report, t),
        source=t("live-audit") if m.source == "live" else t("from-capture"),
        when=shown(m.captured_at or m.audited_at or ""),
        unseen=_evidence(report.unseen, t, lang), notes="virtualizacao.txt",
        version=shown(m.hvaudit_version), host=shown(m.host) if m.host else t("placeholder.missing"),
        generated=shown(m.audited_at or ""), captured=shown(m.captured_at or "") if m.source == "capture" else "",
        can_host=_can_host(report, t),
        attention=tuple(sorted((c for c in checks if c.level in ATTENTION), key=lambda c: ATTENTION.index(c.level))),
        cited=_cited(checks + finding_views), detail=detail,
        redaction=t("redaction-notice") if m.redacted else "")


def brief(text: str, enough: int = 80) -> str:
    """The opening of a text: its first sentence, and the next ones while shorter than
    `enough` characters (a sentence of four words says too little alone)."""
    parts: List[str] = []
    joined = -1  # len(" ".join(parts)), kept as parts grow
    pos = 0
    end = len(text.rstrip())
    while pos < end and max(joined, 0) < enough:
        rest = text[pos:].lstrip()
        pos = len(text) - len(rest)
        sentence = first_sentence(rest)
        parts.append(sentence)
        joined += len(sentence) + 1
        pos += len(sentence)
    return " ".join(parts)


#: Abbreviations whose full stop ends no sentence.
ABBREVIATIONS = ("e.g.", "i.e.", "ex.", "vs.")


def first_sentence(text: str, limit: Optional[int] = None) -> str:
    """The first sentence of an explanation (up to `limit` characters), for a one-line summary:
    up to the first full stop outside brackets that ends the text or precedes a space."""
    depth = 0
    start = 0
    while True:
        stop = text.find(".", start)
        if stop == -1:
            break
        between = text[start:stop]
        if "(" in between or "[" in between or ")" in between or "]" in between:  # seldom: walk it
            for c in between:
                if c in "([":
                    depth += 1
                elif c in ")]":
                    depth = max(0, depth - 1)
        if depth == 0 and (stop + 1 == len(text) or text[stop + 1] == " ") \
                and not text.endswith(ABBREVIATIONS, 0, stop + 1):
            text = text[:stop + 1]
            break
        start = stop + 1
    if limit and len(text) > limit:
        text = text[:limit - 1].rstrip(" ,;:") + "…"
    return text
