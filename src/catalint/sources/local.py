"""Descriptor files in a checkout: finding them, reading them, and resolving what they point at."""

from __future__ import annotations

import fnmatch
import os
import stat
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from catalint.bitbucket.checkout import Checkout
from catalint.bitbucket.urls import Hosts, is_absolute, parse
from catalint.facts import DEFAULT_MAX_BYTES, Fetched, FetchStatus, Source
from catalint.resolve.globs import GLOB_CUT, glob_dep, matches_digest
from catalint.resolve.local import LocalResolver, Target, digest
from catalint.sources.files import REMOTE_DEP, file_size


class RemoteReader(Protocol):
    """Answers for absolute URLs a local descriptor names outside its own checkout: through a
    Bitbucket client (`sources.bitbucket.RemoteChecker`), or without one (`Offline`, `Deferred`)."""

    def exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]: ...

    def fetch(self, url: str, purpose: str) -> Fetched: ...

    def prefetch(self, urls: Sequence[str]) -> None: ...


class Offline:
    """No network at all: every such URL is reported as not verified (rule `offline`)."""

    def exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]:
        return Fetched(status=FetchStatus.OFFLINE, where=url), []

    def fetch(self, url: str, purpose: str) -> Fetched:
        return Fetched(status=FetchStatus.OFFLINE, where=url)

    def prefetch(self, urls: Sequence[str]) -> None:
        pass


class Deferred(Offline):
    """A first pass in a worker process, where no client can go: the URLs are only recorded (as
    `REMOTE_DEP` deps), and lint/run.py lints the file again with the network in the main process."""

    def exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]:
        return Fetched(status=FetchStatus.SKIPPED), []

    def fetch(self, url: str, purpose: str) -> Fetched:
        return Fetched(status=FetchStatus.SKIPPED)


OFFLINE = Offline()
DEFERRED = Deferred()

FOREIGN_PLACEHOLDER = "Placeholder may only reference files from the same repository as the entity"


def not_read_on(url: str) -> str:
    host = urlsplit(url).hostname or url
    return f"is on {host}, an allowed host that catalint does not read; not verified"


