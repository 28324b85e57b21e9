"""Facts: the audit's answers as one flat JSON object for configuration management.

`/etc/ansible/facts.d/hvaudit.fact` runs `hvaudit audit --format facts`, and Ansible shows
the object as `ansible_local.hvaudit`, usable in `when:` (README, "Fleets"). Keys are
identifiers (check ids with `_` for `-`) so that `ansible_local.hvaudit.checks.kvm_nested`
reads as it should; the values are those of the JSON report and of `hvaudit fleet`.
"""

from __future__ import annotations

import json

from ..fleet import CAN_HOST_KEYS, row_from_report
from ..model import SEVERITIES, Report

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict

FACTS_VERSION = 1


def _key(name: str) -> str:
    return name.replace("-", "_").replace(".", "_")


def facts(report: Report) -> Dict[str, Any]:
    row = row_from_report(report.to_dict(), "")
    return {
        "facts_version": FACTS_VERSION,
        "hvaudit_version": row.version,
        "generated": row.generated,
        "classification": row.classification,
        "vm": row.vm,
        "container": row.container,
        "cvm": row.cvm,
        "chroot": report.chroot,
        "hypervisor": row.hypervisor,
        "cloud": row.cloud,
        "can_host": {_key(key): key in row.can_host for key in CAN_HOST_KEYS},
        "vtx_disabled_in_firmware": row.vtx_firmware == "disabled",
        "checks": {_key(check): status for check, status in row.checks.items()},
        "findings": {severity: row.findings.get(severity, 0) for severity in SEVERITIES},
        "as_root": row.root,
    }


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    return json.dumps(facts(report), indent=2, sort_keys=True) + "\n"
