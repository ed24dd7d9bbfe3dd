"""Types of the other `metadata` fields, as Backstage's EntityMeta schema requires.

`title` is a non-empty string, `description` a string, `labels` and `annotations` map keys to
strings, `tags` is a list of non-empty strings, each of `links` is a mapping with a `url`, and
`uid`/`etag` (if given) are non-empty strings. Anything else under `metadata` is allowed. An empty `annotations:` is
treated as no annotations, as Backstage does.
"""

from collections.abc import Iterator

from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem
from catalint.rules.schema_errors import entity_errors, problems_from

ID = "metadata-fields"
SEVERITY = Severity.ERROR
SUMMARY = "metadata fields have the types Backstage's schema requires"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  title: ""
  annotations:
    example.com/retries: 3
  links:
    - title: Dashboard
spec:
  owner: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  title: Payments
  annotations:
    example.com/retries: "3"
  links:
    - url: https://dashboards.example.com/payments
      title: Dashboard
spec:
  owner: team-a
"""

_OWNED_ELSEWHERE = {"name", "namespace"}


def check(doc: EntityDoc) -> Iterator[Problem]:
    if not isinstance(doc.data, dict):
        return
    errors = entity_errors(doc)
    if not errors:
        return
    yield from problems_from(
        e
        for e in errors
        if len(e.absolute_path) >= 2 and e.absolute_path[0] == "metadata" and e.absolute_path[1] not in _OWNED_ELSEWHERE
    )
