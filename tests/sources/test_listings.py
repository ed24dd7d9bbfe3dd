"""The walk's kept folder listings (sources/listings.py): a walk that uses them finds exactly what
a fresh walk finds, whatever changed in between."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from catalint.sources.files import display_from, display_path, walk
from catalint.sources.listings import Kept, Listings

HOUR_NS = 3600 * 1_000_000_000


def _settle(root: Path, stamp: int) -> None:
    """Give every folder under `root` an mtime in the past, `stamp` seconds into 2020: a change
    made afterwards gives its folder a new signature even within one tick of the clock."""
    seconds = 1_577_836_800 + stamp
    for folder, _, _ in os.walk(root):
        os.utime(folder, (seconds, seconds), follow_symlinks=False)


class _Listings(Listings):
    """`Listings` that keeps the folders it answered from the store."""

    def __init__(self, path: Path) -> None:
        self.folders: list[str] = []
        super().__init__(path, self.folders.append)


def _walk(
    root: Path, store: Path | None, settled: bool = True, **patterns: list[str]
) -> tuple[list[tuple[str, str]], _Listings | None]:
    if store is None:
        return list(walk(root, patterns.get("include", []), patterns.get("exclude", []))), None
    listings = _Listings(store)
    if settled:
        listings.started = time.time_ns() + HOUR_NS  # nothing is racy: every folder is kept
    found = list(walk(root, patterns.get("include", []), patterns.get("exclude", []), listings))
    listings.complete = True
    listings.save()
    return found, listings


def _tree(root: Path) -> None:
    for name in ("a", "a/b", "a/b/c", "d", "e/f"):
        (root / name).mkdir(parents=True, exist_ok=True)
        (root / name / "catalog-info.yaml").write_text("x")
    (root / "a" / "other.txt").write_text("x")
    (root / "node_modules").mkdir()
    (root / "node_modules" / "catalog-info.yaml").write_text("x")


def _check(root: Path, store: Path, **patterns: list[str]) -> _Listings:
    """A walk through the store finds what a fresh walk does; returns its listings."""
    fresh, _ = _walk(root, None, **patterns)
    kept, listings = _walk(root, store, **patterns)
    assert kept == fresh
    assert listings is not None
    return listings


def test_an_unchanged_tree_is_stat_checked_not_listed(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "cache" / "x.listings"
    _tree(root)
    _settle(root, 0)
    first = _check(root, store)
    assert first.folders == [] and store.is_file()
    written = store.stat().st_mtime_ns
    again = _check(root, store)
    assert sorted(again.folders) == sorted(
        str(p) for p in [root, *[d for d in root.rglob("*") if d.is_dir() and "node_modules" not in d.parts]]
    )
    assert store.stat().st_mtime_ns == written  # nothing changed: not written again


def test_changes_in_a_kept_folder_are_seen(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    _tree(root)
    _settle(root, 0)
    _check(root, store)
    # (a change, the folder it changes)
    steps = [
        (lambda: (root / "a" / "b" / "catalog-info.yml").write_text("x"), "a/b"),  # a file added
        (lambda: (root / "a" / "b" / "c" / "catalog-info.yaml").unlink(), "a/b/c"),  # removed
        (lambda: (root / "d" / "catalog-info.yaml").rename(root / "d" / "catalog-info.json"), "d"),  # renamed
        (lambda: (root / "g" / "h").mkdir(parents=True), "."),  # a folder added
        (lambda: (root / "g" / "h" / "catalog-info.yaml").write_text("x"), "g/h"),
        (lambda: _remove(root / "e" / "f"), "e"),  # a folder removed
        (lambda: _replace_folder_by_file(root / "a" / "b" / "c"), "a/b"),
    ]
    for n, (step, changed) in enumerate(steps, start=1):
        step()
        listings = _check(root, store)
        assert str(root / changed) not in listings.folders
        assert str(root / "a") in listings.folders
        _settle(root, n)
        _check(root, store)


def _replace_folder_by_file(folder: Path) -> None:
    for p in folder.iterdir():
        p.unlink()
    folder.rmdir()
    folder.write_text("x")


def test_a_retargeted_symlink_is_followed_afresh(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    _tree(root)
    (root / "ln").symlink_to(root / "d")
    (root / "lf").symlink_to(root / "d" / "catalog-info.yaml")
    (root / "x").mkdir()
    (root / "x" / "catalog-info.yaml").symlink_to(root / "d" / "catalog-info.yaml")
    _settle(root, 0)
    _check(root, store)
    # What the links point at changes; the folders holding the links do not.
    (root / "d" / "catalog-info.yaml").unlink()
    (root / "d" / "catalog-info.yaml").mkdir()
    listings = _check(root, store)
    assert str(root / "x") in listings.folders
    (root / "d" / "catalog-info.yaml").rmdir()
    (root / "d").rmdir()
    _check(root, store)
    (root / "d").symlink_to(root / "a")  # the root changed: listed; ln now goes through a link
    _check(root, store)


def test_a_racy_folder_is_not_kept(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    _tree(root)
    _settle(root, 0)
    time.sleep(0.12)  # the folders changed more than the racy window before the run
    (root / "a" / "b" / "new.yaml").write_text("x")  # a/b changed just now
    _walk(root, store, settled=False)
    fresh, _ = _walk(root, None)
    kept, listings = _walk(root, store, settled=False)
    assert kept == fresh
    assert listings is not None
    assert str(root / "a" / "b") not in listings.folders
    assert str(root / "a") in listings.folders


def test_a_damaged_store_means_a_normal_walk(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    _tree(root)
    _settle(root, 0)
    _check(root, store)
    good = store.read_bytes()
    for damaged in (
        b"",
        good[:-5],
        good[:40],
        good[:-1] + bytes([good[-1] ^ 1]),
        b"garbage\n" * 20,
        good.replace(b"listings 1", b"listings 0"),
    ):
        store.write_bytes(damaged)
        listings = _check(root, store)
        assert listings.folders == []
        assert store.read_bytes() == good  # written again, whole


def test_a_kept_folder_answers_from_its_names_as_a_listed_one_does(tmp_path: Path) -> None:
    # The walk answers a kept folder without a symlink from the kept names and kinds alone (no
    # entry asked of the disk): each kind of entry a descriptor name can be, and the folders the
    # walk skips, found alike kept and listed.
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    _tree(root)
    (root / "a" / "catalog-info.yml").mkdir()  # a folder with a descriptor's name: walked into
    (root / "a" / "catalog-info.yml" / "catalog-info.json").write_text("x")
    os.mkfifo(root / "d" / "catalog-info.json")  # neither a file nor a folder: not a descriptor
    (root / "d" / ".git").mkdir()
    (root / "d" / ".git" / "catalog-info.yaml").write_text("x")
    (root / "d" / "catalog-info.yaml.bak").write_text("x")
    (root / "e" / "catalog-info.json").write_text("x")  # two descriptors in one folder, by name
    (root / "e" / "catalog-info.yml").write_text("x")
    name = os.fsdecode(b"caf\xe9")  # not UTF-8: kept as the file system spells it
    (root / name).mkdir()
    (root / name / "catalog-info.yaml").write_text("x")
    _settle(root, 0)
    _check(root, store)
    listings = _check(root, store)
    assert str(root / "d") in listings.folders and str(root / name) in listings.folders
    found = [path for path, _ in _walk(root, None)[0]]
    assert str(root / "e" / "catalog-info.json") in found
    assert str(root / "a" / "catalog-info.yml" / "catalog-info.json") in found
    assert str(root / "d" / "catalog-info.json") not in found and str(root / name / "catalog-info.yaml") in found


def test_a_kept_listing_is_parsed_once_for_the_folders_that_share_it(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    for n in range(5):
        (root / f"s{n}").mkdir(parents=True)
        (root / f"s{n}" / "catalog-info.yaml").write_text("x")
    _settle(root, 0)
    _check(root, store)
    listings = Listings(store)
    listings.started = time.time_ns() + HOUR_NS  # (nothing is racy)
    first, second = (listings.lookup(str(root / f"s{n}")) for n in range(2))
    assert isinstance(first, Kept) and first is second
    assert first.files == {"catalog-info.yaml"} and first.folders == () and not first.links
    assert [e.path for e in first.entries(str(root / "s0"))] == [str(root / "s0" / "catalog-info.yaml")]
    # A folder listed afresh and kept is answered from the listing just kept, as it will be next time.
    (root / "s2" / "catalog-info.json").write_text("x")
    (root / "s2" / "sub").mkdir()
    (root / "s2" / "ln").symlink_to(root / "s3")
    _settle(root, 1)
    relisted = listings.lookup(str(root / "s2"))
    assert isinstance(relisted, Kept) and relisted.links and relisted.folders == ("sub",)
    assert relisted.files == {"catalog-info.json", "catalog-info.yaml"}


def test_display_from_shows_paths_as_display_path_does(tmp_path: Path) -> None:
    cwd = tmp_path / "work"
    odd = os.fsdecode(b"caf\xe9")
    paths = [cwd / "a" / "catalog-info.yaml", cwd / odd / "x.yaml", tmp_path / "elsewhere.yaml", Path("/x"), cwd]
    for at in (cwd, Path("/"), Path(str(cwd) + "/")):
        shown = display_from(at)
        assert [shown(p) for p in paths] == [display_path(p, at) for p in paths]
        assert [shown(str(p)) for p in paths] == [display_path(str(p), at) for p in paths]
    assert display_path(cwd / odd / "x.yaml", cwd) == "caf\\xe9/x.yaml"
    assert display_path(cwd / "a" / "b.yaml", cwd) == "a/b.yaml"
    assert display_path(tmp_path / "elsewhere.yaml", cwd) == (tmp_path / "elsewhere.yaml").as_posix()


def test_a_walk_cut_short_keeps_no_store(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    _tree(root)
    listings = Listings(store)
    listings.started = time.time_ns() + HOUR_NS
    next(walk(root, listings=listings))
    listings.save()
    assert not store.exists()


def test_random_trees_walk_alike_with_and_without_the_store(tmp_path: Path) -> None:
    rng = random.Random(1515)
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    root.mkdir()
    names = ["catalog-info.yaml", "catalog-info.yml", "x.yaml", "sub", "node_modules", "q"]
    consulted = 0
    for round_ in range(60):
        for _ in range(rng.randint(1, 6)):
            _mutate(root, rng, names)
        if rng.random() < 0.7:
            _settle(root, round_)
        patterns = {"include": ["**/x.yaml"], "exclude": ["**/q/**"]} if round_ % 3 == 0 else {}
        consulted += len(_check(root, store, **patterns).folders)
    assert consulted > 100  # the store was used, not only written


def _mutate(root: Path, rng: random.Random, names: list[str]) -> None:
    folders = [root, *[p for p in root.rglob("*") if p.is_dir() and not p.is_symlink()]]
    folder = rng.choice(folders)
    target = folder / rng.choice(names)
    action = rng.choice(["file", "folder", "remove", "link", "rename"])
    if action == "rename":
        renamed = folder.parent / (folder.name + "r")
        if folder != root and not os.path.lexists(renamed):
            folder.rename(renamed)
        return
    if os.path.lexists(target):
        _remove(target)
    if action == "file":
        target.write_text("x")
    elif action == "folder":
        target.mkdir()
    elif action == "link":
        target.symlink_to(rng.choice([*folders, root / "gone", root / "catalog-info.yaml"]))


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
        return
    for child in path.iterdir():
        _remove(child)
    path.rmdir()


def test_a_run_keeps_its_listings_in_its_cache_folder(tmp_path: Path) -> None:
    from catalint.config import Settings
    from catalint.lint.run import LintRequest, run

    root, cache = tmp_path / "repo", tmp_path / "cache"
    _tree(root)
    _settle(root, 0)
    time.sleep(0.12)  # (older than the racy window)

    def paths(cache_dir: Path | None) -> list[str]:
        result = run(LintRequest(paths=[root], settings=Settings(), cwd=root, cache_dir=cache_dir))
        return sorted(d.path for d in result.documents)

    assert paths(None) == paths(cache)
    (store,) = (cache / "listings").iterdir()
    written = store.stat().st_mtime_ns
    assert paths(cache) == paths(None)
    assert store.stat().st_mtime_ns == written  # unchanged folders: not written again
    (root / "a" / "b" / "catalog-info.yml").write_text("kind: X\n")
    assert paths(cache) == paths(None)
    assert "a/b/catalog-info.yml" in paths(cache)
    assert not (tmp_path / "repo" / "listings").exists()


def test_overlapping_roots_list_a_folder_twice_alike(tmp_path: Path) -> None:
    root, store = tmp_path / "repo", tmp_path / "x.listings"
    _tree(root)
    _settle(root, 0)
    for _ in range(3):
        fresh = [*walk(root), *walk(root / "a")]
        listings = _Listings(store)
        listings.started = time.time_ns() + HOUR_NS
        kept = [*walk(root, listings=listings), *walk(root / "a", listings=listings)]
        listings.complete = True
        listings.save()
        assert kept == fresh
    assert str(root / "a") in listings.folders and listings.folders.count(str(root / "a" / "b")) == 2


def _as(user: int | None, args: list[str], cwd: Path) -> tuple[int, str]:
    """`catalint ARGS` in a subprocess, as `user` (a uid, groups cleared) when given."""
    command = [sys.executable, "-c", "import sys; from catalint.cli import main; sys.argv[0] = 'catalint'; main()"]
    if user is not None:
        command = ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", *command]
    done = subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True, check=False)
    return done.returncode, done.stdout


@pytest.mark.skipif(
    not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("setpriv") is None,
    reason="runs catalint as another user: needs root and setpriv",
)
def test_a_cache_kept_by_another_user_answers_nothing_that_user_cannot_read() -> None:
    # A shared cache folder (or `sudo` keeping HOME): a folder the other user could list, this one
    # cannot, was answered from the other's listing (a descriptor found, then unreadable); a file
    # this one cannot open, from the other's pack.
    top = Path(tempfile.mkdtemp(prefix="catalint-users-"))
    try:
        top.chmod(0o755)
        tree, cache = top / "tree", top / "cache"
        for name in ("open", "closed", "files"):
            (tree / name).mkdir(parents=True)
            (tree / name / "catalog-info.yaml").write_text(
                f"apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\n"
                "spec:\n  type: team\n  children: []\n"
            )
        (tree / "closed").chmod(0o700)
        (tree / "files" / "catalog-info.yaml").chmod(0o600)
        _settle(tree, 0)
        time.sleep(0.12)  # (older than the racy window)
        assert _as(None, ["lint", ".", "--cache-dir", str(cache)], tree)[0] == 0
        for folder, _, files in os.walk(cache):  # (the other user may write there too)
            os.chmod(folder, 0o777)
            for name in files:
                os.chmod(os.path.join(folder, name), 0o666)
        nobody = 65534
        fresh = _as(nobody, ["lint", ".", "--no-cache"], tree)
        assert "files/catalog-info.yaml" in fresh[1] and "closed" not in fresh[1]
        assert _as(nobody, ["lint", ".", "--cache-dir", str(cache)], tree) == fresh
    finally:
        shutil.rmtree(top)
