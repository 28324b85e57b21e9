"""Property-based tests: every parser and the capture reader take any input without raising,
stay bounded, and give back what a well-formed input was built from.

Hypothesis' deadline (200 ms an example) is the bound on time; a parser that went
quadratic on some input would fail it."""

from __future__ import annotations

import json
import os
import string
import tempfile
import time
from pathlib import Path
from typing import Dict, List

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from hvaudit.audit import run_audit
from hvaudit.errors import CaptureError
from hvaudit.parsers.acpi import FADT_HYPERVISOR_VENDOR_OFFSET, HEADER_LENGTH, fadt_hypervisor_vendor, parse_header
from hvaudit.parsers.cpuinfo import parse_cpuinfo
from hvaudit.parsers.dmidecode import dmi_fields, parse_dmidecode, smbios_raw_vm_bit, vm_bit
from hvaudit.parsers.procfs import (
    Mount,
    _unescape,
    is_identity_map,
    parse_cgroup,
    parse_environ,
    parse_hex_mask,
    parse_id_map,
    parse_mountinfo,
    parse_ns_link,
    parse_status,
)
from hvaudit.privacy import RUNTIME_VARIABLES, filter_environ
from hvaudit.signatures import plausible_signature, signature_text
from hvaudit.sources.capture import FORMAT, CaptureSource

from .support import DictSource

pytestmark = pytest.mark.property

u32 = st.integers(min_value=0, max_value=0xFFFFFFFF)
any_text = st.text(max_size=2000)
#: Text without the characters that separate a parser's fields or lines.
line_text = st.text(st.characters(blacklist_characters="\n\0", blacklist_categories=("Cs",)), max_size=60)


def token(alphabet: str = string.ascii_letters + string.digits + "_-.", min_size: int = 1) -> st.SearchStrategy:
    return st.text(alphabet, min_size=min_size, max_size=20)


# -- /proc/cpuinfo ----------------------------------------------------------------------------
@given(any_text)
@example("processor:\nflags:" + " x" * 5000)
def test_cpuinfo_never_raises(text: str) -> None:
    info = parse_cpuinfo(text)
    assert info.processors <= text.count("\n") + 1
    assert all(f and not any(c.isspace() for c in f) for f in info.flags)


@given(st.integers(min_value=1, max_value=16), st.sets(token(), max_size=30), token(string.printable.strip()))
def test_cpuinfo_counts_processors_and_reads_flags(count: int, flags: set, vendor: str) -> None:
    block = "vendor_id\t: " + vendor.strip() + "\nflags\t\t: " + " ".join(sorted(flags)) + "\n\n"
    info = parse_cpuinfo("".join("processor\t: %d\n" % i + block for i in range(count)))
    assert info.processors == count
    assert info.flags == frozenset(flags)
    assert info.get("vendor_id") == vendor.strip()


# -- dmidecode ----------------------------------------------------------------------------------
field_key = st.text(string.ascii_letters + string.digits + " -", min_size=1, max_size=20).map(str.strip).filter(bool)
field_value = st.text(st.characters(blacklist_characters="\n\r\0", blacklist_categories=("Cs", "Zs", "Cc")),
                      min_size=1, max_size=40)


@given(any_text)
@example("Handle 0x0000, DMI type 0, 24 bytes\nBIOS\n\tCharacteristics:\n\t\tSystem is a virtual machine\n")
def test_dmidecode_never_raises(text: str) -> None:
    structures = parse_dmidecode(text)
    dmi_fields(structures)
    vm_bit(structures)


@given(st.lists(st.tuples(st.integers(min_value=0, max_value=255), field_key,
                          st.dictionaries(field_key, field_value, max_size=6)), max_size=8))
def test_dmidecode_structures_round_trip(structures: list) -> None:
    text = ""
    for i, (stype, title, fields) in enumerate(structures):
        text += "Handle 0x%04X, DMI type %d, 27 bytes\n%s\n" % (i, stype, title)
        text += "".join("\t%s: %s\n" % (k, v) for k, v in fields.items()) + "\n"
    parsed = parse_dmidecode(text)
    assert [(s.type, s.title) for s in parsed] == [(t, title) for t, title, _ in structures]
    for got, (_, _, fields) in zip(parsed, structures):
        assert got.fields == {k: v.strip() for k, v in fields.items() if v.strip()}


