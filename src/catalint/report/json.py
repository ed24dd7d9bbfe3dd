"""The JSON report: a stable contract (version 1), documented in the README.

The report is written piece by piece in exactly the layout `json.dumps(as_dict(result), indent=2,
ensure_ascii=False)` gives: the standard encoder drops to pure Python when asked to indent, which
cost a fifth of a warm run, and building the document whole doubled a large run's peak memory.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # the C function when available
from typing import Any

from catalint.model import DocumentSummary, Finding, RunResult, Severity

VERSION = 1
BATCH = 2000  # entries per write when streaming: few calls, bounded memory


def as_dict(result: RunResult) -> dict[str, Any]:
    return {
        "version": VERSION,
        "summary": _summary(result),
        "documents": [d.to_json() for d in result.documents],
        "findings": [f.to_json() for f in result.findings],
        **result.extra,
    }


def _summary(result: RunResult) -> dict[str, int]:
    return {
        "files": result.files,
        "documents": len(result.documents),
        "errors": result.count(Severity.ERROR),
        "warnings": result.count(Severity.WARNING),
        "infos": result.count(Severity.INFO),
        "unverified": result.unverified,
    }


def _value(value: object) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, str):
        return str(encode_basestring(value))
    if type(value) is int:
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _document(d: DocumentSummary) -> str:
    v = _value
    return (
        f'    {{\n      "path": {v(d.path)},\n      "index": {d.index},\n      "line": {d.line},\n'
        f'      "kind": {v(d.kind)},\n      "entity": {v(d.entity)},\n      "valid": {v(d.valid)}\n    }}'
    )


def _finding(f: Finding) -> str:
    v, s = _value, f.span
    return (
        f'    {{\n      "rule": {v(f.rule)},\n      "severity": "{f.severity.label}",\n'
        f'      "message": {v(f.message)},\n      "path": {v(f.path)},\n      "line": {s.line},\n'
        f'      "column": {s.column},\n      "end_line": {s.end_line},\n      "end_column": {s.end_column},\n'
        f'      "document": {v(f.document)},\n      "entity": {v(f.entity)}\n    }}'
    )


def _array(name: str, items: list[Any], encode: Callable[[Any], str], last: bool) -> Iterator[str]:
    end = "\n" if last else ",\n"
    if not items:
        yield f'  "{name}": []{end}'
        return
    yield f'  "{name}": [\n'
    for start in range(0, len(items), BATCH):
        chunk = ",\n".join(encode(item) for item in items[start : start + BATCH])
        yield chunk + (",\n" if start + BATCH < len(items) else "\n")
    yield f"  ]{end}"


def chunks(result: RunResult) -> Iterator[str]:
    """The report in pieces of at most BATCH entries, which joined are the whole report."""
    summary = ",\n".join(f'    "{k}": {n}' for k, n in _summary(result).items())
    yield f'{{\n  "version": {VERSION},\n  "summary": {{\n{summary}\n  }},\n'
    yield from _array("documents", result.documents, _document, last=False)
    extra = list(result.extra.items())
    yield from _array("findings", result.findings, _finding, last=not extra)
    for number, (name, value) in enumerate(extra, start=1):
        # Further sections (a workspace run's `nightly`) are small: the standard encoder, indented one level.
        encoded = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")
        yield f"  {encode_basestring(name)}: {encoded}" + ("\n" if number == len(extra) else ",\n")
    yield "}\n"


@dataclass(slots=True)
class JsonReporter:
    name: str = "json"

    def render(self, result: RunResult) -> str:
        return "".join(chunks(result))

    def stream(self, result: RunResult, write: Callable[[str], object]) -> None:
        """Write the report as it is encoded, never holding all of it."""
        for piece in chunks(result):
            write(piece)
