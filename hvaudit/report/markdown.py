"""The Markdown report: the HTML report's content for a ticket comment (CommonMark with
GitHub-style tables).

Machine-provided strings are data: `text()` backslash-escapes every character that
Markdown or an HTML-accepting renderer would read as markup (`<`, `[`, `|`, `*`, ...),
and `code()` puts raw values in code spans whose fence is longer than any run of
backticks in them. Newlines never reach a table row. Nor does a string become a link:
GitHub's renderer (cmark-gfm) links `www.` names, `scheme://` URLs and e-mail addresses
found in plain text, so the dot after `www` and the colon before `//` are escaped (which
ends the match) and a word holding an address (`@` then a dotted domain) is shown as a
code span (escapes do not stop the e-mail match; code spans are never linked).
"""

from __future__ import annotations

import re
from typing import Iterable, List, Sequence, Tuple

from ..model import Report
from . import view as v

STATUS_MARKS = {"pass": "✅", "warn": "⚠️", "fail": "❌", "unknown": "❔", "info": "ℹ️"}
SEVERITY_MARKS = {"info": "ℹ️", "warning": "⚠️", "error": "❌"}

_MARKUP = re.compile(r"([\\`*_\[\]<>#!|~&$@])")
_LINE_START = re.compile(r"^(\s*)([-=.>])")
_WWW_DOT = re.compile(r"(?i)(?<=www)\.")
_SCHEME_COLON = re.compile(r":(?=/)")


def text(value: object) -> str:
    """Plain text that Markdown shows as is: markup characters escaped, no autolink, one line."""
    line = " ".join(str(value).splitlines())
    if "@" in line:
        line = " ".join(code(word) if _email_like(word) else _word(word) if word else word
                        for word in line.split(" "))
    else:
        line = _word(line)
    return _LINE_START.sub(r"\1\\\2", line)


def _email_like(word: str) -> bool:
    """A word GitHub would link as an address: "@" followed by a domain with a dot."""
    return "." in word.rpartition("@")[2] if "@" in word else False


def _word(word: str) -> str:
    word = _MARKUP.sub(r"\\\1", word)
    return _SCHEME_COLON.sub(r"\\:", _WWW_DOT.sub(r"\\.", word))


def code(value: object, cell: bool = True) -> str:
    """A code span holding `value` verbatim, on one line; in a table `cell`, `|` is escaped
    (GitHub-style tables read `\\|` as a pipe even inside a code span)."""
    line = " ".join(str(value).splitlines())
    if cell:
        line = line.replace("|", "\\|")
    if not line.strip():
        return "—"
    longest = max((len(run) for run in re.findall(r"`+", line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if line.startswith("`") or line.endswith("`") or longest else ""
    return "%s%s%s%s%s" % (fence, pad, line, pad, fence)


def _row(cells: Iterable[str]) -> str:
    return "| " + " | ".join(cell if cell else " " for cell in cells) + " |"


def _table(header: Sequence[str], rows: Iterable[Sequence[str]]) -> List[str]:
    out = [_row(text(h) for h in header), "|" + "|".join("---" for _ in header) + "|"]
    out.extend(_row(r) for r in rows)
    return out


def _evidence(items: Sequence[v.EvidenceView], t) -> List[str]:
    rows = []
    for e in items:
        raw = text(("%s %s" % (e.error, e.error_label)).strip()) if e.error else code(e.raw)
        rows.append((code(e.where), raw, text(e.strength_label), code(e.claim) if e.claim else "",
                     text(e.note), code(e.probe)))
    return _table((t("source"), t("raw-value"), t("strength"), t("claim"), t("note"), t("probe")), rows)


def _explained(item: v.ItemView, t) -> List[str]:
    out = [text(item.explanation), ""]
    for s in item.sections:
        out.append("**%s** — *%s*" % (text(t("notes-say")), text(s.title)))
        out.append("")
        out.append("> " + text(s.quote))
        out.append("")
        for c in s.corrections:
            out.append("- **%s (%s):** %s\\" % (text(t("correction")), text(c.kind_label), text(c.claim)))
            out.append("  **%s:** %s\\" % (text(t("accurate-view")), text(c.accurate)))
            out.append("  *%s: %s*" % (text(t("source")), text(c.source)))
        if s.corrections:
            out.append("")
    return out


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    view = v.build(report, lang)
    t = view.t
    out: List[str] = ["# %s" % text(t("report-title")), "", "**%s**" % text(view.verdict), ""]
    counts = ", ".join("%d %s" % (n, text(t("severity." + s))) for s, n in view.counts.items() if n)
    out.append("systemd-detect-virt: %s, %s%s" % (
        code("vm=" + view.vm, False), code("container=" + view.container, False),
        (" · %s: %s" % (text(t("findings")), counts)) if counts else ""))
    out.append("")

    out += ["## %s" % text(t("layers-from-hardware")), "", "*%s*" % text(t("stack-caption")), ""]
    rows: List[Tuple[str, ...]] = []
    for i, tier in enumerate(view.tiers):
        facts = "; ".join("%s: %s" % (text(k), text(val)) for k, val in tier.facts)
        name = "**%s**" % text(tier.name) + (" ← *%s*" % text(t("this-system")) if tier.here else "")
        rows.append((str(i), text(tier.role_label), name, text(tier.confidence_label), facts))
    out += _table(("#", t("layer"), t("technology"), t("confidence"), t("details")), rows)
    out.append("")

    out += ["## %s" % text(t("capabilities")), ""]
    if view.checks:
        rows = [("%s %s" % (STATUS_MARKS.get(c.level, ""), text(c.level_label)), "%s %s" % (text(c.name), code(c.id)),
                 text(c.title), text(c.remedy)) for c in view.checks]
        out += _table((t("status"), t("check"), t("summary"), t("remedy")), rows)
        out.append("")
        for c in view.checks:
            out += ["### %s %s — %s" % (STATUS_MARKS.get(c.level, ""), text(c.name), code(c.id, False)), ""]
            out += _explained(c, t)
            if c.evidence:
                out += ["**%s**" % text(t("evidence")), ""] + _evidence(c.evidence, t) + [""]
    else:
        out += [text(t("no-checks")), ""]

    out += ["## %s" % text(t("findings")), ""]
    if not view.findings:
        out += [text(t("no-findings")), ""]
    for f in view.findings:
        out += ["### %s %s: %s — %s" % (SEVERITY_MARKS.get(f.level, ""), text(f.level_label), text(f.name),
                                        code(f.id, False)), ""]
        out += ["*%s*" % text(f.title), ""]
        out += _explained(f, t)
        out += ["**%s**" % text(t("evidence")), ""]
        out += (_evidence(f.evidence, t) if f.evidence else [text(t("no-evidence"))]) + [""]
        if f.contradicted_by:
            out += ["**%s**" % text(t("contradicted-by")), ""] + _evidence(f.contradicted_by, t) + [""]

    out += ["## %s" % text(t("not-seen")), ""]
    if view.unseen:
        out += [text(t("unseen-intro")), ""]
        rows = [(code(e.where), "%s %s" % (code(e.error), text(e.error_label)), code(e.probe), text(e.note))
                for e in view.unseen]
        out += _table((t("source"), t("error"), t("probe"), t("note")), rows) + [""]
    else:
        out += [text(t("unseen-none")), ""]

    out += ["## %s" % text(t("about")), ""]
    out += _table(("", ""), [(text(k), text(val)) for k, val in view.meta]) + [""]
    out += ["---", "", "*%s*" % text(t("notes-footer").replace("{notes}", view.notes)), ""]
    return "\n".join(out)
