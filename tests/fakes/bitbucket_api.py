"""Request routing of the fake Bitbucket Cloud: HTTP request in, Bitbucket-shaped response out."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import gzip
import hashlib
import io
import json
import posixpath
import re
import tarfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, parse_qsl, quote, unquote, urlencode

from .bitbucket_state import (
    JSON,
    REPO_NOT_FOUND,
    SEARCH_CAP,
    BitbucketState,
    Commit,
    HttpError,
    OAuthError,
    Principal,
    Repo,
    Report,
    SearchHit,
    Workspace,
    iso_time,
    parse_search_query,
    stable_uuid,
)

MAX_PAGELEN = 100
DEFAULT_PAGELEN = 10
MAX_ANNOTATIONS_PER_REQUEST = 100
MAX_ANNOTATIONS_PER_REPORT = 1000
REPORT_TYPES = {"SECURITY", "COVERAGE", "TEST", "BUG"}
REPORT_RESULTS = {"PASSED", "FAILED", "PENDING"}
DATA_TYPES = {"BOOLEAN", "DATE", "DURATION", "LINK", "NUMBER", "PERCENTAGE", "TEXT"}
ANNOTATION_TYPES = {"VULNERABILITY", "CODE_SMELL", "BUG"}
SEVERITIES = {"CRITICAL", "HIGH", "MEDIUM", "LOW"}
ANNOTATION_RESULTS = {"PASSED", "FAILED", "SKIPPED", "IGNORED"}
NO_SCOPE = "Your credentials lack one or more required privilege scopes."
CONTENT_TYPES = {
    ".yaml": "application/x-yaml",
    ".yml": "application/x-yaml",
    ".json": "application/json",
    ".md": "text/markdown",
    ".txt": "text/plain",
    ".py": "text/x-python",
    ".js": "application/javascript",
    ".html": "text/html",
    ".xml": "application/xml",
    ".png": "image/png",
}


@dataclass
class Request:
    method: str
    path: str  # as sent, still percent-encoded, without the query
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes
    api_base: str  # absolute base of API links (``next``) for this request
    proxied: bool = False  # sent to us as an HTTP proxy (absolute-form request target)
    host: str = ""  # Host header, or the absolute-form host when proxied

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False  # close the connection without answering


def json_response(status: int, payload: Any, headers: Mapping[str, str] | None = None) -> Response:
    return Response(
        status, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})}
    )


def error_response(error: HttpError) -> Response:
    if isinstance(error, OAuthError):
        return json_response(
            error.status, {"error": error.code, "error_description": error.message}, error.headers
        )
    headers = dict(error.headers)
    if error.status == 401:
        headers.setdefault("WWW-Authenticate", 'Basic realm="Bitbucket.org HTTP"')
    return json_response(error.status, {"type": "error", "error": {"message": error.message}}, headers)


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(posixpath.splitext(path)[1].lower(), "application/octet-stream")


def etag_of(data: bytes) -> str:
    return '"' + hashlib.sha1(data, usedforsecurity=False).hexdigest() + '"'


def _conditional_json(req: Request, response: Response) -> Response:
    """Bitbucket's API answers JSON GETs with an ETag and honours If-None-Match on them too."""
    if req.method != "GET" or response.status != 200 or "ETag" in response.headers:
        return response
    if not response.headers.get("Content-Type", "").startswith("application/json"):
        return response
    etag = etag_of(response.body)
    if _etag_matches(req.header("If-None-Match"), etag):
        return Response(304, b"", {"ETag": etag})
    return dataclasses.replace(response, headers={**response.headers, "ETag": etag})


def _etag_matches(header: str | None, etag: str) -> bool:
    if header is None:
        return False
    candidates = [c.strip().removeprefix("W/") for c in header.split(",")]
    return "*" in candidates or etag in candidates


