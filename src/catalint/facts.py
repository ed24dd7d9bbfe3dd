"""The values every layer of linting shares — what a source is, what reading a target gave, what a
rule complains about, what linting a file establishes — kept apart from the linting itself.

A warm run reads results from the cache and never needs the parser, the schemas or the rules;
keeping these in a module of their own keeps those imports off its path, and lets the rules and
the resolvers use them without importing the engine that drives them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from catalint.model import DocumentSummary, Finding, Relation, Span
from catalint.redact import redact_url

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
# A path into a document: keys and list indexes, as yaml.loader spells it.
Pointer = tuple[str | int, ...]
On = Literal["key", "value"]
# yamllint's line checks cost the square of a line's length: past these, a file gets no style checks.
STYLE_MAX_LINE = 2000  # characters
STYLE_MAX_BYTES = 512 * 1024
STYLE_MAX_DEPTH = 50  # nested flow collections (`[[[`): each level slows every later token
_FLOW = re.compile(r"[\[\]{}]")


def style_skip(text: str) -> tuple[int, str] | None:
    """(line, why) when `text` is beyond what style checks are run on, else None."""
    if len(text) > STYLE_MAX_BYTES:
        return 1, f"the file is over {STYLE_MAX_BYTES // 1024:,} KiB"
    for number, line in enumerate(text.split("\n"), start=1):
        if len(line) > STYLE_MAX_LINE:
            return number, f"line {number} is {len(line):,} characters long (over {STYLE_MAX_LINE:,})"
    # Brackets in quoted strings count too: an overestimate only skips style checks, with this note.
    depth = 0
    for match in _FLOW.finditer(text):
        depth = depth + 1 if match.group() in "[{" else max(0, depth - 1)
        if depth > STYLE_MAX_DEPTH:
            where = text.count("\n", 0, match.start()) + 1
            return where, f"flow collections nest more than {STYLE_MAX_DEPTH} deep on line {where}"
    return None

# (yamllint rule, level, message, line, column), as the style hook reports them
StyleProblem = tuple[str, str, str, int, int]


@dataclass(frozen=True, slots=True)
class Declared:
    key: str
    kind: str
    spec_type: str | None
    document: int
    span: Span


@dataclass(frozen=True, slots=True)
class Reference:
    target: str
    field: str
    document: int
    entity: str | None
    span: Span


@dataclass(frozen=True, slots=True)
class Child:
    """A file a Location entity in this file points at, to be linted as well."""

    location: str
    type: str


@dataclass(frozen=True, slots=True)
class Origin:
    """The registered location a file was reached through; catalog rules are judged against it."""

    type: str = "url"
    target: str = ""
    allow: tuple[str, ...] | None = None


ANYWHERE = Origin()  # a file named on the command line or discovered: no registered location


@dataclass(slots=True)
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    documents: list[DocumentSummary] = field(default_factory=list)
    declared: list[Declared] = field(default_factory=list)
    references: list[Reference] = field(default_factory=list)
    children: list[Child] = field(default_factory=list)
    deps: dict[str, str | None] = field(default_factory=dict)
    disabled: dict[int, frozenset[str]] = field(default_factory=dict)
    disabled_file: frozenset[str] = frozenset()
    digest: str | None = None  # sha256 of the bytes linted; sync notices edits by it
    # The text linted on each line a finding is or may later be on (its findings', declarations' and
    # references' lines), packed by `line_texts`: SARIF fingerprints them, and by then the file may
    # have changed, or never have been on disk (stdin). One string, not a dict: it is kept for every
    # file of the run.
    lines: str = ""

    def relations(self) -> list[Relation]:
        """The file's references as the run's relations (the graph's edges, impact's referrers)."""
        return [Relation(r.entity, r.field, r.target, self.path, r.span.line) for r in self.references]


def line_texts(text: str, wanted: Iterable[int]) -> str:
    """The `wanted` lines of `text` (1-based), each with its runs of whitespace collapsed to one
    space and URLs' credentials redacted, packed as `number<TAB>text` lines (collapsed, a text holds no tab or newline)."""
    numbers = set(wanted)
    if not numbers:
        return ""
    # Split as the loader counts lines: at LF only (a CR before it is whitespace, dropped below).
    # `splitlines` would also split at a form feed, NEL, LS, PS or a lone CR: content to the loader.
    lines = text.split("\n")
    if not lines[-1]:
        lines.pop()  # what follows the last LF is no line; a finding there keeps its message
    return "".join(f"{n}\t{_kept(lines[n - 1])}\n" for n in sorted(numbers) if 0 < n <= len(lines))


