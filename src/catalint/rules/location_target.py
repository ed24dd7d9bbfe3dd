"""A Location's targets must exist, stay inside the repository, and be of an allowed type.

Relative targets resolve against the Location file (a leading `/` is the repository root); a glob
such as `./teams/*.yaml` must match at least one file. A missing target is an error unless the
Location says `presence: optional`. A target of another type than the file's own (`file` inside a
`url` location) is rejected by Backstage ("Registered locations must be of an allowed type").
Relative `file` targets should start with `./`: without it Backstage resolves them against the
backend's working directory, not the Location file. The files found are linted too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from catalint.facts import Child, FetchStatus, Pointer
from catalint.model import Severity
from catalint.rules import backstage_url, offline, path_escape, unverified
from catalint.rules.base import EntityDoc, Problem

if TYPE_CHECKING:
    from catalint.facts import FileResult, Options, Source

ID = "location-target"
SEVERITY = Severity.ERROR
SUMMARY = "Location targets exist, stay in the repository and have an allowed type"
BACKSTAGE = False

FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: teams
spec:
  targets:
    - ./teams/missing.yaml
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: teams
spec:
  targets:
    - ./teams/*.yaml
# file: teams/a.yaml
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
"""

ALLOWED_TYPES = ("url",)


def targets(spec: dict[str, Any]) -> Iterator[tuple[tuple[str | int, ...], str]]:
    if isinstance(spec.get("target"), str) and spec["target"]:
        yield ("spec", "target"), spec["target"]
    listed = spec.get("targets")
    if isinstance(listed, list):
        for i, item in enumerate(listed):
            if isinstance(item, str) and item:
                yield ("spec", "targets", i), item


def resolve(doc: EntityDoc, source: Source, result: FileResult, options: Options) -> Iterator[tuple[str, Problem]]:
    if doc.kind != "Location":
        return
    spec = doc.spec
    parent = options.location_type
    declared = spec.get("type")
    loc_type = declared if isinstance(declared, str) and declared else parent
    if loc_type != parent and loc_type not in ALLOWED_TYPES:
        yield (
            ID,
            Problem(
                f'type "{loc_type}" differs from this file\'s own type "{parent}" and is not an allowed location '
                f"type ({', '.join(ALLOWED_TYPES)}); Backstage rejects it",
                ("spec", "type"),
            ),
        )
        return
    if loc_type not in ("url", "file"):
        return  # read by other processors (discovery providers and the like)
    if loc_type == "url":
        source.prefetch([target for _, target in targets(spec)])
    optional = spec.get("presence") == "optional"
    for pointer, target in targets(spec):
        unchecked = _file_path(target, pointer) if loc_type == "file" else None
        if unchecked is not None:
            yield unchecked
        else:
            yield from _look_up(target, pointer, loc_type, optional, source, result)


def _file_path(target: str, pointer: Pointer) -> tuple[str, Problem] | None:
    """What a `file` target that is not relative to this file gets instead of a look-up."""
    if not target.startswith((".", "/")):
        return (
            ID,
            Problem(
                f'relative file target "{target}" does not start with "./"; Backstage resolves it against the '
                "backend's working directory, not this file",
                pointer,
            ),
        )
    if target.startswith("/"):
        # A path on the Backstage backend's machine: nothing here can check it, and that is said.
        return offline.ID, Problem(f'target "{target}" is a path on the Backstage backend\'s machine; not checked', pointer)
    return None


def _look_up(
    target: str, pointer: Pointer, loc_type: str, optional: bool, source: Source, result: FileResult
) -> Iterator[tuple[str, Problem]]:
    """Look the target up: what is wrong with it, or the files it names, to be linted too."""
    fetched, matches = source.exists(target, glob_ok=True)
    yield from backstage_url.remark(fetched.note, f'target "{target}"', pointer)
    if fetched.status is FetchStatus.ESCAPES:
        yield path_escape.ID, Problem(f'target "{target}" leaves the repository; not read', pointer)
    elif fetched.status in unverified.NOT_CHECKED:
        yield from unverified.unchecked(fetched.status, fetched.detail, f'target "{target}"', pointer)
    elif fetched.status is FetchStatus.MISSING:
        if not optional:
            yield ID, Problem(f'target "{target}" not found: {fetched.detail}', pointer)
    elif fetched.status is FetchStatus.OK:
        if fetched.detail == "folder":
            yield ID, Problem(f'target "{target}" is a folder; a Location target must name a file', pointer)
            return
        result.children.extend(Child(match, loc_type) for match in matches)