class BitbucketApp:
    """Answers one request against a ``BitbucketState``; ``web_url`` is the base of HTML links."""

    def __init__(self, state: BitbucketState, web_url: Callable[[], str]) -> None:
        self.state = state
        self._web_url = web_url

    def handle(self, req: Request) -> Response:
        if req.method == "HEAD":  # answered like GET; the server leaves the body out
            req = dataclasses.replace(req, method="GET")
        limit = self.state.rate_limit
        extra: dict[str, str] = {}
        if limit is not None and req.path.startswith("/2.0/"):
            allowed, extra = limit.take(req.header("Authorization") or "anonymous")
            if not allowed:
                return error_response(HttpError(429, "Rate limit for this resource has been exceeded", extra))
        try:
            response = self._dispatch(req)
        except HttpError as error:
            response = error_response(error)
        response = _conditional_json(req, response)
        response.headers.update(extra)
        return response

    # --------------------------------------------------------------- routing
    def _dispatch(self, req: Request) -> Response:
        segs = [unquote(s) for s in req.path.split("/")[1:]]
        if segs == ["site", "oauth2", "access_token"]:
            _allow(req, "POST")
            return self._oauth_token(req)
        principal = self._principal(req)
        if segs[:1] == ["2.0"]:
            return self._api(req, principal, segs[1:])
        match segs:
            case [ws, slug, ("src" | "raw"), ref, *path]:
                _allow(req, "GET")
                repo = self._repo(principal, ws, slug)
                return self._raw_file(req, repo, self._commit(repo, ref), "/".join(path))
            case [ws, slug, "get", archive] if archive.endswith(".tar.gz"):
                _allow(req, "GET")
                repo = self._repo(principal, ws, slug)
                return self._archive(repo, self._commit(repo, archive.removesuffix(".tar.gz")))
        raise HttpError(404, "Resource not found")

    def _api(self, req: Request, who: Principal | None, segs: list[str]) -> Response:
        if len(segs) > 1 and segs[-1] == "" and "src" not in segs:
            segs = segs[:-1]
        match segs:
            case ["user"]:
                _allow(req, "GET")
                if who is None:
                    raise HttpError(
                        401,
                        "This API is only accessible with the following authentication types: "
                        "session, password, apppassword, api_token, access_token",
                    )
                return json_response(200, dict(who.identity))
            case ["workspaces", ws]:
                _allow(req, "GET")
                return json_response(200, self._workspace_json(self._workspace(who, ws)))
            case ["workspaces", ws, "projects"]:
                _allow(req, "GET")
                return self._page(req, [self._project_json(w, k) for w, k in self._projects(who, ws)])
            case ["workspaces", ws, "projects", key]:
                _allow(req, "GET")
                found = [(w, k) for w, k in self._projects(who, ws) if k == key]
                if not found:
                    raise HttpError(404, f"Project {key} not found")
                return json_response(200, self._project_json(*found[0]))
            case ["workspaces", ws, "search", "code"]:
                _allow(req, "GET")
                return self._search(req, who, ws)
            case ["repositories", ws]:
                _allow(req, "GET")
                return self._list_repos(req, who, ws)
            case ["repositories", ws, slug]:
                _allow(req, "GET")
                return json_response(200, self._repo_json(self._repo(who, ws, slug)))
            case ["repositories", ws, slug, "refs", ("branches" | "tags") as kind, *name]:
                _allow(req, "GET")
                return self._refs(req, self._repo(who, ws, slug), kind, "/".join(name))
            case ["repositories", ws, slug, "commits", *rev]:
                _allow(req, "GET")
                repo = self._repo(who, ws, slug)
                start = self._commit(repo, "/".join(rev) if rev else repo.mainbranch or "")
                return self._page(req, [self._commit_json(repo, c) for c in repo.history(start)])
            case ["repositories", ws, slug, "commit", rev]:
                _allow(req, "GET")
                repo = self._repo(who, ws, slug)
                return json_response(200, self._commit_json(repo, self._commit(repo, rev)))
            case ["repositories", ws, slug, "commit", rev, "reports", *rest]:
                return self._reports(req, who, self._repo(who, ws, slug), rev, rest)
            case ["repositories", ws, slug, "src"]:
                _allow(req, "GET")
                repo = self._repo(who, ws, slug)
                return self._src(req, repo, self._commit(repo, repo.mainbranch or ""), "")
            case ["repositories", ws, slug, "src", ref, *path]:
                _allow(req, "GET")
                repo = self._repo(who, ws, slug)
                return self._src(req, repo, self._commit(repo, ref), "/".join(path))
        raise HttpError(404, "Resource not found")

    # ---------------------------------------------------------- access rules
    def _principal(self, req: Request) -> Principal | None:
        if req.proxied and self.state.pipelines_proxy is not None:
            return self.state.pipelines_proxy
        return self.state.authenticate(req.header("Authorization"))

    def _workspace(self, who: Principal | None, ident: str) -> Workspace:
        with self.state.lock:
            ws = self.state.workspaces.get(ident)
            if ws is None:
                ws = next(
                    (w for w in self.state.workspaces.values() if w.uuid.lower() == ident.lower()), None
                )
        if ws is None:
            raise HttpError(404, f"No workspace with identifier '{ident}'.")
        if ws.require_auth and who is None:
            raise HttpError(401, "Authentication is required to access this workspace.")
        return ws

    def _visible(self, who: Principal | None, repo: Repo) -> bool:
        return not repo.private or (who is not None and who.can_read(repo))

    def _repo(self, who: Principal | None, ws_ident: str, slug: str) -> Repo:
        ws = self._workspace(who, ws_ident)
        with self.state.lock:
            repo = self.state.repos.get((ws.slug, slug.lower())) or self.state.repos.get((ws.slug, slug))
            if repo is None:
                repo = next(
                    (
                        r
                        for r in self.state.repos.values()
                        if r.workspace == ws.slug and r.uuid.lower() == slug.lower()
                    ),
                    None,
                )
        if repo is None or not self._visible(who, repo):
            raise HttpError(404, REPO_NOT_FOUND)
        return repo

    def _require_write(self, who: Principal | None, repo: Repo) -> None:
        if who is None:
            raise HttpError(401, "Authentication is required to write to this repository.")
        if who.read_only or not who.can_read(repo):
            raise HttpError(403, NO_SCOPE)

    def _commit(self, repo: Repo, ref: str) -> Commit:
        """Ref resolution for a single path segment: branches containing ``/`` never resolve here."""
        with self.state.lock:
            commit = repo.resolve(ref) if ref and "/" not in ref else None
        if commit is None:
            raise HttpError(404, f"Commit not found: {ref}")
        return commit

    # ------------------------------------------------------------ pagination
    def _page_params(self, req: Request) -> tuple[int, int]:
        try:
            page = int(req.param("page") or 1)
            pagelen = int(req.param("pagelen") or DEFAULT_PAGELEN)
        except ValueError:
            raise HttpError(400, "Invalid page or pagelen") from None
        if page < 1 or pagelen < 1:
            raise HttpError(400, "Invalid page or pagelen")
        return page, min(pagelen, MAX_PAGELEN)

    def _page_url(self, req: Request, page: int) -> str:
        pairs = [(k, v) for k, values in req.query.items() if k != "page" for v in values]
        path = req.path.removeprefix("/2.0")
        return f"{req.api_base}{path}?{urlencode([*pairs, ('page', str(page))])}"

    def _page(self, req: Request, items: Sequence[Any], convert: Callable[[Any], JSON] | None = None) -> Response:
        """One page of `items`; `convert` makes JSON of the page's items only (large listings)."""
        page, pagelen = self._page_params(req)
        start = (page - 1) * pagelen
        body: JSON = {"pagelen": pagelen, "size": len(items), "page": page}
        chosen = list(items[start : start + pagelen])
        body["values"] = [convert(item) for item in chosen] if convert is not None else chosen
        if start + pagelen < len(items):
            body["next"] = self._page_url(req, page + 1)
        if page > 1:
            body["previous"] = self._page_url(req, page - 1)
        return json_response(200, body)

    # ----------------------------------------------------------------- JSON
    def _workspace_json(self, ws: Workspace) -> JSON:
        return {
            "type": "workspace",
            "slug": ws.slug,
            "name": ws.name,
            "uuid": ws.uuid,
            "is_private": False,
            "links": {"html": {"href": f"{self._web_url()}/{ws.slug}/"}},
        }

    def _projects(self, who: Principal | None, ident: str) -> list[tuple[Workspace, str]]:
        """Members of the workspace see every project; others only projects holding a repo they can see."""
        ws = self._workspace(who, ident)
        with self.state.lock:
            if (
                who is not None
                and who.repositories is None
                and (who.workspaces is None or ws.slug in who.workspaces)
            ):
                keys = set(ws.projects)
            else:
                repos = [r for r in self.state.repos.values() if r.workspace == ws.slug]
                keys = {r.project for r in repos if self._visible(who, r)}
        return [(ws, key) for key in sorted(keys)]

    def _project_json(self, ws: Workspace, key: str) -> JSON:
        project = ws.projects[key]
        return {
            "type": "project",
            "key": project.key,
            "name": project.name,
            "uuid": project.uuid,
            "links": {"html": {"href": f"{self._web_url()}/{ws.slug}/workspace/projects/{key}"}},
        }

    def _repo_json(self, repo: Repo) -> JSON:
        web = self._web_url()
        ws = self.state.workspaces[repo.workspace]
        return {
            "type": "repository",
            "uuid": repo.uuid,
            "slug": repo.slug,
            "name": repo.name,
            "full_name": repo.full_name,
            "is_private": repo.private,
            "scm": "git",
            "description": "",
            "created_on": iso_time(repo.created),
            "updated_on": iso_time(repo.updated or repo.created),
            "mainbranch": None if repo.mainbranch is None else {"name": repo.mainbranch, "type": "branch"},
            "project": self._project_json(ws, repo.project),
            "workspace": {"type": "workspace", "slug": ws.slug, "name": ws.name, "uuid": ws.uuid},
            "links": {
                "html": {"href": f"{web}/{repo.full_name}"},
                "clone": [{"name": "https", "href": f"{web}/{repo.full_name}.git"}],
            },
        }

    def _commit_json(self, repo: Repo, commit: Commit) -> JSON:
        return {
            "type": "commit",
            "hash": commit.hash,
            "date": iso_time(commit.timestamp),
            "message": commit.message,
            "author": {"type": "author", "raw": "Fake Author <fake@example.com>"},
            "parents": [{"type": "commit", "hash": p} for p in commit.parents],
            "repository": {"type": "repository", "full_name": repo.full_name, "uuid": repo.uuid},
            "links": {"html": {"href": f"{self._web_url()}/{repo.full_name}/commits/{commit.hash}"}},
        }

    # ------------------------------------------------------------ endpoints
    def _oauth_token(self, req: Request) -> Response:
        form = dict(parse_qsl(req.body.decode("utf-8", errors="replace")))
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        header = req.header("Authorization")
        if header and header.lower().startswith("basic "):
            try:
                client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
            except (binascii.Error, UnicodeDecodeError):
                raise OAuthError(401, "invalid_client", "Malformed Basic authorization header") from None
        return json_response(200, self.state.issue_oauth_token(client_id, secret, form))

    def _list_repos(self, req: Request, who: Principal | None, ident: str) -> Response:
        ws = self._workspace(who, ident)
        keep = _bbql(req.param("q"))
        with self.state.lock:
            repos = sorted(
                (r for r in self.state.repos.values() if r.workspace == ws.slug), key=lambda r: r.slug
            )
            fields = [
                (
                    r,
                    {
                        "slug": r.slug,
                        "name": r.name,
                        "full_name": r.full_name,
                        "project.key": r.project,
                        "is_private": str(r.private).lower(),
                        "mainbranch.name": r.mainbranch or "",
                    },
                )
                for r in repos
                if self._visible(who, r)
            ]
            return self._page(req, [r for r, f in fields if keep(f)], self._repo_json)

    def _refs(self, req: Request, repo: Repo, kind: str, name: str) -> Response:
        with self.state.lock:
            table = repo.branches if kind == "branches" else repo.tags
            web = self._web_url()

            def ref_json(ref_name: str) -> JSON:
                commit = repo.commits[table[ref_name]]
                return {
                    "type": "branch" if kind == "branches" else "tag",
                    "name": ref_name,
                    "target": self._commit_json(repo, commit),
                    "links": {"html": {"href": f"{web}/{repo.full_name}/branch/{quote(ref_name, safe='')}"}},
                }

            if name:
                if name not in table:
                    raise HttpError(404, f'{kind[:-1].capitalize()} "{name}" does not exist.')
                return json_response(200, ref_json(name))
            keep = _bbql(req.param("q"))
            return self._page(req, [ref_json(n) for n in sorted(table) if keep({"name": n})])

    def _src(self, req: Request, repo: Repo, commit: Commit, path: str) -> Response:
        path = path.strip("/")
        if path in commit.files and not req.path.endswith("/"):
            if req.param("format") == "meta":
                return json_response(200, self._file_json(req, repo, commit, path))
            return self._raw_file(req, repo, commit, path)
        entries = _list_dir(commit.files, path, _int(req.param("max_depth"), 1))
        if entries is None:
            raise HttpError(404, f"No such file or directory: {path}")
        if req.param("format") == "meta":
            return json_response(200, self._dir_json(req, repo, commit, path))
        values = [
            self._file_json(req, repo, commit, p) if is_file else self._dir_json(req, repo, commit, p)
            for p, is_file in entries
        ]
        return self._page(req, values)

    def _file_json(self, req: Request, repo: Repo, commit: Commit, path: str) -> JSON:
        base = f"{req.api_base}/repositories/{repo.full_name}/src/{commit.hash}/{quote(path)}"
        return {
            "type": "commit_file",
            "path": path,
            "size": len(commit.files[path]),
            "mimetype": None,
            "attributes": [],
            "escaped_path": path,
            "commit": {"type": "commit", "hash": commit.hash},
            "links": {"self": {"href": base}, "meta": {"href": base + "?format=meta"}},
        }

    def _dir_json(self, req: Request, repo: Repo, commit: Commit, path: str) -> JSON:
        base = f"{req.api_base}/repositories/{repo.full_name}/src/{commit.hash}/{quote(path)}"
        return {
            "type": "commit_directory",
            "path": path,
            "commit": {"type": "commit", "hash": commit.hash},
            "links": {"self": {"href": base + "/"}, "meta": {"href": base + "/?format=meta"}},
        }

    def _raw_file(self, req: Request, repo: Repo, commit: Commit, path: str) -> Response:
        data = commit.files.get(path.strip("/"))
        if data is None:
            raise HttpError(404, f"No such file or directory: {path}")
        etag = etag_of(data)
        if _etag_matches(req.header("If-None-Match"), etag):
            return Response(304, b"", {"ETag": etag})
        return Response(200, data, {"Content-Type": content_type(path), "ETag": etag})

    def _archive(self, repo: Repo, commit: Commit) -> Response:
        prefix = f"{repo.workspace}-{repo.slug}-{commit.hash[:12]}"
        raw = io.BytesIO()
        with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for path in sorted(commit.files):
                info = tarfile.TarInfo(f"{prefix}/{path}")
                info.size, info.mtime, info.mode = len(commit.files[path]), int(commit.timestamp), 0o644
                tar.addfile(info, io.BytesIO(commit.files[path]))
        packed = gzip.compress(raw.getvalue(), mtime=0)
        return Response(200, packed, {"Content-Type": "application/x-gzip", "ETag": f'"{commit.hash}"'})

    def _search(self, req: Request, who: Principal | None, ident: str) -> Response:
        ws = self._workspace(who, ident)
        if not ws.search_enabled:
            raise HttpError(404, "Code search is not available for this workspace.")
        text = req.param("search_query")
        if not text:
            raise HttpError(400, "search_query: This field is required.")
        page, pagelen = self._page_params(req)
        if (page - 1) * pagelen >= SEARCH_CAP:
            raise HttpError(400, f"Cannot fetch results past result number {SEARCH_CAP}")
        hits = self.state.search(who, ws.slug, parse_search_query(text))
        start = (page - 1) * pagelen
        reachable = min(len(hits), SEARCH_CAP)
        body: JSON = {"size": len(hits), "page": page, "pagelen": pagelen, "query_substituted": False}
        body["values"] = [self._hit_json(req, h) for h in hits[start : min(start + pagelen, reachable)]]
        if start + pagelen < reachable:
            body["next"] = self._page_url(req, page + 1)
        if page > 1:
            body["previous"] = self._page_url(req, page - 1)
        return json_response(200, body)

    def _hit_json(self, req: Request, hit: SearchHit) -> JSON:
        repo, web = hit.repo, self._web_url()
        api_repo = f"{req.api_base}/repositories/{repo.full_name}"
        return {
            "type": "code_search_result",
            "content_match_count": hit.content_match_count,
            "content_matches": hit.content_matches,
            "path_matches": hit.path_segments,
            "file": {
                "path": hit.path,
                "type": "commit_file",
                "links": {"self": {"href": f"{api_repo}/src/{hit.commit.hash}/{quote(hit.path)}"}},
                "commit": {
                    "type": "commit",
                    "hash": hit.commit.hash,
                    "links": {"self": {"href": f"{api_repo}/commit/{hit.commit.hash}"}},
                    "repository": {
                        "type": "repository",
                        "slug": repo.slug,
                        "name": repo.name,
                        "full_name": repo.full_name,
                        "uuid": repo.uuid,
                        "mainbranch": {"name": repo.mainbranch, "type": "branch"},
                        "project": {"type": "project", "key": repo.project},
                        "links": {"html": {"href": f"{web}/{repo.full_name}"}},
                    },
                },
            },
        }

    # --------------------------------------------------------- Code Insights
    def _reports(
        self, req: Request, who: Principal | None, repo: Repo, rev: str, rest: list[str]
    ) -> Response:
        commit = self._commit(repo, rev)
        if not commit.hash.startswith(rev.lower()):  # reports hang off commit hashes, never branch names
            raise HttpError(404, f"Commit not found: {rev}")
        if req.method != "GET":
            self._require_write(who, repo)
        prefix = (repo.workspace, repo.slug, commit.hash)
        with self.state.lock:
            match rest:
                case []:
                    _allow(req, "GET")
                    found = [r for k, r in self.state.reports.items() if k[:3] == prefix]
                    return self._page(req, [r.as_json() for r in found])
                case [rid]:
                    _allow(req, "GET", "PUT", "DELETE")
                    if req.method == "PUT":
                        return self._put_report(req, prefix, rid)
                    key, report = self._report(prefix, rid)
                    if req.method == "DELETE":
                        del self.state.reports[key]
                        return Response(204)
                    return json_response(200, report.as_json())
                case [rid, "annotations"]:
                    _allow(req, "GET", "POST")
                    _, report = self._report(prefix, rid)
                    if req.method == "POST":
                        return json_response(200, self._add_annotations(report, _json_body(req)))
                    return self._page(req, list(report.annotations.values()))
                case [rid, "annotations", aid]:
                    _allow(req, "GET", "PUT", "DELETE")
                    _, report = self._report(prefix, rid)
                    if req.method == "PUT":
                        body = _json_body(req)
                        if not isinstance(body, dict):
                            raise HttpError(400, "Expected a JSON object")
                        return json_response(
                            200, self._add_annotations(report, [{**body, "external_id": aid}])[0]
                        )
                    annotation = report.annotations.get(aid) or next(
                        (a for a in report.annotations.values() if a["uuid"] == aid), None
                    )
                    if annotation is None:
                        raise HttpError(404, f"Annotation {aid} not found")
                    if req.method == "DELETE":
                        del report.annotations[annotation["external_id"]]
                        return Response(204)
                    return json_response(200, annotation)
        raise HttpError(404, "Resource not found")

    def _report(self, prefix: tuple[str, str, str], rid: str) -> tuple[tuple[str, str, str, str], Report]:
        key = (*prefix, rid)
        if key in self.state.reports:
            return key, self.state.reports[key]
        for other, report in self.state.reports.items():
            if other[:3] == prefix and report.uuid == rid:
                return other, report
        raise HttpError(404, f"Report {rid} not found")

    def _put_report(self, req: Request, prefix: tuple[str, str, str], rid: str) -> Response:
        body = _json_body(req)
        if not isinstance(body, dict):
            raise HttpError(400, "Expected a JSON object")
        for required in ("title", "details"):
            if not isinstance(body.get(required), str) or not body[required]:
                raise HttpError(400, f"{required}: This field is required.")
        _check_enum(body, "report_type", REPORT_TYPES)
        _check_enum(body, "result", REPORT_RESULTS)
        data = body.get("data", [])
        if not isinstance(data, list) or not all(
            isinstance(d, dict) and "title" in d and "value" in d for d in data
        ):
            raise HttpError(400, "data: each item needs a title and a value")
        for item in data:
            _check_enum(item, "type", DATA_TYPES)
        now = iso_time(self.state.now())
        key = (*prefix, rid)
        previous = self.state.reports.get(key)
        clean = {
            k: v
            for k, v in body.items()
            if k not in ("uuid", "external_id", "created_on", "updated_on", "type")
        }
        if previous is None:
            report = Report(rid, stable_uuid("report", *key), clean, now, now)
        else:
            report = Report(rid, previous.uuid, clean, previous.created_on, now, previous.annotations)
        self.state.reports[key] = report
        return json_response(200, report.as_json())

    def _add_annotations(self, report: Report, body: Any) -> list[JSON]:
        if not isinstance(body, list):
            raise HttpError(400, "Expected a JSON array of annotations")
        if len(body) > MAX_ANNOTATIONS_PER_REQUEST:
            raise HttpError(400, f"A request can create at most {MAX_ANNOTATIONS_PER_REQUEST} annotations")
        for item in body:
            if not isinstance(item, dict):
                raise HttpError(400, "Each annotation must be a JSON object")
            if not isinstance(item.get("external_id"), str) or not item["external_id"]:
                raise HttpError(400, "external_id: This field is required.")
            if not isinstance(item.get("summary"), str) or not item["summary"]:
                raise HttpError(400, "summary: This field is required.")
            _check_enum(item, "annotation_type", ANNOTATION_TYPES)
            _check_enum(item, "severity", SEVERITIES)
            _check_enum(item, "result", ANNOTATION_RESULTS)
            if "line" in item and (not isinstance(item["line"], int) or item["line"] < 0):
                raise HttpError(400, "line: must be a non-negative integer")
        ids = {item["external_id"] for item in body}
        if len(ids | set(report.annotations)) > MAX_ANNOTATIONS_PER_REPORT:
            raise HttpError(400, f"A report can hold at most {MAX_ANNOTATIONS_PER_REPORT} annotations")
        now = iso_time(self.state.now())
        stored: list[JSON] = []
        for item in body:
            old = report.annotations.get(item["external_id"])
            annotation = {
                **{k: v for k, v in item.items() if k not in ("uuid", "created_on", "updated_on", "type")},
                "type": "report_annotation",
                "uuid": old["uuid"] if old else stable_uuid("annotation", report.uuid, item["external_id"]),
                "created_on": old["created_on"] if old else now,
                "updated_on": now,
            }
            report.annotations[item["external_id"]] = annotation
            stored.append(annotation)
        return stored


