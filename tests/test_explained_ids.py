"""Every finding id and check id the code can emit has an explanation and a name.

The ids are read from the source: every `Finding(...)` and `Check(...)` call under
hvaudit/ whose id is a string literal. A finding id must be a literal, so that this
test sees it; a check id may be computed only in the fallback for a failed check.
"""

from __future__ import annotations

import ast
from typing import Dict, List, Set, Tuple

import pytest

from hvaudit import knowledge as kb

from .conftest import ROOT

PACKAGE = ROOT / "hvaudit"


def _calls(name: str) -> Tuple[Dict[str, List[str]], List[str]]:
    """Literal ids of `name(...)` calls, with where they are; and the calls without one."""
    found: Dict[str, List[str]] = {}
    computed: List[str] = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name):
                continue
            where = "%s:%d" % (path.relative_to(ROOT), node.lineno)
            first = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg == "id"), None)
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                found.setdefault(first.value, []).append(where)
            else:
                computed.append(where)
    return found, computed


FINDINGS, COMPUTED_FINDINGS = _calls("Finding")
CHECKS, _ = _calls("Check")


def test_the_scan_sees_the_findings() -> None:
    assert {"vm.detected", "host.bare-metal", "container.detected", "container.marker-outweighed",
            "vm.dmi-vendor-without-vm", "vm.nested", "evidence.probe-error", "capture.damaged"} <= set(FINDINGS)


def test_finding_ids_are_literals() -> None:
    assert not COMPUTED_FINDINGS, "give these findings a literal id: %s" % COMPUTED_FINDINGS


@pytest.mark.parametrize("eid", sorted(FINDINGS) + sorted(CHECKS))
def test_emitted_id_is_explained_in_every_language(eid: str) -> None:
    where = (FINDINGS.get(eid) or CHECKS.get(eid))[0]
    assert eid in kb.explanation_ids(), "%s (emitted at %s) has no explanation in the message catalogue" % (eid, where)
    assert kb.sections_for(eid), "%s cites no section of the notes" % eid
    for lang in kb.LANGS:
        assert kb.explanation(eid, lang) != kb.label("explanation.missing", lang).replace("{id}", eid)



@pytest.mark.parametrize("eid", sorted(set(FINDINGS) | set(CHECKS) | set(kb.explanation_ids())))
def test_every_id_has_a_name_in_every_language(eid: str) -> None:
    key = ("check." if eid in CHECKS or "." not in eid else "finding.") + eid
    names: Set[str] = set()
    for lang in kb.LANGS:
        name = kb.label(key, lang)
        assert name != key, "label %r is missing" % key
        names.add(name)
    assert len(names) == len(kb.LANGS), "label %r is not translated" % key
