"""The knowledge base: quotes true to the notes, every id explained, both languages."""

from __future__ import annotations

import hashlib
import json
import os
import re
from pathlib import Path
from typing import Iterator, List, Tuple

import pytest

from hvaudit import knowledge as kb
from hvaudit import messages

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "hvaudit" / "knowledge"
#: The notes live beside the worktrees; HVAUDIT_NOTES points elsewhere.
NOTES = Path(os.environ.get("HVAUDIT_NOTES", ROOT.parent / "shared" / "notes" / "virtualizacao.txt"))

FINDINGS = (
    "vm.detected",
    "vm.hypervisor-type",
    "vm.mode",
    "vm.paravirtual-devices",
    "vm.hyperv-enlightenments",
    "vm.dmi-vendor-without-vm",
    "vm.cloud",
    "vm.xen-control-domain",
    "vm.signature-unknown",
    "vm.nested",
    "host.bare-metal",
    "host.runs-vms",
    "container.detected",
    "container.marker-outweighed",
    "container.marker-uncorroborated",
    "container.namespaces",
    "container.rootless",
    "container.orchestrator",
    "container.sandbox",
    "container.wsl",
    "evidence.unreadable",
    "evidence.conflict",
    "evidence.probe-error",
    "capture.damaged",
    "cvm.guest",
    "container.jail",
    "vm.hyperv-root-partition",
)
CHECKS = (
    "cpu-hav",
    "cpu-slat",
    "kvm-device",
    "kvm-nested",
    "iommu",
    "vfio",
    "vhost-net",
    "hugepages",
    "cvm-host",
    "cvm-guest",
    "userns",
    "cgroups",
    "namespaces",
    "overlayfs",
    "seccomp",
    "capabilities",
    "lsm",
    "kvm-backend",
    "kernel-config",
    "bhyve-host",
    "jails",
    "hyperv-host",
    "hyperv-features",
    "wsl2",
    "hvf",
)
REQUIRED_SECTIONS = (
    "levels",
    "level-hardware",
    "level-os",
    "level-language",
    "vm-vs-vmm",
    "three-parts",
    "hypervisor-type-1",
    "hypervisor-type-2",
    "full-virtualization",
    "paravirtualization",
    "hardware-assisted",
    "hyperv",
    "hyperv-features",
    "snapshots",
    "live-migration",
)
REQUIRED_LABELS = (
    "verdict",
    "layers",
    "hardware",
    "hypervisor",
    "guest-system",
    "container",
    "capabilities",
    "findings",
    "evidence",
    "source",
    "raw-value",
    "strength",
    "contradicted-by",
    "not-seen",
    "status",
    "remedy",
    "status.pass",
    "status.warn",
    "status.fail",
    "status.unknown",
    "status.info",
    "captured-at",
    "machine",
    "hvaudit-version",
    "live-audit",
    "from-capture",
    "notes-say",
    "correction",
    "hypervisor-type-1",
    "hypervisor-type-2",
    "full-virtualization",
    "paravirtualization",
    "hardware-assisted",
    "class.bare-metal-host",
    "class.type-1-guest",
    "class.type-2-guest",
    "class.vm-guest",
    "class.container",
    "strength.definitive",
    "strength.strong",
    "strength.weak",
    "strength.hint",
)
#: Labels that read the same in both languages.
#: Product names read the same in both languages.
SAME_IN_BOTH = {"hardware", "via.kvm", "via.hyperv", "via.bhyve", "via.hvf"}
CORRECTION_KINDS = {"error", "dated", "caveat"}

PT_WORDS = {
    "a",
    "o",
    "os",
    "as",
    "de",
    "do",
    "da",
    "dos",
    "das",
    "em",
    "no",
    "na",
    "que",
    "um",
    "uma",
    "é",
    "não",
    "com",
    "para",
    "por",
    "se",
    "sob",
    "sobre",
    "ao",
}
EN_WORDS = {
    "the",
    "a",
    "an",
    "of",
    "is",
    "are",
    "and",
    "to",
    "in",
    "on",
    "it",
    "its",
    "with",
    "not",
    "by",
    "for",
    "this",
    "that",
    "under",
    "from",
}


def _words(text: str) -> set[str]:
    return set(re.findall(r"[^\W\d_]+", text.lower()))


def _raw(name: str) -> object:
    """sections.json as stored; "explanations" and "labels" as {id: {lang: text}} from the
    message catalogue (explanations with the sections they cite)."""
    if name == "explanations":
        return {eid: dict({lang: messages.catalog(lang).gettext("explain." + eid) for lang in kb.LANGS},
                          sections=kb.cited(eid)) for eid in kb.explanation_ids()}
    if name == "labels":
        return {key: {lang: messages.catalog(lang).gettext("label." + key) for lang in kb.LANGS}
                for key in kb.label_keys()}
    return json.loads((DATA / name).read_text(encoding="utf-8"))


