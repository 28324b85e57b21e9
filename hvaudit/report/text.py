"""The terminal report: the header first (host, time, version, the verdict, what the machine
can host, the counts, and what failed), so that the first screen answers the question;
then the layers from the hardware up, every check and finding with one sentence of
explanation and the note sections it cites. Wrapped at the terminal's width (80 when the
output is not a terminal) between words, never inside one; coloured only when asked
(cli.py: a TTY without NO_COLOR).

Every machine-provided string comes through the view (`view.shown`), so no escape
sequence from a DMI field or a capture reaches the terminal."""

from __future__ import annotations

import textwrap

from ..model import Report
from . import view as v

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import List, Sequence

STATUS_COLORS = {"pass": "32", "warn": "33", "fail": "31", "unknown": "90", "info": "36"}
SEVERITY_COLORS = {"info": "36", "warning": "33", "error": "31"}
#: The short name of each tier, as a label key.
ROLES = {"hardware": "hardware", "hypervisor": "hypervisor", "host-system": "host-system",
         "guest-system": "guest-system", "control-domain": "control-domain", "root-partition": "root-partition",
         "sandbox": "fact.sandbox", "container": "container", "chroot": "chroot", "other": "tier.other"}
#: The width when the output is not a terminal, and the narrowest honoured.
DEFAULT_WIDTH = 80
MIN_WIDTH = 40
#: An indent deeper than this share of the width is not kept for wrapped lines.
MAX_INDENT_SHARE = 0.4


def _paint(text: str, code: str, color: bool) -> str:
    return "\x1b[%sm%s\x1b[0m" % (code, text) if color else text


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - len(text))


