"""The Prometheus report: the text exposition format (version 0.0.4), for node_exporter's
textfile collector (`audit --format prometheus -o /var/lib/prometheus/node-exporter/hvaudit.prom`;
`-o` writes through a temporary file renamed into place, as the collector requires).

Metric names follow Prometheus' conventions: one `hvaudit_` prefix, base units in the name
(`_seconds`), an `_info` metric whose labels carry the verdict, and one series per check
and status (1 for the check's status, 0 for the others) so that a rule can say
`hvaudit_check_status{check="kvm-device",status="fail"} == 1`. No sample carries a
timestamp (the textfile collector refuses them); the audit's time is a gauge instead.

Written here rather than with prometheus_client: the format is a few stable lines, and
the client library would be one more dependency and import on every audit for the
escaping of label values (backslash, double quote, newline), which is done below and
checked by `promtool check metrics` in the tests. Label values from the machine (DMI
strings, hypervisor names) first have their control characters made visible.
"""

from __future__ import annotations

from datetime import datetime, timezone

from .. import __version__
from ..fleet import CAN_HOST_KEYS, can_host
from ..model import CHECK_STATUSES, SEVERITIES, Report
from .view import shown

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List, Mapping, Optional, Tuple

PREFIX = "hvaudit_"


def label_value(value: object) -> str:
    """A label value as the exposition format writes it inside double quotes."""
    return shown(value).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels(labels: Mapping[str, object]) -> str:
    if not labels:
        return ""
    return "{" + ",".join('%s="%s"' % (k, label_value(v)) for k, v in labels.items()) + "}"


def _family(out: List[str], name: str, kind: str, help_text: str,
            samples: Iterable[Tuple[Mapping[str, object], float]]) -> None:
    out.append("# HELP %s%s %s" % (PREFIX, name, help_text))
    out.append("# TYPE %s%s %s" % (PREFIX, name, kind))
    for labels, value in samples:
        out.append("%s%s%s %s" % (PREFIX, name, _labels(labels), _number(value)))


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _timestamp(report: Report) -> Optional[float]:
    for value in (getattr(report, "generated", None), report.meta.audited_at, report.meta.captured_at):
        if isinstance(value, str) and value:
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=timezone.utc)
            return moment.timestamp()
    return None


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    """The metrics; each family's HELP line in the report's language."""
    from ..messages import text

    def help(family: str) -> str:  # noqa: A001 - the exposition format's word
        return text("prometheus.help." + family, lang)

    out: List[str] = []
    vm_layers = [layer for layer in report.layers if layer.kind == "vm"]
    hypervisor = vm_layers[-1].name if vm_layers else ""
    cloud = next((str(layer.details["cloud"]) for layer in vm_layers if layer.details.get("cloud")), "")
    _family(out, "info", "gauge", help("info"),
            [({"classification": report.classification, "vm": report.vm, "container": report.container,
               "cvm": report.cvm, "hypervisor": hypervisor, "cloud": cloud, "version": __version__}, 1)])
    _family(out, "layer_info", "gauge", help("layer-info"),
            [({"position": i, "kind": layer.kind, "tech": layer.tech, "name": layer.name}, 1)
             for i, layer in enumerate(report.layers)])
    _family(out, "check_status", "gauge", help("check-status"),
            [({"check": check.id, "status": status}, 1 if check.status == status else 0)
             for check in report.checks for status in CHECK_STATUSES])
    hosts = can_host(report.checks)
    _family(out, "can_host", "gauge", help("can-host"),
            [({"kind": key}, 1 if key in hosts else 0) for key in CAN_HOST_KEYS])
    counts = {severity: 0 for severity in SEVERITIES}
    for finding in report.findings:
        counts[finding.severity] = counts.get(finding.severity, 0) + 1
    _family(out, "findings", "gauge", help("findings"),
            [({"severity": severity}, n) for severity, n in counts.items()])
    _family(out, "unseen_sources", "gauge", help("unseen-sources"),
            [({}, len(report.unseen))])
    when = _timestamp(report)
    if when is not None:
        _family(out, "audit_timestamp_seconds", "gauge", help("audit-timestamp"),
                [({}, when)])
    return "\n".join(out) + "\n"

