"""`backstage.io/techdocs-ref: dir:X` or `url:URL` must name a folder that holds `mkdocs.yml`.

TechDocs resolves `dir:` against the entity's source location (the descriptor's folder unless
`backstage.io/source-location` says otherwise); `url:` names the folder directly, usually in
another repository, and is looked up on Bitbucket. Without `mkdocs.yml` (or `mkdocs.yaml`)
there, the docs build fails long after the catalog accepted the entity.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from catalint.facts import FetchStatus
from catalint.model import Severity
from catalint.rules import backstage_url, path_escape, unverified
from catalint.rules.base import EntityDoc, Problem

if TYPE_CHECKING:
    from catalint.facts import FileResult, Options, Source

ID = "techdocs-ref"
SEVERITY = Severity.ERROR
SUMMARY = "techdocs-ref dir: and url: folders exist and hold mkdocs.yml"
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
    if value.startswith("url:"):
        folder = value[4:].strip()
        if not folder:
            yield ID, Problem(f'{ANNOTATION} "url:" needs the URL of the folder holding mkdocs.yml', pointer)
            return
    elif value.startswith("dir:"):
        folder = value[4:].strip() or "."
        source_location = annotations.get("backstage.io/source-location")
        if isinstance(source_location, str) and source_location.startswith("url:"):
            base = source_location[4:]
            folder = base.rstrip("/") + "/" + folder.removeprefix("./")
    else:
        yield ID, Problem(f'{ANNOTATION} must be "dir:<path>" or "url:<url>", found "{value}"', pointer)
        return
    base_folder = folder.rstrip("/") or "."
    for name in ("mkdocs.yml", "mkdocs.yaml"):
        fetched, _ = source.exists(f"{base_folder}/{name}")
        yield from backstage_url.remark(fetched.note, f'{ANNOTATION} folder "{folder}"', pointer)
        if fetched.status is FetchStatus.ESCAPES:
            yield path_escape.ID, Problem(f'{ANNOTATION} folder "{folder}" leaves the repository; not read', pointer)
            return
        if fetched.status is FetchStatus.OK:
            return
        if fetched.status in unverified.NOT_CHECKED:
            yield from unverified.unchecked(fetched.status, fetched.detail, f'{ANNOTATION} folder "{folder}"', pointer)
            return
    yield ID, Problem(f'{ANNOTATION} points at "{folder}", which has no mkdocs.yml', pointer)
