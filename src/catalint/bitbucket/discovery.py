"""Find every catalog descriptor in a Bitbucket Cloud workspace.

Code search (`"<name>" path:<catalog-path> project:KEY`) runs once per project; a slice whose
results reach the API's 1,000-result cap is split again per repository. Content-only hits (empty
`path_matches`) are dropped, as Backstage drops them. When search is unavailable or finds
nothing, every repository is listed and the catalog path probed on its main branch.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

from catalint.bitbucket.client import NOT_FOUND, OK, BitbucketClient, Reply, page_problem, unexpected
from catalint.bitbucket.urls import parse
from catalint.words import counted

SEARCH_CAP = 1000


@dataclass(slots=True)
class DiscoveryResult:
    urls: list[str] = field(default_factory=list)
    complete: bool = True
    errors: list[str] = field(default_factory=list)
    method: str = "search"
    # Per repository ("workspace/slug", lowercased): the commit hashes code search gave for its
    # descriptors, a hint that its content changed (the index may lag; `updated_on` is the other).
    hashes: dict[str, str] = field(default_factory=dict)
    shard: tuple[int, int] | None = None  # (I, N): only repositories of shard I of N were kept
    other_shards: set[str] = field(default_factory=set)  # repositories seen that the other shards check

    def shard_note(self) -> str | None:
        """What a shard left to the others, said so that no descriptor goes unchecked unnoticed."""
        if self.shard is None:
            return None
        i, n = self.shard
        others = counted(len(self.other_shards), "repository", "repositories")
        return f"shard {i}/{n}: {others} seen here belong to the other shards and are left to them"


def shard_of(full_name: str, count: int) -> int:
    """The shard (1..count) a repository belongs to: a hash of its lowercased full name, so adding
    repositories never moves the others."""
    digest = hashlib.sha256(full_name.strip().lower().encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count + 1


def parse_shard(text: str) -> tuple[int, int]:
    """`I/N` with 1 <= I <= N; ValueError with a message otherwise."""
    index, sep, count = text.partition("/")
    if not sep or not index.strip().isdigit() or not count.strip().isdigit():
        raise ValueError(f"expected I/N such as 1/4, found {text!r}")
    i, n = int(index), int(count)
    if n < 1 or not 1 <= i <= n:
        raise ValueError(f"expected I/N with 1 <= I <= N, found {text!r}")
    return i, n


@dataclass(frozen=True, slots=True)
class _Repo:
    slug: str
    html: str
    mainbranch: str
    project: str


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _repo_of(value: Any) -> _Repo | None:
    if not isinstance(value, dict):
        return None
    slug = value.get("slug")
    html = _dict(_dict(value.get("links")).get("html")).get("href")
    main = value.get("mainbranch")
    branch = main.get("name") if isinstance(main, dict) and main.get("name") else "master"
    project = value.get("project")
    key = project.get("key") if isinstance(project, dict) else ""
    if not isinstance(slug, str) or not isinstance(html, str):
        return None
    return _Repo(slug, html.rstrip("/"), str(branch), str(key or ""))


T = TypeVar("T")


class _Discovery:
    def __init__(
        self,
        client: BitbucketClient,
        workspace: str,
        repo_regex: str | None,
        catalog_path: str,
        shard: tuple[int, int] | None = None,
    ) -> None:
        self.client = client
        self.workspace = workspace
        self.ws_api = f"{client.hosts.api}/workspaces/{quote(workspace, safe='')}"
        self.regex = re.compile(repo_regex) if repo_regex else None
        self.catalog_path = "/" + catalog_path.strip("/")
        self.name = posixpath.basename(self.catalog_path)
        self.result = DiscoveryResult(shard=shard)
        self.shard = shard
        self.found: set[str] = set()

    def tracked(self, items: Iterable[_Repo]) -> list[_Repo]:
        """Repositories about to be asked one by one: long enough in a big workspace to show progress."""
        work = list(items)
        if self.client.progress is not None:
            self.client.progress.add_total(len(work))
        return work

    def counted(self, fn: Callable[[_Repo], T]) -> Callable[[_Repo], T]:
        def run(repo: _Repo) -> T:
            answer = fn(repo)
            if self.client.progress is not None:
                self.client.progress.tick(self.client.requests_made)
            return answer

        return run

    def repo_of(self, value: Any, reply: Reply) -> _Repo | None:
        """The repository described by `value`; one whose web link is on another host is not
        trusted (descriptor URLs are built from it) and makes the result incomplete."""
        repo = _repo_of(value)
        if repo is not None and not self.client.hosts.is_web(repo.html):
            self.error(f"repository {repo.slug}", unexpected(reply, "its web link is not on the Bitbucket host"))
            return None
        return repo

    def error(self, what: str, reply: Reply) -> None:
        self.result.complete = False
        self.result.errors.append(f"{what}: {reply.detail or reply.outcome}")

    def in_shard(self, slug: str) -> bool:
        if self.shard is None or shard_of(f"{self.workspace}/{slug}", self.shard[1]) == self.shard[0]:
            return True
        self.result.other_shards.add(slug.lower())
        return False

    def wanted(self, slug: str) -> bool:
        return self.in_shard(slug) and (self.regex is None or self.regex.fullmatch(slug) is not None)

    def add(self, repo: _Repo, path: str) -> bool:
        if not self.wanted(repo.slug):
            return False
        url = f"{repo.html}/src/{repo.mainbranch}/{path.lstrip('/')}"
        parsed = parse(url, self.client.hosts)
        if parsed is None or parsed.escapes:
            # A hit whose path leaves its repository (or names none) is not a descriptor to register.
            self.result.complete = False
            self.result.errors.append(f"{self.workspace}/{repo.slug}: a search hit's path is not a file of the repository")
            return False
        self.found.add(url)
        return True

    # ---------------------------------------------------------------- search
    def search(self, qualifier: str, label: str) -> tuple[bool, int] | None:
        """Run one search slice. (capped?, hits) or None when search is unavailable."""
        query = f'"{self.name}" path:{self.catalog_path} {qualifier}'.strip()
        params = {"search_query": query, "pagelen": 100}
        url: str | None = f"{self.ws_api}/search/code"
        first = True
        seen = 0
        size = 0
        while url:
            reply, body = self.client.get_json(url, params if first else None)
            first = False
            stop, outcome = self._stop(reply, body, seen, label)
            if stop:
                return outcome
            size = int(body.get("size") or 0)
            seen += self._hits(body["values"], reply)
            nxt = body.get("next")
            url = nxt if isinstance(nxt, str) and nxt else None
        return (size > seen or seen >= SEARCH_CAP), seen

    def _stop(self, reply: Reply, body: Any, seen: int, label: str) -> tuple[bool, tuple[bool, int] | None]:
        """Whether a search page ends the slice, and with what: None when search is unavailable."""
        if reply.outcome == NOT_FOUND or (reply.status == 400 and seen == 0):
            return True, None
        if not reply.ok:
            if reply.status == 400 and seen >= SEARCH_CAP - 100:
                return True, (True, seen)
            self.error(f"code search {label}", reply)
            return True, (False, seen)
        problem = page_problem(body, reply.url)
        if problem is not None:
            self.error(f"code search {label}", unexpected(reply, problem))
            return True, (False, seen)
        return False, None

    def _hits(self, values: list[Any], reply: Reply) -> int:
        """Take one page's hits; returns how many there were."""
        for hit in values:
            if not isinstance(hit, dict) or not hit.get("path_matches"):
                continue
            file = _dict(hit.get("file"))
            commit = _dict(file.get("commit"))
            repo = self.repo_of(commit.get("repository"), reply)
            path = file.get("path")
            if repo is not None and isinstance(path, str):
                self.add(repo, path)
                # Noted for repositories of other shards too: files here may name them.
                self._note_hash(repo, commit.get("hash"))
        return len(values)

    def _note_hash(self, repo: _Repo, commit: Any) -> None:
        key = f"{self.workspace}/{repo.slug}".lower()
        if isinstance(commit, str) and commit:
            known = self.result.hashes.get(key)
            hashes = sorted({commit, *(known.split(",") if known else [])})
            self.result.hashes[key] = ",".join(hashes)

    def projects(self) -> list[str] | None:
        keys: list[str] = []
        for reply, values in self.client.pages(f"{self.ws_api}/projects", {"pagelen": 100}):
            if not reply.ok:
                self.error("listing projects", reply)
                return None
            keys.extend(str(v["key"]) for v in values if isinstance(v, dict) and v.get("key"))
        return keys

    def repos(self, project: str | None) -> list[_Repo] | None:
        url = f"{self.client.hosts.api}/repositories/{quote(self.workspace, safe='')}"
        params: dict[str, Any] = {"pagelen": 100}
        if project:
            params["q"] = f'project.key="{project}"'
        out: list[_Repo] = []
        for reply, values in self.client.pages(url, params):
            if not reply.ok:
                self.error(f"listing repositories{' of project ' + project if project else ''}", reply)
                return None
            out.extend(r for r in (self.repo_of(v, reply) for v in values) if r is not None)
        return out

    def by_search(self, projects: Sequence[str]) -> bool:
        """False when search is unavailable."""
        for key in projects:
            outcome = self.search(f"project:{key}", f"of project {key}")
            if outcome is None:
                return False
            capped, _ = outcome
            if not capped:
                continue
            repos = self.repos(key)
            if repos is None:
                continue

            def by_repo(repo: _Repo, key: str = key) -> tuple[_Repo, tuple[bool, int] | None]:
                return repo, self.search(f"repo:{repo.slug} project:{key}", f"of {self.workspace}/{repo.slug}")

            # One search per repository of a capped project: in parallel, within the client's limit.
            for repo, again in self.client.map(
                self.counted(by_repo), self.tracked(r for r in repos if self.wanted(r.slug))
            ):
                if again is None:
                    return False
                if again[0]:
                    self.result.complete = False
                    self.result.errors.append(f"{self.workspace}/{repo.slug}: more than {SEARCH_CAP} hits")
        return True

    def by_listing(self, projects: Sequence[str]) -> None:
        self.result.method = "listing"
        repos: list[_Repo] = []
        for key in projects or [None]:  # type: ignore[list-item]
            listed = self.repos(key)
            if listed is not None:
                repos.extend(listed)
        api = f"{self.client.hosts.api}/repositories/{quote(self.workspace, safe='')}"
        candidates = [r for r in repos if self.wanted(r.slug)]

        def probe(repo: _Repo) -> tuple[_Repo, Reply]:
            path = quote(self.catalog_path.lstrip("/"))
            url = f"{api}/{quote(repo.slug, safe='')}/src/{quote(repo.mainbranch, safe='')}/{path}"
            return repo, self.client.get(url)

        for repo, reply in self.client.map(self.counted(probe), self.tracked(candidates)):
            if reply.outcome == OK:
                self.add(repo, self.catalog_path)
            elif reply.outcome != NOT_FOUND:
                self.error(f"probing {self.workspace}/{repo.slug}", reply)


