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

#: A UUID with dashes, or with underscores as the kubelet writes a pod's UID into systemd
#: slice names ("kubepods-besteffort-pod0f9a..._..._....slice"); "pod" may precede it.
UUID = re.compile(r"(?:(?<=pod)|(?<![0-9A-Za-z]))[0-9A-Fa-f]{8}([-_])[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{4}\1[0-9A-Fa-f]{4}\1"
                  r"[0-9A-Fa-f]{12}(?![0-9A-Za-z])")
MAC = re.compile(r"(?<![0-9A-Za-z:-])[0-9A-Fa-f]{2}([:-])(?:[0-9A-Fa-f]{2}\1){4}[0-9A-Fa-f]{2}(?![0-9A-Za-z:-])")
HOSTNAME = "<hostname>"
PLACEHOLDER = re.compile(r"<(?:serial|uuid|mac|asset-tag|oem-string)-\d+>|<hostname>")
#: dmidecode fields whose value identifies one machine (DSP0134 strings), and the lists of
#: free-form vendor strings (type 11 OEM Strings, type 12 System Configuration Options)
#: where vendors put serials, service tags and order numbers.
DMI_FIELDS = {"Serial Number": "serial", "Service Tag": "serial", "UUID": "uuid", "Asset Tag": "asset-tag"}
DMI_FREE_FORM = {11: "String ", 12: "Option "}
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
#: Firmware defaults that identify nothing: left as they are.
GENERIC = frozenset(v.lower() for v in (
    "", "Not Specified", "Not Present", "Not Available", "None", "N/A", "NA", "Unknown", "Default string",
    "To Be Filled By O.E.M.", "To be filled by O.E.M.", "System Serial Number", "Chassis Serial Number",
    "Base Board Serial Number", "Serial Number", "No Asset Tag", "Asset Tag", "Asset-1234567890", "0", "00000000",
    "0123456789", "123456789", "Not Settable", "Not Provided", "localhost", "localhost.localdomain", "(none)",
    "00000000-0000-0000-0000-000000000000", "ffffffff-ffff-ffff-ffff-ffffffffffff",
    "03000200-0400-0500-0006-000700080009",
))
#: Longer values are replaced only where their context marks them: no firmware string is
#: longer (SMBIOS strings are at most 64 bytes in practice), and a long needle costs time in
#: every text searched.
MAX_ANYWHERE = 256
#: Values shorter than this are replaced only where their context says what they are (a
#: dmidecode line, a sysfs file), never as a substring of other text.
MIN_ANYWHERE = 4

#: The message (id) that says a report is redacted.
NOTICE = "label.redaction-notice"


def _cloud_asset_tags() -> frozenset:
    from .signatures import DMI_RULES

    return frozenset(prefix for field, prefix, _ in DMI_RULES if field == "chassis_asset_tag")


#: Files whose whole content is the host name.
HOSTNAME_FILES = frozenset({"/proc/sys/kernel/hostname", "/etc/hostname"})
#: Separators of the words in paths and lists, for finding container names in context.
_WORDS = re.compile(r"""([\s/:;,="'|()]+)""")
#: Names under a cgroup folder "lxc/" that are the cgroup's own files, not containers.
_CGROUP_FILES = frozenset({"tasks", "notify_on_release", "release_agent", "rootfs", "templates", "hooks", "config"})
_CONTROLLERS = frozenset({"cgroup", "cpu", "cpuacct", "cpuset", "memory", "blkio", "devices", "freezer", "net_cls",
                          "net_prio", "perf_event", "hugetlb", "pids", "rdma", "io", "misc"})


