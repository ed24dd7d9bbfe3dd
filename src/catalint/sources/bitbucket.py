"""Descriptor files on Bitbucket Cloud: reading them through the API, resolving what they point at
(placeholders, Location targets, TechDocs folders, source locations), and linting a set of URLs
with their Location targets followed recursively."""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import posixpath
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from catalint.bitbucket.client import AUTH_FAILED, NOT_FOUND, NOT_FOUND_TEXT, OK, BitbucketClient, Reply
from catalint.bitbucket.refs import RefResolver
from catalint.bitbucket.urls import (
    HASH,
    Escapes,
    FileLoc,
    ParsedUrl,
    backstage_reading,
    is_absolute,
    join,
    parse,
)
from catalint.config import Settings
from catalint.facts import ANYWHERE, Fetched, FetchStatus, FileResult, Origin, Source
from catalint.lint.file import build_options, file_finding, lint_source
from catalint.redact import strip_userinfo
from catalint.rules import file_unreadable, path_escape, unverified
from catalint.sources.local import FOREIGN_PLACEHOLDER, not_read_on, unreadable_target

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
        # Where a URL into a checkout of this run lies in its working tree (None: not into one);
        # remote files that point back into the checkout are answered from the tree, as local ones are.
        self.tree: Callable[[str], Path | None] = lambda url: None
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


def _read_tree(path: Path, where: str) -> Fetched:
    """A URL into the checkout, read from the working tree with the guards and the decoding a
    local target gets (a FIFO never blocks the run), so it has the answer Bitbucket would give."""
    if (refused := unreadable_target(path, where)) is not None:
        return refused
    try:
        return Fetched(text=path.read_bytes().decode("utf-8", "replace"), where=where)  # as Backstage reads it
    except IsADirectoryError:
        return Fetched(status=FetchStatus.MISSING, detail=f"{where} is a folder, not a file", where=where)
    except OSError:
        return Fetched(status=FetchStatus.MISSING, detail=f"{where} does not exist in the checkout", where=where)


