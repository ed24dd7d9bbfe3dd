"""In-memory model behind the fake Bitbucket Cloud server.

Nothing here touches sockets: workspaces, repositories made of commit
snapshots, credentials, Code Insights reports and the code-search engine.
Every hash, uuid and token is derived deterministically from its inputs.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import re
import threading
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]
FileData = bytes | str

DEFAULT_EPOCH = 1_704_067_200.0  # 2024-01-01T00:00:00Z: where the frozen clock starts
SEARCH_CAP = 1000
SEARCH_MAX_FILE_SIZE = 512 * 1024
REPO_NOT_FOUND = (
    "The requested repository either does not exist or you do not have access. "
    "If you believe this repository exists and you have access, make sure you're authenticated."
)
_HEX = re.compile(r"[0-9a-fA-F]+")


class HttpError(Exception):
    """An error answered as Bitbucket's ``{"type": "error", "error": {"message": ...}}``."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message
        self.headers = dict(headers or {})


class OAuthError(HttpError):
    """An error of the OAuth token endpoint, answered as ``{"error": code, "error_description": ...}``."""

    def __init__(self, status: int, code: str, description: str) -> None:
        super().__init__(status, description)
        self.code = code


def stable_uuid(*parts: str) -> str:
    """A braced uuid, as Bitbucket prints them, derived from ``parts``."""
    return "{" + str(uuid.uuid5(uuid.NAMESPACE_URL, "fake-bitbucket:" + "/".join(parts))) + "}"


def iso_time(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, tz=dt.UTC).isoformat()


def _sha1(data: bytes) -> str:
    return hashlib.sha1(data, usedforsecurity=False).hexdigest()


class FakeClock:
    """Frozen at ``DEFAULT_EPOCH`` unless a time source is injected; ``advance`` moves it forward."""

    def __init__(self, source: Callable[[], float] | None = None) -> None:
        self._source = source
        self._offset = 0.0
        self._lock = threading.Lock()

    def now(self) -> float:
        base = self._source() if self._source is not None else DEFAULT_EPOCH
        with self._lock:
            return base + self._offset

    def advance(self, seconds: float) -> None:
        if seconds < 0:
            raise ValueError("the fake clock only moves forward")
        with self._lock:
            self._offset += seconds


@dataclass(frozen=True)
class Commit:
    hash: str
    files: Mapping[str, bytes]
    parents: tuple[str, ...]
    message: str
    timestamp: float


@dataclass
class Project:
    key: str
    name: str
    uuid: str


@dataclass
class Workspace:
    slug: str
    name: str
    uuid: str
    search_enabled: bool = True
    require_auth: bool = False
    projects: dict[str, Project] = field(default_factory=dict)


@dataclass
class Repo:
    workspace: str
    slug: str
    name: str
    project: str
    private: bool
    mainbranch: str | None
    uuid: str
    created: float
    branches: dict[str, str] = field(default_factory=dict)  # name -> head commit hash
    tags: dict[str, str] = field(default_factory=dict)  # name -> commit hash
    commits: dict[str, Commit] = field(default_factory=dict)
    updated: float = 0.0  # `updated_on`: when a branch of it last moved

    @property
    def full_name(self) -> str:
        return f"{self.workspace}/{self.slug}"

    def resolve(self, ref: str) -> Commit | None:
        """A branch, a tag, a full hash or a unique hash prefix of at least 7 hex digits."""
        if ref in self.branches:
            return self.commits[self.branches[ref]]
        if ref in self.tags:
            return self.commits[self.tags[ref]]
        if ref in self.commits:
            return self.commits[ref]
        if len(ref) >= 7 and _HEX.fullmatch(ref):
            hits = [c for h, c in self.commits.items() if h.startswith(ref.lower())]
            if len(hits) == 1:
                return hits[0]
        return None

    def history(self, start: Commit) -> list[Commit]:
        """First-parent history, newest first."""
        out = [start]
        while out[-1].parents:
            out.append(self.commits[out[-1].parents[0]])
        return out


