"""The fleet report in CSV, JSON, Markdown and HTML (`hvaudit fleet`).

Strings from the reports (host names, hypervisor names) are data in every format: shown
with control characters escaped, Markdown-escaped, HTML-autoescaped, and in CSV a cell
that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`) is prefixed with `'`.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime, timezone
from typing import Any, Callable, Dict, List

from .. import __version__
from .. import knowledge as kb
from ..fleet import FLEET_SCHEMA, HOST_GROUPS, Fleet, Row, host_groups, value_groups
from .view import STATUS_ORDER, level_counts, shown

CSV_COLUMNS = ("host", "generated", "classification", "vm", "container", "cvm", "hypervisor", "cloud", "can_host",
               "findings_error", "findings_warning", "findings_info", "hvaudit_version", "source", "file", "error")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _t(lang: str) -> Callable[[str], str]:
    return lambda key: kb.label(key, lang)


def _can_host_text(row: Row, t: Callable[[str], str]) -> str:
    return ", ".join(t("fleet.can-host." + key) for key in row.can_host) or t("fleet.nothing")


def _failed(row: Row) -> List[str]:
    return [check for check, status in row.checks.items() if status == "fail"]


def _cell(value: object) -> str:
    text = shown(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def render_csv(fleet: Fleet, lang: str = "en") -> str:
    checks = fleet.check_ids
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(list(CSV_COLUMNS) + ["check:" + c for c in checks])
    t = _t(lang)
    for r in fleet.rows:
        writer.writerow([_cell(v) for v in (
            r.host, r.generated, r.classification, r.vm, r.container, r.cvm, r.hypervisor, r.cloud,
            " ".join(r.can_host), r.findings.get("error", 0), r.findings.get("warning", 0),
            r.findings.get("info", 0), r.version, r.source, r.path, "")] + [r.checks.get(c, "") for c in checks])
    for u in fleet.unreadable:
        reason = t(u.reason) + (": " + u.detail if u.detail else "")
        writer.writerow([_cell(v) for v in ("", "", "", "", "", "", "", "", "", "", "", "", "", "", u.path, reason)]
                        + [""] * len(checks))
    return out.getvalue()


def fleet_dict(fleet: Fleet, lang: str = "en") -> Dict[str, Any]:
    t = _t(lang)
    return {
        "schema": FLEET_SCHEMA,
        "generated": _now(),
        "hvaudit_version": __version__,
        "reports": len(fleet.rows),
        "unreadable_count": len(fleet.unreadable),
        "hosts": [r.to_dict() for r in fleet.rows],
        "groups": {
            **{name: [r.host for r in rows] for name, rows in host_groups(fleet.rows).items()},
            **{name: {value: [r.host for r in rows] for value, rows in values.items()}
               for name, values in value_groups(fleet.rows).items()},
        },
        "unreadable": [{"path": u.path, "reason": u.reason.rpartition(".")[2], "message": t(u.reason),
                        "detail": u.detail} for u in fleet.unreadable],
    }


def render_json(fleet: Fleet, lang: str = "en") -> str:
    return json.dumps(fleet_dict(fleet, lang), indent=2, ensure_ascii=False) + "\n"


class FleetView:
    """What the Markdown and HTML fleet reports show, in one language, strings as shown."""

    def __init__(self, fleet: Fleet, lang: str) -> None:
        t = self.t = _t(lang)
        self.lang = lang
        self.version = __version__
        self.generated = _now()
        self.rows = [{
            "host": shown(r.host), "generated": shown(r.generated),
            "classification": self._value("by-classification", r.classification),
            "vm": shown(r.vm), "container": shown(r.container), "hypervisor": shown(r.hypervisor) or "—",
            "cloud": shown(r.cloud) or "—", "can_host": _can_host_text(r, t),
            "failed": ", ".join(shown(c) for c in _failed(r)) or "—",
            "status_counts": level_counts(list(r.checks.values()), STATUS_ORDER, "status.", t),
            "failed_ids": [(shown(c), t("check." + c)) for c in _failed(r)],
        } for r in sorted(fleet.rows, key=lambda r: (r.host, r.path))]
        self.questions = [(name, t("fleet.group." + name), [shown(r.host) for r in rows])
                          for name, rows in host_groups(fleet.rows).items() if name in HOST_GROUPS]
        self.groups = [(name, t("fleet.group." + name),
                        [(self._value(name, value), [shown(r.host) for r in rows]) for value, rows in values.items()])
                       for name, values in value_groups(fleet.rows).items()]
        self.unreadable = [(shown(u.path), t(u.reason) + (": " + shown(u.detail) if u.detail else ""))
                           for u in fleet.unreadable]
        self.counts = (len(fleet.rows), len(fleet.unreadable))

    def _value(self, group: str, value: str) -> str:
        if value == "none":
            return self.t("token.none")
        if group == "by-classification":
            label = self.t("class." + value)
            return label if label != "class." + value else shown(value)
        if group == "failing-check":
            return "%s (%s)" % (self.t("check." + value), value)
        return shown(value)


def render_markdown(fleet: Fleet, lang: str = "en") -> str:
    from .markdown import _table, code, text

    view = FleetView(fleet, lang)
    t = view.t
    out = ["# %s" % text(t("fleet.title")), "", text(t("fleet.intro")), ""]
    out += _table(("", ""), [(text(t("fleet.reports-read")), str(view.counts[0])),
                             (text(t("fleet.reports-unreadable")), str(view.counts[1])),
                             (text(t("hvaudit-version")), text(view.version)),
                             (text(t("fleet.made-at")), text(view.generated))]) + [""]
    out += ["## %s" % text(t("fleet.questions")), ""]
    out += _table((t("fleet.questions"), t("fleet.count"), t("fleet.hosts")),
                  [(text(label), str(len(hosts)), text(", ".join(hosts)) or text(t("fleet.no-host")))
                   for _, label, hosts in view.questions]) + [""]
    for _, label, values in view.groups:
        out += ["## %s" % text(label), ""]
        if values:
            out += _table(("", t("fleet.count"), t("fleet.hosts")),
                          [(text(value), str(len(hosts)), text(", ".join(hosts))) for value, hosts in values]) + [""]
        else:
            out += [text(t("fleet.no-host")), ""]
    out += ["## %s" % text(t("fleet.hosts")), ""]
    if view.rows:
        out += _table((t("fleet.host"), t("fleet.generated"), t("fleet.classification"), "vm", "container",
                       t("fleet.hypervisor"), t("fleet.cloud"), t("fleet.can-host"), t("fleet.failed-checks")),
                      [(text(r["host"]), text(r["generated"]), text(r["classification"]), code(r["vm"]),
                        code(r["container"]), text(r["hypervisor"]), text(r["cloud"]), text(r["can_host"]),
                        text(r["failed"])) for r in view.rows]) + [""]
    else:
        out += [text(t("fleet.no-reports")), ""]
    if view.unreadable:
        out += ["## %s" % text(t("fleet.reports-unreadable")), ""]
        out += _table((t("fleet.file"), t("fleet.reason")), [(code(p), text(why)) for p, why in view.unreadable])
        out.append("")
    out += ["---", "", "*%s*" % text(t("generated-by").replace("{version}", view.version)), ""]
    return "\n".join(out)


def render_html(fleet: Fleet, lang: str = "en") -> str:
    import base64
    import hashlib

    import markupsafe

    from .html import STYLESHEET, environment, template_source

    css = template_source(STYLESHEET) + template_source("fleet.css")
    if "</" in css:
        raise ValueError("the fleet stylesheet must not contain '</'")
    digest = base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii")
    view = FleetView(fleet, lang)
    return environment().get_template("fleet.html.j2").render(
        v=view, t=view.t, css=markupsafe.Markup(css), css_hash="sha256-" + digest)


RENDERERS: Dict[str, Callable[[Fleet, str], str]] = {
    "csv": render_csv, "json": render_json, "markdown": render_markdown, "html": render_html}


def render(fleet: Fleet, fmt: str, lang: str = "en") -> str:
    return RENDERERS[fmt](fleet, lang)
