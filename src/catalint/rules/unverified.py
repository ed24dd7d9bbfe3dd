"""A target could not be checked: the network failed, Bitbucket timed out or rate-limited us.

This is never a claim that the target is broken — only that catalint could not verify it this run.
The run's summary line counts these, with `offline` and `foreign-host` findings, as not verified."""

from __future__ import annotations

from collections.abc import Iterator

from catalint.facts import FetchStatus, Pointer, Problem
from catalint.model import Severity
from catalint.rules import foreign_host, offline

ID = "unverified"
SEVERITY = Severity.WARNING
SUMMARY = "a target could not be checked"
BACKSTAGE = False

# A Bitbucket that does not answer (tests/helpers.py: `# bitbucket: unreachable`).
FAILS = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: services
spec:
  targets:
    - https://bitbucket.org/acme/payments/src/main/catalog-info.yaml
# bitbucket: unreachable
"""
PASSES = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
"""


# Rules whose findings say a target was not looked at; the summary line counts them.
NOT_VERIFIED = frozenset({ID, offline.ID, foreign_host.ID})

# Fetched statuses that mean "not looked at": each becomes at most one finding, never "missing".
NOT_CHECKED = frozenset({FetchStatus.UNVERIFIED, FetchStatus.SKIPPED, FetchStatus.FOREIGN, FetchStatus.OFFLINE})


def unchecked(status: FetchStatus, detail: str, subject: str, pointer: Pointer) -> Iterator[tuple[str, Problem]]:
    """The finding for a target that was not checked: offline, on a foreign host, or not answered."""
    if status is FetchStatus.OFFLINE:
        yield offline.ID, Problem(f"{subject} {detail or 'not verified: the run is offline'}", pointer)
    elif status is FetchStatus.FOREIGN:
        yield foreign_host.ID, Problem(f"{subject} {detail or 'is on a host that is not allowed'}", pointer)
    elif detail:
        yield ID, Problem(f"{subject} {detail}", pointer)