class RateLimit:
    """Bitbucket's hourly request limit, per identity (an Authorization header, or anonymous)."""

    WINDOW = 3600.0

    def __init__(self, limit: int, remaining_header: bool, now: Callable[[], float]) -> None:
        self.limit = limit
        self.remaining_header = remaining_header
        self.now = now
        self.refused = 0
        self._seen: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def take(self, identity: str) -> tuple[bool, dict[str, str]]:
        """Whether a request may be answered, and the headers to answer with."""
        with self._lock:
            now = self.now()
            times = [t for t in self._seen.get(identity, []) if now - t < self.WINDOW]
            allowed = len(times) < self.limit
            if allowed:
                times.append(now)
            else:
                self.refused += 1
            self._seen[identity] = times
            remaining = max(0, self.limit - len(times))
            headers = {
                "X-RateLimit-Limit": str(self.limit),
                "X-RateLimit-Resource": "api.repositories",
                "X-RateLimit-NearLimit": "true" if remaining < self.limit * 0.2 else "false",
            }
            if self.remaining_header:
                headers["X-RateLimit-Remaining"] = str(remaining)
                headers["X-RateLimit-Reset"] = str(int(self.WINDOW - (now - times[0])) if times else 0)
            return allowed, headers


@dataclass(frozen=True)
class Principal:
    """Who a request acts as. ``None`` workspaces/repositories means "everything"."""

    kind: str  # "user", "access_token", "oauth" or "pipelines"
    name: str
    identity: Mapping[str, Any]
    workspaces: frozenset[str] | None = None
    repositories: frozenset[str] | None = None
    read_only: bool = False

    def can_read(self, repo: Repo) -> bool:
        if self.repositories is not None:
            return repo.full_name in self.repositories
        return self.workspaces is None or repo.workspace in self.workspaces


@dataclass
class Report:
    external_id: str
    uuid: str
    body: JSON
    created_on: str
    updated_on: str
    annotations: dict[str, JSON] = field(default_factory=dict)  # external_id -> annotation

    def as_json(self) -> JSON:
        return {
            **self.body,
            "type": "report",
            "uuid": self.uuid,
            "external_id": self.external_id,
            "created_on": self.created_on,
            "updated_on": self.updated_on,
        }


@dataclass
class OAuthConsumer:
    client_id: str
    secret: str
    token_ttl: float
    principal: Principal


@dataclass
class OAuthToken:
    client_id: str
    expires_at: float


@dataclass(frozen=True)
class SearchQuery:
    terms: tuple[str, ...]
    paths: tuple[str, ...]
    repos: tuple[str, ...]
    projects: tuple[str, ...]


@dataclass(frozen=True)
class SearchHit:
    repo: Repo
    commit: Commit
    path: str
    path_segments: list[JSON]
    content_matches: list[JSON]
    content_match_count: int


_SEARCH_TOKEN = re.compile(
    r'(?P<mod>[A-Za-z]+):(?:"(?P<mq>[^"]*)"|(?P<mv>\S+))|"(?P<phrase>[^"]*)"|(?P<word>\S+)'
)


def parse_search_query(text: str) -> SearchQuery:
    """Terms (bare or quoted, ANDed) plus ``path:``, ``repo:`` and ``project:`` modifiers.

    An unknown ``mod:value`` token is an ordinary term. Boolean operators are not supported.
    """
    terms: list[str] = []
    mods: dict[str, list[str]] = {"path": [], "repo": [], "project": []}
    for match in _SEARCH_TOKEN.finditer(text):
        mod = match.group("mod")
        if mod is not None and mod.lower() in mods:
            value = match.group("mq") if match.group("mq") is not None else match.group("mv")
            mods[mod.lower()].append(value)
            continue
        phrase = match.group("phrase")
        term = phrase if phrase is not None else match.group(0)
        if term.strip():
            terms.append(term)
    if not terms:
        raise HttpError(400, "A search query must contain at least one search term")
    return SearchQuery(tuple(terms), tuple(mods["path"]), tuple(mods["repo"]), tuple(mods["project"]))


def _path_filter_matches(spec: str, path: str) -> bool:
    """Whole-segment match; a leading ``/`` anchors the segments at the repository root."""
    wanted = [s for s in spec.casefold().strip("/").split("/") if s]
    have = path.casefold().split("/")
    if not wanted:
        return True
    if spec.startswith("/"):
        return have[: len(wanted)] == wanted
    return any(have[i : i + len(wanted)] == wanted for i in range(len(have) - len(wanted) + 1))