# ---------------------------------------------------------------- helpers
def _allow(req: Request, *methods: str) -> None:
    if req.method not in methods:
        raise HttpError(405, f"Method {req.method} not allowed here", {"Allow": ", ".join(methods)})


def _json_body(req: Request) -> Any:
    try:
        return json.loads(req.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise HttpError(400, "Malformed JSON body") from None


def _check_enum(body: Mapping[str, Any], key: str, allowed: set[str]) -> None:
    if key in body and body[key] not in allowed:
        raise HttpError(400, f"{key}: must be one of {', '.join(sorted(allowed))}")


def _int(text: str | None, default: int) -> int:
    try:
        return int(text) if text is not None else default
    except ValueError:
        raise HttpError(400, f"Invalid integer {text!r}") from None


def parse_query(raw: str) -> dict[str, list[str]]:
    return parse_qs(raw, keep_blank_values=True)


def _list_dir(files: Mapping[str, bytes], directory: str, max_depth: int) -> list[tuple[str, bool]] | None:
    """(path, is_file) entries below ``directory``, ``max_depth`` levels deep; ``None`` if it is missing."""
    prefix = directory + "/" if directory else ""
    entries: dict[str, bool] = {}
    exists = not directory
    for path in files:
        if not path.startswith(prefix):
            continue
        exists = True
        rest = path[len(prefix) :].split("/")
        for depth in range(1, min(len(rest), max(max_depth, 1)) + 1):
            entries[prefix + "/".join(rest[:depth])] = depth == len(rest)
    return sorted(entries.items()) if exists else None


def _bbql(query: str | None) -> Callable[[Mapping[str, str]], bool]:
    """A small BBQL subset: ``field op "value"`` with ``=``, ``!=``, ``~``, ``!~`` joined by AND / OR."""
    if not query or not query.strip():
        return lambda _fields: True
    token = re.compile(r'\s*([\w.]+)\s*(!=|!~|=|~)\s*("(?:[^"\\]|\\.)*"|[\w.-]+)\s*')
    alternatives: list[list[tuple[str, str, str]]] = []
    for alternative in re.split(r"\s+OR\s+", query.strip()):
        conditions: list[tuple[str, str, str]] = []
        for part in re.split(r"\s+AND\s+", alternative):
            found = token.fullmatch(part)
            if found is None:
                raise HttpError(400, f"Invalid query: {query}")
            value = found.group(3)
            if value.startswith('"'):
                value = json.loads(value)
            conditions.append((found.group(1), found.group(2), value))
        alternatives.append(conditions)

    def test(fields: Mapping[str, str], cond: tuple[str, str, str]) -> bool:
        name, op, value = cond
        if name not in fields:
            raise HttpError(400, f"Invalid field name: {name}")
        have = fields[name]
        return {
            "=": have == value,
            "!=": have != value,
            "~": value.lower() in have.lower(),
            "!~": value.lower() not in have.lower(),
        }[op]

    return lambda fields: any(all(test(fields, c) for c in conds) for conds in alternatives)
