"""GitLab Code Quality (a subset of the Code Climate issue format).

GitLab merges issues with the same fingerprint, and compares fingerprints between the source
and target branch to say what a merge request fixed or introduced. So the fingerprint must be
unique within a report and stable across runs: it hashes the file, rule, entity and message,
not the line (which moves whenever lines are added above), plus an occurrence counter for
findings that are otherwise identical.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from catalint.model import Finding, RunResult, Severity
from catalint.report.paths import PathMapper
from catalint.rules import REGISTRY, file_encoding, file_too_large, file_unreadable, yaml_syntax

# The file cannot be read as YAML at all: nothing else in it was checked.
BLOCKERS = frozenset({yaml_syntax.ID, file_unreadable.ID, file_encoding.ID, file_too_large.ID})


def severity(finding: Finding) -> str:
    """blocker: the file is unreadable; critical: Backstage rejects the entity; major: other
    errors; minor: warnings; info: info."""
    if finding.severity == Severity.ERROR:
        if finding.rule in BLOCKERS:
            return "blocker"
        rule = REGISTRY.get(finding.rule)
        return "critical" if rule is not None and rule.backstage else "major"
    return "minor" if finding.severity == Severity.WARNING else "info"


def fingerprint(path: str, finding: Finding, occurrence: int) -> str:
    parts = (path, finding.rule, finding.entity or "", finding.message, str(occurrence))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


@dataclass(slots=True)
class CodeClimateReporter:
    paths: PathMapper = field(default_factory=PathMapper.identity)
    name: str = "codeclimate"

    def issues(self, result: RunResult) -> list[dict[str, Any]]:
        issues: list[dict[str, Any]] = []
        occurrences: dict[tuple[str, str, str, str], int] = {}
        for finding in sorted(result.findings, key=Finding.sort_key):
            path = self.paths.relative(finding.path)
            key = (path, finding.rule, finding.entity or "", finding.message)
            occurrences[key] = occurrences.get(key, 0) + 1
            span = finding.span
            issues.append(
                {
                    "type": "issue",
                    "description": f"{finding.message} [{finding.rule}]",
                    "check_name": finding.rule,
                    "fingerprint": fingerprint(path, finding, occurrences[key]),
                    "severity": severity(finding),
                    "categories": ["Style"] if finding.rule.startswith("yamllint/") else ["Bug Risk"],
                    "location": {
                        "path": path,
                        "lines": {"begin": max(span.line, 1), "end": max(span.end_line, span.line, 1)},
                    },
                }
            )
        return issues

    def render(self, result: RunResult) -> str:
        return json.dumps(self.issues(result), indent=2, ensure_ascii=False) + "\n"
