"""Reporters render a Report; JSON is the canonical shape and the others render it.

Each format is a module with `render(report, lang, color, ...) -> str`, imported only
when chosen (jinja2 is loaded only for HTML); the further options a format takes (`detail`, `width`)
are named in its `OPTIONS`, and only those are passed to it.
"""

from __future__ import annotations

import sys

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
#: --detail: "compact" fits a ticket, "full" adds every explanation and its evidence.
DETAILS = ("compact", "full")


def render(report: Report, fmt: str, lang: str = "en", color: bool = False, detail: str = "compact",
           width: int = 80) -> str:
    # __import__, not importlib.import_module: importlib imports warnings, a cost on every start.
    __import__(FORMATS[fmt])
    module = sys.modules[FORMATS[fmt]]
    accepted = getattr(module, "OPTIONS", ())  # the options besides lang and color that the format takes
    options = {k: val for k, val in (("detail", detail), ("width", width)) if k in accepted}
    return module.render(report, lang=lang, color=color, **options)
