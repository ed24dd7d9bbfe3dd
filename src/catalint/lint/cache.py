"""A content-addressed cache of per-file lint results.

A result is reused when the file's bytes, the settings that shape results, catalint's version,
and every file it depended on (placeholder targets, Location targets, TechDocs folders) are
unchanged; a dependency that changed, appeared or vanished invalidates the entry.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import mmap
import os
import re
import stat
import sys
import zlib
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, TypeGuard

from catalint import __version__
from catalint.atomic import write_atomic
from catalint.facts import Child, Declared, FileResult, Reference
from catalint.lint.fold import Fold, FoldError, is_plain, part_of, tally
from catalint.model import DocumentSummary, Finding, Severity, Span
from catalint.resolve.local import digest


def default_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "catalint" / "results"


# Raised whenever what a result holds or depends on changes meaning, so that results stored by an
# older catalint of the same version are never served (2: Bitbucket URLs are checked, not
# skipped; 3: YAML and Backstage's field rules as the differential fuzzer found them).
# 4: each entry is held in the pack as a JSON string, decoded when used; 5: the text of the lines
# findings may be on (`lines`), for SARIF fingerprints; 6: a line per entry, its findings decoded
# only when read; 7: kept lines and findings' messages without any URL's `user:password@` (a
# result stored before must not be served with them); 8: an entry's kept lines apart from its
# index, decoded only for a file whose findings are reported; 9: a glob dependency names the
# folder that bounded it (checked from its fixed part, a symlinked folder it matched through was
# missed, and a new match there was never seen); 10: a header before each entry's index (plain or
# not, its digest, its dependencies, the entities it declares), the pack's fold (lint/fold.py) on
# its second line, and a checksum as its last; 11: a key holds the file's git blob id, not its bytes;
# 12: keys of 128 bits, and a stat record's id without the real path where it is the shown one's,
# with the checkout's Bitbucket repository; 13: keys and stat records' ids hold the checkout root.
FORMAT = "13"


def blob_id(content: bytes) -> str:
    """`content`'s git blob id (SHA-1): the cache knows a file by the id git gives its bytes, so
    that a file git vouches for is found without being read (sources/gitlist.py)."""
    digest = hashlib.sha1(b"blob %d\0" % len(content), usedforsecurity=False)
    digest.update(content)
    return digest.hexdigest()


def key_for_blob(blob: str, display: str, fingerprint: str) -> str:
    h = hashlib.sha256()
    # A path that is not valid UTF-8 reaches here with surrogate escapes: keep its very bytes.
    for part in (
        __version__.encode(),
        FORMAT.encode(),
        fingerprint.encode(),
        display.encode("utf-8", "surrogateescape"),
        blob.encode(),
    ):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    # (128 bits name a result beyond doubt; the pack and its stat records hold a key per file)
    return h.hexdigest()[:32]


_SPANS: dict[tuple[int, ...], Span] = {}


def _span(d: list[int]) -> Span:
    # One object per distinct span: the same positions recur across a catalog's files, and a run
    # holds a span for every finding, declaration and reference until it reports.
    key = tuple(d)
    span = _SPANS.get(key)
    if span is None:
        if len(_SPANS) >= 50_000:
            _SPANS.clear()
        span = _SPANS[key] = Span(d[0], d[1], d[2], d[3])
    return span


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
        findings=_findings(path, data["findings"]),
        documents=[DocumentSummary(path, n, ln, i(k), i(e), v) for n, ln, k, e, v in data["documents"]],
        declared=[Declared(sys.intern(k), sys.intern(kd), i(t), d, _span(sp)) for k, kd, t, d, sp in data["declared"]],
        references=[Reference(sys.intern(t), sys.intern(f), d, i(e), _span(sp)) for t, f, d, e, sp in data["references"]],
        children=[Child(loc, typ) for loc, typ in data["children"]],
        deps=data["deps"],
        disabled={int(k): frozenset(v) for k, v in data["disabled"].items()},
        disabled_file=frozenset(data["disabled_file"]),
        digest=data.get("digest"),
        lines=_lines(data.get("lines", "")),
    )


# `facts.line_texts`' packing: `number<TAB>text` lines, the text without a newline.
_LINES = re.compile(r"(?:[0-9]+\t[^\n]*\n)*")


def _lines(raw: object) -> str:
    """A dump's kept lines, checked: a shard or state written by hand or cut short is damaged."""
    if not isinstance(raw, str) or not _LINES.fullmatch(raw):
        raise ValueError("the kept lines are damaged")
    return raw


