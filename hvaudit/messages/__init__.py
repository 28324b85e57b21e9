"""The message catalogue: every sentence hvaudit writes for people, in every language.

Probes, checks and the classifier never write prose: they give a message id (a check's
cause, a finding's title, an evidence note) and named fields, and a report renders it in
its own language. The catalogue is GNU gettext's: `locale/LANG/LC_MESSAGES/hvaudit.po`,
compiled to `hvaudit.mo` with Babel (`pybabel compile -d hvaudit/messages/locale -D
hvaudit`), read at run time by the small reader below through the package's loader (so a
zipapp works too).

Message ids are symbolic ("kvm-device.not-in-group", "label.verdict"): a check's cause id is
its message id, so the JSON report's ids stay put while the wording changes, and English is
one translation among others. A message names its fields as `{field}`; they are filled by
name, never by str.format, so a field's value is inserted as it is (braces and all).
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any, Callable, Dict, List, Mapping, Sequence

#: The languages of the catalogue; the first is the fallback.
LANGS = ("en", "pt")
DOMAIN = "hvaudit"
#: Each language's plural rule, as its catalogue's Plural-Forms header states it.
PLURAL_RULES: Dict[str, Callable[[int], int]] = {"en": lambda n: int(n != 1), "pt": lambda n: int(n > 1)}


class _Originals:
    """A catalogue's message ids in the order the file keeps them, each sliced from the
    file only when compared: GNU's format sorts them, so that a lookup is a binary search
    and loading a catalogue reads two tables, not a thousand strings."""

    def __init__(self, data: bytes, table: Sequence[int]) -> None:
        self._data = data
        self._table = table  # length, offset, length, offset, ...

    def __len__(self) -> int:
        return len(self._table) // 2

    def __getitem__(self, i: int) -> bytes:
        length, offset = self._table[2 * i], self._table[2 * i + 1]
        return self._data[offset:offset + length]


class Catalog:
    """A compiled GNU gettext catalogue (.mo), read without the `gettext` module, whose
    imports (re, locale, ...) `detect`'s start-up cannot afford. A plural message's id in the
    file is "singular\\0plural" and its translation every form, joined by NUL."""

    def __init__(self, data: bytes, plural: Callable[[int], int]) -> None:
        import struct

        order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
        _, count, originals, translations = struct.unpack_from(order + "4I", data, 4)
        self._data = data
        self._originals = _Originals(data, struct.unpack_from(order + "%dI" % (2 * count), data, originals))
        self._translations = struct.unpack_from(order + "%dI" % (2 * count), data, translations)
        self._plural = plural
        self._decoded: Dict[str, str] = {}

    def _index(self, key: bytes, prefix: bool = False) -> int:
        """Where `key` is among the message ids (or the first id it begins, with `prefix`); -1
        when it is not."""
        low, high = 0, len(self._originals)
        while low < high:  # bisect_left, without importing bisect on detect's path
            middle = (low + high) // 2
            if self._originals[middle] < key:
                low = middle + 1
            else:
                high = middle
        i = low
        if i < len(self._originals):
            found = self._originals[i]
            if found == key or (prefix and found.startswith(key)):
                return i
        return -1

    def _translation(self, i: int) -> str:
        length, offset = self._translations[2 * i], self._translations[2 * i + 1]
        return self._data[offset:offset + length].decode("utf-8")

    def gettext(self, msgid: str) -> str:
        if msgid not in self._decoded:
            i = self._index(msgid.encode("utf-8", "surrogateescape"))
            self._decoded[msgid] = self._translation(i) if i >= 0 else msgid
        return self._decoded[msgid]

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        i = self._index(singular.encode("utf-8", "surrogateescape") + b"\x00", prefix=True)
        forms = self._translation(i).split("\x00") if i >= 0 else []
        form = self._plural(n)
        return forms[form] if form < len(forms) else (singular if n == 1 else plural)

    def has_plural(self, msgid: str) -> bool:
        return self._index(msgid.encode("utf-8", "surrogateescape") + b"\x00", prefix=True) >= 0

    def ids(self) -> List[str]:
        """Every message id (a plural message's by its singular), the header's ("") too."""
        return [self._originals[i].split(b"\x00", 1)[0].decode("utf-8") for i in range(len(self._originals))]

    def sorted(self) -> bool:
        """Whether the message ids are in the order a binary search needs (GNU's format)."""
        keys = [self._originals[i] for i in range(len(self._originals))]
        return keys == sorted(keys)


_CATALOGS: Dict[str, Catalog] = {}


def catalog(lang: str) -> Catalog:
    """The compiled catalogue of `lang` (English when there is none), loaded once. Read by
    the package's own loader, so that it reads from a folder and from a zip archive alike."""
    lang = lang if lang in LANGS else LANGS[0]
    if lang not in _CATALOGS:
        import os

        path = os.path.join(os.path.dirname(__file__), "locale", lang, "LC_MESSAGES", DOMAIN + ".mo")
        data = __loader__.get_data(path)  # type: ignore[name-defined]
        _CATALOGS[lang] = Catalog(data, PLURAL_RULES[lang])
    return _CATALOGS[lang]


def ids() -> List[str]:
    """Every message id (plural messages under their singular id)."""
    return sorted(k for k in catalog(LANGS[0]).ids() if k)


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
    return catalog(LANGS[0]).has_plural(msgid)


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
