"""Adversarial review of the git listing (sources/gitlist.py) and the change it computes
(ci/changes.py `PendingChanges` with a listing), against the walk and the change computed the old
way, on real repositories.

Tests named `test_finding_*` failed on the listing as first written: each is a disagreement the
review found, kept as a regression case (a linked worktree's attributes, `core.trustctime`, a
symlink in a folder git lists whole, a root inside a skipped folder, non-UTF-8 names' order). The
others are seeded fuzzers."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from catalint.ci.changes import PendingChanges, Repo
from catalint.lint.cache import blob_id
from catalint.sources.files import walk
from catalint.sources.gitlist import GitListing
from tests.cli_run import RunCli
from tests.descriptors import component, group
from tests.gitrepo import IDENTITY, write

NAME = "catalog-info.yaml"


def git(cwd: Path, *args: str) -> str:
    """`tests.gitrepo.git`, for paths that are not UTF-8 too."""
    done = subprocess.run(["git", "--literal-pathspecs", *IDENTITY, *args], cwd=cwd, check=True, capture_output=True)
    return done.stdout.decode("utf-8", "surrogateescape").strip()


def commit_all(root: Path, message: str) -> str:
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", message)
    return git(root, "rev-parse", "HEAD")


def _listed(top: Path, folder: Path) -> list[tuple[str, str, str]] | None:
    listing = GitListing.start(top)
    assert listing is not None
    try:
        return listing.descriptors(folder)
    finally:
        listing.close()


def _as_walk(listed: list[tuple[str, str, str]]) -> list[tuple[str, str]]:
    return [(path, real) for path, real, _ in listed]


def _wrong_blobs(listed: list[tuple[str, str, str]]) -> list[str]:
    return [path for path, _, blob in listed if blob and blob != blob_id(Path(path).read_bytes())]


def _changes_agree(root: Path, base: str) -> None:
    repo = Repo(root)
    plain = PendingChanges(repo, base).result()
    listing = GitListing.start(root)
    assert listing is not None
    try:
        listed = PendingChanges(repo, base, listing).result()
    finally:
        listing.close()
    assert listed.removed == plain.removed
    assert list(listed.files.items()) == list(plain.files.items())


# ----------------------------------------------------------------------------- findings


def test_finding_a_root_inside_a_skipped_folder_misses_its_untracked_descriptors(tmp_path: Path) -> None:
    """FINDING: `_Known.other` drops every untracked/ignored path under a SKIP_DIRS folder, judged
    from the TOP, but the walk of a root below that folder (`catalint lint node_modules/x`) does
    not skip it (SKIP_DIRS applies below the root only): the listing has the tracked descriptor
    and misses the untracked one."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {f"node_modules/x/{NAME}": "a: 1\n"})
    commit_all(root, "base")
    write(root, {f"node_modules/x/y/{NAME}": "b: 1\n"})
    folder = root / "node_modules" / "x"
    listed = _listed(root, folder)
    assert listed is None or _as_walk(listed) == list(walk(folder))


def test_finding_a_linked_worktree_vouches_for_blobs_its_info_attributes_rewrite(tmp_path: Path) -> None:
    """FINDING: `_attributes_outside` looks for `info/attributes` in `--absolute-git-dir`, which in
    a linked worktree (`git worktree add`) is `.git/worktrees/NAME`; git reads it from the common
    dir (`.git/info/attributes`). Here it turns LF blobs into CRLF files on checkout, and the
    listing still vouches for the LF blob id."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {NAME: "a: 1\nb: 2\n"})
    commit_all(root, "base")
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "attributes").write_text("*.yaml text eol=crlf\n")
    tree = tmp_path / "tree"
    git(root, "worktree", "add", "-q", str(tree), "-b", "other")
    assert (tree / NAME).read_bytes() == b"a: 1\r\nb: 2\r\n"
    listed = _listed(tree, tree)
    assert listed is not None
    assert _wrong_blobs(listed) == []


def test_finding_core_trustctime_false_lets_git_vouch_for_bytes_it_never_looked_at(tmp_path: Path) -> None:
    """FINDING: with `core.trustctime=false` (or `core.checkStat=minimal`) a file rewritten at the
    same size with its mtime put back is clean to git, so the listing vouches for the old blob;
    the cache's stat signature (size mtime ino ctime) sees the new ctime and reads the file, so
    main's run lints the new bytes and the branch's serves the old result."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "core.trustctime", "false")
    write(root, {NAME: "name: aaa\n"})
    commit_all(root, "base")
    time.sleep(1.1)
    git(root, "status")  # (the index refreshed and written a second later, so it is not racy)
    before = os.stat(root / NAME)
    (root / NAME).write_text("name: bbb\n")
    os.utime(root / NAME, ns=(before.st_atime_ns, before.st_mtime_ns))
    listed = _listed(root, root)
    assert listed is not None
    assert _wrong_blobs(listed) == []


