"""The message catalogue: every sentence hvaudit writes for people, in every language.

Probes, checks and the classifier never write prose: they give a message id (a check's
cause, a finding's title, an evidence note) and named fields, and a report renders it in
its own language. The catalogue is GNU gettext's: `locale/LANG/LC_MESSAGES/hvaudit.po`,
compiled to `hvaudit.mo` with Babel (`pybabel compile -d hvaudit/messages/locale -D
hvaudit`), read at run time by the standard library's `gettext` through importlib.resources
(so a zipapp works too).

Message ids are symbolic ("kvm-device.not-in-group", "label.verdict"): a check's cause id is
its message id, so the JSON report's ids stay put while the wording changes, and English is
one translation among others. A message names its fields as `{field}`; they are filled by
name, never by str.format, so a field's value is inserted as it is (braces and all).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from gettext import GNUTranslations
    from typing import Any, Dict, List, Mapping

#: The languages of the catalogue; the first is the fallback.
LANGS = ("en", "pt")
DOMAIN = "hvaudit"

_CATALOGS: Dict[str, GNUTranslations] = {}


def catalog(lang: str) -> GNUTranslations:
    """The compiled catalogue of `lang` (English when there is none), loaded once."""
    lang = lang if lang in LANGS else LANGS[0]
    if lang not in _CATALOGS:
        import io
        from gettext import GNUTranslations
        from importlib import resources

        # One part per joinpath: Python 3.9's takes a single one.
        data = resources.files(__name__).joinpath("locale").joinpath(lang).joinpath("LC_MESSAGES") \
            .joinpath(DOMAIN + ".mo").read_bytes()
        _CATALOGS[lang] = GNUTranslations(io.BytesIO(data))
    return _CATALOGS[lang]


def ids() -> List[str]:
    """Every message id (plural messages under their singular id)."""
    return sorted(k if isinstance(k, str) else k[0] for k in catalog(LANGS[0])._catalog if k)  # type: ignore[attr-defined]


def known(msgid: str) -> bool:
    """The catalogue has `msgid`."""
    return msgid in _ids()


def _ids() -> frozenset:
    if "ids" not in _CACHE:
        _CACHE["ids"] = frozenset(ids())
    return _CACHE["ids"]


_CACHE: Dict[str, Any] = {}


def fill(template: str, fields: Mapping[str, Any], missing: str = "") -> str:
    """`template` with each `{name}` replaced by str(fields[name]) (a list joined by ", ");
    names not given are left as written, names given as None or "" read `missing`."""
    if "{" not in template:
        return template
    out: List[str] = []
    i = 0
    while True:
        start = template.find("{", i)
        end = template.find("}", start + 1) if start >= 0 else -1
        if start < 0 or end < 0:
            out.append(template[i:])
            return "".join(out)
        name = template[start + 1:end]
        out.append(template[i:start])
        if name.isidentifier() and name in fields:
            value = fields[name]
            if isinstance(value, (list, tuple)):
                value = ", ".join(str(v) for v in value)
            out.append(missing if value is None or value == "" else str(value))
        else:
            out.append(template[start:end + 1])
        i = end + 1


def text(msgid: str, lang: str = "en", **fields: Any) -> str:
    """Message `msgid` in `lang` with its fields filled; an id the catalogue lacks is
    returned as it is (so a defect shows, and never raises)."""
    translated = catalog(lang).gettext(msgid)
    if translated == msgid and lang != LANGS[0]:
        translated = catalog(LANGS[0]).gettext(msgid)
    return fill(translated, fields)


def plural(msgid: str, count: int, lang: str = "en", **fields: Any) -> str:
    """Message `msgid` for `count` things, in the plural form `lang` uses for that count;
    `{count}` is filled with it."""
    translated = catalog(lang).ngettext(msgid, msgid, count)
    return fill(translated, dict(fields, count=count))


def is_plural(msgid: str) -> bool:
    return (msgid, 0) in catalog(LANGS[0])._catalog  # type: ignore[attr-defined]


def render(msgid: str, lang: str = "en", **fields: Any) -> str:
    """Message `msgid` in `lang`: a plural message counts `fields["count"]`; a field
    `NAME_msg` holds the id of a message that fills `{NAME}` (rendered with the same fields),
    `NAME_msgs` a list of them (each an id, or a dict of an "id" and its own fields), joined
    by "; "."""
    others = {k: v for k, v in fields.items() if not k.endswith(("_msg", "_msgs"))}
    for key in [k for k in fields if k.endswith("_msg")]:
        fields[key[:-4]] = render(str(fields[key]), lang, **others) if fields[key] else ""
    for key in [k for k in fields if k.endswith("_msgs")]:
        items = fields[key] if isinstance(fields[key], (list, tuple)) else str(fields[key]).split(", ")
        fields[key[:-5]] = "; ".join(
            render(str(i["id"]), lang, **dict(others, **{k: v for k, v in i.items() if k != "id"}))
            if isinstance(i, dict) else render(str(i), lang, **others) for i in items if i)
    if is_plural(msgid):
        try:
            count = int(fields.pop("count", 0))
        except (TypeError, ValueError):
            count = 0
        return plural(msgid, count, lang, **fields)
    return text(msgid, lang, **fields)