def _unavailable(reply: Reply | None, where: str) -> Fetched:
    if reply is None:
        return Fetched(status=FetchStatus.UNVERIFIED, detail="could not verify", where=where)
    if reply.outcome == NOT_FOUND:
        return Fetched(status=FetchStatus.MISSING, detail=f"{where}: {NOT_FOUND_TEXT}", where=where)
    if reply.outcome == AUTH_FAILED:
        return Fetched(status=FetchStatus.UNVERIFIED, detail="", where=where)  # reported once for the run
    return Fetched(status=FetchStatus.UNVERIFIED, detail=reply.detail or "could not verify", where=where)


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
        resolved, _ = self._resolve_noted(target, placeholder=placeholder)
        return resolved

    def _resolve_noted(self, target: str, *, placeholder: bool) -> tuple[FileLoc | Fetched, str]:
        """The location `target` names, and how Backstage would read it differently ("" if not)."""
        if not is_absolute(target):
            try:
                return join(self.loc, target), ""
            except Escapes:
                return Fetched(status=FetchStatus.ESCAPES), ""
        parsed = parse(target, self.ctx.hosts)
        located = self._resolve_absolute(target, parsed, placeholder=placeholder)
        note = ""
        if isinstance(located, FileLoc) and parsed is not None:
            branch = located.at if located.at is not None else located.ref
            commit = located.ref if HASH.fullmatch(located.ref) else None
            note = backstage_reading(parsed, branch, located.path, self.ctx.hosts.web, commit)
        return located, note

    def _resolve_absolute(self, target: str, parsed: ParsedUrl | None, *, placeholder: bool) -> FileLoc | Fetched:
        if parsed is None:
            if self.ctx.allowed_host(target):
                return Fetched(status=FetchStatus.OFFLINE, detail=not_read_on(target), where=target)
            host = (urlsplit(target).hostname or "").lower()  # never its `user:password@`
            return Fetched(
                status=FetchStatus.FOREIGN,
                detail=f"is on {host or target}, which is neither Bitbucket nor an allowed host; not read",
                where=target,
            )
        if parsed.escapes:
            return Fetched(status=FetchStatus.ESCAPES)
        if placeholder and not self.loc.same_repo(parsed):
            return Fetched(status=FetchStatus.FOREIGN, detail=FOREIGN_PLACEHOLDER, where=target)
        located = self.ctx.refs.locate(parsed)
        if located.loc is None:
            return _unavailable(located.failure, target)
        return located.loc

    def _where(self, loc: FileLoc) -> str:
        return loc.path if loc.same_repo(self.loc) else loc.web_url(self.ctx.hosts)

    def _in_tree(self, target: str) -> Path | None:
        return self.ctx.tree(target) if is_absolute(target) else None

    def fetch(self, target: str, *, purpose: str) -> Fetched:
        local = self._in_tree(target)
        if local is not None:
            return _read_tree(local, target)
        resolved, note = self._resolve_noted(target, placeholder=purpose == "placeholder")
        fetched = self._fetch(resolved)
        return dataclasses.replace(fetched, note=note) if note else fetched

    def _fetch(self, resolved: FileLoc | Fetched) -> Fetched:
        if isinstance(resolved, Fetched):
            return resolved
        where = self._where(resolved)
        reply = self.ctx.read(resolved)
        if reply.outcome == NOT_FOUND and resolved.same_repo(self.loc):
            return Fetched(status=FetchStatus.MISSING, detail=f"{where} does not exist", where=where)
        if not reply.ok:
            return _unavailable(reply, where)
        if is_listing(reply):
            return Fetched(status=FetchStatus.MISSING, detail=f"{where} is a folder, not a file", where=where)
        return Fetched(text=reply.body.decode("utf-8", "replace"), where=where)  # as Backstage reads it

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
        local = self._in_tree(target)
        if local is not None and not any(ch in target for ch in GLOB_CHARS):
            if local.is_file():
                return Fetched(where=target), [target]
            if local.is_dir():
                return Fetched(status=FetchStatus.OK, detail="folder", where=target), [target]
            return Fetched(status=FetchStatus.MISSING, detail=f"{target} does not exist in the checkout", where=target), []
        resolved, note = self._resolve_noted(target, placeholder=False)
        fetched, matches = self._exists(resolved, glob_ok)
        return (dataclasses.replace(fetched, note=note) if note else fetched), matches

    def _exists(self, resolved: FileLoc | Fetched, glob_ok: bool) -> tuple[Fetched, list[str]]:
        if isinstance(resolved, Fetched):
            return resolved, []
        where = self._where(resolved)
        if glob_ok and any(ch in resolved.path for ch in GLOB_CHARS):
            return self._glob(resolved, where)
        reply = self.ctx.read(resolved.with_path(resolved.path.rstrip("/")))
        if reply.outcome == NOT_FOUND:
            detail = f"{where} does not exist" if resolved.same_repo(self.loc) else f"{where}: {NOT_FOUND_TEXT}"
            return Fetched(status=FetchStatus.MISSING, detail=detail, where=where), []
        if not reply.ok:
            return _unavailable(reply, where), []
        if is_listing(reply) or resolved.path in ("", "/"):
            return Fetched(status=FetchStatus.OK, detail="folder", where=where), [resolved.web_url(self.ctx.hosts)]
        return Fetched(where=where), [resolved.web_url(self.ctx.hosts)]

    def _glob(self, pattern: FileLoc, where: str) -> tuple[Fetched, list[str]]:
        """The files a glob in the last segment matches, from one listing of its folder."""
        name = posixpath.basename(pattern.path.rstrip("/"))
        folder = posixpath.dirname(pattern.path)
        if any(ch in folder for ch in GLOB_CHARS):
            return Fetched(status=FetchStatus.UNVERIFIED, detail="has a glob in a folder name; not expanded remotely"), []
        reply, entries = self.ctx.listing(pattern.with_path(folder))
        if reply.outcome == NOT_FOUND:
            return Fetched(status=FetchStatus.MISSING, detail=f"no files match {where}", where=where), []
        if not reply.ok:
            return _unavailable(reply, where), []
        matches = sorted(
            pattern.with_path(str(e["path"])).web_url(self.ctx.hosts)
            for e in entries
            if e.get("type") == "commit_file" and fnmatch.fnmatchcase(posixpath.basename(str(e.get("path"))), name)
        )
        if not matches:
            return Fetched(status=FetchStatus.MISSING, detail=f"no files match {where}", where=where), []
        return Fetched(where=where), matches


