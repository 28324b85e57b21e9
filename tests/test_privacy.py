"""Privacy: no capture and no report holds a secret (environment values other than runtime
names, tokens, keys, service-account contents), and --redact hides serial numbers, UUIDs,
MAC addresses and the hostname everywhere, with stable placeholders."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Dict, List

import pytest

from hvaudit import messages
from hvaudit.audit import run_audit
from hvaudit.collect import collect
from hvaudit.redact import NOTICE, Redactor, audit_redacted
from hvaudit.report import FORMATS
from hvaudit.sources.capture import CaptureSource

from . import hostile_cases
from .conftest import ROOT, hvaudit_command, process_env
from .support import HYPERVISOR_BIT, DictSource, signature

AWS_SECRET = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY"
TOKEN = "eyJhbGciOiJSUzI1NiJ9.service-account-token-SECRET"
SERIAL = "SN-7Q2X9-ZZ41"
SHORT_SERIAL = "X7"
UUID_VALUE = "4c4c4544-0042-3510-8051-b7c04f4e3232"
OTHER_UUID = "9f0e4c2a-7b1d-4e8f-a3c6-5d2b1e0f9a87"
HV_UUID = "ec2f5a1b-1234-5678-9abc-def012345678"
MAC = "52:54:00:ab:cd:ef"
HOST = "db-prod-7.corp.example"
ASSET = "ASSET-998877"
HIDDEN = [SERIAL, UUID_VALUE, UUID_VALUE.upper(), OTHER_UUID, HV_UUID, HV_UUID[3:], MAC, MAC.upper(), HOST,
          "db-prod-7", ASSET, "Serial Number: " + SHORT_SERIAL]
SECRETS = [AWS_SECRET, TOKEN, "AWS_SECRET_ACCESS_KEY", "DB_PASSWORD"]

DMIDECODE = f"""# dmidecode 3.4
Handle 0x0000, DMI type 0, 24 bytes
BIOS Information
\tVendor: SeaBIOS
\tVersion: 1.16.2
\tCharacteristics:
\t\tSystem is a virtual machine

Handle 0x0100, DMI type 1, 27 bytes
System Information
\tManufacturer: QEMU
\tProduct Name: Standard PC (Q35 + ICH9, 2009)
\tSerial Number: {SERIAL}
\tUUID: {UUID_VALUE.upper()}
\tFamily: Not Specified

Handle 0x0200, DMI type 2, 15 bytes
Base Board Information
\tManufacturer: QEMU
\tSerial Number: {SHORT_SERIAL}
\tAsset Tag: Not Specified

