"""`hvaudit fleet` and `hvaudit diff` on the JSON reports of fixture captures, and the
published schema of `detect --json`."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path
from typing import Dict, List

import jsonschema
import pytest

from hvaudit.fleet import read_fleet
from hvaudit.schema import DETECT_SCHEMA, schema_text

from .conftest import FIXTURES
from .report_samples import HOSTILE, audit, fixture_cases
from .test_cli import call

#: Each test audits captures and runs the command line several times: seconds, not milliseconds.
pytestmark = pytest.mark.slow
CAPTURES = FIXTURES / "captures"
#: Fixtures whose verdicts the fleet's questions are asked about (each documented in its SOURCE.md).
FLEET = ("bare-metal-intel-host", "cap-intel-vtx-disabled-bios", "cap-gce-nested-guest", "aws-nitro-c5",
         "docker-on-kvm", "azure-hyperv-vm", "windows-hyperv-host", "cap-kvm-user-not-in-group")


@pytest.fixture(scope="module")
def reports(tmp_path_factory) -> Dict[str, Path]:
    folder = tmp_path_factory.mktemp("fleet")
    out = {}
    for name in FLEET:
        report = audit(CAPTURES / name).to_dict()
        path = folder / "reports" / ("%s.json" % name)
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(report), encoding="utf-8")
        out[name] = path
    return out


def _damaged(folder: Path) -> List[str]:
    """Files in `folder` that are no usable report, each for a different reason."""
    (folder / "empty.json").write_text("", encoding="utf-8")
    (folder / "truncated.json").write_text('{"schema": "https://hvaudit.invalid/schema/report-1.json", "vm"',
                                           encoding="utf-8")
    (folder / "latin1.json").write_bytes(b'{"host": "caf\xe9"}')
    (folder / "array.json").write_text("[1, 2]", encoding="utf-8")
    (folder / "foreign.json").write_text('{"classification": "x", "capabilities": []}', encoding="utf-8")
    (folder / "deep.json").write_text("[" * 100000 + "]" * 100000, encoding="utf-8")
    os.mkfifo(folder / "fifo.json")
    return ["empty", "truncated", "latin1", "array", "foreign", "deep", "fifo"]


def test_fleet_groups_answer_the_fleet_questions(reports) -> None:
    fleet = read_fleet([str(reports["bare-metal-intel-host"].parent)])
    assert not fleet.unreadable
    assert sorted(r.host for r in fleet.rows) == sorted(
        audit(CAPTURES / name).meta.host or audit(CAPTURES / name).meta.uname.get("nodename") or name
        for name in FLEET)
    by_file = {Path(r.path).stem: r for r in fleet.rows}
    from hvaudit.fleet import host_groups, value_groups

    groups = {name: {Path(r.path).stem for r in rows} for name, rows in host_groups(fleet.rows).items()}
    # The SOURCE.md of each fixture: VT-x locked off by the firmware; no VT-x exposed to the guest.
    assert groups["vtx-disabled-in-firmware"] == {"cap-intel-vtx-disabled-bios"}
    assert {"aws-nitro-c5", "docker-on-kvm"} <= groups["no-nested-kvm"]
    assert "cap-gce-nested-guest" not in groups["no-nested-kvm"]
    assert "cap-kvm-user-not-in-group" in groups["not-seen-as-root"]
    assert "nested-vms" in by_file["cap-gce-nested-guest"].can_host
    assert "vms" in by_file["windows-hyperv-host"].can_host
    values = value_groups(fleet.rows)
    assert {Path(r.path).stem for r in values["by-cloud"]["aws"]} == {"aws-nitro-c5"}
    assert {Path(r.path).stem for r in values["by-cloud"]["gcp"]} == {"cap-gce-nested-guest"}
    assert {Path(r.path).stem for r in values["by-container"]["docker"]} == {"docker-on-kvm"}
    assert by_file["docker-on-kvm"].checks["kvm-device"] == "fail"


def test_fleet_reads_host_and_generated_when_the_report_has_them(tmp_path, reports) -> None:
    report = json.loads(reports["aws-nitro-c5"].read_text(encoding="utf-8"))
    report["host"] = "web-01.example"
    report["generated"] = "2027-01-02T03:04:05Z"
    (tmp_path / "a.json").write_text(json.dumps(report), encoding="utf-8")
    row = read_fleet([str(tmp_path)]).rows[0]
    assert (row.host, row.generated) == ("web-01.example", "2027-01-02T03:04:05Z")
    del report["host"], report["generated"]
    (tmp_path / "a.json").write_text(json.dumps(report), encoding="utf-8")
    row = read_fleet([str(tmp_path)]).rows[0]
    assert row.generated == report["meta"]["audited_at"] and row.host


def test_fleet_csv_has_a_header_and_one_row_per_report(capsys, reports, tmp_path) -> None:
    broken = _damaged(tmp_path)
    code, out, err = call(capsys, "fleet", str(reports["aws-nitro-c5"].parent), str(tmp_path),
                          str(tmp_path / "missing"), "--format", "csv")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    good = [r for r in rows if not r["error"]]
    bad = {Path(r["file"]).stem: r["error"] for r in rows if r["error"]}
    assert len(good) == len(FLEET)
    assert set(bad) == set(broken) | {"missing"}
    assert bad["fifo"] == "not a regular file" and bad["latin1"].startswith("not UTF-8")
    assert bad["missing"].startswith("cannot be read") and bad["foreign"] == "not an hvaudit JSON report"
    assert all(r["check:cpu-hav"] in ("pass", "fail", "warn", "unknown", "info") for r in good)
    assert "%d of the reports could not be read" % len(bad) in err


@pytest.mark.parametrize("fmt", ["json", "markdown", "html", "csv"])
@pytest.mark.parametrize("lang", ["en", "pt"])
def test_fleet_formats_and_languages(capsys, reports, fmt, lang) -> None:
    code, out, _ = call(capsys, "fleet", *map(str, reports.values()), "--format", fmt, "--lang", lang)
    assert code == 0
    if fmt == "json":
        data = json.loads(out)
        assert data["reports"] == len(FLEET) and data["unreadable"] == []
        assert set(data["groups"]) >= {"no-nested-kvm", "vtx-disabled-in-firmware", "by-hypervisor", "by-cloud"}
    elif fmt == "markdown":
        title = "Relatório de frota do hvaudit" if lang == "pt" else "hvaudit fleet report"
        assert out.startswith("# " + title)
        assert ("Não podem executar KVM aninhado" if lang == "pt" else "Cannot run nested KVM") in out
    elif fmt == "html":
        assert out.startswith("<!DOCTYPE html>") and ('lang="%s"' % lang) in out
        assert ("Por nuvem" if lang == "pt" else "By cloud") in out


def test_fleet_shows_hostile_host_names_as_text(capsys, reports, tmp_path) -> None:
    report = json.loads(reports["aws-nitro-c5"].read_text(encoding="utf-8"))
    for i, bad in enumerate(HOSTILE + ("=cmd|' /C calc'!A0",)):
        report["host"] = bad
        (tmp_path / ("h%d.json" % i)).write_text(json.dumps(report), encoding="utf-8")
    _, html, _ = call(capsys, "fleet", str(tmp_path), "--format", "html")
    assert "<script>" not in html and "<img" not in html and "\x1b" not in html
    _, md, _ = call(capsys, "fleet", str(tmp_path), "--format", "markdown")
    assert "<script>" not in md and "\x1b" not in md
    _, out, _ = call(capsys, "fleet", str(tmp_path), "--format", "csv")
    hosts = [r["host"] for r in csv.DictReader(io.StringIO(out))]
    assert "'=cmd|' /C calc'!A0" in hosts and not any(h.startswith("=") for h in hosts)
    assert not any("\x1b" in h for h in hosts)


def test_fleet_writes_with_o_and_never_replaces_unasked(capsys, reports, tmp_path) -> None:
    target = tmp_path / "fleet.html"
    assert call(capsys, "fleet", str(reports["aws-nitro-c5"]), "-o", str(target))[0] == 0
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    code, _, err = call(capsys, "fleet", str(reports["aws-nitro-c5"]), "-o", str(target))
    assert code == 2 and "exists" in err


def test_diff_exit_codes_and_changes(capsys, reports, tmp_path) -> None:
    before = reports["bare-metal-intel-host"]
    code, out, _ = call(capsys, "diff", str(before), str(before))
    assert code == 0 and "Nothing changed." in out
    # The same machine after VT-x was locked off in the firmware: cpu-hav fails, KVM goes.
    after_report = json.loads(before.read_text(encoding="utf-8"))
    disabled = json.loads(reports["cap-intel-vtx-disabled-bios"].read_text(encoding="utf-8"))
    after_report["capabilities"] = disabled["capabilities"]
    after_report["findings"] = after_report["findings"] + [{"id": "evidence.conflict", "severity": "warning",
                                                            "title": "t", "evidence": [], "contradicted_by": []}]
    after = tmp_path / "after.json"
    after.write_text(json.dumps(after_report), encoding="utf-8")
    code, out, _ = call(capsys, "diff", str(before), str(after), "--format", "json")
    assert code == 1
    changes = {(c["area"], c["key"]): c for c in json.loads(out)["changes"]}
    assert changes[("checks", "cpu-hav")]["old"] == "pass" and changes[("checks", "cpu-hav")]["new"] == "fail"
    assert changes[("findings", "evidence.conflict")]["kind"] == "added"
    assert not any(area == "verdict" for area, _ in changes)
    code, out, _ = call(capsys, "diff", str(before), str(after), "--format", "markdown", "--lang", "pt")
    assert code == 1 and "## Verificações" in out and "`cpu-hav`" in out
    code, out, _ = call(capsys, "diff", str(before), str(after))
    assert code == 1 and "cpu-hav: pass → fail" in out


def test_diff_bad_input_is_exit_2(capsys, reports, tmp_path) -> None:
    names = _damaged(tmp_path)
    for name in names + ["missing"]:
        code, _, err = call(capsys, "diff", str(reports["aws-nitro-c5"]), str(tmp_path / (name + ".json")))
        assert code == 2, name
        assert err.startswith("hvaudit: error: ") and err.count("\n") == 1, (name, err)


def test_detect_json_matches_its_published_schema(capsys) -> None:
    schema = json.loads(schema_text(DETECT_SCHEMA))
    jsonschema.Draft202012Validator.check_schema(schema)
    code, out, _ = call(capsys, "schema", "--detect")
    assert code == 0 and json.loads(out) == schema
    for capture in [None] + fixture_cases():
        args = ["detect", "--json"] + (["--capture", str(capture)] if capture else [])
        code, out, _ = call(capsys, *args)
        assert code in (0, 1)
        jsonschema.validate(json.loads(out), schema)


def test_fleet_and_diff_json_match_their_published_schemas(capsys, reports, tmp_path) -> None:
    """Both JSON outputs carry a schema id; `hvaudit schema fleet|diff` prints that schema,
    and the output holds to it, unreadable files and every kind of change included."""
    schemas = {}
    for kind in ("fleet", "diff"):
        code, out, _ = call(capsys, "schema", kind)
        assert code == 0
        schemas[kind] = json.loads(out)
        jsonschema.Draft202012Validator.check_schema(schemas[kind])
    _damaged(tmp_path)
    for lang in ("en", "pt"):
        code, out, _ = call(capsys, "fleet", *map(str, reports.values()), str(tmp_path), "--format", "json",
                            "--lang", lang)
        data = json.loads(out)
        assert data["schema"] == schemas["fleet"]["$id"] and data["unreadable"] and data["hosts"]
        jsonschema.validate(data, schemas["fleet"])
    names = sorted(reports)
    for old, new in zip(names, names[1:] + names[:1]):
        code, out, _ = call(capsys, "diff", str(reports[old]), str(reports[new]), "--format", "json")
        data = json.loads(out)
        assert code in (0, 1) and data["schema"] == schemas["diff"]["$id"]
        jsonschema.validate(data, schemas["diff"])
    assert call(capsys, "schema", "diff", "--detect")[0] == 2
