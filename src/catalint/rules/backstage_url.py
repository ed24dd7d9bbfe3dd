"""A Bitbucket URL that catalint reads one way and Backstage reads another.

Backstage turns a Bitbucket Cloud browse URL into an API request by decoding it, taking the first
path segment after `src/` as the ref and ignoring `?at=`. So a branch whose name holds a slash —
written as is (`src/feature/new-endpoint/catalog-info.yaml`) or encoded
(`src/feature%2Fnew-endpoint/…`) — is read by Backstage as branch `feature` and path
`new-endpoint/catalog-info.yaml`, which fails (or reads another branch's file); and `?at=` after
a branch name is lost. catalint resolves these the way Bitbucket's web UI does, so the target
exists for catalint while Backstage will not find it. The one spelling both read alike is the web
UI's: the commit in the path and the branch in `?at=` (`src/<commit>/catalog-info.yaml?at=feature%2Fnew-endpoint`);
Backstage then stays on that commit. The finding names it, with the commit when Bitbucket told it.
tests/backstage/test_bitbucket_urls.py checks each spelling against a real Backstage.
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

# A branch with a slash, written as is: catalint reads the file, Backstage would ask for branch
# `feature`. The `# bitbucket:` section is the file Bitbucket serves (tests/helpers.py).
FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: services
spec:
  targets:
    - https://bitbucket.org/acme/payments/src/feature/new-endpoint/catalog-info.yaml
# bitbucket: acme/payments feature/new-endpoint catalog-info.yaml
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""
# The web UI's spelling of a slash branch: the commit in the path, the branch in `?at=`.
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: services
spec:
  targets:
    - https://bitbucket.org/acme/payments/src/4f1c2a9e7b/catalog-info.yaml?at=feature%2Fnew-endpoint
"""


def remark(note: str, subject: str, pointer: Pointer) -> Iterator[tuple[str, Problem]]:
    """The warning for a target whose URL Backstage reads differently (`note` says how), if any."""
    if note:
        yield ID, Problem(f"{subject}: {note}", pointer)
