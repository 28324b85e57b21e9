"""`hvaudit diff OLD NEW`: what changed between two JSON reports of one machine (before and
after a firmware or kernel change): the verdict, the layers, the checks and the findings.

Exit status as diff(1): 0 when nothing changed, 1 when something did, 2 on bad input.
Evidence, audit times and explanations are not compared: they differ on every run.
"""

from __future__ import annotations

import json
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Optional, Sequence, Tuple

from . import knowledge as kb
from .errors import UsageError
from .fleet import MAX_REPORT_BYTES, Row, _NotUsable, _read, row_from_report
from .parsers import load_json
from .report.view import shown

AREAS = ("verdict", "layers", "checks", "findings")
VERDICT_KEYS = ("classification", "vm", "container", "cvm", "chroot")
DIFF_SCHEMA = "https://hvaudit.invalid/schema/diff-1.json"


class Change(NamedTuple):
    area: str  # one of AREAS
    key: str  # "classification", a layer "vm:kvm", a check id, a finding id
    kind: str  # "added", "removed", "changed"
    old: Optional[str] = None
    new: Optional[str] = None
    note: str = ""  # the new (or removed) summary or title

    def to_dict(self) -> Dict[str, Any]:
        return self._asdict()


class Side(NamedTuple):
    path: str
    host: str
    generated: str


class Diff(NamedTuple):
    old: Side
    new: Side
    changes: List[Change]

    @property
    def changed(self) -> bool:
        return bool(self.changes)