def _intervals(text: str, terms: Iterable[str]) -> list[tuple[int, int]]:
    lowered = text.casefold()
    spans: list[tuple[int, int]] = []
    for term in terms:
        needle = term.casefold()
        start = lowered.find(needle)
        while needle and start >= 0:
            spans.append((start, start + len(needle)))
            start = lowered.find(needle, start + 1)
    merged: list[tuple[int, int]] = []
    for begin, end in sorted(spans):
        if merged and begin <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((begin, end))
    return merged


def _segments(text: str, spans: list[tuple[int, int]]) -> list[JSON]:
    out: list[JSON] = []
    cursor = 0
    for begin, end in spans:
        if begin > cursor:
            out.append({"text": text[cursor:begin]})
        out.append({"text": text[begin:end], "match": True})
        cursor = end
    if cursor < len(text):
        out.append({"text": text[cursor:]})
    return out


def match_file(query: SearchQuery, path: str, data: bytes) -> tuple[list[JSON], list[JSON], int] | None:
    """(path_matches, content_matches, content_match_count) when every term matches the path or content."""
    text = data.decode("utf-8", errors="replace")
    lowered_path, lowered_text = path.casefold(), text.casefold()
    for term in query.terms:
        needle = term.casefold()
        if needle not in lowered_path and needle not in lowered_text:
            return None
    path_spans = _intervals(path, query.terms)
    content_matches: list[JSON] = []
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        spans = _intervals(line, query.terms)
        if spans:
            count += len(spans)
            if len(content_matches) < 10:
                content_matches.append({"lines": [{"line": number, "segments": _segments(line, spans)}]})
    return (_segments(path, path_spans) if path_spans else []), content_matches, count


