"""The command line, through click's runner and as a real process."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest

from hvaudit.cli import main
from hvaudit.schema import schema_text

from .conftest import CORPUS, ROOT, hvaudit_command, process_env

DOCKER = CORPUS / "virt-what" / "docker"
BAREMETAL = CORPUS / "virt-what" / "baremetal"
needs_corpus = pytest.mark.skipif(not DOCKER.is_dir(), reason="the shared corpus is not beside this checkout")


def run(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(hvaudit_command() + list(args), capture_output=True, text=True, env=process_env(),
                          cwd=str(ROOT), timeout=120, **kwargs)


def call(capsys, *args: str) -> tuple:
    with pytest.raises(SystemExit) as exit_info:
        main(list(args))
        raise SystemExit(0)
    out = capsys.readouterr()
    return exit_info.value.code or 0, out.out, out.err


def test_version(capsys) -> None:
    code, out, _ = call(capsys, "--version")
    assert (code, out.split()[0]) == (0, "hvaudit")


@needs_corpus
def test_detect_exit_codes_follow_systemd_detect_virt(capsys) -> None:
    assert call(capsys, "detect", "--capture", str(DOCKER))[:2] == (0, "docker\n")
    assert call(capsys, "detect", "--capture", str(DOCKER), "--vm")[:2] == (1, "none\n")
    assert call(capsys, "detect", "--capture", str(BAREMETAL), "-q")[:2] == (1, "")


def test_detect_list_matches_systemd_identifiers(capsys) -> None:
    code, out, _ = call(capsys, "detect", "--list")
    assert code == 0
    assert out.split()[:3] == ["none", "kvm", "amazon"] and out.split()[-1] == "container-other"


@needs_corpus
def test_json_report_validates_against_the_schema(capsys) -> None:
    code, out, _ = call(capsys, "audit", "--capture", str(DOCKER), "--format", "json")
    assert code == 0
    jsonschema.validate(json.loads(out), json.loads(schema_text()))


@pytest.mark.slow
def test_live_json_report_validates_and_runs_as_a_process() -> None:
    proc = run("audit", "--format", "json")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout)
    jsonschema.validate(report, json.loads(schema_text()))
    assert report["meta"]["source"] == "live"


@pytest.mark.slow
def test_python_m_and_bare_command_print_a_summary() -> None:
    proc = run()
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("This machine is")


@pytest.mark.parametrize("args,code,message", [
    (("audit", "--capture", "/nonexistent/capture"), 2, "capture not found"),
    (("detect", "--capture", "/etc/hostname"), 2, "not a capture folder"),
    (("audit", "--format", "yaml"), 2, "Invalid value"),
    (("detect", "--bogus"), 1, "unrecognized option '--bogus'"),  # as systemd-detect-virt
    (("detect", "-cx"), 1, "unrecognized option '-x'"),
    (("detect", "--capture"), 1, "requires a folder"),
])
@pytest.mark.slow
def test_errors_are_one_line_with_documented_codes(args, code, message) -> None:
    proc = run(*args)
    assert proc.returncode == code
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr


@pytest.mark.slow
def test_output_file_is_never_replaced_unasked(tmp_path: Path) -> None:
    target = tmp_path / "report.json"
    target.write_text("keep me")
    proc = run("audit", "-o", str(target))
    assert proc.returncode == 2 and "exists" in proc.stderr
    assert target.read_text() == "keep me"
    proc = run("audit", "-o", str(target), "--force")
    assert proc.returncode == 0, proc.stderr
    json.loads(target.read_text())


@pytest.mark.slow
def test_collect_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "old.txt").write_text("x")
    proc = run("collect", str(tmp_path))
    assert proc.returncode == 2 and "not an empty folder" in proc.stderr
    assert (tmp_path / "old.txt").read_text() == "x"


@pytest.mark.slow
def test_schema_command_prints_the_schema() -> None:
    proc = run("schema")
    assert json.loads(proc.stdout)["title"] == "hvaudit report"


def test_internal_errors_are_one_line(monkeypatch, capsys) -> None:
    import hvaudit.audit

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.delenv("HVAUDIT_DEBUG", raising=False)
    monkeypatch.setattr(hvaudit.audit, "run_audit", broken)
    code, _, err = call(capsys, "audit")
    assert code == 4 and err.startswith("hvaudit: error: internal error: RuntimeError: boom")
    assert sys.exc_info()[0] is None


@needs_corpus
def test_click_runner_audit_json_and_text() -> None:
    from click.testing import CliRunner

    from hvaudit.commands import cli

    runner = CliRunner()
    result = runner.invoke(cli, ["audit", "--capture", str(DOCKER), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["container"] == "docker"
    result = runner.invoke(cli, ["audit", "--capture", str(DOCKER)])
    assert result.exit_code == 0 and result.output.startswith("This machine is inside a container")
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0 and "collect" in result.output


@pytest.mark.parametrize("args", [
    [], ["--format", "json"], ["--format=html", "-o", "r.html", "--force"], ["--capture", "cap", "--lang", "pt"],
    ["--redact", "--output=x.md", "--lang=en"], ["-o", "-"], ["--format", "text", "--format", "json"],
])
def test_plain_audit_arguments_read_as_click_reads_them(args) -> None:
    """`hvaudit audit ...` is read without click when it is well-formed: to the same values."""
    from hvaudit.audit_command import parse_plain_audit
    from hvaudit.commands import audit

    assert parse_plain_audit(["audit"] + args) == audit.make_context("audit", list(args)).params


@pytest.mark.parametrize("args", [
    ["audit", "--help"], ["audit", "-h"], ["audit", "--format", "yaml"], ["audit", "--format"], ["audit", "--bogus"],
    ["audit", "--force=yes"], ["audit", "-oFILE"], ["audit", "x"], ["audit", "--capture="], ["--help"], ["schema"],
    ["collect", "d"], ["--lang", "pt"],
])
def test_anything_else_goes_to_click(args) -> None:
    from hvaudit.audit_command import parse_plain_audit

    assert parse_plain_audit(args) is None


def test_bare_command_is_a_plain_audit() -> None:
    from hvaudit.audit_command import parse_plain_audit

    assert parse_plain_audit([]) == parse_plain_audit(["audit"])
