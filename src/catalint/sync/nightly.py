"""The nightly at scale: a workspace linted incrementally, within the rate limit, in shards.

A run discovers the workspace (code search), lists its repositories (`updated_on`), and lints
only the files whose repositories — their own and every one their Bitbucket URLs name — changed
since the state recorded them; every other file's result is taken from the state, findings
included. The run-level checks (duplicates, references, catalog rules) always run over all of
them. When the request budget or the rate limit runs out, what was verified is kept and the rest
is `unverified`; the next run goes on from there. `--shard I/N` keeps the repositories of shard I
(a stable hash of the repository), and the JSON report carries what `catalint merge` needs to
give one run's result from N of them.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalint import __version__
from catalint.bitbucket.discovery import DiscoveryResult, Listing, discover, list_repositories, parse_shard
from catalint.bitbucket.urls import parse
from catalint.facts import ANYWHERE, FileResult, Origin
from catalint.lint import cache as cachemod
from catalint.rules import unverified
from catalint.sources.bitbucket import MAX_DEPTH, RemoteLinter, RemoteRoot
from catalint.sync.discovery import Discovered
from catalint.sync.state import NightlyState, Stored, load_state

if TYPE_CHECKING:
    from catalint.bitbucket.client import BitbucketClient
    from catalint.config import Settings

SECTION_VERSION = 1
_URL = re.compile(r"""https?://[^\s"'<>()\[\]{},`]+""")
Pair = tuple[FileResult, RemoteRoot]


@dataclass(frozen=True, slots=True)
class NightlyOptions:
    """How the nightly of `lint --workspace` runs: where its state lives, when to re-check all."""

    state_path: Path | None = None
    full: bool = False
    full_every: int = 0  # re-check everything every N runs (0: only with --full)
    shard: tuple[int, int] | None = None
    # The state file was named (--state): one written for other settings is then worth a warning;
    # the default one in the cache folder is simply started afresh.
    named: bool = False


def origin_json(origin: Origin) -> list[Any]:
    return [origin.type, origin.target, list(origin.allow) if origin.allow is not None else None]


def origin_of(value: Any) -> Origin:
    if not isinstance(value, list) or len(value) != 3:
        return ANYWHERE
    kind, target, allow = value
    return Origin(str(kind), str(target), tuple(str(a) for a in allow) if isinstance(allow, list) else None)


def verified(result: FileResult) -> bool:
    """Whether `result` says something definite about its file (read, or definitely absent) and
    about everything it points at: only then may a later run reuse it."""
    return not any(f.rule == unverified.ID for f in result.findings)


def repos_named(text: str, own: str, settings_web: Callable[[str], str | None]) -> set[str]:
    """The repositories a file may read: its own and each one a Bitbucket URL in it names. Relative
    targets cannot leave a repository, so absolute URLs are all there is to find."""
    named = {own}
    for match in _URL.finditer(text):
        repo = settings_web(match.group(0).rstrip(".;:"))
        if repo is not None:
            named.add(repo)
    return named


class SectionError(ValueError):
    """A `nightly` section that cannot be read: one line."""


# A file of a section: its result as linted (a `lint.cache` dump), its origin, its depth from a root.
FileEntry = tuple[dict[str, Any], Origin, int]


