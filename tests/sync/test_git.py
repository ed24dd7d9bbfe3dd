"""sync/git on real repositories: a bare "remote" and clones of it in tmp_path."""

from __future__ import annotations

from pathlib import Path

import git
import pytest

from catalint.sync.git import (
    DEFAULT_AUTHOR,
    GitError,
    PushRejected,
    commit_file,
    commit_message,
    parse_author,
    push,
    redact,
)

URL = "https://bitbucket.org/acme/a/src/main/catalog-info.yaml"
OTHER = "https://bitbucket.org/acme/b/src/main/catalog-info.yaml"
ENV = {
    "GIT_AUTHOR_NAME": "seed",
    "GIT_AUTHOR_EMAIL": "seed@x",
    "GIT_COMMITTER_NAME": "seed",
    "GIT_COMMITTER_EMAIL": "seed@x",
}


def _clone(remote: Path, where: Path) -> git.Repo:
    return git.Repo.clone_from(str(remote), str(where))


@pytest.fixture
def remote(tmp_path: Path) -> Path:
    bare = tmp_path / "remote.git"
    git.Repo.init(bare, bare=True, initial_branch="main")
    seed = git.Repo.init(tmp_path / "seed", initial_branch="main")
    (tmp_path / "seed" / "README").write_text("hi\n")
    seed.git.add("README")
    seed.git.commit("-m", "init", env=ENV)
    seed.create_remote("origin", str(bare)).push("main:main")
    return bare


def test_parse_author() -> None:
    assert str(parse_author(DEFAULT_AUTHOR)) == DEFAULT_AUTHOR
    assert parse_author("Sync Bot <bot@acme.test>").name == "Sync Bot"
    for bad in ("no email", "<x@y>", "a <b c@d>"):
        with pytest.raises(GitError):
            parse_author(bad)


def test_commit_only_the_file_with_author_and_message(tmp_path: Path, remote: Path) -> None:
    repo = _clone(remote, tmp_path / "work")
    work = Path(str(repo.working_tree_dir))
    (work / "unrelated.txt").write_text("staged but not ours\n")
    repo.git.add("unrelated.txt")
    target = work / "catalog" / "bitbucket.yaml"
    target.parent.mkdir()
    target.write_text("kind: Location\n")
    message = commit_message([URL], [OTHER])
    sha = commit_file(target, message=message, author="Sync Bot <bot@acme.test>")
    assert sha is not None and repo.head.commit.hexsha == sha
    head = repo.head.commit
    assert (head.author.name, head.author.email) == ("Sync Bot", "bot@acme.test")
    assert (head.committer.name, head.committer.email) == ("Sync Bot", "bot@acme.test")
    assert set(head.stats.files) == {"catalog/bitbucket.yaml"}
    assert f"Added:\n- {URL}" in head.message and f"Removed:\n- {OTHER}" in head.message
    assert "unrelated.txt" in [d.a_path for d in repo.index.diff("HEAD")]  # still staged, not committed
    assert commit_file(target, message=message) is None  # unchanged: no empty commit


def test_push_current_branch_and_new_branch(tmp_path: Path, remote: Path) -> None:
    repo = _clone(remote, tmp_path / "work")
    target = Path(str(repo.working_tree_dir)) / "loc.yaml"
    target.write_text("one\n")
    sha = commit_file(target, message="m")
    pushed = push(target)
    assert (pushed.branch, pushed.commit) == ("main", sha)
    bare = git.Repo(remote)
    assert bare.commit("main").hexsha == sha

    target.write_text("two\n")
    sha2 = commit_file(target, message="m2")
    pushed = push(target, branch="catalint/sync-1")
    assert bare.commit("catalint/sync-1").hexsha == sha2
    assert bare.commit("main").hexsha == sha  # main untouched