@given(st.binary(max_size=64))
def test_smbios_raw_never_raises(raw: bytes) -> None:
    bit = smbios_raw_vm_bit(raw)
    if bit is not None:
        assert bit == bool(raw[0x13] & 0x10)


# -- /proc: status, cgroup, mountinfo, environ, ns links, id maps, hex masks ---------------------
@given(any_text)
@example("0 0 \u00b2\nVxID:\t\u00b2\n")  # "²".isdigit() is true, int("²") raises
def test_procfs_parsers_never_raise(text: str) -> None:
    parse_status(text)
    parse_cgroup(text)
    parse_mountinfo(text)
    parse_ns_link(text)
    is_identity_map(parse_id_map(text))
    parse_hex_mask(text)


@given(st.dictionaries(token(string.ascii_letters + "_()"), line_text.map(str.strip), max_size=20))
def test_status_round_trip(fields: Dict[str, str]) -> None:
    text = "".join("%s:\t%s\n" % (k, v) for k, v in fields.items())
    assert parse_status(text) == fields


@given(st.lists(st.tuples(st.integers(0, 99).map(str), st.lists(token(string.ascii_lowercase + "_"), max_size=4),
                          line_text.map(lambda p: "/" + p)), max_size=10))
def test_cgroup_round_trip(lines: list) -> None:
    text = "".join("%s:%s:%s\n" % (h, ",".join(c), p) for h, c, p in lines)
    got = parse_cgroup(text)
    assert [(g.hierarchy, g.controllers, g.path) for g in got] == [(h, tuple(c), p) for h, c, p in lines]


def _escape(field: str) -> str:
    """As the kernel's seq_path/mangle does for mountinfo: space, tab, newline, backslash."""
    return "".join("\\%03o" % ord(c) if c in " \t\n\\" else c for c in field)


path_text = st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=40)


@given(path_text)
@example("\\040 literal")
def test_octal_escapes_decode(text: str) -> None:
    assert _unescape(_escape(text)) == text


@given(st.integers(1, 10 ** 6), path_text.map(lambda p: "/" + p), path_text.map(lambda p: "/" + p),
       token(string.ascii_lowercase + ",="), token(string.ascii_lowercase + "."), path_text.filter(bool),
       token(string.ascii_lowercase + string.digits + ",=/:"),
       st.lists(token(string.ascii_lowercase + string.digits + ":"), max_size=3))
def test_mountinfo_round_trip(mount_id: int, root: str, point: str, options: str, fstype: str, source: str,
                              super_options: str, optional: List[str]) -> None:
    fields = [str(mount_id), "1", "0:22", _escape(root), _escape(point), options] + optional
    line = " ".join(fields) + " - " + " ".join([fstype, _escape(source), super_options])
    (got,) = parse_mountinfo("noise without a separator\n" + line + "\n")
    assert got == Mount(str(mount_id), root, point, options, fstype, source, super_options)


@given(st.binary(max_size=2000))
def test_environ_never_raises_and_filter_keeps_only_runtime_names(data: bytes) -> None:
    parse_environ(data)
    kept = parse_environ(filter_environ(data))
    assert set(kept) <= RUNTIME_VARIABLES


@given(st.dictionaries(st.text(st.characters(blacklist_characters="=\0", blacklist_categories=("Cs",)), min_size=1,
                               max_size=20),
                       st.text(st.characters(blacklist_characters="\0", blacklist_categories=("Cs",)), max_size=40),
                       max_size=10))
def test_environ_round_trip(env: Dict[str, str]) -> None:
    data = b"".join(("%s=%s" % kv).encode() + b"\0" for kv in env.items())
    assert parse_environ(data) == env


@given(st.sampled_from(["pid", "user", "mnt", "net", "cgroup", "time_for_children"]), st.integers(0, 2 ** 64))
def test_ns_link_round_trip(kind: str, inode: int) -> None:
    assert parse_ns_link("%s:[%d]\n" % (kind, inode)) == (kind, inode)


@given(st.lists(st.tuples(u32, u32, u32), max_size=5))
def test_id_map_round_trip(entries: list) -> None:
    text = "".join("%10d %10d %10d\n" % e for e in entries)
    assert parse_id_map(text) == entries


@given(st.integers(0, 2 ** 256))
def test_hex_mask_round_trip(mask: int) -> None:
    assert parse_hex_mask("%08x\n" % mask) == mask


