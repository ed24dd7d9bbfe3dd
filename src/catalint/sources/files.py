"""Finding descriptor files in a checkout: the walk, and how paths are shown (globs: resolve/globs.py).

Kept apart from reading and resolving (sources/local.py) so that a run answered from the cache
needs none of the parser's machinery.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from catalint.resolve.globs import first_listing, glob_match
from catalint.resolve.local import inside
from catalint.sources.listings import Entry, Listings

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


def file_size(path: Path) -> int | None:
    """A regular file's size from the file system (None for anything else: a FIFO says 0)."""
    info = path.stat()
    return info.st_size if stat.S_ISREG(info.st_mode) else None


def display_path(path: Path | str, cwd: Path) -> str:
    """POSIX path relative to the working directory when under it, else absolute."""
    text, base = os.fspath(path), str(cwd).rstrip(os.sep) + os.sep
    shown = text[len(base) :].replace(os.sep, "/") if text.startswith(base) else Path(text).as_posix()
    # A name that is not UTF-8 holds surrogate escapes no output can encode: show its bytes as `\xe9`.
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def walk(
    root: Path, include: Iterable[str] = (), exclude: Iterable[str] = (), listings: Listings | None = None
) -> Iterator[tuple[str, str]]:
    """Descriptor files under `root` in a stable order (files of a folder, then its subfolders),
    skipping VCS and dependency folders and never leaving `root` through a symlink.

    Yields each path (as `str(Path(...))` would write it) with its real path, worked out along the
    way: resolving every file again would stat each component of its path. Paths stay strings,
    because pathlib's parsing costs more than the walk itself on a large checkout.

    `listings`: folder listings kept from the last run, used for the folders unchanged since.
    """
    includes = tuple(include)
    excludes = tuple(exclude)
    patterns = bool(includes or excludes)
    real_root = Path(os.path.realpath(root))
    base = str(root)
    prefix = len(base.rstrip(os.sep)) + 1
    stack: list[tuple[str, str]] = [(base, str(real_root))]
    walked: set[str] = set()
    lister = listings.listing if listings is not None else None
    while stack:
        folder, real_folder = stack.pop()
        real_base = real_folder if real_folder.endswith(os.sep) else real_folder + os.sep
        subfolders: list[tuple[str, str]] = []
        listed: Sequence[Entry] = first_listing(folder, real_folder, walked, lister)
        for entry in listed:
            found = _kind(entry, real_base, real_root, patterns)
            if found is None:
                continue
            real, is_folder = found
            relative = entry.path[prefix:].replace(os.sep, "/") if patterns else ""
            if is_folder:
                if entry.name not in SKIP_DIRS and not any(glob_match(relative, p) for p in excludes):
                    subfolders.append((entry.path, real))
            elif _wanted(entry, relative, includes, excludes):
                yield entry.path, real
        stack.extend(reversed(subfolders))


def _kind(entry: Entry, real_base: str, real_root: Path, patterns: bool) -> tuple[str, bool] | None:
    """`_entry`, with the common case (no symlink) first: it costs no system call, since the
    kernel's listing already says file or folder, and a file that is no descriptor by its name
    (and no include or exclude pattern to ask) is dropped before any path arithmetic."""
    if entry.is_symlink():
        return _entry(entry, real_base, real_root)
    try:
        is_folder = entry.is_dir()
    except OSError:  # as `_entry` says: neither a folder nor a file
        return None
    if not (is_folder or patterns or entry.name in DEFAULT_NAMES):
        return None
    return real_base + entry.name, is_folder


def _wanted(entry: Entry, relative: str, includes: tuple[str, ...], excludes: tuple[str, ...]) -> bool:
    """A file the walk yields: a descriptor by name or include pattern, not excluded, a file."""
    wanted = entry.name in DEFAULT_NAMES or any(glob_match(relative, p) for p in includes)
    if not wanted or any(glob_match(relative, p) for p in excludes):
        return False
    try:
        return entry.is_file(follow_symlinks=True)
    except OSError:
        return False


def _entry(entry: Entry, real_folder: str, real_root: Path) -> tuple[str, bool] | None:
    """An entry's real path and whether it is a folder; None for a symlink out of the root or to itself."""
    link = entry.is_symlink()
    if link and not inside(Path(entry.path), real_root):
        return None
    real = os.path.realpath(entry.path) if link else os.path.join(real_folder, entry.name)
    try:
        return real, entry.is_dir(follow_symlinks=True)
    except OSError:  # a symlink to itself: neither a folder nor a file
        return None
