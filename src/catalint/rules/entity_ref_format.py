"""Every relation field must hold references Backstage can parse: `[kind:][namespace/]name`.

Fields such as `owner`, `system`, `providesApis` or `memberOf` have a default kind, so a bare
name works there. `dependsOn` and `dependencyOf` have **no** default kind: a bare `payments-db`
is rejected; write `resource:payments-db` or `component:payments`. Empty parts (`group:`,
`default/`) are rejected too.
"""

from collections.abc import Iterator

from catalint.backstage.refs import RELATION_FIELDS, RefError, parse_entity_ref
from catalint.model import EntityRef, Severity
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


def js_falsy(value: object) -> bool:
    """JavaScript's `!value`: empty lists and mappings are truthy there, unlike in Python."""
    if value is None or value is False or value == "":
        return True
    return isinstance(value, int | float) and not isinstance(value, bool) and (value == 0 or value != value)


def refs_of(doc: EntityDoc) -> Iterator[tuple[tuple[str | int, ...], str, str | None]]:
    """(pointer, reference text, default kind) for every relation field of a recognised entity.

    Backstage skips a field whose value is falsy (`owner: ""`), but parses every item of a
    list, the empty string included."""
    if not recognised(doc):
        return
    for field in RELATION_FIELDS.get((doc.kind or "").lower(), ()):
        value = doc.spec.get(field.field)
        if isinstance(value, str) and value:
            yield ("spec", field.field), value, field.default_kind
        elif isinstance(value, list):
            for i, item in enumerate(value):
                if isinstance(item, str):
                    yield ("spec", field.field, i), item, field.default_kind


Parsed = list[tuple[tuple[str | int, ...], str, str | None, EntityRef | RefError]]


def parsed_refs(doc: EntityDoc) -> Parsed:
    """`refs_of` with each reference parsed (or why it does not parse), worked out once per
    document: three rules and the list of the file's references all read them."""
    memo = doc.memo.get("refs")
    if memo is not None and memo[0] is doc.data:
        return memo[1]  # type: ignore[no-any-return]
    namespace = doc.namespace
    parsed: Parsed = []
    for pointer, text, default_kind in refs_of(doc):
        try:
            parsed.append((pointer, text, default_kind, parse_entity_ref(text, default_kind, namespace)))
        except RefError as err:
            parsed.append((pointer, text, default_kind, err))
    doc.memo["refs"] = (doc.data, parsed)  # the data it was read from: a rule's memo must not outlive it
    return parsed


def _untyped_items(doc: EntityDoc) -> Iterator[Problem]:
    """Non-string entries of `dependencyOf`, a field no kind schema types: Backstage parses them as refs."""
    value = doc.spec.get("dependencyOf")
    # Most documents have none: that is the first thing asked.
    if js_falsy(value) or not recognised(doc):
        return
    if all(field.field != "dependencyOf" for field in RELATION_FIELDS.get((doc.kind or "").lower(), ())):
        return
    items = value if isinstance(value, list) else [value]
    for i, item in enumerate(items):
        if isinstance(item, str):
            continue  # checked with the other references
        pointer = ("spec", "dependencyOf", i) if isinstance(value, list) else ("spec", "dependencyOf")
        if js_falsy(item):
            yield Problem(f"dependencyOf: an empty entry ({item!r}) is not an entity reference", pointer)
            continue
        if isinstance(item, dict) and isinstance(item.get("kind"), str) and item.get("kind") and item.get("name"):
            continue
        yield Problem(f"dependencyOf: {item!r} is not an entity reference; write it as kind:name", pointer)


def check(doc: EntityDoc) -> Iterator[Problem]:
    yield from _untyped_items(doc)
    for pointer, _, _, ref in parsed_refs(doc):
        if isinstance(ref, RefError):
            yield Problem(f"{pointer[1]}: entity reference {ref}", pointer)
