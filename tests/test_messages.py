"""The message catalogue: compiled as committed, complete in every language, its fields
the same in each, plurals by the language's rule, and Portuguese reports free of English."""

from __future__ import annotations

import html
import io
import re
from pathlib import Path
from typing import Dict, List, Set, Tuple

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from hvaudit import messages
from hvaudit.report import render

from .report_samples import audit, fixture_cases, sample_report

LOCALE = Path(messages.__file__).parent / "locale"
FIELD = re.compile(r"\{([^{}]*)\}")


def _po(lang: str) -> Catalog:
    with (LOCALE / lang / "LC_MESSAGES" / "hvaudit.po").open("rb") as f:
        return read_po(f)


def _strings(message) -> Tuple[str, ...]:  # noqa: ANN001 - babel's Message
    return tuple(message.string) if isinstance(message.string, (list, tuple)) else (message.string,)


@pytest.mark.parametrize("lang", messages.LANGS)
def test_the_committed_mo_is_the_compiled_po(lang: str) -> None:
    out = io.BytesIO()
    write_mo(out, _po(lang))
    committed = (LOCALE / lang / "LC_MESSAGES" / "hvaudit.mo").read_bytes()
    assert committed == out.getvalue(), "run: pybabel compile -d hvaudit/messages/locale -D hvaudit"


@pytest.mark.parametrize("lang", messages.LANGS)
def test_the_reader_finds_every_message_of_the_po(lang: str) -> None:
    """The reader looks messages up by binary search: it needs GNU's sorted ids, and must
    find each message (plural ones by form) exactly as the .po states it."""
    compiled = messages.catalog(lang)
    assert compiled.sorted()
    for message in _po(lang):
        if not message.id:
            continue
        if isinstance(message.id, str):
            assert compiled.gettext(message.id) == message.string, message.id
            assert not compiled.has_plural(message.id)
        else:
            assert compiled.has_plural(message.id[0]), message.id
            counts = {"en": (1, 2), "pt": (1, 2)}[lang]
            for form, n in enumerate(counts):
                assert compiled.ngettext(message.id[0], message.id[1], n) == message.string[form]
    assert compiled.gettext("no.such.message") == "no.such.message"
    assert compiled.ngettext("no.such", "no.suches", 2) == "no.suches"


def test_every_message_exists_in_every_language_with_the_same_fields() -> None:
    catalogs = {lang: {m.id if isinstance(m.id, str) else m.id[0]: m for m in _po(lang) if m.id}
                for lang in messages.LANGS}
    english = catalogs["en"]
    assert len(english) > 200
    for lang, table in catalogs.items():
        assert set(table) == set(english), (lang, set(english) ^ set(table))
        for mid, message in table.items():
            for s in _strings(message):
                assert s.strip(), "%s: no %s text" % (mid, lang)
            fields = {f for s in _strings(message) for f in FIELD.findall(s)}
            assert fields == {f for s in _strings(english[mid]) for f in FIELD.findall(s)}, (lang, mid)
            assert all(f.isidentifier() for f in fields), (lang, mid, fields)


#: Messages that are a command or a setting alone: the same in every language.
COMMANDS = {"cpu-slat.note.ug-param", "remedy.maxkeys", "remedy.subids", "remedy.userns-clone", "remedy.userns-max"}


def test_portuguese_is_not_the_english() -> None:
    english = {m.id: _strings(m) for m in _po("en") if m.id}
    same = {m.id for m in _po("pt") if m.id and _strings(m) == english[m.id] and len(" ".join(_strings(m))) > 25}
    assert same == COMMANDS


def test_plurals_follow_each_language() -> None:
    assert messages.plural("title.evidence.probe-error", 1, "en") == "1 probe failed"
    assert messages.plural("title.evidence.probe-error", 5, "en") == "5 probes failed"
    assert messages.plural("title.evidence.probe-error", 5, "pt") == "5 sondas falharam"
    assert messages.plural("title.evidence.probe-error", 1, "pt") == "1 sonda falhou"
    assert messages.plural("title.evidence.probe-error", 0, "pt") == "0 sonda falhou"  # pt: 0 takes the singular
    assert messages.render("title.evidence.unreadable", "pt", count="5").startswith("5 fontes não puderam")


def test_fields_are_filled_by_name_only() -> None:
    assert messages.fill("{a} and {b} {c.__class__} {", {"a": "{b}", "b": None}) == "{b} and  {c.__class__} {"
    assert messages.fill("{a}", {"a": ["x", "y"]}) == "x, y"
    assert messages.text("no.such.message", "pt") == "no.such.message"


