"""Reporters render a Report; JSON is the canonical shape and the others render it.

Each format is a module with `render(report, lang) -> str`, imported only when chosen
(jinja2 is loaded only for HTML).
"""

from __future__ import annotations

import importlib

from ..model import Report

FORMATS = {
    "json": "hvaudit.report.json_report",
    "text": "hvaudit.report.text",
    "markdown": "hvaudit.report.markdown",
    "html": "hvaudit.report.html",
    "prometheus": "hvaudit.report.prometheus",
    "facts": "hvaudit.report.facts",
}
LANGS = ("en", "pt")


def render(report: Report, fmt: str, lang: str = "en", color: bool = False) -> str:
    module = importlib.import_module(FORMATS[fmt])
    return module.render(report, lang=lang, color=color)
