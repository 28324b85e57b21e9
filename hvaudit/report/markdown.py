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

from ..model import Report
from . import view as v

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Iterable, List, Sequence, Tuple

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


def _refs(item: v.ItemView) -> str:
    """The note sections an item rests on, by name (quoted once, under "The notes")."""
    return "; ".join(text(s.title) for s in item.sections)


def _cites(item: v.ItemView, t) -> str:
    return ("%s: *%s*" % (text(t("notes-refs")), _refs(item))) if item.sections else ""


def _explained(item: v.ItemView, t, full: bool) -> List[str]:
    explanation = item.explanation if full else item.lead
    cites = _cites(item, t)
    return [text(explanation) + (" " + cites if cites else ""), ""]


def _the_notes(view: v.View) -> List[str]:
    """Each cited section once: the quote, then the study notes where the notes are wrong
    or dated. Teaching material about the notes, worded and marked as such."""
    t = view.t
    out = ["## %s" % text(t("the-notes")), "", "*%s*" % text(t("the-notes-intro").replace("{notes}", view.notes)), ""]
    for s in view.cited:
        out += ["### %s" % text(s.title), "", "> %s: “%s”" % (text(t("notes-say-short")), text(s.quote)), ""]
        for c in s.corrections:
            if view.detail == "full":  # the compact report leaves the claim to the quote above
                out.append("- **%s** (%s): %s\\" % (text(t("correction")), text(c.kind_label), text(c.claim)))
                out.append("  **%s:** %s\\" % (text(t("accurate-view")), text(c.accurate)))
            else:
                out.append("- **%s** (%s) — **%s:** %s\\" % (text(t("correction")), text(c.kind_label),
                                                              text(t("accurate-view")),
                                                              text(c.accurate_brief)))
            out.append("  *%s: %s*" % (text(t("source")), text(c.source)))
        if s.corrections:
            out.append("")
    return out


#: The options of hvaudit.report.render this format takes.
OPTIONS = ("detail",)


def render(report: Report, lang: str = "en", color: bool = False, detail: str = "compact") -> str:
    view = v.build(report, lang, detail)
    t = view.t
    full = view.detail == "full"
    out: List[str] = ["# %s: %s" % (text(t("report-title")), text(view.host)), "", "**%s**" % text(view.verdict), ""]
    head = view.header  # the first row heads the table: a Markdown table needs one
    out += _table(head[0], [(text(k), text(val)) for k, val in head[1:]]) + [""]
    if view.redaction:
        out += ["*%s*" % text(view.redaction), ""]

    out += ["## %s" % text(t("attention")), ""]
    rows: List[Tuple[str, ...]]
    if view.attention:
        rows = [("%s %s" % (STATUS_MARKS.get(c.level, ""), text(c.level_label)), "%s %s" % (text(c.name), code(c.id)),
                 text(c.title), text(c.remedy), _refs(c)) for c in view.attention]
        out += _table((t("status"), t("check"), t("summary"), t("remedy"), t("notes-refs")), rows) + [""]
    else:
        out += [text(t("attention-none")), ""]

    out += ["## %s" % text(t("layers-from-hardware")), ""]
    if full:
        out += ["*%s*" % text(t("stack-caption")), ""]
    rows = []
    for i, tier in enumerate(view.tiers):
        facts = "; ".join("%s: %s" % (text(k), text(val)) for k, val in tier.facts)
        name = "**%s**" % text(tier.name) + (" ← *%s*" % text(t("this-system")) if tier.here else "")
        rows.append((str(i), text(tier.role_label), name, text(tier.confidence_label), facts))
    out += _table(("#", t("layer"), t("technology"), t("confidence"), t("details")), rows)
    out.append("")
    for i, tier in enumerate(view.tiers):
        if tier.evidence and (full or tier.role != "hardware"):
            if full:
                out += ["**%s %d — %s**" % (text(t("evidence")), i, text(tier.name)), ""]
                out += _evidence(tier.evidence, t) + [""]
            else:
                seen = [e for e in tier.evidence if e.claim][:3] or list(tier.evidence[:1])
                out.append("- %s %d (%s): %s" % (text(t("layer-evidence")), i, text(tier.name), "; ".join(
                    "%s = %s (%s)" % (code(e.where, False), code(e.raw, False), text(e.strength_label))
                    for e in seen)))
    out.append("")

    out += ["## %s" % text(t("all-checks" if full or not view.attention else "other-checks")), ""]
    listed = view.checks if full else tuple(c for c in view.checks if c not in view.attention)
    if listed:
        rows = [("%s %s" % (STATUS_MARKS.get(c.level, ""), text(c.level_label)), "%s %s" % (text(c.name), code(c.id)),
                 text(c.title), _refs(c)) for c in listed]
        out += _table((t("status"), t("check"), t("summary"), t("notes-refs")), rows)
        out.append("")
        for c in view.checks if full else ():
            out += ["### %s %s — %s" % (STATUS_MARKS.get(c.level, ""), text(c.name), code(c.id, False)), ""]
            out += _explained(c, t, full)
            if c.evidence:
                out += ["**%s**" % text(t("evidence")), ""] + _evidence(c.evidence, t) + [""]
    elif view.checks:
        out += [text(t("attention-all")), ""]
    else:
        out += [text(t("no-checks")), ""]

    out += ["## %s" % text(t("findings")), ""]
    if not view.findings:
        out += [text(t("no-findings")), ""]
    for f in view.findings:
        heading = "%s %s: %s — %s" % (SEVERITY_MARKS.get(f.level, ""), text(f.level_label), text(f.name),
                                      code(f.id, False))
        if not full:
            cites = _cites(f, t)
            out += ["- **%s** %s%s" % (heading, text(f.title), ("\\\n  " + cites) if cites else "")]
            continue
        out += ["### " + heading, "", "*%s*" % text(f.title), ""]
        out += _explained(f, t, full)
        out += ["**%s**" % text(t("evidence")), ""]
        out += (_evidence(f.evidence, t) if f.evidence else [text(t("no-evidence"))]) + [""]
        if f.contradicted_by:
            out += ["**%s**" % text(t("contradicted-by")), ""] + _evidence(f.contradicted_by, t) + [""]
    if not full and view.findings:
        out.append("")

    out += ["## %s" % text(t("not-seen")), ""]
    if view.unseen:
        out += [text(t("unseen-intro")), ""]
        rows = [(code(e.where), "%s %s" % (code(e.error), text(e.error_label)), code(e.probe), text(e.note))
                for e in view.unseen]
        out += _table((t("source"), t("error"), t("probe"), t("note")), rows) + [""]
    else:
        out += [text(t("unseen-none")), ""]

    if view.cited:
        out += _the_notes(view)

    out += ["## %s" % text(t("about")), ""]
    out += _table(("", ""), [(text(k), text(val)) for k, val in view.meta]) + [""]
    out += ["---", "", "*%s*" % text(t("notes-footer").replace("{notes}", view.notes))]
    if not full:
        out += ["", "*%s*" % text(t("detail-more"))]
    return "\n".join(out) + "\n"
