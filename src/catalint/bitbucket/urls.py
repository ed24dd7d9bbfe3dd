"""Bitbucket Cloud URLs: which host is Bitbucket, what a browse URL names, and how relative
targets resolve against a file's URL (Backstage's rules: `./x` and `x` are siblings, a leading
`/` is the repository root, `..` may not climb out of the repository).

Everything here is pure; asking the API which ref a slash-containing URL means happens in
`catalint.bitbucket.refs`.
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qs, quote, unquote, urlsplit

from catalint.redact import strip_userinfo

DEFAULT_WEB = "https://bitbucket.org"
DEFAULT_API = "https://api.bitbucket.org/2.0"
HASH = re.compile(r"[0-9a-fA-F]{7,40}")


def origin(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) with the default port filled in: what credentials are scoped to."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").lower(), port or (443 if scheme == "https" else 80)


@dataclass(frozen=True, slots=True)
class Hosts:
    web: str = DEFAULT_WEB
    api: str = DEFAULT_API

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Hosts:
        # A `user:password@` here would be sent as Basic auth by requests, and shown by -v.
        web = strip_userinfo(env.get("CATALINT_BITBUCKET_URL") or DEFAULT_WEB).rstrip("/")
        api = strip_userinfo(env.get("CATALINT_BITBUCKET_API_URL") or DEFAULT_API).rstrip("/")
        return cls(web, api)

    def trusted(self, url: str) -> bool:
        """Whether credentials may be sent to `url` (same scheme, host and port as web or API)."""
        return origin(url) in (origin(self.web), origin(self.api))

    def is_web(self, url: str) -> bool:
        return origin(url) == origin(self.web) and urlsplit(url).path.startswith(urlsplit(self.web).path or "/")

    def repo_api(self, workspace: str, repo: str) -> str:
        # Slugs are case-insensitive (and lowercase) on Bitbucket: `ACME/Svc` and `acme/svc` are
        # one repository, so one request, not one per spelling.
        return f"{self.api}/repositories/{quote(workspace.lower(), safe='')}/{quote(repo.lower(), safe='')}"


@dataclass(frozen=True, slots=True)
class ParsedUrl:
    """A browse/raw/repository URL before its ref is known: `tail` is everything after src|raw."""

    workspace: str
    repo: str
    tail: tuple[str, ...] = ()
    at: str | None = None
    kind: str = "repo"  # repo | src | raw
    # Once percent-decoded, its path climbs (`..`) out of the repository: never requested.
    escapes: bool = False

    @property
    def full_name(self) -> str:
        return f"{self.workspace}/{self.repo}"


@dataclass(frozen=True, slots=True)
class FileLoc:
    """A resolved location in a repository: `ref` is what the API is asked (a hash when the branch
    name holds `/`); `at` keeps the branch name the user wrote, for display and relative URLs."""

    workspace: str
    repo: str
    ref: str
    path: str  # no leading slash; "" is the repository root
    at: str | None = None

    @property
    def full_name(self) -> str:
        return f"{self.workspace}/{self.repo}"

    def same_repo(self, other: FileLoc | ParsedUrl) -> bool:
        return self.workspace.lower() == other.workspace.lower() and self.repo.lower() == other.repo.lower()

    def web_url(self, hosts: Hosts) -> str:
        repo = f"{hosts.web}/{quote(self.workspace)}/{quote(self.repo)}"
        url = f"{repo}/src/{quote(self.ref, safe='')}/{quote(self.path)}"
        return url + (f"?at={quote(self.at, safe='')}" if self.at else "")

    def api_url(self, hosts: Hosts, *, folder: bool = False) -> str:
        path = quote(self.path)
        if folder and path and not path.endswith("/"):
            path += "/"
        return f"{hosts.repo_api(self.workspace, self.repo)}/src/{quote(self.ref, safe='')}/{path}"

    def with_path(self, path: str) -> FileLoc:
        return FileLoc(self.workspace, self.repo, self.ref, path, self.at)


def parse(url: str, hosts: Hosts) -> ParsedUrl | None:
    """A Bitbucket URL on the configured web host, or None (another host, or not a repository URL)."""
    if not hosts.is_web(url):
        return None
    parts = urlsplit(url)
    segments = _segments(parts.path, hosts)
    if len(segments) < 2 or not segments[0] or not segments[1]:
        return None
    workspace, repo = segments[0], segments[1].removesuffix(".git")
    at_values = parse_qs(parts.query).get("at")
    at = at_values[0] if at_values and at_values[0] else None
    rest = segments[2:]
    escapes = any(_climbs(name, itself=True) for name in (workspace, repo, at or "x"))
    if not rest or rest == [""]:
        return ParsedUrl(workspace, repo, (), at, "repo", escapes)
    if rest[0] not in ("src", "raw"):
        return None
    tail = _tail(rest[1:])
    escapes = escapes or any(_climbs(p, itself=i == 0) for i, p in enumerate(tail))
    return ParsedUrl(workspace, repo, tail, at, rest[0], escapes)


def _segments(path: str, hosts: Hosts) -> list[str]:
    """The decoded path segments after the web host's own path; trailing empty ones dropped
    beyond the workspace and repository."""
    base = (urlsplit(hosts.web).path or "").rstrip("/")
    segments = [unquote(s) for s in path[len(base) :].split("/")[1:]]
    while segments and segments[-1] == "" and len(segments) > 2:
        segments.pop()
    return segments


def _tail(after_kind: list[str]) -> tuple[str, ...]:
    """The ref-and-path segments after `src`/`raw`: `./` names the same folder, and a trailing
    slash adds nothing."""
    tail = tuple(after_kind[:1]) + tuple(p for p in after_kind[1:] if p != ".")
    return tail[:-1] if tail and tail[-1] == "" else tail


def _climbs(segment: str, *, itself: bool = False) -> bool:
    """Whether a decoded segment (which holds `/` or `\\` where the URL had `%2F`/`%5C`) has a
    `..` part, which servers normalise into the parent; `itself`: a `.` part counts too."""
    parts = segment.replace("\\", "/").split("/")
    return ".." in parts or (itself and "." in parts)


def candidate_refs(parsed: ParsedUrl) -> list[tuple[str, str]]:
    """(ref, path) splits of the tail, the longest ref first: `src/a/b/c.yaml` may be branch `a/b`."""
    tail = parsed.tail
    return [("/".join(tail[:n]), "/".join(tail[n:])) for n in range(len(tail), 0, -1)]


def needs_ref_lookup(parsed: ParsedUrl) -> bool:
    """Whether the API must be asked where the ref ends (a slash branch is possible)."""
    if parsed.at is not None or not parsed.tail:
        return False
    if HASH.fullmatch(parsed.tail[0]):
        return False
    return len(parsed.tail) > 2


def simple_split(parsed: ParsedUrl) -> tuple[str | None, str]:
    """(ref, path) when no lookup is needed; None = default branch. `?at=` names the ref unless the
    path already holds a commit (the web UI's `src/<commit>/x?at=branch`), which is what Backstage
    reads: it ignores `?at=`."""
    if not parsed.tail:
        return parsed.at, ""
    path = "/".join(parsed.tail[1:])
    if parsed.at and HASH.fullmatch(parsed.tail[0]):
        return parsed.tail[0], path
    return (parsed.at or parsed.tail[0]), path


class Escapes(Exception):
    """A relative target climbs out of the repository."""


def join(base: FileLoc, target: str) -> FileLoc:
    """Resolve a relative `target` against the file `base`; raises `Escapes` above the root."""
    text = target.split("#", 1)[0]
    text = text.split("?", 1)[0]
    clean = unquote(text)
    if clean.startswith("/"):
        joined = clean.lstrip("/")
    else:
        folder = posixpath.dirname(base.path)
        joined = posixpath.join(folder, clean) if folder else clean
    if not joined or joined in (".", "./"):
        return base.with_path("")
    trailing = joined.endswith("/")
    parts: list[str] = []
    for part in joined.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                raise Escapes(target)
            parts.pop()
            continue
        parts.append(part)
    path = "/".join(parts)
    return base.with_path(path + ("/" if trailing and path else ""))


def is_absolute(target: str) -> bool:
    parts = urlsplit(target)
    return len(parts.scheme) > 1 and bool(parts.netloc)


def backstage_reading(parsed: ParsedUrl, branch: str, path: str, web: str, commit: str | None = None) -> str:
    """How Backstage's Bitbucket reader reads a URL that names `branch` and `path`, when it reads
    something else; "" when both agree. It takes the one segment after `src/` as the ref (a `%2F`
    is decoded first, so encoding the slash does not help) and ignores `?at=`. The only spelling
    both read alike is the web UI's: the commit in the path, the branch in `?at=`
    (tests/backstage/test_bitbucket_urls.py checks this against a real Backstage)."""
    if not parsed.tail or parsed.kind == "repo":
        return ""
    # `tail` is already percent-decoded, as Backstage decodes it: `feature%2Fx` splits like `feature/x`.
    first, _, seen_path = "/".join(parsed.tail).partition("/")
    if first == branch or HASH.fullmatch(first):
        return ""
    if parsed.at:
        why = "it ignores ?at="
    else:
        why = "it takes the one segment after /src/ as the ref, even with the slash written %2F"
    repo = f"{web}/{quote(parsed.workspace)}/{quote(parsed.repo)}"
    spelled = f"{repo}/{parsed.kind}/{commit or '<commit>'}/{quote(path)}?at={quote(branch, safe='')}"
    return (
        f'Backstage reads this URL as ref "{first}" and path "{seen_path}" ({why}), not branch "{branch}"; '
        f"the spelling both read is {spelled} (Backstage then stays on that commit)"
    )