def _bilingual() -> Iterator[Tuple[str, kb.Text]]:
    """Every prose text of the sections and explanations, with where it is."""
    for s in kb.sections():
        yield f"{s.key}.summary", s.summary
        for i, c in enumerate(s.corrections):
            yield f"{s.key}.corrections[{i}].claim", c.claim
            yield f"{s.key}.corrections[{i}].accurate", c.accurate
        for i, c in enumerate(s.confirmed):
            yield f"{s.key}.confirmed[{i}]", c.text
    for eid in kb.explanation_ids():
        raw = _raw("explanations")[eid]  # type: ignore[index]
        yield eid, kb.Text(en=raw["en"], pt=raw["pt"])


# --- the data loads without the notes ----------------------------------------


def test_data_loads_without_the_notes() -> None:
    assert kb.section_keys(), "no sections"
    assert kb.explanation_ids(), "no explanations"
    assert kb.label_keys(), "no labels"
    assert re.fullmatch(r"[0-9a-f]{64}", kb.notes_sha256())


def test_section_keys_unique_and_stable() -> None:
    keys = [s["key"] for s in _raw("sections.json")["sections"]]  # type: ignore[index]
    assert len(keys) == len(set(keys))
    assert set(REQUIRED_SECTIONS) <= set(keys)
    assert {"vmware", "vmware-vsphere"} & set(keys)
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", k) for k in keys)


def test_sections_are_frozen() -> None:
    s = kb.section("level-os")
    with pytest.raises(AttributeError):
        s.key = "other"  # type: ignore[misc]
    assert s is kb.section("level-os")  # cached


def test_unknown_section_raises_keyerror_naming_it() -> None:
    with pytest.raises(KeyError, match="no-such-section"):
        kb.section("no-such-section")


# --- quotes are verbatim ------------------------------------------------------


def _notes() -> str:
    if not NOTES.is_file():
        pytest.skip(f"notes not found at {NOTES}")
    return NOTES.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", kb.section_keys())
def test_quote_is_verbatim_in_the_notes(key: str) -> None:
    notes = kb.normalize_whitespace(_notes())
    quote = kb.normalize_whitespace(kb.section(key).quote)
    assert quote, f"{key}: empty quote"
    assert quote in notes, f"{key}: quote not found verbatim in the notes: {quote!r}"


def test_quotes_are_short() -> None:
    for s in kb.sections():
        assert 10 <= len(s.quote) <= 200, s.key


def test_notes_unchanged_since_the_sections_were_written() -> None:
    digest = hashlib.sha256(_notes().encode("utf-8")).hexdigest()
    assert digest == kb.notes_sha256(), (
        "the notes changed: re-check every quote and correction in sections.json, then update notes_sha256"
    )


# --- sections: titles, corrections, sources -----------------------------------


@pytest.mark.parametrize("key", kb.section_keys())
def test_section_has_titles_and_summary_in_every_language(key: str) -> None:
    s = kb.section(key)
    for lang in kb.LANGS:
        assert s.title.get(lang).strip(), f"{key}: no {lang} title"
        assert s.summary.get(lang).strip(), f"{key}: no {lang} summary"


@pytest.mark.parametrize("key", kb.section_keys())
def test_corrections_and_confirmations_cite_a_source(key: str) -> None:
    s = kb.section(key)
    for c in s.corrections:
        assert c.kind in CORRECTION_KINDS, (key, c.kind)
        assert len(c.source) > 10, key
    for c in s.confirmed:
        assert len(c.source) > 10, key


def test_the_corrections_the_notes_need_are_there() -> None:
    def accurate(key: str) -> str:
        return " ".join(c.accurate.en for c in kb.section(key).corrections)

    assert "KVM" in accurate("level-os") and "VirtualBox" in accurate("level-os")
    assert "Windows Management Instrumentation" in accurate("hyperv-features")
    assert "2,048" in accurate("hyperv-features") and "240" in accurate("hyperv-features")
    assert "VMX root" in accurate("hardware-assisted") and "EPT" in accurate("hardware-assisted")
    assert "virtio" in accurate("paravirtualization")
    assert "not a backup" in accurate("snapshots")
    assert "libvirt" in accurate("live-migration")


# --- explanations -------------------------------------------------------------