def _kept(line: str) -> str:
    """A line as kept: whitespace collapsed, and no URL's `user:password@` (kept lines go to the
    cache and the nightly state); the same line always gives the same text, so its fingerprint."""
    collapsed = " ".join(line.split())
    return redact_url(collapsed) if "@" in collapsed else collapsed


def unpack_lines(packed: str) -> dict[int, str]:
    """`line_texts`' lines by number; an entry that is not one of them (a damaged result) is left out."""
    out: dict[int, str] = {}
    for entry in packed.split("\n"):
        number, tab, text = entry.partition("\t")
        if tab and number.isascii() and number.isdigit():  # anything else is no kept line: skipped
            out[int(number)] = text
    return out


def apply_directives(result: FileResult) -> Iterator[Finding]:
    """Drop findings silenced by `# catalint: disable=…` comments."""
    for finding in result.findings:
        if "all" in result.disabled_file or finding.rule in result.disabled_file:
            continue
        silenced = result.disabled.get(finding.span.line, frozenset())
        if "all" in silenced or finding.rule in silenced:
            continue
        yield finding


@dataclass(frozen=True, slots=True)
class Problem:
    """A rule's complaint about one node of a document; the engine turns it into a Finding."""

    message: str
    pointer: Pointer = ()
    on: On = "value"


class FetchStatus(StrEnum):
    """What reading a target gave. A `StrEnum`, so a member prints, formats and compares as its
    value: messages and any serialised form read as they did with plain strings."""

    OK = "ok"
    MISSING = "missing"  # read, and it is not there (or not a readable file)
    ESCAPES = "escapes"  # the target leaves the repository; never read
    UNVERIFIED = "unverified"  # could not be asked, or matched too much to say
    FOREIGN = "foreign"  # on a host catalint does not read
    OFFLINE = "offline"  # not read: the run is offline
    SKIPPED = "skipped"  # not read on this pass by design (a worker defers it to the main process)


@dataclass(frozen=True, slots=True)
class Fetched:
    """What reading a target gave: text, or a reason it could not be had."""

    text: str | None = None
    status: FetchStatus = FetchStatus.OK
    detail: str = ""
    where: str = ""
    # How Backstage's own reader would read the URL differently (a `backstage-url` warning), if at all.
    note: str = ""


class Source:
    """Where a file's bytes come from and how targets relative to it resolve (local or remote)."""

    location: str
    display: str

    def read_bytes(self) -> bytes:  # pragma: no cover - interface
        raise NotImplementedError

    def size(self) -> int | None:
        """The size in bytes when it is known without reading (None: only reading tells)."""
        return None

    def fetch(self, target: str, *, purpose: str) -> Fetched:  # pragma: no cover - interface
        raise NotImplementedError

    def exists(self, target: str, *, glob_ok: bool = False) -> tuple[Fetched, list[str]]:  # pragma: no cover
        raise NotImplementedError

    def prefetch(self, targets: Sequence[str]) -> None:
        """A hint that `exists` will be asked about each of `targets` next (remote sources start
        them in parallel); the default does nothing."""


@dataclass(slots=True)
class Options:
    max_bytes: int = DEFAULT_MAX_BYTES
    assume_placeholders: bool = False
    settings: dict[str, Any] = field(default_factory=dict)
    yamllint: Callable[[str, str], Iterable[StyleProblem]] | None = None
    location_type: str = "url"