class Redactor:
    """The placeholder map for one output.

    Values are replaced where a field holds them, never as bytes wherever they occur: the
    host name in the files and fields that are the host name (uname's nodename, /etc/hostname)
    and as the name of a container in cgroup and LXC paths (a host named `kvm` keeps
    /dev/kvm); serials, UUIDs and asset tags where dmidecode or sysfs says what they are,
    and elsewhere only as a whole word of text (never inside binary files); UUIDs and MACs
    by their shape."""

    def __init__(self, hostname: Optional[str] = None) -> None:
        self._map: Dict[str, str] = {}
        self._counts: Dict[str, int] = {}
        self._keep = _cloud_asset_tags()
        self._names: set = set()  # host and container names: replaced in context only
        self._pattern: Optional[re.Pattern] = None
        self._pattern_size = -1
        if hostname:
            self.learn_value("hostname", hostname)

    # -- learning ---------------------------------------------------------------------------
    def placeholder(self, kind: str, value: str) -> str:
        """The placeholder of a value; a UUID or MAC in another case or spelling is the same value."""
        if kind == "hostname":
            return "<hostname>"
        key = value.lower().replace("-", ":") if kind == "mac" else value.lower().replace("_", "-") \
            if kind == "uuid" else value
        if key not in self._map:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            mark = "<%s-%d>" % (kind, self._counts[kind])
            self._map[key] = "ec2" + mark if kind == "uuid" and key.startswith("ec2") else mark
        if value not in self._map:
            self._map[value] = self._map[key]
        return self._map[key]

    def _worth_hiding(self, value: str) -> bool:
        value = value.strip()
        return value.lower() not in GENERIC and value not in self._keep and not PLACEHOLDER.fullmatch(value)

    def learn_value(self, kind: str, value: str) -> None:
        value = value.strip()
        if not self._worth_hiding(value):
            return
        if kind == "hostname":
            self._names.add(value)
            short = value.split(".", 1)[0]
            if short != value and self._worth_hiding(short):
                self._names.add(short)
            return
        self.placeholder(kind, value)
        if kind == "uuid":  # the same UUID in the other case, as firmware and kernels differ
            self.placeholder(kind, value.upper())

    def learn_text(self, text: str, path: str = "") -> None:
        """Values that the text's context marks as identifying, and UUIDs and MACs by shape."""
        kind = "hostname" if path in HOSTNAME_FILES else SYSFS_VALUES.get(path)
        if kind is not None:
            self.learn_value(kind, text)
        for _, _, kind, value in _dmi_values(text.split("\n")):
            self.learn_value(kind, value)
        for match in UUID.finditer(text):
            self.learn_value("uuid", match.group(0))
        for match in MAC.finditer(text):
            self.learn_value("mac", match.group(0))
        self._container_names(text)  # learns the names that paths mark as containers'

    def learn_recording(self, recording: Any) -> None:
        """Everything a RecordingSource saw, in a stable order (so placeholders are too)."""
        for path, data in sorted(recording.files.items()):
            if not _binary(data, path):
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
        if self._pattern_size != len(self._map):
            # Longest first, each as a whole word; a placeholder already in the text is kept.
            values = sorted((v for v in self._map if MIN_ANYWHERE <= len(v) <= MAX_ANYWHERE),
                            key=lambda v: (-len(v), v))
            self._pattern = re.compile("|".join([PLACEHOLDER.pattern] + [
                r"(?<![0-9A-Za-z])%s(?![0-9A-Za-z])" % re.escape(v) for v in values])) if values else None
            self._pattern_size = len(self._map)
        return self._pattern

    def text(self, text: str) -> str:
        if not text:
            return text
        if any(key in text for key in DMI_FIELDS) or "DMI type 1" in text:
            lines = text.split("\n")
            for index, prefix, kind, value in _dmi_values(lines):
                if self._worth_hiding(value):
                    lines[index] = prefix + self.placeholder(kind, value.strip())
            text = "\n".join(lines)
        text = UUID.sub(lambda m: self.placeholder("uuid", m.group(0)) if self._worth_hiding(m.group(0))
                        else m.group(0), text)
        text = MAC.sub(lambda m: self.placeholder("mac", m.group(0)), text)
        text = self._container_names(text)
        pattern = self._compiled()
        if pattern is not None:
            text = pattern.sub(lambda m: self._map.get(m.group(0), m.group(0)), text)
        return text

    def _container_names(self, text: str) -> str:
        """Host and container names where a path says that a word is one: "lxc.payload.NAME",
        "lxc.monitor.NAME", ".../lxc/NAME", LXD's and Incus' ".../containers/NAME", systemd's
        "machine-NAME.scope" and "/var/lib/machines/NAME" (for the names already known)."""
        if "lxc" not in text and "machine" not in text and "containers" not in text:
            return text
        words = _WORDS.split(text)
        lxd = False
        for i in range(0, len(words), 2):
            word = words[i]
            previous = words[i - 2] if i >= 2 and "/" in words[i - 1] else ""
            lxd = lxd or word in ("lxd", "incus")
            if word.startswith(("lxc.payload.", "lxc.monitor.")) and len(word) > 12:
                words[i] = word[:12] + self._name(word[12:], learn=True)
            elif (previous == "lxc" or (previous == "containers" and lxd)) and _container_word(word):
                words[i] = self._name(word, learn=True)
            elif previous == "machines" and word in self._names:
                words[i] = "<hostname>"
            elif word.startswith("machine-") and word.endswith(".scope"):
                words[i] = "machine-%s.scope" % self._machine_name(word[8:-6])
        return "".join(words)

    def _name(self, name: str, learn: bool) -> str:
        if not self._worth_hiding(name):
            return name
        if learn:
            self._names.add(name)
        return "<hostname>" if name in self._names else name

    def _machine_name(self, escaped: str) -> str:
        """systemd escapes "-" in a unit name as \x2d; libvirt's names end "-ID-NAME"."""
        for name in sorted(self._names, key=len, reverse=True):
            for spelling in (name, name.replace("-", "\\x2d")):
                if escaped == spelling:
                    return "<hostname>"
                for dash in ("-", "\\x2d"):
                    if escaped.endswith(dash + spelling):
                        return escaped[:-len(spelling)] + "<hostname>"
        return escaped

    def data(self, data: bytes, path: str = "") -> bytes:
        """File contents: a file that is one value becomes its placeholder; text is redacted;
        binary files (compressed, tables) are kept as read, never changed byte by byte."""
        kind = "hostname" if path in HOSTNAME_FILES else SYSFS_VALUES.get(path)
        text = _decode(data)
        if kind is not None and self._worth_hiding(text.strip()):
            return (self.placeholder(kind, text.strip()) + "\n").encode("utf-8", "surrogateescape")
        if _binary(data, path):
            return data
        return self.text(text).encode("utf-8", "surrogateescape")

    def uname(self, uname: Mapping[str, Any]) -> Dict[str, Any]:
        """uname's fields: the nodename is the host name; the others are redacted as text."""
        out = {k: self.text(v) if isinstance(v, str) else v for k, v in uname.items()}
        nodename = uname.get("nodename")
        if isinstance(nodename, str) and self._worth_hiding(nodename):
            out["nodename"] = "<hostname>"
        return out

    def value(self, value: Any) -> Any:
        """Every string in a JSON-like value (and in its keys); values are no deeper than
        MAX_JSON_DEPTH (hvaudit's own, or a capture's, which is refused when deeper)."""
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
            uname=self.uname(report.meta.uname), redacted=True)
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


