"""One public entry: run_audit(source) -> Report. Live machine and capture alike."""

from __future__ import annotations

import time

from . import __version__
from .classify import classify
from .model import Check, Finding, Meta, Report
from .probes import run_probes
from .sources import Source

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Collection, List, Optional, Union


def run_audit(source: Source, checks: Union[bool, Collection[str]] = True, host_role: bool = True) -> Report:
    """Probe the source, classify what was seen, and run the capability checks: all of
    them, none (False), or those whose ids are given. `host_role=False` skips what only
    tells whether this system hosts VMs itself (a scan of every process's name)."""
    evidence = run_probes(source, host_role)
    uname = source.uname()
    result = classify(evidence, uname)
    findings: List[Finding] = list(result.findings)
    damage = getattr(source, "damage", None)
    if damage:
        findings.append(Finding("capture.damaged", "warning",
                                "The capture is damaged in %d places; the audit used the rest" % len(damage),
                                fields={"where": "capture", "value": "; ".join(damage[:20])}))
    capabilities: List[Check] = []
    if checks:
        from .capabilities import run_checks

        capabilities = run_checks(source, evidence, None if checks is True else checks)
    cvm = next((c.details.get("cvm", "none") for c in capabilities if c.id == "cvm-guest"), "none")
    meta = source.meta()
    report_meta = Meta(
        hvaudit_version=__version__,
        source=source.kind,
        capture_path=meta.get("path"),
        captured_at=meta.get("captured_at"),
        audited_at=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        uname=dict(uname),
        user=dict(meta.get("user") or {}),
        redacted=bool(meta.get("redacted")),
        host=meta.get("hostname") or None,
    )
    return Report(meta=report_meta, vm=result.vm, container=result.container,
                  classification=result.classification, layers=tuple(result.layers), findings=tuple(findings),
                  checks=tuple(capabilities), evidence=tuple(evidence), chroot=result.chroot, cvm=str(cvm),
                  private_users=result.private_users)


def innermost(report: Report) -> Optional[str]:
    """systemd-detect-virt's default answer: the container if any, else the VM."""
    if report.container != "none":
        return report.container
    return report.vm
