"""Seeded random differential for pull-request mode: random catalogs, random changes (renames,
removals, additions, duplicates, untracked and git-ignored files, silenced lines), and the report
of a run answered from the base's cache (findings of unshown files counted, their unresolved
references never made findings, files matched to the change by the walk's real paths) against
the same run without a cache, byte for byte, in every format and filter mode."""

from __future__ import annotations

import random
import shutil
from pathlib import Path

import pytest

from tests.cli_run import RunCli
from tests.descriptors import HEADER, component, group
from tests.gitrepo import commit_all, git, write

MODES = ("file", "added", "diff_context", "nofilter")


def _component(rng: random.Random, name: str, names: list[str]) -> str:
    """A Component whose owner and dependencies may or may not exist, some silenced."""
    owner = rng.choice(["team-a", "team-b", "nobody", "ghosts"])
    silence = "  # catalint: disable=unresolved-ref" if rng.random() < 0.2 else ""
    text = (
        f"{HEADER}kind: Component\nmetadata:\n  name: {name}\n"
        f"spec:\n  type: service\n  lifecycle: production\n  owner: {owner}{silence}\n"
    )
    targets = rng.sample([*names, "missing-1", "missing-2"], k=rng.randint(0, 3))
    if targets:
        text += f"  dependsOn: [{', '.join(f'component:{t}' for t in targets)}]\n"
    return text


def _file(rng: random.Random, names: list[str]) -> str:
    """One or two documents, each a Component named from `names` (so duplicates happen)."""
    docs = [_component(rng, rng.choice(names), names) for _ in range(rng.choice([1, 1, 2]))]
    return "---\n".join(docs)


def _base(rng: random.Random, root: Path, names: list[str]) -> list[str]:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {f"svc-{i}/catalog-info.yaml": _file(rng, names) for i in range(rng.randint(6, 12))}
    files["teams/catalog-info.yaml"] = group("team-a") + "---\n" + group("team-b")
    files["ignored/catalog-info.yaml"] = _file(rng, names)  # linted, but git is told to look away
    files[".gitignore"] = "ignored/\n"
    write(root, files)
    commit_all(root, "base")
    return sorted(rel for rel in files if rel.startswith("svc-"))


def _rename(rng: random.Random, root: Path, rel: str, names: list[str]) -> None:
    path = root / rel
    old = rng.choice(names)
    path.write_text(path.read_text().replace(f"name: {old}\n", f"name: {old}-renamed\n"))


def _change(rng: random.Random, root: Path, files: list[str], names: list[str]) -> None:
    git(root, "checkout", "-q", "-b", "feature")
    for rel in rng.sample(files, k=min(len(files), rng.randint(1, 4))):
        action = rng.choice(["rename", "rewrite", "remove", "remove", "duplicate"])
        path = root / rel
        if action == "rename":
            _rename(rng, root, rel, names)
        elif action == "rewrite":
            path.write_text(_file(rng, names))
        elif action == "remove":
            path.unlink()
        else:  # another file declares what this one does
            write(root, {f"copy-of-{rel}": path.read_text()})
    if rng.random() < 0.5:
        (root / "teams" / "catalog-info.yaml").write_text(group("team-a"))  # team-b removed
    write(root, {"new/catalog-info.yaml": _file(rng, names)})
    commit_all(root, "feature")
    if rng.random() < 0.7:
        write(root, {"untracked/catalog-info.yaml": _file(rng, names)})  # never committed
    if rng.random() < 0.7:
        write(root, {"ignored/catalog-info.yaml": _file(rng, names)})  # changed without git knowing


def _out(run_cli: RunCli, root: Path, *args: str) -> str:
    result = run_cli("lint", "--fail-on", "never", "--changed-since", "main", *args, ".", cwd=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("seed", range(8))
def test_pr_mode_from_the_cache_prints_what_it_prints_without(tmp_path: Path, run_cli: RunCli, seed: int) -> None:
    rng = random.Random(seed)
    names = [f"svc-{i}" for i in range(8)]
    root, base_cache = tmp_path / "repo", tmp_path / "base-cache"
    files = _base(rng, root, names)
    run_cli("lint", "--format", "json", "--fail-on", "never", "--cache-dir", str(base_cache), ".", cwd=root)
    _change(rng, root, files, names)
    for number, (fmt, mode) in enumerate([("json", rng.choice(MODES)), ("text", rng.choice(MODES))]):
        cache = tmp_path / f"cache-{number}"
        shutil.copytree(base_cache, cache)
        args = ("--format", fmt, "--filter-mode", mode)
        uncached = _out(run_cli, root, *args, "--no-cache")
        assert "Pull-request mode" in uncached or '"findings"' in uncached
        assert _out(run_cli, root, *args, "--cache-dir", str(cache)) == uncached, (seed, fmt, mode)
        assert _out(run_cli, root, *args, "--cache-dir", str(cache)) == uncached, (seed, fmt, mode)  # warm again


def test_a_deleted_file_that_others_refer_to_breaks_them_with_or_without_the_cache(tmp_path: Path, run_cli: RunCli) -> None:
    root, base_cache = tmp_path / "repo", tmp_path / "base-cache"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {
            "teams/catalog-info.yaml": group("team-a"),
            "svc-0/catalog-info.yaml": component("svc-0"),
            "svc-1/catalog-info.yaml": component("svc-1") + "  dependsOn: [component:svc-0]\n",
        },
    )
    commit_all(root, "base")
    run_cli("lint", "--format", "json", "--fail-on", "never", "--cache-dir", str(base_cache), ".", cwd=root)
    git(root, "checkout", "-q", "-b", "feature")
    (root / "svc-0" / "catalog-info.yaml").unlink()
    commit_all(root, "remove svc-0")
    uncached = _out(run_cli, root, "--format", "json", "--no-cache")
    assert "breaks-references" in uncached and "component:default/svc-0 is removed" in uncached
    assert _out(run_cli, root, "--format", "json", "--cache-dir", str(base_cache)) == uncached


@pytest.mark.parametrize(
    ("env", "changed_since", "mode", "narrows"),
    [
        ({}, None, None, False),  # no base: every file's findings are reported
        ({}, "main", None, True),
        ({}, "main", "added", True),
        ({}, "main", "nofilter", False),
        ({"BITBUCKET_PR_DESTINATION_BRANCH": "main"}, None, None, True),
    ],
)
def test_only_a_run_whose_report_narrows_leaves_cached_results_encoded(
    tmp_path: Path, env: dict[str, str], changed_since: str | None, mode: str | None, narrows: bool
) -> None:
    from catalint.ci.publish import ChangeScope

    assert ChangeScope(tmp_path, env, changed_since, mode).narrows is narrows
