"""A local checkout that is itself a Bitbucket repository.

A descriptor in a checkout of `ws/repo` often names files of its own repository by absolute URL
(`https://bitbucket.org/ws/repo/src/main/docs/`). Those are read from the working tree instead of
the network: whatever ref the URL names, the file checked is the one on disk, so uncommitted
edits are what is read (the point of linting before a push). No HTTP request is made for them.

The repository is recognised from the `origin` remote (`https://bitbucket.org/ws/repo.git`,
`git@bitbucket.org:ws/repo.git`, `ssh://git@bitbucket.org/ws/repo.git`, `https://user@…`, or
the same forms on the host of CATALINT_BITBUCKET_URL), else from BITBUCKET_REPO_FULL_NAME in
Pipelines. A remote URL may carry a token (`https://x-token-auth:<token>@…`): it is parsed here
and never printed or stored.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from catalint.bitbucket.urls import HASH, Hosts, ParsedUrl, backstage_reading, parse

PUBLIC_HOST = "bitbucket.org"
_SCP = re.compile(r"^(?:[^@/]+@)?(?P<host>[^:/]+):(?P<path>[^/].*)$")  # git@host:ws/repo.git


@dataclass(frozen=True, slots=True)
class Checkout:
    """The working tree at `root` is `workspace/repo`; `refs` are the branch and tag names git
    knows locally, used to tell where a slash-containing branch name in a URL ends."""

    workspace: str
    repo: str
    root: str
    hosts: Hosts
    refs: frozenset[str] = frozenset()

    @property
    def key(self) -> str:
        return f"{self.workspace}/{self.repo}".lower()

    def path_in(self, url: str) -> tuple[str, bool] | None:
        """(repository-relative path, certain) for a Bitbucket URL into this repository ("" is
        the root; a trailing `/` is kept), or None for any other URL. `certain` is False when the
        URL may name a slash-containing branch git does not know locally (`src/a/b/c.yaml`):
        then the path guessed (branch `a`) is only trusted when the file is there."""
        parsed = self._parse(url)
        if parsed is None:
            return None
        if not parsed.tail:
            return "", True
        trailing = urlsplit(url).path.endswith("/")
        _, path, certain = self._split(parsed)
        return path + ("/" if trailing and path else ""), certain

    def backstage_reading(self, url: str) -> str:
        """How Backstage would misread a URL into this repository (see `urls.backstage_reading`)."""
        parsed = self._parse(url)
        if parsed is None or not parsed.tail:
            return ""
        branch, path, certain = self._split(parsed)
        if not certain or branch is None:
            return ""
        return backstage_reading(parsed, branch, path, self.hosts.web)

    def _parse(self, url: str) -> ParsedUrl | None:
        parsed = parse(url, self.hosts)
        if parsed is None or parsed.escapes:  # left to the remote check, which reports the escape
            return None
        if parsed.workspace.lower() != self.workspace.lower() or parsed.repo.lower() != self.repo.lower():
            return None
        return parsed

    def _split(self, parsed: ParsedUrl) -> tuple[str | None, str, bool]:
        """(branch or None for a hash, path, certain) of a URL's tail."""
        tail = parsed.tail
        if parsed.at is not None:
            return parsed.at, "/".join(tail[1:]), True
        if HASH.fullmatch(tail[0]):
            return None, "/".join(tail[1:]), True
        # Longest known ref first: `src/feature/x/docs/` is branch `feature/x` when git knows it.
        for n in range(len(tail), 0, -1):
            if "/".join(tail[:n]) in self.refs:
                return "/".join(tail[:n]), "/".join(tail[n:]), True
        return tail[0], "/".join(tail[1:]), len(tail) <= 2


def repo_from_remote(url: str, hosts: Hosts) -> tuple[str, str] | None:
    """(workspace, repo) from a git remote URL on bitbucket.org or the configured host."""
    text = url.strip()
    host: str | None
    if "://" in text:
        parts = urlsplit(text)
        host, path = parts.hostname, parts.path
    else:
        match = _SCP.match(text)
        if match is None:
            return None
        host, path = match.group("host"), "/" + match.group("path")
    allowed = {PUBLIC_HOST, (urlsplit(hosts.web).hostname or "").lower()}
    if not host or host.lower() not in allowed:
        return None
    base = (urlsplit(hosts.web).path or "").rstrip("/") if host.lower() != PUBLIC_HOST else ""
    if base and path.startswith(base + "/"):
        path = path[len(base) :]
    segments = [unquote(s) for s in path.strip("/").split("/")]
    if len(segments) != 2 or not all(segments):
        return None
    workspace, repo = segments[0], segments[1].removesuffix(".git")
    return (workspace, repo) if repo else None


def _local_refs(repo: object) -> frozenset[str]:
    import git

    names: set[str] = set()
    try:
        references = list(repo.references)  # type: ignore[attr-defined]
    except (OSError, ValueError, git.GitError):
        return frozenset()
    for ref in references:
        if isinstance(ref, git.RemoteReference):
            names.add(ref.remote_head)
        elif isinstance(ref, git.Head | git.TagReference):
            names.add(ref.name)
    return frozenset(n for n in names if n and n != "HEAD")


def detect(root: Path, hosts: Hosts, env: Mapping[str, str]) -> Checkout | None:
    """The Bitbucket repository checked out at `root` (a git working tree's top), if any."""
    if not _worth_asking(root, hosts, env):
        return None
    import git  # only now: it takes ~0.1 s to import, and most runs need no git at all

    try:
        repo = git.Repo(root)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, OSError):
        return None
    try:
        if repo.bare or repo.working_tree_dir is None:
            return None
        top = Path(repo.working_tree_dir).resolve()
        if top != root.resolve():
            return None
        found: tuple[str, str] | None = None
        try:
            remote_url = repo.remote("origin").url
        except (ValueError, git.GitError, OSError, AttributeError):  # (an origin with no url: gitpython's AttributeError)
            remote_url = None
        if remote_url:
            found = repo_from_remote(remote_url, hosts)
        if found is None:
            found = _pipelines_repo(top, env)
        if found is None:
            return None
        return Checkout(found[0], found[1], str(top), hosts, _local_refs(repo))
    finally:
        repo.close()


def _worth_asking(root: Path, hosts: Hosts, env: Mapping[str, str]) -> bool:
    """Cheap pre-check: a plain `.git/config` naming no Bitbucket host, outside Pipelines, is no
    Bitbucket checkout (a `.git` file, as in worktrees and submodules, is left to gitpython)."""
    dot_git = root / ".git"
    if not dot_git.exists():
        return False
    if env.get("BITBUCKET_REPO_FULL_NAME") or not dot_git.is_dir():
        return True
    try:
        config = (dot_git / "config").read_text("utf-8", errors="replace").lower()
    except OSError:
        return True
    hosts_named = {PUBLIC_HOST, (urlsplit(hosts.web).hostname or "").lower()}
    return any(host and host in config for host in hosts_named)


def _pipelines_repo(top: Path, env: Mapping[str, str]) -> tuple[str, str] | None:
    """BITBUCKET_REPO_FULL_NAME, when this is the clone Pipelines made (BITBUCKET_CLONE_DIR)."""
    full = (env.get("BITBUCKET_REPO_FULL_NAME") or "").strip().strip("/")
    if full.count("/") != 1:
        return None
    clone = env.get("BITBUCKET_CLONE_DIR")
    if clone and os.path.realpath(clone) != str(top):
        return None
    workspace, repo = full.split("/")
    return (workspace, repo) if workspace and repo else None
