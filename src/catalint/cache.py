"""A content-addressed cache of per-file lint results.

A result is reused when the file's bytes, the settings that shape results, catalint's version,
and every file it depended on (placeholder targets, Location targets, TechDocs folders) are
unchanged; a dependency that changed, appeared or vanished invalidates the entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from catalint import __version__
from catalint.engine import Child, Declared, FileResult, Reference
from catalint.model import DocumentSummary, Finding, Severity, Span
from catalint.resolve.local import digest


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "catalint" / "results"


def key_for(content: bytes, display: str, fingerprint: str) -> str:
    h = hashlib.sha256()
    for part in (__version__.encode(), fingerprint.encode(), display.encode(), content):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.hexdigest()


def _span(d: list[int]) -> Span:
    return Span(d[0], d[1], d[2], d[3])


def _s(span: Span) -> list[int]:
    return [span.line, span.column, span.end_line, span.end_column]


def dump(result: FileResult) -> dict[str, Any]:
    return {
        "path": result.path,
        "findings": [[f.rule, int(f.severity), f.message, _s(f.span), f.document, f.entity] for f in result.findings],
        "documents": [[d.index, d.line, d.kind, d.entity, d.valid] for d in result.documents],
        "declared": [[e.key, e.kind, e.spec_type, e.document, _s(e.span)] for e in result.declared],
        "references": [[r.target, r.field, r.document, r.entity, _s(r.span)] for r in result.references],
        "children": [[c.location, c.type] for c in result.children],
        "deps": result.deps,
        "disabled": {str(k): sorted(v) for k, v in result.disabled.items()},
        "disabled_file": sorted(result.disabled_file),
    }


def load(data: dict[str, Any]) -> FileResult:
    path = data["path"]
    return FileResult(
        path=path,
        findings=[Finding(r, Severity(s), m, path, _span(sp), d, e) for r, s, m, sp, d, e in data["findings"]],
        documents=[DocumentSummary(path, i, ln, k, e, v) for i, ln, k, e, v in data["documents"]],
        declared=[Declared(k, kd, t, d, _span(sp)) for k, kd, t, d, sp in data["declared"]],
        references=[Reference(t, f, d, e, _span(sp)) for t, f, d, e, sp in data["references"]],
        children=[Child(loc, typ) for loc, typ in data["children"]],
        deps=data["deps"],
        disabled={int(k): frozenset(v) for k, v in data["disabled"].items()},
        disabled_file=frozenset(data["disabled_file"]),
    )


def _deps_unchanged(deps: dict[str, str | None]) -> bool:
    import glob as globmod

    for dep, expected in deps.items():
        if dep.startswith("glob:"):
            pattern = dep[5:]
            matches = sorted(Path(p) for p in globmod.glob(pattern, recursive=True) if Path(p).is_file())
            current: str | None = hashlib.sha256("\n".join(map(str, matches)).encode()).hexdigest()
        else:
            current = digest(Path(dep))
        if current != expected:
            return False
    return True


class ResultCache:
    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def _file(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.json"

    def get(self, key: str) -> FileResult | None:
        try:
            data = json.loads(self._file(key).read_text(encoding="utf-8"))
            result = load(data)
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return result if _deps_unchanged(result.deps) else None

    def put(self, key: str, result: FileResult) -> None:
        target = self._file(key)
        with contextlib.suppress(OSError):
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(dump(result), handle, separators=(",", ":"))
            os.replace(tmp, target)
