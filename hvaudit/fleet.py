"""Many machines at once: JSON reports read one at a time, each kept as a small row, and
the groups that answer a fleet's questions (which hosts cannot nest KVM, which have VT-x
disabled in the firmware, which run under which hypervisor or cloud).

A report that cannot be used is listed with the reason, never fatal. A row keeps what
the fleet report shows, never the evidence, so that ten thousand reports fit in a few MB.
"""

from __future__ import annotations

import os
import stat
from typing import Any, Dict, Iterator, List, Mapping, NamedTuple, Optional, Sequence, Tuple, Union

from .hosting import KINDS, hosted_kinds
from .hosting import can_host as hosting_answers
from .parsers import load_json

#: A report written by hvaudit is tens of KB; anything far larger is not one (and is not read).
MAX_REPORT_BYTES = 16 * 1024 * 1024
#: The JSON report's `schema` key starts so in every version of the report format.
REPORT_SCHEMA_PREFIX = "https://hvaudit.invalid/schema/report-"
FLEET_SCHEMA = "https://hvaudit.invalid/schema/fleet-1.json"
#: What a machine can host, as the report's header answers it (hvaudit.hosting).
CAN_HOST_KEYS = KINDS
#: Groups of hosts, each answering one question, in the order reports show them.
HOST_GROUPS = ("no-kvm", "no-nested-kvm", "vtx-disabled-in-firmware", "not-seen-as-root")
#: Groups keyed by a value (a hypervisor, a cloud, a container runtime, a classification).
VALUE_GROUPS = ("by-hypervisor", "by-cloud", "by-container", "by-classification", "failing-check")


class Row(NamedTuple):
    """One machine, as the fleet report shows it."""

    path: str
    host: str
    generated: str
    classification: str
    vm: str
    container: str
    cvm: str
    hypervisor: str  # the innermost hypervisor's name for people ("KVM (QEMU)"), "" on bare metal
    cloud: str  # "aws", "gcp", "azure" ... or ""
    can_host: Tuple[str, ...]
    checks: Mapping[str, str]  # check id -> status
    findings: Mapping[str, int]  # severity -> count
    version: str
    source: str  # "live" or "capture"
    root: Optional[bool]  # the audit ran as root (None: not said)
    vtx_firmware: str  # cpu-hav's firmware state ("disabled", "enabled", "")

    def to_dict(self) -> Dict[str, Any]:
        out = self._asdict()
        out["can_host"] = list(self.can_host)
        out["checks"] = dict(self.checks)
        out["findings"] = dict(self.findings)
        return out


class Unreadable(NamedTuple):
    """A file that is not a usable report: `reason` is a label key, `detail` its particulars."""

    path: str
    reason: str
    detail: str = ""


class Fleet(NamedTuple):
    rows: List[Row]
    unreadable: List[Unreadable]

    @property
    def check_ids(self) -> List[str]:
        """Every check id any report has, in the order they first appear."""
        seen: Dict[str, None] = {}
        for row in self.rows:
            for check in row.checks:
                seen.setdefault(check, None)
        return list(seen)


def report_paths(paths: Sequence[str]) -> Iterator[Union[str, Unreadable]]:
    """The files to read, in a stable order: each file given, and every `*.json` file under
    each folder given (recursively; links to folders are not followed)."""
    for given in paths:
        try:
            info = os.stat(given)
        except OSError as exc:
            yield Unreadable(given, "fleet.unreadable.os", exc.strerror or str(exc))
            continue
        if not stat.S_ISDIR(info.st_mode):
            yield given
            continue
        for folder, dirs, files in os.walk(given, onerror=None):
            dirs.sort()
            for name in sorted(files):
                if name.endswith(".json") and not name.startswith("."):
                    yield os.path.join(folder, name)


