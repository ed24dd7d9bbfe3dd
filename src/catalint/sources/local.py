"""Descriptor files in a checkout: finding them, reading them, and resolving what they point at."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable, Iterable, Iterator
from functools import cache
from pathlib import Path

from catalint.bitbucket.checkout import Checkout
from catalint.bitbucket.urls import parse
from catalint.engine import Source
from catalint.resolve.local import LocalResolver, Target, digest
from catalint.resolve.placeholders import Fetched

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


# Asked about an absolute URL a local descriptor names (a Location target, a TechDocs folder, a
# source location): (what was found, matches) or None when the URL is none of its business.
RemoteExists = Callable[[str, bool], "tuple[Fetched, list[str]] | None"]

FOREIGN_PLACEHOLDER = "Placeholder may only reference files from the same repository as the entity"


class LocalSource(Source):
    """A descriptor in a checkout. With `checkout` (the checkout is a Bitbucket repository),
    absolute URLs into that same repository are read from the working tree; with `remote`,
    other absolute URLs are checked through it; otherwise they are skipped."""

    def __init__(
        self,
        path: Path,
        display: str,
        resolver: LocalResolver,
        checkout: Checkout | None = None,
        remote: RemoteExists | None = None,
    ) -> None:
        self.path = path
        self.location = str(path)
        self.display = display
        self.resolver = resolver
        self.checkout = checkout
        self.remote = remote
        self.deps: dict[str, str | None] = {}

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def _into_checkout(self, url: str) -> tuple[Target, bool] | None:
        """The working-tree path an absolute URL into this very repository names."""
        if self.checkout is None:
            return None
        inside = self.checkout.path_in(url)
        if inside is None:
            return None
        relative, certain = inside
        return self.resolver.resolve(self.path, "/" + relative), certain

    def fetch(self, target: str, *, purpose: str) -> Fetched:
        resolved = self.resolver.resolve(self.path, target)
        if resolved.remote is not None:
            inside = self._into_checkout(resolved.remote)
            if inside is None:
                if self.checkout is not None and purpose == "placeholder" and self._is_bitbucket(target):
                    return Fetched(status="foreign", detail=FOREIGN_PLACEHOLDER, where=target)
                return Fetched(status="skipped", detail="")
            resolved, certain = inside
            if not certain and resolved.path is not None and not resolved.path.is_file():
                return Fetched(status="skipped", detail="")
        if resolved.escapes:
            return Fetched(status="escapes")
        assert resolved.path is not None
        self.deps[str(resolved.path)] = digest(resolved.path)
        where = self._rel(resolved.path)
        try:
            data = resolved.path.read_bytes()
        except IsADirectoryError:
            return Fetched(status="missing", detail=f"{where} is a folder, not a file", where=where)
        except OSError:
            return Fetched(status="missing", detail=f"{where} does not exist", where=where)
        try:
            return Fetched(text=data.decode("utf-8"), where=where)
        except UnicodeDecodeError:
            return Fetched(status="missing", detail=f"{where} is not UTF-8 text", where=where)

    def _is_bitbucket(self, url: str) -> bool:
        return self.checkout is not None and parse(url, self.checkout.hosts) is not None

    def _remote_exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]:
        answer = self.remote(url, glob_ok) if self.remote is not None else None
        if answer is None:
            return Fetched(status="skipped"), []
        self.deps[REMOTE_DEP + url] = None
        return answer

    def exists(self, target: str, *, glob_ok: bool = False) -> tuple[Fetched, list[str]]:
        resolved = self.resolver.resolve(self.path, target)
        if resolved.remote is not None:
            inside = self._into_checkout(resolved.remote)
            if inside is None:
                return self._remote_exists(resolved.remote, glob_ok)
            resolved, certain = inside
            if not certain and resolved.path is not None and not resolved.path.exists():
                # Perhaps a slash branch git does not know here: the network can tell, not the disk.
                return self._remote_exists(target, glob_ok)
        if resolved.escapes:
            return Fetched(status="escapes"), []
        assert resolved.path is not None
        where = self._rel(resolved.path)
        if glob_ok and any(ch in str(resolved.path) for ch in "*?["):
            matches = self.resolver.expand(resolved.path)
            key = "glob:" + str(resolved.path)
            self.deps[key] = hashlib.sha256("\n".join(map(str, matches)).encode()).hexdigest()
            if not matches:
                return Fetched(status="missing", detail=f"no files match {where}", where=where), []
            return Fetched(where=where), [str(m) for m in matches]
        self.deps[str(resolved.path)] = digest(resolved.path)
        if resolved.path.is_file():
            return Fetched(where=where), [str(resolved.path)]
        if resolved.path.is_dir():
            return Fetched(status="ok", detail="folder", where=where), [str(resolved.path)]
        return Fetched(status="missing", detail=f"{where} does not exist", where=where), []

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.resolver.root).as_posix()
        except ValueError:
            return path.as_posix()
