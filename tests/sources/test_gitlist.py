"""The git listing (sources/gitlist.py) against the walk it stands for, on real repositories: the
same paths, real paths and order, or `None` where it must give way; and a blob id only where it
is the id of the very bytes on disk."""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path

import pytest

from catalint.ci.changes import PendingChanges, Repo
from catalint.lint import cache as cachemod
from catalint.lint.cache import blob_id
from catalint.lint.run import _LocalRun
from catalint.sources.files import SKIP_DIRS, walk
from catalint.sources.gitlist import GitListing
from tests.cli_run import RunCli
from tests.descriptors import component, group
from tests.gitrepo import commit_all, git, write

NAME = "catalog-info.yaml"
# Folder names the walk orders and skips in ways a plain sort would not: a prefix of another,
# characters before and after "/", a skipped folder, a name that needs no escaping and one that does.
FOLDERS = ["a", "ab", "a-b", "a.b", "b", "node_modules", ".venv", "Z", "é", "x y", "a b"]


def _path(rng: random.Random) -> str:
    depth = rng.choice([0, 1, 1, 2, 2, 3])
    name = rng.choice([NAME, NAME, NAME, "catalog-info.yml", "catalog-info.json", "other.yaml"])
    return "/".join([*(rng.choice(FOLDERS) for _ in range(depth)), name])


def _repo(rng: random.Random, root: Path, nested: bool = True) -> None:
    """A random repository: committed files, then on top of them untracked, ignored, changed,
    staged and deleted ones, an untracked folder and a nested repository."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {_path(rng): f"n: {i}\n" for i in range(rng.randint(3, 25))}
    files[".gitignore"] = rng.choice(["ignored/\n", "ignored/\n*.json\n", "a/\n", ""])
    write(root, files)
    commit_all(root, "base")
    tracked = [p for p in git(root, "-c", "core.quotePath=false", "ls-files").splitlines() if p != ".gitignore"]
    for rel in rng.sample(tracked, k=min(len(tracked), rng.randint(0, 4))):
        action = rng.choice(["edit", "edit-staged", "delete", "delete-staged"])
        if action.startswith("edit"):
            (root / rel).write_text("changed: yes\n")
        elif (root / rel).exists():
            (root / rel).unlink()
        if action.endswith("staged"):
            git(root, "add", "-f", "-A", "--", rel)
    extra = {}
    for _ in range(rng.randint(0, 4)):
        extra[rng.choice(["", "ignored/", "fresh/deep/", "a/", "node_modules/"]) + _path(rng)] = "new: 1\n"
    write(root, {rel: text for rel, text in extra.items() if not (root / rel).is_dir()})
    if nested and rng.random() < 0.3:
        nested_repo = root / "nested"
        nested_repo.mkdir(exist_ok=True)
        git(nested_repo, "init", "-q")
        write(nested_repo, {NAME: "nested: 1\n"})


def _committed(tmp_path: Path, files: dict[str, str]) -> Path:
    """A repository holding `files`, committed."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, files)
    commit_all(root, "base")
    return root


def _walked(root: Path) -> list[tuple[str, str]]:
    return list(walk(root))


