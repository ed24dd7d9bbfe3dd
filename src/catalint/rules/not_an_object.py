"""A document must be a mapping: one entity per YAML document.

Backstage reads every non-empty document of a file as an entity; a list or a plain value at the
root is rejected ("Expected object at root"). Empty documents (a stray `---`) are skipped.
"""

from collections.abc import Iterator

from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem, describe_type

ID = "not-an-object"
SEVERITY = Severity.ERROR
SUMMARY = "each YAML document must be a mapping describing one entity"
BACKSTAGE = True

FAILS = """\
- apiVersion: backstage.io/v1alpha1
  kind: Component
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""


def check(doc: EntityDoc) -> Iterator[Problem]:
    if not isinstance(doc.data, dict):
        yield Problem(f"the document must be a mapping (an entity), not {describe_type(doc.data)}")
