"""`--redact`: serial numbers, UUIDs, MAC addresses and the hostname are replaced by stable
placeholders (`<serial-1>`, `<uuid-1>`, `<mac-1>`, `<asset-tag-1>`, `<hostname>`): the
same value gets the same placeholder everywhere in one output, so a reader can still see
that two places hold the same value, and never what it is.

One Redactor holds the placeholder map. It learns the values to hide from what the probes
read (dmidecode's "Serial Number:", "UUID:" and "Asset Tag:" lines, the sysfs files that
hold them, /sys/hypervisor/uuid, uname's nodename), and finds UUIDs and MAC addresses in
any text by their shape. It is then applied to a Report (every free-text field; ids and
verdicts are never touched) and to a capture as it is written (file contents, file names,
capture.json and commands/).

Kept on purpose: values that name a cloud rather than a machine (the asset tags that
signatures.py matches, such as "OracleCloud.com"), and the "ec2" prefix of a Xen domain
UUID on EC2, which is how that cloud is recognised (`ec2<uuid-1>`).
"""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from .model import Check, Evidence, Finding, Layer, Meta, Report

UUID = re.compile(r"(?<![0-9A-Za-z])[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}"
                  r"(?![0-9A-Za-z])")
MAC = re.compile(r"(?<![0-9A-Za-z:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Za-z:-])")
HOSTNAME = "<hostname>"
PLACEHOLDER = re.compile(r"<(?:serial|uuid|mac|asset-tag)-\d+>|<hostname>")
#: dmidecode lines whose value identifies one machine (DSP0134 strings).
DMI_LINE = re.compile(r"^(\s*)(Serial Number|UUID|Asset Tag|Service Tag):[ \t]*(.*?)\s*$", re.MULTILINE)
#: sysfs files that hold the same values, by name (as `collect` would have read them).
SYSFS_VALUES: Mapping[str, str] = {
    "/sys/class/dmi/id/product_serial": "serial",
    "/sys/class/dmi/id/board_serial": "serial",
    "/sys/class/dmi/id/chassis_serial": "serial",
    "/sys/class/dmi/id/product_uuid": "uuid",
    "/sys/class/dmi/id/chassis_asset_tag": "asset-tag",
    "/sys/hypervisor/uuid": "uuid",
    "/proc/sys/kernel/hostname": "hostname",
    "/etc/hostname": "hostname",
}
KINDS = {"Serial Number": "serial", "Service Tag": "serial", "UUID": "uuid", "Asset Tag": "asset-tag"}
#: Firmware defaults that identify nothing: left as they are.
GENERIC = frozenset(v.lower() for v in (
    "", "Not Specified", "Not Present", "Not Available", "None", "N/A", "NA", "Unknown", "Default string",
    "To Be Filled By O.E.M.", "To be filled by O.E.M.", "System Serial Number", "Chassis Serial Number",
    "Base Board Serial Number", "Serial Number", "No Asset Tag", "Asset Tag", "Asset-1234567890", "0", "00000000",
    "0123456789", "123456789", "Not Settable", "Not Provided", "localhost", "localhost.localdomain", "(none)",
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009",
))
#: Values shorter than this are replaced only where their context says what they are (a
#: dmidecode line, a sysfs file), never as a substring of other text.
MIN_ANYWHERE = 4

#: The message (id) that says a report is redacted.
NOTICE = "label.redaction-notice"


def _cloud_asset_tags() -> frozenset:
    from .signatures import DMI_RULES

    return frozenset(prefix for field, prefix, _ in DMI_RULES if field == "chassis_asset_tag")