def test_finding_the_change_from_the_listing_orders_non_utf8_paths_as_python_does(tmp_path: Path) -> None:
    """FINDING: `PendingChanges.result` with touched paths re-sorts the diff records by Python str;
    a path that is not UTF-8 holds surrogates (U+DC80..) that sort after "é" (U+00E9), where git
    (bytes: 0xC3 0xA9 > 0xC3) orders them before. `ChangeSet.files` then differs in order from
    the old way's. (Fix: sort by `record[1].encode("utf-8", "surrogateescape")`.)"""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"x": "x\n"})
    base = commit_all(root, "base")
    top = os.fsencode(root)
    for name in (b"a.yaml", "é.yaml".encode(), b"\xc3.yaml", b"\xff.yaml"):
        with open(os.path.join(top, name), "wb") as handle:
            handle.write(b"a: 1\n")
    commit_all(root, "more")
    (root / "a.yaml").write_text("a: 2\n")  # (a path `status` names: the records are merged and sorted)
    _changes_agree(root, base)


def test_finding_a_symlink_inside_an_ignored_folder_walked_whole_lists_a_tracked_file_twice(tmp_path: Path) -> None:
    """FINDING: `under` walks the folders git lists whole (`build/`, ignored) with a walk of their
    own, which does not know the tracked folders the walk of the root went through: a symlink in
    `build/` back up the tree (`build/l -> ..`) yields every tracked descriptor again as
    `build/l/...`, sorted before the tracked path itself. The walk of the root reaches `build/l`
    after the top (walked once: skipped) and lists `c/catalog-info.yaml` alone."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {".gitignore": "build/\n", f"c/{NAME}": "a: 1\n"})
    commit_all(root, "base")
    (root / "build").mkdir()
    os.symlink("..", root / "build" / "l")
    listed = _listed(root, root)
    assert listed is None or _as_walk(listed) == list(walk(root))


def _lint(run_cli: RunCli, root: Path, cache: Path | None) -> str:
    args = ("lint", "--fail-on", "never", "--format", "text", "--changed-since", "main", ".")
    return run_cli(*args, *(("--cache-dir", str(cache)) if cache else ("--no-cache",)), cwd=root).stdout


def test_finding_end_to_end_a_cached_run_with_trustctime_false_shows_the_old_bytes_findings(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """FINDING, end to end: `core.trustctime=false`, a descriptor rewritten at the same size with
    its mtime put back. main re-reads it (its stat signature holds the ctime) and shows the new
    bytes' findings; the branch, with the cache of the run before, shows the old bytes'."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "core.trustctime", "false")
    write(root, {NAME: component("svc"), f"teams/{NAME}": group("team-a")})
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {f"teams/{NAME}": group("team-a") + "  description: more\n"})
    commit_all(root, "change")
    time.sleep(1.1)
    git(root, "status")  # (the index written a second after the files: not racy)
    _lint(run_cli, root, cache)
    before = os.stat(root / NAME)
    (root / NAME).write_text(component("svc").replace("kind: Component", "kind: Componenx"))
    os.utime(root / NAME, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert _lint(run_cli, root, cache) == _lint(run_cli, root, None)


def test_finding_end_to_end_a_linked_worktree_with_info_attributes_shows_the_lf_findings_for_a_crlf_file(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """FINDING, end to end: a linked worktree whose files `.git/info/attributes` (the common dir's)
    checks out with CRLF. The branch vouches for the LF blob and serves the result the cache holds
    for it (no `yamllint/new-lines` warning); --no-cache (and main) lint the CRLF bytes."""
    root, tree, cache = tmp_path / "repo", tmp_path / "tree", tmp_path / "cache"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {NAME: component("svc"), f"teams/{NAME}": group("team-a")})
    commit_all(root, "base")
    git(root, "worktree", "add", "-q", str(tree), "-b", "feature")
    write(tree, {f"teams/{NAME}": group("team-a") + "  description: more\n"})
    commit_all(tree, "change")
    _lint(run_cli, tree, cache)  # (the LF bytes' results, cached)
    (root / ".git" / "info").mkdir(exist_ok=True)
    (root / ".git" / "info" / "attributes").write_text("*.yaml text eol=crlf\n")
    (tree / NAME).unlink()
    git(tree, "checkout", "--", NAME)
    assert (tree / NAME).read_bytes().count(b"\r\n") > 1
    assert _lint(run_cli, tree, cache) == _lint(run_cli, tree, None)


def test_finding_end_to_end_a_symlink_in_an_ignored_folder_changes_the_path_a_finding_is_shown_on(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """FINDING, end to end (see the test above): main (`/work/main/.venv-ci/bin/catalint`) shows
    `c/catalog-info.yaml:8:10: warning [unresolved-ref] ...`; the branch shows the finding on
    `build/l/c/catalog-info.yaml`."""
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {".gitignore": "build/\n", f"c/{NAME}": component("svc", owner="nobody")})
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    write(root, {f"c/{NAME}": component("svc", owner="nobody") + "  # more\n"})
    commit_all(root, "change")
    (root / "build").mkdir()
    os.symlink("..", root / "build" / "l")
    args = ("lint", "--no-cache", "--fail-on", "never", "--format", "text", "--changed-since", "main", ".")
    shown = run_cli(*args, cwd=root).stdout
    assert "build/l/" not in shown  # (main's run, and a walk, never go through build/l: the top is walked first)
    assert shown.startswith("c/catalog-info.yaml:8:10: warning [unresolved-ref]")


# ----------------------------------------------------------------------------- fuzzers

# Names that sort around "/" ("-" "." "0"), prefixes of each other, skipped folders, and names with
# a space, quote, backslash, newline, tab, a non-ASCII letter and bytes that are not UTF-8.
ODD = ["a", "a-b", "a.b", "a0", "ab", "A", "b", "node_modules", ".venv", ".cache", "x y", 'q"t', "b\\s"]
ODD += ["n\nl", "t\tb", "é", "\udcff", "\udcc3x", "ignored", "build", "zz"]
FILES = [NAME, NAME, NAME, "catalog-info.yml", "catalog-info.json", "other.yaml", ".gitattributes"]


def _rel(rng: random.Random) -> str:
    return "/".join([*(rng.choice(ODD) for _ in range(rng.choice([0, 1, 1, 2, 2, 3]))), rng.choice(FILES)])


def _put(root: Path, rel: str, data: bytes) -> bool:
    path = root / rel
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.is_dir():
            return False
        path.write_bytes(data)
    except (NotADirectoryError, FileExistsError):
        return False
    return True


def _fuzz_repo(rng: random.Random, root: Path, links: bool) -> None:
    """A random repository with odd names, then a random state on top: edits (same size or not),
    deletions, staged changes, untracked and ignored files, files turned into folders and folders
    into files, empty folders, nested repositories and (with `links`) symlinks."""
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for _ in range(rng.randint(2, 30)):
        _put(root, _rel(rng), rng.choice([b"a: 1\n", b"a: 1\r\n", b"", b"b: 22\n"]))
    (root / ".gitignore").write_text(rng.choice(["ignored/\n", "build\n*.json\n", "b/\n!b/x\n", "", "a*/\n"]))
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "base", "--allow-empty")
    # (a descriptor forced into an ignored folder)
    if rng.random() < 0.3 and _put(root, f"ignored/{NAME}", b"forced: 1\n"):
        git(root, "add", "-f", "--", f"ignored/{NAME}")
        git(root, "commit", "-q", "-m", "forced")
    tracked = git(root, "-c", "core.quotePath=false", "ls-files", "-z").split("\0")
    tracked = [rel for rel in tracked if rel and rel != ".gitignore"]
    for _ in range(rng.randint(0, 6)):
        _mutate(rng, root, tracked, links)


