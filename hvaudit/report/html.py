"""The HTML report: one self-contained file for a ticket (inline CSS; no script, font or
image; a Content-Security-Policy that lets the page load nothing), readable offline and
printable (every finding prints open).

The templates live in `templates/` at the root of the repository; pyproject.toml ships
that folder in the wheel (and tools/build_pyz.py in the single file) as `hvaudit/templates/`.
`TEMPLATES` resolves it once: the installed copy, else the checkout's; in a zip archive the
package's loader reads it. jinja2 is imported only when a report is rendered,
in one environment with autoescape on: every string of the report is text, never markup.
"""

from __future__ import annotations

import hashlib
import os
from binascii import b2a_base64

from ..model import Report
from .view import build

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Optional

TEMPLATE = "report.html.j2"
# Paths are strings here: pathlib (with urllib and ipaddress, which it imports) is a cost
# every HTML report would pay for three joins.
_PACKAGE = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
#: The templates folder: hvaudit/templates/ when installed, <checkout>/templates/ otherwise
#: (in the single file, where no folder exists, template_source reads the archive).
TEMPLATES = next((p for p in (os.path.join(_PACKAGE, "templates"), os.path.join(os.path.dirname(_PACKAGE), "templates"))
                  if os.path.isfile(os.path.join(p, TEMPLATE))), os.path.join(os.path.dirname(_PACKAGE), "templates"))
STYLESHEET = "report.css"

#: The template compiled to Python by jinja2 (`python -m hvaudit.report.html` writes it), so
#: that a report does not compile it again on every run; used while it matches the
#: template and the installed jinja2, which a test keeps so.
COMPILED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "html_template.py")
COMPILED_HEADER = ('''"""report.html.j2 compiled by jinja2 %s (`python -m hvaudit.report.html`); do not edit."""
# mypy: ignore-errors
# ruff: noqa
TEMPLATE_SHA256 = %r
JINJA2_VERSION = %r
''')

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


def template_source(name: str = TEMPLATE) -> str:
    """A template or stylesheet: from the folder, else through the package's loader (a zip
    archive), as importlib.resources would, without importing it."""
    if os.path.isdir(TEMPLATES):
        with open(os.path.join(TEMPLATES, name), encoding="utf-8") as f:
            return f.read()
    import pkgutil

    data = pkgutil.get_data("hvaudit", "templates/" + name)
    if data is None:
        raise FileNotFoundError(name)
    return data.decode("utf-8")


def compiled_source() -> str:
    """What html_template.py holds: the template as this jinja2 compiles it."""
    import jinja2

    source = template_source()
    code = environment().compile(source, TEMPLATE, TEMPLATE, raw=True, defer_init=True)
    digest = hashlib.sha256(source.encode("utf-8")).hexdigest()
    return COMPILED_HEADER % (jinja2.__version__, digest, jinja2.__version__) + code + "\n"


def template() -> Any:
    """The report template: the shipped compiled module when it was made from this template
    by this jinja2, else compiled now (in memory: nothing is written)."""
    import jinja2

    env = environment()
    from . import html_template as compiled

    digest = hashlib.sha256(template_source().encode("utf-8")).hexdigest()
    if digest == compiled.TEMPLATE_SHA256 and jinja2.__version__ == compiled.JINJA2_VERSION:
        return env.template_class.from_module_dict(env, vars(compiled), env.make_globals(None))
    return env.get_template(TEMPLATE)


#: The options of hvaudit.report.render this format takes.
OPTIONS = ("detail",)


def render(report: Report, lang: str = "en", color: bool = False, detail: str = "compact") -> str:
    import markupsafe

    css = template_source(STYLESHEET)
    if "</" in css:
        raise ValueError("%s must not contain '</'" % STYLESHEET)
    digest = b2a_base64(hashlib.sha256(css.encode("utf-8")).digest(), newline=False).decode("ascii")
    view = build(report, lang, detail)
    return template().render(v=view, t=view.t, css=markupsafe.Markup(css), css_hash="sha256-" + digest)


if __name__ == "__main__":
    with open(COMPILED, "w", encoding="utf-8") as out:
        out.write(compiled_source())
    print("wrote %s" % COMPILED)
