"""Finding descriptor files in a checkout: the walk, and how paths are shown (globs: resolve/globs.py).

Kept apart from reading and resolving (sources/local.py) so that a run answered from the cache
needs none of the parser's machinery.
"""

from __future__ import annotations

import functools
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path

from catalint.resolve.globs import glob_match
from catalint.resolve.local import inside
from catalint.sources.listings import Entry, Kept, Listings, scan

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
    return _shown(display_base(cwd), path)


def display_from(cwd: Path) -> Callable[[Path | str], str]:
    """`display_path` for one working directory, its part worked out once: for a caller that
    shows every file of a run (30,000 at a time), each costs a third less."""
    return functools.partial(_shown, display_base(cwd))


def display_base(cwd: Path) -> str:
    """What a path under `cwd` begins with, the part `display_path` cuts off."""
    return str(cwd).rstrip(os.sep) + os.sep


def _shown(base: str, path: Path | str) -> str:
    text = os.fspath(path)
    shown = text[len(base) :].replace(os.sep, "/") if text.startswith(base) else Path(text).as_posix()
    if shown.isascii():  # (nearly every path: nothing that needs escaping)
        return shown
    # A name that is not UTF-8 holds surrogate escapes no output can encode: show its bytes as `\xe9`.
    return shown.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


# The descriptor names in the order a listing by name has them (`sorted`, as `scan` sorts).
_BY_NAME = tuple(sorted(DEFAULT_NAMES))


def walk(
    root: Path,
    include: Iterable[str] = (),
    exclude: Iterable[str] = (),
    listings: Listings | None = None,
    within: Sequence[str] = (),
) -> Iterator[tuple[str, str]]:
    """Descriptor files under `root` in a stable order (files of a folder, then its subfolders),
    skipping VCS and dependency folders and never leaving `root` through a symlink.

    Yields each path (as `str(Path(...))` would write it) with its real path, worked out along the
    way: resolving every file again would stat each component of its path. Paths stay strings,
    because pathlib's parsing costs more than the walk itself on a large checkout.

    `listings`: folder listings kept from the last run, used for the folders unchanged since.
    `within`: folders under `root` (each as `root` joined with its path) to walk, each as the
    walk of `root` would, rather than all of `root` (the folders a git listing holds nothing of:
    sources/gitlist.py). Their own path must hold no symlink below `root`.
    """
    includes = tuple(include)
    excludes = tuple(exclude)
    patterns = bool(includes or excludes)
    real_root = Path(os.path.realpath(root))
    base = str(root)
    prefix = len(base.rstrip(os.sep)) + 1
    stack = _first(base, str(real_root), within)
    walked: set[str] = set()
    lister = listings.lookup if listings is not None else scan
    sep = os.sep
    while stack:
        folder, real_folder = stack.pop()
        if real_folder in walked:  # (a symlink back up the tree: each folder is walked once)
            continue
        walked.add(real_folder)
        listed = lister(folder)
        real_base = real_folder if real_folder.endswith(sep) else real_folder + sep
        if isinstance(listed, Kept) and not (listed.links or patterns):
            # Most folders of a run with kept listings: no entry's kind to ask of the disk and no
            # pattern to match, so the kept names say all, and no object per entry is made.
            folder_base = folder if folder.endswith(sep) else folder + sep
            files = listed.files
            for name in _BY_NAME:
                if name in files:
                    yield _joined(folder_base, real_base, name)
            if listed.folders:
                stack.extend(_subfolders(listed.folders, folder_base, real_base))
        else:
            entries = listed.entries(folder) if isinstance(listed, Kept) else listed or ()
            yield from _walk_entries(entries, real_base, real_root, prefix, includes, excludes, stack)


def _first(base: str, real_root: str, within: Sequence[str]) -> list[tuple[str, str]]:
    """The walk's stack to begin with: the root, or the folders under it (`walk`'s `within`)."""
    if not within:
        return [(base, real_root)]
    cut = len(base.rstrip(os.sep)) + 1
    below = real_root.rstrip(os.sep) + os.sep
    return [(folder, below + folder[cut:]) for folder in reversed(within)]


def _joined(folder_base: str, real_base: str, name: str) -> tuple[str, str]:
    """A path in a folder and its real path: one string for both where the folder is its real
    path, as most are (the run keeps both to its end: a tenth of a warm run's peak at 30,000 files)."""
    path = folder_base + name
    return path, path if folder_base == real_base else real_base + name


def _subfolders(names: Sequence[str], folder_base: str, real_base: str) -> list[tuple[str, str]]:
    """The subfolders named (by name, as listed) to walk, as the walk's stack takes them."""
    if folder_base == real_base:
        return [(path, path) for path in [folder_base + name for name in reversed(names) if name not in SKIP_DIRS]]
    return [(folder_base + name, real_base + name) for name in reversed(names) if name not in SKIP_DIRS]


def _walk_entries(
    entries: Sequence[Entry],
    real_base: str,
    real_root: Path,
    prefix: int,
    includes: tuple[str, ...],
    excludes: tuple[str, ...],
    stack: list[tuple[str, str]],
) -> list[tuple[str, str]]:
    """The walk of one folder's entries, one by one: its files, returned, and its subfolders,
    put on `stack` (a folder listed afresh, or kept with a symlink, or walked with patterns)."""
    patterns = bool(includes or excludes)
    files: list[tuple[str, str]] = []
    subfolders: list[tuple[str, str]] = []
    for entry in entries:
        found = _kind(entry, real_base, real_root, patterns)
        if found is None:
            continue
        real, is_folder = found
        relative = entry.path[prefix:].replace(os.sep, "/") if patterns else ""
        if is_folder:
            if entry.name not in SKIP_DIRS and not (excludes and any(glob_match(relative, p) for p in excludes)):
                subfolders.append((entry.path, real))
        elif _wanted(entry, relative, includes, excludes):
            files.append((entry.path, real))
    stack.extend(reversed(subfolders))
    return files


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
    real = real_base + entry.name
    return (real if real != entry.path else entry.path), is_folder  # (shared: see `walk`)


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
