"""The published JSON Schema of hvaudit's JSON report (`hvaudit schema` prints it)."""

from __future__ import annotations

import os

SCHEMA_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "report.schema.json")


def schema_text() -> str:
    with open(SCHEMA_FILE, encoding="utf-8") as f:
        return f.read()
