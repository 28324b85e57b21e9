"""The user's virtualization notes as data, and how findings and checks cite them.

Every finding and capability check in a report is explained against the notes
in ``virtualizacao.txt`` (Portuguese):

- ``sections.json`` (beside this module): the notes cut into sections with
  stable keys, each with a verbatim quote, a summary, corrections (where the
  notes are wrong or dated) and confirmations (where they are right), both with
  public sources; and ``cites``: finding id or check id -> the section keys its
  explanation cites.
- The explanations (``explain.ID``) and report labels (``label.KEY``) are
  messages of the catalogue (``hvaudit.messages``), like every sentence hvaudit
  writes.

Only the standard library is used, so that importing this costs nothing the
``detect`` path would mind.
"""

from __future__ import annotations

import json
import pkgutil
import re
from functools import cache

from ..records import Record

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Dict, List, Mapping, Tuple

__all__ = [
    "LANGS",
    "PLACEHOLDERS",
    "Confirmation",
    "Correction",
    "Section",
    "Text",
    "explanation",
    "explanation_ids",
    "label",
    "label_keys",
    "normalize_whitespace",
    "notes_sha256",
    "section",
    "section_keys",
    "sections",
    "sections_for",
]

#: Languages every text is written in; the first is the fallback.
LANGS: Tuple[str, ...] = ("en", "pt")

#: The only fields a template may name; the renderer fills them from a finding.
PLACEHOLDERS: Tuple[str, ...] = ("tech", "product", "value", "where")

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")


class Text(Record):
    """One text in every language of ``LANGS``."""

    en: str
    pt: str

    def get(self, lang: str = "en") -> str:
        """The text in ``lang``, or in English when ``lang`` is not known."""
        return self.pt if lang == "pt" else self.en


class Correction(Record):
    """Where the notes are wrong (``error``), out of date (``dated``) or need a ``caveat``."""

    kind: str
    claim: Text
    accurate: Text
    source: str


class Confirmation(Record):
    """A statement of the notes that checks out, with the source that says so."""

    text: Text
    source: str


class Section(Record):
    """One section of the notes, under a key that reports can cite."""

    key: str
    title: Text
    quote: str  # verbatim from the notes, whitespace collapsed, in Portuguese
    summary: Text
    corrections: Tuple[Correction, ...] = ()
    confirmed: Tuple[Confirmation, ...] = ()

    @property
    def accurate(self) -> bool:
        """True when the notes need no correction here."""
        return not self.corrections


def normalize_whitespace(text: str) -> str:
    """Collapse every run of whitespace to one space, as quotes are compared."""
    return " ".join(text.split())


@cache
def _load(name: str) -> Any:
    # Through the package's loader, as importlib.resources would (a folder, a wheel or a zip
    # alike), without importing importlib.resources (about 15 ms).
    data = pkgutil.get_data(__name__, name)
    if data is None:
        raise FileNotFoundError(name)
    return json.loads(data.decode("utf-8"))


def _text(raw: Mapping[str, str]) -> Text:
    return Text(en=raw["en"], pt=raw["pt"])


@cache
def _sections() -> Dict[str, Section]:
    out: Dict[str, Section] = {}
    for raw in _load("sections.json")["sections"]:
        out[raw["key"]] = Section(
            key=raw["key"],
            title=_text(raw["title"]),
            quote=raw["quote"],
            summary=_text(raw["summary"]),
            corrections=tuple(
                Correction(
                    kind=c.get("kind", "error"),
                    claim=_text(c["claim"]),
                    accurate=_text(c["accurate"]),
                    source=c["source"],
                )
                for c in raw.get("corrections", ())
            ),
            confirmed=tuple(Confirmation(text=_text(c), source=c["source"]) for c in raw.get("confirmed", ())),
        )
    return out


def _lang(lang: str) -> str:
    return lang if lang in LANGS else LANGS[0]


def notes_sha256() -> str:
    """SHA-256 of the notes file the sections were written against."""
    return str(_load("sections.json")["notes_sha256"])


def section_keys() -> List[str]:
    """Every section key, in the order of the notes."""
    return list(_sections())


def sections() -> List[Section]:
    """Every section, in the order of the notes."""
    return list(_sections().values())


def section(key: str) -> Section:
    """The section under ``key``; ``KeyError`` names the key when there is none."""
    try:
        return _sections()[key]
    except KeyError:
        raise KeyError(f"no section {key!r} in the notes") from None


def _ids(prefix: str) -> List[str]:
    from .. import messages

    return [i[len(prefix):] for i in messages.ids() if i.startswith(prefix)]


def explanation_ids() -> List[str]:
    """Every finding id and check id that has an explanation."""
    return _ids("explain.")


def cited(id: str) -> List[str]:
    """The section keys the explanation of finding or check ``id`` cites."""
    return list(_load("sections.json").get("cites", {}).get(id, ()))


def sections_for(id: str) -> List[Section]:
    """The sections the explanation of finding or check ``id`` cites ([] if none)."""
    table = _sections()
    return [table[k] for k in cited(id) if k in table]


def _fill(template: str, fields: Mapping[str, object], missing: str) -> str:
    # A regex, not str.format: stray braces, unknown names and attribute
    # lookups ("{value.__class__}") stay as written instead of raising.
    def one(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in PLACEHOLDERS:
            return match.group(0)
        value = fields.get(name)
        if value is None or value == "":
            return missing
        return str(value)

    return _PLACEHOLDER.sub(one, template)


def explanation(id: str, /, lang: str = "en", **fields: object) -> str:
    """How finding or check ``id`` bears on the notes, in ``lang``.

    ``fields`` fill the placeholders ``{tech}``, ``{product}``, ``{value}`` and
    ``{where}``; a missing one reads "(unknown)", an unknown one is left as is
    and never raises. An unknown ``id`` gives a one-line notice, not an error.
    """
    from .. import messages

    lang = _lang(lang)
    if not messages.known("explain." + id):
        return label("explanation.missing", lang).replace("{id}", str(id))
    template = messages.catalog(lang).gettext("explain." + id)
    return _fill(template, fields, label("placeholder.missing", lang))


def label_keys() -> List[str]:
    """Every label key."""
    return _ids("label.")


def label(key: str, lang: str = "en") -> str:
    """The label ``key`` in ``lang``; the key itself when there is no such label."""
    from .. import messages

    if not messages.known("label." + key):
        return key
    return messages.text("label." + key, _lang(lang))
