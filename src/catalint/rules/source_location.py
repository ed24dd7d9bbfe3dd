"""`backstage.io/source-location: url:<URL>` must point at something that exists.

TechDocs and the "View source" link follow this annotation. When the descriptor is read from
Bitbucket, the target folder or file is looked up there (a folder URL ending in `/` is fine);
a relative target resolves against the descriptor file. In a local checkout of a Bitbucket
repository, a URL into that same repository is looked up in the working tree (uncommitted edits
included); URLs into other repositories are checked on Bitbucket (with `--offline`, they are listed as
`offline` instead). A target Bitbucket
could not be asked about is reported as `unverified`, never as missing.
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

ID = "source-location"
SEVERITY = Severity.ERROR
SUMMARY = "backstage.io/source-location targets exist"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  annotations:
    backstage.io/source-location: url:./no-such-folder/
spec:
  type: service
  lifecycle: production
  owner: team-a
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  annotations:
    backstage.io/source-location: url:https://bitbucket.org/acme/svc/src/main/
spec:
  type: service
  lifecycle: production
  owner: team-a
"""

ANNOTATION = "backstage.io/source-location"


def resolve(doc: EntityDoc, source: Source, result: FileResult, options: Options) -> Iterator[tuple[str, Problem]]:
    annotations = doc.metadata.get("annotations")
    if not isinstance(annotations, dict):
        return
    value = annotations.get(ANNOTATION)
    if not isinstance(value, str) or not value.startswith("url:"):
        return
    target = value[4:].strip()
    if not target:
        return
    pointer = ("metadata", "annotations", ANNOTATION)
    fetched, _ = source.exists(target)
    yield from backstage_url.remark(fetched.note, f'{ANNOTATION} "{target}"', pointer)
    if fetched.status is FetchStatus.ESCAPES:
        yield path_escape.ID, Problem(f'{ANNOTATION} "{target}" leaves the repository; not read', pointer)
    elif fetched.status is FetchStatus.MISSING:
        yield ID, Problem(f'{ANNOTATION} "{target}" not found: {fetched.detail}', pointer)
    elif fetched.status in unverified.NOT_CHECKED:
        yield from unverified.unchecked(fetched.status, fetched.detail, f'{ANNOTATION} "{target}"', pointer)