def _read(path: str) -> bytes:
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOCTTY", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _NotUsable("fleet.unreadable.not-file")
        if info.st_size > MAX_REPORT_BYTES:
            raise _NotUsable("fleet.unreadable.too-large", "%d MiB" % (MAX_REPORT_BYTES // (1024 * 1024)))
        chunks = []
        left = MAX_REPORT_BYTES + 1
        while left > 0:
            chunk = os.read(fd, min(left, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            left -= len(chunk)
        if left <= 0:
            raise _NotUsable("fleet.unreadable.too-large", "%d MiB" % (MAX_REPORT_BYTES // (1024 * 1024)))
        return b"".join(chunks)
    finally:
        os.close(fd)


class _NotUsable(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


def _text(value: Any, default: str = "") -> str:
    return value if isinstance(value, str) else default


def _host_name(report: Mapping[str, Any], meta: Mapping[str, Any], path: str) -> str:
    host = report.get("host")
    if isinstance(host, Mapping):
        host = host.get("name") or host.get("hostname")
    if isinstance(host, str) and host:
        return host
    uname = meta.get("uname")
    if isinstance(uname, Mapping) and isinstance(uname.get("nodename"), str) and uname["nodename"]:
        return uname["nodename"]
    return os.path.splitext(os.path.basename(path))[0]


class _CheckRow(NamedTuple):
    """A capability check as a JSON report holds it, for hvaudit.hosting."""

    id: str
    status: str
    details: Mapping[str, Any]


def can_host(checks: Sequence[Any]) -> Tuple[str, ...]:
    """What a machine with these checks can host (keys of CAN_HOST_KEYS), by the header's rule."""
    return hosted_kinds(hosting_answers(checks))


def row_from_report(report: Any, path: str) -> Row:
    """The row of one parsed JSON report; `_NotUsable` when it is not an hvaudit report."""
    if not isinstance(report, dict):
        raise _NotUsable("fleet.unreadable.not-object")
    schema = report.get("schema")
    if not isinstance(schema, str) or not schema.startswith(REPORT_SCHEMA_PREFIX):
        raise _NotUsable("fleet.unreadable.not-report")
    classification = report.get("classification")
    capabilities = report.get("capabilities", [])
    layers = report.get("layers", [])
    if not isinstance(classification, str) or not isinstance(capabilities, list) or not isinstance(layers, list):
        raise _NotUsable("fleet.unreadable.not-report")
    raw_meta = report.get("meta")
    meta: Mapping[str, Any] = raw_meta if isinstance(raw_meta, dict) else {}
    checks: Dict[str, str] = {}
    check_rows: List[_CheckRow] = []
    vtx_firmware = ""
    for check in capabilities:
        if isinstance(check, dict) and isinstance(check.get("id"), str):
            checks[check["id"]] = _text(check.get("status"), "unknown")
            details = check.get("details")
            check_rows.append(_CheckRow(check["id"], checks[check["id"]], details if isinstance(details, dict) else {}))
            if check["id"] == "cpu-hav" and isinstance(check.get("details"), dict):
                vtx_firmware = _text(check["details"].get("firmware"))
    findings: Dict[str, int] = {}
    for finding in report.get("findings", ()) if isinstance(report.get("findings"), list) else ():
        if isinstance(finding, dict) and isinstance(finding.get("severity"), str):
            findings[finding["severity"]] = findings.get(finding["severity"], 0) + 1
    hypervisor = cloud = ""
    for layer in layers:
        if isinstance(layer, dict) and layer.get("kind") == "vm":
            hypervisor = _text(layer.get("name"), _text(layer.get("tech")))
            details = layer.get("details")
            if isinstance(details, dict):
                cloud = _text(details.get("cloud"), cloud)
    raw_user = meta.get("user")
    user: Mapping[str, Any] = raw_user if isinstance(raw_user, dict) else {}
    euid = user.get("euid", user.get("uid"))
    return Row(
        path=path,
        host=_host_name(report, meta, path),
        generated=_text(report.get("generated")) or _text(meta.get("audited_at")) or _text(meta.get("captured_at")),
        classification=classification,
        vm=_text(report.get("vm"), "none"),
        container=_text(report.get("container"), "none"),
        cvm=_text(report.get("cvm"), "none"),
        hypervisor=hypervisor,
        cloud=cloud,
        can_host=can_host(check_rows),
        checks=checks,
        findings=findings,
        version=_text(meta.get("hvaudit_version")),
        source=_text(meta.get("source")),
        root=(euid == 0) if isinstance(euid, int) and not isinstance(euid, bool) else None,
        vtx_firmware=vtx_firmware,
    )


def read_report(path: str) -> Union[Row, Unreadable]:
    """One report file as a row, or why it cannot be one."""
    try:
        data = _read(path)
        try:
            report = load_json(data)  # one depth limit for every JSON hvaudit reads
        except UnicodeDecodeError:
            raise _NotUsable("fleet.unreadable.not-utf8") from None
        except RecursionError:
            raise _NotUsable("fleet.unreadable.json", "nested too deeply") from None
        except ValueError as exc:
            raise _NotUsable("fleet.unreadable.json", str(exc)) from None
        return row_from_report(report, path)
    except _NotUsable as exc:
        return Unreadable(path, exc.reason, exc.detail)
    except OSError as exc:
        return Unreadable(path, "fleet.unreadable.os", exc.strerror or str(exc))


def read_fleet(paths: Sequence[str]) -> Fleet:
    """Every report under `paths`, one file at a time."""
    fleet = Fleet([], [])
    for item in report_paths(paths):
        result = item if isinstance(item, Unreadable) else read_report(item)
        (fleet.unreadable if isinstance(result, Unreadable) else fleet.rows).append(result)  # type: ignore[arg-type]
    return fleet


def host_groups(rows: Sequence[Row]) -> Dict[str, List[Row]]:
    """The hosts that answer each yes-or-no question of HOST_GROUPS."""
    return {
        "no-kvm": [r for r in rows if r.checks.get("kvm-device") == "fail"],
        "no-nested-kvm": [r for r in rows if r.checks.get("kvm-nested") == "fail"],
        "vtx-disabled-in-firmware": [r for r in rows if r.vtx_firmware == "disabled"],
        "not-seen-as-root": [r for r in rows if r.root is False],
    }


def value_groups(rows: Sequence[Row]) -> Dict[str, Dict[str, List[Row]]]:
    """The hosts by hypervisor, cloud, container runtime and classification, and by each
    check that failed; values sorted by how many hosts share them, then by name."""
    groups: Dict[str, Dict[str, List[Row]]] = {name: {} for name in VALUE_GROUPS}
    for row in rows:
        groups["by-hypervisor"].setdefault(row.hypervisor or "none", []).append(row)
        groups["by-cloud"].setdefault(row.cloud or "none", []).append(row)
        groups["by-container"].setdefault(row.container, []).append(row)
        groups["by-classification"].setdefault(row.classification, []).append(row)
        for check, status in row.checks.items():
            if status == "fail":
                groups["failing-check"].setdefault(check, []).append(row)
    return {name: dict(sorted(values.items(), key=lambda item: (-len(item[1]), item[0])))
            for name, values in groups.items()}
