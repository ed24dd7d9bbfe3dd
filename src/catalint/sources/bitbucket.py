"""Descriptor files on Bitbucket Cloud: reading them through the API, resolving what they point at
(placeholders, Location targets, TechDocs folders, source locations), and linting a set of URLs
with their Location targets followed recursively."""

from __future__ import annotations

import dataclasses
import fnmatch
import posixpath
import threading
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from catalint.bitbucket.client import AUTH_FAILED, NOT_FOUND, NOT_FOUND_TEXT, OK, BitbucketClient, Reply
from catalint.bitbucket.refs import RefResolver
from catalint.bitbucket.urls import Escapes, FileLoc, is_absolute, join, parse
from catalint.config import Settings
from catalint.engine import FileResult, Options, Source, file_finding, lint_source
from catalint.resolve.placeholders import Fetched
from catalint.sources.local import FOREIGN_PLACEHOLDER, RemoteExists

MAX_DEPTH = 10
GLOB_CHARS = "*?["


def is_listing(reply: Reply) -> bool:
    """Whether a `src` answer is a folder listing rather than a file's bytes."""
    if not reply.content_type.startswith("application/json"):
        return False
    body = reply.json()
    if not isinstance(body, dict) or not isinstance(body.get("values"), list) or "pagelen" not in body:
        return False
    return all(isinstance(v, dict) and v.get("type") in ("commit_file", "commit_directory") for v in body["values"])


class RemoteContext:
    """What every remote file of a run shares: the client, ref caches, settings."""

    def __init__(self, client: BitbucketClient, settings: Settings) -> None:
        self.client = client
        self.hosts = client.hosts
        self.refs = RefResolver(client)
        self.settings = settings
        self._pool: ThreadPoolExecutor | None = None
        self._pool_lock = threading.Lock()

    def background(self) -> ThreadPoolExecutor:
        """Threads that warm the client's memo ahead of sequential checks (see `prefetch`); the
        client's own limit still bounds the requests in flight."""
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=self.client.concurrency, thread_name_prefix="prefetch")
            return self._pool

    def close(self) -> None:
        with self._pool_lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True)

    def read(self, loc: FileLoc) -> Reply:
        return self.client.get(loc.api_url(self.hosts))

    def listing(self, folder: FileLoc) -> tuple[Reply, list[dict[str, Any]]]:
        entries: list[dict[str, Any]] = []
        url = folder.api_url(self.hosts, folder=True)
        for reply, values in self.client.pages(url, {"pagelen": 100}):
            if not reply.ok:
                return reply, []
            entries.extend(v for v in values if isinstance(v, dict))
        return Reply(OK, 200), entries

    def allowed_host(self, url: str) -> bool:
        host = (urlsplit(url).hostname or "").lower()
        return any(fnmatch.fnmatch(host, str(pattern).lower()) for pattern in self.settings.trusted_hosts())


def _unavailable(reply: Reply | None, where: str) -> Fetched:
    if reply is None:
        return Fetched(status="unverified", detail="could not verify", where=where)
    if reply.outcome == NOT_FOUND:
        return Fetched(status="missing", detail=f"{where}: {NOT_FOUND_TEXT}", where=where)
    if reply.outcome == AUTH_FAILED:
        return Fetched(status="unverified", detail="", where=where)  # reported once for the run
    return Fetched(status="unverified", detail=reply.detail or "could not verify", where=where)


