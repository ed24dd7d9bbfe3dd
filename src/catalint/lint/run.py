"""A lint run over local files: find them, lint each (in parallel, through the cache), follow
Location targets, then run the checks that need every file at once."""

from __future__ import annotations

import contextlib
import dataclasses
import fnmatch
import functools
import gc
import itertools
import os
import threading
from collections import deque
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeGuard

from catalint.config import AppConfig, CatalogRule, Settings
from catalint.facts import ANYWHERE, Child, FileResult, Origin, Reference, apply_directives
from catalint.lint import cache as cachemod
from catalint.lint.fold import Fold, FoldError, part_of
from catalint.model import Finding, Relation, RunResult, Severity
from catalint.redact import redact_url
from catalint.resolve.local import find_root
from catalint.rules import duplicate_entity, unresolved_ref
from catalint.rules.catalog_rules import ID as CATALOG_RULES
from catalint.rules.unverified import NOT_VERIFIED
from catalint.sources.files import REMOTE_DEP, display_base, display_from, walk
from catalint.sources.listings import Listings

if TYPE_CHECKING:
    from concurrent.futures import Executor, Future

    from catalint.bitbucket.checkout import Checkout
    from catalint.facts import Fetched, Options
    from catalint.rules.policy import Policy
    from catalint.sources.bitbucket import RemoteLinter, RemoteRoot
    from catalint.sources.gitlist import GitListing
    from catalint.sources.local import RemoteReader

PARALLEL_THRESHOLD = 24
WAVE_BATCH = 2000  # results asked about on Bitbucket together (a run that is not offline)


class UsageError(Exception):
    pass


@dataclass(slots=True)
class Job:
    # Text, not a Path: 30,000 Paths made for a pull request's cache hits cost their parsing and
    # the interning of every folder name, and a hit only ever needs the text.
    path: str
    root: Path
    origin: Origin
    location_type: str = "url"
    real: str = ""  # the resolved path, which identifies the file across roots and Location targets
    content: bytes | None = None  # bytes given rather than read from `path` (stdin): never cached
    display: str = ""
    blob: str = ""  # the file's git blob id, where git vouches for its bytes (sources/gitlist.py)


@dataclass(frozen=True, slots=True)
class Stdin:
    """A descriptor read from stdin, linted as the file at `path` (which need not exist) would be:
    relative targets resolve from there, inside its checkout, and it stands in for that file."""

    path: Path
    display: str
    content: bytes


@dataclass(slots=True)
class LintRequest:
    paths: list[Path]
    settings: Settings
    cwd: Path
    jobs: int = 0
    cache_dir: Path | None = None
    assume_placeholders: bool = False
    style: bool = True
    app_locations: list[tuple[Path, Origin]] = field(default_factory=list)
    known_entities: frozenset[str] = frozenset()
    # Bitbucket file URLs to lint as well (the command line, workspace discovery, sync).
    urls: list[str] = field(default_factory=list)
    # The registered location (an app-config's catalog.locations entry) some of `urls` come from.
    url_origins: dict[str, Origin] = field(default_factory=dict)
    # Starts the run's Bitbucket side on first need: when `urls` are given, or a local descriptor
    # names a Bitbucket URL outside its checkout. None: the run is offline, and each such URL is
    # an `offline` finding instead.
    remote: Callable[[], RemoteLinter] | None = None
    # The Bitbucket repository a checkout root is, if any: URLs into it are read from the tree.
    checkout_for: Callable[[Path], Checkout | None] | None = None
    # Given the reference targets no linted file declares, returns those that exist elsewhere
    # (a running catalog); called once, after linting, before unresolved references are reported.
    known_lookup: Callable[[set[str]], set[str]] | None = None
    stdin: Stdin | None = None
    # Given every linted file's dependencies (display path -> what it read), the files whose
    # findings a report can show, or None for all (a pull request's run shows a few): the
    # cached findings of the others are counted, never decoded.
    shown: Callable[[Mapping[str, Iterable[str]]], Collection[str] | None] | None = None
    # The working tree's files as git lists them, for the folders it can answer for in place of
    # the walk (a run that asks git about a change anyway). Closed by the run.
    listing: GitListing | None = None


# Per-worker state, built once per process rather than once per file.
_WORKER: dict[str, Any] = {}


@dataclass(frozen=True, slots=True)
class WorkerSettings:
    """What a worker process needs of the settings; small, so it crosses processes cheaply."""

    yamllint: str | None
    max_bytes: int
    kinds: dict[str, list[str]]
    assume_placeholders: bool
    allowed_hosts: tuple[str, ...] = ()
    # True when the run has a Bitbucket side: workers then only note remote URLs (see `Deferred`).
    deferred: bool = False
    policies: tuple[Policy, ...] = ()


def _options(payload: WorkerSettings) -> Options:
    from catalint.lint.file import build_options  # the parser and the rules: only where files are linted

    cached = _WORKER.get("options")
    if cached is not None and _WORKER.get("payload") == payload:
        return cached  # type: ignore[no-any-return]
    options = build_options(
        yamllint=payload.yamllint,
        max_bytes=payload.max_bytes,
        kinds=payload.kinds,
        assume_placeholders=payload.assume_placeholders,
        policies=payload.policies,
    )
    _WORKER["options"] = options
    _WORKER["payload"] = payload
    return options


_Args = tuple[str, str, str, bytes | None, str, WorkerSettings, "Checkout | None"]
# What a worker is sent of each file: _Args without the settings, which it was given when it started.
_Item = tuple[str, str, str, bytes | None, str, "Checkout | None"]


def _start_worker(payload: WorkerSettings) -> None:
    """A pool's `initializer`: the settings arrive once per worker rather than with every file,
    and the parser and rules are loaded while the main process is still finding files."""
    from catalint.lint.workers import follow_parent

    follow_parent()
    _WORKER["settings"] = payload
    _options(payload)


def _lint_chunk(items: list[_Item]) -> list[dict[str, Any]]:
    """`_lint_here` in a worker process, for a few files at a time: each result crosses back as
    plain lists and strings."""
    payload: WorkerSettings = _WORKER["settings"]
    return [cachemod.dump(_lint_here((*item[:5], payload, item[5]))) for item in items]


