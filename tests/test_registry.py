"""The platform contract, walked over the registries: every probe and check says which
systems it applies to where it is defined, ids are unique, every id is explained, and a
check that several systems define gives the same details on each."""

from __future__ import annotations

import ast
from collections import Counter
from pathlib import Path
from typing import Dict, List

import pytest

from hvaudit import knowledge
from hvaudit.audit import run_audit
from hvaudit.capabilities import SHARED_DETAILS, registered
from hvaudit.probes import load_all as load_probes
from hvaudit.sources import open_source
from hvaudit.views import SYSTEM_MODULES, SYSTEMS

ROOT = Path(__file__).resolve().parent.parent
CAPTURES = ROOT / "fixtures" / "captures"


def test_probe_ids_are_unique_documented_and_declare_known_systems() -> None:
    probes = load_probes(None)
    ids = Counter(p.id for p in probes)
    assert [i for i, n in ids.items() if n > 1] == []
    for p in probes:
        assert p.doc, p.id
        assert p.systems and set(p.systems) <= set(SYSTEMS), (p.id, p.systems)


def test_check_ids_are_unique_per_system_documented_and_explained() -> None:
    for system in SYSTEMS:
        ids = Counter(r.id for r in registered(system))
        assert ids, system
        assert [i for i, n in ids.items() if n > 1] == [], system
    for entry in registered(None):
        assert entry.doc, entry.id
        assert set(entry.systems) <= set(SYSTEMS), (entry.id, entry.systems)
        assert entry.id in knowledge.explanation_ids(), "%s has no explanation" % entry.id


def test_a_module_named_after_a_system_serves_that_system_alone() -> None:
    """An audit imports such a module only for its own system: a probe or check in it
    that declared another would never run there."""
    entries = [(p.function, p.systems) for p in load_probes(None)] + [
        (r.function, r.systems) for r in registered(None)]
    seen = set()
    for function, systems in entries:
        module = function.__module__.rsplit(".", 1)[-1]
        if module in SYSTEM_MODULES:
            seen.add(module)
            assert tuple(systems) == (SYSTEM_MODULES[module],), (function.__qualname__, systems)
    assert seen == set(SYSTEM_MODULES)


def test_no_probe_or_check_asks_which_system_it_runs_on() -> None:
    """The system a probe or check serves is declared, never tested inside it."""
    for folder in ("probes", "capabilities"):
        for path in (ROOT / "hvaudit" / folder).glob("*.py"):
            tree = ast.parse(path.read_text())
            names = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
            assert "sysname" not in names, path


def _system_captures() -> Dict[str, List[Path]]:
    """Each system's fixture captures."""
    out: Dict[str, List[Path]] = {}
    for case in sorted(p for p in CAPTURES.iterdir() if p.is_dir()):
        source = open_source(case)
        out.setdefault(source.uname().get("sysname", "Linux") or "Linux", []).append(case)
    return out


CASES = [(system, case) for system, cases in _system_captures().items() for case in cases]


@pytest.mark.parametrize("system,case", CASES, ids=[c.name for _, c in CASES])
def test_shared_checks_give_the_same_details_on_every_system(system: str, case: Path) -> None:
    report = run_audit(open_source(case))
    for check in report.checks:
        missing = set(SHARED_DETAILS.get(check.id, ())) - set(check.details)
        assert not missing, (case.name, check.id, missing)


def test_every_system_has_fixtures_and_defines_the_shared_checks() -> None:
    systems = _system_captures()
    for system in SYSTEMS:
        assert systems.get(system), "no fixture of %s" % system
        ids = {r.id for r in registered(system)}
        assert set(SHARED_DETAILS) <= ids, (system, set(SHARED_DETAILS) - ids)


def test_every_check_that_several_systems_define_declares_its_shared_details() -> None:
    """A check id defined for more than one system is the same question asked of each: it
    must name the details every system's answer carries (SHARED_DETAILS)."""
    systems_of: Dict[str, set] = {}
    for entry in registered(None):
        systems_of.setdefault(entry.id, set()).update(entry.systems)
    shared = {cid for cid, systems in systems_of.items() if len(systems) > 1}
    assert shared == set(SHARED_DETAILS)