class RemoteSource(Source):
    def __init__(self, loc: FileLoc, ctx: RemoteContext, display: str, content: bytes | None = None) -> None:
        self.loc = loc
        self.ctx = ctx
        self.location = loc.web_url(ctx.hosts)
        self.display = display
        self._content = content

    def read_bytes(self) -> bytes:
        if self._content is not None:
            return self._content
        reply = self.ctx.read(self.loc)
        if not reply.ok:
            raise OSError(reply.detail or "could not read")
        return reply.body

    def _resolve(self, target: str, *, placeholder: bool) -> FileLoc | Fetched:
        if is_absolute(target):
            parsed = parse(target, self.ctx.hosts)
            if parsed is None:
                if self.ctx.allowed_host(target):
                    return Fetched(status="skipped", where=target)
                host = urlsplit(target).netloc
                return Fetched(
                    status="foreign",
                    detail=f"is on {host}, which is neither Bitbucket nor an allowed host; not read",
                    where=target,
                )
            if placeholder and not self.loc.same_repo(parsed):
                return Fetched(status="foreign", detail=FOREIGN_PLACEHOLDER, where=target)
            located = self.ctx.refs.locate(parsed)
            if located.loc is None:
                return _unavailable(located.failure, target)
            return located.loc
        try:
            return join(self.loc, target)
        except Escapes:
            return Fetched(status="escapes")

    def _where(self, loc: FileLoc) -> str:
        return loc.path if loc.same_repo(self.loc) else loc.web_url(self.ctx.hosts)

    def fetch(self, target: str, *, purpose: str) -> Fetched:
        resolved = self._resolve(target, placeholder=purpose == "placeholder")
        if isinstance(resolved, Fetched):
            return resolved
        where = self._where(resolved)
        reply = self.ctx.read(resolved)
        if reply.outcome == NOT_FOUND and resolved.same_repo(self.loc):
            return Fetched(status="missing", detail=f"{where} does not exist", where=where)
        if not reply.ok:
            return _unavailable(reply, where)
        if is_listing(reply):
            return Fetched(status="missing", detail=f"{where} is a folder, not a file", where=where)
        try:
            return Fetched(text=reply.body.decode("utf-8", "replace"), where=where)  # as Backstage reads it
        except UnicodeDecodeError:
            return Fetched(status="missing", detail=f"{where} is not UTF-8 text", where=where)

    def prefetch(self, targets: Sequence[str]) -> None:
        """Start reading a Location's targets in parallel; the checks that follow one by one then
        find them in the client's memo (or in flight) instead of waiting for each in turn."""
        wanted = [t for t in dict.fromkeys(targets) if not any(ch in t for ch in GLOB_CHARS)]
        if len(wanted) < 2 or self.ctx.client.concurrency < 2:
            return
        pool = self.ctx.background()
        for target in wanted[1:]:  # the first is checked right away by the caller
            pool.submit(self._warm, target)

    def _warm(self, target: str) -> None:
        resolved = self._resolve(target, placeholder=False)
        if isinstance(resolved, FileLoc):
            self.ctx.read(resolved.with_path(resolved.path.rstrip("/")))

    def exists(self, target: str, *, glob_ok: bool = False) -> tuple[Fetched, list[str]]:
        resolved = self._resolve(target, placeholder=False)
        if isinstance(resolved, Fetched):
            return resolved, []
        where = self._where(resolved)
        name = posixpath.basename(resolved.path.rstrip("/"))
        if glob_ok and any(ch in resolved.path for ch in GLOB_CHARS):
            folder = posixpath.dirname(resolved.path)
            if any(ch in folder for ch in GLOB_CHARS):
                return Fetched(status="unverified", detail="has a glob in a folder name; not expanded remotely"), []
            reply, entries = self.ctx.listing(resolved.with_path(folder))
            if reply.outcome == NOT_FOUND:
                return Fetched(status="missing", detail=f"no files match {where}", where=where), []
            if not reply.ok:
                return _unavailable(reply, where), []
            matches = sorted(
                resolved.with_path(str(e["path"])).web_url(self.ctx.hosts)
                for e in entries
                if e.get("type") == "commit_file" and fnmatch.fnmatchcase(posixpath.basename(str(e.get("path"))), name)
            )
            if not matches:
                return Fetched(status="missing", detail=f"no files match {where}", where=where), []
            return Fetched(where=where), matches
        reply = self.ctx.read(resolved.with_path(resolved.path.rstrip("/")))
        if reply.outcome == NOT_FOUND:
            detail = f"{where} does not exist" if resolved.same_repo(self.loc) else f"{where}: {NOT_FOUND_TEXT}"
            return Fetched(status="missing", detail=detail, where=where), []
        if not reply.ok:
            return _unavailable(reply, where), []
        if is_listing(reply) or resolved.path in ("", "/"):
            return Fetched(status="ok", detail="folder", where=where), [resolved.web_url(self.ctx.hosts)]
        return Fetched(where=where), [resolved.web_url(self.ctx.hosts)]


@dataclass(slots=True)
class _Item:
    url: str
    depth: int
    location_type: str
    parent: FileResult | None = None


