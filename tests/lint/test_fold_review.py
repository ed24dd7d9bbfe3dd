"""Found reviewing the fold (lint/fold.py): what a pack read through its fold must still hold to."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from catalint.lint import cache as cachemod
from tests.cli_run import RunCli
from tests.gitrepo import commit_all, git, write
from tests.lint.test_fold import _catalog, _forge, _lint, _pack, _said


@pytest.mark.parametrize(
    "forge",
    [
        "a count that is text",  # was a TypeError traceback when the run took a read file's share away
        "a count below one",  # was a wrong number of findings (the elided count)
        "a count that is a fraction",
        "a tally that is text",  # was a TypeError traceback when counting the unshown findings
        "a tally of no severity",  # was a ValueError traceback (Severity(7))
    ],
)
def test_a_fold_whose_counts_are_not_counts_is_never_trusted(tmp_path: Path, forge: str) -> None:
    """A fold edited by hand under a checksum that holds (as test_fold's forged folds): counts of
    another type, or below one, are refused with the rest of the fold, never a traceback."""
    rng = random.Random(1)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _catalog(root, rng, 5)
    _lint(root, cache, None)
    pack = _pack(cache)
    head, fold_line, *rest = pack.read_text().split("\n")
    members, declared, targets, extra, tally = json.loads(fold_line[5:])
    if forge == "a count that is text":
        declared[next(iter(declared))] = "1"
    elif forge == "a count below one":
        declared["component:default/nowhere"] = -1
    elif forge == "a count that is a fraction":
        targets[next(iter(targets))] += 0.5
    elif forge == "a tally that is text":
        tally.append(["field-format", 2, "3"])
    else:
        tally.append(["field-format", 7, 1])
    fold = json.dumps([members, declared, targets, extra, tally], separators=(",", ":"))
    _forge(pack, [head, "fold\t" + fold, *rest[:-2]])
    chosen = {"d0/catalog-info.yaml"}
    uncached = _said(_lint(root, None, chosen), chosen)
    assert _said(_lint(root, cache, chosen), chosen) == uncached
    assert _said(_lint(root, cache, chosen), chosen) == uncached  # and from the pack written back


@pytest.mark.parametrize(
    ("args", "lazily"),
    [
        ((), False),  # no base: the report shows every file
        (("--changed-since", "main", "--filter-mode", "nofilter"), False),  # a base, but every file shown
        (("--changed-since", "main"), True),  # a pull request's run
    ],
)
def test_only_a_run_whose_report_may_leave_files_out_is_served_lazily(
    tmp_path: Path, run_cli: RunCli, monkeypatch: pytest.MonkeyPatch, args: tuple[str, ...], lazily: bool
) -> None:
    """A run that shows every file decodes every cached result anyway: served lazily first, it
    held both (a warm run without a base at 10,000 files: 68.3 MB peak against 64.1 MB)."""
    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    _catalog(root, random.Random(2), 4)
    commit_all(root, "base")
    run_cli("lint", "--fail-on", "never", "--cache-dir", str(cache), ".", cwd=root)
    made: list[object] = []

    def lazy_entry(body: str, start: int, path: str) -> object:
        made.append(path)
        return served(body, start, path)

    served = cachemod.lazy_entry
    monkeypatch.setattr(cachemod, "lazy_entry", lazy_entry)
    result = run_cli("lint", "--fail-on", "never", "--format", "json", "--cache-dir", str(cache), *args, ".", cwd=root)
    assert result.exit_code == 0, result.stderr
    assert bool(made) == lazily, made
    uncached = run_cli("lint", "--fail-on", "never", "--format", "json", "--no-cache", *args, ".", cwd=root)
    assert result.stdout == uncached.stdout


def test_reading_a_pull_requests_relations_leaves_the_folded_files_undecoded(tmp_path: Path) -> None:
    """The relations (impact analysis of a rename or removal, a job summary's graph) read every
    file's references: a folded file's index decoded for good then, documents and all, was 18%
    more of a pull request's peak heap at 10,000 files than before the fold (45.9 MB, 38.8)."""
    rng = random.Random(3)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _catalog(root, rng, 8)
    _lint(root, cache, None)
    chosen = {"d0/catalog-info.yaml"}
    result = _lint(root, cache, chosen)
    folded = [r for _, r in result.unbuilt_documents]
    assert folded and all(cachemod.is_lazy(r) for r in folded)
    assert result.relations == _lint(root, None, chosen).relations
    assert all(cachemod.is_lazy(r) for r in folded)


def test_an_entry_damaged_under_a_checksum_that_holds_stops_the_run_in_one_line(tmp_path: Path, run_cli: RunCli) -> None:
    """An entry whose index was damaged by hand, its checksum made again: served lazily, it is
    found unreadable only when a report reads it (here, the references a removal breaks), too late
    to lint the file afresh. The run says so in one line, exit 2, never a traceback."""
    from tests.descriptors import component, group

    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, {"teams/catalog-info.yaml": group("team-a"), "svc/catalog-info.yaml": component("svc")})
    commit_all(root, "base")
    run_cli("lint", "--format", "json", "--fail-on", "never", "--cache-dir", str(cache), ".", cwd=root)
    pack = _pack(cache)
    lines = pack.read_text().split("\n")
    _forge(pack, [line.replace('["svc/catalog-info.yaml",', '["svc/catalog-info.yaml",{', 1) for line in lines[:-2]])
    git(root, "checkout", "-q", "-b", "change")
    (root / "teams" / "catalog-info.yaml").unlink()  # what svc refers to goes: its references are read
    commit_all(root, "remove team-a")
    done = run_cli("lint", "--fail-on", "never", "--cache-dir", str(cache), "--changed-since", "main", ".", cwd=root)
    assert done.exit_code == 2
    assert done.stderr.count("\n") == 1 and "svc/catalog-info.yaml cannot be read" in done.stderr
    assert "--no-cache" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("where", ["first line", "findings"])
def test_json_nested_too_deep_under_a_checksum_that_holds_is_no_traceback(
    tmp_path: Path, run_cli: RunCli, where: str
) -> None:
    """A pack forged by hand with JSON nested beyond what the decoder recurses into: the stat
    records (read before any file is linted) are then no pack, and the run lints afresh; a
    result's findings (read when reported, after linting) stop the run in one line, as other
    damage found that late does."""
    from tests.descriptors import component

    root, cache = tmp_path / "repo", tmp_path / "cache"
    write(root, {"catalog-info.yaml": component("svc")})
    args = ("lint", "--format", "json", "--fail-on", "never")
    fresh = run_cli(*args, "--no-cache", ".", cwd=root)
    run_cli(*args, "--cache-dir", str(cache), ".", cwd=root)
    pack = _pack(cache)
    lines = pack.read_text().split("\n")[:-2]
    deep = "[" * 100_000 + "]" * 100_000
    if where == "first line":
        lines[0] = '{"x":' + deep + "}"
    else:
        lines[2] = lines[2][: lines[2].rindex("\t") + 1] + deep
    _forge(pack, lines)
    done = run_cli(*args, "--cache-dir", str(cache), ".", cwd=root)
    assert "Traceback" not in done.stderr and "RecursionError" not in done.stderr
    if where == "first line":
        assert (done.exit_code, done.stdout) == (0, fresh.stdout)
    else:
        assert done.exit_code == 2 and done.stderr.count("\n") == 1
        assert "catalog-info.yaml cannot be read" in done.stderr and "--no-cache" in done.stderr