def _mutate(rng: random.Random, root: Path, tracked: list[str], links: bool) -> None:
    action = rng.choice(
        ["edit", "same-size", "delete", "stage", "new", "new", "to-folder", "rm-folder", "empty", "nest"]
    )
    rel = rng.choice(tracked) if tracked else _rel(rng)
    path = root / rel
    if action == "edit" and path.is_file():
        path.write_bytes(path.read_bytes() + b"more: 2\n")
    elif action == "same-size" and path.is_file():
        path.write_bytes(path.read_bytes().swapcase())
    elif action == "delete" and path.is_file():
        path.unlink()
    elif action == "stage" and path.is_file():
        path.write_bytes(b"staged: 1\n")
        git(root, "add", "-f", "--", rel)
    elif action == "new":
        _put(root, _rel(rng), b"new: 1\n")
    elif action == "to-folder" and path.is_file():
        path.unlink()
        _put(root, rel + "/" + NAME, b"inside: 1\n")
    elif action == "rm-folder" and "/" in rel:
        shutil.rmtree(root / rel.rpartition("/")[0], ignore_errors=True)
        if rng.random() < 0.5:
            _put(root, rel.rpartition("/")[0], b"now a file\n")
    elif action == "empty":
        (root / rng.choice(ODD) / "empty").mkdir(parents=True, exist_ok=True)
    elif action == "nest" and not (root / "nested").exists():
        (root / "nested").mkdir()
        git(root / "nested", "init", "-q")
        _put(root / "nested", NAME, b"nested: 1\n")
    if links and rng.random() < 0.3:
        _link(rng, root)


