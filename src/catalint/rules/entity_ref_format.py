"""Every relation field must hold references Backstage can parse: `[kind:][namespace/]name`.

Fields such as `owner`, `system`, `providesApis` or `memberOf` have a default kind, so a bare
name works there. `dependsOn` and `dependencyOf` have **no** default kind: a bare `payments-db`
is rejected; write `resource:payments-db` or `component:payments`. Empty parts (`group:`,
`default/`) are rejected too.
"""

from collections.abc import Iterator

from catalint.model import Severity
from catalint.refs import RELATION_FIELDS, RefError, parse_entity_ref
from catalint.rules.base import EntityDoc, Problem
from catalint.rules.unknown_kind import recognised

ID = "entity-ref-format"
SEVERITY = Severity.ERROR
SUMMARY = "relation fields hold parseable entity references (dependsOn needs a kind)"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
  dependsOn: [payments-db]
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
  dependsOn: [resource:payments-db]
"""


def refs_of(doc: EntityDoc) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """(pointer, reference text, default kind) for every relation field of a recognised entity."""
    if not recognised(doc):
        return
    for field in RELATION_FIELDS.get((doc.kind or "").lower(), ()):
        value = doc.spec.get(field.field)
        if isinstance(value, str):
            yield ("spec", field.field), value, field.default_kind
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield ("spec", field.field, i), item, field.default_kind


def _untyped_items(doc: EntityDoc) -> Iterator[Problem]:
    """Non-string entries of `dependencyOf`, a field no kind schema types: Backstage parses them as refs."""
    if not recognised(doc):
        return
    for field in RELATION_FIELDS.get((doc.kind or "").lower(), ()):
        if field.field != "dependencyOf":
            continue
        value = doc.spec.get(field.field)
        items = value if isinstance(value, list) else [value]
        for i, item in enumerate(items):
            if not item or isinstance(item, str):
                continue  # falsy entries are skipped, strings are checked below
            pointer = ("spec", field.field, i) if isinstance(value, list) else ("spec", field.field)
            if isinstance(item, dict) and isinstance(item.get("kind"), str) and item.get("kind") and item.get("name"):
                continue
            yield Problem(f"dependencyOf: {item!r} is not an entity reference; write it as kind:name", pointer)


def check(doc: EntityDoc) -> Iterator[Problem]:
    yield from _untyped_items(doc)
    for pointer, text, default_kind in refs_of(doc):
        try:
            parse_entity_ref(text, default_kind, doc.namespace)
        except RefError as err:
            yield Problem(f"{pointer[1]}: entity reference {err}", pointer)