@pytest.mark.parametrize("eid", FINDINGS + CHECKS)
def test_every_finding_and_check_is_explained(eid: str) -> None:
    raw = _raw("explanations")
    assert eid in raw, f"{eid}: no explanation"  # type: ignore[operator]
    entry = raw[eid]  # type: ignore[index]
    for lang in kb.LANGS:
        assert entry.get(lang, "").strip(), f"{eid}: no {lang} text"
    assert entry["sections"], f"{eid}: cites no section"
    for key in entry["sections"]:
        assert key in kb.section_keys(), f"{eid}: cites unknown section {key!r}"
    assert [s.key for s in kb.sections_for(eid)] == entry["sections"]


def test_no_explanation_without_an_id_in_the_lists() -> None:
    assert set(kb.explanation_ids()) == set(FINDINGS + CHECKS)


@pytest.mark.parametrize("eid", FINDINGS + CHECKS)
def test_placeholders_are_only_the_allowed_ones(eid: str) -> None:
    entry = _raw("explanations")[eid]  # type: ignore[index]
    found = {lang: set(re.findall(r"\{([^{}]*)\}", entry[lang])) for lang in kb.LANGS}
    for lang, names in found.items():
        assert names <= set(kb.PLACEHOLDERS), f"{eid} ({lang}): {names}"
        assert entry[lang].count("{") == entry[lang].count("}"), f"{eid} ({lang}): stray brace"
    assert found["en"] == found["pt"], f"{eid}: en and pt use different placeholders"


@pytest.mark.parametrize("eid", FINDINGS + CHECKS)
def test_explanation_fills_placeholders(eid: str) -> None:
    fields = {"tech": "TECH", "product": "PRODUCT", "value": "VALUE", "where": "WHERE"}
    for lang in kb.LANGS:
        text = kb.explanation(eid, lang, **fields)
        assert "{" not in text and "}" not in text, (eid, lang, text)
        bare = kb.explanation(eid, lang)  # nothing given: never raises, no braces left
        assert "{" not in bare and "}" not in bare, (eid, lang, bare)


def test_explanation_is_safe_with_odd_fields() -> None:
    text = kb.explanation("vm.detected", "en", tech="{where}", where=None, extra="x")
    assert "{where}" in text  # a value is inserted as is, not expanded again
    assert "(unknown)" in text
    assert kb.explanation("vm.detected", "pt", tech="kvm").count("(desconhecido)") == 1


def test_explanation_unknown_id_falls_back() -> None:
    assert "no.such.finding" in kb.explanation("no.such.finding")
    pt = kb.explanation("no.such.finding", "pt", value="x")
    assert "no.such.finding" in pt and pt != kb.explanation("no.such.finding")
    assert kb.sections_for("no.such.finding") == []


def test_unknown_language_falls_back_to_english() -> None:
    assert kb.explanation("cpu-hav", "de") == kb.explanation("cpu-hav", "en")
    assert kb.label("verdict", "de") == kb.label("verdict", "en")


# --- labels -------------------------------------------------------------------


def test_required_labels_exist_in_every_language() -> None:
    raw = _raw("labels")
    for key in REQUIRED_LABELS:
        assert key in raw, f"label {key!r} missing"  # type: ignore[operator]
        for lang in kb.LANGS:
            assert raw[key].get(lang, "").strip(), f"label {key!r}: no {lang}"  # type: ignore[index]


def test_label_lookup() -> None:
    assert kb.label("verdict", "en") == "Verdict"
    assert kb.label("verdict", "pt") == "Veredito"
    assert kb.label("no-such-label", "pt") == "no-such-label"


def test_labels_are_translated() -> None:
    raw = _raw("labels")
    same = [k for k, v in raw.items() if v["en"] == v["pt"]]  # type: ignore[union-attr]
    assert set(same) <= SAME_IN_BOTH, same


# --- Portuguese is Portuguese ---------------------------------------------------


def test_titles_translated() -> None:
    same: List[str] = [s.key for s in kb.sections() if s.title.en == s.title.pt]
    # Product names read the same in both languages; nothing else should.
    assert set(same) <= {"vmware-vsphere", "vmotion", "hyperv", "snapshots"}, same


def test_portuguese_texts_are_portuguese() -> None:
    for where, text in _bilingual():
        assert text.en != text.pt, f"{where}: pt is the en text"
        pt, en = _words(text.pt), _words(text.en)
        assert pt & PT_WORDS, f"{where}: pt has no Portuguese words: {text.pt!r}"
        assert en & EN_WORDS, f"{where}: en has no English words: {text.en!r}"
        assert len(pt & (EN_WORDS - PT_WORDS)) <= 2, f"{where}: pt looks English: {text.pt!r}"
