"""The reports for people (text, Markdown, HTML): what they say, in both languages, and that
machine-provided strings stay text in each of them. The browser tests are in
test_report_browser.py."""

from __future__ import annotations

import base64
import hashlib
import html
import re
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest

from hvaudit import knowledge as kb
from hvaudit.report import FORMATS, render
from hvaudit.report import html as html_report
from hvaudit.report.markdown import code, text
from hvaudit.report.view import build, first_sentence, shown, verdict

from .conftest import ROOT, hvaudit_command, process_env
from .report_samples import HOSTILE, HOSTILE_CAPTURE, audit, corpus_cases, fixture_cases, sample_report

LANGS = ("en", "pt")
PEOPLE_FORMATS = ("text", "markdown", "html")


# --- helpers -----------------------------------------------------------------------------


class _Page(HTMLParser):
    """Every element and attribute of a page, its text, and the style element's content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: List[Tuple[str, Dict[str, Optional[str]]]] = []
        self.text: List[str] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag) -> None:
        self._in_style = False

    def handle_data(self, data) -> None:
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)


def parse_html(page: str) -> _Page:
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser


def words(page: str) -> str:
    return " ".join(" ".join(parse_html(page).text).split())


def flat(value: str) -> str:
    return " ".join(value.split())


def markdown_parser():
    markdown_it = pytest.importorskip("markdown_it", reason="markdown-it-py is not installed (the test extra)")
    return markdown_it.MarkdownIt("commonmark", {"html": True}).enable("table")


# --- formats -------------------------------------------------------------------------------


@pytest.mark.slow
def test_every_format_of_the_cli_has_a_reporter() -> None:
    proc = run("audit", "--help")
    choices = re.search(r"--format\s+\[([^\]]+)\]", proc.stdout)
    assert choices, proc.stdout
    assert set(choices.group(1).split("|")) == set(FORMATS)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", PEOPLE_FORMATS)
def test_full_report_says_everything_in_its_language(fmt: str, lang: str) -> None:
    report = sample_report()
    out = render(report, fmt, lang=lang, detail="full")
    body = words(out) if fmt == "html" else flat(out.replace("\\", ""))
    view = build(report, lang, "full")
    assert flat(view.verdict) in body
    for item in view.findings + view.checks:
        assert item.id in body
        assert flat(item.explanation)[:60] in body, (item.id, item.explanation)
        for section in item.sections:
            assert flat(section.title) in body
            if fmt != "text":
                assert flat(section.quote) in body, (item.id, section.key)
                for c in section.corrections:
                    assert flat(c.accurate)[:80] in body
    t = view.t
    for key in ("layers-from-hardware", "findings", "all-checks", "can-host", "checks-by-status",
                "findings-by-severity"):
        assert t(key) in body
    if fmt != "text":
        for key in ("not-seen", "about", "the-notes", "notes-say-short"):
            assert t(key) in body


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", PEOPLE_FORMATS)
def test_compact_report_refers_to_each_note_section_by_name_and_quotes_it_once(fmt: str, lang: str) -> None:
    report = sample_report()
    out = render(report, fmt, lang=lang)
    body = words(out) if fmt == "html" else flat(out.replace("\\", ""))
    view = build(report, lang)
    assert view.detail == "compact" and view.cited
    for item in view.findings + view.checks:
        assert item.id in body
        for section in item.sections:
            assert flat(section.title) in body
    for section in view.cited:
        if fmt == "text":  # the terminal names the sections, and leaves their quotes to the other formats
            assert flat(section.quote) not in body
        else:
            assert body.count(flat(section.quote)) == 1, section.key
    assert view.t("detail-more") in body


def test_portuguese_report_reads_in_portuguese_with_quotes_in_the_original() -> None:
    report = sample_report()
    en, pt = render(report, "html", lang="en"), render(report, "html", lang="pt")
    assert '<html lang="pt">' in pt and '<html lang="en">' in en
    assert "Constatações" in pt and "Findings" not in words(pt)
    assert "Camadas, do hardware para cima" in pt
    full = html.unescape(render(report, "html", lang="pt", detail="full"))
    assert kb.explanation("container.detected", "pt", tech="Docker") in full
    quote = kb.section("level-os").quote
    assert html.escape(quote, quote=False) in en and html.escape(quote, quote=False) in pt
    assert 'lang="pt"' in en  # the quotes keep the notes' language


def test_corrections_of_the_notes_appear_where_their_sections_are_cited() -> None:
    page = words(render(sample_report(), "html"))
    assert "KVM is a Linux kernel module" in page  # the notes put KVM at the OS level
    assert "VirtualBox" in page and "type II hypervisor" in page


def test_a_hyper_v_guest_cites_the_notes_on_hyper_v_and_their_corrections() -> None:
    cases = [p for p in corpus_cases() if p.name == "hyperv"]
    if not cases:
        pytest.skip("the shared corpus is not beside this checkout")
    report = audit(cases[0])
    page = words(render(report, "html", detail="full"))
    assert "Windows Management Instrumentation" in page  # not "Word Manufactorers Identification"
    assert "2,048" in page and "240" in page  # not "up to four processors"
    assert "Windows Management Instrumentation" in words(render(report, "markdown"))


def test_text_report_explains_each_line_and_cites_the_notes() -> None:
    out = render(sample_report(), "text", lang="pt")
    assert out.startswith(verdict(sample_report(), "pt").split()[0])
    assert flat(out).startswith(flat(verdict(sample_report(), "pt")))
    assert "As notas: " in out and "Constatações:" in out and "Todas as verificações:" in out
    assert "Virtualização no nível do sistema operacional" in flat(out)
    assert "Virtualização no nível do sistema operacional (com nota de estudo)" in flat(
        render(sample_report(), "text", lang="pt", detail="full"))
    view = build(sample_report(), "pt")
    for item in view.findings + view.checks:
        assert flat(first_sentence(item.explanation)) in flat(out)


def test_findings_are_listed_most_serious_first() -> None:
    view = build(sample_report())
    assert [f.level for f in view.findings][:2] == ["error", "warning"]


def test_the_stack_goes_from_the_hardware_up_as_the_notes_three_parts() -> None:
    view = build(sample_report())
    assert [tier.role for tier in view.tiers] == ["hardware", "hypervisor", "guest-system", "container"]
    assert [tier.here for tier in view.tiers] == [False, False, False, True]
    assert view.tiers[2].name == "Linux 6.1.0"


@pytest.mark.slow
def test_every_placeholder_of_an_explanation_is_filled_for_every_fixture() -> None:
    for case in fixture_cases() + corpus_cases():
        for lang in LANGS:
            for item in build(audit(case), lang).findings:
                assert not re.search(r"\{(tech|product|value|where)\}", item.explanation), (case.name, item.id)


# --- machine strings are data ------------------------------------------------------------


def test_shown_makes_control_characters_visible() -> None:
    assert shown("a\x1b[31mb\x07") == "a\\x1b[31mb\\x07"
    assert shown("right\u202eleft") == "right\\u202eleft"
    assert shown("one\ntwo") == "one ⏎ two"
    assert shown(None) == "" and shown(["a", "b"]) == "a, b"


@pytest.mark.parametrize("lang", LANGS)
def test_html_shows_hostile_strings_as_text(lang: str) -> None:
    page = render(sample_report(hostile=True), "html", lang=lang)
    parsed = parse_html(page)
    allowed = {"html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "p", "h1",
               "h2", "h4", "span", "code", "strong", "ol", "li", "dl", "dt", "dd", "details", "summary", "table",
               "thead", "tbody", "tr", "th", "td", "br", "figure", "figcaption", "blockquote", "div", "a", "ul", "q"}
    assert {tag for tag, _ in parsed.tags} <= allowed
    for tag, attrs in parsed.tags:
        assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        assert "src" not in attrs and "style" not in attrs
        if "href" in attrs:
            assert (attrs["href"] or "").startswith("#"), attrs
    body = " ".join(parsed.text)
    for bad in HOSTILE:
        assert shown(bad) in body, bad
    assert "\x1b" not in page and "{{ 7*7 }}" in body


def test_html_is_self_contained_and_its_stylesheet_is_pinned() -> None:
    page = render(sample_report(), "html")
    parsed = parse_html(page)
    csp = next(attrs["content"] for tag, attrs in parsed.tags
               if tag == "meta" and (attrs.get("http-equiv") or "").lower() == "content-security-policy")
    digest = base64.b64encode(hashlib.sha256(parsed.style.encode("utf-8")).digest()).decode("ascii")
    assert "default-src 'none'" in csp and "'sha256-%s'" % digest in csp
    assert "@media print" in parsed.style and "details-content" in parsed.style
    assert not re.search(r"(https?:)?//[^\s\"'<>]+\.(css|js|woff2?|png|svg)", page)
    assert "@import" not in parsed.style and "url(" not in parsed.style


@pytest.mark.parametrize("lang", LANGS)
def test_markdown_has_headings_and_well_formed_tables(lang: str) -> None:
    md = markdown_parser()
    report = sample_report(hostile=True)
    tokens = md.parse(render(report, "markdown", lang=lang))
    t = build(report, lang).t
    headings = [tokens[i + 1].content for i, tok in enumerate(tokens) if tok.type == "heading_open"]
    assert headings[0] == "%s: %s" % (t("report-title"), build(report, lang).host)
    for key in ("attention", "layers-from-hardware", "other-checks", "findings", "not-seen", "the-notes", "about"):
        assert t(key) in headings, key
    tables, columns, row = 0, 0, 0
    for tok in tokens:
        if tok.type == "table_open":
            tables += 1
        elif tok.type == "tr_open":
            row = 0
        elif tok.type in ("th_open", "td_open"):
            row += 1
        elif tok.type == "tr_close":
            if columns == 0:
                columns = row
            assert row == columns, "a table row has %d cells, its header %d" % (row, columns)
        elif tok.type == "table_close":
            columns = 0
    assert tables >= 5
    kinds = {tok.type for tok in tokens} | {child.type for tok in tokens for child in (tok.children or [])}
    assert not kinds & {"html_block", "html_inline", "link_open", "image"}, kinds


def test_markdown_shows_hostile_strings_as_text() -> None:
    md = markdown_parser()
    out = render(sample_report(hostile=True), "markdown")
    rendered = md.render(out)
    assert "<script" not in rendered and "<img" not in rendered and "href=" not in rendered
    assert "\x1b" not in out
    for bad in HOSTILE:
        assert html.escape(shown(bad), quote=False) in rendered, bad


@pytest.mark.parametrize("value", HOSTILE + ("`", "``a`", "a|b", "", "line\nbreak"))
def test_markdown_escapes_round_trip(value: str) -> None:
    md = markdown_parser()
    cell = md.render("| %s | %s |\n|---|---|\n| x | y |\n" % (text(value), code(value)))
    assert cell.count("<th>") == 2
    inline = md.render("a " + text(value) + " b")
    assert "<" not in re.sub(r"</?(p|code)>", "", inline), inline


def test_text_never_sends_a_machine_escape_sequence_to_the_terminal() -> None:
    for color in (False, True):
        out = render(sample_report(hostile=True), "text", color=color)
        palette = re.sub(r"\x1b\[(0|1|3[0-9]|9[0-7])m", "", out)
        assert "\x1b" not in palette and "\x07" not in palette
        assert "\\x1b[31mRED" in out
    assert "\x1b" not in render(sample_report(), "text", color=False)


def test_fixture_with_hostile_dmi_renders_as_text_in_every_format() -> None:
    report = audit(HOSTILE_CAPTURE)
    page = render(report, "html")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<script" not in page
    assert "<svg" not in page and "<iframe" not in page and "<img" not in page
    assert "{{ 7*7 }}" in page
    md = markdown_parser().render(render(report, "markdown"))
    assert "<script" not in md and "<img" not in md and "href=" not in md and "<svg" not in md
    out = render(report, "text", color=True)
    assert "\x1b]0;" not in out and "\x1b[2J" not in out


# --- every fixture, both languages ---------------------------------------------------------


@pytest.mark.parametrize("case", fixture_cases() + corpus_cases(), ids=lambda p: p.name)
def test_every_fixture_renders_in_every_format_and_language(case: Path) -> None:
    report = audit(case)
    for lang in LANGS:
        expected = verdict(report, lang)
        for fmt in PEOPLE_FORMATS:
            out = render(report, fmt, lang=lang)
            if fmt == "text":  # wrapped at 80 columns
                out, expected = flat(out), flat(expected)
            assert (html.escape(expected, quote=False) if fmt == "html" else text(expected) if fmt == "markdown"
                    else expected) in out, (fmt, lang)
            assert "No explanation is available" not in out and "Não há explicação" not in out
            # A message made of messages (`NAME_msgs` fields) is rendered, never its repr.
            assert "'id': '" not in out and "&#39;id&#39;" not in out, (fmt, lang)


# --- the command line, templates and import cost -------------------------------------------


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(hvaudit_command() + list(args), capture_output=True, text=True, env=process_env(),
                          cwd=str(ROOT), timeout=120)


@pytest.mark.slow
def test_cli_writes_each_format_from_the_suffix(tmp_path: Path) -> None:
    for name, marker in (("r.html", "<!DOCTYPE html>"), ("r.md", "# hvaudit report"), ("r.txt", "This machine")):
        proc = run("audit", "--capture", str(HOSTILE_CAPTURE), "-o", str(tmp_path / name))
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / name).read_text(encoding="utf-8").startswith(marker)
    proc = run("audit", "--capture", str(HOSTILE_CAPTURE), "--format", "markdown", "--lang", "pt")
    assert proc.returncode == 0 and proc.stdout.startswith("# Relatório do hvaudit")


def test_templates_resolve_in_a_checkout_and_ship_in_the_wheel() -> None:
    templates = Path(html_report.TEMPLATES)
    assert (templates / html_report.TEMPLATE).is_file()
    assert (templates / html_report.STYLESHEET).is_file()
    assert templates.resolve() in ((ROOT / "templates").resolve(),
                                               (ROOT / "hvaudit" / "templates").resolve())
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]
    assert config["package-dir"]["hvaudit.templates"] == "templates"
    assert {"*.j2", "*.css"} <= set(config["package-data"]["hvaudit.templates"])
    packages = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "hvaudit").rglob("__init__.py")}
    assert packages | {"hvaudit.templates"} == set(config["packages"]), "update [tool.setuptools] packages"


def test_one_jinja_environment_with_autoescape() -> None:
    env = html_report.environment()
    assert env is html_report.environment() and env.autoescape is True


@pytest.mark.slow
def test_detect_and_the_text_report_never_import_jinja2_or_the_notes() -> None:
    probe = ("import sys, runpy; sys.argv = ['hvaudit'] + sys.argv[1:]\n"
             "try:\n    runpy.run_module('hvaudit', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "print('LOADED', sorted(m for m in sys.modules if m.startswith(('jinja2', 'markupsafe', "
             "'hvaudit.knowledge', 'hvaudit.report'))), file=sys.stderr)")
    import sys

    proc = subprocess.run([sys.executable, "-c", probe, "detect", "--capture", str(HOSTILE_CAPTURE)],
                          capture_output=True, text=True, env=process_env(), cwd=str(ROOT), timeout=120)
    assert "LOADED []" in proc.stderr, proc.stderr
    proc = subprocess.run([sys.executable, "-c", probe, "audit", "--capture", str(HOSTILE_CAPTURE)],
                          capture_output=True, text=True, env=process_env(), cwd=str(ROOT), timeout=120)
    loaded = proc.stderr.split("LOADED", 1)[1]
    assert "jinja2" not in loaded and "markupsafe" not in loaded and "hvaudit.knowledge" in loaded


# --- the JSON report's encoder -------------------------------------------------------------


@pytest.mark.parametrize("capture", [None, HOSTILE_CAPTURE] + fixture_cases()[:3], ids=str)
def test_the_json_report_is_what_json_dumps_writes(capture: Optional[Path]) -> None:
    import json

    from hvaudit.report.json_report import indented_json

    value = audit(capture).to_dict()
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_the_json_encoder_writes_every_value_as_json_does() -> None:
    import json
    from collections import OrderedDict

    from hvaudit.report.json_report import indented_json

    class Text(str):
        pass

    class Count(int):
        pass

    values = [
        {}, [], (), "", 0, -1, 10**30, 1.5, -0.0, 1e300, 5e-324, True, False, None,
        {"a": [], "b": {}, "c": [[], [{}], {"d": [1, [2, [3]]]}], "e": (1, "x")},
        {"\u202e\x00\"\\\n": "\ud800 caf\u00e9 \U0001f600 \x1f"},
        OrderedDict([("z", 1), ("a", 2)]), Text("text"), Count(7), {"k": Text("v")},
        {1: "a number as a key"}, {None: 1, True: 2, 2.5: 3}, float("nan"), [float("inf"), float("-inf")],
    ]
    for value in values:
        assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False), repr(value)
    with pytest.raises(TypeError):
        indented_json({"a": object()})
    loop: List[object] = []
    loop.append(loop)
    with pytest.raises(ValueError):
        indented_json(loop)


def test_first_sentence_ends_at_the_first_full_stop_outside_brackets() -> None:
    import random

    def walked(text: str) -> str:  # character by character: what first_sentence must equal
        depth = 0
        for i, c in enumerate(text):
            if c in "([":
                depth += 1
            elif c in ")]":
                depth = max(0, depth - 1)
            elif c == "." and depth == 0 and (i + 1 == len(text) or text[i + 1] == " ") \
                    and not text[:i + 1].endswith(("e.g.", "i.e.", "ex.", "vs.")):
                return text[:i + 1]
        return text

    pieces = ["word", " ", ".", ". ", "(", ")", "[", "]", "e.g.", "i.e.", "ex.", "vs.", "a.b", "é", "…", "\n"]
    rng = random.Random(7)
    for _ in range(5000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
        assert first_sentence(text) == walked(text), repr(text)
    assert first_sentence("Needs KVM (e.g. kvm_intel). Then more.") == "Needs KVM (e.g. kvm_intel)."
    assert first_sentence("A long sentence that goes on.", limit=10) == "A long se…"
