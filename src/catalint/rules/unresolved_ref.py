"""Relations should point at entities that exist.

Backstage stores a relation even when its target does not exist, so a typo in `owner` or
`providesApis` leaves a dangling link and an entity with no owner. catalint checks every
reference against the entities declared in the run (and, with `--backstage-url`, in a running
catalog). It is a warning by default: the target may be declared in a repository not linted here.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from catalint.model import Finding, Severity

if TYPE_CHECKING:
    from catalint.facts import FileResult

ID = "unresolved-ref"
SEVERITY = Severity.WARNING
SUMMARY = "references point at entities that are declared somewhere"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-does-not-exist
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
"""


def declared_keys(files: Sequence[FileResult], known: frozenset[str] = frozenset()) -> set[str]:
    """Every entity the run knows of: declared by a linted file, or `known` elsewhere."""
    return {entity.key for result in files for entity in result.declared} | known


def check_run(
    files: Sequence[FileResult],
    severity: Severity,
    known: frozenset[str] = frozenset(),
    declared: set[str] | None = None,
) -> Iterator[Finding]:
    """`declared`: `declared_keys(...)` of the whole run, when `files` are only some of its files."""
    if declared is None:
        declared = declared_keys(files, known)
    for result in files:
        for ref in result.references:
            if ref.target in declared:
                continue
            yield Finding(
                ID,
                severity,
                f"{ref.field}: no entity {ref.target} is declared in the files linted"
                + (" or in the catalog" if known else ""),
                result.path,
                ref.span,
                ref.document,
                ref.entity,
            )


def count(result: FileResult, declared: set[str]) -> int:
    """How many findings `check_run` gives `result`, without making them."""
    return sum(1 for ref in result.references if ref.target not in declared)