class BitbucketState:
    """Workspaces, repositories, credentials and reports; all mutation goes through ``self.lock``."""

    def __init__(self, *, clock: Callable[[], float] | None = None) -> None:
        self.clock = FakeClock(clock)
        self.lock = threading.RLock()
        self.workspaces: dict[str, Workspace] = {}
        self.repos: dict[tuple[str, str], Repo] = {}
        self.reports: dict[tuple[str, str, str, str], Report] = {}
        self.pipelines_proxy: Principal | None = None
        self._basic: dict[tuple[str, str], Principal] = {}
        self._bearer: dict[str, Principal] = {}
        self._consumers: dict[str, OAuthConsumer] = {}
        self._oauth_tokens: dict[str, OAuthToken] = {}
        self._refresh_tokens: dict[str, str] = {}
        self._issued = 0
        self.rate_limit: RateLimit | None = None

    def limit_rate(self, limit: int, *, remaining_header: bool = True) -> RateLimit:
        """Count API requests per identity in a rolling hour: `X-RateLimit-Limit`,
        `X-RateLimit-Resource` and `X-RateLimit-NearLimit` on every answer (with
        `X-RateLimit-Remaining`/`-Reset` too unless `remaining_header=False`), 429 past `limit`."""
        self.rate_limit = RateLimit(limit, remaining_header, self.now)
        return self.rate_limit

    # ----------------------------------------------------------------- time
    def now(self) -> float:
        return self.clock.now()

    def advance_time(self, seconds: float) -> None:
        self.clock.advance(seconds)

    # ------------------------------------------------------------ workspaces
    def add_workspace(
        self,
        workspace: str,
        *,
        name: str | None = None,
        search_enabled: bool = True,
        require_auth: bool = False,
    ) -> None:
        with self.lock:
            if workspace not in self.workspaces:
                self.workspaces[workspace] = Workspace(
                    workspace, name or workspace, stable_uuid("ws", workspace)
                )
            ws = self.workspaces[workspace]
            ws.search_enabled, ws.require_auth = search_enabled, require_auth

    def set_search_enabled(self, workspace: str, enabled: bool) -> None:
        with self.lock:
            self._workspace(workspace).search_enabled = enabled

    def require_auth(self, workspace: str, required: bool = True) -> None:
        """Anonymous requests touching this workspace get 401, even for public repositories."""
        with self.lock:
            self._workspace(workspace).require_auth = required

    def add_project(self, workspace: str, key: str, *, name: str | None = None) -> None:
        with self.lock:
            if workspace not in self.workspaces:
                self.add_workspace(workspace)
            projects = self.workspaces[workspace].projects
            if key not in projects:
                projects[key] = Project(key, name or key, stable_uuid("project", workspace, key))

    def _workspace(self, workspace: str) -> Workspace:
        try:
            return self.workspaces[workspace]
        except KeyError:
            raise KeyError(f"unknown workspace {workspace!r}") from None

    # ---------------------------------------------------------- repositories
    def add_repo(
        self,
        workspace: str,
        slug: str,
        *,
        project: str = "PROJ",
        private: bool = False,
        mainbranch: str | None = "main",
        branches: Mapping[str, Mapping[str, FileData]] | None = None,
        name: str | None = None,
    ) -> Repo:
        """Branch names may contain ``/``; with ``branches=None`` the main branch starts empty."""
        if branches is None:
            branches = {mainbranch: {}} if mainbranch is not None else {}
        if mainbranch is not None and mainbranch not in branches:
            raise ValueError(f"mainbranch {mainbranch!r} is not among the branches")
        with self.lock:
            if (workspace, slug) in self.repos:
                raise ValueError(f"repository {workspace}/{slug} already exists")
            self.add_project(workspace, project)
            repo = Repo(
                workspace=workspace,
                slug=slug,
                name=name or slug,
                project=project,
                private=private,
                mainbranch=mainbranch,
                uuid=stable_uuid("repo", workspace, slug),
                created=self.now(),
            )
            self.repos[(workspace, slug)] = repo
            for branch, files in branches.items():
                repo.branches[branch] = self._commit(repo, _normalise(files), (), f"Create {branch}")
            return repo

    def repo(self, workspace: str, slug: str) -> Repo:
        try:
            return self.repos[(workspace, slug)]
        except KeyError:
            raise KeyError(f"unknown repository {workspace}/{slug}") from None

    def add_branch(
        self,
        workspace: str,
        slug: str,
        branch: str,
        *,
        from_ref: str | None = None,
        files: Mapping[str, FileData] | None = None,
    ) -> str:
        """Branch off ``from_ref`` (default: main branch), or create a root commit with ``files``."""
        with self.lock:
            repo = self.repo(workspace, slug)
            if files is not None:
                repo.branches[branch] = self._commit(repo, _normalise(files), (), f"Create {branch}")
            else:
                source = repo.resolve(from_ref or repo.mainbranch or "")
                if source is None:
                    raise KeyError(f"unknown ref {from_ref!r}")
                repo.branches[branch] = source.hash
            return repo.branches[branch]

    def add_tag(self, workspace: str, slug: str, tag: str, ref: str) -> str:
        with self.lock:
            repo = self.repo(workspace, slug)
            target = repo.resolve(ref)
            if target is None:
                raise KeyError(f"unknown ref {ref!r}")
            repo.tags[tag] = target.hash
            return target.hash

    def commit_of(self, workspace: str, slug: str, branch: str) -> str:
        with self.lock:
            return self.repo(workspace, slug).branches[branch]

    def files_at(self, workspace: str, slug: str, ref: str) -> dict[str, bytes]:
        with self.lock:
            commit = self.repo(workspace, slug).resolve(ref)
            if commit is None:
                raise KeyError(f"unknown ref {ref!r}")
            return dict(commit.files)

    def put_file(self, workspace: str, slug: str, branch: str, path: str, data: FileData) -> str:
        """Commit ``data`` at ``path`` on ``branch``; returns the new head hash."""
        with self.lock:
            repo = self.repo(workspace, slug)
            head = repo.commits[repo.branches[branch]]
            files = dict(head.files)
            files.update(_normalise({path: data}))
            repo.branches[branch] = self._commit(repo, files, (head.hash,), f"Update {path}")
            return repo.branches[branch]

    def delete_file(self, workspace: str, slug: str, branch: str, path: str) -> str:
        with self.lock:
            repo = self.repo(workspace, slug)
            head = repo.commits[repo.branches[branch]]
            files = dict(head.files)
            del files[path.lstrip("/")]
            repo.branches[branch] = self._commit(repo, files, (head.hash,), f"Delete {path}")
            return repo.branches[branch]

    def _commit(self, repo: Repo, files: dict[str, bytes], parents: tuple[str, ...], message: str) -> str:
        digest = hashlib.sha1(usedforsecurity=False)
        digest.update(repo.full_name.encode() + b"\0")
        for parent in parents:
            digest.update(parent.encode() + b"\0")
        for path in sorted(files):
            digest.update(path.encode() + b"\0" + hashlib.sha1(files[path], usedforsecurity=False).digest())
        commit_hash = digest.hexdigest()
        # Bitbucket moves `updated_on` on every push; a microsecond apart even on the frozen clock.
        repo.updated = max(self.now(), repo.updated + 1e-6)
        if commit_hash not in repo.commits:
            repo.commits[commit_hash] = Commit(commit_hash, files, parents, message, self.now())
        return commit_hash

    # ----------------------------------------------------------- credentials
    def add_user(
        self,
        username: str,
        token: str,
        *,
        display_name: str | None = None,
        workspaces: Iterable[str] | None = None,
        read_only: bool = False,
    ) -> None:
        """An API token sent as ``Basic username:token`` (username is usually the Atlassian e-mail)."""
        with self.lock:
            self._basic[(username, token)] = Principal(
                "user", username, _user_identity(username, display_name), _frozen(workspaces), None, read_only
            )

    def add_app_password(
        self,
        username: str,
        password: str,
        *,
        workspaces: Iterable[str] | None = None,
        read_only: bool = False,
    ) -> None:
        self.add_user(username, password, workspaces=workspaces, read_only=read_only)

    def add_access_token(
        self,
        token: str,
        *,
        workspaces: Iterable[str] | None = None,
        repositories: Iterable[str] | None = None,
        read_only: bool = False,
        name: str = "Access token",
    ) -> None:
        """A repository/project/workspace access token sent as ``Bearer``; ``repositories`` are "ws/slug"."""
        identity = {
            "type": "user",
            "display_name": name,
            "nickname": "access-token-" + _sha1(token.encode())[:8],
            "account_id": "token:" + _sha1(token.encode())[:24],
            "uuid": stable_uuid("access-token", token),
        }
        with self.lock:
            self._bearer[token] = Principal(
                "access_token", name, identity, _frozen(workspaces), _frozen(repositories), read_only
            )

    def add_oauth_consumer(
        self,
        client_id: str,
        secret: str,
        *,
        token_ttl: float = 7200,
        workspaces: Iterable[str] | None = None,
        read_only: bool = False,
        owner: str | None = None,
    ) -> None:
        """Client-credentials consumer; its tokens act as ``owner`` (default: a synthetic user)."""
        identity = _user_identity(owner or f"{client_id}-owner", None)
        principal = Principal("oauth", client_id, identity, _frozen(workspaces), None, read_only)
        with self.lock:
            self._consumers[client_id] = OAuthConsumer(client_id, secret, token_ttl, principal)

    def enable_pipelines_proxy(
        self, *, workspaces: Iterable[str] | None = None, read_only: bool = False
    ) -> None:
        """Requests sent through this server as an HTTP proxy act as the Pipelines step (no header needed)."""
        identity = _user_identity("bitbucket-pipelines", "Bitbucket Pipelines")
        with self.lock:
            self.pipelines_proxy = Principal(
                "pipelines", "pipelines", identity, _frozen(workspaces), None, read_only
            )

    def issued_oauth_tokens(self) -> list[str]:
        with self.lock:
            return list(self._oauth_tokens)

    def issue_oauth_token(self, client_id: str, secret: str, form: Mapping[str, str]) -> JSON:
        """The body of ``POST /site/oauth2/access_token``; raises ``HttpError`` like Bitbucket."""
        with self.lock:
            consumer = self._consumers.get(client_id)
            if consumer is None or consumer.secret != secret:
                raise OAuthError(401, "invalid_client", "Invalid OAuth client credentials")
            grant = form.get("grant_type", "")
            if grant == "refresh_token":
                if self._refresh_tokens.get(form.get("refresh_token", "")) != client_id:
                    raise OAuthError(400, "invalid_grant", "Invalid refresh_token")
            elif grant != "client_credentials":
                raise OAuthError(400, "unsupported_grant_type", f"Unsupported grant type: {grant}")
            self._issued += 1
            seed = f"{client_id}:{self._issued}".encode()
            token = f"fake-oauth-{self._issued:05d}-{_sha1(seed)[:24]}"
            refresh = f"fake-refresh-{self._issued:05d}-{_sha1(b'r' + seed)[:24]}"
            self._oauth_tokens[token] = OAuthToken(client_id, self.now() + consumer.token_ttl)
            self._refresh_tokens[refresh] = client_id
            scopes = "repository" if consumer.principal.read_only else "repository repository:write"
            return {
                "access_token": token,
                "token_type": "bearer",
                "expires_in": int(consumer.token_ttl),
                "scopes": scopes,
                "refresh_token": refresh,
                "state": "client_credentials",
            }

    def authenticate(self, header: str | None) -> Principal | None:
        """``None`` for anonymous; 401 ``HttpError`` for anything present but wrong."""
        if header is None or not header.strip():
            return None
        scheme, _, value = header.strip().partition(" ")
        value = value.strip()
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(value, validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise HttpError(401, "Malformed Basic authorization header") from None
            username, sep, secret = decoded.partition(":")
            with self.lock:
                principal = self._basic.get((username, secret)) if sep else None
            if principal is None:
                raise HttpError(401, "Invalid username or API token")
            return principal
        if scheme.lower() == "bearer":
            with self.lock:
                token = self._oauth_tokens.get(value)
                if token is not None:
                    if self.now() >= token.expires_at:
                        raise HttpError(
                            401, "Access token expired. Use your refresh token to obtain a new access token."
                        )
                    return self._consumers[token.client_id].principal
                principal = self._bearer.get(value)
            if principal is None:
                raise HttpError(401, "Access token expired or invalid")
            return principal
        raise HttpError(401, f"Unsupported authorization scheme {scheme!r}")

    # ---------------------------------------------------------------- search
    def search(self, principal: Principal | None, workspace: str, query: SearchQuery) -> list[SearchHit]:
        """Hits on each visible repository's main branch, ordered by repository slug then path."""
        repos_wanted = {r.casefold() for r in query.repos}
        projects_wanted = {p.casefold() for p in query.projects}
        hits: list[SearchHit] = []
        with self.lock:
            repos = sorted((r for r in self.repos.values() if r.workspace == workspace), key=lambda r: r.slug)
            for repo in repos:
                if repo.private and (principal is None or not principal.can_read(repo)):
                    continue
                if repos_wanted and repo.slug.casefold() not in repos_wanted:
                    continue
                if projects_wanted and repo.project.casefold() not in projects_wanted:
                    continue
                if repo.mainbranch is None:
                    continue
                commit = repo.commits[repo.branches[repo.mainbranch]]
                for path in sorted(commit.files):
                    data = commit.files[path]
                    if len(data) > SEARCH_MAX_FILE_SIZE:
                        continue
                    if not all(_path_filter_matches(spec, path) for spec in query.paths):
                        continue
                    found = match_file(query, path, data)
                    if found is not None:
                        hits.append(SearchHit(repo, commit, path, found[0], found[1], found[2]))
        return hits


def _normalise(files: Mapping[str, FileData]) -> dict[str, bytes]:
    out: dict[str, bytes] = {}
    for path, data in files.items():
        clean = path.strip("/")
        if not clean or any(part in ("", ".", "..") for part in clean.split("/")):
            raise ValueError(f"invalid file path {path!r}")
        out[clean] = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    return out


def _frozen(values: Iterable[str] | None) -> frozenset[str] | None:
    return None if values is None else frozenset(values)


def _user_identity(username: str, display_name: str | None) -> JSON:
    nickname = username.split("@", 1)[0]
    return {
        "type": "user",
        "display_name": display_name or nickname.replace(".", " ").title(),
        "nickname": nickname,
        "account_id": "557058:" + str(uuid.uuid5(uuid.NAMESPACE_URL, "account:" + username)),
        "uuid": stable_uuid("user", username),
    }