# -- Portuguese reports carry no English message ----------------------------------------


def _english_fragments() -> Dict[str, str]:
    """fragment -> message id: the English text of each message between its fields, where
    it is long enough to be prose and the Portuguese does not keep it (a command, a name)."""
    pt = {m.id: " ".join(_strings(m)) for m in _po("pt") if m.id}
    out: Dict[str, str] = {}
    for m in _po("en"):
        if not m.id:
            continue
        key = m.id if isinstance(m.id, str) else m.id[0]
        for s in _strings(m):
            for fragment in FIELD.split(s)[::2]:
                fragment = " ".join(fragment.split()).strip(" ,.;:()")
                if len(fragment) >= 20 and len(fragment.split()) >= 4 and fragment not in " ".join(pt[m.id].split()):
                    out[fragment] = key
    return out


#: Layer names are short: their English words are looked for as whole words.
LAYER_IDS = "layer."


def _english_layer_words() -> Dict[str, re.Pattern[str]]:
    """message id -> a pattern of its English text between fields, for the layer names whose
    Portuguese does not keep it (a product's name does)."""
    pt = {m.id: " ".join(_strings(m)) for m in _po("pt") if m.id}
    out: Dict[str, re.Pattern[str]] = {}
    for m in _po("en"):
        if isinstance(m.id, str) and m.id.startswith(LAYER_IDS):
            for fragment in FIELD.split(" ".join(_strings(m)))[::2]:
                fragment = fragment.strip(" ,.;:()")
                if len(fragment.split()) >= 2 and fragment not in pt[m.id]:
                    out[m.id] = re.compile(r"\b%s\b" % re.escape(fragment))
    return out


def _plain(text: str, fmt: str) -> str:
    if fmt == "html":
        text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    if fmt == "markdown":
        text = re.sub(r"\\(.)", r"\1", text)
    return " ".join(text.split())


REPORTS = [("sample", None)] + [(p.name, p) for p in fixture_cases()]


@pytest.mark.parametrize("name,capture", REPORTS, ids=[n for n, _ in REPORTS])
def test_portuguese_reports_contain_no_english_message(name: str, capture: Path) -> None:
    report = sample_report() if capture is None else audit(capture)
    fragments = _english_fragments()
    found: Set[Tuple[str, str, str]] = set()
    for fmt in ("text", "markdown", "html"):
        plain = _plain(render(report, fmt, lang="pt"), fmt)
        found |= {(fmt, mid, fragment) for fragment, mid in fragments.items() if fragment in plain}
        found |= {(fmt, mid, words.pattern) for mid, words in _english_layer_words().items() if words.search(plain)}
    problems: List[str] = sorted("%s: %s (%r)" % f for f in found)
    assert problems == [], "\n".join(problems[:20])


def test_the_english_layer_words_are_looked_for() -> None:
    words = _english_layer_words()
    assert {"layer.unidentified-hypervisor", "layer.root-partition", "layer.unidentified-container"} <= set(words)
    assert words["layer.root-partition"].search("Microsoft Hyper-V (root partition)")
    assert not words["layer.root-partition"].search("Microsoft Hyper-V (partição raiz)")


def test_layer_names_are_in_the_report_language() -> None:
    from hvaudit.signatures import layer_name

    root = {"role": "root-partition"}
    assert layer_name("vm", "microsoft", root) == "Microsoft Hyper-V (root partition)"
    assert layer_name("vm", "microsoft", root, "pt") == "Microsoft Hyper-V (partição raiz)"
    assert layer_name("vm", "*", {"product": "qemu"}, "pt") == "Hipervisor não identificado (QEMU)"
    assert layer_name("container", "*", {"orchestrator": "kubernetes"}, "pt") == "Contêiner (Kubernetes)"
    assert layer_name("container", "oci", {}, "pt") == "runtime OCI (runc, crun)"
    assert layer_name("hardware", "x86_64", {}, "pt") == "Hardware (x86_64)"


#: An evidence note is a message id, or the text a source gave for an error ("ENOSYS: why").
SOURCE_ERROR = re.compile(r"^E[A-Z]+: ")


