"""The published JSON Schemas of everything hvaudit prints as JSON: the report (`hvaudit
schema`), `detect --json` (`hvaudit schema detect`), the fleet report (`hvaudit schema fleet`)
and `diff --format json` (`hvaudit schema diff`). Read through the package's loader, so they
work from a zip archive."""

from __future__ import annotations

import pkgutil

REPORT_SCHEMA = "report.schema.json"
DETECT_SCHEMA = "detect.schema.json"
#: `hvaudit schema KIND`: each kind's file.
SCHEMAS = {"report": REPORT_SCHEMA, "detect": DETECT_SCHEMA, "fleet": "fleet.schema.json",
           "diff": "diff.schema.json"}


def schema_text(name: str = REPORT_SCHEMA) -> str:
    data = pkgutil.get_data(__name__, name)
    if data is None:
        raise FileNotFoundError(name)
    return data.decode("utf-8")