@dataclass(frozen=True, slots=True)
class RemoteRoot:
    """A Bitbucket file to lint: named on the command line, discovered, or a Location's target."""

    url: str
    location_type: str = "url"
    origin: Origin = ANYWHERE
    via: str = ""  # the local descriptor whose Location led here, if any (pull requests scope by it)


@dataclass(slots=True)
class _Item:
    root: RemoteRoot
    depth: int


Key = tuple[str, str, str, str]


class RemoteLinter:
    """Lints Bitbucket files in threads, following Location targets (depth ≤ 10, no cycles), and
    answers local descriptors' questions about Bitbucket URLs (`reader`). One per run: files seen
    by one call are not linted again by the next, so cycles through local files end too."""

    def __init__(
        self, client: BitbucketClient, settings: Settings, *, style: bool = True, assume_placeholders: bool = False
    ) -> None:
        self.client = client
        self.ctx = RemoteContext(client, settings)
        self.options = build_options(
            yamllint=settings.yamllint if style else None,
            max_bytes=settings.max_file_size,
            kinds=settings.kinds,
            assume_placeholders=assume_placeholders,
            policies=settings.policies,
        )
        self._seen: set[Key] = set()
        self._seen_lock = threading.Lock()

    def reader(self) -> RemoteChecker:
        return RemoteChecker(self.ctx)

    def close(self) -> None:
        self.ctx.close()

    def lint(
        self, roots: Sequence[RemoteRoot], tree: Callable[[str], Path | None] | None = None
    ) -> tuple[list[tuple[FileResult, RemoteRoot]], list[RemoteRoot]]:
        """(results with the root each was reached as, in breadth-first order; the targets that are
        files of a local checkout (`tree` says where), which the caller lints itself)."""
        if tree is not None:
            self.ctx.tree = tree
        client = self.client
        progress = client.progress
        diverted: list[RemoteRoot] = []

        def lint_one(item: _Item) -> FileResult | None:
            try:
                return self._lint_url(item.root)
            finally:
                if progress is not None:
                    progress.tick(client.requests_made)

        # A work queue, not waves: a file's Location targets start as soon as it is linted, so one
        # slow Location does not hold back the rest. Results come back in breadth-first order.
        Order = tuple[int, tuple[int, ...]]
        collected: list[tuple[Order, FileResult, RemoteRoot]] = []
        with ThreadPoolExecutor(max_workers=client.concurrency) as pool:
            running: dict[Future[FileResult | None], tuple[_Item, tuple[int, ...]]] = {}

            def submit(item: _Item, path: tuple[int, ...]) -> None:
                if progress is not None:
                    progress.add_total(1)
                running[pool.submit(lint_one, item)] = (item, path)

            for number, root in enumerate(dict.fromkeys(roots)):
                submit(_Item(root, 0), (number,))
            while running:
                done, _ = wait(list(running), return_when=FIRST_COMPLETED)
                for future in done:
                    item, path = running.pop(future)
                    result = future.result()
                    if result is None:
                        continue
                    origin = item.root.origin
                    collected.append(((item.depth, path), result, item.root))
                    for number, child in enumerate(result.children):
                        child_root = RemoteRoot(child.location, child.type, origin, item.root.via)
                        local = self.ctx.tree(child.location)
                        if local is not None and local.is_file():
                            diverted.append(child_root)
                            continue
                        if item.depth + 1 > MAX_DEPTH:
                            result.findings.append(
                                file_finding(
                                    unverified.ID,
                                    f"Location nesting is deeper than {MAX_DEPTH} levels; {child.location} not followed",
                                    result.path,
                                )
                            )
                            continue
                        submit(_Item(child_root, item.depth + 1), (*path, number))
        collected.sort(key=lambda entry: entry[0])
        return [(result, root) for _, result, root in collected], diverted

    def _lint_url(self, root: RemoteRoot) -> FileResult | None:
        ctx = self.ctx
        parsed = parse(root.url, ctx.hosts)
        if parsed is None:
            result = FileResult(root.url)
            result.findings.append(
                file_finding(file_unreadable.ID, "not a Bitbucket file URL on the configured host", root.url)
            )
            return result
        if parsed.escapes:
            result = FileResult(root.url)
            result.findings.append(file_finding(path_escape.ID, "the URL's path leaves its repository; not read", root.url))
            return result
        located = ctx.refs.locate(parsed)
        if located.loc is None:
            return _failed(root.url, located.failure)
        loc = located.loc
        key = (loc.workspace.lower(), loc.repo.lower(), loc.ref, loc.path)
        with self._seen_lock:
            if key in self._seen:
                return None
            self._seen.add(key)
        reply = ctx.read(loc)
        if not reply.ok:
            return _failed(root.url, reply)
        if is_listing(reply):
            result = FileResult(root.url)
            result.findings.append(file_finding(file_unreadable.ID, "the URL names a folder, not a file", root.url))
            return result
        source = RemoteSource(loc, ctx, root.url, reply.body)
        result = lint_source(source, dataclasses.replace(self.options, location_type=root.location_type))
        result.digest = hashlib.sha256(reply.body).hexdigest()  # sync notices edits by it
        return result