def test_parsers_are_linear_on_large_input() -> None:
    """4 MiB of hostile text (the most a probe reads) in well under a second each."""
    blob = ("\\" * 1000 + " - " * 1000 + ":" * 1000 + "\t\n") * 1000
    for parse in (parse_cpuinfo, parse_dmidecode, parse_status, parse_cgroup, parse_mountinfo, parse_id_map):
        start = time.monotonic()
        parse(blob)
        assert time.monotonic() - start < 2, parse.__name__


# -- ACPI -----------------------------------------------------------------------------------
@given(st.binary(max_size=400))
def test_acpi_never_raises(raw: bytes) -> None:
    parse_header(raw)
    fadt_hypervisor_vendor(raw)
    fadt_hypervisor_vendor(b"FACP" + raw)


ascii_id = st.text(string.ascii_uppercase + string.digits + "_", min_size=1, max_size=8)


@given(st.sampled_from([b"FACP", b"DSDT", b"APIC"]), u32, st.integers(0, 255), ascii_id.map(lambda s: s[:6]),
       ascii_id, ascii_id.map(lambda s: s[:4]))
def test_acpi_header_round_trip(signature: bytes, length: int, revision: int, oem: str, table: str,
                                creator: str) -> None:
    raw = (signature + length.to_bytes(4, "little") + bytes([revision, 0]) + oem.encode().ljust(6, b" ")
           + table.encode().ljust(8, b" ") + b"\0\0\0\0" + creator.encode().ljust(4, b" ") + b"\0" * 4)
    assert len(raw) == HEADER_LENGTH
    header = parse_header(raw)
    assert header is not None
    assert (header.signature, header.length, header.revision, header.oem_id, header.oem_table_id,
            header.creator_id) == (signature.decode(), length, revision, oem, table, creator)


@given(ascii_id)
def test_fadt_vendor_round_trip(vendor: str) -> None:
    raw = b"FACP" + b"\0" * (FADT_HYPERVISOR_VENDOR_OFFSET - 4) + vendor.encode().ljust(8, b"\0")
    assert fadt_hypervisor_vendor(raw) == vendor


# -- CPUID signatures -----------------------------------------------------------------------------
@given(u32, u32, u32)
def test_signature_text_never_raises(ebx: int, ecx: int, edx: int) -> None:
    text = signature_text(ebx, ecx, edx)
    assert len(text) <= 12
    plausible_signature(text)


@given(st.text(st.characters(min_codepoint=32, max_codepoint=126), min_size=1, max_size=12))
def test_signature_round_trip(text: str) -> None:
    raw = text.encode("ascii").ljust(12, b"\0")
    regs = [int.from_bytes(raw[i:i + 4], "little") for i in (0, 4, 8)]
    assert signature_text(*regs) == text
    assert plausible_signature(text) == (len(text.strip()) >= 4 and len(set(text.strip())) > 1)


@given(any_text)
def test_plausible_signature_never_raises(text: str) -> None:
    plausible_signature(text)


# -- whole captures -------------------------------------------------------------------------------
json_scalars = st.none() | st.booleans() | st.integers(-2 ** 70, 2 ** 70) | st.floats(allow_nan=False) | st.text(
    max_size=30)
json_values = st.recursive(json_scalars, lambda children: st.lists(children, max_size=5)
                           | st.dictionaries(st.text(max_size=20), children, max_size=5), max_leaves=30)
KEYS = ["format", "captured_at", "user", "uname", "cpuid", "links", "devices", "errors", "stats", "msr", "unread"]
documents = st.one_of(
    json_values,
    st.fixed_dictionaries({"format": st.just(FORMAT)},
                          optional={k: json_values for k in KEYS[1:]}),
    st.fixed_dictionaries({"format": st.just(FORMAT)}, optional={
        "cpuid": st.dictionaries(st.sampled_from(["0x1", "0x40000000", "0x40000100", "0x7.0x1", "0x80000000"]),
                                 st.lists(st.integers(-1, 2 ** 33), min_size=4, max_size=4)),
        "links": st.dictionaries(st.sampled_from(["/proc/self/ns/pid", "/proc/self/ns/user", "/proc/1/ns/mnt",
                                                  "/proc/self/ns/mnt"]), st.text(max_size=30)),
        "errors": st.dictionaries(st.text(max_size=30), st.text(max_size=30)),
        "uname": st.dictionaries(st.sampled_from(["sysname", "release", "version", "machine"]), st.text(max_size=30)),
        "devices": st.dictionaries(st.sampled_from(["/dev/kvm", "/dev/lxd/sock"]), json_values),
        "stats": st.dictionaries(st.sampled_from(["/", "/proc/1/root"]), st.dictionaries(
            st.sampled_from(["dev", "ino", "mode", "uid", "gid"]), json_values)),
    }),
)


