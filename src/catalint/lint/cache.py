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
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from catalint import __version__
from catalint.atomic import write_atomic
from catalint.facts import Child, Declared, FileResult, Reference
from catalint.model import DocumentSummary, Finding, Severity, Span
from catalint.resolve.local import digest


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "catalint" / "results"


# Raised whenever what a result holds or depends on changes meaning, so that results stored by an
# older catalint of the same version are never served (2: Bitbucket URLs are checked, not
# skipped; 3: YAML and Backstage's field rules as the differential fuzzer found them).
# 4: each entry is held in the pack as a JSON string, decoded when used; 5: the text of the lines
# findings may be on (`lines`), for SARIF fingerprints.
FORMAT = "5"


def key_for(content: bytes, display: str, fingerprint: str) -> str:
    h = hashlib.sha256()
    # A path that is not valid UTF-8 reaches here with surrogate escapes: keep its very bytes.
    for part in (
        __version__.encode(),
        FORMAT.encode(),
        fingerprint.encode(),
        display.encode("utf-8", "surrogateescape"),
        content,
    ):
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
        "digest": result.digest,
        "lines": result.lines,
    }


def _shared(text: str | None) -> str | None:
    # Rule ids, kinds, entity keys and reference targets recur across files: one copy of each
    # for the run rather than one per finding (a decoder builds a new string every time).
    return None if text is None else sys.intern(text)


def load(data: dict[str, Any]) -> FileResult:
    path = data["path"]
    i = _shared
    return FileResult(
        path=path,
        findings=[Finding(sys.intern(r), Severity(s), m, path, _span(sp), d, i(e)) for r, s, m, sp, d, e in data["findings"]],
        documents=[DocumentSummary(path, n, ln, i(k), i(e), v) for n, ln, k, e, v in data["documents"]],
        declared=[Declared(k, sys.intern(kd), t, d, _span(sp)) for k, kd, t, d, sp in data["declared"]],
        references=[Reference(sys.intern(t), f, d, i(e), _span(sp)) for t, f, d, e, sp in data["references"]],
        children=[Child(loc, typ) for loc, typ in data["children"]],
        deps=data["deps"],
        disabled={int(k): frozenset(v) for k, v in data["disabled"].items()},
        disabled_file=frozenset(data["disabled_file"]),
        digest=data.get("digest"),
        lines=data.get("lines", ""),
    )


def _deps_unchanged(deps: dict[str, str | None]) -> bool:
    from catalint.resolve.globs import glob_files, matches_digest

    for dep, expected in deps.items():
        if dep.startswith("glob:"):
            pattern = Path(dep[5:])
            # The same bounded walk as the run that stored it: the fixed part of the path is the root.
            fixed = next((i for i, part in enumerate(pattern.parts) if any(c in part for c in "*?[")), len(pattern.parts))
            root = Path(*pattern.parts[:fixed])
            matches, cut = glob_files(root, "/".join(pattern.parts[fixed:]))
            if cut:
                return False
            current: str | None = matches_digest(matches)
        else:
            current = digest(Path(dep))
        if current != expected:
            return False
    return True


class ResultCache:
    """Results of one kind of run (same roots, same settings) kept together in one pack file.

    One file read and one JSON parse answer a whole warm run, where a file per result would
    cost an open and a parse each. The pack is rewritten at the end of a run with exactly the
    entries that run used, so it never grows beyond the catalog it describes.
    """

    def __init__(self, directory: Path, name: str = "default") -> None:
        self.directory = directory
        self.path = directory / "packs" / f"{name}.json"
        self._old: dict[str, Any] | None = None
        # What the pack will hold, encoded when it is written.
        self._new: dict[str, FileResult] = {}
        self._changed = False  # whether the pack needs writing (besides its stat signatures)
        self._stats: dict[str, list[Any]] = {}
        self._kept: dict[str, str] = {}  # entries served from the pack, still encoded

    def _entries(self) -> dict[str, Any]:
        if self._old is None:
            try:
                loaded = json.loads(self.path.read_text(encoding="utf-8"))
                self._old = loaded if isinstance(loaded, dict) else {}
            except (OSError, ValueError):
                self._old = {}
        return self._old

    def key_by_stat(self, real: str, signature: list[int]) -> str | None:
        """The content key a file had when it last had this size, mtime and inode, as git's
        index does: an unchanged stat saves reading and hashing the file."""
        known = self._entries().get(_STATS, {}).get(real)
        if isinstance(known, list) and known[:-1] == signature:
            return str(known[-1])
        return None

    def remember_stat(self, real: str, signature: list[int], key: str) -> None:
        self._stats[real] = [*signature, key]

    def get(self, key: str) -> FileResult | None:
        # Taken out of the pack as it is used, so that the run holds each result once, as an
        # object; what is left at the end is what the pack no longer needs. Each entry is a
        # string until then: decoding the whole pack at once cost more memory than the results.
        raw = self._entries().pop(key, None) if key != _STATS else None
        if raw is None:
            return None
        try:
            result: FileResult | None = load(json.loads(raw))
        except (ValueError, KeyError, TypeError, IndexError):
            result = None
        if result is None or not _deps_unchanged(result.deps):
            self._changed = True  # the pack loses this entry
            return None
        # Written back as read: encoding every hit again was a quarter of a pull request's run.
        self._kept[key] = raw
        return result

    def put(self, key: str, result: FileResult) -> None:
        # Encoded only when the pack is written (before the run's cross-file findings are added
        # to it): holding a second, encoded copy of every result cost a third of a large run's memory.
        self._new[key] = result
        self._kept.pop(key, None)
        self._changed = True

    def save(self) -> None:
        """Write the pack, then let go of it: the run's remaining steps need none of it."""
        old = self._old or {}
        if self._changed or old.keys() - {_STATS} or old.get(_STATS) != self._stats:
            with contextlib.suppress(OSError):
                write_atomic(self.path, self._pieces())
        # (a fully warm run has nothing new to write)
        self._old, self._new, self._stats, self._kept = {}, {}, {}, {}

    def _pieces(self) -> Iterator[str]:
        encode = json.JSONEncoder(separators=(",", ":")).encode
        yield "{"
        for key, result in self._new.items():
            yield f"{encode(key)}:{encode(encode(dump(result)))},"
        for key, raw in self._kept.items():
            yield f"{encode(key)}:{encode(raw)},"
        yield f"{encode(_STATS)}:{encode(self._stats)}}}"


_STATS = "_stats"


def stat_signature(path: Path) -> list[int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]


def pack_name(fingerprint: str, roots: list[str]) -> str:
    joined = "\0".join([FORMAT, fingerprint, *sorted(roots)])
    return hashlib.sha256(joined.encode("utf-8", "surrogateescape")).hexdigest()[:24]
