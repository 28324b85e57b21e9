"""A compact terminal summary: the verdict, the layers from the hardware up, the
capability checks and the findings; coloured only when asked (a TTY without NO_COLOR)."""

from __future__ import annotations

from typing import List

from ..model import Report

STATUS_COLORS = {"pass": "32", "warn": "33", "fail": "31", "unknown": "90", "info": "36"}
SEVERITY_COLORS = {"info": "36", "warning": "33", "error": "31"}
CLASSIFICATIONS = {
    "bare-metal-host": "a bare-metal host",
    "type-1-guest": "a guest of a Type I hypervisor",
    "type-2-guest": "a guest of a Type II hypervisor",
    "vm-guest": "a virtual machine guest (hypervisor type unknown)",
    "container": "inside a container",
}


def _paint(text: str, code: str, color: bool) -> str:
    return "\x1b[%sm%s\x1b[0m" % (code, text) if color else text


def _clean(text: object) -> str:
    """Machine-provided strings may hold escape sequences: never pass them to a terminal."""
    return "".join(c if c.isprintable() else "?" for c in str(text))


def verdict(report: Report) -> str:
    names = [layer.name for layer in report.layers if layer.kind != "hardware"]
    text = "This machine is %s" % CLASSIFICATIONS.get(report.classification, report.classification)
    if names:
        text += ": " + " → ".join(_clean(n) for n in names)
    return text + "."


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    lines: List[str] = [_paint(verdict(report), "1", color), ""]
    lines.append("Layers (from the hardware up):")
    for i, layer in enumerate(report.layers):
        facts = ", ".join("%s=%s" % (k, _clean(v if not isinstance(v, list) else "+".join(map(str, v))))
                          for k, v in layer.details.items()
                          if k in ("systemd_id", "hypervisor_type", "mode", "product", "cloud", "xen_mode", "role",
                                   "paravirtual_devices", "runtime", "orchestrator", "sandbox", "firmware_identity"))
        lines.append("  %d. %-10s %s  [%s]%s" % (i, layer.kind, _clean(layer.name), layer.confidence.label,
                                               ("  " + facts) if facts else ""))
    lines.append("")
    lines.append("systemd-detect-virt: vm=%s container=%s" % (report.vm, report.container))
    if report.checks:
        lines.append("")
        lines.append("Capabilities:")
        for check in report.checks:
            lines.append("  %s %-12s %s" % (_paint("%-7s" % check.status.upper(), STATUS_COLORS.get(check.status, "0"),
                                                   color), check.id, _clean(check.summary)))
            if check.remedy and check.status in ("fail", "warn"):
                lines.append("  %7s %-12s remedy: %s" % ("", "", _clean(check.remedy)))
    lines.append("")
    lines.append("Findings:")
    for finding in report.findings:
        lines.append("  %s %s: %s" % (_paint("%-7s" % finding.severity, SEVERITY_COLORS.get(finding.severity, "0"),
                                             color), finding.id, _clean(finding.title)))
        for e in finding.contradicted_by[:3]:
            lines.append("          outweighed: %s = %s (%s)" % (_clean(e.where), _clean(e.raw), e.strength.label))
    unseen = report.unseen
    if unseen:
        lines.append("")
        lines.append("Not seen (%d): %s" % (len(unseen), ", ".join("%s (%s)" % (_clean(e.where), _clean(e.error))
                                                                   for e in unseen[:8])
                                          + (", ..." if len(unseen) > 8 else "")))
    if report.meta.redacted:
        from ..redact import NOTICE

        lines.append("")
        lines.append(NOTICE)
    lines.append("")
    lines.append("hvaudit %s, %s%s" % (report.meta.hvaudit_version, report.meta.source,
                                       (" " + _clean(report.meta.capture_path)) if report.meta.capture_path else ""))
    return "\n".join(lines) + "\n"
