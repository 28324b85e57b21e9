"""A compact terminal summary: the verdict, the layers from the hardware up, the
capability checks and the findings, each with a one-line explanation and the note
sections it cites; coloured only when asked (cli.py: a TTY without NO_COLOR).

Every machine-provided string comes through the view (`view.shown`), so no escape
sequence from a DMI field or a capture reaches the terminal."""

from __future__ import annotations

from typing import List, Sequence

from ..model import Report
from . import view as v

STATUS_COLORS = {"pass": "32", "warn": "33", "fail": "31", "unknown": "90", "info": "36"}
SEVERITY_COLORS = {"info": "36", "warning": "33", "error": "31"}
#: The short name of each tier, as a label key.
ROLES = {"hardware": "hardware", "hypervisor": "hypervisor", "host-system": "host-system",
         "guest-system": "guest-system", "control-domain": "control-domain", "sandbox": "fact.sandbox",
         "container": "container", "chroot": "chroot", "other": "tier.other"}
EXPLANATION_WIDTH = 160


def _paint(text: str, code: str, color: bool) -> str:
    return "\x1b[%sm%s\x1b[0m" % (code, text) if color else text


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - len(text))


def verdict(report: Report, lang: str = "en") -> str:
    return v.verdict(report, lang)


def _cites(item: v.ItemView, t) -> str:
    parts = []
    for s in item.sections:
        parts.append(s.title + (" (%s)" % t("corrected") if s.corrections else ""))
    return ("%s: %s" % (t("note-sections"), "; ".join(parts))) if parts else ""


def _explained(item: v.ItemView, t, indent: str) -> List[str]:
    lines = [indent + v.first_sentence(item.explanation, EXPLANATION_WIDTH)]
    cites = _cites(item, t)
    if cites:
        lines.append(indent + cites)
    return lines


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    view = v.build(report, lang)
    t = view.t
    lines: List[str] = [_paint(view.verdict, "1", color), ""]

    lines.append("%s:" % t("layers-from-hardware"))
    tiers: Sequence[v.Tier] = view.tiers
    roles = [t(ROLES.get(tier.role, "tier.other")) for tier in tiers]
    width = max(len(r) for r in roles)
    for i, (tier, role) in enumerate(zip(tiers, roles)):
        lines.append("  %d. %s  %s%s%s%s" % (
            i, _pad(role, width), tier.name, ("  [%s]" % tier.confidence_label) if tier.confidence else "",
            ("  " + tier.codes) if tier.codes else "", ("  ← " + t("this-system")) if tier.here else ""))
    lines.append("")
    lines.append("systemd-detect-virt: vm=%s container=%s" % (view.vm, view.container))

    if view.checks:
        lines.append("")
        lines.append("%s:" % t("capabilities"))
        status_width = max(len(c.level_label) for c in view.checks)
        id_width = max(len(c.id) for c in view.checks)
        indent = " " * (2 + status_width + 1 + id_width + 1)
        for check in view.checks:
            lines.append("  %s %s %s" % (_paint(_pad(check.level_label.upper(), status_width),
                                                STATUS_COLORS.get(check.level, "0"), color),
                                         _pad(check.id, id_width), check.title))
            if check.remedy and check.level in ("fail", "warn"):
                lines.append("%s%s: %s" % (indent, t("remedy"), check.remedy))
            lines.extend(_explained(check, t, indent))

    lines.append("")
    lines.append("%s:" % t("findings"))
    if not view.findings:
        lines.append("  " + t("no-findings"))
    severity_width = max((len(f.level_label) for f in view.findings), default=0)
    indent = " " * (2 + severity_width + 1)
    for finding in view.findings:
        lines.append("  %s %s: %s" % (_paint(_pad(finding.level_label, severity_width),
                                             SEVERITY_COLORS.get(finding.level, "0"), color),
                                      finding.id, finding.title))
        for e in finding.contradicted_by[:3]:
            lines.append("%s%s: %s = %s (%s)" % (indent, t("outweighed"), e.where, e.raw, e.strength_label))
        lines.extend(_explained(finding, t, indent))

    if view.unseen:
        lines.append("")
        shown = ", ".join("%s (%s)" % (e.where, e.error) for e in view.unseen[:8])
        lines.append("%s (%d): %s%s" % (t("not-seen"), len(view.unseen), shown,
                                        ", ..." if len(view.unseen) > 8 else ""))
    if report.meta.redacted:
        from .. import messages
        from ..redact import NOTICE

        lines.append("")
        lines.append(messages.text(NOTICE, lang))
    lines.append("")
    source = t("live-audit") if report.meta.source == "live" else t("from-capture")
    if report.meta.capture_path:
        source += " " + v.shown(report.meta.capture_path)
    lines.append("hvaudit %s · %s" % (view.version, source))
    lines.append(t("text.more"))
    return "\n".join(lines) + "\n"
