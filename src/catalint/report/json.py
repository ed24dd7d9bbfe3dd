"""The JSON report: a stable contract (version 1), documented in the README."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from catalint.model import RunResult, Severity

VERSION = 1


def as_dict(result: RunResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "summary": {
            "files": result.files,
            "documents": len(result.documents),
            "errors": result.count(Severity.ERROR),
            "warnings": result.count(Severity.WARNING),
            "infos": result.count(Severity.INFO),
            "unverified": result.unverified,
        },
        "documents": [d.to_json() for d in result.documents],
        "findings": [f.to_json() for f in result.findings],
        **result.extra,
    }


@dataclass(slots=True)
class JsonReporter:
    name: str = "json"

    def render(self, result: RunResult) -> str:
        return json.dumps(as_dict(result), indent=2, ensure_ascii=False) + "\n"