class CachedResult(FileResult):
    """A result from the pack whose findings and kept lines stay encoded until something reads them.

    A pull request's run reports the findings of a few files, yet needs what every file declares
    and refers to: decoding every file's findings was a quarter of that run at 30,000 files. What
    the run does need of a file it does not report (how many findings it would show) is `tally`.
    Both parts are read from the pack line itself (`_entry`, which the cache holds anyway to write
    it back), never from a copy of them.
    """

    __slots__ = ("_entry", "_findings_at", "_index_at", "_lines_at", "tally")

    def __init__(
        self,
        path: str,
        entry: str | None = None,
        at: tuple[int, int] = (-1, -1),
        tally: list[tuple[str, int, int]] | None = None,
        **parts: Any,
    ) -> None:
        self._index_at = -1  # (see LazyResult)
        super().__init__(path, **parts)
        # Where the kept lines and the findings start in `entry` (-1: decoded, or given, as
        # `dataclasses.replace` gives them).
        self._entry = entry
        self._lines_at = -1 if "lines" in parts or entry is None else at[0]
        self._findings_at = -1 if "findings" in parts or entry is None else at[1]
        self.tally = tally or []  # (rule, severity, how many) of the findings its directives leave

    @property  # type: ignore[override]
    def findings(self) -> list[Finding]:
        at = self._findings_at
        if at >= 0:
            self._findings_at = -1
            assert self._entry is not None
            # (read after the run could lint the file afresh: damage found now stops it, in a line)
            with _damaged(self.path):
                _FINDINGS.__set__(self, _findings(self.path, json.loads(self._entry[at:])))
            self._let_go()
        return _FINDINGS.__get__(self, FileResult)  # type: ignore[no-any-return]

    @findings.setter
    def findings(self, value: list[Finding]) -> None:
        self._findings_at = -1
        _FINDINGS.__set__(self, value)

    @property  # type: ignore[override]
    def lines(self) -> str:
        at = self._lines_at
        if at >= 0:
            self._lines_at = -1
            assert self._entry is not None
            with _damaged(self.path):
                text = json.loads(self._entry[at : self._entry.index("\t", at)])
            # (damaged since it was checked: the finding is then fingerprinted by its message)
            _LINES_SLOT.__set__(self, text if isinstance(text, str) and _LINES.fullmatch(text) else "")
            self._let_go()
        return _LINES_SLOT.__get__(self, FileResult)  # type: ignore[no-any-return]

    @lines.setter
    def lines(self, value: str) -> None:
        self._lines_at = -1
        _LINES_SLOT.__set__(self, value)

    def _let_go(self) -> None:
        """Drop the pack line once nothing is left to decode from it: a run that reports every
        file decodes every file's findings and kept lines as it reports them, and the lines it
        held besides (a kilobyte a file) were its peak at 30,000 files."""
        if self._findings_at < 0 and self._lines_at < 0 and self._index_at < 0:
            self._entry = None

    @property
    def decoded(self) -> bool:
        return self._findings_at < 0


_FINDINGS: Any = FileResult.__dict__["findings"]  # the slots the properties above stand in front of
_LINES_SLOT: Any = FileResult.__dict__["lines"]


def _findings(path: str, rows: list[list[Any]]) -> list[Finding]:
    return [Finding(sys.intern(r), Severity(s), m, path, _span(sp), d, _shared(e)) for r, s, m, sp, d, e in rows]


def encode_entry(result: FileResult) -> str:
    """A pack line's body, its parts apart by tabs: a header (`p` for a plain entry, see
    lint/fold.py, else `e`; then the digest), its dependencies, what every run needs of the file
    (the index), its kept lines (a JSON string), then its findings."""
    data = dump(result)
    encode = _ENCODE
    index = [
        data["path"],
        data["documents"],
        data["declared"],
        data["references"],
        data["children"],
        data["disabled"],
        data["disabled_file"],
        tally(result),
    ]
    header = ("p" if is_plain(result) else "e") + (result.digest or "")
    keys = encode([entity.key for entity in result.declared])
    parts = [header, encode(data["deps"]), keys, encode(index), encode(data["lines"]), encode(data["findings"])]
    return "\t".join(parts)


def _tabs(body: str, start: int) -> tuple[int, int]:
    """Where the index and the kept lines of the entry at `start` end, the entry checked for its
    three parts (JSON text holds no raw tab: the parts are where the tabs are)."""
    tab = body.find("\t", start)
    lines_tab = body.find("\t", tab + 1) if tab >= 0 else -1
    if lines_tab < 0 or not body.startswith('"', tab + 1) or body[lines_tab - 1] != '"':
        raise ValueError("not a pack entry")
    if not body.startswith("[", lines_tab + 1) or not body.endswith("]"):
        raise ValueError("not a pack entry")
    return tab, lines_tab


