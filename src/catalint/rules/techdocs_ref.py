"""`backstage.io/techdocs-ref: dir:X` must name a folder that holds `mkdocs.yml`.

TechDocs resolves `dir:` against the entity's source location (the descriptor's folder unless
`backstage.io/source-location` says otherwise). Without `mkdocs.yml` (or `mkdocs.yaml`) there,
the docs build fails long after the catalog accepted the entity.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from catalint.model import Severity
from catalint.rules.base import EntityDoc, Problem

if TYPE_CHECKING:
    from catalint.engine import FileResult, Options, Source

ID = "techdocs-ref"
SEVERITY = Severity.ERROR
SUMMARY = "techdocs-ref dir: folders exist and hold mkdocs.yml"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  annotations:
    backstage.io/techdocs-ref: dir:./no-docs-here
spec:
  owner: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
  annotations:
    backstage.io/techdocs-ref: dir:.
spec:
  owner: team-a
# file: mkdocs.yml
site_name: Payments
"""

ANNOTATION = "backstage.io/techdocs-ref"


def resolve(doc: EntityDoc, source: Source, result: FileResult, options: Options) -> Iterator[tuple[str, Problem]]:
    annotations = doc.metadata.get("annotations")
    if not isinstance(annotations, dict):
        return
    value = annotations.get(ANNOTATION)
    if not isinstance(value, str):
        return
    pointer = ("metadata", "annotations", ANNOTATION)
    if not value.startswith("dir:"):
        if not value.startswith("url:"):
            yield ID, Problem(f'{ANNOTATION} must be "dir:<path>" or "url:<url>", found "{value}"', pointer)
        return
    folder = value[4:].strip() or "."
    source_location = annotations.get("backstage.io/source-location")
    if isinstance(source_location, str) and source_location.startswith("url:"):
        base = source_location[4:]
        folder = base.rstrip("/") + "/" + folder.removeprefix("./")
    base_folder = folder.rstrip("/") or "."
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        fetched, _ = source.exists(f"{base_folder}/{name}")
        if fetched.status == "escapes":
            yield "path-escape", Problem(f'{ANNOTATION} folder "{folder}" leaves the repository; not read', pointer)
            return
        if fetched.status == "ok":
            return
        if fetched.status == "foreign":
            yield (
                "foreign-host",
                Problem(
                    f'{ANNOTATION} folder "{folder}" {fetched.detail or "is on a host that is not allowed"}', pointer
                ),
            )
            return
        if fetched.status in ("skipped", "unverified"):
            if fetched.detail:
                yield "unverified", Problem(f'{ANNOTATION} folder "{folder}" {fetched.detail}', pointer)
            return
    yield ID, Problem(f'{ANNOTATION} points at "{folder}", which has no mkdocs.yml', pointer)