def _lint_here(args: _Args, remote: RemoteReader | None = None) -> FileResult:
    path, display, root, content, location_type, payload, checkout = args
    options = dataclasses.replace(_options(payload), location_type=location_type)
    from catalint.lint.file import lint_source
    from catalint.resolve.local import LocalResolver
    from catalint.sources.local import DEFERRED, OFFLINE, PreloadedSource

    reader = remote or (DEFERRED if payload.deferred else OFFLINE)
    resolvers: dict[str, LocalResolver] = _WORKER.setdefault("resolvers", {})
    if root not in resolvers:
        resolvers[root] = LocalResolver(Path(root))  # resolving the root stats each of its folders
    source = PreloadedSource(Path(path), display, resolvers[root], content, checkout, reader, payload.allowed_hosts)
    result = lint_source(source, options)
    result.deps = source.deps
    return result


def _roots(request: LintRequest) -> list[tuple[Path, bool, Origin]]:
    roots: list[tuple[Path, bool, Origin]] = []
    for raw in request.paths:
        path = raw if raw.is_absolute() else request.cwd / raw
        if not path.exists():
            raise UsageError(f"{raw}: no such file or folder")
        roots.append((path, path.is_file(), Origin()))
    for path, origin in request.app_locations:
        roots.append((path, True, origin))
    return roots


class _Folders:
    """The checkout root and real path of each folder of the paths a run is given, worked out once
    per folder: given 30,000 files (a pull request's list), resolving each afresh stats every
    component of its path some twenty times over."""

    def __init__(self) -> None:
        self.roots: dict[Path, Path] = {}
        self.reals: dict[Path, str] = {}

    def root(self, folder: Path) -> Path:
        if folder not in self.roots:
            self.roots[folder] = find_root(folder)
        return self.roots[folder]

    def real(self, path: Path) -> str:
        """`os.path.realpath(path)`, from its folder's when the file itself is no symlink."""
        if os.path.islink(path):
            return os.path.realpath(path)
        folder = path.parent
        if folder not in self.reals:
            self.reals[folder] = os.path.realpath(folder)
        return os.path.join(self.reals[folder], path.name)


def _memo_input() -> Callable[[str], object] | None:
    """What the run's memo (lint/memo.py) is told of a folder the walk answered from its kept
    listing: an input as if listed, as its audit hook notes a listing, so that the memo is not
    replayed once the folder changes."""
    from catalint.lint import memo

    recorder = memo.ACTIVE
    if recorder is None:
        return None
    return lambda folder: recorder.audit("os.scandir", (folder,))


def _stdin_job(stdin: Stdin) -> Job:
    # The named folder may not exist yet (a new service in an editor): its repository is still above it.
    root = find_root(stdin.path.parent)
    return Job(str(stdin.path), root, Origin(), "url", os.path.realpath(stdin.path), stdin.content, stdin.display)


def _stat_id(real: str, display: str, location_type: str, base: str, place: str) -> str:
    """What a file's stat record in the cache is filed under: the file, as shown, where (its
    checkout root and the Bitbucket repository that is: `_LocalRun.place`), as what. The record
    names the file's key, trusted without being made again (a hash per file), so the id holds
    all the key holds but the bytes: else a checkout whose `origin` changed, or a file found
    under another root (`lint . inner`, then `lint inner .`), would be answered with results
    made elsewhere. The real path is left out (empty) where it is `base` (the working
    directory's, as `display_from` has it, which names the pack) joined with the path shown:
    most files, whose ids were a twentieth of a warm run's peak at 30,000 files. The type, which
    a Location entity names, comes last: it may hold anything."""
    if len(real) == len(base) + len(display) and real.startswith(base) and real.endswith(display):
        real = ""
    return "\0".join((real, display, place, location_type))


def _listed(request: LintRequest, folder: Path) -> list[tuple[str, str, str]] | None:
    """The descriptors under `folder` as git lists them, where it can stand for the walk (which
    knows no include or exclude pattern)."""
    settings = request.settings
    if request.listing is None or settings.include or settings.exclude:
        return None
    return request.listing.descriptors(folder)


def discover(
    request: LintRequest, roots: list[tuple[Path, bool, Origin]], seen: set[str], listings: Listings | None = None
) -> Iterator[Job]:
    """The files of `roots` as they are found (each real path once, noted in `seen`), so that the
    first can be linted while the walk goes on. `listings`: the walk's kept folder listings."""
    if request.stdin:
        # First, so that the file on disk it stands for is not linted as well.
        job = _stdin_job(request.stdin)
        seen.add(job.real)
        yield job
    folders = _Folders()
    for path, is_file, origin in roots:
        root = folders.root(path if path.is_dir() else path.parent)
        location_type = origin.type if origin.target else "url"
        listed = _listed(request, path) if not is_file else None
        if listed is not None:
            for candidate, key, blob in listed:
                if key not in seen:
                    seen.add(key)
                    yield Job(candidate, root, origin, location_type, key, blob=blob)
            continue
        candidates = (
            [(str(path), folders.real(path))]
            if is_file
            else walk(path, request.settings.include, request.settings.exclude, listings)
        )
        for candidate, key in candidates:
            if key not in seen:
                seen.add(key)
                yield Job(candidate, root, origin, location_type, key)
    if listings is not None:
        listings.complete = True
        listings.save()