@dataclass(slots=True)
class Section:
    """What a run's JSON report carries (its `nightly` key) for `catalint merge` and `sync --from`:
    written by a workspace run and by merge, read by merge and `sync --from`."""

    workspace: str
    shard: tuple[int, int] | None
    discovery: Discovered
    files: dict[str, FileEntry] = field(default_factory=dict)  # by path
    stopped: str | None = None
    pending: list[str] = field(default_factory=list)

    @classmethod
    def from_json(cls, data: Any, name: str) -> Section:
        """The `nightly` section of the JSON result `data` (read from `name`), or SectionError."""
        section = data.get("nightly") if isinstance(data, dict) else None
        if not isinstance(section, dict):
            raise SectionError(f"{name} is not the JSON result of `catalint lint --workspace` (no nightly section)")
        if section.get("version") != SECTION_VERSION:
            raise SectionError(f"{name}: nightly section version {section.get('version')!r}; this catalint reads {SECTION_VERSION}")
        found = section.get("discovery")
        found = found if isinstance(found, dict) else {}
        stopped = section.get("stopped")
        return cls(
            str(section.get("workspace") or ""),
            _shard_of_json(name, section.get("shard")),
            Discovered(_strings(found.get("urls")), found.get("complete") is True, _strings(found.get("errors"))),
            _files_of_json(name, section.get("files")),
            stopped if isinstance(stopped, str) else None,
            _strings(section.get("pending")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": SECTION_VERSION,
            "workspace": self.workspace,
            "shard": list(self.shard) if self.shard else None,
            "discovery": {
                "urls": list(self.discovery.urls),
                "complete": self.discovery.complete,
                "errors": list(self.discovery.errors),
            },
            "stopped": self.stopped,
            "pending": self.pending,
            "files": [
                {"result": dump, "origin": origin_json(origin), "depth": depth}
                for _, (dump, origin, depth) in sorted(self.files.items(), key=lambda kv: (kv[1][2], kv[0]))
            ],
        }


def _strings(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _shard_of_json(name: str, raw: Any) -> tuple[int, int] | None:
    """The section's `[I, N]`, held to `--shard`'s own rule: a shard 0/0 or 5/4 would make an incomplete
    union look complete, and a prune follow from it."""
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and all(type(v) is int for v in raw)):
        raise SectionError(f"{name}: the nightly section's shard is not [I, N]: {raw!r}")
    try:
        return parse_shard(f"{raw[0]}/{raw[1]}")
    except ValueError as err:
        raise SectionError(f"{name}: {err}") from None


def _files_of_json(name: str, raw: Any) -> dict[str, FileEntry]:
    files: dict[str, FileEntry] = {}
    for entry in raw if isinstance(raw, list) else []:
        if not isinstance(entry, dict):
            continue
        result, depth = entry.get("result"), entry.get("depth")
        if not isinstance(result, dict) or not isinstance(result.get("path"), str) or type(depth) is not int:
            raise SectionError(f"{name}: a file entry of the nightly section is damaged")
        files[result["path"]] = (result, origin_of(entry.get("origin")), depth)
    return files


def _loaded(stored: Stored | None) -> FileResult | None:
    """A stored result, or None when there is none or it is damaged (the file is read again)."""
    if stored is None:
        return None
    try:
        return cachemod.load(stored.result)
    except (KeyError, TypeError, ValueError, IndexError, AttributeError):
        return None


class Nightly:
    """The incremental side of one `lint --workspace` run."""

    def __init__(
        self,
        options: NightlyOptions,
        workspace: str,
        settings: Settings,
        *,
        flavour: str,
        warn: Callable[[str], None],
    ) -> None:
        self.options = options
        self.workspace = workspace
        self.settings = settings
        self.flavour = flavour  # what else shapes results: style, placeholders
        self.warn = warn
        self.state = NightlyState()
        self.this_run = 1
        self.listing = Listing(complete=False)
        self.found = DiscoveryResult(complete=False)
        self.section = Section(workspace, options.shard, Discovered([], complete=False))
        self.recorded: set[str] = set()
        self.requests = {"reused": 0, "linted": 0}
        self._repos: dict[str, set[str]] = {}  # a freshly linted file -> the repositories it may read
        self._taken: set[str] = set()  # stored results handed to the linter in place of a lint
        # A reused result, and its stored dump: the section takes the dump rather than dumping the
        # result again, night after night (results taken by the linter are dumped: it may add to them).
        self._kept: dict[str, tuple[FileResult, dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._web: Callable[[str], str | None] = lambda url: None

    # ------------------------------------------------------------- the run
    def fingerprint(self, client: BitbucketClient) -> str:
        parts = [
            __version__,
            cachemod.FORMAT,
            self.settings.fingerprint(),
            self.flavour,
            client.hosts.web,
            client.credentials.method,
            self.workspace.lower(),
            json.dumps(self.options.shard),
        ]
        return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]

    def discover(self, client: BitbucketClient) -> list[str]:
        """The run's roots: the shard's descriptors, those the last run left unverified first."""
        hosts = client.hosts

        def repo_of(url: str) -> str | None:
            parsed = parse(url, hosts)
            return parsed.full_name.lower() if parsed is not None else None

        self._web = repo_of
        self.state, warning = load_state(self.options.state_path, self.fingerprint(client))
        if warning and (self.options.named or "other settings" not in warning):
            self.warn(warning)
        self.this_run = self.state.run + 1
        every = self.options.full_every
        if self.options.full or (every and self.this_run - self.state.full_from >= every):
            self.state.full_from = self.this_run
        found = discover(client, self.workspace, shard=self.options.shard)
        self.found = found
        self.section.discovery = Discovered(found.urls, found.complete, found.errors)
        if note := found.shard_note():
            self.warn(note)
        if self.options.state_path is not None:
            # Only a state to compare with makes the listing worth its requests.
            self.listing = list_repositories(client, self.workspace)
            if not self.listing.complete:
                self.warn(f"listing the repositories of {self.workspace} failed ({self.listing.error}); nothing is reused")
        discovered = set(found.urls)
        first = [u for u in dict.fromkeys(self.state.pending) if u in discovered]
        rest = discovered - set(first)
        return first + [u for u in found.urls if u in rest]

    def version(self, repo: str) -> str | None:
        """What the repository looks like now, or None when this run cannot tell."""
        if not self.listing.complete or repo not in self.listing.updated:
            return None
        return f"{self.listing.updated[repo]}|{self.found.hashes.get(repo, '')}"

    def reusable(self, url: str) -> Stored | None:
        stored = self.state.files.get(url)
        if stored is None or stored.run < self.state.full_from:
            return None
        if not stored.versions or any(self.version(r) != v for r, v in stored.versions.items()):
            return None
        return stored

    # ------------------------------------------------------ one lint call
    def split(
        self, roots: Sequence[RemoteRoot], tree: Callable[[str], Path | None]
    ) -> tuple[list[tuple[Pair, int]], list[RemoteRoot], list[RemoteRoot]]:
        """(stored results still valid, with their depth; roots to lint; targets in a checkout)."""
        reused: list[tuple[Pair, int]] = []
        dirty: list[RemoteRoot] = []
        diverted: list[RemoteRoot] = []
        queue: deque[tuple[RemoteRoot, int]] = deque((root, 0) for root in roots)
        seen: set[str] = set()
        while queue:
            root, depth = queue.popleft()
            if root.url in seen:
                continue
            seen.add(root.url)
            stored = self.reusable(root.url)
            result = _loaded(stored)
            if stored is None or result is None:
                dirty.append(root)
                continue
            self._kept[root.url] = (result, stored.result)
            reused.append(((result, root), depth))
            self.recorded.add(root.url)
            for child in result.children:
                child_root = RemoteRoot(child.location, child.type, root.origin, root.via)
                local = tree(child.location)
                if local is not None and local.is_file():
                    diverted.append(child_root)
                elif depth + 1 <= MAX_DEPTH:
                    queue.append((child_root, depth + 1))
        self.requests["reused"] += len(reused)
        return reused, dirty, diverted

    def take_stored(self, url: str) -> FileResult | None:
        """The stored result for `url` when it is still valid (once per run), else None."""
        with self._lock:
            if url in self._taken:
                return None
            result = _loaded(self.reusable(url))
            if result is None:
                return None
            self._taken.add(url)
            self.recorded.add(url)
            self.requests["reused"] += 1
        return result

    def note_read(self, url: str, text: str) -> None:
        own = self._web(url)
        if own is not None:
            self._repos[url] = repos_named(text, own, self._web)

    def combine(self, roots: Sequence[RemoteRoot], reused: list[tuple[Pair, int]], fresh: list[Pair]) -> list[Pair]:
        """Stored and fresh results as one list (a fresh result wins), in (depth, URL) order — the
        order a single job and a merge of shards both give, so duplicates resolve alike."""
        by_path: dict[str, Pair] = {pair[0].path: pair for pair, _ in reused}
        for pair in fresh:
            by_path[pair[0].path] = pair
            self._record(pair[0])
        depth = _depths([r.url for r in roots], {path: pair[0] for path, pair in by_path.items()})
        for (result, _), stored_depth in reused:
            depth.setdefault(result.path, stored_depth)
        pairs = sorted(by_path.values(), key=lambda pair: (depth.get(pair[0].path, MAX_DEPTH + 1), pair[0].path))
        for result, root in pairs:
            kept = self._kept.get(result.path)
            dump = kept[1] if kept is not None and kept[0] is result else cachemod.dump(result)
            self.section.files[result.path] = (dump, root.origin, depth.get(result.path, MAX_DEPTH + 1))
        return pairs

    def _record(self, result: FileResult) -> None:
        if result.path in self._taken:
            return  # reused: its stored entry stands
        self.requests["linted"] += 1
        repos = self._repos.get(result.path)
        if repos is None or not verified(result):
            return
        versions = {repo: self.version(repo) for repo in sorted(repos)}
        if any(v is None for v in versions.values()):
            return  # this run cannot tell what it was valid for: the next one checks it again
        self.state.files[result.path] = Stored(cachemod.dump(result), {k: str(v) for k, v in versions.items()}, self.this_run)
        self.recorded.add(result.path)

    # ------------------------------------------------------------ the end
    def finish(self, client: BitbucketClient) -> None:
        """Record the run: what it verified, where the next one starts, why it stopped."""
        stopped = client.stop.reason if client.stop is not None else None
        self.section.stopped = stopped
        self.section.pending = [u for u in self.section.discovery.urls if u not in self.recorded]
        state = self.state
        state.run = self.this_run
        state.stopped = stopped
        state.pending = self.section.pending
        whole = self.section.discovery.complete and stopped is None
        if whole:
            # A complete picture: files no run reaches any more are forgotten.
            state.files = {url: s for url, s in state.files.items() if url in self.recorded}
        for url, (_, _, depth) in self.section.files.items():
            if url in state.files:
                state.files[url].depth = depth
        if self.options.state_path is not None:
            try:
                state.save(self.options.state_path)
            except OSError as err:
                self.warn(f"could not write the nightly state {self.options.state_path}: {err.strerror or err}")


def _depths(roots: Sequence[str], results: dict[str, FileResult]) -> dict[str, int]:
    depth: dict[str, int] = {}
    queue: deque[str] = deque()
    for url in roots:
        if url in results and url not in depth:
            depth[url] = 0
            queue.append(url)
    while queue:
        url = queue.popleft()
        for child in results[url].children:
            if child.location in results and child.location not in depth:
                depth[child.location] = depth[url] + 1
                queue.append(child.location)
    return depth


class IncrementalLinter(RemoteLinter):
    """A `RemoteLinter` that lints only what the nightly's state cannot vouch for."""

    def __init__(
        self,
        client: BitbucketClient,
        settings: Settings,
        nightly: Nightly,
        *,
        style: bool = True,
        assume_placeholders: bool = False,
    ) -> None:
        super().__init__(client, settings, style=style, assume_placeholders=assume_placeholders)
        self.nightly = nightly

    def lint(
        self, roots: Sequence[RemoteRoot], tree: Callable[[str], Path | None] | None = None
    ) -> tuple[list[Pair], list[RemoteRoot]]:
        if tree is not None:
            self.ctx.tree = tree
        reused, dirty, diverted = self.nightly.split(roots, self.ctx.tree)
        fresh: list[Pair] = []
        more: list[RemoteRoot] = []
        if dirty:
            fresh, more = super().lint(dirty, tree)
        return self.nightly.combine(roots, reused, fresh), diverted + more

    def _lint_url(self, root: RemoteRoot) -> FileResult | None:
        # A clean target of a Location being linted again (its repository did not change, the
        # Location's did) is taken from the state like any other clean file.
        stored = self.nightly.take_stored(root.url)
        if stored is not None:
            return stored
        result = super()._lint_url(root)
        if result is not None and result.digest is not None:
            # The bytes were just read: the client answers from its memo, without a request.
            parsed = parse(root.url, self.ctx.hosts)
            located = self.ctx.refs.locate(parsed) if parsed is not None else None
            reply = self.ctx.read(located.loc) if located is not None and located.loc is not None else None
            if reply is not None and reply.ok:
                self.nightly.note_read(result.path, reply.body.decode("utf-8", "replace"))
        return result