# The C scanner `json.loads` ends in, called without the three frames before it.
_SCAN: Callable[[str, int], tuple[Any, int]] = json.JSONDecoder().scan_once  # type: ignore[attr-defined]


def _index(body: str, start: int, end: int) -> Any:
    """The JSON value from `start` to `end` in `body`, read in place (no copy of it first)."""
    try:
        value, stop = _SCAN(body, start)
    except StopIteration:
        raise ValueError("not a pack entry") from None
    if stop != end:
        raise ValueError("not a pack entry")
    return value


def _header(body: str, start: int) -> tuple[int, str | None, dict[str, str | None]]:
    """Of the entry at `start`: where its index starts, its digest, and its dependencies."""
    end = body.find("\t", start)
    deps_end = body.find("\t", end + 1)
    keys_end = body.find("\t", deps_end + 1) if deps_end >= 0 else -1
    if end <= start or keys_end < 0 or body[start] not in "pe":
        raise ValueError("not a pack entry")
    # (most files depend on nothing: no decoding for them)
    deps = {} if body.startswith("{}\t", end + 1) else _index(body, end + 1, deps_end)
    if not isinstance(deps, dict):
        raise ValueError("not a pack entry")
    return keys_end + 1, body[start + 1 : end] or None, deps


def decode_entry(body: str, start: int = 0, path: str | None = None) -> CachedResult:
    """An entry from `encode_entry`'s text, from `start` in `body` (a whole pack line: no copy).
    `path`: the path the entry is expected to have, shared rather than decoded again."""
    start, digest, deps = _header(body, start)
    if not isinstance(_index(body, body.rfind("\t", 0, start - 1) + 1, start - 1), list):
        raise ValueError("not a pack entry")  # (the entities it declares: decoded with the rest)
    tab, lines_tab = _tabs(body, start)
    result = CachedResult(path or "", body, (tab + 1, lines_tab + 1), deps=deps, digest=digest)
    _fill(result, _index(body, start, tab), path)
    return result


def _fill(result: CachedResult, index: Any, path: str | None) -> None:
    """`result`'s index fields from the decoded `index`."""
    stored, documents, declared, references, children, disabled, disabled_file, counts = index
    if not isinstance(stored, str):
        raise ValueError("not a pack entry")
    path = path if path == stored else stored
    # Every cached file of a run goes through here: names are bound locally and strings shared
    # inline (`e and intern(e)`: None stays None), which saved a tenth of this function's time.
    # Spans and entity keys are shared as a cold run's results share them (`load`): a Span and a
    # key string per declaration and reference were 15 MB of a warm run's peak at 30,000 files.
    # A span known already is looked up inline (`_span` only for a new one): a call per span was a
    # tenth of this function's time. The slots are set past the properties that stand in front
    # of them (`LazyResult`'s).
    intern, spans, slot = sys.intern, _SPANS, _SLOTS
    slot["path"].__set__(result, path)
    slot["documents"].__set__(
        result, [DocumentSummary(path, n, ln, k and intern(k), e and intern(e), v) for n, ln, k, e, v in documents]
    )
    slot["declared"].__set__(
        result,
        [
            Declared(intern(k), intern(kd), t and intern(t), d, spans.get(tuple(sp)) or _span(sp))
            for k, kd, t, d, sp in declared
        ],
    )
    slot["references"].__set__(result, _references(references))
    # (empties shared, as the run keeps them: a lazy result is decoded after the run made them so)
    slot["children"].__set__(result, [Child(loc, typ) for loc, typ in children] if children else _NONE)
    slot["disabled"].__set__(result, {int(k): frozenset(v) for k, v in disabled.items()} if disabled else _NO_LINES)
    slot["disabled_file"].__set__(result, frozenset(disabled_file) if disabled_file else _NO_RULES)
    slot["tally"].__set__(result, _tally(counts))


def _references(rows: list[list[Any]]) -> list[Reference]:
    """An index's references, their strings and spans shared (see `_fill`)."""
    intern, spans = sys.intern, _SPANS
    return [Reference(intern(t), intern(f), d, e and intern(e), spans.get(tuple(sp)) or _span(sp)) for t, f, d, e, sp in rows]


