"""How counts read in messages: "1 error", "2 errors", "0 errors"."""

from __future__ import annotations


def counted(n: int, noun: str, plural: str | None = None) -> str:
    """`n noun`, the noun in the plural unless n is 1 (`plural` for irregular ones: entry/entries)."""
    return f"{n} {noun if n == 1 else (plural or noun + 's')}"