class LocalSource(Source):
    """A descriptor in a checkout. With `checkout` (the checkout is a Bitbucket repository),
    absolute URLs into that same repository are read from the working tree; other absolute URLs
    go to `remote` (offline by default, which reports them as not verified)."""

    def __init__(
        self,
        path: Path,
        display: str,
        resolver: LocalResolver,
        checkout: Checkout | None = None,
        remote: RemoteReader = OFFLINE,
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
        """None for a URL on Bitbucket; else what catalint says of it without reading it: fine but
        not read (a host in `allowed-hosts`), or a finding (any other host)."""
        if self.hosts.trusted(url) or self.hosts.is_web(url):
            return None
        host = (urlsplit(url).hostname or "").lower()
        if any(fnmatch.fnmatch(host, pattern.lower()) for pattern in self.allowed_hosts):
            return Fetched(status=FetchStatus.OFFLINE, detail=not_read_on(url), where=url)
        return Fetched(
            status=FetchStatus.FOREIGN,
            detail=f"is on {host or url}, which is neither Bitbucket nor an allowed host; not read",
            where=url,
        )

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    def size(self) -> int | None:
        return file_size(self.path)

    def _into_checkout(self, url: str) -> tuple[Target, bool] | None:
        """The working-tree path an absolute URL into this very repository names."""
        if self.checkout is None:
            return None
        inside = self.checkout.path_in(url)
        if inside is None:
            return None
        relative, certain = inside
        return self.resolver.resolve(self.path, "/" + relative), certain

    def _absolute(self, target: str, url: str, present: Callable[[Path], bool], placeholder: bool = False) -> Target | Fetched | str:
        """Where an absolute URL is answered: a file of this checkout (its Target), an answer
        without reading it (a Fetched), or by the remote reader (the URL to ask it about)."""
        foreign = self._foreign(url)
        if foreign is not None:
            return foreign
        inside = self._into_checkout(url)
        if inside is None:
            if placeholder and self._is_bitbucket(target):
                return Fetched(status=FetchStatus.FOREIGN, detail=FOREIGN_PLACEHOLDER, where=target)
            return url
        resolved, certain = inside
        if not certain and resolved.path is not None and not present(resolved.path):
            # Perhaps a slash branch git does not know here: the network can tell, not the disk.
            return target
        return resolved

    def fetch(self, target: str, *, purpose: str) -> Fetched:
        resolved = self.resolver.resolve(self.path, target)
        if resolved.remote is not None:
            routed = self._absolute(target, resolved.remote, Path.is_file, placeholder=purpose == "placeholder")
            if isinstance(routed, str):
                return self._remote_fetch(routed, purpose)
            if isinstance(routed, Fetched):
                return routed
            resolved = routed
        if resolved.escapes:
            return Fetched(status=FetchStatus.ESCAPES)
        assert resolved.path is not None
        return self._read(resolved.path, target)

    def _read(self, path: Path, target: str) -> Fetched:
        self.deps[str(path)] = digest(path)
        where = self._rel(path)
        refused = unreadable_target(path, where)
        if refused is not None:
            return refused
        try:
            data = path.read_bytes()
        except IsADirectoryError:
            return Fetched(status=FetchStatus.MISSING, detail=f"{where} is a folder, not a file", where=where)
        except OSError:
            return Fetched(status=FetchStatus.MISSING, detail=f"{where} does not exist", where=where)
        try:
            # Invalid UTF-8 reads as U+FFFD, as Backstage reads it.
            return Fetched(text=data.decode("utf-8", "replace"), where=where, note=self._note(target))
        except UnicodeDecodeError:
            return Fetched(status=FetchStatus.MISSING, detail=f"{where} is not UTF-8 text", where=where)

    def _is_bitbucket(self, url: str) -> bool:
        return self.checkout is not None and parse(url, self.checkout.hosts) is not None

    def _remote_exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]:
        self.deps[REMOTE_DEP + url] = None
        return self.remote.exists(url, glob_ok)

    def _remote_fetch(self, url: str, purpose: str) -> Fetched:
        self.deps[REMOTE_DEP + url] = None
        return self.remote.fetch(url, purpose)

    def _note(self, target: str) -> str:
        """How Backstage would misread an absolute URL into this checkout, if it would."""
        if self.checkout is None or not is_absolute(target):
            return ""
        return self.checkout.backstage_reading(target)

    def prefetch(self, targets: Sequence[str]) -> None:
        remote = [t for t in targets if is_absolute(t) and self._foreign(t) is None and self._into_checkout(t) is None]
        if remote:
            self.remote.prefetch(remote)

    def exists(self, target: str, *, glob_ok: bool = False) -> tuple[Fetched, list[str]]:
        resolved = self.resolver.resolve(self.path, target)
        if resolved.remote is not None:
            routed = self._absolute(target, resolved.remote, Path.exists)
            if isinstance(routed, str):
                return self._remote_exists(routed, glob_ok)
            if isinstance(routed, Fetched):
                return routed, []
            resolved = routed
        if resolved.escapes:
            return Fetched(status=FetchStatus.ESCAPES), []
        assert resolved.path is not None
        where = self._rel(resolved.path)
        if glob_ok and any(ch in str(resolved.path) for ch in "*?["):
            return self._glob(resolved.path, where)
        self.deps[str(resolved.path)] = digest(resolved.path)
        note = self._note(target)
        if resolved.path.is_file():
            return Fetched(where=where, note=note), [str(resolved.path)]
        if resolved.path.is_dir():
            return Fetched(status=FetchStatus.OK, detail="folder", where=where, note=note), [str(resolved.path)]
        return Fetched(status=FetchStatus.MISSING, detail=f"{where} does not exist", where=where), []

    def _glob(self, pattern: Path, where: str) -> tuple[Fetched, list[str]]:
        matches, cut = self.resolver.expand(pattern)
        self.deps[glob_dep(pattern, self.resolver.root)] = matches_digest(matches)
        if cut:
            return Fetched(status=FetchStatus.UNVERIFIED, detail=f"matches too much: {GLOB_CUT}", where=where), []
        if not matches:
            return Fetched(status=FetchStatus.MISSING, detail=f"no files match {where}", where=where), []
        return Fetched(where=where), [str(m) for m in matches]

    def _rel(self, path: Path) -> str:
        try:
            return path.relative_to(self.resolver.root).as_posix()
        except ValueError:
            return path.as_posix()


def unreadable_target(path: Path, where: str) -> Fetched | None:
    """Why a placeholder target is not read, judged without reading it: too large, or not a
    regular file (a FIFO would block the run)."""
    try:
        info = path.stat()
    except OSError:
        return None  # reading says what is wrong
    if stat.S_ISDIR(info.st_mode):
        return None
    if not stat.S_ISREG(info.st_mode):
        return Fetched(status=FetchStatus.MISSING, detail=f"{where} is not a regular file", where=where)
    if info.st_size > DEFAULT_MAX_BYTES:
        detail = f"is {info.st_size:,} bytes, over the {DEFAULT_MAX_BYTES:,}-byte limit for a placeholder target; not read"
        return Fetched(status=FetchStatus.UNVERIFIED, detail=detail, where=where)
    return None


class PreloadedSource(LocalSource):
    """A local file whose bytes were already read (to hash them for the cache)."""

    def __init__(
        self,
        path: Path,
        display: str,
        resolver: LocalResolver,
        content: bytes | None,
        checkout: Checkout | None = None,
        remote: RemoteReader = OFFLINE,
        allowed_hosts: Sequence[str] = (),
    ) -> None:
        super().__init__(path, display, resolver, checkout, remote, allowed_hosts)
        self._content = content

    def read_bytes(self) -> bytes:
        if self._content is None:
            return super().read_bytes()
        return self._content

    def size(self) -> int | None:
        return super().size() if self._content is None else len(self._content)