@pytest.mark.parametrize("seed", range(40))
def test_the_listing_finds_what_the_walk_finds_in_its_order(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "repo"
    _repo(rng, root)
    for folder in [root, *(p for p in sorted(root.iterdir()) if p.is_dir() and p.name != ".git")][:4]:
        listing = GitListing.start(root)
        assert listing is not None
        listed = listing.descriptors(folder)
        listing.close()
        if listed is None:  # (only a folder git lists as a whole, untracked or ignored, or one skipped from the top)
            listed_whole = git(root, "status", "--porcelain", "--ignored", "--", folder.name).endswith(f" {folder.name}/")
            assert folder != root and (listed_whole or folder.name in SKIP_DIRS), (seed, folder)
            continue
        assert [(path, real) for path, real, _ in listed] == _walked(folder), (seed, folder)
        for path, _, blob in listed:
            if blob:
                assert blob == blob_id(Path(path).read_bytes()), (seed, path)


def test_a_clean_tracked_file_is_vouched_for_and_a_changed_one_is_not(tmp_path: Path) -> None:
    root = _committed(tmp_path, {f"s{i}/{NAME}": f"n: {i}\n" for i in range(3)})
    (root / "s1" / NAME).write_text("n: changed\n")
    write(root, {f"s3/{NAME}": "n: 3\n"})
    listing = GitListing.start(root)
    assert listing is not None
    listed = {Path(path).parent.name: blob for path, _, blob in listing.descriptors(root) or []}
    assert listed == {"s0": blob_id(b"n: 0\n"), "s1": "", "s2": blob_id(b"n: 2\n"), "s3": ""}
    assert listing.untracked() == [f"s3/{NAME}"]
    assert listing.touched() == [f"s1/{NAME}"]


@pytest.mark.parametrize(
    "setup",
    [
        "a .gitattributes in the tree",
        "an untracked .gitattributes",
        "core.autocrlf",
        "core.checkStat",
        "info/attributes",
    ],
)
def test_nothing_is_vouched_for_where_the_bytes_on_disk_may_not_be_the_blob(tmp_path: Path, setup: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {f"s/{NAME}": "n: 1\n", "README": "x\n"})
    if setup == "a .gitattributes in the tree":
        write(root, {"docs/.gitattributes": "*.yaml text eol=crlf\n"})
    commit_all(root, "base")
    if setup == "an untracked .gitattributes":
        write(root, {".gitattributes": "*.yaml text eol=crlf\n"})
    elif setup == "core.autocrlf":
        git(root, "config", "core.autocrlf", "input")
    elif setup == "core.checkStat":  # (git may then miss a change: its word is not enough)
        git(root, "config", "core.checkStat", "minimal")
    elif setup == "info/attributes":
        (root / ".git" / "info").mkdir(exist_ok=True)
        (root / ".git" / "info" / "attributes").write_text("*.yaml text\n")
    listing = GitListing.start(root)
    assert listing is not None
    listed = listing.descriptors(root)
    assert listed is not None and [blob for _, _, blob in listed] == [""]
    assert [path for path, _, _ in listed] == [str(root / "s" / NAME)]


@pytest.mark.parametrize("where", ["tracked", "untracked", "ignored"])
def test_a_symlink_sends_the_run_back_to_the_walk(tmp_path: Path, where: str) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {f"s/{NAME}": "n: 1\n", ".gitignore": "ignored-link\n"})
    name = {"tracked": "link", "untracked": "link", "ignored": "ignored-link"}[where]
    os.symlink("s", root / name)
    if where != "tracked":
        commit_all(root, "base")  # (the link is then committed too: undone below)
        git(root, "rm", "-q", "--cached", name) if where == "untracked" else None
    else:
        commit_all(root, "base")
    listing = GitListing.start(root)
    assert listing is not None
    assert listing.descriptors(root) is None
    # (the walk goes through the link, first by name, and so finds the file there, not in "s")
    assert [path for path, _ in _walked(root)] == [str(root / name / NAME)]


def test_a_tracked_file_replaced_on_disk_by_a_folder_sends_the_run_back_to_the_walk(tmp_path: Path) -> None:
    root = _committed(tmp_path, {f"s/{NAME}": "n: 1\n"})
    (root / "s" / NAME).unlink()
    (root / "s" / NAME).mkdir()
    listing = GitListing.start(root)
    assert listing is not None and listing.descriptors(root) is None


def test_a_file_git_does_not_check_sends_the_run_back_to_the_walk(tmp_path: Path) -> None:
    root = _committed(tmp_path, {f"s/{NAME}": "n: 1\n"})
    git(root, "update-index", "--assume-unchanged", f"s/{NAME}")
    (root / "s" / NAME).write_text("n: changed behind git's back\n")
    listing = GitListing.start(root)
    assert listing is not None and listing.descriptors(root) is None


def test_outside_a_repository_there_is_no_listing(tmp_path: Path) -> None:
    assert GitListing.start(tmp_path) is None


