"""One public entry: run_audit(source) -> Report. Live machine and capture alike."""

from __future__ import annotations

import time

from . import __version__
from .classify import classify
from .model import Check, Finding, Meta, Report
from .probes import run_probes
from .sources import Source
from .views import Views

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Collection, List, Optional, Union


def run_audit(source: Source, checks: Union[bool, Collection[str]] = True, cvm: bool = True,
              host_role: bool = True) -> Report:
    """Probe the source, classify what was seen, and run the capability checks: all of
    them, none (False), or those whose ids are given. `cvm=False` skips the confidential-VM
    probe (the report's `cvm` is then "none"), `host_role=False` what only tells whether
    this system hosts VMs itself (a scan of every process's name): for answers that do not
    need them."""
    from .probes import HOST_ROLE_PROBES

    views = Views(source)
    skip = (() if cvm else ("cvm.guest",)) + (() if host_role else tuple(HOST_ROLE_PROBES))
    evidence = run_probes(views, skip=skip)
    uname = source.uname()
    result = classify(evidence, uname)
    findings: List[Finding] = list(result.findings)
    damage = getattr(source, "damage", None)
    if damage:
        # What is wrong, and where, is each item of evidence: its note says it in any language.
        findings.append(Finding("capture.damaged", "warning", "title.capture.damaged", tuple(damage[:20]),
                                fields={"where": "capture", "count": str(len(damage))}))
    capabilities: List[Check] = []
    if checks:
        from .capabilities import run_checks
        from .facts import Facts

        capabilities = run_checks(Facts(views, evidence, result), None if checks is True else checks)
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
                  checks=tuple(capabilities), evidence=tuple(evidence), chroot=result.chroot, cvm=result.cvm,
                  private_users=result.private_users)


def innermost(report: Report) -> Optional[str]:
    """systemd-detect-virt's default answer: the container if any, else the VM."""
    if report.container != "none":
        return report.container
    return report.vm
