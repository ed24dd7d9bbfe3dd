"""The discovery result sync consumes: which descriptors exist, and whether that list is whole.

Sync only needs three facts: which descriptor URLs exist, whether that list is the whole
truth (``complete``) and what went wrong (``errors``). Anything with those attributes will do,
so the core can be driven by a hand-built ``Discovered`` in tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from catalint.words import counted


class DiscoveryLike(Protocol):
    @property
    def urls(self) -> Sequence[str]: ...

    @property
    def complete(self) -> bool: ...

    @property
    def errors(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class Discovered:
    urls: list[str]
    complete: bool = True
    errors: list[str] = field(default_factory=list)


def trustworthy(discovery: DiscoveryLike) -> tuple[bool, str]:
    """Whether removals may be based on this result, and if not, why not."""
    if not discovery.complete:
        return False, "discovery was incomplete"
    if discovery.errors:
        return False, f"discovery reported {counted(len(discovery.errors), 'error')}: {discovery.errors[0]}"
    return True, ""