def lint_remote(
    urls: Sequence[str],
    settings: Settings,
    client: BitbucketClient,
    *,
    style: bool = True,
    assume_placeholders: bool = False,
) -> list[FileResult]:
    """Lint Bitbucket file URLs in threads, following Location targets (depth ≤ 10, no cycles)."""
    ctx = RemoteContext(client, settings)
    base = Options.build(
        yamllint=settings.yamllint if style else None,
        max_bytes=settings.max_file_size,
        kinds=settings.kinds,
        assume_placeholders=assume_placeholders,
    )
    seen: set[tuple[str, str, str, str]] = set()
    seen_lock = threading.Lock()
    results: list[FileResult] = []
    progress = client.progress

    def key(loc: FileLoc) -> tuple[str, str, str, str]:
        return loc.workspace.lower(), loc.repo.lower(), loc.ref, loc.path

    def lint_one(item: _Item) -> FileResult | None:
        try:
            return _lint_url(item)
        finally:
            if progress is not None:
                progress.tick(client.requests_made)

    def _lint_url(item: _Item) -> FileResult | None:
        parsed = parse(item.url, ctx.hosts)
        if parsed is None:
            result = FileResult(item.url)
            result.findings.append(
                file_finding("file-unreadable", "not a Bitbucket file URL on the configured host", item.url)
            )
            return result
        located = ctx.refs.locate(parsed)
        if located.loc is None:
            return _failed(item.url, located.failure)
        loc = located.loc
        with seen_lock:
            if key(loc) in seen:
                return None
            seen.add(key(loc))
        reply = ctx.read(loc)
        if not reply.ok:
            return _failed(item.url, reply)
        if is_listing(reply):
            result = FileResult(item.url)
            result.findings.append(file_finding("file-unreadable", "the URL names a folder, not a file", item.url))
            return result
        source = RemoteSource(loc, ctx, item.url, reply.body)
        options = dataclasses.replace(base, location_type=item.location_type)
        return lint_source(source, options)

    # A work queue, not waves: a file's Location targets start as soon as it is linted, so one slow
    # Location does not hold back the rest. Results come back in breadth-first order all the same.
    Key = tuple[int, tuple[int, ...]]
    collected: list[tuple[Key, FileResult]] = []
    with ThreadPoolExecutor(max_workers=client.concurrency) as pool:
        running: dict[Future[FileResult | None], tuple[_Item, tuple[int, ...]]] = {}

        def submit(item: _Item, path: tuple[int, ...]) -> None:
            if progress is not None:
                progress.add_total(1)
            running[pool.submit(lint_one, item)] = (item, path)

        for number, url in enumerate(dict.fromkeys(urls)):
            submit(_Item(url, 0, "url"), (number,))
        while running:
            done, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for future in done:
                item, path = running.pop(future)
                result = future.result()
                if result is None:
                    continue
                collected.append(((item.depth, path), result))
                for number, child in enumerate(result.children):
                    if item.depth + 1 > MAX_DEPTH:
                        result.findings.append(
                            file_finding(
                                "unverified",
                                f"Location nesting is deeper than {MAX_DEPTH} levels; {child.location} not followed",
                                result.path,
                            )
                        )
                        continue
                    submit(_Item(child.location, item.depth + 1, child.type, result), (*path, number))
    ctx.close()
    collected.sort(key=lambda pair: pair[0])
    results.extend(result for _, result in collected)
    return results


def _failed(url: str, reply: Reply | None) -> FileResult:
    result = FileResult(url)
    if reply is None:
        result.findings.append(file_finding("unverified", "could not verify the file", url))
    elif reply.outcome == NOT_FOUND:
        result.findings.append(file_finding("file-unreadable", f"cannot read the file: {NOT_FOUND_TEXT}", url))
    elif reply.outcome != AUTH_FAILED:  # auth failures are one run-level message, not one per file
        result.findings.append(file_finding("unverified", f"{reply.detail or 'could not verify'} (the file)", url))
    return result


def remote_checker(client: BitbucketClient, settings: Settings) -> RemoteExists:
    """A `LocalSource` fallback: checks Bitbucket URLs in other repositories through `client`
    (Location targets, globs included, TechDocs folders, source locations); other URLs: None."""
    ctx = RemoteContext(client, settings)
    # Anchored nowhere, so every URL counts as another repository's (messages show the full URL).
    anchor = RemoteSource(FileLoc("", "", "", ""), ctx, "")

    def check(url: str, glob_ok: bool) -> tuple[Fetched, list[str]] | None:
        if parse(url, ctx.hosts) is None:
            return None
        return anchor.exists(url, glob_ok=glob_ok)

    return check
