"""The run's line: files go to the workers as they are found, results come back in their order."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from catalint.config import Settings
from catalint.lint import run as runmod
from catalint.lint.run import LintRequest, run
from catalint.model import RunResult


def _descriptor(i: int) -> str:
    # Every few files: a schema error, an unknown owner, a second document.
    owner = "nobody" if i % 3 == 0 else f"team-{i % 4}"
    text = (
        f"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: c{i}\n"
        f"spec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n"
    )
    if i % 5 == 0:
        text = text.replace("lifecycle:", "lifecycl:")
    if i % 7 == 0:
        text += f"---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-{i % 4}\nspec:\n  type: team\n  children: []\n"
    return text


def _corpus(root: Path, files: int) -> list[Path]:
    paths = []
    for i in range(files):
        path = root / f"r{i // 10:02d}" / f"s{i:03d}" / "catalog-info.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(_descriptor(i))
        paths.append(path)
    return paths


def _lint(root: Path, jobs: int, cache: Path | None = None) -> RunResult:
    return run(LintRequest(paths=[root], settings=Settings(), cwd=root, jobs=jobs, cache_dir=cache, style=False))


def _seen(result: RunResult) -> tuple[list[tuple[str, int, str | None]], list[tuple[str, str, int, str]]]:
    documents = [(d.path, d.index, d.entity) for d in result.documents]
    return documents, [(f.path, f.rule, f.span.line, f.message) for f in result.findings]


def test_workers_and_cache_hits_give_the_in_process_result_in_its_order(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    paths = _corpus(root, runmod.CHUNK * 3 + 5)  # several chunks, and a last one shared out
    alone = _lint(root, jobs=1)
    assert len(alone.documents) > len(paths) and alone.findings
    cache = tmp_path / "cache"
    assert _seen(_lint(root, jobs=2, cache=cache)) == _seen(alone)
    # Half the files edited back and forth: cached results interleave with the workers' ones.
    for path in paths[::2]:
        path.write_text(path.read_text() + "\n")
    assert _seen(_lint(root, jobs=2, cache=cache)) == _seen(alone)
    assert _seen(_lint(root, jobs=2)) == _seen(alone)


def test_a_location_target_the_walk_also_finds_keeps_its_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Results are taken in one at a time here; the Location's targets are followed only once the
    # walk is over, so `a` is linted where the walk finds it, before `b`, not after as a target.
    monkeypatch.setattr(runmod, "WAVE_BATCH", 1)
    root = tmp_path / "repo"
    (root / "a").mkdir(parents=True)
    (root / "b").mkdir()
    (root / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n  targets: [./a/catalog-info.yaml]\n"
    )
    for name in "ab":
        (root / name / "catalog-info.yaml").write_text(_descriptor(1).replace("c1", name))
    result = _lint(root, jobs=1)
    assert [d.path for d in result.documents] == ["catalog-info.yaml", "a/catalog-info.yaml", "b/catalog-info.yaml"]


def test_few_files_to_lint_start_no_pool(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    _corpus(root, runmod.PARALLEL_THRESHOLD - 1)
    local = runmod._LocalRun(LintRequest(paths=[root], settings=Settings(), cwd=root, jobs=2))
    jobs = runmod.discover(local.request, runmod._roots(local.request), set())
    assert len(list(local.wave(jobs))) == runmod.PARALLEL_THRESHOLD - 1
    assert local.pool is None


def test_the_collector_is_off_only_during_a_run_with_workers() -> None:
    assert gc.isenabled()
    with runmod.quiet_gc(off=True):
        assert not gc.isenabled()
    assert gc.isenabled()
    with runmod.quiet_gc(off=False):
        assert gc.isenabled()
    assert gc.isenabled()
