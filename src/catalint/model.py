"""Small immutable values shared by every layer: severities, spans, findings, entity refs."""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol


class Severity(enum.IntEnum):
    INFO = 1
    WARNING = 2
    ERROR = 3

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ValueError(f"unknown severity {text!r}; expected error, warning or info") from None


@dataclass(frozen=True, slots=True)
class Span:
    """A 1-based region of a file; end_column is exclusive, as SARIF and editors expect."""

    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, line: int, column: int = 1) -> Span:
        return cls(line, column, line, column + 1)


FILE_START = Span(1, 1, 1, 1)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: Severity
    message: str
    path: str
    span: Span = FILE_START
    document: int | None = None
    entity: str | None = None

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.span.line, self.span.column, self.rule)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "severity": self.severity.label,
            "message": self.message,
            "path": self.path,
            "line": self.span.line,
            "column": self.span.column,
            "end_line": self.span.end_line,
            "end_column": self.span.end_column,
            "document": self.document,
            "entity": self.entity,
        }


@dataclass(frozen=True, slots=True)
class EntityRef:
    kind: str
    namespace: str
    name: str

    @property
    def key(self) -> str:
        """Backstage's identity: lowercased `kind:namespace/name`."""
        return f"{self.kind}:{self.namespace}/{self.name}".lower()

    def __str__(self) -> str:
        return self.key


@dataclass(frozen=True, slots=True)
class DocumentSummary:
    """One entry of `documents[]` in the JSON report."""

    path: str
    index: int
    line: int
    kind: str | None
    entity: str | None
    valid: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "index": self.index,
            "line": self.line,
            "kind": self.kind,
            "entity": self.entity,
            "valid": self.valid,
        }


@dataclass(frozen=True, slots=True)
class Relation:
    """A relation field of a linted entity: `source` (its entity key) -> `target` (an entity key)."""

    source: str | None
    field: str
    target: str
    path: str
    line: int


class HasDocuments(Protocol):
    """A file's result, whose documents are made when first read."""

    @property
    def path(self) -> str: ...

    @property
    def documents(self) -> list[DocumentSummary]: ...


@dataclass(slots=True)
class RunResult:
    files: int = 0
    # `documents`: every linted file's, in the run's order, once the unbuilt ones are made
    built_documents: list[DocumentSummary] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    # display path of every linted file -> the absolute paths (or `glob:` patterns) it read
    deps: dict[str, list[str]] = field(default_factory=dict)
    # display path -> sha256 of the bytes linted
    digests: dict[str, str] = field(default_factory=dict)
    # findings that say a target was not looked at (offline, foreign host, Bitbucket did not answer)
    unverified: int = 0
    # Bitbucket files the run was asked to lint (not targets) that could not be read: url -> why
    unreadable: dict[str, str] = field(default_factory=dict)
    # a file read from Bitbucket -> the local descriptor whose Location target led there
    reached_from: dict[str, str] = field(default_factory=dict)
    # more top-level sections of the JSON report (a workspace run's `nightly`, for merge and sync)
    extra: dict[str, Any] = field(default_factory=dict)
    # every relation of every linted file (for impact analysis and relation graphs): `relations`,
    # built on first use from what `defer_relations` gave (a pull request's run holds 72,000 of
    # them at 30,000 files, and its JSON or text report reads none)
    built_relations: list[Relation] = field(default_factory=list)
    unbuilt_relations: list[Callable[[], Iterable[Relation]]] = field(default_factory=list, compare=False, repr=False)
    # display path of a file with findings -> the text linted on the lines they may be on
    # (`facts.line_texts`): SARIF fingerprints them without reading the file again
    lines: dict[str, str] = field(default_factory=dict)
    # findings left out of `findings` because no report of a pull-request run shows them (counted, not built)
    elided: int = 0
    # Of a pull request's run, the files whose documents are made only if read (the result of
    # each, and where its documents go in `built_documents`), and the entities they name.
    unbuilt_documents: Sequence[tuple[int, HasDocuments]] = field(default_factory=list, compare=False, repr=False)
    unbuilt_entities: Callable[[], set[str]] = field(default=set, compare=False, repr=False)

    @property
    def documents(self) -> list[DocumentSummary]:
        if self.unbuilt_documents:
            unbuilt, self.unbuilt_documents = self.unbuilt_documents, []
            built, merged, done = self.built_documents, [], 0
            for at, result in unbuilt:
                merged.extend(built[done:at])
                merged.extend(result.documents)
                done = at
            merged.extend(built[done:])
            self.built_documents = merged
        return self.built_documents

    @documents.setter
    def documents(self, value: list[DocumentSummary]) -> None:
        self.built_documents, self.unbuilt_documents = value, []

    def documents_of(self, paths: Collection[str]) -> list[DocumentSummary]:
        """The documents of the files at `paths`, in order, made only if they are among them."""
        if any(result.path in paths for _, result in self.unbuilt_documents):
            return [d for d in self.documents if d.path in paths]
        return [d for d in self.built_documents if d.path in paths]

    def entities_named(self) -> tuple[list[DocumentSummary], set[str]]:
        """The documents made, and the entities the documents not made name."""
        return self.built_documents, self.unbuilt_entities() if self.unbuilt_documents else set()

    @property
    def relations(self) -> list[Relation]:
        if self.unbuilt_relations:
            builders, self.unbuilt_relations = self.unbuilt_relations, []
            for build in builders:
                self.built_relations.extend(build())
        return self.built_relations

    @relations.setter
    def relations(self, value: list[Relation]) -> None:
        self.built_relations, self.unbuilt_relations = value, []

    def defer_relations(self, build: Callable[[], Iterable[Relation]]) -> None:
        """Relations to add after those given so far, built only when `relations` is read."""
        self.unbuilt_relations.append(build)

    def copy_relations(self, other: RunResult) -> None:
        """`relations` as a copy of `other`'s (made when read: `other`'s must not change till then)."""
        self.relations = []
        self.defer_relations(lambda: list(other.relations))

    def count(self, severity: Severity) -> int:
        return sum(1 for f in self.findings if f.severity == severity)

    def tally(self) -> str:
        """`3 errors, 1 warning, 0 info`, and how many targets were not verified when any were."""
        errors, warnings, infos = (self.count(s) for s in (Severity.ERROR, Severity.WARNING, Severity.INFO))
        text = f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning{'s' if warnings != 1 else ''}, {infos} info"
        if self.unverified:
            text += f"; {self.unverified} target{'s' if self.unverified != 1 else ''} not verified"
        return text
