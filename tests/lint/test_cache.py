from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from catalint.config import Settings
from catalint.lint.run import LintRequest, run
from tests.cli_run import RunCli
from tests.descriptors import group
from tests.gitrepo import commit_all, git, write


def _lint(root: Path, cache: Path) -> list[tuple[str, str, int]]:
    result = run(LintRequest(paths=[root], settings=Settings(), cwd=root, cache_dir=cache))
    return [(f.rule, f.message, f.span.line) for f in result.findings]


def test_cached_results_equal_fresh_ones_and_dependencies_invalidate(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\nspec:\n  type: openapi\n"
        "  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./openapi.yaml\n"
    )
    cache = tmp_path / "cache"
    first = _lint(root, cache)
    assert any(rule == "placeholder" for rule, _, _ in first)
    assert list(cache.rglob("*.pack")), "results were stored"
    assert _lint(root, cache) == first
    (root / "openapi.yaml").write_text("openapi: 3.0.0\n")
    second = _lint(root, cache)
    assert not any(rule == "placeholder" for rule, _, _ in second), "a new dependency invalidates the entry"


def test_corrupt_cache_entries_are_ignored(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "catalog-info.yaml").write_text("kind: X\n")
    cache = tmp_path / "cache"
    first = _lint(root, cache)
    for entry in cache.rglob("*.pack"):
        entry.write_text("{garbage")
    assert _lint(root, cache) == first