def lint_remote(
    urls: Sequence[str],
    settings: Settings,
    client: BitbucketClient,
    *,
    style: bool = True,
    assume_placeholders: bool = False,
) -> list[FileResult]:
    """Lint Bitbucket file URLs and the Location targets behind them (see `RemoteLinter`)."""
    linter = RemoteLinter(client, settings, style=style, assume_placeholders=assume_placeholders)
    try:
        pairs, _ = linter.lint([RemoteRoot(strip_userinfo(url)) for url in urls])
    finally:
        linter.close()
    return [result for result, _ in pairs]


def _failed(url: str, reply: Reply | None) -> FileResult:
    result = FileResult(url)
    if reply is None:
        result.findings.append(file_finding(unverified.ID, "could not verify the file", url))
    elif reply.outcome == NOT_FOUND:
        result.findings.append(file_finding(file_unreadable.ID, f"cannot read the file: {NOT_FOUND_TEXT}", url))
    elif reply.outcome != AUTH_FAILED:  # auth failures are one run-level message, not one per file
        result.findings.append(file_finding(unverified.ID, f"{reply.detail or 'could not verify'} (the file)", url))
    return result


class RemoteChecker:
    """A `RemoteReader` for local descriptors: Bitbucket URLs outside the checkout are checked
    through the run's client (Location targets, globs included, placeholders, TechDocs folders,
    source locations); hosts that are not Bitbucket get what remote descriptors get."""

    def __init__(self, ctx: RemoteContext) -> None:
        # Anchored nowhere, so every URL counts as another repository's (messages show the full URL);
        # whether a placeholder may read it is for the local source to say, which knows its checkout.
        self.anchor = RemoteSource(FileLoc("", "", "", ""), ctx, "")

    def exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]:
        return self.anchor.exists(url, glob_ok=glob_ok)

    def fetch(self, url: str, purpose: str) -> Fetched:
        return self.anchor.fetch(url, purpose="read")

    def prefetch(self, urls: Sequence[str]) -> None:
        self.anchor.prefetch(urls)
