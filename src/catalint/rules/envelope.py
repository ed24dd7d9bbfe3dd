"""The envelope every entity needs: `apiVersion`, `kind` and `metadata.name` as non-empty strings.

Backstage checks the envelope before anything else; without it the entity has no identity and
is rejected. `metadata.namespace`, when present, must also be a non-empty string, and `metadata`
and `spec` must be mappings. Backstage checks the envelope while reading the file, and charges
a failure to the location that read it: no entity of that file is stored until it is fixed.
"""

from collections.abc import Iterator

from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem
from catalint.rules.schema_errors import entity_errors, problems_from

ID = "envelope"
SEVERITY = Severity.ERROR
SUMMARY = "apiVersion, kind and metadata.name are required strings; metadata and spec are mappings"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
metadata:
  name: 123
spec:
  type: service
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Domain
metadata:
  name: commerce
spec:
  owner: team-a
"""

_META = {"name", "namespace"}


def _owned(path: list[object]) -> bool:
    if len(path) <= 1:
        return True
    return path[0] == "metadata" and len(path) == 2 and path[1] in _META


def check(doc: EntityDoc) -> Iterator[Problem]:
    if not isinstance(doc.data, dict):
        return
    errors = entity_errors(doc)
    if errors:
        yield from problems_from(e for e in errors if _owned(list(e.absolute_path)))
    raw = doc.memo.get("raw", doc.data)
    if raw is doc.data or not isinstance(raw, dict):
        return
    # Backstage checks the envelope before substituting placeholders, so they cannot stand here.
    meta = raw.get("metadata")
    meta = meta if isinstance(meta, dict) else {}
    for pointer, value in (
        (("apiVersion",), raw.get("apiVersion")),
        (("kind",), raw.get("kind")),
        (("metadata", "name"), meta.get("name")),
        (("metadata", "namespace"), meta.get("namespace")),
    ):
        if isinstance(value, dict):
            yield Problem(f"{'.'.join(map(str, pointer))} must be a string; placeholders are not allowed here", pointer)