def _link(rng: random.Random, root: Path) -> None:
    where = root / rng.choice(ODD) / rng.choice(["l1", "l2", NAME])
    if where.exists() or where.is_symlink():
        return
    where.parent.mkdir(parents=True, exist_ok=True)
    target = rng.choice(["..", ".", "../..", "/tmp", NAME, "loop", str(root / "a"), "missing"])
    os.symlink(target, where)


def _folders(root: Path) -> list[Path]:
    found = [root]
    for folder, names, _ in os.walk(root):
        names[:] = [name for name in names if name != ".git"]
        found.extend(Path(folder) / name for name in names)
    return found


def _check_roots(rng: random.Random, root: Path, skip_in_skipped: bool) -> int:
    """Every folder's listing against its walk; the number the listing answered."""
    answered = 0
    for folder in [*rng.sample(_folders(root), k=min(8, len(_folders(root)))), root]:
        relative = os.path.relpath(folder, root).split(os.sep)
        if skip_in_skipped and any(part in {"node_modules", ".venv", ".cache"} for part in relative):
            continue  # (test_finding_a_root_inside_a_skipped_folder_misses_its_untracked_descriptors)
        listed = _listed(root, folder)
        if listed is None:
            continue
        answered += 1
        assert _as_walk(listed) == list(walk(folder)), folder
        assert _wrong_blobs(listed) == [], folder
    return answered


