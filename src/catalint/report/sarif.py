"""SARIF 2.1.0, as GitHub code scanning reads it: one run, every rule described (with a `helpUri` to its
published page and help in text and Markdown), one result per finding located by a repository-relative URI
under `%SRCROOT%`, with a `partialFingerprints` entry that survives lines moving.

GitHub's documented limits ("SARIF results exceed one or more limits", code scanning docs): at most 25,000
results and 25,000 rules per run (more is rejected), of which only 5,000 results are kept, prioritised by
severity; 1,000 locations per result (100 shown); 20 tags per rule (10 shown); 20 runs per file; 10 MB per
gzip-compressed upload. catalint writes one run, one location and at most two tags per result, and keeps at
most `RESULT_LIMIT` results, errors first, saying in the log itself (a tool notification) and on stderr how
many were left out.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import quote

from catalint import __version__
from catalint.config import Settings
from catalint.facts import unpack_lines
from catalint.model import Finding, RunResult, Severity
from catalint.report.paths import PathMapper, is_url
from catalint.report.rule_docs import PROJECT_URL, rule_url
from catalint.rules import REGISTRY

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
# Shown by code scanning next to the tool name: the project's home.
INFORMATION_URI = PROJECT_URL
YAMLLINT_DOCS = "https://yamllint.readthedocs.io/en/stable/rules.html"
SRCROOT = "%SRCROOT%"
TEXT_LIMIT = 1024  # GitHub's limit for shortDescription and fullDescription
RESULT_LIMIT = 5000  # GitHub keeps only this many results per run (25,000 is the hard limit)
RULE_LIMIT = 25000  # rules per run
FINGERPRINT = "primaryLocationLineHash"  # GitHub's key: given here, upload-sarif does not compute its own

LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}


def _clip(text: str, limit: int = TEXT_LIMIT) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _first_paragraph(doc: str) -> str:
    return " ".join(doc.strip().split("\n\n", 1)[0].split())


def _yaml_block(text: str) -> str:
    return "```yaml\n" + text.rstrip("\n") + "\n```"


def _help_markdown(rule_id: str, summary: str, doc: str, module: Any) -> str:
    parts = [f"**{summary}**", doc.strip()] if doc.strip() else [f"**{summary}**"]
    fails, passes = getattr(module, "FAILS", None), getattr(module, "PASSES", None)
    if isinstance(fails, str):
        parts.append("Reported:\n\n" + _yaml_block(fails))
    if isinstance(passes, str):
        parts.append("Not reported:\n\n" + _yaml_block(passes))
    parts.append(f"[Documentation of `{rule_id}`]({rule_url(rule_id)})")
    return "\n\n".join(parts)


def _default_severity(rule_id: str, settings: Settings) -> Severity:
    rule = REGISTRY.get(rule_id)
    if rule is not None:
        return rule.severity
    policy = next((p for p in settings.policies if p.rule_id == rule_id), None)
    if policy is not None:
        return policy.severity
    if rule_id.startswith("policy/"):
        return Severity.ERROR
    if rule_id.startswith("yamllint/") and settings.yamllint is not None:
        from catalint.style import rule_level  # yamllint is loaded by runs with style checks only

        # The config's level, as the rule's results have it.
        if rule_level(settings.yamllint, rule_id.removeprefix("yamllint/")) == "error":
            return Severity.ERROR
    return Severity.WARNING  # yamllint's default


def _configuration(rule_id: str, settings: Settings) -> dict[str, Any]:
    """The rule's level as this run has it: its own severity (a policy's `severity:`) unless
    `rules:` overrides it; a rule turned off keeps its level and is marked not enabled."""
    default = _default_severity(rule_id, settings)
    effective = settings.severity_for(rule_id, default)
    if effective is None:
        return {"level": LEVELS[default], "enabled": False}
    return {"level": LEVELS[effective]}


def _rule_descriptor(rule_id: str, settings: Settings) -> dict[str, Any]:
    descriptor = _described(rule_id)
    descriptor["defaultConfiguration"] = _configuration(rule_id, settings)
    return descriptor


def _described(rule_id: str) -> dict[str, Any]:
    rule = REGISTRY.get(rule_id)
    if rule is not None:
        summary = rule.summary[:1].upper() + rule.summary[1:]
        full = _first_paragraph(rule.doc) or summary
        help_text = rule.doc.strip() or summary
        return {
            "id": rule.id,
            "name": rule.id,
            "shortDescription": {"text": _clip(summary)},
            "fullDescription": {"text": _clip(full)},
            "help": {"text": help_text, "markdown": _help_markdown(rule.id, summary, rule.doc, rule.module)},
            "helpUri": rule_url(rule.id),
            "properties": {"tags": ["backstage"] if rule.backstage else ["catalint"]},
        }
    if rule_id.startswith("policy/"):
        name = rule_id.split("/", 1)[1]
        text = f"Organisation policy {name!r} from the catalint configuration"
        return {
            "id": rule_id,
            "name": rule_id,
            "shortDescription": {"text": _clip(text)},
            "fullDescription": {"text": _clip(f"{text}: a JSON Schema the entity must also satisfy.")},
            "help": {
                "text": f"{text}. `catalint explain {rule_id}` prints the policy's description.",
                "markdown": f"{text}. `catalint explain {rule_id}` prints the policy's description; "
                f"see [policies]({rule_url(rule_id)}).",
            },
            "helpUri": rule_url(rule_id),
            "properties": {"tags": ["policy"]},
        }
    name = rule_id.split("/", 1)[-1]
    anchor = f"{YAMLLINT_DOCS}#module-yamllint.rules.{name.replace('-', '_')}"
    return {
        "id": rule_id,
        "name": rule_id,
        "shortDescription": {"text": f"yamllint rule {name!r}"},
        "fullDescription": {"text": f"Reported by yamllint's {name!r} rule, as configured for catalint."},
        "help": {
            "text": f"See yamllint's documentation of the {name!r} rule: {anchor}",
            "markdown": f"See yamllint's documentation of the [`{name}` rule]({anchor}).",
        },
        "helpUri": anchor,
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
class _Lines:
    """The run's linted lines (`RunResult.lines`), unpacked once per file."""

    packed: dict[str, str]
    files: dict[str, dict[int, str]] = field(default_factory=dict)

    def get(self, path: str, line: int) -> str | None:
        if path not in self.files:
            self.files[path] = unpack_lines(self.packed.get(path, ""))
        return self.files[path].get(line)


