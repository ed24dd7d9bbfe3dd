"""Differential: a pull-request run answered from the base's cache (most files recognised by their
stat signature, their findings counted rather than decoded) prints byte for byte what the same run
prints without a cache, in every format and filter mode, for a change that renames, removes and
adds entities and references, moves a Location target and silences a finding with a directive."""

from __future__ import annotations

import shutil
from dataclasses import fields, replace
from pathlib import Path

import pytest

from catalint.config import Settings
from catalint.facts import FileResult
from catalint.lint.cache import CachedResult, decode_entry, encode_entry
from catalint.lint.run import LintRequest, run
from catalint.model import Finding, Severity, Span
from tests.cli_run import RunCli
from tests.descriptors import component, group, location, system
from tests.gitrepo import commit_all, git, write


def _base(root: Path) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    files = {f"svc-{i}/catalog-info.yaml": component(f"svc-{i}", owner="team-a" if i % 3 else "nobody") for i in range(8)}
    files["teams/catalog-info.yaml"] = group("team-a") + "---\n" + system("payments")
    files["svc-2/catalog-info.yaml"] += "  system: payments\n"
    files["svc-5/catalog-info.yaml"] += "  system: gone-system  # catalint: disable=unresolved-ref\n"
    files["copy/catalog-info.yaml"] = component("svc-4")  # a duplicate entity from the start
    files["catalog-info.yaml"] = location("./more/extra.yaml", name="root")
    files["more/extra.yaml"] = component("extra", owner="team-a") + "  dependsOn: [component:svc-6]\n"
    files["café/catalog-info.yaml"] = component("cafe", owner="team-a")
    write(root, files)
    commit_all(root, "base")


def _change(root: Path) -> None:
    git(root, "checkout", "-q", "-b", "feature")
    write(
        root,
        {
            # svc-6 renamed (extra.yaml still refers to the old name); payments renamed to billing
            "svc-6/catalog-info.yaml": component("svc-six", owner="team-a"),
            "teams/catalog-info.yaml": group("team-a") + "---\n" + system("billing"),
            "svc-7/catalog-info.yaml": component("svc-7", owner="team-b") + "  system: billing\n",
            "new/catalog-info.yaml": component("svc-4", owner="ghosts"),  # added, and a duplicate
            "more/extra.yaml": component("extra", owner="nobody") + "  dependsOn: [component:svc-6]\n",
        },
    )
    (root / "svc-1" / "catalog-info.yaml").unlink()  # svc-1 removed
    commit_all(root, "feature")
    write(root, {"untracked/catalog-info.yaml": component("loose", owner="team-z")})  # not committed


def _out(run_cli: RunCli, root: Path, *args: str) -> str:
    result = run_cli("lint", "--fail-on", "never", "--changed-since", "main", *args, ".", cwd=root)
    assert result.exit_code == 0, result.stderr
    return result.stdout


@pytest.mark.parametrize("mode", ["file", "added", "diff_context", "nofilter"])
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_pr_mode_from_the_cache_prints_what_it_prints_without(tmp_path: Path, run_cli: RunCli, fmt: str, mode: str) -> None:
    root, base_cache, cache = tmp_path / "repo", tmp_path / "base-cache", tmp_path / "cache"
    _base(root)
    run_cli("lint", "--format", "json", "--fail-on", "never", "--cache-dir", str(base_cache), ".", cwd=root)
    _change(root)
    shutil.copytree(base_cache, cache)
    args = ("--format", fmt, "--filter-mode", mode)
    uncached = _out(run_cli, root, *args, "--no-cache")
    assert "svc-6" in uncached and "breaks-references" in uncached  # the change's impact is reported
    assert _out(run_cli, root, *args, "--cache-dir", str(cache)) == uncached
    assert _out(run_cli, root, *args, "--cache-dir", str(cache)) == uncached  # warm a second time


def test_a_cache_inside_the_checkout_is_seen_by_git_after_the_run(tmp_path: Path, run_cli: RunCli) -> None:
    # git is then asked after the run, not while it runs: the packs written are untracked files.
    root = tmp_path / "repo"
    _base(root)
    _change(root)
    cache = root / ".lint-cache"
    uncached = _out(run_cli, root, "--format", "text", "--no-cache")
    assert _out(run_cli, root, "--format", "text", "--cache-dir", str(cache)) == uncached  # cold: the pack is new
    assert _out(run_cli, root, "--format", "text", "--cache-dir", str(cache)) == uncached  # warm
    assert list((cache / "packs").iterdir())


def test_unshown_cached_findings_are_counted_not_decoded(tmp_path: Path, run_cli: RunCli) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _base(root)
    run_cli("lint", "--format", "json", "--fail-on", "never", "--cache-dir", str(cache), ".", cwd=root)
    shown = {"svc-2/catalog-info.yaml"}
    full = run(LintRequest(paths=[root], settings=Settings(), cwd=root, cache_dir=cache))
    part = run(LintRequest(paths=[root], settings=Settings(), cwd=root, cache_dir=cache, shown=lambda deps: shown))
    assert len(full.findings) > 3 and full.elided == 0
    assert part.findings == [f for f in full.findings if f.path in shown]
    assert part.elided == len(full.findings) - len(part.findings)
    assert part.unverified == full.unverified and part.documents == full.documents
    assert part.relations == full.relations and part.deps == full.deps


def test_a_cached_result_decodes_its_findings_when_read() -> None:

    findings = [
        Finding("unknown-kind", Severity.ERROR, "no such kind", "a.yaml", Span(3, 1, 3, 5), 0, None),
        Finding("field-format", Severity.WARNING, "bad name", "a.yaml", Span(4, 9, 4, 12), 0, "component:default/x"),
    ]
    original = FileResult("a.yaml", findings=findings, disabled={4: frozenset({"field-format"})}, deps={"/x": None})
    cached = decode_entry(encode_entry(original))
    assert isinstance(cached, CachedResult) and not cached.decoded
    assert cached.tally == [("unknown-kind", int(Severity.ERROR), 1)]  # the directive silences the other
    assert cached.findings == findings and cached.decoded
    assert [getattr(cached, f.name) for f in fields(FileResult)] == [getattr(original, f.name) for f in fields(FileResult)]
    cached.findings = []
    assert cached.findings == []
    again = replace(decode_entry(encode_entry(original)), path="b.yaml")
    assert again.findings == findings and again.path == "b.yaml"