def _container_word(word: str) -> bool:
    """A word after "lxc/" that can be a container's name, not a cgroup's own file."""
    return bool(word) and word not in _CGROUP_FILES and word.split(".", 1)[0] not in _CONTROLLERS \
        and not PLACEHOLDER.fullmatch(word)


def _dmi_values(lines: List[str]) -> Iterable[Tuple[int, str, str, str]]:
    """(line index, the line up to its value, kind, value) for each identifying dmidecode
    field: Serial Number, UUID, Asset Tag, Service Tag, and every OEM string and
    configuration option. Plain string operations: linear in the text."""
    free_form = ""
    for index, line in enumerate(lines):
        if line.startswith("Handle 0x"):
            _, _, rest = line.partition(", DMI type ")
            number = rest.partition(",")[0]
            free_form = DMI_FREE_FORM.get(int(number), "") if number.isascii() and number.isdigit() \
                and len(number) < 4 else ""
            continue
        stripped = line.lstrip()
        key, sep, value = stripped.partition(":")
        if not sep:
            continue
        if key in DMI_FIELDS:
            kind = DMI_FIELDS[key]
        elif free_form and key.startswith(free_form) and key[len(free_form):].isdigit():
            kind = "oem-string"
        else:
            continue
        if value.strip():
            yield index, line[:len(line) - len(stripped)] + key + ": ", kind, value.strip()


#: Files that are binary by nature (ACPI and SMBIOS tables, the compressed kernel config).
BINARY_PLACES = ("/sys/firmware/", "/proc/config.gz", "/dev/")


def _binary(data: bytes, path: str = "") -> bool:
    """A file that is not text: never redacted byte by byte (a replacement would corrupt
    it, and its text fields are not where a value is named)."""
    return b"\0" in data or path.startswith(BINARY_PLACES) or path.endswith(".gz")


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