# The index's fields: the slots of FileResult that LazyResult's properties stand in front of.
_LAZY = ("documents", "declared", "references")
_SLOTS: dict[str, Any] = {name: FileResult.__dict__[name] for name in (*_LAZY, "path", "children", "disabled", "disabled_file")}
_SLOTS["tally"] = CachedResult.__dict__["tally"]


class _Indexed:
    """A field of a `LazyResult`'s index: the index is decoded when any of them is first used."""

    def __init__(self, name: str) -> None:
        self.slot = _SLOTS[name]

    def __get__(self, result: LazyResult | None, owner: type | None = None) -> Any:
        if result is None:
            return self
        result.decode_index()
        return self.slot.__get__(result, owner)

    def __set__(self, result: LazyResult, value: Any) -> None:
        result.decode_index()  # (first: decoding it later would undo this)
        self.slot.__set__(result, value)


_CACHED: dict[str, Any] = {name: CachedResult.__dict__[name] for name in ("findings", "lines")}


class LazyResult(CachedResult):
    """A plain entry served with its index still encoded, in a run whose report may not show it
    (a pull request's): the run's checks across files read the pack's fold instead (lint/fold.py),
    and decode only the files they must. Once decoded, it is a `CachedResult` again, whose fields
    are read without going through these properties."""

    __slots__ = ()

    def decode_index(self) -> None:
        at = self._index_at
        if at < 0:
            return
        assert self._entry is not None
        self._index_at = -1
        # (where the kept lines and findings start is found only now: most lazy results never ask)
        with _damaged(self.path):
            tab, lines_tab = _tabs(self._entry, at)
            self._lines_at, self._findings_at = tab + 1, lines_tab + 1
            _fill(self, _index(self._entry, at, tab), self.path)
        self.__class__ = CachedResult  # type: ignore[assignment]

    # The findings and kept lines are found from the index's end: decoded first.
    @property  # type: ignore[override]
    def findings(self) -> list[Finding]:
        self.decode_index()
        return _CACHED["findings"].__get__(self, CachedResult)  # type: ignore[no-any-return]

    @findings.setter
    def findings(self, value: list[Finding]) -> None:
        self.decode_index()
        _CACHED["findings"].__set__(self, value)

    def declared_keys(self) -> list[str]:
        """The entities the entry declares, from its header: without decoding its index."""
        entry, at = self._entry, self._index_at
        assert entry is not None and at >= 0  # (see `declared_keys`: asked of a lazy result only)
        keys = _index(entry, entry.rfind("\t", 0, at - 1) + 1, at - 1)
        if not isinstance(keys, list):
            raise ValueError("not a pack entry")
        return keys

    @property  # type: ignore[override]
    def lines(self) -> str:
        self.decode_index()
        return _CACHED["lines"].__get__(self, CachedResult)  # type: ignore[no-any-return]

    @lines.setter
    def lines(self, value: str) -> None:
        self.decode_index()
        _CACHED["lines"].__set__(self, value)


for _name in _LAZY:
    setattr(LazyResult, _name, _Indexed(_name))
LazyResult.tally = _Indexed("tally")  # type: ignore[assignment,misc]


_NONE: list[Any] = []  # shared by lazy results, read and never written to
_NO_LINES: dict[int, frozenset[str]] = {}
_NO_RULES: frozenset[str] = frozenset()


def lazy_entry(body: str, start: int, path: str) -> CachedResult:
    """`decode_entry`, but a plain entry's index is left encoded (see `LazyResult`)."""
    if not body.startswith("p", start):
        return decode_entry(body, start, path)
    index_at, digest, deps = _header(body, start)
    # Made without `__init__`, which would set every field (through the properties): the index's
    # are set when it is decoded, the findings and kept lines when read.
    result = LazyResult.__new__(LazyResult)
    result.path, result.digest, result.deps = path, digest, deps
    # A plain entry has no children and no directives (lint/fold.is_plain): known without its index.
    result.children, result.disabled, result.disabled_file = _NONE, _NO_LINES, _NO_RULES
    # (0: not decoded, and where is not known yet: see `decode_index`)
    result._entry, result._lines_at, result._findings_at, result._index_at = body, 0, 0, index_at
    return result


def decode_index(result: FileResult) -> None:
    """`result`'s index decoded now, if it was not (see `LazyResult`)."""
    if is_lazy(result):
        result.decode_index()


def references_of(result: FileResult) -> list[Reference]:
    """`result.references`, a lazy result's read from its index without decoding it for good: a
    pull request's relations read every file's references once, and keeping every folded file's
    index decoded after that (documents and all) raised the run's peak."""
    if not is_lazy(result):
        return result.references
    entry, at = result._entry, result._index_at
    assert entry is not None
    with _damaged(result.path):
        tab, _ = _tabs(entry, at)
        return _references(_index(entry, at, tab)[3])


