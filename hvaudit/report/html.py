"""The HTML report: one self-contained file for a ticket (inline CSS; no script, font or
image; a Content-Security-Policy that lets the page load nothing), readable offline and
printable (every finding prints open).

The templates live in `templates/` at the root of the repository; pyproject.toml ships
that folder in the wheel (and tools/build_pyz.py in the single file) as `hvaudit/templates/`.
`TEMPLATES` resolves it once, through importlib.resources so that it reads from a zip archive
too: the installed copy, else the checkout's. jinja2 is imported only when a report is rendered,
in one environment with autoescape on: every string of the report is text, never markup.
"""

from __future__ import annotations

import base64
import hashlib
from importlib import resources
from pathlib import Path
from typing import Any, Optional

from ..model import Report
from .view import build

TEMPLATE = "report.html.j2"
_INSTALLED = resources.files("hvaudit").joinpath("templates")
_CHECKOUT = Path(__file__).resolve().parents[2] / "templates"
#: The templates folder (a Traversable): hvaudit/templates/ when installed or in the single
#: file, <checkout>/templates/ otherwise.
TEMPLATES: Any = _INSTALLED if _INSTALLED.joinpath(TEMPLATE).is_file() else _CHECKOUT
STYLESHEET = "report.css"

_environment: Optional[Any] = None


def environment() -> Any:
    """The one jinja2 environment of hvaudit (autoescape on, undefined names are errors)."""
    global _environment
    if _environment is None:
        import jinja2

        _environment = jinja2.Environment(
            loader=jinja2.FunctionLoader(template_source), autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return _environment


def template_source(name: str) -> str:
    return TEMPLATES.joinpath(name).read_text(encoding="utf-8")


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    import markupsafe

    env = environment()
    css = template_source(STYLESHEET)
    if "</" in css:
        raise ValueError("%s must not contain '</'" % STYLESHEET)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    view = build(report, lang)
    return env.get_template(TEMPLATE).render(v=view, t=view.t, css=markupsafe.Markup(css),
                                             css_hash="sha256-" + digest)