def test_an_edit_that_keeps_the_size_is_still_seen(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    target = root / "catalog-info.yaml"
    target.write_text("apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: aaaa\nspec:\n  owner: x\n")
    cache = tmp_path / "cache"
    first = _lint(root, cache)
    assert not any(rule == "field-format" for rule, _, _ in first)
    stat = target.stat()
    target.write_text("apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: A A_\nspec:\n  owner: x\n")
    os.utime(target, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert target.stat().st_size == stat.st_size
    assert any(rule == "field-format" for rule, _, _ in _lint(root, cache))


def test_warm_runs_reuse_the_pack(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    (root / "catalog-info.yaml").write_text("kind: X\n")
    cache = tmp_path / "cache"
    _lint(root, cache)
    (pack,) = list((cache / "packs").iterdir())
    before = pack.stat().st_mtime_ns
    _lint(root, cache)
    assert pack.stat().st_mtime_ns == before, "a fully warm run rewrites nothing"


def _records(cache: Path) -> dict[str, str]:
    (pack,) = (cache / "packs").glob("*.pack")
    records: dict[str, str] = json.loads(pack.read_text().split("\n", 1)[0])
    return records


def test_a_stat_record_names_the_real_path_only_where_it_is_not_the_shown_one(tmp_path: Path) -> None:
    """Most files are where they are shown: their record's id is the path shown and as what. One
    reached through a symlink names its real path too, so that the link pointed elsewhere, at a
    file of the same size and times, is never taken for the file it named before."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    system = "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: {}\nspec:\n  owner: x\n"
    (root / "plain").mkdir(parents=True)
    (root / "plain" / "catalog-info.yaml").write_text(system.format("aaaa"))
    (root / "store").mkdir()
    (root / "store" / "one.yaml").write_text(system.format("bbbb"))
    (root / "store" / "two.yaml").write_text(system.format("B B_"))
    times = (root / "store" / "one.yaml").stat()
    os.utime(root / "store" / "two.yaml", ns=(times.st_atime_ns, times.st_mtime_ns))
    (root / "linked").mkdir()
    link = root / "linked" / "catalog-info.yaml"
    link.symlink_to("../store/one.yaml")
    assert not any(rule == "field-format" for rule, _, _ in _lint(root, cache))
    real = os.path.realpath(root / "store" / "one.yaml")
    assert sorted(_records(cache)) == [
        "\0plain/catalog-info.yaml\0\0\0url",
        f"{real}\0linked/catalog-info.yaml\0\0\0url",
    ]
    link.unlink()
    link.symlink_to("../store/two.yaml")
    assert any(rule == "field-format" for rule, _, _ in _lint(root, cache))
    assert f"{os.path.realpath(root / 'store' / 'two.yaml')}\0linked/catalog-info.yaml\0\0\0url" in _records(cache)


def test_two_checkouts_linted_from_each_other_keep_their_own_results(tmp_path: Path, run_cli: RunCli) -> None:
    """`cd a; catalint lint ../b .` and `cd b; catalint lint ../a .` name the same roots from two
    working directories: their results, shown relative to each, must never answer for the other
    (here a Location file, byte for byte the same in both, whose target only `a` has)."""
    a, b, cache = tmp_path / "a", tmp_path / "b", tmp_path / "cache"
    location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc\nspec:\n  targets:\n    - ./t.yaml\n"
    for root in (a, b):
        root.mkdir()
        (root / "catalog-info.yaml").write_text(location)
    (a / "t.yaml").write_text("apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: t\nspec:\n  type: team\n  children: []\n")
    args = ("lint", "--format", "json", "--fail-on", "never")
    run_cli(*args, "--cache-dir", str(cache), str(b), ".", cwd=a)
    fresh = run_cli(*args, "--no-cache", str(a), ".", cwd=b)
    assert '"location-target"' in fresh.stdout
    assert run_cli(*args, "--cache-dir", str(cache), str(a), ".", cwd=b).stdout == fresh.stdout


@pytest.mark.parametrize("mode", [(), ("--changed-since", "HEAD", "--filter-mode", "nofilter")])
def test_a_checkout_whose_origin_changed_is_not_answered_with_the_old_repositorys_results(
    tmp_path: Path, run_cli: RunCli, mode: tuple[str, ...]
) -> None:
    """A result holds the Bitbucket repository its checkout is (a URL into it is read from the
    tree, any other is the network's). After `git remote set-url`, the keys the stat records name
    were made for the old repository: made again, walked (`unchanged`) or from git (`vouched`)."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    git(root, "remote", "add", "origin", "https://bitbucket.org/ws/a.git")
    target = "https://bitbucket.org/ws/a/src/main/t.yaml"
    location = f"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc\nspec:\n  targets:\n    - {target}\n"
    write(root, {"catalog-info.yaml": location, "t.yaml": group("t")})
    commit_all(root, "base")
    (root / "notes.txt").write_text("a change\n")
    args = ("lint", "--offline", "--format", "json", "--fail-on", "never", *mode, ".")
    before = run_cli(*args, "--cache-dir", str(cache), cwd=root)
    assert '"offline"' not in before.stdout  # (read from the tree: it is this repository)
    git(root, "remote", "set-url", "origin", "https://bitbucket.org/ws/other.git")
    fresh = run_cli(*args, "--no-cache", cwd=root)
    assert '"offline"' in fresh.stdout
    assert run_cli(*args, "--cache-dir", str(cache), cwd=root).stdout == fresh.stdout
    assert run_cli(*args, "--cache-dir", str(cache), cwd=root).stdout == fresh.stdout  # (and as kept)


def test_a_file_found_under_another_checkout_is_not_answered_with_the_first_ones_result(
    tmp_path: Path, run_cli: RunCli
) -> None:
    """`lint . inner` and `lint inner .` share a pack, but a file of the nested repository `inner`
    is found under the outer checkout (ws/a) in one and under `inner` (ws/b) in the other: a URL
    into ws/a is read from the tree only in the first. Its stat record holds the repository."""
    outer, cache = tmp_path / "outer", tmp_path / "cache"
    target = "https://bitbucket.org/ws/a/src/main/docs/comp.yaml"
    location = f"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc\nspec:\n  targets:\n    - {target}\n"
    for root, repo in ((outer, "a"), (outer / "inner", "b")):
        root.mkdir()
        git(root, "init", "-q", "-b", "main")
        git(root, "remote", "add", "origin", f"https://bitbucket.org/ws/{repo}.git")
        write(root, {"catalog-info.yaml": location, "docs/comp.yaml": group(f"comp-{repo}")})
    # (so that `inner` has a file of its own as a root in the first run)
    write(outer, {"inner/x/catalog-info.yaml": group("x"), ".catalint.yaml": 'exclude:\n  - "inner/x/**"\n'})
    args = ("lint", "--offline", "--format", "json", "--fail-on", "never")
    run_cli(*args, "--cache-dir", str(cache), ".", "inner", cwd=outer)
    fresh = run_cli(*args, "--no-cache", "inner", ".", cwd=outer)
    assert '"offline"' in fresh.stdout
    assert run_cli(*args, "--cache-dir", str(cache), "inner", ".", cwd=outer).stdout == fresh.stdout


def test_a_result_that_asked_the_network_leaves_the_pack_as_it_was(tmp_path: Path, run_cli: RunCli) -> None:
    """A file whose result depends on Bitbucket (here an offline target) is linted again every
    run, never stored: its stat record, naming a result the pack lacks, must not be kept either,
    or every warm run would write the whole pack again."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    target = "https://bitbucket.org/ws/elsewhere/src/main/t.yaml"
    location = f"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: loc\nspec:\n  targets:\n    - {target}\n"
    write(root, {"catalog-info.yaml": location, "team/catalog-info.yaml": group("team-a")})
    args = ("lint", "--offline", "--format", "json", "--fail-on", "never", ".")
    first = run_cli(*args, "--cache-dir", str(cache), cwd=root)
    assert '"offline"' in first.stdout
    (pack,) = (cache / "packs").glob("*.pack")
    records = _records(cache)
    assert [stat_id.split("\0")[1] for stat_id in records] == ["team/catalog-info.yaml"]
    written = pack.stat().st_mtime_ns, pack.read_bytes()
    again = run_cli(*args, "--cache-dir", str(cache), cwd=root)
    assert again.stdout == first.stdout == run_cli(*args, "--no-cache", cwd=root).stdout
    assert (pack.stat().st_mtime_ns, pack.read_bytes()) == written


@pytest.mark.parametrize("order", [(".", "inner"), ("inner", ".")])
def test_a_file_found_under_another_root_is_judged_from_that_root(
    tmp_path: Path, run_cli: RunCli, order: tuple[str, str]
) -> None:
    """A Location in the nested repository `inner` names `../docs/comp.yaml`: inside the outer
    checkout when the file is found under it, out of `inner` when found under `inner`. The two
    runs share a pack; a key and a stat record hold the checkout root."""
    outer, cache = tmp_path / "outer", tmp_path / "cache"
    write(outer, {"docs/comp.yaml": group("team-a")})
    location = "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: inner\nspec:\n  targets:\n    - ../docs/comp.yaml\n"
    write(outer, {"inner/catalog-info.yaml": location})
    git(outer, "init", "-q", "-b", "main")
    git(outer / "inner", "init", "-q", "-b", "main")
    args = ("lint", "--offline", "--format", "json", "--fail-on", "never")
    run_cli(*args, "--cache-dir", str(cache), *order, cwd=outer)
    swapped = order[::-1]
    fresh = run_cli(*args, "--no-cache", *swapped, cwd=outer)
    assert run_cli(*args, "--cache-dir", str(cache), *swapped, cwd=outer).stdout == fresh.stdout