class _LocalRun:
    """The state of one run over local files: the cache, the files seen, the worker pool."""

    def __init__(self, request: LintRequest) -> None:
        settings = request.settings
        self.request = request
        self.payload = WorkerSettings(
            settings.yamllint if request.style else None,
            settings.max_file_size,
            settings.kinds,
            request.assume_placeholders,
            tuple(settings.trusted_hosts()),
            request.remote is not None,
            settings.policies,
        )
        self.fingerprint = (
            settings.fingerprint()
            + ("-assume" if request.assume_placeholders else "")
            + ("" if request.style else "-nostyle")
        )
        roots = [str(p) for p in request.paths] + [str(p) for p, _ in request.app_locations]
        name = cachemod.pack_name(self.fingerprint, roots, str(request.cwd))
        # (lazy: a run that may report only some files reads the pack's fold for the others)
        lazy = request.shown is not None
        self.store = cachemod.ResultCache(request.cache_dir, name, lazy=lazy) if request.cache_dir else None
        # Kept in the cache folder, under the pack's name: `--no-cache` keeps none, and clearing
        # the cache clears it.
        self.listings = Listings(request.cache_dir / "listings" / name, _memo_input()) if request.cache_dir else None
        self.checkouts: dict[Path, Checkout | None] = {}
        self.roots: dict[Path, None] = {}  # the roots of every file linted, in order
        self.home = find_root(request.cwd)
        self.pool: Executor | None = None
        self.display = display_from(request.cwd)
        self.base = display_base(request.cwd)
        # Results looked up ahead by blob id while git went through the tree (`look_ahead`): real
        # path -> (stat id, blob, result, key), taken by `cached`; what is left is given back.
        self.ahead: dict[str, tuple[str, str, FileResult, str]] = {}
        self.places: dict[Path, str] = {}  # see `place`

    def place(self, root: Path) -> str:
        """Where the results of files under the checkout `root` are made, as keys hold it: the
        Bitbucket repository it is ("" for none; a URL into it is read from the tree) and the
        root itself, shown as files are ("" for the working directory; a target may leave it)."""
        place = self.places.get(root)
        if place is None:
            checkout = self.checkout_of(root)
            shown = "" if root == self.request.cwd else self.display(root)
            place = self.places[root] = (checkout.key if checkout is not None else "") + "\0" + shown
        return place

    def checkout_of(self, root: Path) -> Checkout | None:
        if self.request.checkout_for is None:
            return None
        if root not in self.checkouts:
            self.checkouts[root] = self.request.checkout_for(root)
        return self.checkouts[root]

    def cached(self, job: Job, display: str) -> tuple[FileResult | None, str, bytes | None]:
        """A cached result for `job`, or the content key and bytes to lint it and store it under."""
        store = self.store
        if store is None:
            return None, "", None
        stat_id = _stat_id(job.real, display, job.location_type, self.base, self.place(job.root))
        ahead = self.taken_ahead(job, stat_id) if self.ahead else None
        if ahead is not None:
            return ahead[0], ahead[1], None
        if job.blob:
            # Bytes git vouches for: their key is known without stating or reading the file.
            vouched = store.vouched(stat_id, job.blob, display, lambda: self.key_of(job.blob, job, display))
            if vouched is not None:
                return vouched[0], vouched[1], None
        signature = cachemod.stat_signature(job.path)
        # (a file git vouches for whose key found nothing: its stat record may not outvote git)
        found = store.unchanged(stat_id, signature, display) if signature and not job.blob else None
        if found is not None:
            return found[0], found[1], None
        if signature and int(signature[: signature.find(" ")]) > self.payload.max_bytes:
            return None, "", None  # too large to read for a cache key; linting says so unread
        try:
            with open(job.path, "rb") as handle:
                content = handle.read()
        except OSError:
            return None, "", None
        blob = cachemod.blob_id(content)
        key = self.key_of(blob, job, display)
        hit = store.get(key, display)
        if signature:
            store.remember_stat(stat_id, signature, key, blob)
        return hit, key, content

    def look_ahead(self, listing: GitListing) -> None:
        """Look up the result of every file git's index lists under a walked root, by its blob
        id, while `git status` still goes through the tree: most are the files `discover` will
        find, git vouching for their bytes, and `cached` takes them from here. The others (a
        file changed or gone since the index had it) are given back."""
        store, settings = self.store, self.request.settings
        if store is None or settings.include or settings.exclude:
            return
        for path, is_file, origin in _roots(self.request):
            if is_file or origin.target:
                continue
            root = find_root(path)
            for file, real, blob in listing.early(path):
                display = self.display(file)
                # (a walked root's files: see `discover`)
                stat_id = _stat_id(real, display, "url", self.base, self.place(root))
                found = store.vouched(stat_id, blob, display, functools.partial(self._key, blob, root, "url", display))
                if found is not None:
                    self.ahead[real] = (stat_id, blob, found[0], found[1])

    def taken_ahead(self, job: Job, stat_id: str) -> tuple[FileResult, str] | None:
        """`job`'s result and key as looked up ahead, if it was and git vouches for the same
        bytes; one looked up for other bytes (or as another kind of file) is given back first,
        so that the lookups that follow see the pack as it was."""
        ahead = self.ahead.pop(job.real, None)
        if ahead is None:
            return None
        if job.blob and ahead[0] == stat_id and ahead[1] == job.blob:
            return ahead[2], ahead[3]
        if self.store is not None:
            self.store.unget(ahead[0], ahead[3])
        return None

    def give_back(self) -> None:
        """Return to the cache the results looked up ahead that no file of the run took."""
        if self.store is not None:
            for stat_id, _, _, key in self.ahead.values():
                self.store.unget(stat_id, key)
        self.ahead = {}

    def key_of(self, blob: str, job: Job, display: str) -> str:
        """The cache key of `job`'s file with the bytes of `blob`: those, where it is, and as what."""
        return self._key(blob, job.root, job.location_type, display)

    def _key(self, blob: str, root: Path, location_type: str, display: str) -> str:
        where = display + "\0" + location_type + "\0" + self.place(root)
        return cachemod.key_for_blob(blob, where, self.fingerprint)

    def lint(self, work: list[tuple[Job, str, bytes | None]], remote: RemoteReader) -> list[FileResult]:
        """Lint (job, display path, bytes read for the cache key) in threads of this process,
        where the network client lives."""
        args = [self.args(job, display, content) for job, display, content in work]
        if len(args) <= 1:
            return [_lint_here(a, remote) for a in args]
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=min(8, len(args))) as threads:
            return list(threads.map(functools.partial(_lint_here, remote=remote), args))

    def args(self, job: Job, display: str, content: bytes | None) -> _Args:
        return (job.path, display, str(job.root), content, job.location_type, self.payload, self.checkout_of(job.root))

    @functools.cached_property
    def workers(self) -> int:
        return self.request.jobs or (os.cpu_count() or 1)

    def submit(self, slots: list[_Slot]) -> Future[list[dict[str, Any]]]:
        """Send `slots` to the worker pool (started on first need) to be linted together."""
        if self.pool is None:
            # Imported here: multiprocessing is a noticeable part of start-up, and small or fully
            # cached runs never need it.
            from concurrent.futures import ProcessPoolExecutor

            self.pool = ProcessPoolExecutor(self.workers, initializer=_start_worker, initargs=(self.payload,))
        items = [(*self.args(s.job, s.display, s.content)[:5], self.checkout_of(s.job.root)) for s in slots]
        for slot in slots:
            slot.content = None  # the worker has its copy
        return self.pool.submit(_lint_chunk, items)

    def slot(self, job: Job, alone: bool = False) -> _Slot | FileResult:
        """`job` as it enters the line: with its cached result, or what linting it needs. `alone`:
        no file waits before it, so a cached result is handed on as it is."""
        self.roots.setdefault(job.root, None)
        display = job.display or self.display(job.path)
        if job.content is not None:
            return _Slot(job, display, content=job.content)
        hit, key, content = self.cached(job, display)
        if hit is not None and alone:
            return hit
        return _Slot(job, display, key, content, hit, linted=hit is None)

    def done(self, slot: _Slot) -> tuple[Job, FileResult]:
        result = slot.result
        assert result is not None
        if slot.linted and self.store is not None and slot.key and not any(d.startswith(REMOTE_DEP) for d in result.deps):
            self.store.put(slot.key, result)
        return slot.job, _compact(result)

    def wave(self, pending: Iterable[Job]) -> Iterator[tuple[Job, FileResult]]:
        """Lint `pending` (from the cache where possible) as the files are found, and hand each
        result on in their order as soon as it and those before it are ready: the workers start
        on the first files while the walk goes on, and the main process takes in results while
        they work rather than after."""
        line = _Line(self)
        if self.store is not None:
            # Read before the first file is found: a run whose files git lists reads the pack
            # while git goes through the tree.
            self.store.load()
        listing = self.request.listing
        if listing is not None and listing.busy():
            # (meanwhile: the results of the files git's index lists, and the parser and the
            # rules for those that changed)
            self.look_ahead(listing)
            _options(self.payload)
        for number, job in enumerate(pending):
            slot = self.slot(job, alone=not line.slots)
            if not isinstance(slot, _Slot):
                # A cached result with none waiting before it: handed on at once, with no slot (a
                # pull request's run is 30,000 of these and three files to lint).
                yield job, _compact(slot)
                continue
            line.add(slot)
            if number % 16 == 0:  # often enough to keep up with the workers
                yield from line.ready()
        line.flush()
        yield from line.ready(wait=True)
        self.give_back()

    def with_network(self, wave: list[tuple[Job, FileResult]], remote: RemoteReader) -> list[tuple[Job, FileResult]]:
        """`wave` with the files that named Bitbucket URLs linted again, this time asking Bitbucket."""
        again = [i for i, (_, result) in enumerate(wave) if _remote_deps(result)]
        if not again:
            return wave
        work: list[tuple[Job, str, bytes | None]] = [(wave[i][0], wave[i][1].path, wave[i][0].content) for i in again]
        fresh = self.lint(work, remote)
        out = list(wave)
        for i, result in zip(again, fresh, strict=True):
            out[i] = (wave[i][0], result)
        return out

    def locate(self, url: str) -> tuple[Path, Path] | None:
        """(path, checkout root) when `url` points into a checkout this run lints locally (or the
        working directory's repository), whether or not that path exists."""
        for root in (*self.roots, self.home):
            checkout = self.checkout_of(root)
            inside = checkout.path_in(url) if checkout is not None else None
            if checkout is None or inside is None or not inside[1]:
                continue
            return Path(checkout.root) / inside[0], Path(checkout.root)
        return None

    def divert(self, url: str) -> tuple[Path, Path] | None:
        """`locate`, for a file that is there."""
        found = self.locate(url)
        return found if found is not None and found[0].is_file() else None

    def tree(self, url: str) -> Path | None:
        found = self.locate(url)
        return found[0] if found is not None else None

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown()
        if self.store is not None:
            self.store.save()
        if self.listings is not None:
            self.listings.save()


