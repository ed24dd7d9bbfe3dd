"""Commit the generated file and push it, with gitpython driving the git command line.

Only the generated file is committed (``git commit --only``), whatever else is staged. A push
that the remote refuses raises ``PushRejected``; the local commit stays so nothing is lost.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import git

from catalint.redact import redact_url

DEFAULT_AUTHOR = "catalint <catalint@users.noreply.github.com>"
_AUTHOR = re.compile(r"\s*(?P<name>[^<>]*?)\s*<(?P<email>[^<>\s]+)>\s*")


class GitError(Exception):
    pass


class PushRejected(GitError):
    pass


@dataclass(frozen=True)
class Author:
    name: str
    email: str

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>"


def parse_author(text: str) -> Author:
    match = _AUTHOR.fullmatch(text)
    if not match or not match.group("name"):
        raise GitError(f"author {text!r} must look like 'Name <email@example.com>'")
    return Author(match.group("name"), match.group("email"))


def redact(text: str) -> str:
    """Hide ``user:token@`` in URLs that git may echo back."""
    return redact_url(text)


def _stderr(err: git.GitCommandError) -> str:
    raw = err.stderr if isinstance(err.stderr, str) else str(err.stderr or "")
    text = raw.strip().removeprefix("stderr:").strip().strip("'").strip()
    return redact(text or f"git exited with status {err.status}")


def commit_message(added: Sequence[str], removed: Sequence[str]) -> str:
    noun = "catalog location" if len(added) + len(removed) == 1 else "catalog locations"
    lines = [f"catalint sync: {len(added)} added, {len(removed)} removed {noun}", ""]
    if added:
        lines += ["Added:", *(f"- {u}" for u in added), ""]
    if removed:
        lines += ["Removed:", *(f"- {u}" for u in removed), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def committed_text(path: Path) -> str | None:
    """``path`` as HEAD has it, or None (not committed yet, or no commit at all)."""
    repo, rel = open_repo(path)
    try:
        return str(repo.git.show(f"HEAD:{rel}", strip_newline_in_stdout=False))
    except git.GitCommandError:
        return None


def commit_message_for(path: Path, targets_of: Callable[[str], Sequence[str]]) -> str:
    """The message for committing ``path`` as it is now: what it adds and removes against HEAD.
    Not against the file this run started from: an interrupted run may have written that one
    without committing it, and its additions belong to this commit."""
    before = committed_text(path)
    old = set(targets_of(before)) if before is not None else set()
    new = set(targets_of(path.read_text(encoding="utf-8")))
    return commit_message(sorted(new - old), sorted(old - new))


def open_repo(path: Path) -> tuple[git.Repo, str]:
    """The repository holding ``path`` and the path relative to its work tree."""
    try:
        repo = git.Repo(path.resolve().parent, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(f"{path} is not inside a git work tree (needed for --commit)") from None
    if repo.working_tree_dir is None:
        raise GitError(f"{path} is in a bare repository")
    rel = path.resolve().relative_to(Path(repo.working_tree_dir).resolve())
    return repo, rel.as_posix()


def commit_file(path: Path, *, message: str, author: Author | str = DEFAULT_AUTHOR) -> str | None:
    """Commit ``path`` alone; returns the new commit's hash, or None when it has no changes."""
    who = author if isinstance(author, Author) else parse_author(author)
    repo, rel = open_repo(path)
    env = {
        "GIT_AUTHOR_NAME": who.name,
        "GIT_AUTHOR_EMAIL": who.email,
        "GIT_COMMITTER_NAME": who.name,
        "GIT_COMMITTER_EMAIL": who.email,
    }
    try:
        if not repo.git.status("--porcelain", "--", rel).strip():
            return None
        repo.git.add("--", rel)
        repo.git.commit("--only", "--no-verify", "-m", message, "--", rel, env=env)
    except git.GitCommandError as err:
        raise GitError(f"git commit failed: {_stderr(err)}") from None
    return str(repo.head.commit.hexsha)


@dataclass(frozen=True)
class Pushed:
    remote: str
    branch: str
    commit: str


def _remote_default_branch(repo: git.Repo, remote: str) -> str | None:
    try:
        out = str(repo.git.ls_remote("--symref", remote, "HEAD"))
    except git.GitCommandError:
        return None
    for line in out.splitlines():
        head, _, name = line.partition("\t")
        if name == "HEAD" and head.startswith("ref: refs/heads/"):
            return head.removeprefix("ref: refs/heads/")
    return None


def _remote_tip(repo: git.Repo, remote: str, branch: str) -> str:
    """The remote branch's commit, or "" when it does not exist."""
    try:
        out = str(repo.git.ls_remote(remote, f"refs/heads/{branch}"))
    except git.GitCommandError as err:
        raise GitError(f"cannot read {remote}/{branch}: {_stderr(err)}") from None
    for line in out.splitlines():
        sha, _, ref = line.partition("\t")
        if ref == f"refs/heads/{branch}":
            return sha
    return ""


def push(path: Path, *, branch: str | None = None, remote: str = "origin") -> Pushed:
    """Push HEAD to the current branch, or to ``branch`` (e.g. a new branch for a pull request).

    A ``branch`` other than the current one and the remote's default is catalint's own pull-request
    branch: each run rebuilds it from a fresh checkout, so it is replaced (with a lease on the tip
    just read, so a push racing ours is not lost). Any other push must fast-forward.
    """
    repo, _ = open_repo(path)
    current = None if repo.head.is_detached else repo.active_branch.name
    if branch is None:
        if current is None:
            raise GitError("HEAD is detached; pass --branch to name the branch to push to")
        branch = current
    if remote not in [r.name for r in repo.remotes]:
        raise GitError(f"the repository has no remote named {remote!r}")
    commit = str(repo.head.commit.hexsha)
    args = ["--porcelain"]
    if branch != current and branch != _remote_default_branch(repo, remote):
        args.append(f"--force-with-lease=refs/heads/{branch}:{_remote_tip(repo, remote, branch)}")
    try:
        repo.git.push(*args, remote, f"HEAD:refs/heads/{branch}")
    except git.GitCommandError as err:
        detail = _stderr(err)
        out = redact(str(err.stdout or ""))
        if "[rejected]" in out or "rejected" in detail or "non-fast-forward" in detail + out:
            raise PushRejected(
                f"push to {remote}/{branch} was rejected (the remote has commits this clone lacks); "
                f"the local commit {commit[:12]} is kept. Pull/rebase and push again, or use --branch. "
                f"git said: {detail}"
            ) from None
        raise GitError(
            f"push to {remote}/{branch} failed: {detail}; the local commit {commit[:12]} is kept"
        ) from None
    return Pushed(remote, branch, commit)