def _assert_sound(report) -> None:
    """Nothing a probe or check met made it fail, and the report can be written."""
    assert not [e for e in report.evidence if e.error == "EPROBE"], [e.raw for e in report.evidence
                                                                     if e.error == "EPROBE"]
    assert not [c for c in report.checks if c.summary.startswith("the check failed")]
    json.dumps(report.to_dict(), ensure_ascii=False).encode("utf-8")
    from hvaudit.report import FORMATS, render

    for fmt in FORMATS:
        render(report, fmt).encode("utf-8")


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(documents)
def test_capture_json_of_any_shape(document: object) -> None:
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "capture.json").write_text(json.dumps(document))
        (Path(folder) / "root").mkdir()
        try:
            source = CaptureSource(Path(folder))
        except CaptureError as exc:
            assert "\n" not in str(exc)
            return
        _assert_sound(run_audit(source))


def _asked_paths() -> List[str]:
    """Every path the probes ask of a machine that has nothing."""

    class Spy(DictSource):
        asked: List[str] = []

        def read(self, path: str, *args, **kwargs):
            self.asked.append(path)
            return super().read(path, *args, **kwargs)

    spy = Spy()
    run_audit(spy)
    return sorted(set(spy.asked)) + [
        "/proc/self/environ", "/proc/1/environ", "/proc/xen/capabilities",
        "/sys/bus/pci/devices/0000:00:01.0/vendor", "/sys/bus/virtio/devices/virtio0/.keep"]


ASKED = _asked_paths()


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(ASKED), st.binary(max_size=600) | st.text(max_size=300).map(str.encode),
                       max_size=12))
@example({"/proc/self/status": "VxID:\t\u00b2\nTracerPid:\t\u00b3\n".encode(),
          "/proc/self/uid_map": "\u00b2 0 1\n".encode()})
def test_random_bytes_in_any_probed_file(files: Dict[str, bytes]) -> None:
    _assert_sound(run_audit(DictSource(files)))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.dictionaries(st.sampled_from(ASKED), st.binary(max_size=600), min_size=1, max_size=12),
       st.binary(max_size=300))
def test_random_bytes_in_root_files_of_a_capture(files: Dict[str, bytes], dmidecode: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder)
        (base / "capture.json").write_text(json.dumps({"format": FORMAT}))
        for path, data in files.items():
            target = base / "root" / path.lstrip("/")
            if any(p.is_file() for p in target.parents if str(p).startswith(folder)):
                continue
            if target.is_dir():
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        (base / "commands").mkdir()
        (base / "commands" / "dmidecode.txt").write_bytes(b"Handle 0x0001, DMI type 1, 27 bytes\n" + dmidecode)
        source = CaptureSource(base)
        _assert_sound(run_audit(source))
        assert os.path.isdir(folder)


# -- redaction ------------------------------------------------------------------------------------------
@given(any_text, st.text(max_size=20))
@example("Serial Number: X\nUUID: 4C4C4544-0042-3510-8051-B7C04F4E3232 52:54:00:ab:cd:ef", "host")
@example("host <hostname> mac uuid-1 serial", "host")
@example("ost h", "h")
def test_redaction_never_raises_and_is_stable(text: str, hostname: str) -> None:
    from hvaudit.redact import Redactor

    redactor = Redactor(hostname)
    redactor.learn_text(text)
    once = redactor.text(text)
    assert redactor.text(once) == once  # placeholders are never redacted again
    assert redactor.text(text) == once  # same input, same placeholders


@given(st.binary(max_size=500))
def test_redaction_of_bytes_round_trips(data: bytes) -> None:
    from hvaudit.redact import MAC, UUID, Redactor

    text = data.decode("utf-8", "surrogateescape")
    if not UUID.search(text) and not MAC.search(text):
        assert Redactor().data(data) == data