CHUNK = 48  # files per task sent to a worker: few enough to keep both busy to the end
IN_FLIGHT = 4  # tasks queued per worker before the main process waits for the oldest


@dataclass(slots=True)
class _Slot:
    """A file of a wave, from when it is found until its result is handed on."""

    job: Job
    display: str
    key: str = ""  # the cache key to store its result under ("": not cached)
    content: bytes | None = None  # bytes read for the cache key, until sent to be linted
    result: FileResult | None = None
    linted: bool = True  # False: the result came from the cache
    chunk: _Chunk | None = None


@dataclass(slots=True)
class _Chunk:
    future: Future[list[dict[str, Any]]]
    slots: list[_Slot]

    def fill(self) -> None:
        for slot, data in zip(self.slots, self.future.result(), strict=True):
            slot.result = cachemod.load(data)
        self.slots = []


class _Line:
    """The files of a wave in the order they were found: cached results, files waiting to be
    sent, and files out with the workers. Files are sent a chunk at a time as they come, and
    the pool is started only once there are enough of them to be worth it."""

    def __init__(self, run: _LocalRun) -> None:
        self.run = run
        self.slots: deque[_Slot] = deque()
        self.waiting: list[_Slot] = []
        self.parallel = run.workers > 1
        self.out = 0  # chunks with the workers, not yet taken in

    def add(self, slot: _Slot) -> None:
        self.slots.append(slot)
        if slot.result is not None:
            return
        if not self.parallel:
            slot.result = _lint_here(self.run.args(slot.job, slot.display, slot.content))
            return
        self.waiting.append(slot)
        if len(self.waiting) >= CHUNK:
            self._send(self.waiting)
            self.waiting = []

    def flush(self) -> None:
        """The files still waiting: to the pool if it is worth starting, else linted here."""
        waiting, self.waiting = self.waiting, []
        if self.run.pool is None and len(waiting) < PARALLEL_THRESHOLD:
            for slot in waiting:
                slot.result = _lint_here(self.run.args(slot.job, slot.display, slot.content))
            return
        # The last of the wave, shared out so that no worker is left with all of it.
        share = max(1, -(-len(waiting) // self.run.workers))
        for start in range(0, len(waiting), share):
            self._send(waiting[start : start + share])

    def _send(self, slots: list[_Slot]) -> None:
        chunk = _Chunk(self.run.submit(slots), slots)
        for slot in slots:
            slot.chunk = chunk
        self.out += 1

    def ready(self, wait: bool = False) -> Iterator[tuple[Job, FileResult]]:
        """The results at the front of the line that are in: with `wait`, every one (after
        `flush`); else without waiting, unless too many chunks are out already."""
        slots = self.slots
        while slots:
            head = slots[0]
            if head.result is None:
                chunk = head.chunk
                if chunk is None:
                    return  # waiting to be sent with the files after it
                if not (wait or chunk.future.done() or self.out > IN_FLIGHT * self.run.workers):
                    return
                chunk.fill()
                self.out -= 1
            slots.popleft()
            yield self.run.done(head)


# Shared by the results that have none of these (most files): an empty frozenset alone is 216
# bytes, and a run holds every result until its cross-file checks. Results are read, never
# written to, once received.
_NO_RULES: frozenset[str] = frozenset()
_NO_LINES: dict[int, frozenset[str]] = {}
_NO_DEPS: dict[str, str | None] = {}
_NO_CHILDREN: list[Child] = []


def _compact(result: FileResult) -> FileResult:
    """`result` with shared empties, as the run keeps it until the end."""
    if not result.disabled_file:
        result.disabled_file = _NO_RULES
    if not result.disabled:
        result.disabled = _NO_LINES
    if not result.deps:
        result.deps = _NO_DEPS
    if not result.children:
        result.children = _NO_CHILDREN
    return result


def _remote_deps(result: FileResult) -> bool:
    """Whether `result` read a Bitbucket URL."""
    return bool(result.deps) and any(d.startswith(REMOTE_DEP) for d in result.deps)


def _followed(results: list[tuple[Job, FileResult]], seen: set[str]) -> tuple[list[Job], list[RemoteRoot]]:
    """The files this wave's Location entities point at, not linted yet: local, and on Bitbucket."""
    from catalint.resolve.local import is_absolute_url

    pending: list[Job] = []
    remote: list[RemoteRoot] = []
    for job, result in results:
        for child in result.children:
            if is_absolute_url(child.location):
                remote.append(_remote_root(child.location, child.type, job.origin, result.path))
                continue
            real = os.path.realpath(child.location)
            if real in seen or not Path(child.location).is_file():
                continue
            seen.add(real)
            pending.append(Job(str(Path(child.location)), job.root, job.origin, child.type, real))
    return pending, remote


def _remote_root(url: str, location_type: str = "url", origin: Origin = ANYWHERE, via: str = "") -> RemoteRoot:
    from catalint.sources.bitbucket import RemoteRoot

    return RemoteRoot(url, location_type, origin, via)


def run(request: LintRequest) -> RunResult:
    """One lint run: local files in waves, Bitbucket files as they are reached, then the checks
    that need every file at once."""
    if request.urls and request.remote is None:
        raise UsageError("Bitbucket URLs cannot be linted offline; drop --offline or the URLs")
    with quiet_gc(off=not request.urls and (request.jobs or os.cpu_count() or 1) > 1):
        return _Run(request).run()


@contextlib.contextmanager
def quiet_gc(off: bool = False) -> Iterator[None]:
    """A run allocates millions of small objects and frees few cycles: the collector's default
    thresholds had it walk the growing heap again and again (4% of a run at 2,000 files, 12%
    at 30,000). Objects from before the run (modules, settings) are moved out of its sight.

    `off`: no collections at all until the run ends, for a run whose files are linted by worker
    processes. The main process then makes next to no cycles (some 50 objects' worth at 10,000
    files), and even young collections cost 8% of its time at 30,000 files. Linting itself
    leaves cycles behind (a hostile file's errors, ~20 objects each), so a run that lints here
    keeps collecting."""
    before = gc.get_threshold()
    enabled = gc.isenabled()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 50, 1000)
    if off:
        gc.disable()
    try:
        yield
    finally:
        if off:
            # What the run made is all still young: frozen and thawed, it joins the oldest
            # generation, rather than be walked whole by the next young collection (the report's).
            gc.freeze()
        if enabled:
            gc.enable()
        gc.set_threshold(*before)
        gc.unfreeze()


GC_THRESHOLD = 100_000  # allocations between young collections (default 700)


class _Run:
    """The files of one run, local and remote, in the order they were linted, with the origin
    each was reached through."""

    def __init__(self, request: LintRequest) -> None:
        from catalint.redact import strip_userinfo  # a password in a URL is never echoed

        self.request = request
        self.local = _LocalRun(request)
        self.remote: RemoteLinter | None = None
        self.seen: set[str] = set()
        # The first wave is the files found as the walk goes; later ones, the Location targets they name.
        self.found: Iterator[Job] | None = discover(request, _roots(request), self.seen, self.local.listings)
        self.pending: list[Job] = []
        self.asked = {strip_userinfo(url): url for url in request.urls}
        self.roots = [
            _remote_root(url, "url", request.url_origins.get(given, ANYWHERE)) for url, given in self.asked.items()
        ]
        self.files: list[FileResult] = []
        self.origins: list[Origin] = []
        self.where: dict[str, int] = {}  # a local file's real path -> its index in `files`
        self.reached_from: dict[str, str] = {}  # a remote file -> the local descriptor that led there

    def network(self) -> RemoteLinter:
        if self.remote is None:
            assert self.request.remote is not None
            self.remote = self.request.remote()
        return self.remote

    def run(self) -> RunResult:
        try:
            while self.found is not None or self.pending or self.roots:
                if self.found is not None or self.pending:
                    self.local_wave()
                if self.roots:
                    self.remote_wave()
        finally:
            self.local.close()
            if self.request.listing is not None:
                self.request.listing.close()
            if self.remote is not None:
                self.remote.close()
        return self.finish()

    def local_wave(self) -> None:
        wave = self.local.wave(self.found if self.found is not None else self.pending)
        self.found, self.pending = None, []
        parents: list[tuple[Job, FileResult]] = []  # the files with Location targets
        while group := list(itertools.islice(wave, WAVE_BATCH)):
            if self.request.remote is not None:
                group = self.local.with_network(group, _LazyReader(self.network))
            for job, result in group:
                self.where[job.real] = len(self.files)
                self.files.append(result)
                self.origins.append(job.origin)
                if result.children:
                    parents.append((job, result))
        # Followed once the wave is found whole: a target the walk also reaches is linted as found.
        self.pending, more = _followed(parents, self.seen)
        self.roots.extend(more)

    def remote_wave(self) -> None:
        # URLs into a checkout of this run are read from its working tree, roots and targets alike.
        away = [root for root in self.roots if not self.divert(root)]
        self.roots = []
        if not away:
            return
        found, self.roots = self.network().lint(away, tree=self.local.tree)
        for result, root in found:
            self.files.append(result)
            self.origins.append(root.origin)
            if root.via:
                self.reached_from[result.path] = root.via

    def divert(self, root: RemoteRoot) -> bool:
        """Whether `root` names a local file: then it is linted there (or its origin noted)."""
        hit = self.local.divert(root.url)
        if hit is None:
            return False
        real = os.path.realpath(hit[0])
        if real in self.where:
            if self.origins[self.where[real]] == ANYWHERE:
                self.origins[self.where[real]] = root.origin
        elif real not in self.seen:
            self.seen.add(real)
            self.pending.append(Job(str(hit[0]), hit[1], root.origin, root.location_type, real))
        return True

    def finish(self) -> RunResult:
        request, files = self.request, self.files
        known = request.known_entities
        if request.known_lookup is not None:
            declared = {entity.key for result in files for entity in result.declared} | known
            missing = {ref.target for result in files for ref in result.references} - declared
            if missing:
                known = known | frozenset(request.known_lookup(missing) & missing)
        reals = {files[index].path: real for real, index in self.where.items()}
        store = self.local.store
        lazy = (store.served_lazily, store.fold) if store is not None and store.served_lazily else None
        outcome = finish(files, self.origins, request.settings, known, request.shown, release=True, reals=reals, lazy=lazy)
        outcome.reached_from = self.reached_from
        for file in files:
            if file.path in self.asked and file.digest is None:
                outcome.unreadable[file.path] = next((f.message for f in file.findings), "could not be read")
        self.files, self.origins = [], []
        return outcome


class _LazyReader:
    """Starts the run's Bitbucket side only when a file really asks about a URL."""

    def __init__(self, start: Callable[[], RemoteLinter]) -> None:
        self._start = start
        self._reader: RemoteReader | None = None
        self._failure: BaseException | None = None
        self._lock = threading.Lock()

    def _get(self) -> RemoteReader:
        with self._lock:
            if self._failure is not None:
                # Start once: credentials that failed are said once, not once per file.
                raise self._failure
            if self._reader is None:
                try:
                    self._reader = self._start().reader()
                except BaseException as err:
                    self._failure = err
                    raise
            return self._reader

    def exists(self, url: str, glob_ok: bool) -> tuple[Fetched, list[str]]:
        return self._get().exists(url, glob_ok)

    def fetch(self, url: str, purpose: str) -> Fetched:
        return self._get().fetch(url, purpose)

    def prefetch(self, urls: Sequence[str]) -> None:
        self._get().prefetch(urls)


def finish(
    files: Sequence[FileResult],
    origins: Sequence[Origin],
    settings: Settings,
    known: frozenset[str] = frozenset(),
    shown: Callable[[Mapping[str, Iterable[str]]], Collection[str] | None] | None = None,
    *,
    release: bool = False,
    reals: dict[str, str] | None = None,
    lazy: tuple[Sequence[cachemod.CachedResult], Fold] | None = None,
) -> RunResult:
    """The run's result: every file's findings with the cross-file ones, as the settings have
    them. With `release`, each file gives up what the result has taken from it (a file that
    could not be read keeps its findings), so that the run does not hold both at once.
    `reals`: a local file's real path by display path, for `shown` (see `Linted`). `lazy`: the
    results the cache served with their index encoded, and the fold of them all (lint/fold.py)."""
    run_result = RunResult(files=len(files))
    linted = run_result.deps = Linted(reals or {})
    for result in files:
        linted[result.path] = list(result.deps) if result.deps else _NO_PATHS
    reported = shown(linted) if shown is not None else None
    folded = _Folded.of(files, lazy, reported, settings) or _Folded(Fold(), files)
    read = folded.read  # the files whose results are read one by one
    counted = _counted_paths(read, reported)
    declared = unresolved_ref.declared_keys(read, known) | folded.declared()
    # (catalog rules judge each file by its origin: a run that checks them reads every file)
    by_path = _cross_findings(read, origins if read is files else (), settings, known, counted, declared)
    unresolved = _unresolved_counts(read, counted, declared)
    severities = _Severities(settings)
    run_result.elided, elided_unverified = folded.count(declared, severities)
    unbuilt: list[tuple[int, FileResult]] = []
    relations_of: list[tuple[str, list[Reference] | FileResult]] = []
    run_result.defer_relations(lambda: _relations(relations_of))
    for result in files:
        if cachemod.is_lazy(result):  # (its findings are counted with the fold's)
            unbuilt.append((len(run_result.built_documents), result))
            relations_of.append((result.path, result))
        else:
            cross = by_path.get(result.path, [])
            if reported is not None and result.path not in reported and _still_encoded(result):
                count, unverified = _count_unshown(result, cross, severities)
                more, more_unverified = _count_unresolved(unresolved.get(result.path, 0), severities)
                run_result.elided += count + more
                elided_unverified += unverified + more_unverified
            else:
                _add_findings(run_result, result, cross, settings)
            _add_file(run_result, result, relations_of, release)
        if result.digest is not None:
            run_result.digests[result.path] = result.digest
    # (the fold's entities, not `folded`'s: that holds every result of the run)
    run_result.unbuilt_documents, run_result.unbuilt_entities = unbuilt, folded.fold.entities
    run_result.findings.sort(key=Finding.sort_key)
    run_result.unverified = sum(1 for f in run_result.findings if f.rule in NOT_VERIFIED) + elided_unverified
    return run_result


class _Folded:
    """The files served with their index encoded that a run's report does not show, summed by the
    pack's fold (lint/fold.py) rather than read one by one; `read`, the run's other files."""

    def __init__(self, fold: Fold, read: Sequence[FileResult]) -> None:
        self.fold = fold
        self.read = read

    @classmethod
    def of(
        cls,
        files: Sequence[FileResult],
        lazy: tuple[Sequence[cachemod.CachedResult], Fold] | None,
        reported: Collection[str] | None,
        settings: Settings,
    ) -> _Folded | None:
        """The fold of the lazy `files` that stay so (None: none do, every result is read). A file
        the report shows is decoded, and so is each that declares an entity another file does
        too: the duplicate's finding names the first copy, in the run's order."""
        if lazy is None:
            return None
        served, fold = lazy
        waiting: dict[str, cachemod.CachedResult] = {r.path: r for r in served if cachemod.is_lazy(r)}
        # (catalog rules judge every entity by its origin; two files of one path: not told apart)
        folded = None
        if reported is not None and not _app_config_given(settings) and len(waiting) == len(served):
            taken = [waiting.pop(path) for path in reported if path in waiting]
            for result in taken:
                cachemod.decode_index(result)
            read = _read(files)
            more = _read_declarers(read, fold, waiting)
            try:
                for result in [*taken, *more]:
                    fold.remove(part_of(result))
                folded = cls(fold, _read(files) if more else read)
            except FoldError:  # (not the sum of what it stands for: every result is read instead)
                pass
        if folded is None:
            for result in served:
                cachemod.decode_index(result)
        return folded

    def declared(self) -> set[str]:
        return set(self.fold.declared)

    def count(self, declared: set[str], severities: _Severities) -> tuple[int, int]:
        """What `_count_unshown` and `_count_unresolved` would give the folded files together:
        their findings the settings show, and of them the unverified ones."""
        count = unverified = 0
        for (rule, severity), n in self.fold.tally.items():
            if severities.shown(rule, severity):
                count += n
                unverified += n if rule in NOT_VERIFIED else 0
        more, more_unverified = _count_unresolved(
            sum(n for target, n in self.fold.targets.items() if target not in declared), severities
        )
        # Each declaration of an entity after its first is a duplicate's finding; those of the
        # entities no other file declares are all folded files' (the others were decoded).
        copies = sum(self.fold.declared.values()) - len(self.fold.declared)
        if copies and severities.shown(duplicate_entity.ID, int(duplicate_entity.SEVERITY)):
            more += copies
            more_unverified += copies if duplicate_entity.ID in NOT_VERIFIED else 0
        return count + more, unverified + more_unverified


def _read(files: Sequence[FileResult]) -> list[FileResult]:
    """The files whose results are not lazy, in the run's order."""
    return [result for result in files if not cachemod.is_lazy(result)]


def _read_declarers(
    read: Sequence[FileResult], fold: Fold, waiting: dict[str, cachemod.CachedResult]
) -> list[cachemod.CachedResult]:
    """Decode each folded file (of `waiting`, by path) that declares an entity a `read` file
    declares, and so on with its own entities (an entity only folded files declare is counted
    as a duplicate, see `_Folded.count`); they are returned."""
    keys = [entity.key for result in read for entity in result.declared if entity.key in fold.declared]
    if not keys:
        return []  # (a change that declares what no unchanged file does: most)
    # Who declares what, from the entries' headers (their indexes stay encoded).
    declarers: dict[str, list[str]] = {}
    for path, result in waiting.items():
        for key in cachemod.declared_keys(result):
            declarers.setdefault(key, []).append(path)
    taken = []
    while keys:
        for path in declarers.get(keys.pop(), ()):
            if path in waiting:
                found = waiting.pop(path)
                cachemod.decode_index(found)
                taken.append(found)
                keys.extend(entity.key for entity in found.declared)
    return taken


def _add_file(
    run_result: RunResult, result: FileResult, relations_of: list[tuple[str, list[Reference] | FileResult]], release: bool
) -> None:
    """A read file's documents and references (made relations only if a report or check reads
    them); with `release`, the file lets go of them."""
    run_result.built_documents.extend(result.documents)
    if result.references:
        # (`_release` lets go of the file's list, not the list)
        relations_of.append((result.path, result.references))
    if release:
        _release(result)


def _relations(references: list[tuple[str, list[Reference] | FileResult]]) -> Iterator[Relation]:
    """`FileResult.relations` of each file, from its path and references (or its result, whose
    references are decoded now)."""
    for path, refs in references:
        for r in cachemod.references_of(refs) if isinstance(refs, FileResult) else refs:
            yield Relation(r.entity, r.field, r.target, path, r.span.line)


def _cross_findings(
    files: Sequence[FileResult],
    origins: Sequence[Origin],
    settings: Settings,
    known: frozenset[str],
    counted: set[str],
    declared: set[str],
) -> dict[str, list[Finding]]:
    """The cross-file findings by path, but for the unresolved references of `counted` paths."""
    built = [result for result in files if result.path not in counted] if counted else files
    cross: Iterable[Finding] = itertools.chain(
        duplicate_entity.check_run(files, duplicate_entity.SEVERITY),
        unresolved_ref.check_run(built, unresolved_ref.SEVERITY, known, declared),
        _catalog_rules(files, origins, settings.app) if _app_config_given(settings) else (),
    )
    # Taken one at a time, each message shared as it is made: a list of them all first, each
    # with its own copy of its message, was the peak of a run at 30,000 files.
    by_path: dict[str, list[Finding]] = {}
    for finding in _shared_messages(cross):
        by_path.setdefault(finding.path, []).append(finding)
    return by_path


def _unresolved_counts(files: Sequence[FileResult], counted: set[str], declared: set[str]) -> dict[str, int]:
    """Of each counted path: its unresolved references, never made findings."""
    unresolved: dict[str, int] = {}
    for result in files:
        if result.path in counted:
            unresolved[result.path] = unresolved.get(result.path, 0) + unresolved_ref.count(result, declared)
    return unresolved


def _count_unresolved(unresolved: int, severities: _Severities) -> tuple[int, int]:
    """`_count_unshown` for a counted path's unresolved references (no directive silences them)."""
    if not unresolved or not severities.shown(unresolved_ref.ID, int(unresolved_ref.SEVERITY)):
        return 0, 0
    return unresolved, unresolved if unresolved_ref.ID in NOT_VERIFIED else 0


class Linted(dict[str, list[str]]):
    """A run's `deps` (display path -> what the file read), with the real path of each local
    file as the walk found it: a pull request's selection then matches 30,000 files to the
    change by their real paths, rather than stat each again."""

    __slots__ = ("reals",)

    def __init__(self, reals: dict[str, str]) -> None:
        super().__init__()
        self.reals = reals


def _counted_paths(files: Sequence[FileResult], reported: Collection[str] | None) -> set[str]:
    """The paths whose findings the report cannot show and that no directive silences: their
    unresolved references are counted, never made findings (a catalog of 30,000 files can have
    70,000 of them, and a pull request shows a handful)."""
    if reported is None:
        return set()
    counted: set[str] = set()
    made: set[str] = set()
    for result in files:
        plain = not (result.disabled or result.disabled_file)
        (counted if plain and result.path not in reported and _still_encoded(result) else made).add(result.path)
    return counted - made


_NO_PATHS: list[str] = []  # the dependencies of most files; read, never written to


def _shared_messages(findings: Iterable[Finding]) -> Iterator[Finding]:
    """`findings` with one copy of each message: thousands of references to one missing owner
    all say the same, and the run holds every finding until it is reported."""
    messages: dict[str, str] = {}
    for f in findings:
        message = messages.setdefault(f.message, f.message)
        yield f if message is f.message else Finding(f.rule, f.severity, message, f.path, f.span, f.document, f.entity)


def _release(result: FileResult) -> None:
    result.documents, result.references, result.declared = [], [], []
    if result.digest is not None:
        result.findings = []


def _add_findings(run_result: RunResult, result: FileResult, cross: list[Finding], settings: Settings) -> None:
    result.findings = list(result.findings) + cross
    for finding in apply_directives(result):
        severity = settings.severity_for(finding.rule, finding.severity)
        if severity is None:
            continue
        if severity != finding.severity:
            finding = dataclasses.replace(finding, severity=severity)
        if "@" in finding.message:
            # A target written with `user:password@` must not carry it into any report.
            finding = dataclasses.replace(finding, message=redact_url(finding.message))
        run_result.findings.append(finding)
    if result.lines:
        # Every file's, not only those with findings now: pull-request mode adds findings later.
        run_result.lines[result.path] = result.lines


def _still_encoded(result: FileResult) -> TypeGuard[cachemod.CachedResult]:
    return isinstance(result, cachemod.CachedResult) and not result.decoded


class _Severities:
    """`settings.severity_for`, asked once per rule and severity: counting a file's findings
    rather than building them asks about every one."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.known: dict[tuple[str, int], bool] = {}

    def shown(self, rule: str, severity: int) -> bool:
        key = (rule, severity)
        if key not in self.known:
            self.known[key] = self.settings.severity_for(rule, Severity(severity)) is not None
        return self.known[key]


def _count_unshown(result: cachemod.CachedResult, cross: list[Finding], severities: _Severities) -> tuple[int, int]:
    """How many findings (and of them, unverified ones) `_add_findings` would add for `result`,
    from its tally rather than its findings: the same directives, then the same severities."""
    count = unverified = 0
    for rule, severity, n in result.tally:
        if severities.shown(rule, severity):
            count += n
            unverified += n if rule in NOT_VERIFIED else 0
    if cross and (result.disabled or result.disabled_file):
        cross = list(apply_directives(FileResult(result.path, findings=cross, disabled=result.disabled, disabled_file=result.disabled_file)))
    for finding in cross:
        if severities.shown(finding.rule, int(finding.severity)):
            count += 1
            unverified += finding.rule in NOT_VERIFIED
    return count, unverified


def _app_config_given(settings: Settings) -> bool:
    return settings.app.given


_DEFAULT_RULE = CatalogRule([("Component", None), ("API", None), ("Location", None)])


def _rule_matches(rule: CatalogRule, kind: str, spec_type: str | None, origin: Origin) -> bool:
    if rule.locations is not None:
        ok = False
        for loc in rule.locations:
            if str(loc.get("type", "")) != origin.type:
                continue
            if "exact" in loc and loc["exact"] == origin.target:
                ok = True
            if "pattern" in loc and fnmatch.fnmatch(origin.target.lower(), str(loc["pattern"]).lower()):
                ok = True
        if not ok:
            return False
    for allowed_kind, allowed_type in rule.allow:
        if allowed_kind.lower() != kind.lower():
            continue
        if allowed_type is None or (spec_type is not None and allowed_type.lower() == spec_type.lower()):
            return True
    return False


def _catalog_rules(files: Sequence[FileResult], origins: Sequence[Origin], app: AppConfig) -> Iterable[Finding]:
    rules = app.rules if app.rules is not None else [_DEFAULT_RULE]
    for result, origin in zip(files, origins, strict=False):
        local = [CatalogRule([(k, None) for k in origin.allow])] if origin.allow else []
        for entity in result.declared:
            if any(_rule_matches(r, entity.kind, entity.spec_type, origin) for r in (*rules, *local)):
                continue
            where = f" from {origin.type}:{origin.target}" if origin.target else ""
            yield Finding(
                CATALOG_RULES,
                Severity.ERROR,
                f"{entity.kind} entities are not allowed by catalog.rules{where}; Backstage would refuse {entity.key}",
                result.path,
                entity.span,
                entity.document,
                entity.key,
            )
