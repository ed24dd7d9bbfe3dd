"""A Bitbucket URL that catalint reads one way and Backstage reads another.

Backstage turns a Bitbucket Cloud browse URL into an API request by taking the first path
segment after `src/` as the ref and ignoring `?at=`. So a branch whose name holds a slash,
written as is (`src/feature/new-endpoint/catalog-info.yaml`), is read by Backstage as branch
`feature` and path `new-endpoint/catalog-info.yaml`, which fails; and `?at=` after a branch
name is lost. catalint resolves both the way Bitbucket's web UI does, so the target exists for
catalint while Backstage will not find it. The finding names the spelling both read the same:
the branch name percent-encoded as one segment (`src/feature%2Fnew-endpoint/…`).
"""

from __future__ import annotations

from collections.abc import Iterator

from catalint.model import Severity
from catalint.rules.base import Problem
from catalint.yaml.loader import Pointer

ID = "backstage-url"
SEVERITY = Severity.WARNING
SUMMARY = "Bitbucket URLs are spelled so that Backstage reads the same ref and path"
BACKSTAGE = False

# Needs a Bitbucket with a slash branch to fail; tests/sources/test_one_pipeline.py shows it.
FAILS = ""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: services
spec:
  targets:
    - ./payments/catalog-info.yaml
# file: payments/catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""


def remark(note: str, subject: str, pointer: Pointer) -> Iterator[tuple[str, Problem]]:
    """The warning for a target whose URL Backstage reads differently (`note` says how), if any."""
    if note:
        yield ID, Problem(f"{subject}: {note}", pointer)