@pytest.mark.parametrize("seed", range(60))
def test_fuzz_the_listing_is_the_walk_or_none(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "repo"
    _fuzz_repo(rng, root, links=seed % 3 == 0)
    _check_roots(rng, root, skip_in_skipped=True)


@pytest.mark.parametrize("seed", range(30))
def test_fuzz_the_listing_from_a_subfolder_cwd(tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(1000 + seed)
    root = tmp_path / "repo"
    _fuzz_repo(rng, root, links=False)
    folders = [folder for folder in _folders(root) if folder != root] or [root]
    where = rng.choice(folders)
    monkeypatch.chdir(where)
    listing = GitListing.start(Path("."))
    assert listing is not None
    try:
        listed = listing.descriptors(Path("."))
    finally:
        listing.close()
    if listed is not None:
        assert _as_walk(listed) == list(walk(Path(".")))


# Paths for the change: ASCII only where the order of `ChangeSet.files` is compared (non-UTF-8
# names: test_finding_the_change_from_the_listing_orders_non_utf8_paths_as_python_does).
CHANGE_NAMES = [
    "*",
    ":(top)x",
    "[ab]",
    "a",
    "a-b",
    "a.b",
    "a0",
    "b",
    "x y",
    'q"t',
    "b\\s",
    "n\nl",
    "t\tb",
    "é",
    "ignored",
    "ab",
]


def _change_rel(rng: random.Random) -> str:
    depth = rng.choice([0, 1, 2])
    return "/".join([*(rng.choice(CHANGE_NAMES) for _ in range(depth)), rng.choice([NAME, "f.txt", "bin.dat"])])


def _content(rng: random.Random) -> bytes:
    return rng.choice([b"a: 1\nb: 2\nc: 3\n", b"\x00\x01binary\x00", b"", b"a: 1\r\nb: 2\r\n", b"x\n" * 20])


def _change_action(rng: random.Random, root: Path, tracked: list[str]) -> None:
    rel = rng.choice(tracked)
    path = root / rel
    action = rng.choice(["edit", "delete", "rm-cached", "stage", "mv", "mv-staged", "link", "new", "commit", "revert"])
    if not path.is_file() and action not in ("new", "commit"):
        return
    if action == "edit":
        path.write_bytes(path.read_bytes() + b"more: 1\n")
    elif action == "delete":
        path.unlink()
        if rng.random() < 0.5:
            git(root, "rm", "-q", "--cached", "--ignore-unmatch", "--", rel)
    elif action == "rm-cached":
        git(root, "rm", "-q", "--cached", "--ignore-unmatch", "--", rel)
    elif action == "stage":
        path.write_bytes(_content(rng))
        git(root, "add", "-f", "--", rel)
    elif action.startswith("mv"):
        moved = rel + ".moved"
        git(root, "mv", "-k", "--", rel, moved)
        if action == "mv":
            git(root, "reset", "-q", "--", rel, moved)
    elif action == "link":
        path.unlink()
        os.symlink("elsewhere", path)
    elif action == "new":
        _put(root, _change_rel(rng), _content(rng))
    elif action == "commit":
        _put(root, _change_rel(rng), _content(rng))
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "more")
    elif action == "revert":
        if rng.random() < 0.5:  # (back to the base's bytes, where the base has the file)
            subprocess.run(
                ["git", "--literal-pathspecs", "checkout", "-q", "main", "--", rel],
                cwd=root,
                capture_output=True,
                check=False,
            )
        else:
            path.write_bytes(b"a: 1\nb: 2\nc: 3\n")


@pytest.mark.parametrize("seed", range(60))
def test_fuzz_the_change_from_the_listing_is_the_change_from_the_working_tree(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    for _ in range(rng.randint(2, 20)):
        _put(root, _change_rel(rng), _content(rng))
    (root / ".gitignore").write_text("ignored/\n")
    base = commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "feature")
    if rng.random() < 0.7:
        for _ in range(rng.randint(1, 6)):
            _put(root, _change_rel(rng), _content(rng))
        git(root, "add", "-A")
        git(root, "commit", "-q", "--allow-empty", "-m", "head")
    tracked = [rel for rel in git(root, "ls-files", "-z").split("\0") if rel and rel != ".gitignore"]
    for _ in range(rng.randint(0, 8) if tracked else 0):
        _change_action(rng, root, tracked)
    _changes_agree(root, base)


@pytest.mark.parametrize("count", [499, 501])
def test_many_touched_paths_either_side_of_the_pathspec_limit(tmp_path: Path, count: int) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {f"d{i % 7}/f{i}.yaml": f"a: {i}\n" for i in range(count + 10)})
    base = commit_all(root, "base")
    write(root, {f"d{i % 7}/f{i}.yaml": f"b: {i}\n" for i in range(0, count + 10, 2)})
    commit_all(root, "head")
    write(root, {f"d{i % 7}/f{i}.yaml": f"c: {i}\n" for i in range(count)})
    _changes_agree(root, base)