def declared_keys(result: FileResult) -> list[str]:
    """The entities `result` declares, without decoding its index if it is lazy."""
    if is_lazy(result):
        with _damaged(result.path):
            return result.declared_keys()
    return [entity.key for entity in result.declared]


# What decoding a damaged entry raises (JSON of the wrong shape: a list too short, a string for a
# list; or nested too deep to decode).
_UNREADABLE = (ValueError, KeyError, TypeError, IndexError, AttributeError, RecursionError)


class DamagedPack(ValueError):
    """A lazy result's entry turned out unreadable when it was needed: its pack passed its
    checksum, so it was changed by hand (and its checksum made again). Too late to lint the
    file afresh: the run stops with this, one line that says how to start clean."""


@contextlib.contextmanager
def _damaged(path: str) -> Iterator[None]:
    try:
        yield
    except _UNREADABLE as err:
        if isinstance(err, DamagedPack):
            raise
        raise DamagedPack(
            f"the cached result of {path} cannot be read: the cache was changed by hand; "
            "delete the cache folder or run with --no-cache"
        ) from None


def is_lazy(result: FileResult) -> TypeGuard[LazyResult]:
    """Whether `result`'s index is still encoded."""
    # (`dataclasses.replace` makes a LazyResult through `__init__`: with every field given)
    return type(result) is LazyResult and result._index_at >= 0


_TALLIES: dict[tuple[Any, ...], list[tuple[str, int, int]]] = {}


def _tally(counts: list[list[Any]]) -> list[tuple[str, int, int]]:
    """A decoded tally, one list for every file with the same (most files of a catalog share a
    few): a list of tuples per file was 6 MB of a pull request's run at 30,000 files. Read, never
    written to."""
    key = tuple(itertools.chain.from_iterable(counts))
    tally = _TALLIES.get(key)
    if tally is None:
        if len(_TALLIES) >= 10_000:
            _TALLIES.clear()
        tally = _TALLIES[key] = [(sys.intern(rule), severity, n) for rule, severity, n in counts]
    return tally


_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class _Deps:
    """Whether what a result depended on is unchanged, each dependency looked at once per run:
    files of one repository often share a target (a glob over docs/, one OpenAPI file), and
    hashing it again for every file that names it was most of a warm hit's cost."""

    def __init__(self) -> None:
        self._now: dict[str, str | None] = {}

    def unchanged(self, deps: dict[str, str | None]) -> bool:
        for dep, expected in deps.items():
            current = self._now[dep] if dep in self._now else self._now.setdefault(dep, _current(dep))
            if current != expected:
                return False
        return True


_CUT = "\0cut"  # a glob whose walk was cut short: never equal to a stored digest


def _current(dep: str) -> str | None:
    if not dep.startswith("glob:"):
        # `digest` says None for what is no regular file: asked first without a Path, since a
        # catalog's dependencies are often targets that are not there (a Location's next file).
        try:
            missing = not stat.S_ISREG(os.stat(dep).st_mode)
        except OSError:
            missing = True
        return None if missing else digest(Path(dep))
    from catalint.resolve.globs import glob_files, matches_digest, parse_glob_dep

    pattern, root = parse_glob_dep(dep)
    # The same walk as the run that stored it, within the same folder: a symlinked folder it
    # followed (one that stays inside the checkout) is followed again.
    try:
        relative = Path(pattern).relative_to(root).as_posix() if root else ""
    except ValueError:
        relative = ""
    if not relative:
        return _CUT  # (a damaged dependency: the file is linted again)
    matches, cut = glob_files(Path(root), relative)
    return _CUT if cut else matches_digest(matches)


