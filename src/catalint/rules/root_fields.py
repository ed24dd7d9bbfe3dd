"""Only `apiVersion`, `kind`, `metadata` and `spec` may appear at the root of an entity.

Backstage rejects any other root key; `relations` and `status` are computed by the catalog and
are refused in input ("Unknown field"). A misplaced `owner:` at the root is the usual cause.
"""

from collections.abc import Iterator

from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem

ID = "root-fields"
SEVERITY = Severity.ERROR
SUMMARY = "no root fields besides apiVersion, kind, metadata and spec"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
owner: team-a
spec:
  owner: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""

ALLOWED = ("apiVersion", "kind", "metadata", "spec")


def check(doc: EntityDoc) -> Iterator[Problem]:
    if not isinstance(doc.data, dict):
        return
    for key in doc.data:
        if key in ALLOWED:
            continue
        hint = ""
        if key in ("relations", "status"):
            hint = "; it is computed by the catalog and must not be written in a descriptor"
        elif key in ("owner", "type", "lifecycle", "system"):
            hint = f"; did you mean spec.{key}?"
        elif key in ("name", "namespace", "title", "description", "labels", "annotations", "tags", "links"):
            hint = f"; did you mean metadata.{key}?"
        yield Problem(f'unknown root field "{key}"; only {", ".join(ALLOWED)} are allowed{hint}', (key,), "key")
