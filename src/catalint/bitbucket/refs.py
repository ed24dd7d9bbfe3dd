"""Turn a parsed Bitbucket URL into a `FileLoc` the API can read, asking the API when needed:
the default branch of a bare repository URL, and where a slash-containing branch name ends."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from urllib.parse import quote

from catalint.bitbucket.client import OK, BitbucketClient, Reply
from catalint.bitbucket.urls import FileLoc, ParsedUrl, candidate_refs, needs_ref_lookup, simple_split


@dataclass(frozen=True, slots=True)
class Located:
    loc: FileLoc | None
    failure: Reply | None = None  # why it could not be located (not found, unverified, ...)


class RefResolver:
    """Caches per repository: its default branch, and branch names → commit hashes."""

    def __init__(self, client: BitbucketClient) -> None:
        self.client = client
        self._lock = threading.Lock()
        self._branches: dict[tuple[str, str, str], str | None] = {}

    def default_branch(self, workspace: str, repo: str) -> tuple[str | None, Reply]:
        reply, body = self.client.get_json(self.client.hosts.repo_api(workspace, repo))
        if not isinstance(body, dict):
            return None, reply
        main = body.get("mainbranch")
        name = main.get("name") if isinstance(main, dict) else None
        return (name if isinstance(name, str) and name else "master"), reply

    def branch_hash(self, workspace: str, repo: str, name: str) -> tuple[str | None, Reply]:
        url = f"{self.client.hosts.repo_api(workspace, repo)}/refs/branches/{quote(name, safe='')}"
        reply, body = self.client.get_json(url)
        target = body.get("target") if isinstance(body, dict) else None
        commit = target.get("hash") if isinstance(target, dict) else None
        return (commit if isinstance(commit, str) else None), reply

    def locate(self, parsed: ParsedUrl) -> Located:
        ws, repo = parsed.workspace, parsed.repo
        if needs_ref_lookup(parsed):
            last: Reply | None = None
            for ref, path in candidate_refs(parsed):
                if "/" not in ref:
                    return Located(FileLoc(ws, repo, ref, path))
                commit, reply = self.branch_hash(ws, repo, ref)
                if commit is not None:
                    return Located(FileLoc(ws, repo, commit, path, ref))
                if reply.outcome != "not-found":
                    return Located(None, reply)
                last = reply
            return Located(None, last)
        ref, path = simple_split(parsed)
        if ref is None:
            name, reply = self.default_branch(ws, repo)
            if name is None:
                return Located(None, reply)
            ref = name
        if "/" in ref:
            commit, reply = self.branch_hash(ws, repo, ref)
            if commit is None:
                return Located(None, reply)
            return Located(FileLoc(ws, repo, commit, path, ref))
        return Located(FileLoc(ws, repo, ref, path, parsed.at))


__all__ = ["OK", "Located", "RefResolver"]
