"""The `apiVersion`/`kind` pair must be one a Backstage catalog recognises.

A stock catalog knows Component, API, Resource, System, Domain, Group, User and Location at
`backstage.io/v1alpha1` or `backstage.io/v1beta1`, and Template at `scaffolder.backstage.io/v1beta3`
(with the scaffolder entity-model module). Kinds are case-sensitive: `component` is unknown.
Anything else is rejected with "No processor recognized the entity". Kinds your own catalog
processors add can be declared in `.catalint.yaml` under `kinds`.
"""

from collections.abc import Iterator

from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem
from catalint.schemas import KINDS

ID = "unknown-kind"
SEVERITY = Severity.ERROR
SUMMARY = "apiVersion and kind must name a kind the catalog has a processor for"
BACKSTAGE = True

FAILS = """\
apiVersion: backstage.io/v1beta2
kind: Template
metadata:
  name: old-template
spec:
  type: service
"""
PASSES = """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: new-template
spec:
  type: service
  steps:
    - action: fetch:plain
"""


def recognised(doc: EntityDoc) -> bool:
    # Read from the data directly rather than through `doc.kind` and `doc.api_version`: most
    # rules ask this of every document.
    data = doc.data
    if not isinstance(data, dict):
        return False
    kind, api_version = data.get("kind"), data.get("apiVersion")
    if not isinstance(kind, str) or not isinstance(api_version, str):
        return False
    known = KINDS.get(kind)
    if known is not None and api_version in known[0]:
        return True
    extra = doc.settings.get("kinds", {})
    return api_version in extra.get(kind, ())


def check(doc: EntityDoc) -> Iterator[Problem]:
    kind, api_version = doc.kind, doc.api_version
    if not kind or not api_version or recognised(doc):
        return
    known = KINDS.get(kind)
    if known is not None:
        versions = " or ".join(sorted(known[0]))
        yield Problem(f'{kind} entities need apiVersion {versions}, not "{api_version}"', ("apiVersion",))
        return
    for name in KINDS:
        if name.lower() == kind.lower():
            yield Problem(f'unknown kind "{kind}"; kinds are case-sensitive — did you mean "{name}"?', ("kind",))
            return
    yield Problem(
        f'no catalog processor recognises kind "{kind}" with apiVersion "{api_version}"; '
        "declare custom kinds under `kinds` in .catalint.yaml",
        ("kind",),
    )
