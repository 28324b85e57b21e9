"""The published JSON Schemas: of the JSON report (`hvaudit schema`) and of `detect --json`
(`hvaudit schema --detect`). Read through the package's loader, so they work from a zip archive."""

from __future__ import annotations

import pkgutil

REPORT_SCHEMA = "report.schema.json"
DETECT_SCHEMA = "detect.schema.json"


def schema_text(name: str = REPORT_SCHEMA) -> str:
    data = pkgutil.get_data(__name__, name)
    if data is None:
        raise FileNotFoundError(name)
    return data.decode("utf-8")