class _Writer:
    """Lines wrapped at one width: between words only (a word longer than the line stands
    alone on it), continuation lines indented under the text they continue."""

    def __init__(self, width: int, color: bool) -> None:
        self.width = max(MIN_WIDTH, width)
        self.color = color
        self.lines: List[str] = []

    def blank(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def para(self, text: str, first: str = "", rest: str = "", paint: str = "", head: int = 0) -> None:
        """`text` after the prefix `first`, continued under `rest`; `paint` colours the first
        `head` characters of the first line (a status word)."""
        if len(rest) > self.width * MAX_INDENT_SHARE:
            rest = rest[: int(self.width * MAX_INDENT_SHARE)]
        wrapped = textwrap.wrap(text, self.width, initial_indent=first, subsequent_indent=rest,
                                break_long_words=False, break_on_hyphens=False) or [first.rstrip()]
        if paint and self.color:
            wrapped[0] = _paint(wrapped[0][:head], paint, True) + wrapped[0][head:]
        self.lines.extend(wrapped)

    def text(self) -> str:
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


def verdict(report: Report, lang: str = "en") -> str:
    return v.verdict(report, lang)


def _cites(item: v.ItemView, t, full: bool) -> str:
    parts = [s.title + (" (%s)" % t("corrected") if s.corrections and full else "") for s in item.sections]
    return ("%s: %s" % (t("notes-refs"), "; ".join(parts))) if parts else ""


def _explained(out: _Writer, item: v.ItemView, t, indent: str, full: bool) -> None:
    out.para(item.explanation if full else item.lead, indent, indent)
    cites = _cites(item, t, full)
    if cites:
        out.para(cites, indent, indent + "  ")


def _header(out: _Writer, view: v.View) -> None:
    t = view.t
    rows = dict(view.header)
    out.para(view.verdict, paint="1", head=len(view.verdict) if len(view.verdict) <= out.width else 0)
    out.para("%s: %s · %s: %s · hvaudit %s · %s" % (t("host"), view.host, t("audited-at"), rows[t("audited-at")],
                                                   view.version, view.source), "", "  ")
    lead = "%s: " % t("can-host")
    for i, part in enumerate(view.can_host):
        out.para("%s: %s" % part, lead if i == 0 else " " * len(lead), " " * (len(lead) + 2))
    for label, counts in ((t("checks-by-status"), view.check_counts),
                          (t("findings-by-severity"), view.finding_counts)):
        out.para(", ".join("%s %d" % (c.label, c.n) for c in counts) or t("token.none"), "%s: " % label, "  ")
    out.blank()
    out.para("%s:" % t("attention"))
    if not view.attention:
        out.para(t("attention-none"), "  ", "  ")
    label_width = max((len(c.level_label) for c in view.attention), default=0)
    for check in view.attention:
        status = _pad(check.level_label.upper(), label_width)
        first = "  %s %s  " % (status, check.id)
        out.para(check.title, first, " " * (3 + label_width), STATUS_COLORS.get(check.level, "0"), 2 + len(status))
        if check.remedy:
            out.para("%s: %s" % (t("remedy"), check.remedy), " " * (3 + label_width), " " * (5 + label_width))


#: The options of hvaudit.report.render this format takes.
OPTIONS = ("detail", "width")


def render(report: Report, lang: str = "en", color: bool = False, detail: str = "compact",
           width: int = DEFAULT_WIDTH) -> str:
    view = v.build(report, lang, detail)
    t = view.t
    full = view.detail == "full"
    out = _Writer(width, color)
    _header(out, view)

    out.blank()
    out.para("%s:" % t("layers-from-hardware"))
    tiers: Sequence[v.Tier] = view.tiers
    roles = [t(ROLES.get(tier.role, "tier.other")) for tier in tiers]
    role_width = max(len(r) for r in roles)
    for i, (tier, role) in enumerate(zip(tiers, roles)):
        first = "  %d. %s  " % (i, _pad(role, role_width))
        text = "%s%s%s%s" % (tier.name, ("  [%s]" % tier.confidence_label) if tier.confidence else "",
                             ("  ← " + t("this-system")) if tier.here else "",
                             ("  " + tier.codes) if tier.codes else "")
        out.para(text, first, " " * len(first))
    out.para("systemd-detect-virt: vm=%s container=%s" % (view.vm, view.container))

    if view.checks:
        out.blank()
        out.para("%s:" % t("all-checks"))
        status_width = max(len(c.level_label) for c in view.checks)
        id_width = max(len(c.id) for c in view.checks)
        indent = " " * (2 + status_width + 1 + id_width + 1)
        for check in view.checks:
            status = _pad(check.level_label.upper(), status_width)
            out.para(check.title, "  %s %s " % (status, _pad(check.id, id_width)), indent,
                     STATUS_COLORS.get(check.level, "0"), 2 + len(status))
            _explained(out, check, t, indent, full)

    out.blank()
    out.para("%s:" % t("findings"))
    if not view.findings:
        out.para(t("no-findings"), "  ", "  ")
    severity_width = max((len(f.level_label) for f in view.findings), default=0)
    indent = " " * (2 + severity_width + 1)
    for finding in view.findings:
        severity = _pad(finding.level_label, severity_width)
        out.para("%s: %s" % (finding.id, finding.title), "  %s " % severity, indent,
                 SEVERITY_COLORS.get(finding.level, "0"), 2 + len(severity))
        for e in finding.contradicted_by[:3]:
            out.para("%s: %s = %s (%s)" % (t("outweighed"), e.where, e.raw, e.strength_label), indent, indent + "  ")
        _explained(out, finding, t, indent, full)

    if view.unseen:
        out.blank()
        shown = ", ".join("%s (%s)" % (e.where, e.error) for e in view.unseen[:8])
        out.para("%s (%d): %s%s" % (t("not-seen"), len(view.unseen), shown, ", ..." if len(view.unseen) > 8 else ""),
                 "", "  ")
    if view.redaction:
        out.blank()
        out.para(view.redaction)
    out.blank()
    source = view.source
    if report.meta.capture_path:
        source += " " + v.shown(report.meta.capture_path)
    out.para("hvaudit %s · %s" % (view.version, source))
    for key in ("text.more",) + (() if full else ("detail-more",)):
        # "What: command": the command on a line of its own, never broken.
        what, _, command = t(key).partition(": ")
        out.para(what + ":")
        out.lines.append("  " + command)
    return out.text()
