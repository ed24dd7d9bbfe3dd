"""Catalog descriptors that many tests write: valid unless a test changes them, built by name.

Text a test depends on line by line (a finding's position, a diff) stays in that test; these are
the plain entities around it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

HEADER = "apiVersion: backstage.io/v1alpha1\n"


def group(name: str = "team-a") -> str:
    """A team Group with no children: valid on its own, and the usual owner (`team-a`)."""
    return f"{HEADER}kind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n  children: []\n"


def component(name: str = "svc", *, owner: str = "team-a", description: str | None = None) -> str:
    """A production service Component owned by `owner` (`description` goes under metadata)."""
    about = f"  description: {description}\n" if description is not None else ""
    return (
        f"{HEADER}kind: Component\nmetadata:\n  name: {name}\n{about}"
        f"spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )


def system(name: str = "payments", *, owner: str = "team-a", annotations: Mapping[str, str] | None = None) -> str:
    """A System owned by `owner`; its annotations, quoted, one per line from line 6 on."""
    listed = "".join(f"    {key}: {json.dumps(value)}\n" for key, value in (annotations or {}).items())
    block = f"  annotations:\n{listed}" if listed else ""
    return f"{HEADER}kind: System\nmetadata:\n  name: {name}\n{block}spec:\n  owner: {owner}\n"


def location(*targets: str, name: str = "all") -> str:
    """A Location listing `targets` one per line, from line 7 on."""
    listed = "".join(f"    - {target}\n" for target in targets)
    return f"{HEADER}kind: Location\nmetadata:\n  name: {name}\nspec:\n  targets:\n{listed}"