def test_a_root_outside_the_working_tree_is_walked(tmp_path: Path) -> None:
    root = _committed(tmp_path, {f"s/{NAME}": "n: 1\n"})
    listing = GitListing.start(root)
    assert listing is not None and listing.descriptors(tmp_path) is None


@pytest.mark.parametrize("seed", range(12))
def test_the_change_from_the_listing_is_the_change_from_the_working_tree(tmp_path: Path, seed: int) -> None:
    """The diff made from HEAD's tree and the paths `git status` names, against the diff of the
    whole working tree: the same files, lines and removals."""
    rng = random.Random(seed)
    root = tmp_path / "repo"
    _repo(rng, root, nested=False)
    commit_all(root, "more")  # (so that HEAD differs from the base as well as the disk)
    git(root, "checkout", "-q", "-b", "feature")
    for rel in rng.sample(sorted(git(root, "-c", "core.quotePath=false", "ls-files").splitlines()), k=2):
        action = rng.choice(["edit", "commit", "delete"])
        if action == "delete":
            (root / rel).unlink()
        else:
            (root / rel).write_text((root / rel).read_text() + "more: 2\n")
        if action == "commit":
            commit_all(root, "edit")
    base = git(root, "merge-base", "main", "HEAD")
    repo = Repo(root)
    plain = PendingChanges(repo, base).result()
    listing = GitListing.start(root)
    assert listing is not None
    listed = PendingChanges(repo, base, listing).result()
    assert listed.removed == plain.removed, seed
    assert list(listed.files.items()) == list(plain.files.items()), seed


def test_a_fresh_clone_is_answered_from_the_cache_without_reading_a_file(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A CI checkout is a new clone each time: every file's stat signature differs from the cached
    one's. The files git vouches for are still found by their blob ids, and none is read."""
    origin, root, base_cache = tmp_path / "origin", tmp_path / "repo", tmp_path / "base-cache"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    write(origin, {f"s{i}/{NAME}": component(f"s{i}") for i in range(6)} | {f"teams/{NAME}": group("team-a")})
    commit_all(origin, "base")
    git(tmp_path, "clone", "-q", str(origin), str(root))
    run_cli("lint", "--fail-on", "never", "--cache-dir", str(base_cache), ".", cwd=root)
    stats = _stat_records(base_cache)
    shutil.rmtree(root)
    git(tmp_path, "clone", "-q", str(origin), str(root))  # (the same path, every inode new)
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {f"s0/{NAME}": component("s0") + "  dependsOn: [component:nowhere]\n"})
    commit_all(root, "change")
    args = ("lint", "--fail-on", "never", "--format", "json", "--changed-since", "main", ".")
    keyed: list[str] = []
    key_for_blob = cachemod.key_for_blob

    def counted(blob: str, display: str, fingerprint: str) -> str:
        keyed.append(display)
        return key_for_blob(blob, display, fingerprint)

    monkeypatch.setattr(cachemod, "key_for_blob", counted)
    cached = run_cli(*args, "--cache-dir", str(base_cache), cwd=root)
    # (the clone's `origin` is the one the records' keys were made with: only the change is keyed)
    assert keyed and all(display.startswith(f"s0/{NAME}") for display in keyed), keyed
    assert cached.stdout == run_cli(*args, "--no-cache", cwd=root).stdout
    assert "component:default/nowhere" in cached.stdout
    after = _stat_records(base_cache)
    # (a record's id: the path shown, the repository (none), as what; the real path too only where
    # it is not the shown one's)
    assert sorted(stats) == sorted(f"\0{folder}/{NAME}\0\0\0url" for folder in ["teams", *(f"s{i}" for i in range(6))])
    unchanged = [stat_id for stat_id in stats if not stat_id.startswith("\0s0/")]
    assert len(unchanged) == 6 and all(after[stat_id] == stats[stat_id] for stat_id in unchanged)  # (kept as read: no stat, no read)
    assert after[f"\0s0/{NAME}\0\0\0url"] != stats[f"\0s0/{NAME}\0\0\0url"]


