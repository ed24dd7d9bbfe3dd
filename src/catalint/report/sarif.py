"""SARIF 2.1.0, as GitHub code scanning reads it: one run, every rule described, one result per
finding located by a repository-relative URI under `%SRCROOT%`."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from catalint import __version__
from catalint.model import Finding, RunResult, Severity
from catalint.report.paths import PathMapper, is_url
from catalint.rules import REGISTRY

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# Where the tool is published; shown by code scanning next to the tool name.
INFORMATION_URI = "https://pypi.org/project/catalint/"
YAMLLINT_DOCS = "https://yamllint.readthedocs.io/en/stable/rules.html"
SRCROOT = "%SRCROOT%"
TEXT_LIMIT = 1024  # GitHub's limit for shortDescription and fullDescription

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _clip(text: str, limit: int = TEXT_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_paragraph(doc: str) -> str:
    return " ".join(doc.strip().split("\n\n", 1)[0].split())


def _rule_descriptor(rule_id: str) -> dict[str, Any]:
    rule = REGISTRY.get(rule_id)
    if rule is not None:
        summary = rule.summary[:1].upper() + rule.summary[1:]
        full = _first_paragraph(rule.doc) or summary
        help_text = rule.doc.strip() or summary
        descriptor: dict[str, Any] = {
            "id": rule.id,
            "name": rule.id,
            "shortDescription": {"text": _clip(summary)},
            "fullDescription": {"text": _clip(full)},
            "help": {"text": help_text},
            "defaultConfiguration": {"level": LEVELS[rule.severity]},
            "properties": {"tags": ["backstage"] if rule.backstage else ["catalint"]},
        }
        return descriptor
    name = rule_id.split("/", 1)[-1]
    anchor = f"{YAMLLINT_DOCS}#module-yamllint.rules.{name.replace('-', '_')}"
    text = f"yamllint rule {name!r}"
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": text},
        "fullDescription": {"text": f"Reported by yamllint's {name!r} rule, as configured for catalint."},
        "help": {"text": f"See yamllint's documentation of the {name!r} rule: {anchor}"},
        "helpUri": anchor,
        "defaultConfiguration": {"level": "warning"},
        "properties": {"tags": ["yamllint", "style"]},
    }


def region(finding: Finding) -> dict[str, int]:
    """All four 1-based coordinates; endColumn is exclusive and never before the start."""
    span = finding.span
    line = max(span.line, 1)
    column = max(span.column, 1)
    end_line = max(span.end_line, line)
    end_column = max(span.end_column, 1)
    if end_line == line and end_column < column:
        end_column = column
    return {"startLine": line, "startColumn": column, "endLine": end_line, "endColumn": end_column}


@dataclass(slots=True)
class SarifReporter:
    paths: PathMapper = field(default_factory=PathMapper.identity)
    name: str = "sarif"

    def as_dict(self, result: RunResult) -> dict[str, Any]:
        rule_ids = list(REGISTRY)
        rule_ids.extend(sorted({f.rule for f in result.findings} - set(REGISTRY)))
        index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
        results = []
        for finding in result.findings:
            results.append(
                {
                    "ruleId": finding.rule,
                    "ruleIndex": index[finding.rule],
                    "level": LEVELS[finding.severity],
                    "message": {"text": finding.message or finding.rule},
                    "locations": [
                        {
                            "physicalLocation": {
                                "artifactLocation": self._artifact(finding.path),
                                "region": region(finding),
                            }
                        }
                    ],
                    **({"properties": {"entity": finding.entity}} if finding.entity else {}),
                }
            )
        root_uri = self.paths.root.resolve().as_uri().rstrip("/") + "/"
        return {
            "$schema": SCHEMA_URI,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {
                        "driver": {
                            "name": "catalint",
                            "version": __version__,
                            "semanticVersion": __version__,
                            "informationUri": INFORMATION_URI,
                            "rules": [_rule_descriptor(r) for r in rule_ids],
                        }
                    },
                    "originalUriBaseIds": {SRCROOT: {"uri": root_uri}},
                    "columnKind": "unicodeCodePoints",
                    "results": results,
                }
            ],
        }

    def _artifact(self, display: str) -> dict[str, str]:
        relative = self.paths.relative(display)
        if is_url(relative):  # a file on Bitbucket: its own absolute URI, no base
            return {"uri": relative}
        if relative.startswith("/"):  # outside the repository: an absolute file URI, no base
            return {"uri": PurePosixPath(relative).as_uri()}
        return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}

    def render(self, result: RunResult) -> str:
        return json.dumps(self.as_dict(result), indent=2, ensure_ascii=False) + "\n"
