"""`audit --format prometheus`: checked by Prometheus' own `promtool check metrics`, and
served by a real node_exporter's textfile collector, scraped over loopback.

Needs Debian's `prometheus` (promtool) and `prometheus-node-exporter`; without them the
tests are skipped with the reason.
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from hvaudit.report.prometheus import label_value, render

from .conftest import ROOT, hvaudit_command, process_env
from .report_samples import HOSTILE_CAPTURE, audit, fixture_cases, sample_report

pytestmark = pytest.mark.slow
PROMTOOL = shutil.which("promtool")
NODE_EXPORTER = shutil.which("prometheus-node-exporter") or shutil.which("node_exporter")
needs_promtool = pytest.mark.skipif(PROMTOOL is None, reason="promtool is not installed (apt-get install prometheus)")
SAMPLE = re.compile(r'^(hvaudit_[a-z_]+)(\{.*\})? (\S+)$')
LABEL = re.compile(r'([a-z_]+)="((?:[^"\\]|\\.)*)"')


def promtool_check(text: str) -> subprocess.CompletedProcess:
    assert PROMTOOL is not None
    return subprocess.run([PROMTOOL, "check", "metrics"], input=text, capture_output=True, text=True, timeout=60)


def samples(text: str) -> List[Tuple[str, Dict[str, str], str]]:
    out = []
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = SAMPLE.match(line)
        assert match, line
        labels = {k: v.replace('\\"', '"').replace("\\n", "\n").replace("\\\\", "\\")
                  for k, v in LABEL.findall(match.group(2) or "")}
        out.append((match.group(1), labels, match.group(3)))
    return out


@needs_promtool
@pytest.mark.parametrize("capture", [None, HOSTILE_CAPTURE] + fixture_cases()[:12],
                         ids=lambda p: p.name if p else "live")
def test_promtool_accepts_every_audit(capture) -> None:
    text = render(audit(capture))
    result = promtool_check(text)
    assert result.returncode == 0 and not result.stdout.strip() and not result.stderr.strip(), result


@needs_promtool
def test_hostile_strings_stay_in_their_label() -> None:
    report = sample_report(hostile=True)
    text = render(report)
    assert promtool_check(text).returncode == 0
    layer_names = [labels["name"] for name, labels, _ in samples(text) if name == "hvaudit_layer_info"]
    assert any("<script>" in n for n in layer_names)
    assert "\x1b" not in text and "\x07" not in text
    assert label_value('a"b\\c\nd') == 'a\\"b\\\\c \u23ce d'


def test_help_lines_are_in_the_report_language() -> None:
    """HELP is read by people (Prometheus' and Grafana's metric browsers): one language per
    report, and the same metric families whichever it is."""
    report = audit(None)
    helps = {lang: dict(line.split(" ", 3)[2:] for line in render(report, lang).splitlines()
                        if line.startswith("# HELP "))
             for lang in ("en", "pt")}
    assert set(helps["en"]) == set(helps["pt"]) and len(helps["en"]) >= 6
    for family, english in helps["en"].items():
        assert helps["pt"][family] != english, family
    assert "veredito" in helps["pt"]["hvaudit_info"]
    if PROMTOOL is not None:
        assert promtool_check(render(report, "pt")).returncode == 0


def test_one_series_per_check_and_status() -> None:
    report = audit(None)
    by_check: Dict[str, Dict[str, str]] = {}
    for name, labels, value in samples(render(report)):
        if name == "hvaudit_check_status":
            by_check.setdefault(labels["check"], {})[labels["status"]] = value
    assert set(by_check) == {c.id for c in report.checks}
    for check in report.checks:
        assert by_check[check.id] == {s: ("1" if s == check.status else "0")
                                      for s in ("pass", "warn", "fail", "unknown", "info")}
    info = [labels for name, labels, _ in samples(render(report)) if name == "hvaudit_info"]
    assert info == [dict(info[0], vm=report.vm, container=report.container, classification=report.classification)]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.integration
@needs_promtool
@pytest.mark.skipif(NODE_EXPORTER is None, reason="apt-get install prometheus-node-exporter")
def test_node_exporter_serves_the_audit(tmp_path: Path) -> None:
    textfiles = tmp_path / "textfile"
    textfiles.mkdir()
    target = textfiles / "hvaudit.prom"
    command = hvaudit_command() + ["audit", "--format", "prometheus", "-o", str(target)]
    for _ in range(2):  # the second run replaces the file, as a timer's would (with --force)
        proc = subprocess.run(command + ["--force"], capture_output=True, text=True, env=process_env(),
                              cwd=str(ROOT), timeout=120)
        assert proc.returncode == 0, proc.stderr
    assert [p.name for p in textfiles.iterdir()] == ["hvaudit.prom"]  # no temporary file left behind
    port = _free_port()
    exporter = subprocess.Popen(
        [NODE_EXPORTER, "--web.listen-address=127.0.0.1:%d" % port, "--collector.disable-defaults",
         "--collector.textfile", "--collector.textfile.directory=%s" % textfiles],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        body = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen("http://127.0.0.1:%d/metrics" % port, timeout=5) as response:
                    body = response.read().decode("utf-8")
                break
            except OSError:
                assert exporter.poll() is None, exporter.stderr.read().decode() if exporter.stderr else ""
                time.sleep(0.2)
    finally:
        exporter.terminate()
        exporter.wait(timeout=10)
    assert 'node_textfile_scrape_error 0' in body
    served = [line for line in body.splitlines() if line.startswith("hvaudit_")]
    written = [line for line in target.read_text(encoding="utf-8").splitlines() if line.startswith("hvaudit_")]
    assert served and {s.split("{")[0].split(" ")[0] for s in served} == {
        "hvaudit_info", "hvaudit_layer_info", "hvaudit_check_status", "hvaudit_can_host", "hvaudit_findings",
        "hvaudit_unseen_sources", "hvaudit_audit_timestamp_seconds"}
    assert len(served) == len(written)
    assert any(line.startswith('hvaudit_check_status{check="kvm-device"') for line in served)
    assert promtool_check(body).returncode == 0


def _contrib_commands() -> List[Tuple[str, List[str]]]:
    """The audit command of the systemd service and of the cron example, as argv."""
    import shlex

    service = (ROOT / "contrib" / "systemd" / "hvaudit-textfile.service").read_text(encoding="utf-8")
    exec_start = [line.partition("=")[2] for line in service.splitlines() if line.startswith("ExecStart=")]
    cron = (ROOT / "contrib" / "cron" / "hvaudit").read_text(encoding="utf-8")
    entries = [line.split(None, 6)[6] for line in cron.splitlines() if line[:1].isdigit()]  # after the user
    return [("systemd", shlex.split(exec_start[0])),
            ("cron", shlex.split(entries[0].partition(" 2>>")[0]))]


@needs_promtool
@pytest.mark.parametrize("kind", ["systemd", "cron"])
def test_contrib_examples_write_what_the_collector_reads(pyz: Path, tmp_path: Path, kind: str) -> None:
    argv = dict(_contrib_commands())[kind]
    assert argv[1:4] == ["-I", "-S", "/usr/local/lib/hvaudit/hvaudit.pyz"] and argv[-1] == "--force"
    output = argv.index("-o") + 1
    assert argv[output] == "/var/lib/prometheus/node-exporter/hvaudit.prom"
    argv = [sys.executable, "-I", "-S", str(pyz)] + argv[4:]
    argv[argv.index("-o") + 1] = str(tmp_path / "hvaudit.prom")
    for _ in range(2):
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd="/")
        assert proc.returncode == 0, proc.stderr
    assert promtool_check((tmp_path / "hvaudit.prom").read_text(encoding="utf-8")).returncode == 0


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is not installed")
def test_systemd_units_verify() -> None:
    folder = ROOT / "contrib" / "systemd"
    proc = subprocess.run(["systemd-analyze", "verify", "hvaudit-textfile.service", "hvaudit-textfile.timer"],
                          cwd=str(folder), capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
