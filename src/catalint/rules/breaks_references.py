"""A change must not remove or rename an entity that others still refer to.

Backstage keeps a relation to an entity that no longer exists without a word: renaming
`component:payments` to `payments-api`, removing a Group or moving an API to another namespace
leaves every `dependsOn`, `providesApis`, `owner` or `memberOf` that named it dangling, often in
other repositories. On a pull request (`--changed-since`, or the base of a detected pull request),
catalint compares the entities the changed descriptors declare at the base and at the head. An
entity whose document now declares another kind, namespace or name was renamed; one declared
nowhere in the checkout any more was removed. Whoever still names the old reference is listed:
descriptors of the checkout, of the workspace (`--workspace`), and entities of the live catalog
(`--backstage-url`, through its relation filter). The finding is on the renamed entity's name, or
for a removal where the entity was in the diff, and it is reported whatever the filter mode.

Examples are a change: `# base: PATH` starts a file as it was at the base, `# file: PATH` as it is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalint.model import Finding, Severity, Span

ID = "breaks-references"
SEVERITY = Severity.ERROR
SUMMARY = "a change does not remove or rename entities that others still refer to"
BACKSTAGE = False
CHANGE = True  # the examples hold a base side too: they are tests of a change, not of a tree

_RENAME = """\
# base: catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
# file: catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments-api
spec:
  type: service
  lifecycle: production
  owner: team-a
# file: checkout/catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
spec:
  type: service
  lifecycle: production
  owner: team-a
"""
# The rename, and a referrer in another file that still names the old entity, or the new one.
FAILS = _RENAME + "  dependsOn: [component:payments]\n"
PASSES = _RENAME + "  dependsOn: [component:payments-api]\n"

SHOWN = 10  # referrers named in a message; the rest are counted


@dataclass(frozen=True, slots=True)
class Referrer:
    entity: str | None  # the referring entity's key, when it has one
    field: str
    where: str  # `path:line`, or the catalog location it was read from
    source: str  # checkout, workspace or catalog


@dataclass(frozen=True, slots=True)
class Broken:
    """An entity of the base that the head no longer declares."""

    old: str
    new: str | None  # the entity its document declares now (a rename), or None (a removal)
    path: str
    span: Span
    document: int | None


def _describe(referrer: Referrer) -> str:
    who = referrer.entity or "a document"
    where = f", {referrer.where}" if referrer.where else ""
    return f"{who} ({referrer.field}{where}{', in the catalog' if referrer.source == 'catalog' else ''})"


def finding(broken: Broken, referrers: Sequence[Referrer], severity: Severity, more: bool = False) -> Finding:
    what = f"renamed to {broken.new}" if broken.new else "removed"
    count = len(referrers)
    named = "; ".join(_describe(r) for r in referrers[:SHOWN])
    rest = count - min(count, SHOWN)
    tail = f"; and {rest} more" if rest else ""
    if more:
        tail += " (the catalog holds more candidates than were read)"
    plural = "entity still refers" if count == 1 else "entities still refer"
    message = f"{broken.old} is {what}, but {count}{'+' if more else ''} {plural} to it: {named}{tail}"
    return Finding(ID, severity, message, broken.path, broken.span, broken.document, broken.old)