class Redactor:
    """The placeholder map for one output."""

    def __init__(self, hostname: Optional[str] = None) -> None:
        self._map: Dict[str, str] = {}
        self._counts: Dict[str, int] = {}
        self._keep = _cloud_asset_tags()
        self._pattern: Optional[re.Pattern] = None
        if hostname:
            self.learn_value("hostname", hostname)

    # -- learning ---------------------------------------------------------------------------
    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder of a value; a UUID or MAC in another case or spelling is the same value."""
        key = value.lower().replace("-", ":") if kind == "mac" else value.lower() if kind == "uuid" else value
        if key not in self._map:
            if kind == "hostname":
                self._map[key] = "<hostname>"
            else:
                self._counts[kind] = self._counts.get(kind, 0) + 1
                mark = "<%s-%d>" % (kind, self._counts[kind])
                self._map[key] = "ec2" + mark if kind == "uuid" and key.startswith("ec2") else mark
            self._pattern = None
        if value not in self._map:
            self._map[value] = self._map[key]
            self._pattern = None
        return self._map[key]

    def _worth_hiding(self, value: str) -> bool:
        return value.strip().lower() not in GENERIC and value.strip() not in self._keep and "<" not in value

    def learn_value(self, kind: str, value: str) -> None:
        value = value.strip()
        if not self._worth_hiding(value):
            return
        self.placeholder(kind, value)
        if kind == "hostname" and "." in value:
            short = value.split(".", 1)[0]
            if self._worth_hiding(short) and short not in self._map:
                self._map[short] = "<hostname>"
        if kind == "uuid":  # the same UUID in the other case, as firmware and kernels differ
            self.placeholder(kind, value.upper())

    def learn_text(self, text: str, path: str = "") -> None:
        """Values that the text's context marks as identifying, and UUIDs and MACs by shape."""
        kind = SYSFS_VALUES.get(path)
        if kind is not None:
            self.learn_value(kind, text)
        for match in DMI_LINE.finditer(text):
            self.learn_value(KINDS[match.group(2)], match.group(3))
        for match in UUID.finditer(text):
            self.learn_value("uuid", match.group(0))
        for match in MAC.finditer(text):
            self.learn_value("mac", match.group(0))

    def learn_recording(self, recording: Any) -> None:
        """Everything a RecordingSource saw, in a stable order (so placeholders are too)."""
        for path, data in sorted(recording.files.items()):
            self.learn_text(_decode(data), path)
        for _, data in sorted(recording.commands.items()):
            self.learn_text(_decode(data))
        for path, target in sorted(recording.links.items()):
            self.learn_text(path + "\n" + target)
        for path, names in sorted(recording.dirs.items()):
            self.learn_text("\n".join((path,) + tuple(names)))
        for path, info in sorted(recording.devices.items()):
            self.learn_text("%s\n%s" % (path, info))

    # -- applying ------------------------------------------------------------------------------
    def _compiled(self) -> Optional[re.Pattern]:
        if self._pattern is None:
            # Longest first; a hostname shorter than MIN_ANYWHERE only as a word of its own.
            values = sorted((v for v in self._map if len(v) >= MIN_ANYWHERE or self._map[v] == "<hostname>"),
                            key=lambda v: (-len(v), v))
            if values:  # a placeholder already in the text is matched first, and kept
                self._pattern = re.compile("|".join([PLACEHOLDER.pattern] + [
                    (r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" if len(v) < MIN_ANYWHERE else "%s") % re.escape(v)
                    for v in values]))
        return self._pattern

    def text(self, text: str) -> str:
        if not text:
            return text
        # Values in context first (a short serial is hidden on its own dmidecode line).
        text = DMI_LINE.sub(self._dmi_line, text)
        text = UUID.sub(lambda m: self.placeholder("uuid", m.group(0)) if self._worth_hiding(m.group(0))
                        else m.group(0), text)
        text = MAC.sub(lambda m: self.placeholder("mac", m.group(0)), text)
        pattern = self._compiled()
        if pattern is not None:
            text = pattern.sub(lambda m: self._map.get(m.group(0), m.group(0)), text)
        return text

    def _dmi_line(self, match: re.Match) -> str:
        value = match.group(3)
        if not self._worth_hiding(value):
            return match.group(0)
        return "%s%s: %s" % (match.group(1), match.group(2), self.placeholder(KINDS[match.group(2)], value.strip()))

    def data(self, data: bytes, path: str = "") -> bytes:
        """File contents: any bytes, round-tripped exactly where nothing is replaced."""
        kind = SYSFS_VALUES.get(path)
        text = _decode(data)
        if kind is not None and self._worth_hiding(text.strip()):
            return (self.placeholder(kind, text.strip()) + "\n").encode("utf-8", "surrogateescape")
        return self.text(text).encode("utf-8", "surrogateescape")

    def value(self, value: Any) -> Any:
        """Every string in a JSON-like value (and in its keys)."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, dict):
            return {self.text(k) if isinstance(k, str) else k: self.value(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.value(v) for v in value)
        return value

    # -- reports ------------------------------------------------------------------------------------
    def evidence(self, e: Evidence) -> Evidence:
        return e._replace(where=self.text(e.where), raw=self.text(e.raw), note=self.text(e.note),
                          note_fields=tuple((k, self.text(v)) for k, v in e.note_fields))

    def _many(self, items: Iterable[Evidence]) -> Tuple[Evidence, ...]:
        return tuple(self.evidence(e) for e in items)

    def report(self, report: Report) -> Report:
        """The report with every free-text field redacted and meta.redacted set."""
        meta: Meta = report.meta._replace(
            capture_path=self.text(report.meta.capture_path) if report.meta.capture_path else None,
            host=HOSTNAME if report.meta.host else None,
            uname={k: self.text(v) for k, v in report.meta.uname.items()}, redacted=True)
        layers: List[Layer] = [layer._replace(name=self.text(layer.name), details=self.value(dict(layer.details)),
                                              evidence=self._many(layer.evidence)) for layer in report.layers]
        findings: List[Finding] = [f._replace(evidence=self._many(f.evidence),
                                              contradicted_by=self._many(f.contradicted_by),
                                              fields={k: self.text(v) for k, v in f.fields.items()})
                                   for f in report.findings]
        checks: List[Check] = [c._replace(fields=self.value(dict(c.fields)), details=self.value(dict(c.details)),
                                          evidence=self._many(c.evidence))
                               for c in report.checks]
        return report._replace(meta=meta, layers=tuple(layers), findings=tuple(findings), checks=tuple(checks),
                               evidence=self._many(report.evidence))


def _decode(data: bytes) -> str:
    return data.decode("utf-8", "surrogateescape")


def hostname_of(source: Any) -> Optional[str]:
    """The audited machine's hostname: uname's nodename where the source holds one, else
    the source's own answer (this machine's for a live audit, a capture's `hostname`)."""
    name = source.uname().get("nodename") or source.meta().get("hostname")
    return name or None


def audit_redacted(source: Any, checks: bool = True) -> Report:
    """run_audit, with every value the probes saw learnt and hidden in the report."""
    from .audit import run_audit
    from .sources.recording import RecordingSource

    recording = RecordingSource(source)
    report = run_audit(recording, checks=checks)
    redactor = Redactor(hostname_of(source))
    redactor.learn_recording(recording)
    return redactor.report(report)
