"""Descriptor files in a checkout: finding them, reading them, and resolving what they point at."""

from __future__ import annotations

import fnmatch
import hashlib
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit

from catalint.bitbucket.checkout import Checkout
from catalint.bitbucket.urls import Hosts, parse
from catalint.engine import Source
from catalint.resolve.local import LocalResolver, Target, digest
from catalint.resolve.placeholders import Fetched
from catalint.sources.files import (  # noqa: F401 - re-exported for callers of this module
    DEFAULT_NAMES,
    REMOTE_DEP,
    SKIP_DIRS,
    display_path,
    glob_match,
    walk,
)

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
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        self.path = path
        self.location = str(path)
        self.display = display
        self.resolver = resolver
        self.checkout = checkout
        self.remote = remote
        self.allowed_hosts = tuple(allowed_hosts)
        self.hosts = checkout.hosts if checkout is not None else Hosts.from_env(os.environ)
        self.deps: dict[str, str | None] = {}

    def _foreign(self, url: str) -> Fetched | None:
        """A URL on a host that is neither Bitbucket nor in `allowed-hosts`: a finding, never read."""
        if self.hosts.trusted(url) or self.hosts.is_web(url):
            return None
        host = (urlsplit(url).hostname or "").lower()
        if any(fnmatch.fnmatch(host, pattern.lower()) for pattern in self.allowed_hosts):
            return None
        return Fetched(
            status="foreign",
            detail=f"is on {host or url}, which is neither Bitbucket nor an allowed host; not read",
            where=url,
        )

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
            foreign = self._foreign(resolved.remote)
            if foreign is not None:
                return foreign
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
            return Fetched(text=data.decode("utf-8", "replace"), where=where)  # as Backstage reads it
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
            foreign = self._foreign(resolved.remote)
            if foreign is not None:
                return foreign, []
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


class PreloadedSource(LocalSource):
    """A local file whose bytes were already read (to hash them for the cache)."""

    def __init__(
        self,
        path: Path,
        display: str,
        resolver: LocalResolver,
        content: bytes | None,
        checkout: Checkout | None = None,
        remote: RemoteExists | None = None,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        super().__init__(path, display, resolver, checkout, remote, allowed_hosts)
        self._content = content

    def read_bytes(self) -> bytes:
        if self._content is None:
            return super().read_bytes()
        return self._content
