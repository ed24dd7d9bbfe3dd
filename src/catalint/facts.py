"""What linting a file establishes, kept apart from the linting itself.

A warm run reads these from the result cache and never needs the parser, the schemas or the
rules; keeping them in a module of their own keeps those imports off its path.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from catalint.model import DocumentSummary, Finding, Span

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
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


def apply_directives(result: FileResult) -> Iterator[Finding]:
    """Drop findings silenced by `# catalint: disable=…` comments."""
    for finding in result.findings:
        if "all" in result.disabled_file or finding.rule in result.disabled_file:
            continue
        silenced = result.disabled.get(finding.span.line, frozenset())
        if "all" in silenced or finding.rule in silenced:
            continue
        yield finding
