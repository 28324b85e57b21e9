"""The HTML report: one self-contained file for a ticket (inline CSS; no script, font or
image; a Content-Security-Policy that lets the page load nothing), readable offline and
printable (every finding prints open).

The templates live in `templates/` at the root of the repository; pyproject.toml ships
that folder in the wheel as `hvaudit/templates/`. `TEMPLATES` resolves it once: the
installed copy, else the checkout's. jinja2 is imported only when a report is rendered,
in one environment with autoescape on: every string of the report is text, never markup.
"""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any, Optional

from ..model import Report
from .view import brief, build, first_sentence, header

_PACKAGE = Path(__file__).resolve().parents[1]
#: The templates folder: hvaudit/templates/ when installed, <checkout>/templates/ otherwise.
TEMPLATES = next((p for p in (_PACKAGE / "templates", _PACKAGE.parent / "templates")
                  if (p / "report.html.j2").is_file()), _PACKAGE.parent / "templates")
TEMPLATE = "report.html.j2"
STYLESHEET = "report.css"

_environment: Optional[Any] = None


def environment() -> Any:
    """The one jinja2 environment of hvaudit (autoescape on, undefined names are errors)."""
    global _environment
    if _environment is None:
        import jinja2

        _environment = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True, undefined=jinja2.StrictUndefined,
            trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    return _environment


def render(report: Report, lang: str = "en", color: bool = False, detail: str = "compact") -> str:
    import markupsafe

    env = environment()
    css = (TEMPLATES / STYLESHEET).read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError("%s must not contain '</'" % STYLESHEET)
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    view = build(report, lang, detail)
    return env.get_template(TEMPLATE).render(v=view, t=view.t, header=header(view), first_sentence=first_sentence,
                                             brief=brief, css=markupsafe.Markup(css), css_hash="sha256-" + digest)
