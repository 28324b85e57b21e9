"""Why a source cannot answer (CPUID on another architecture, executable memory denied ...) is
an errno name and a message with named fields, rendered in the report's language; captures
keep it (`reasons`), and the English texts older captures hold read as the same messages."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from hvaudit import messages
from hvaudit.audit import run_audit
from hvaudit.collect import write_capture
from hvaudit.errors import Reason
from hvaudit.model import unseen
from hvaudit.report import render
from hvaudit.sources.capture import CaptureSource, captured_error
from hvaudit.sources.cpuid import CpuidExecutor
from hvaudit.sources.recording import RecordingSource

from .conftest import FIXTURES
from .report_samples import plain_text

#: A macOS capture on Apple silicon written before message ids: errors.cpuid holds English.
ARM64_CAPTURE = FIXTURES / "captures" / "macos-hvf-apple-silicon"


def _fields(reason: str) -> dict:
    return dict(getattr(reason, "fields", ()))


def test_a_reason_is_its_errno_name_with_a_message() -> None:
    reason = Reason("ENOSYS", "note.cpuid.not-x86", machine="aarch64")
    assert reason == "ENOSYS" and str(reason) == "ENOSYS" and json.dumps(reason) == '"ENOSYS"'
    evidence = unseen("cpu.hypervisor-leaves", "cpuid", reason)
    assert (evidence.error, evidence.note, evidence.note_fields) == ("ENOSYS", "note.cpuid.not-x86",
                                                                    (("machine", "aarch64"),))
    assert type(evidence.error) is str
    # A note given by the caller wins; a plain errno name brings none.
    assert unseen("p", "w", reason, "note.probe-failed").note_fields == ()
    assert unseen("p", "w", "EACCES").note == ""


def test_another_architecture_says_why_without_a_sentence() -> None:
    executor = CpuidExecutor(machine="aarch64", system="Linux")
    assert executor(0) is None
    reason = executor.unavailable()
    assert reason == "ENOSYS" and reason.message == "note.cpuid.not-x86" and _fields(reason) == {"machine": "aarch64"}
    pt = messages.render(reason.message, "pt", **_fields(reason))
    assert pt == "CPUID é uma instrução x86; esta máquina é aarch64"


#: What hvaudit before message ids wrote in capture.json's errors.cpuid, and what it reads as.
OLD_TEXTS = [
    ("ENOSYS: CPUID is an x86 instruction; this machine is arm64", "note.cpuid.not-x86", {"machine": "arm64"}),
    ("EPERM: CPUID faulting is enabled for this process", "note.cpuid.faulting", {}),
    ("EACCES: executable memory denied (SELinux execmem or a hardened kernel)", "note.cpuid.exec-denied", {}),
    ("EPERM: executable memory denied (error 5)", "note.cpuid.exec-denied-windows", {"code": "5"}),
    ("ENOMEM: VirtualAlloc failed (error 8)", "note.cpuid.virtualalloc-failed", {"code": "8"}),
    ("ENOSYS: py-cpuinfo is not installed (No module named 'cpuinfo')", "note.cpuid.no-py-cpuinfo",
     {"error": "No module named 'cpuinfo'"}),
    ("ENOTCAPTURED: the capture holds no CPUID leaves", "note.cpuid.not-captured", {}),
    # An exception's text, or any text this hvaudit does not know: data in a field.
    ("EIO: [Errno 5] Input/output error", "note.cpuid.failed", {"error": "[Errno 5] Input/output error"}),
    ("EPERM: the machine was struck by lightning", "note.cpuid.failed",
     {"error": "the machine was struck by lightning"}),
    ("ENOSYS", "note.cpuid.unavailable", {}),
]


@pytest.mark.parametrize("text,message,fields", OLD_TEXTS, ids=[t for t, _, _ in OLD_TEXTS])
def test_an_older_capture_s_cpuid_text_reads_as_a_message(text: str, message: str, fields: dict) -> None:
    reason = captured_error("cpuid", text)
    assert reason == text.split(":")[0]
    assert (reason.message, _fields(reason)) == (message, fields)
    assert messages.known(message)


def test_other_errors_keep_their_text_as_data() -> None:
    assert captured_error("/proc/1/environ", "EACCES") == "EACCES"
    assert type(captured_error("/proc/1/environ", "EACCES")) is str
    reason = captured_error("/proc/1/environ", "EACCES: denied by policy")
    assert (reason, reason.message, _fields(reason)) == ("EACCES", "note.capture.error-text",
                                                        {"text": "denied by policy"})
    assert captured_error("/x", "not an errno name") == "not an errno name"


def test_a_reason_from_capture_json_is_checked() -> None:
    kept = captured_error("cpuid", "ENOSYS", {"message": "note.cpuid.not-x86", "fields": {"machine": "riscv64",
                                                                                      "bad name": "x", "n": 1}})
    assert (kept.message, _fields(kept)) == ("note.cpuid.not-x86", {"machine": "riscv64"})
    # An id this hvaudit does not know (a newer one) falls back to what the errno name says.
    unknown = captured_error("cpuid", "ENOSYS", {"message": "note.cpuid.from-the-future", "fields": {}})
    assert unknown.message == "note.cpuid.unavailable"


def _copy(tmp_path: Path, errors_cpuid: str) -> Path:
    copy = tmp_path / "capture"
    shutil.copytree(ARM64_CAPTURE, copy)
    doc = json.loads((copy / "capture.json").read_text())
    doc["errors"]["cpuid"] = errors_cpuid
    (copy / "capture.json").write_text(json.dumps(doc))
    return copy


def test_an_older_arm64_capture_reports_in_portuguese() -> None:
    report = run_audit(CaptureSource(ARM64_CAPTURE))
    for fmt in ("markdown", "html"):
        plain = plain_text(render(report, fmt, lang="pt"), fmt)
        assert "CPUID é uma instrução x86; esta máquina é arm64" in plain, fmt
        assert "this machine is" not in plain, fmt
    text = render(report, "text", lang="pt")
    assert "CPUID is an x86 instruction" not in text
    data = json.loads(render(report, "json", lang="pt"))
    (item,) = [e for e in data["evidence"] if e["where"] == "cpuid"]
    assert (item["error"], item["note_id"], item["note_fields"]) == ("ENOSYS", "note.cpuid.not-x86",
                                                                    {"machine": "arm64"})


def test_unknown_older_text_is_quoted_as_data(tmp_path: Path) -> None:
    report = run_audit(CaptureSource(_copy(tmp_path, "EPERM: the machine was struck by lightning")))
    plain = plain_text(render(report, "markdown", lang="pt"), "markdown")
    assert "não foi possível executar CPUID; o erro informado: “the machine was struck by lightning”" in plain


def test_a_capture_of_a_capture_keeps_the_reason_and_audits_alike(tmp_path: Path) -> None:
    recording = RecordingSource(CaptureSource(ARM64_CAPTURE))
    first = run_audit(recording)
    write_capture(recording, tmp_path / "again", first)
    doc = json.loads((tmp_path / "again" / "capture.json").read_text())
    assert doc["errors"]["cpuid"] == "ENOSYS"
    assert doc["reasons"]["cpuid"] == {"message": "note.cpuid.not-x86", "fields": {"machine": "arm64"}}
    replayed = run_audit(CaptureSource(tmp_path / "again"))
    assert [e.to_dict() for e in replayed.evidence] == [e.to_dict() for e in first.evidence]
    assert [c.to_dict() for c in replayed.checks] == [c.to_dict() for c in first.checks]