@pytest.mark.parametrize("name,capture", REPORTS, ids=[n for n, _ in REPORTS])
def test_every_evidence_note_of_an_audit_is_a_message(name: str, capture: Path) -> None:
    from hvaudit.model import note_text

    report = sample_report() if capture is None else audit(capture)
    evidence = list(report.evidence) + list(report.unseen) + [e for layer in report.layers for e in layer.evidence] \
        + [e for c in report.checks for e in c.evidence] \
        + [e for f in report.findings for e in tuple(f.evidence) + tuple(f.contradicted_by)]
    for e in evidence:
        if not e.note or capture is None and e.error or SOURCE_ERROR.match(e.note):
            continue  # the sample's error notes stand for a source's text
        assert messages.known(e.note), (e.probe, e.note)
        for lang in messages.LANGS:
            text = note_text(e.note, e.note_fields, lang)
            assert text and not FIELD.search(text), (e.probe, lang, text)


# -- ids used in code exist in the catalogue ------------------------------------------------

PACKAGE = Path(messages.__file__).parent.parent
#: Calls whose literal arguments are message ids: (function, 1-based argument).
ID_ARGUMENTS = (("done", 2), ("done", 3), ("Finding", 3), ("render", 1), ("plural", 1))
#: Where prose used to live: every literal there that looks like a message id must be one.
MESSAGE_MODULES = ("capabilities", "classify.py", "audit.py", "probes")
#: Dotted literals that are kernel parameters, not messages.
KERNEL_PARAMETERS = ("iommu.passthrough", "iommu.strict")
ID_LIKE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*(\.[A-Za-z0-9_]+(-[A-Za-z0-9_]+)*)+[.-]?$")


def _known_or_prefix(literal: str, ids: Set[str]) -> bool:
    return literal in ids or any(i.startswith(literal) for i in ids)


def _extracted_ids_known(literal: str, ids: Set[str]) -> bool:
    """Babel joins the string literals of one argument ("a" if x == "ok" else "b" gives
    "aokb"): with every known id taken out, what is left has no dotted id in it."""
    if _known_or_prefix(literal, ids):
        return True
    rest = literal
    for i in sorted((i for i in ids if i in literal), key=len, reverse=True):
        rest = rest.replace(i, " ")
    return all("." not in part or _known_or_prefix(part, ids) for part in rest.split())


def test_babel_extracts_only_known_ids_from_the_code() -> None:
    from babel.messages.extract import extract_from_dir

    ids = set(messages.ids())
    unknown: List[str] = []
    seen = 0
    for function, index in ID_ARGUMENTS:
        spec = {function: (index,)}
        found = extract_from_dir(str(PACKAGE), method_map=[("**.py", "python")], keywords=spec)
        for filename, lineno, message, _, _ in found:
            msgid = message if isinstance(message, str) else message[0]
            if not msgid or "." not in msgid and not messages.known(msgid):
                continue  # a status or a free argument, not an id
            seen += 1
            if not _extracted_ids_known(msgid, ids):
                unknown.append("%s:%d %s" % (filename, lineno, msgid))
    assert seen > 250
    assert unknown == []


def test_every_id_like_literal_where_prose_lived_is_in_the_catalogue() -> None:
    import ast

    from hvaudit.probes import load_all

    ids = set(messages.ids())
    prefixes = {i.split(".")[0] for i in ids}
    not_messages = {p.id for p in load_all(None)} | set(KERNEL_PARAMETERS)
    unknown: List[str] = []
    for name in MESSAGE_MODULES:
        target = PACKAGE / name
        for path in sorted(target.rglob("*.py") if target.is_dir() else [target]):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and ID_LIKE.match(node.value) \
                        and node.value.split(".")[0] in prefixes and node.value not in not_messages \
                        and not _known_or_prefix(node.value, ids):
                    unknown.append("%s:%d %s" % (path.relative_to(PACKAGE), node.lineno, node.value))
    assert unknown == []


@pytest.mark.parametrize("name,capture", REPORTS, ids=[n for n, _ in REPORTS])
def test_every_cause_title_and_remedy_of_an_audit_is_a_message(name: str, capture: Path) -> None:
    report = sample_report() if capture is None else audit(capture)
    for check in report.checks:
        assert messages.known(check.cause), (check.id, check.cause)
        assert check.remedy_id is None or messages.known(check.remedy_id), (check.id, check.remedy_id)
        for lang in messages.LANGS:
            text = messages.render(check.cause, lang, **check.fields)
            assert text and not FIELD.search(text), (check.id, lang, text)
    for finding in report.findings:
        assert messages.known(finding.title_id), (finding.id, finding.title_id)
