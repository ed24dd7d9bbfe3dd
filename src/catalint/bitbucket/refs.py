"""Turn a parsed Bitbucket URL into a `FileLoc` the API can read, asking the API when needed:
the default branch of a bare repository URL, and where a slash-containing branch name ends."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote

from catalint.bitbucket.client import OK, UNVERIFIED, BitbucketClient, Reply
from catalint.bitbucket.urls import FileLoc, ParsedUrl, candidate_refs, needs_ref_lookup, simple_split


@dataclass(frozen=True, slots=True)
class Located:
    loc: FileLoc | None
    failure: Reply | None = None  # why it could not be located (not found, unverified, ...)


class RefResolver:
    """Caches per repository: its default branch, and branch names → commit hashes."""

    def __init__(self, client: BitbucketClient) -> None:
        self.client = client

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

    def slash_branches(self, workspace: str, repo: str, first: str) -> tuple[dict[str, str], Reply | None]:
        """Branches named `first/...` → head hash: one filtered listing per repository and prefix."""
        url = f"{self.client.hosts.repo_api(workspace, repo)}/refs/branches"
        params = {"q": f'name ~ "{first}/"', "pagelen": 100, "fields": "values.name,values.target.hash,next"}
        found: dict[str, str] = {}
        for reply, values in self.client.pages(url, params):
            if not reply.ok:
                return {}, reply
            for value in values:
                name = value.get("name") if isinstance(value, dict) else None
                target = value.get("target") if isinstance(value, dict) else None
                commit = target.get("hash") if isinstance(target, dict) else None
                if isinstance(name, str) and isinstance(commit, str) and name.startswith(first + "/"):
                    found[name] = commit
        return found, None

    def locate(self, parsed: ParsedUrl) -> Located:
        ws, repo = parsed.workspace, parsed.repo
        if parsed.escapes:  # whatever the caller forgot: a path out of the repository is never requested
            return Located(None, Reply(UNVERIFIED, detail="its path leaves the repository; not requested"))
        if needs_ref_lookup(parsed):
            names, failure = self.slash_branches(ws, repo, parsed.tail[0])
            if failure is not None:
                return Located(None, failure)
            for name, rest in candidate_refs(parsed):
                if "/" in name and name in names:
                    return Located(FileLoc(ws, repo, names[name], rest, name))
            return Located(FileLoc(ws, repo, parsed.tail[0], "/".join(parsed.tail[1:])))
        ref, path = simple_split(parsed)
        if ref is None:
            branch, reply = self.default_branch(ws, repo)
            if branch is None:
                return Located(None, reply)
            if "/" in branch:
                return self._slash(ws, repo, branch, path)
            return Located(FileLoc(ws, repo, branch, path))
        if "/" in ref:
            return self._slash(ws, repo, ref, path)
        return Located(FileLoc(ws, repo, ref, path, parsed.at))

    def _slash(self, ws: str, repo: str, ref: str, path: str) -> Located:
        commit, reply = self.branch_hash(ws, repo, ref)
        if commit is None:
            return Located(None, reply)
        return Located(FileLoc(ws, repo, commit, path, ref))


__all__ = ["OK", "Located", "RefResolver"]