def discover(
    client: BitbucketClient,
    workspace: str,
    *,
    projects: Sequence[str] = (),
    repo_regex: str | None = None,
    catalog_path: str = "/catalog-info.yaml",
    shard: tuple[int, int] | None = None,
) -> DiscoveryResult:
    """Every descriptor URL of `workspace` (of shard I of N only, with `shard`)."""
    run = _Discovery(client, workspace, repo_regex, catalog_path, shard)
    keys: list[str] | None = list(projects)
    if not keys:
        keys = run.projects()
    searched = keys is not None and run.by_search(keys)
    if not searched or (not run.found and not run.result.other_shards):  # hits, all in other shards: done
        # The listing supersedes whatever search managed (or failed) to do.
        run.result.errors.clear()
        run.result.complete = True
        run.by_listing(list(projects))
    run.result.urls = sorted(run.found)
    if client.auth_error and client.auth_error not in run.result.errors:
        run.result.errors.insert(0, client.auth_error)
        run.result.complete = False
    return run.result


@dataclass(slots=True)
class Listing:
    """Every repository of a workspace with its `updated_on` ("workspace/slug" lowercased)."""

    updated: dict[str, str] = field(default_factory=dict)
    complete: bool = True
    error: str = ""


def list_repositories(client: BitbucketClient, workspace: str) -> Listing:
    """One paginated listing of the workspace (100 repositories a request): when each repository
    last changed, as Bitbucket records it. Incomplete on any failure: callers then trust none of it."""
    url = f"{client.hosts.api}/repositories/{quote(workspace, safe='')}"
    params = {"pagelen": 100, "fields": "next,size,pagelen,values.slug,values.full_name,values.updated_on"}
    listing = Listing()
    for reply, values in client.pages(url, params):
        if not reply.ok:
            return Listing(listing.updated, False, reply.detail or reply.outcome)
        for value in values:
            slug = value.get("slug") if isinstance(value, dict) else None
            updated = value.get("updated_on") if isinstance(value, dict) else None
            if isinstance(slug, str) and isinstance(updated, str):
                listing.updated[f"{workspace}/{slug}".lower()] = updated
    return listing
