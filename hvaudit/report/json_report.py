"""The JSON report: Report.to_dict(), validated by hvaudit/schema/report.schema.json."""

from __future__ import annotations

import json

from ..model import Report


def render(report: Report, lang: str = "en", color: bool = False) -> str:
    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False) + "\n"
