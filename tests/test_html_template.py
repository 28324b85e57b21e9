"""The HTML template ships compiled (hvaudit/report/html_template.py), so that a report does
not compile it on every run: the compiled module must be the template's, and render alike."""

from __future__ import annotations

import hashlib
from pathlib import Path

import jinja2
import pytest

from hvaudit.report import html, html_template
from hvaudit.report.view import build

from .report_samples import sample_report


def test_the_compiled_template_is_made_from_this_template() -> None:
    digest = hashlib.sha256(html.template_source().encode("utf-8")).hexdigest()
    assert digest == html_template.TEMPLATE_SHA256, "run: python -m hvaudit.report.html"


def test_the_compiled_template_is_what_this_jinja2_makes_of_it() -> None:
    if jinja2.__version__ != html_template.JINJA2_VERSION:
        # Another jinja2 may compile it otherwise: the template is then compiled at run time.
        assert html.template().filename.endswith(html.TEMPLATE)
        return
    compiled = Path(html.COMPILED).read_text(encoding="utf-8")
    assert compiled == html.compiled_source(), "run: python -m hvaudit.report.html"
    assert html.template().filename == html_template.__file__


@pytest.mark.parametrize("hostile", (False, True))
def test_the_compiled_and_the_freshly_compiled_template_render_alike(hostile: bool) -> None:
    view = build(sample_report(hostile=hostile), "pt")
    fresh = html.environment().from_string(html.template_source())
    args = {"v": view, "t": view.t, "css": "", "css_hash": "sha256-x"}
    assert html.template().render(**args) == fresh.render(**args)
