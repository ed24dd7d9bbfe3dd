"""Finding descriptor files in a checkout: the walk, the globs, and how paths are shown.

Kept apart from reading and resolving (sources/local.py) so that a run answered from the cache
needs none of the parser's machinery.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

REMOTE_DEP = "remote:"  # a deps key: the result depends on the network, so it is never cached
DEFAULT_NAMES = ("catalog-info.yaml", "catalog-info.yml", "catalog-info.json")
SKIP_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        "node_modules",
        ".venv",
        "venv",
        "__pycache__",
        ".tox",
        ".nox",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".idea",
        ".vscode",
        ".terraform",
        ".cache",
    }
)


def display_path(path: Path, cwd: Path) -> str:
    """POSIX path relative to the working directory when under it, else absolute."""
    text, base = str(path), str(cwd).rstrip(os.sep) + os.sep
    if text.startswith(base):
        return text[len(base) :].replace(os.sep, "/")
    return path.as_posix()


@cache
def _glob_regex(pattern: str) -> re.Pattern[str]:
    out = ""
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
            continue
        if pattern.startswith("**", i):
            out += ".*"
            i += 2
            continue
        out += {"*": "[^/]*", "?": "[^/]"}.get(ch, re.escape(ch))
        i += 1
    return re.compile(f"^{out}$")


def glob_match(relative: str, pattern: str) -> bool:
    """Match a POSIX path against a glob; a pattern without `/` matches the file name anywhere."""
    pattern = pattern.lstrip("./") if pattern.startswith("./") else pattern
    if "/" not in pattern:
        return bool(_glob_regex(pattern).match(relative.rsplit("/", 1)[-1]))
    return bool(_glob_regex(pattern.lstrip("/")).match(relative))


def walk(root: Path, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> Iterator[tuple[Path, str]]:
    """Descriptor files under `root` in a stable order (files of a folder, then its subfolders),
    skipping VCS and dependency folders and never leaving `root` through a symlink.

    Yields each path with its real path, worked out along the way: resolving every file again
    would stat each component of its path. Paths stay strings until yielded, because pathlib's
    parsing costs more than the walk itself on a large checkout.
    """
    includes = tuple(include)
    excludes = tuple(exclude)
    real_root = Path(os.path.realpath(root))
    base = str(root)
    prefix = len(base.rstrip(os.sep)) + 1
    stack: list[tuple[str, str]] = [(base, str(real_root))]
    while stack:
        folder, real_folder = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=lambda e: e.name)
        except OSError:
            continue
        subfolders: list[tuple[str, str]] = []
        for entry in entries:
            relative = entry.path[prefix:].replace(os.sep, "/")
            link = entry.is_symlink()
            if link and not _inside(Path(entry.path), real_root):
                continue
            real = os.path.realpath(entry.path) if link else os.path.join(real_folder, entry.name)
            if entry.is_dir(follow_symlinks=True):
                if entry.name not in SKIP_DIRS and not any(glob_match(relative, p) for p in excludes):
                    subfolders.append((entry.path, real))
                continue
            wanted = entry.name in DEFAULT_NAMES or any(glob_match(relative, p) for p in includes)
            if not wanted or any(glob_match(relative, p) for p in excludes):
                continue
            if entry.is_file(follow_symlinks=True):
                yield Path(entry.path), real
        stack.extend(reversed(subfolders))


def _inside(path: Path, real_root: Path) -> bool:
    real = Path(os.path.realpath(path))
    return real == real_root or real_root in real.parents