def _stat_records(cache: Path) -> dict[str, str]:
    (pack,) = (cache / "packs").glob("*.pack")
    records: dict[str, str] = json.loads(pack.read_text(encoding="ascii").split("\n", 1)[0])
    return records


def test_a_listing_closed_before_it_was_asked_answers_nothing_and_leaves_no_process(tmp_path: Path) -> None:
    root = _committed(tmp_path, {f"s/{NAME}": "n: 1\n"})
    listing = GitListing.start(root)
    assert listing is not None
    listing.close()
    assert (listing.descriptors(root), listing.untracked(), listing.touched()) == (None, None, None)
    assert all(started.returncode is not None for started in listing._started)
    listing.close()  # (twice: as harmless)
    asked = GitListing.start(root)
    assert asked is not None and asked.untracked() == []
    asked.close()
    assert asked.touched() == [] and asked.descriptors(root) is not None  # (what was read stays)


@pytest.mark.parametrize("seed", range(16))
def test_results_looked_up_ahead_are_those_the_run_would_take_and_the_rest_go_back(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, seed: int
) -> None:
    """While git is busy, a run looks up the results of the files git's index lists
    (`_LocalRun.look_ahead`); a file then found changed on disk, staged or gone takes its own
    result, and the rest go back to the pack. Forced here (git is rarely that slow on a small
    tree): the report and the pack left are those of a run that did not look ahead."""
    rng = random.Random(seed)
    root, base_cache = tmp_path / "repo", tmp_path / "base-cache"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    names = [f"s{i}" for i in range(8)]
    write(root, {f"{name}/{NAME}": component(name) for name in names} | {f"teams/{NAME}": group("team-a")})
    commit_all(root, "base")
    run_cli("lint", "--fail-on", "never", "--cache-dir", str(base_cache), ".", cwd=root)
    git(root, "checkout", "-q", "-b", "feature")
    edited, gone, staged, committed = rng.sample(names, k=4)
    write(root, {f"{committed}/{NAME}": component(committed) + "  dependsOn: [component:s0]\n"})
    commit_all(root, "change")
    write(root, {f"{edited}/{NAME}": component(edited) + "  dependsOn: [component:nowhere]\n"})
    (root / gone / NAME).unlink()
    write(root, {f"{staged}/{NAME}": component(staged, owner="nobody") if rng.random() < 0.5 else group(staged)})
    git(root, "add", "--", f"{staged}/{NAME}")
    write(root, {f"new/{NAME}": component("new")})
    if rng.random() < 0.3:
        write(root, {".gitattributes": "*.yaml text\n"})  # (then nothing is vouched for)
    args = ("lint", "--fail-on", "never", "--format", "json", "--changed-since", "main", ".")
    expected = run_cli(*args, "--no-cache", cwd=root).stdout
    packs = []
    looked_up: list[int] = []
    look_ahead = _LocalRun.look_ahead

    def counted(local: _LocalRun, listing: GitListing) -> None:
        look_ahead(local, listing)
        looked_up.append(len(local.ahead))

    monkeypatch.setattr(_LocalRun, "look_ahead", counted)
    for ahead in (False, True):
        cache = tmp_path / f"cache-{ahead}"
        shutil.copytree(base_cache, cache)
        monkeypatch.setattr(GitListing, "busy", lambda self, ahead=ahead: ahead and not self._collected)
        assert run_cli(*args, "--cache-dir", str(cache), cwd=root).stdout == expected, (seed, ahead)
        packs.append(_pack(cache))
        assert run_cli(*args, "--cache-dir", str(cache), cwd=root).stdout == expected, (seed, ahead)  # warm again
    assert packs[0] == packs[1], seed
    assert looked_up and looked_up[0] >= 4, looked_up  # (the clean files' results at least)


def _pack(cache: Path) -> tuple[dict[str, str], list[str]]:
    """A pack's stat records and its other lines, as sets go (the order of its lines is no part of it)."""
    (pack,) = (cache / "packs").glob("*.pack")
    first, *rest = pack.read_text(encoding="ascii").splitlines()
    return json.loads(first), sorted(rest[:-1])
