"""What linting a file establishes, kept apart from the linting itself.

A warm run reads these from the result cache and never needs the parser, the schemas or the
rules; keeping them in a module of their own keeps those imports off its path.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from catalint.model import DocumentSummary, Finding, Span

DEFAULT_MAX_BYTES = 2 * 1024 * 1024

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