def fingerprint(rule: str, uri: str, content: str) -> str:
    """Rule, file and the offending line's text with its whitespace collapsed: no line number, so the
    fingerprint stays when lines are added above or the line is re-indented."""
    normalised = " ".join(content.split())
    return hashlib.sha256("\0".join((rule, uri, normalised)).encode("utf-8")).hexdigest()[:32]


@dataclass(slots=True)
class SarifReporter:
    paths: PathMapper = field(default_factory=PathMapper.identity)
    name: str = "sarif"
    limit: int = RESULT_LIMIT
    # The run's configuration: a policy's severity and `rules:` overrides give each rule's level.
    settings: Settings = field(default_factory=Settings)
    notices: list[str] = field(default_factory=list)

    def as_dict(self, result: RunResult) -> dict[str, Any]:
        self.notices = []
        # Errors first, so that a cap drops the least severe findings, as GitHub itself would.
        ordered = sorted(result.findings, key=lambda f: -int(f.severity))
        kept = ordered[: self.limit]
        rule_ids = list(REGISTRY)
        rule_ids.extend(sorted({f.rule for f in kept} - set(REGISTRY)))
        rule_ids = rule_ids[:RULE_LIMIT]
        index = {rule_id: i for i, rule_id in enumerate(rule_ids)}
        seen: dict[str, int] = {}
        artifacts: dict[str, dict[str, str]] = {}  # per file: mapping a path costs more than the rest of a result
        lines = _Lines(result.lines)
        results = [self._result(f, index, lines, seen, artifacts) for f in kept if f.rule in index]
        run: dict[str, Any] = {
            "tool": {
                "driver": {
                    "name": "catalint",
                    "version": __version__,
                    "semanticVersion": __version__,
                    "informationUri": INFORMATION_URI,
                    "rules": [_rule_descriptor(r, self.settings) for r in rule_ids],
                }
            },
            "originalUriBaseIds": {SRCROOT: {"uri": self.paths.root.resolve().as_uri().rstrip("/") + "/"}},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }
        left_out = len(result.findings) - len(results)
        if left_out:
            notice = (
                f"SARIF: {left_out} of {len(result.findings)} findings left out: GitHub code scanning keeps "
                f"{self.limit} results per run (errors were kept first); every finding is in the log"
            )
            self.notices.append(notice)
            run["invocations"] = [
                {
                    "executionSuccessful": True,
                    "toolExecutionNotifications": [{"level": "warning", "message": {"text": notice}}],
                }
            ]
        return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}

    def _result(
        self,
        finding: Finding,
        index: dict[str, int],
        lines: _Lines,
        seen: dict[str, int],
        artifacts: dict[str, dict[str, str]],
    ) -> dict[str, Any]:
        if finding.path not in artifacts:
            artifacts[finding.path] = self._artifact(finding.path)
        artifact = dict(artifacts[finding.path])
        where = region(finding)
        # The line as it was linted (a file may have changed since, or be stdin); one the run did not
        # read (a file too large or unreadable, a line past the end) is identified by its message.
        content = lines.get(finding.path, where["startLine"])
        key = fingerprint(finding.rule, artifact["uri"], content if content is not None else finding.message)
        seen[key] = seen.get(key, 0) + 1  # identical lines in one file: numbered, as GitHub numbers its own
        out: dict[str, Any] = {
            "ruleId": finding.rule,
            "ruleIndex": index[finding.rule],
            "level": LEVELS[finding.severity],
            "message": {"text": finding.message or finding.rule},
            "locations": [{"physicalLocation": {"artifactLocation": artifact, "region": where}}],
            "partialFingerprints": {FINGERPRINT: f"{key}:{seen[key]}"},
        }
        if finding.entity:
            out["properties"] = {"entity": finding.entity}
        return out

    def _artifact(self, display: str) -> dict[str, str]:
        relative = self.paths.relative(display)
        if is_url(relative):  # a file on Bitbucket: its own absolute URI, no base
            return {"uri": relative}
        if relative.startswith("/"):  # outside the repository: an absolute file URI, no base
            return {"uri": PurePosixPath(relative).as_uri()}
        return {"uri": quote(relative, safe="/"), "uriBaseId": SRCROOT}

    def render(self, result: RunResult) -> str:
        return json.dumps(self.as_dict(result), indent=2, ensure_ascii=False) + "\n"