def _corpus_repo(rng: random.Random, origin: Path) -> None:
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    files = {".gitignore": "ignored/\n"}
    for i in range(rng.randint(3, 10)):
        folder = rng.choice(["a", "a-b", "a.b", "svc/x", "teams", "x y", "é", "ignored"])
        owner = rng.choice(["team-a", "nobody"])
        files[f"{folder}/{i}/{NAME}"] = rng.choice([component(f"s{i}", owner=owner), group(f"team-{i}")])
    files[f"teams/{NAME}"] = group("team-a")
    write(origin, files)
    commit_all(origin, "base")


def _change(rng: random.Random, root: Path) -> None:
    tracked = [rel for rel in git(root, "ls-files", "-z").split("\0") if rel.endswith(NAME)]
    for _ in range(rng.randint(1, 4)):
        path = root / rng.choice(tracked)
        action = rng.choice(["edit", "crlf", "delete", "new", "commit", "stage", "ignored"])
        if not path.is_file():
            continue
        if action == "edit":
            path.write_text(path.read_text() + "  # more\n")
        elif action == "crlf":
            path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
        elif action == "delete":
            path.unlink()
        elif action in ("new", "ignored"):
            where = "ignored/n" if action == "ignored" else rng.choice(["a/n", "fresh"])
            write(root, {f"{where}/{NAME}": component(f"n{rng.randint(0, 99)}", owner="nobody")})
        elif action == "commit":
            path.write_text(path.read_text().replace("team-a", "nobody"))
            commit_all(root, "change")
        elif action == "stage":
            path.write_text(path.read_text() + "  # staged\n")
            git(root, "add", "--", str(path.relative_to(root)))


@pytest.mark.parametrize("seed", range(12))
def test_fuzz_a_pull_request_run_from_a_restored_cache_is_the_run_without_one(
    tmp_path: Path, run_cli: RunCli, seed: int
) -> None:
    """A base run's cache restored for a pull request's run (in the same clone or a fresh clone
    at the same path): its output is the output without a cache, in text and in JSON."""
    rng = random.Random(seed)
    origin, root, base_cache = tmp_path / "origin", tmp_path / "repo", tmp_path / "base-cache"
    _corpus_repo(rng, origin)
    git(tmp_path, "clone", "-q", str(origin), str(root))
    run_cli("lint", "--fail-on", "never", "--cache-dir", str(base_cache), ".", cwd=root)
    if seed % 2:
        shutil.rmtree(root)
        git(tmp_path, "clone", "-q", str(origin), str(root))  # (the same path, every inode new)
    git(root, "checkout", "-q", "-b", "feature")
    _change(rng, root)
    for form in ("text", "json"):
        cache = tmp_path / f"cache-{form}"
        shutil.copytree(base_cache, cache)
        args = ("lint", "--fail-on", "never", "--format", form, "--changed-since", "main", ".")
        cached = run_cli(*args, "--cache-dir", str(cache), cwd=root)
        plain = run_cli(*args, "--no-cache", cwd=root)
        assert (cached.exit_code, cached.stdout) == (plain.exit_code, plain.stdout), form
