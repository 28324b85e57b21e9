"""The published JSON Schemas: of the JSON report (`hvaudit schema`) and of `detect --json`
(`hvaudit schema --detect`). Read through importlib.resources, so they work from a zip archive."""

from __future__ import annotations

from importlib import resources

REPORT_SCHEMA = "report.schema.json"
DETECT_SCHEMA = "detect.schema.json"


def schema_text(name: str = REPORT_SCHEMA) -> str:
    return resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
