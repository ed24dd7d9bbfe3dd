"""The `spec` of each built-in kind must have the fields its schema requires, with the right types.

Required fields: Component `type`, `lifecycle`, `owner`; API `type`, `lifecycle`, `owner` and a
string `definition` (use `$text`, not `$json`); Resource `type`, `owner`; System and Domain
`owner`; Group `type` and `children` (may be empty); User `memberOf` (may be empty); Template
`type` and `steps`, each step with an `action`. References are strings, not mappings, and
list fields (`providesApis`, `dependsOn`, …) are lists of non-empty strings.
"""

from collections.abc import Iterator

from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem
from catalint.rules.schema_errors import problems_from
from catalint.rules.unknown_kind import recognised
from catalint.schemas import KINDS, errors

ID = "spec-schema"
SEVERITY = Severity.ERROR
SUMMARY = "each kind's spec has its required fields, with the right types"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  owner:
    name: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
"""


def check(doc: EntityDoc) -> Iterator[Problem]:
    if not isinstance(doc.data, dict) or not recognised(doc):
        return
    known = KINDS.get(doc.kind or "")
    if known is None:
        return
    spec = doc.data.get("spec")
    if spec is None or "spec" not in doc.data:
        yield Problem(f'{doc.kind} entities need a "spec" mapping', (), "key")
        return
    if not isinstance(spec, dict):
        return  # the envelope rule reports a spec that is not a mapping
    found = errors(known[1], spec)
    if found:
        yield from problems_from(found, ("spec",))
