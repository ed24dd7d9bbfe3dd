"""Globs over a checkout that cannot run away: one walk per pattern, no backtracking, a budget of
folder entries, and symlinks followed only inside the root."""

from __future__ import annotations

import fnmatch
import hashlib
import operator
import os
import re
from collections.abc import Iterable
from functools import cache
from pathlib import Path

GLOB_BUDGET = 100_000  # folder entries one glob may look at before it is stopped (and says so)
GLOB_CHARS = "*?["
GLOB_CUT = f"the glob was stopped after looking at {GLOB_BUDGET:,} folder entries; its files were not checked"


@cache
def _segment(pattern: str) -> re.Pattern[str]:
    # fnmatch's translation matches runs of `*` without backtracking blow-ups; a path segment
    # never holds `/`, so its `*` matching `/` does not matter here.
    return re.compile(fnmatch.translate(pattern), re.DOTALL)


@cache
def _segments(pattern: str) -> tuple[str, ...]:
    """A glob's segments, with runs of `**` folded into one (they match the same paths)."""
    out: list[str] = []
    for part in pattern.split("/"):
        if part == "**" and out and out[-1] == "**":
            continue
        out.append(part)
    return tuple(out)


def _closure(states: set[int], pattern: tuple[str, ...]) -> set[int]:
    """`**` may match no segment at all: a state before it is also a state after it."""
    out = set(states)
    for j in sorted(states):
        while j < len(pattern) and pattern[j] == "**":
            j += 1
            out.add(j)
    return out


def _step(states: set[int], name: str, pattern: tuple[str, ...]) -> set[int]:
    """The states after matching one path segment: a set, so the cost is linear in path and pattern."""
    after: set[int] = set()
    for j in states:
        if j >= len(pattern):
            continue
        if pattern[j] == "**":
            after.add(j)
        elif _segment(pattern[j]).match(name):
            after.add(j + 1)
    return _closure(after, pattern)


def glob_match(relative: str, pattern: str) -> bool:
    """Match a POSIX path against a glob; a pattern without `/` matches the file name anywhere."""
    while pattern.startswith("./"):
        pattern = pattern[2:]
    if "/" not in pattern:
        return bool(_segment(pattern).match(relative.rsplit("/", 1)[-1]))
    segments = _segments(pattern.lstrip("/"))
    states = _closure({0}, segments)
    for name in relative.split("/"):
        states = _step(states, name, segments)
        if not states:
            return False
    return len(segments) in states


def glob_files(root: Path, pattern: str, *, budget: int = GLOB_BUDGET) -> tuple[list[Path], bool]:
    """Files under `root` matching `pattern` (POSIX, relative to `root`), and whether the search
    was stopped by `budget`. One walk for the whole pattern, pruned to folders the pattern can
    still match; a symlink is followed only when it stays inside `root`, and a folder reached
    twice (a symlink loop) is walked once."""
    segments = _segments(pattern.strip("/"))
    real_root = os.path.realpath(root)
    fixed = _literal_prefix(segments)
    start = os.path.join(root, *segments[:fixed])
    rest = segments[fixed:]
    found: list[Path] = []
    seen: set[str] = set()
    looked = 0
    stack = [(start, _closure({0}, rest))]
    while stack:
        folder, states = stack.pop()
        real_folder = os.path.realpath(folder)
        if not _within(real_folder, real_root):
            continue
        for entry in first_listing(folder, real_folder, seen):
            looked += 1
            if looked > budget:
                return sorted(found), True
            after = _step(states, entry.name, rest)
            if after:
                _follow(entry, after, rest, real_root, stack, found)
    return sorted(found), False


def _literal_prefix(segments: tuple[str, ...]) -> int:
    """How many leading folder segments hold no glob character: the walk starts below them."""
    fixed = 0
    while fixed < len(segments) - 1 and not any(ch in segments[fixed] for ch in GLOB_CHARS):
        fixed += 1
    return fixed


def _follow(
    entry: os.DirEntry[str],
    after: set[int],
    rest: tuple[str, ...],
    real_root: str,
    stack: list[tuple[str, set[int]]],
    found: list[Path],
) -> None:
    """An entry the pattern matched so far (`after`): a folder the pattern can go on into is
    walked, a file the whole pattern matches is found; a symlink out of the root, or an entry
    that cannot be looked at, is neither."""
    try:
        if entry.is_symlink() and not _within(os.path.realpath(entry.path), real_root):
            return
        if entry.is_dir():
            if any(j < len(rest) for j in after):
                stack.append((entry.path, after))
        elif len(rest) in after and entry.is_file():
            found.append(Path(entry.path))
    except OSError:
        return


GLOB_DEP = "glob:"


def glob_dep(pattern: Path, root: Path) -> str:
    """A glob's dependency for the result cache: the pattern and the folder that bounded it
    (`glob_files`' root, the checkout), for the check to walk within the same bounds. NUL
    cannot be in a path, so it parts them."""
    return f"{GLOB_DEP}{pattern}\0{root}"


def parse_glob_dep(dep: str) -> tuple[str, str]:
    """(pattern, bounding folder) of a `glob_dep`."""
    pattern, _, root = dep[len(GLOB_DEP) :].partition("\0")
    return pattern, root


def matches_digest(matches: Iterable[Path]) -> str:
    """What a glob matched, as a cache dependency (paths that are not UTF-8 keep their bytes)."""
    text = "\n".join(map(str, matches))
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()


_NAME = operator.attrgetter("name")


def first_listing(folder: str, real_folder: str, seen: set[str]) -> list[os.DirEntry[str]]:
    """`folder`'s entries by name, or none when its real path was listed before (a symlink back
    up the tree: each folder is walked once) or it cannot be listed."""
    if real_folder in seen:
        return []
    seen.add(real_folder)
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=_NAME)
    except OSError:
        return []


def _within(real: str, real_root: str) -> bool:
    return real == real_root or real.startswith(real_root.rstrip(os.sep) + os.sep)
