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


def check_run(
    files: Sequence[FileResult], severity: Severity, known: frozenset[str] = frozenset()
) -> Iterator[Finding]:
    declared = {entity.key for result in files for entity in result.declared} | known
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