def load(path: str) -> Tuple[Dict[str, Any], Row]:
    """A JSON report and its fleet row; UsageError (exit 2) with one line when unusable."""
    try:
        data = _read(path)
        report = load_json(data)  # one depth limit for every JSON hvaudit reads
        return report, row_from_report(report, path)
    except _NotUsable as exc:
        reason = kb.label(exc.reason)
        if exc.reason == "fleet.unreadable.too-large":
            reason = "larger than %d MiB" % (MAX_REPORT_BYTES // (1024 * 1024))
        raise UsageError("%s: %s" % (shown(path), reason)) from None
    except OSError as exc:
        raise UsageError("cannot read %s: %s" % (shown(path), exc.strerror or exc)) from None
    except UnicodeDecodeError:
        raise UsageError("%s: not UTF-8 text" % shown(path)) from None
    except RecursionError:
        raise UsageError("%s is not valid JSON: nested too deeply" % shown(path)) from None
    except ValueError as exc:
        raise UsageError("%s is not valid JSON: %s" % (shown(path), exc)) from None


def _items(report: Mapping[str, Any], key: str) -> List[Mapping[str, Any]]:
    value = report.get(key)
    return [item for item in value if isinstance(item, Mapping)] if isinstance(value, list) else []


def _str(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _by_id(items: Sequence[Mapping[str, Any]], key: Callable[[Mapping[str, Any]], str]) -> Dict[str, Mapping[str, Any]]:
    out: Dict[str, Mapping[str, Any]] = {}
    for item in items:
        out.setdefault(key(item), item)
    return out


def _layer_id(layer: Mapping[str, Any]) -> str:
    return "%s:%s" % (_str(layer.get("kind")), _str(layer.get("tech")))


def _details(layer: Mapping[str, Any]) -> str:
    details = layer.get("details")
    if not isinstance(details, Mapping):
        return ""
    return ", ".join("%s=%s" % (k, _str(v)) for k, v in sorted(details.items(), key=lambda kv: str(kv[0])))


def _compare_items(area: str, old: Sequence[Mapping[str, Any]], new: Sequence[Mapping[str, Any]], value: str,
                   note: str) -> List[Change]:
    """Checks (or findings) by id: removed, added, or changed in `value` (status, severity)
    or `note` (summary, title)."""
    before = _by_id(old, lambda item: _str(item.get("id")))
    after = _by_id(new, lambda item: _str(item.get("id")))
    changes: List[Change] = []
    for key, item in before.items():
        if key not in after:
            changes.append(Change(area, key, "removed", _str(item.get(value)), None, _str(item.get(note))))
        elif (item.get(value), item.get(note)) != (after[key].get(value), after[key].get(note)):
            changes.append(Change(area, key, "changed", _str(item.get(value)), _str(after[key].get(value)),
                                  _str(after[key].get(note))))
    changes += [Change(area, key, "added", None, _str(item.get(value)), _str(item.get(note)))
                for key, item in after.items() if key not in before]
    return changes


def compare(old: Mapping[str, Any], new: Mapping[str, Any]) -> List[Change]:
    changes: List[Change] = []
    for key in VERDICT_KEYS:
        if _str(old.get(key)) != _str(new.get(key)):
            changes.append(Change("verdict", key, "changed", _str(old.get(key)), _str(new.get(key))))

    old_layers = _by_id(_items(old, "layers"), _layer_id)
    new_layers = _by_id(_items(new, "layers"), _layer_id)
    for lid, layer in old_layers.items():
        if lid not in new_layers:
            changes.append(Change("layers", lid, "removed", _str(layer.get("name")), None))
        elif _details(layer) != _details(new_layers[lid]) or layer.get("name") != new_layers[lid].get("name"):
            changes.append(Change("layers", lid, "changed", "%s (%s)" % (_str(layer.get("name")), _details(layer)),
                                  "%s (%s)" % (_str(new_layers[lid].get("name")), _details(new_layers[lid]))))
    changes += [Change("layers", lid, "added", None, _str(layer.get("name")))
                for lid, layer in new_layers.items() if lid not in old_layers]

    changes += _compare_items("checks", _items(old, "capabilities"), _items(new, "capabilities"), "status", "summary")
    changes += _compare_items("findings", _items(old, "findings"), _items(new, "findings"), "severity", "title")
    return changes


def diff_files(old_path: str, new_path: str) -> Diff:
    old, old_row = load(old_path)
    new, new_row = load(new_path)
    return Diff(Side(old_path, old_row.host, old_row.generated), Side(new_path, new_row.host, new_row.generated),
                compare(old, new))


def _change_text(c: Change, t: Callable[[str], str]) -> Tuple[str, str]:
    """The change's mark and its line, strings as shown."""
    if c.kind == "added":
        return "+", "%s: %s" % (shown(c.key), shown(c.new)) + (" — %s" % shown(c.note) if c.note else "")
    if c.kind == "removed":
        return "-", "%s: %s" % (shown(c.key), shown(c.old)) + (" — %s" % shown(c.note) if c.note else "")
    if c.old == c.new:  # the same status or severity, said differently
        return "~", "%s: %s (=)" % (shown(c.key), shown(c.new)) + (" — %s" % shown(c.note) if c.note else "")
    return "~", "%s: %s → %s" % (shown(c.key), shown(c.old), shown(c.new)) + (" — %s" % shown(c.note) if c.note else "")


def _host_warning(d: Diff, t: Callable[[str], str]) -> Optional[str]:
    if d.old.host and d.new.host and d.old.host != d.new.host:
        return t("diff.host-differs").replace("{old}", shown(d.old.host)).replace("{new}", shown(d.new.host))
    return None


def render_text(d: Diff, lang: str = "en") -> str:
    t = lambda key: kb.label(key, lang)  # noqa: E731
    out = [t("diff.title"),
           "%s: %s, %s (%s)" % (t("diff.old"), shown(d.old.host), shown(d.old.generated), shown(d.old.path)),
           "%s: %s, %s (%s)" % (t("diff.new"), shown(d.new.host), shown(d.new.generated), shown(d.new.path))]
    warning = _host_warning(d, t)
    if warning:
        out.append("! " + warning)
    out.append("")
    if not d.changes:
        out.append(t("diff.same"))
    for area in AREAS:
        changes = [c for c in d.changes if c.area == area]
        if changes:
            out.append(t("diff." + area))
            out += ["  %s %s" % _change_text(c, t) for c in changes]
    return "\n".join(out) + "\n"


def render_markdown(d: Diff, lang: str = "en") -> str:
    from .report.markdown import _table, code, text

    t = lambda key: kb.label(key, lang)  # noqa: E731
    out = ["# %s" % text(t("diff.title")), ""]
    out += _table(("", t("fleet.host"), t("fleet.generated"), t("fleet.file")),
                  [(text(t("diff.old")), text(d.old.host), text(d.old.generated), code(d.old.path)),
                   (text(t("diff.new")), text(d.new.host), text(d.new.generated), code(d.new.path))]) + [""]
    warning = _host_warning(d, t)
    if warning:
        out += ["> **%s**" % text(warning), ""]
    if not d.changes:
        out += [text(t("diff.same")), ""]
    for area in AREAS:
        changes = [c for c in d.changes if c.area == area]
        if changes:
            out += ["## %s" % text(t("diff." + area)), ""]
            out += _table((t("diff.what"), t("diff.change"), t("diff.old"), t("diff.new"), t("summary")),
                          [(code(c.key), text(t("diff." + c.kind)), code(c.old or ""), code(c.new or ""),
                            text(c.note)) for c in changes]) + [""]
    return "\n".join(out)


def render_json(d: Diff, lang: str = "en") -> str:
    return json.dumps({"schema": DIFF_SCHEMA, "changed": d.changed, "old": d.old._asdict(), "new": d.new._asdict(),
                       "changes": [c.to_dict() for c in d.changes]}, indent=2, ensure_ascii=False) + "\n"


RENDERERS: Dict[str, Callable[[Diff, str], str]] = {"text": render_text, "markdown": render_markdown,
                                                   "json": render_json}