class ResultCache:
    """Results of one kind of run (same roots, same settings) kept together in one pack file.

    One file read answers a whole warm run, where a file per result would cost an open and a
    parse each. The pack is text: a first line with the stat signatures, a second with the fold
    of its plain entries (lint/fold.py), then a line per result, its key and `encode_entry`'s
    parts (a header: plain or not and the digest, the dependencies, the entities declared; the
    index; the kept lines; the findings), and last a checksum of all before it. A line is split
    only when its result is asked for, its index decoded then (or when first read, for a plain
    entry of a `lazy` run), its findings when read (see `CachedResult`), and an entry kept is
    written back as it was read. The pack is rewritten at the end of a run with exactly the
    entries that run used, so it never grows beyond the catalog it describes.

    `lazy`: plain entries are served with their index encoded (`LazyResult`), for a run that
    reads `fold` instead of most of them.
    """

    def __init__(self, directory: Path, name: str = "default", *, lazy: bool = False) -> None:
        self.directory = directory
        self.path = directory / "packs" / f"{name}.pack"
        self.lazy = lazy
        self._old: dict[str, str] | None = None  # key -> its whole line
        self._old_stats: dict[str, str] = {}  # stat id -> "size mtime inode ctime key blob"
        self._fold: Fold | None = None  # the fold of the pack as read, when it is the sum of its plain entries
        # After `save`: the results served with their index encoded (some decoded since), and the
        # fold of them all.
        self.served_lazily: Sequence[CachedResult] = []
        self.fold = Fold()
        # What the pack will hold, encoded when it is written.
        self._new: dict[str, FileResult] = {}
        self._changed = False  # whether the pack needs writing (besides its stat signatures)
        self._stats: dict[str, str] = {}
        self._stats_changed = False  # whether `_stats` differs from the old records it took
        self._awaited: dict[str, tuple[str, str]] = {}  # key -> (stat id, record), kept once `put`
        self._kept: dict[str, str] = {}  # lines of entries served from the pack, written back as read
        # Plain entries served decoded (the pack had no fold, or the run is not lazy).
        self._plain_hits: dict[str, FileResult] = {}
        self._lazy_hits: dict[str, LazyResult] = {}
        self._refused: dict[str, str] = {}  # lines of entries found but not served (damaged, or stale)
        self._deps = _Deps()

    def load(self) -> None:
        """Read the pack now, rather than when the first result is asked for."""
        self._entries()

    def _entries(self) -> dict[str, str]:
        if self._old is None:
            self._old = {}
            try:
                with self.path.open("rb") as pack:
                    self._read(pack)
            except (OSError, ValueError, RecursionError):
                self._old, self._old_stats, self._fold = {}, {}, None  # (a pack that is not ASCII is no pack)
        return self._old

    def _read(self, pack: Any) -> None:
        # Mapped rather than read (no copy of its bytes is made), then decoded a few megabytes at a
        # time (a call per line to check and decode it was most of reading the pack; a large
        # pack's text and its lines held at once were the warm run's peak). Whole lines are kept,
        # not their parts: each copy of a large pack's lines costs as much as reading it. The pack
        # is ASCII: JSON escapes the rest.
        assert self._old is not None
        lines = _Lines()
        with mmap.mmap(pack.fileno(), 0, access=mmap.ACCESS_READ) as data, memoryview(data) as view:
            end = data.rfind(b"\n", 0, len(data) - 1) + 1  # (the last line: the checksum of all before it)
            if data[end:] != b"end\t%08x\n" % zlib.crc32(view[:end]):
                return  # (no checksum, or not this pack's: cut short, or damaged)
            at = 0
            while at < end:
                cut = data.rfind(b"\n", at, min(at + _READ, end)) + 1
                if cut <= at:  # (a line longer than a block: to its end)
                    cut = data.find(b"\n", at, end) + 1
                lines.take(str(view[at:cut], "ascii").split("\n"), self._old)
                at = cut
        if lines.head is None:
            return
        stats = json.loads(lines.head)
        self._old_stats = stats if isinstance(stats, dict) else {}
        if lines.fold is not None:
            with contextlib.suppress(FoldError):
                fold = Fold.decode(lines.fold)
                self._fold = fold if fold.members == lines.plain else None

    def unchanged(self, real: str, signature: str, path: str) -> tuple[FileResult, str] | None:
        """The result of the file whose stat record (`real`: its real path, display path and
        location type) still has `signature`, and its key; the record is kept as read. The record
        is taken out of the old ones either way: the run keeps it or makes another."""
        if self._old is None:
            self._entries()
        known = self._old_stats.pop(real, None)
        if known is None:
            return None
        blob = known.rfind(" ") if isinstance(known, str) else -1
        cut = known.rfind(" ", 0, blob) if blob > 0 else -1
        # One string per file rather than a list of numbers: the pack's first line holds one for
        # every file, and decoding 30,000 lists of six cost more than comparing text.
        if cut < 0 or known[:cut] != signature:
            self._stats_changed = True
            return None
        key = known[cut + 1 : blob]
        hit = self.get(key, path)
        if hit is None:
            return None
        self._stats[real] = known
        return hit, key

    def vouched(self, real: str, blob: str, path: str, key_of: Callable[[], str]) -> tuple[FileResult, str] | None:
        """The result of the file whose stat record (`real`, as for `unchanged`) names `blob`,
        the blob id git vouches its bytes have, and its key: found without a stat or a read.
        The record names the key too (else `key_of` works it out, a hash per file). A record
        kept stays as true as it was: the next run that walks needs no read either."""
        if self._old is None:
            self._entries()
        known = self._old_stats.pop(real, None)
        key = _named_key(known, blob) if isinstance(known, str) else None
        if key is None:
            self._stats_changed = self._stats_changed or known is not None
            known, key = None, key_of()
        hit = self.get(key, path)
        if hit is None:
            return None
        if known is not None:
            self._stats[real] = known
        return hit, key

    def unget(self, real: str, key: str) -> None:
        """Undo `vouched` (or `get`) of a result the run will not use after all (looked up ahead,
        for a file that then proved changed or gone): the pack has it back as if never asked."""
        line = self._kept.pop(key, None)
        if line is None:
            return
        assert self._old is not None
        self._old[key] = line
        self._lazy_hits.pop(key, None)
        self._plain_hits.pop(key, None)
        record = self._stats.get(real)
        if record is not None and record.endswith(key, 0, record.rfind(" ")):  # (not since made anew)
            self._old_stats[real] = self._stats.pop(real)

    def remember_stat(self, real: str, signature: str, key: str, blob: str) -> None:
        """Record that the file (`real`, as for `unchanged`) with `signature` has the bytes of
        `blob` and the result under `key`: now if the pack holds that result, else once it is
        `put`. A record naming a result the pack lacks saves no read, and a result that is never
        stored (one that asked the network) would make every run write the pack again."""
        record = f"{signature} {key} {blob}"
        if key in self._kept or key in self._new:
            self._stats[real] = record
            self._stats_changed = True
        else:
            self._awaited[key] = (real, record)

    def get(self, key: str, path: str | None = None) -> FileResult | None:
        """The result stored under `key`; `path`, the path it is expected to have (shared)."""
        # Taken out of the pack as it is used, so that what is left at the end is what the pack
        # no longer needs.
        line = (self._old if self._old is not None else self._entries()).pop(key, None)
        if line is None:
            return None
        try:
            if self.lazy and self._fold is not None and path is not None:
                result: FileResult | None = lazy_entry(line, len(key) + 1, path)
            else:
                result = decode_entry(line, len(key) + 1, path)
        except _UNREADABLE:
            result = None
        if result is None or (result.deps and not self._deps.unchanged(result.deps)):
            self._changed = True  # the pack loses this entry
            self._refused[key] = line  # (and the fold its share: see `_used_fold`)
            return None
        # Written back as read: encoding every hit again was a quarter of a pull request's run.
        self._kept[key] = line
        if type(result) is LazyResult:  # (just made: not decoded)
            self._lazy_hits[key] = result
        elif is_plain(result):
            self._plain_hits[key] = result
        return result

    def put(self, key: str, result: FileResult) -> None:
        # Encoded only when the pack is written (before the run's cross-file findings are added
        # to it): holding a second, encoded copy of every result cost a third of a large run's memory.
        self._new[key] = result
        self._kept.pop(key, None)
        self._changed = True
        awaited = self._awaited.pop(key, None)
        if awaited is not None:
            self._stats[awaited[0]] = awaited[1]
            self._stats_changed = True

    def save(self) -> None:
        """Write the pack, then let go of it: the run's remaining steps need none of it."""
        # (old records still there are of files this run did not see: dropped, so a change)
        changed = self._changed or self._old or self._stats_changed or self._old_stats
        lazy = list(self._lazy_hits.values())
        if changed or (self._fold is None and self._plain_hits):
            used = self._used_fold()
            with contextlib.suppress(OSError):
                write_atomic(self.path, self._pieces(self._fold_text(used, bool(lazy))))
        else:  # (a fully warm run has nothing new to write)
            used = self._fold or Fold()
        # (a lazy run takes every plain entry lazily: the fold of those it took is of them all;
        # another reads none of it)
        self.served_lazily, self.fold = lazy, used if lazy else Fold()
        self._old, self._new, self._stats, self._kept, self._old_stats = {}, {}, {}, {}, {}
        self._awaited = {}
        self._fold, self._plain_hits, self._lazy_hits, self._refused = None, {}, {}, {}

    def _used_fold(self) -> Fold:
        """The fold of the plain entries this run took from the pack: the pack's, less those it
        did not take or refused (decoded for it), or when the pack had none (or it proves wrong), made anew."""
        fold = self._fold
        if fold is not None:
            try:
                for key, line in itertools.chain((self._old or {}).items(), self._refused.items()):
                    if line.startswith("p", len(key) + 1):
                        gone = decode_entry(line, len(key) + 1)
                        fold.remove(part_of(gone))
                return fold
            except _UNREADABLE:
                pass  # (FoldError among them)
        fold = Fold()
        for result in [*self._plain_hits.values(), *self._lazy_hits.values()]:
            fold.add(part_of(result))
        return fold

    def _fold_text(self, fold: Fold, keep: bool) -> str:
        """The new pack's fold: `fold` with the new plain entries. With `keep`, `fold` is left
        without them (the run reads it: see `fold`); a cold run's 30,000 are added one at a
        time (a list of their shares was an eighth of its peak memory)."""
        new = [result for result in self._new.values() if is_plain(result)]
        for result in new:
            fold.add(part_of(result))
        text = fold.encode()
        if keep:
            for result in new:
                fold.remove(part_of(result))
        return text

    def _pieces(self, fold: str) -> Iterator[bytes]:
        check = 0
        for piece in self._text(fold):
            data = piece.encode("utf-8", "backslashreplace")
            check = zlib.crc32(data, check)
            yield data
        yield b"end\t%08x\n" % check

    def _text(self, fold: str) -> Iterator[str]:
        # The stat records (a line of several megabytes at 30,000 files) a slice at a time: encoded
        # whole, it and its bytes were the peak of a pull request's run.
        records = iter(self._stats.items())
        comma = ""
        yield "{"
        while part := dict(itertools.islice(records, _STATS_SLICE)):
            yield comma + _ENCODE(part)[1:-1]
            comma = ","
        yield "}\n"
        yield f"fold\t{fold}\n"
        for key, result in self._new.items():
            yield f"{key}\t{encode_entry(result)}\n"
        # Kept lines a thousand at a time: a write (and an encoding) per line was most of the cost
        # of writing back 30,000 of them.
        kept = iter(self._kept.values())
        while lines := list(itertools.islice(kept, _KEPT_SLICE)):
            lines.append("")
            yield "\n".join(lines)