Handle 0x0300, DMI type 3, 22 bytes
Chassis Information
\tManufacturer: QEMU
\tSerial Number: Not Specified
\tAsset Tag: {ASSET}
"""


def fake_machine() -> DictSource:
    """A KVM guest in a Docker container whose firmware, mounts and cgroups carry every kind
    of identifying value, and whose environments and service account carry secrets."""
    environ = b"container=docker\0AWS_SECRET_ACCESS_KEY=" + AWS_SECRET.encode() + b"\0DB_PASSWORD=hunter2\0"
    return DictSource({
        "/proc/cpuinfo": "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu hypervisor\n",
        "/proc/self/mountinfo": "22 1 0:22 / / rw - overlay overlay rw,lowerdir=/srv/data/%s/%s,"
                                "upperdir=/var/lib/docker/overlay2/%s/diff\n" % (MAC, UUID_VALUE, OTHER_UUID),
        "/proc/self/cgroup": "0::/machine.slice/machine-%s.scope\n" % HOST,
        "/proc/1/environ": environ,
        "/proc/self/environ": environ,
        "/sys/hypervisor/uuid": HV_UUID + "\n",
        "/sys/bus/xen/devices/vif-0/mac": MAC + "\n",
        "/var/run/secrets/kubernetes.io/serviceaccount/token": TOKEN,
        "/var/run/secrets/kubernetes.io/serviceaccount/namespace": "prod",
        "/.dockerenv": "",
    }, cpuid={(1, 0): HYPERVISOR_BIT, (0x40000000, 0): signature("KVMKVMKVM")},
        uname={"sysname": "Linux", "nodename": HOST, "release": "6.1.0", "machine": "x86_64"},
        commands={"dmidecode": DMIDECODE})


def everything_in(folder: Path) -> str:
    """Every name and every byte in a folder, as one text to search."""
    parts: List[str] = []
    for dirpath, dirnames, filenames in os.walk(folder):
        parts.extend(os.path.join(dirpath, n) for n in dirnames + filenames)
        for name in filenames:
            parts.append(Path(dirpath, name).read_bytes().decode("utf-8", "replace"))
    return "\n".join(parts)


def all_reports(*args: str, env: Dict[str, str] = None) -> Dict[str, str]:
    """`hvaudit audit ARGS --format F` for every format this build has, as real processes."""
    out = {}
    for fmt in sorted(FORMATS):
        proc = subprocess.run(hvaudit_command() + ["audit", *args, "--format", fmt], capture_output=True, text=True,
                              env=env or process_env(), cwd=str(ROOT), timeout=120)
        assert proc.returncode == 0, proc.stderr
        out[fmt] = proc.stdout
    return out


def assert_absent(text: str, values: List[str], what: str) -> None:
    leaked = [v for v in values if v.lower() in text.lower()]
    assert not leaked, (what, leaked)


# -- secrets are never kept ----------------------------------------------------------------------
@pytest.mark.slow
def test_capture_and_reports_hold_no_secrets(tmp_path: Path) -> None:
    target = tmp_path / "capture"
    report = collect(target, source=fake_machine())
    assert report.container == "docker"
    assert_absent(everything_in(target), SECRETS, "capture")
    environ = (target / "root" / "proc" / "1" / "environ").read_bytes()
    assert environ == b"container=docker\0"
    for fmt, text in all_reports("--capture", str(target)).items():
        assert_absent(text, SECRETS, fmt)
    assert_absent(json.dumps(report.to_dict()), SECRETS, "report")


@pytest.mark.slow
def test_secrets_planted_in_a_capture_never_reach_a_report(tmp_path: Path) -> None:
    """A capture from elsewhere may hold a full environment and a service-account token."""
    folder = tmp_path / "capture"
    hostile_cases.write_base(folder, files={
        "proc/1/environ": b"container=podman\0AWS_SECRET_ACCESS_KEY=" + AWS_SECRET.encode() + b"\0",
        "proc/self/environ": b"DB_PASSWORD=" + TOKEN.encode() + b"\0",
        "proc//self/task/1/environ": b"AWS_SECRET_ACCESS_KEY=" + AWS_SECRET.encode() + b"\0",
        "var/run/secrets/kubernetes.io/serviceaccount/token": TOKEN.encode(),
    })
    source = CaptureSource(folder)
    assert b"AWS" not in (source.read("/proc/1/environ").data or b"")
    assert source.read("//proc/./self/task/1/environ").error or b"AWS" not in (
        source.read("//proc/self/task/1/environ").data or b"")
    for fmt, text in all_reports("--capture", str(folder)).items():
        assert_absent(text, SECRETS, fmt)


@pytest.mark.slow
def test_live_collect_keeps_no_secret_of_its_own_environment(tmp_path: Path) -> None:
    env = process_env()
    env.update(AWS_SECRET_ACCESS_KEY=AWS_SECRET, DB_PASSWORD="hunter2-" + TOKEN, GITHUB_TOKEN=TOKEN)
    target = tmp_path / "live"
    proc = subprocess.run(hvaudit_command() + ["collect", str(target)], capture_output=True, text=True, env=env,
                          cwd=str(ROOT), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert_absent(everything_in(target) + proc.stderr, SECRETS + ["hunter2", "GITHUB_TOKEN"], "live capture")
    for fmt, text in all_reports(env=env).items():
        assert_absent(text, SECRETS + ["hunter2"], "live " + fmt)
    for fmt, text in all_reports("--capture", str(target), env=env).items():
        assert_absent(text, SECRETS + ["hunter2"], "replayed " + fmt)


# -- --redact -----------------------------------------------------------------------------------
@pytest.mark.slow
def test_unredacted_values_do_reach_outputs(tmp_path: Path) -> None:
    """The test below means something: without --redact these values are there."""
    target = tmp_path / "plain"
    collect(target, source=fake_machine())
    text = everything_in(target)
    assert SERIAL in text and UUID_VALUE in text and MAC in text and HOST in text and HV_UUID in text
    assert HV_UUID in all_reports("--capture", str(target))["json"]
    assert MAC in all_reports("--capture", str(target))["json"]


@pytest.mark.slow
def test_redacted_collect_and_every_redacted_report_hide_every_value(tmp_path: Path) -> None:
    plain, redacted = tmp_path / "plain", tmp_path / "redacted"
    collect(plain, source=fake_machine())
    report = collect(redacted, source=fake_machine(), redact=True)
    capture_text = everything_in(redacted)
    assert_absent(capture_text, HIDDEN + SECRETS, "redacted capture")
    doc = json.loads((redacted / "capture.json").read_text())
    assert doc["redacted"] is True and doc["uname"]["nodename"] == "<hostname>"
    dmidecode = (redacted / "commands" / "dmidecode.txt").read_text()
    assert "Serial Number: <serial-" in dmidecode and "Serial Number: Not Specified" in dmidecode
    assert "Asset Tag: <asset-tag-1>" in dmidecode
    # One value, one placeholder: the dmidecode UUID is the mount path's UUID (case aside).
    uuid_mark = re.search(r"UUID: (<uuid-\d+>)", dmidecode).group(1)
    assert uuid_mark in (redacted / "root" / "proc" / "self" / "mountinfo").read_text()
    assert (redacted / "root" / "sys" / "hypervisor" / "uuid").read_text().startswith("ec2<uuid-")
    # Audits of the plain capture and of the redacted one, redacted, in every format.
    for capture in (plain, redacted):
        for fmt, text in all_reports("--capture", str(capture), "--redact").items():
            assert_absent(text, HIDDEN + SECRETS, "%s %s" % (capture.name, fmt))
            if fmt == "json":
                assert json.loads(text)["meta"]["redacted"] is True
            if fmt == "text":  # wrapped at the terminal's width
                assert " ".join(messages.text(NOTICE).split()) in " ".join(text.split())
    # The redacted capture still audits to the same verdict (the "ec2" prefix is kept).
    replayed = run_audit(CaptureSource(redacted))
    assert (replayed.vm, replayed.container) == (report.vm, report.container)
    assert replayed.meta.redacted is True


def test_audit_redacted_in_process_and_placeholders_are_stable() -> None:
    report = audit_redacted(fake_machine())
    text = json.dumps(report.to_dict())
    assert_absent(text, HIDDEN, "report")
    assert report.meta.redacted and report.container == "docker"
    redactor = Redactor(HOST)
    first = redactor.text("%s and %s in /lxc.payload.%s/" % (MAC, UUID_VALUE, HOST))
    again = redactor.text("machine-%s.scope %s %s" % (HOST, UUID_VALUE.upper(), MAC))
    assert first == "<mac-1> and <uuid-1> in /lxc.payload.<hostname>/"
    assert again == "machine-<hostname>.scope <uuid-1> <mac-1>"
    assert redactor.text("kvm-clock, KVM, Not Specified, 0000:00:01.0, 12:34:56") == \
        "kvm-clock, KVM, Not Specified, 0000:00:01.0, 12:34:56"


def test_redaction_keeps_cloud_names_and_generic_defaults() -> None:
    redactor = Redactor("localhost")
    redactor.learn_text("\tAsset Tag: OracleCloud.com\n\tSerial Number: To Be Filled By O.E.M.\n")
    assert redactor.text("\tAsset Tag: OracleCloud.com\n") == "\tAsset Tag: OracleCloud.com\n"
    assert redactor.text("localhost") == "localhost"


@pytest.mark.parametrize("data", [b"\xff\xfe binary \x00" + MAC.encode(), bytes(range(256))])
def test_binary_files_are_never_changed_byte_by_byte(data: bytes) -> None:
    assert Redactor().data(data) == data
    assert Redactor(HOST).data(data + MAC.encode(), "/proc/config.gz") == data + MAC.encode()


def test_text_with_bytes_that_are_not_utf8_is_redacted_and_round_trips() -> None:
    data = b"\xff\xfe text " + MAC.encode() + b" \xe9"
    assert Redactor().data(data) == b"\xff\xfe text <mac-1> \xe9"


@pytest.mark.slow
def test_collect_redact_as_a_process(tmp_path: Path) -> None:
    target = tmp_path / "live"
    proc = subprocess.run(hvaudit_command() + ["collect", "--redact", str(target)], capture_output=True, text=True,
                          env=process_env(), cwd=str(ROOT), timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert json.loads((target / "capture.json").read_text())["redacted"] is True
    assert_absent(everything_in(target), [os.uname().nodename] if len(os.uname().nodename) >= 4 else [], "live")