def test_rejected_push_is_a_clear_error_and_keeps_the_commit(tmp_path: Path, remote: Path) -> None:
    ours = _clone(remote, tmp_path / "ours")
    theirs = _clone(remote, tmp_path / "theirs")
    other = Path(str(theirs.working_tree_dir)) / "other.txt"
    other.write_text("someone else\n")
    theirs.git.add("other.txt")
    theirs.git.commit("-m", "diverge", env=ENV)
    theirs.remote("origin").push("main:main")

    target = Path(str(ours.working_tree_dir)) / "loc.yaml"
    target.write_text("ours\n")
    sha = commit_file(target, message="sync")
    assert sha is not None
    with pytest.raises(PushRejected, match=r"rejected.*local commit [0-9a-f]{12} is kept") as info:
        push(target)
    assert sha[:12] in str(info.value)
    assert ours.head.commit.hexsha == sha  # the local commit survives
    assert git.Repo(remote).commit("main").hexsha == theirs.head.commit.hexsha


def test_not_a_repository_and_missing_remote(tmp_path: Path) -> None:
    lone = tmp_path / "lone" / "loc.yaml"
    lone.parent.mkdir()
    lone.write_text("x\n")
    with pytest.raises(GitError, match="not inside a git work tree"):
        commit_file(lone, message="m")
    repo = git.Repo.init(tmp_path / "noremote", initial_branch="main")
    target = Path(str(repo.working_tree_dir)) / "loc.yaml"
    target.write_text("x\n")
    commit_file(target, message="m")
    with pytest.raises(GitError, match="no remote named 'origin'"):
        push(target)


def test_redact_hides_url_credentials() -> None:
    text = "fatal: unable to access 'https://x-token-auth:s3cr3t@bitbucket.org/acme/c.git/'"
    assert "s3cr3t" not in redact(text) and "https://***@bitbucket.org" in redact(text)


def test_pr_branch_is_replaced_on_the_next_nightly_run(tmp_path: Path, remote: Path) -> None:
    """Each night starts from a fresh checkout of main, so last night's PR-branch commit is not an
    ancestor of tonight's: the push to the (catalint-owned) branch must replace it, not be refused."""
    bare = git.Repo(remote)
    main_sha = bare.commit("main").hexsha
    night1 = _clone(remote, tmp_path / "night1")
    target1 = Path(str(night1.working_tree_dir)) / "loc.yaml"
    target1.write_text("one\n")
    sha1 = commit_file(target1, message="night 1")
    push(target1, branch="catalint/sync")
    assert bare.commit("catalint/sync").hexsha == sha1

    night2 = _clone(remote, tmp_path / "night2")  # main only; the PR was not merged
    target2 = Path(str(night2.working_tree_dir)) / "loc.yaml"
    target2.write_text("one\ntwo\n")
    sha2 = commit_file(target2, message="night 2")
    assert sha2 is not None and sha1 not in [c.hexsha for c in night2.iter_commits()]
    pushed = push(target2, branch="catalint/sync")
    assert (pushed.branch, pushed.commit) == ("catalint/sync", sha2)
    assert bare.commit("catalint/sync").hexsha == sha2
    assert bare.commit("main").hexsha == main_sha  # never forced anything onto main


def test_branch_naming_the_current_branch_is_never_forced(tmp_path: Path, remote: Path) -> None:
    ours = _clone(remote, tmp_path / "ours")
    theirs = _clone(remote, tmp_path / "theirs")
    (Path(str(theirs.working_tree_dir)) / "x").write_text("x\n")
    theirs.git.add("x")
    theirs.git.commit("-m", "diverge", env=ENV)
    theirs.remote("origin").push("main:main")
    target = Path(str(ours.working_tree_dir)) / "loc.yaml"
    target.write_text("ours\n")
    commit_file(target, message="sync")
    with pytest.raises(PushRejected):
        push(target, branch="main")
    assert git.Repo(remote).commit("main").hexsha == theirs.head.commit.hexsha
    ours.git.checkout("--detach")  # detached (as some CI checkouts are): main is still the remote's default
    with pytest.raises(PushRejected):
        push(target, branch="main")
    assert git.Repo(remote).commit("main").hexsha == theirs.head.commit.hexsha
