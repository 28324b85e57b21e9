"""The HTML reports as a person sees them: opened from a file in headless Chromium.

For the hand-built sample, the hostile fixture, this machine and several corpus captures,
in English and Portuguese: the verdict and the layers render, the checks and findings are
there and expand without a script, nothing is fetched, nothing errs, no string from the
machine becomes an element, and on paper every finding prints open. Each page is kept
as a screenshot (and a PDF) under test-artifacts/, which the run prints at the end.

Needs Debian's `chromium` and Playwright for Python (the test extra); without them the
tests are skipped with the reason. `playwright install` is never needed: the system
Chromium is used (HVAUDIT_CHROMIUM names another binary).
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any, Iterator, List, Optional

import pytest

from hvaudit.report import render
from hvaudit.report.view import build, first_sentence

from .conftest import ARTIFACT_NOTES, ARTIFACTS
from .report_samples import HOSTILE, audit, browser_cases, fixture_cases, sample_report

CHROMIUM = os.environ.get("HVAUDIT_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ARTIFACTS / "screenshots"
PAGES = ARTIFACTS / "reports"
FORBIDDEN = "script, img, svg, iframe, frame, object, embed, link, base, form, input, audio, video, math, template"
HOSTILE_CASES = ("sample-hostile", "report-hostile-dmi")
#: A report attached to a ticket prints on this many A4 pages at most.
MAX_PAGES = 8


def pdf_pages(pdf: bytes) -> int:
    """The pages of a PDF Chromium wrote: its page objects (not the /Pages tree node)."""
    return len(re.findall(rb"/Type\s*/Page(?![a-zA-Z])", pdf))

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("Playwright for Python is not installed (pip install playwright, or the test extra)")
    if not Path(CHROMIUM).is_file():
        pytest.skip("Chromium is not installed (apt-get install chromium), or set HVAUDIT_CHROMIUM")
    for folder in (SCREENSHOTS, PAGES):
        folder.mkdir(parents=True, exist_ok=True)
    ARTIFACT_NOTES.append("HTML reports opened in Chromium: %s" % PAGES)
    ARTIFACT_NOTES.append("their screenshots and PDFs: %s" % SCREENSHOTS)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


CASES = [("sample-hostile", None)] + browser_cases()


def _report(name: str, capture: Optional[Path]):
    if name == "sample":
        return sample_report()
    if name == "sample-hostile":
        return sample_report(hostile=True)
    return audit(capture)


@pytest.mark.parametrize("lang", ("en", "pt"))
@pytest.mark.parametrize("name,capture", CASES, ids=[name for name, _ in CASES])
def test_html_report_reads_well_in_a_browser(browser: Any, name: str, capture: Optional[Path], lang: str) -> None:
    report = _report(name, capture)
    view = build(report, lang)
    page_file = PAGES / ("%s-%s.html" % (name, lang))
    page_file.write_text(render(report, "html", lang=lang), encoding="utf-8")
    url = page_file.resolve().as_uri()

    context = browser.new_context(viewport={"width": 1100, "height": 900}, offline=True)
    page = context.new_page()
    requests: List[str] = []
    problems: List[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append("console %s: %s" % (message.type, message.text))
            if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append("page error: %s" % error))
    page.on("dialog", lambda dialog: (problems.append("dialog: %s" % dialog.message), dialog.dismiss()))
    try:
        page.goto(url, wait_until="load")

        # The verdict first, in one sentence; the page speaks the report's language.
        assert page.locator("h1#verdict").inner_text().strip() == view.verdict
        assert page.evaluate("document.documentElement.lang") == lang
        assert page.evaluate("document.querySelector('h1') === document.querySelector('body h1')")

        # The layers: one tier each, drawn from the hardware (lowest on the page) up.
        tiers = page.locator("ol.stack > li.tier")
        assert tiers.count() == len(view.tiers)
        assert [tiers.nth(i).locator(".name").inner_text().strip() for i in range(tiers.count())] == \
            [tier.name for tier in view.tiers]
        boxes = [tiers.nth(i).bounding_box() for i in range(tiers.count())]
        assert all(box and box["height"] > 20 for box in boxes)
        assert [box["y"] for box in boxes] == sorted((box["y"] for box in boxes), reverse=True)
        assert view.t("this-system") in tiers.nth(tiers.count() - 1).inner_text()

        # The checks: what failed or warned first, then the others; one row each, the status a coloured badge.
        rows = page.locator("table.checks > tbody > tr")
        listed = list(view.attention) + [c for c in view.checks if c not in view.attention]
        assert rows.count() == len(view.checks)
        colours = {}
        for i, check in enumerate(listed):
            badge = rows.nth(i).locator("td.status .badge")
            assert badge.inner_text().strip().lower() == check.level_label.lower()
            colours[check.level] = badge.evaluate("e => getComputedStyle(e).backgroundColor")
        assert len(set(colours.values())) == len(colours), colours

        # The findings: closed, and open on a click, with their explanation and the notes.
        findings = page.locator("details.finding")
        assert findings.count() == len(view.findings)
        for i in range(len(view.findings)):
            assert not findings.nth(i).evaluate("e => e.open")
            assert not findings.nth(i).locator(".explanation").is_visible()
        if view.findings:
            first = findings.nth(0)
            first.locator("summary").click()
            assert first.evaluate("e => e.open")
            assert first.locator(".explanation").is_visible()
            assert " ".join(first.locator(".explanation").inner_text().split()) == \
                " ".join(first_sentence(view.findings[0].explanation).split())
            # The notes are referred to by name; each links to its one quote under "The notes".
            links = first.locator(".refs a")
            assert links.count() == len(view.findings[0].sections)
            for i in range(links.count()):
                target = links.nth(i).get_attribute("href")
                assert page.locator("#the-notes " + target + " blockquote").count() == 1
        assert page.locator("#the-notes figure.note").count() == len(view.cited)

        # The header: host, time, version, what it can host, and counts labelled apart.
        head = page.locator("table.head").inner_text()
        for value in (view.host, view.generated, view.version) + tuple(a for _, a in view.can_host):
            assert value in head, value
        assert page.locator("table.head td.counts.checks .badge").count() == len(view.check_counts)
        assert page.locator("table.head td.counts.findings .sev").count() == len(view.finding_counts)
        assert page.locator("table.head td.counts.findings .badge").count() == 0

        # The notes are teaching material: never in a failed (or any) check's colours.
        check_colours = {page.locator("table.head .badge.l-%s" % c.level).first.evaluate(
            "e => getComputedStyle(e).color") for c in view.check_counts}
        styles = page.evaluate("""() => [...document.querySelectorAll('#the-notes .study, #the-notes figure.note')]
            .flatMap(e => [getComputedStyle(e).backgroundColor, getComputedStyle(e).borderLeftColor])""")
        assert not set(styles) & (check_colours | set(colours.values())), styles

        # Machine strings are text: no element comes from them.
        assert page.locator(FORBIDDEN).count() == 0
        assert page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(e =>
            [...e.attributes].filter(a => a.name.startsWith('on') || a.name === 'style' || a.name === 'src')
            .map(a => e.tagName + ' ' + a.name))""") == []
        assert page.evaluate("[...document.querySelectorAll('a[href]')].every(a => a.getAttribute('href')[0] === '#')")
        body = page.locator("body").inner_text()
        if name in HOSTILE_CASES:
            assert "<script>alert(1)</script>" in body
            assert "{{ 7*7 }}" in body
        if name == "sample-hostile":
            for bad in HOSTILE[:4]:
                assert bad in body, bad

        page.screenshot(path=str(SCREENSHOTS / ("%s-%s.png" % (name, lang))), full_page=True)

        # On paper: every finding prints open.
        page.emulate_media(media="print")
        for i in range(findings.count()):
            assert findings.nth(i).locator(".explanation").is_visible()
        pdf = page.pdf(path=str(SCREENSHOTS / ("%s-%s.pdf" % (name, lang))), format="A4", print_background=True)
        assert pdf_pages(pdf) <= MAX_PAGES, (name, lang, pdf_pages(pdf))

        assert requests == [url], "the page asked for more than itself: %s" % requests
        assert problems == [], problems
    finally:
        context.close()