class _Lines:
    """The lines of a pack as they are read: its first, its fold, and its entries by key."""

    def __init__(self) -> None:
        self.head: str | None = None
        self.fold: str | None = None
        self.plain = 0  # plain entries
        self._fold_next = False

    def take(self, lines: list[str], entries: dict[str, str]) -> None:
        lines.pop()  # (after the block's last newline)
        first = 0
        if self.head is None and lines:
            self.head, first, self._fold_next = lines[0], 1, True
        if self._fold_next and first < len(lines):
            self._fold_next = False
            if lines[first].startswith("fold\t"):
                self.fold, first = lines[first][5:], first + 1
        plain = 0
        for line in itertools.islice(lines, first, None):
            tab = line.find("\t")
            if tab > 0:
                entries[line[:tab]] = line
                plain += line.startswith("p", tab + 1)
        self.plain += plain


_READ = 4 << 20  # bytes read from the pack at a time
_STATS_SLICE = 2000
_KEPT_SLICE = 1000


def _named_key(record: str, blob: str) -> str | None:
    """The key a stat record names, if it names `blob` as its bytes' blob id."""
    end = len(record) - len(blob) - 1
    if end <= 0 or record[end] != " " or not record.endswith(blob):
        return None
    return record[record.rfind(" ", 0, end) + 1 : end]


def stat_signature(path: Path | str) -> str | None:
    """`size mtime inode ctime` of the file at `path`, as its stat record in the pack begins."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ino} {st.st_ctime_ns}"


def pack_name(fingerprint: str, roots: list[str], cwd: str) -> str:
    """The name of the pack (and of the walk's kept listings) of one kind of run, by one user:
    what a run may read (a folder it may list, a file it may open) depends on who runs it, and a
    pack or listing kept by a user who may read more would answer for what this one cannot.

    The working directory has a place of its own, not one among the roots: results show paths
    relative to it (and stat records leave out what it implies), so `cd a; lint ../b .` and
    `cd b; lint ../a .`, the same roots sorted, must not share a pack."""
    joined = "\0".join([FORMAT, fingerprint, _credentials(), cwd, *sorted(roots)])
    return hashlib.sha256(joined.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def _credentials() -> str:
    if not hasattr(os, "geteuid"):  # (no POSIX users: Windows)
        return ""
    return f"{os.geteuid()} {os.getegid()} {sorted(os.getgroups())}"
