"""What the plain entries of a result pack declare and refer to, summed into one record kept in the
pack beside them: a pull request's run reads it instead of every unchanged file's result.

A run whose report shows a few files still needs, of every other file, what its checks across
files need: the entities it declares (the run's duplicates and the references it resolves), the
targets it names (its unresolved references, counted), the entities its documents name (what a
change may break), and how many findings it holds. At 30,000 files, decoding those from each
result was half of such a run; the fold gives the sums, and the run takes away the share of each
file it does decode. A pack entry is plain (counted in the fold) when nothing about it needs the
entry itself: no Location targets, no directives.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from catalint.facts import FileResult, apply_directives
from catalint.model import Severity


def is_plain(result: FileResult) -> bool:
    """Whether the fold can stand for `result` in a run that does not report it: nothing of it
    but its dependencies (kept apart in the pack) is needed before its checks across files
    (children are followed as the files are found, directives silence cross-file findings one
    by one), and its path is no URL (whose entities impact analysis sets apart)."""
    return not (result.children or result.disabled or result.disabled_file or ":" in result.path)


@dataclass(slots=True)
class Part:
    """One plain file's share of the fold."""

    declared: list[str]
    targets: list[str]
    extra: list[str]  # entities of documents that declare nothing (Backstage would refuse them)
    tally: list[tuple[str, int, int]]


def part_of(result: FileResult) -> Part:
    extra = [d.entity for d in result.documents if d.entity]
    for entity in result.declared:  # (every declaration is a document's entity)
        extra.remove(entity.key)
    return Part([entity.key for entity in result.declared], [ref.target for ref in result.references], extra, tally(result))


def tally(result: FileResult) -> list[tuple[str, int, int]]:
    """(rule, severity, how many) of the findings `result`'s directives leave."""
    counts: dict[tuple[str, int], int] = {}
    for finding in apply_directives(result):
        key = (finding.rule, int(finding.severity))
        counts[key] = counts.get(key, 0) + 1
    return [(rule, severity, n) for (rule, severity), n in counts.items()]


class FoldError(ValueError):
    """The fold does not hold what it is asked to give back: it is not the sum of the pack."""


@dataclass(slots=True)
class Fold:
    members: int = 0
    # entity key -> how many times the members declare it (which do: their entries' headers say)
    declared: dict[str, int] = field(default_factory=dict)
    targets: dict[str, int] = field(default_factory=dict)
    extra: dict[str, int] = field(default_factory=dict)
    tally: dict[tuple[str, int], int] = field(default_factory=dict)

    def add(self, part: Part) -> None:
        self.members += 1
        _add(self.declared, part.declared)
        _add(self.targets, part.targets)
        _add(self.extra, part.extra)
        for rule, severity, n in part.tally:
            self.tally[rule, severity] = self.tally.get((rule, severity), 0) + n

    def remove(self, part: Part) -> None:
        if self.members <= 0:
            raise FoldError("no member left to remove")
        self.members -= 1
        _take(self.declared, part.declared)
        _take(self.targets, part.targets)
        _take(self.extra, part.extra)
        _take(self.tally, [(rule, severity) for rule, severity, n in part.tally for _ in range(n)])

    def entities(self) -> set[str]:
        """The entities the members' documents name."""
        return set(self.declared) | set(self.extra)

    def encode(self) -> str:
        return json.dumps(
            [self.members, self.declared, self.targets, self.extra, [[r, s, n] for (r, s), n in self.tally.items()]],
            separators=(",", ":"),
        )

    @classmethod
    def decode(cls, text: str) -> Fold:
        try:
            members, declared, targets, extra, tally = json.loads(text)
            # Its entity keys the very strings the run's decoded results hold (they intern
            # theirs): 44,000 copies of them were 3 MB of a warm run's peak at 30,000 files.
            declared, targets, extra = (_interned(part) for part in (declared, targets, extra))
            fold = cls(members, declared, targets, extra, {(r, s): n for r, s, n in tally})
        except (ValueError, TypeError):
            raise FoldError("not a fold") from None
        if not (isinstance(members, int) and all(isinstance(part, dict) for part in (declared, targets, extra))):
            raise FoldError("not a fold")
        # Every count a positive int (JSON keys are strings already) and every severity one: a
        # count of another type was a traceback when taken from, and a count below one a wrong sum.
        tallied = [rule for rule, severity in fold.tally if isinstance(rule, str) and severity in _SEVERITIES]
        if len(tallied) != len(fold.tally) or not all(_counts(part) for part in (declared, targets, extra, fold.tally)):
            raise FoldError("not a fold")
        return fold


_SEVERITIES = frozenset(int(severity) for severity in Severity)


def _interned(counts: Any) -> Any:
    if not isinstance(counts, dict):
        return counts  # (refused below)
    intern = sys.intern
    return {intern(key): n for key, n in counts.items()}


def _add(counts: dict[Any, int], items: Iterable[Any]) -> None:
    for item in items:
        counts[item] = counts.get(item, 0) + 1


def _take(counts: dict[Any, int], items: Iterable[Any]) -> None:
    for item in items:
        left = counts.get(item, 0) - 1
        if left < 0:
            raise FoldError(f"the fold holds no {item!r} to take away")
        if left:
            counts[item] = left
        else:
            del counts[item]


def _counts(counts: dict[Any, Any]) -> bool:
    """Whether every value of `counts` is an int of at least one (checked at C speed)."""
    return not counts or (set(map(type, counts.values())) == {int} and min(counts.values()) >= 1)
