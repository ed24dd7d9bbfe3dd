"""Resolve relative targets inside a checkout, the way Backstage resolves them against a file's URL.

Descriptors in a checkout are registered in Backstage through their Bitbucket URL, so relative
paths follow URL rules: `./x` and `x` are siblings of the file, a leading `/` is the repository
root, and `..` may climb only as far as the root. Anything that would leave the root is refused
and never read.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit


@dataclass(frozen=True, slots=True)
class Target:
    """A resolved local path (absolute), or why it could not be resolved."""

    path: Path | None = None
    escapes: bool = False
    remote: str | None = None


def is_absolute_url(text: str) -> bool:
    parts = urlsplit(text)
    return bool(parts.scheme) and len(parts.scheme) > 1 and (bool(parts.netloc) or parts.scheme == "mailto")


class LocalResolver:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()

    def resolve(self, base_file: Path, target: str) -> Target:
        if is_absolute_url(target):
            return Target(remote=target)
        # A NUL names no file (the OS refuses it outright): keep a stand-in that is simply not there.
        clean = unquote(target.split("?", 1)[0].split("#", 1)[0]).replace("\0", "\ufffd")
        base_dir = base_file.parent.resolve()
        try:
            rel_base = base_dir.relative_to(self.root).as_posix()
        except ValueError:
            return Target(escapes=True)
        joined = clean.lstrip("/") if clean.startswith("/") else posixpath.join(rel_base, clean)
        normal = posixpath.normpath(joined) if joined else "."
        if normal == ".." or normal.startswith("../") or posixpath.isabs(normal):
            return Target(escapes=True)
        candidate = self.root / normal
        # A symlink inside the checkout may still point outside it; never follow it out.
        real = Path(os.path.realpath(candidate))
        if real != self.root and self.root not in real.parents:
            return Target(escapes=True)
        return Target(path=candidate)

    def expand(self, path: Path) -> tuple[list[Path], bool]:
        """Glob a target the way Bitbucket's reader expands `*` and `?` in file paths, within the
        checkout and a bounded number of folder entries; True when that bound stopped it."""
        from catalint.resolve.globs import glob_files

        text = str(path)
        if not any(ch in text for ch in "*?["):
            return ([path] if path.is_file() else []), False
        return glob_files(self.root, path.relative_to(self.root).as_posix())


def inside(path: Path, real_root: Path) -> bool:
    """Whether `path`, symlinks followed, lies in `real_root` (itself already resolved)."""
    real = Path(os.path.realpath(path))
    return real == real_root or real_root in real.parents


def digest(path: Path) -> str | None:
    """The content hash of a regular file, read in pieces (a FIFO would block, a huge file would
    sit in memory whole); None for anything else."""
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        sha = hashlib.sha256()
        with path.open("rb") as handle:
            for block in iter(lambda: handle.read(1024 * 1024), b""):
                sha.update(block)
        return sha.hexdigest()
    except OSError:
        return None


def git_toplevel(start: Path) -> Path | None:
    """The nearest folder at or above `start` holding `.git` (a folder, or a file in worktrees)."""
    current = start.resolve()
    for folder in (current, *current.parents):
        if (folder / ".git").exists():
            return folder
    return None


def find_root(start: Path) -> Path:
    """The repository root above `start`, or `start` itself outside a repository."""
    return git_toplevel(start) or start.resolve()
