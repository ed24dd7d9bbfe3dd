"""The same entity must not be declared twice in the catalog.

Entity identity is `kind:namespace/name`, compared case-insensitively. When two files declare the
same entity, Backstage keeps whichever it read first and silently skips the other, only logging
a conflict — so an edit to the second copy never shows up. Both places are named.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from catalint.model import Finding, Severity

if TYPE_CHECKING:
    from catalint.facts import FileResult

ID = "duplicate-entity"
SEVERITY = Severity.ERROR
SUMMARY = "each entity is declared once (kind, namespace and name, case-insensitive)"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
# file: other/catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: Payments
spec:
  owner: team-b
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
# file: other/catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
"""


def check_run(files: Sequence[FileResult], severity: Severity) -> Iterator[Finding]:
    first: dict[str, tuple[str, int]] = {}
    for result in files:
        for entity in result.declared:
            seen = first.get(entity.key)
            if seen is None:
                first[entity.key] = (result.path, entity.span.line)
                continue
            yield Finding(
                ID,
                severity,
                f"{entity.key} is already declared at {seen[0]}:{seen[1]}; Backstage keeps the first copy it reads "
                "and ignores this one",
                result.path,
                entity.span,
                entity.document,
                entity.key,
            )