@pytest.fixture(scope="module")
def print_page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(offline=True)
    yield context.new_page()
    context.close()


@pytest.mark.parametrize("capture", [None] + fixture_cases(), ids=["live"] + [p.name for p in fixture_cases()])
def test_every_html_report_prints_on_at_most_eight_pages(print_page: Any, capture: Optional[Path]) -> None:
    report = audit(capture)
    for lang in ("en", "pt"):
        print_page.set_content(render(report, "html", lang=lang), wait_until="load")
        pages = pdf_pages(print_page.pdf(format="A4", print_background=True))
        assert 1 <= pages <= MAX_PAGES, (lang, pages)
#: The fleet report's sample: fixtures that answer its questions, and one hostile host name.
FLEET_FIXTURES = ("bare-metal-intel-host", "cap-intel-vtx-disabled-bios", "cap-gce-nested-guest", "aws-nitro-c5",
                  "gce-n2", "docker-on-kvm", "azure-hyperv-vm", "windows-hyperv-host", "cap-kvm-user-not-in-group",
                  "xen-hvm-guest", "vmware-esxi-guest", "podman-rootless")


@pytest.mark.parametrize("lang", ("en", "pt"))
def test_fleet_report_reads_well_in_a_browser(browser: Any, lang: str, tmp_path: Path) -> None:
    import json

    from hvaudit.fleet import read_fleet
    from hvaudit.report.fleet import FleetView, render_html

    from .conftest import FIXTURES

    for i, name in enumerate(FLEET_FIXTURES):
        report = audit(FIXTURES / "captures" / name).to_dict()
        report["host"] = "srv-%02d.example" % (i + 1) if name != "podman-rootless" else HOSTILE[0]
        (tmp_path / ("%s.json" % name)).write_text(json.dumps(report), encoding="utf-8")
    (tmp_path / "truncated.json").write_text('{"schema": ', encoding="utf-8")
    fleet = read_fleet([str(tmp_path)])
    view = FleetView(fleet, lang)
    page_file = PAGES / ("fleet-%s.html" % lang)
    page_file.write_text(render_html(fleet, lang), encoding="utf-8")
    url = page_file.resolve().as_uri()
    context = browser.new_context(viewport={"width": 1400, "height": 900}, offline=True)
    page = context.new_page()
    requests: List[str] = []
    problems: List[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.on("console", lambda message: problems.append(message.text) if message.type in ("error", "warning") else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    try:
        page.goto(url, wait_until="load")
        assert page.evaluate("document.documentElement.lang") == lang
        questions = page.locator("table.questions > tbody > tr")
        assert questions.count() == len(view.questions)
        firmware = page.locator("tr.q-vtx-disabled-in-firmware")
        assert firmware.locator(".badge").inner_text().strip() == "1"
        assert "srv-02.example" in firmware.inner_text()
        hosts = page.locator("table.hosts > tbody > tr")
        assert hosts.count() == len(FLEET_FIXTURES)
        # A fleet of Linux and Windows hosts has some 25 checks: the table shows each host's
        # checks counted by status and its failed ones, and still fits the window.
        assert page.locator("table.hosts > thead th").count() == 9
        failed_cells = page.locator("table.hosts > tbody > tr > td:last-child")
        assert any("kvm-device" in failed_cells.nth(i).inner_text() for i in range(failed_cells.count()))
        table_width = page.evaluate("document.querySelector('table.hosts').scrollWidth")
        assert table_width <= page.evaluate("document.querySelector('.scroll').clientWidth"), table_width
        assert page.locator("table.unreadable > tbody > tr").count() == 1
        assert page.locator(FORBIDDEN).count() == 0
        assert HOSTILE[0] in page.locator("table.hosts").inner_text()
        page.screenshot(path=str(SCREENSHOTS / ("fleet-%s.png" % lang)), full_page=True)
        assert requests == [url] and problems == [], (requests, problems)
    finally:
        context.close()
