"""Repository-relative POSIX paths for CI reports.

Findings carry the path as shown to the user (relative to the working directory, or absolute
when outside it), or the URL of a file read from Bitbucket. CI services want paths relative to
the repository root: GitHub attaches an annotation to a file only when its path is relative to
GITHUB_WORKSPACE and has no `./` prefix. A URL stays a URL, unless it names a file of the
checked-out repository itself, which then gets its relative path.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from catalint.resolve.local import git_toplevel

if TYPE_CHECKING:
    from catalint.bitbucket.checkout import Checkout


def is_url(display: str) -> bool:
    parts = urlsplit(display)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents



def find_root(cwd: Path, env: Mapping[str, str] | None = None) -> Path:
    """GITHUB_WORKSPACE or BITBUCKET_CLONE_DIR when the working directory is inside it, else the
    git top level, else the working directory itself."""
    environ = os.environ if env is None else env
    here = cwd.resolve()
    for var in ("GITHUB_WORKSPACE", "BITBUCKET_CLONE_DIR"):
        value = environ.get(var)
        if value:
            root = Path(value).resolve()
            if _inside(here, root):
                return root
    return git_toplevel(here) or here


@dataclass(frozen=True, slots=True)
class PathMapper:
    """Turns a finding's display path into a path relative to `root`."""

    cwd: Path
    root: Path
    checkout: Checkout | None = None  # the Bitbucket repository `root` is a checkout of, if any

    @classmethod
    def identity(cls) -> PathMapper:
        here = Path.cwd()
        return cls(here, here)

    @classmethod
    def for_cwd(cls, cwd: Path, env: Mapping[str, str] | None = None) -> PathMapper:
        from catalint.bitbucket.checkout import detect
        from catalint.bitbucket.urls import Hosts

        environ = os.environ if env is None else env
        root = find_root(cwd, env)
        return cls(cwd.resolve(), root, detect(root, Hosts.from_env(environ), environ))

    def is_remote(self, display: str) -> bool:
        """Whether a finding's file lies outside the checkout: a URL into another repository."""
        return is_url(self.relative(display))

    def absolute(self, display: str) -> Path:
        path = Path(display)
        return Path(os.path.normpath(path if path.is_absolute() else self.cwd / path))

    def relative(self, display: str) -> str:
        """POSIX path relative to the root; an absolute path when the file is outside the root; the
        URL of a file on Bitbucket, unless it names a file of this very checkout."""
        if is_url(display):
            inside = self.checkout.path_in(display) if self.checkout is not None else None
            return inside[0] if inside is not None and inside[1] and inside[0] else display
        absolute = self.absolute(display)
        root = Path(os.path.normpath(self.root))
        if _inside(absolute, root):
            rel = absolute.relative_to(root).as_posix()
            return rel if rel != "." else ""
        return PurePosixPath(absolute.as_posix()).as_posix()
