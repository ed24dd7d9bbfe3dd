"""The conventions users of yamllint, check-jsonschema and friends expect: --version on every
command, exit codes in --help, one spelling per option, counts in the right number, one JSON key
style, and the README's first command printing what the README says."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from catalint import __version__
from catalint.cli import COMMANDS
from catalint.words import counted
from tests.cli_run import RunCli
from tests.fakes.bitbucket import FakeBitbucket

REPO = Path(__file__).resolve().parents[2]
DESCRIPTOR = "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: group:team-a\n"


@pytest.mark.parametrize("command", [[], *([name] for name in sorted(COMMANDS))])
def test_version_on_the_group_and_every_command(command: list[str], run_cli: RunCli) -> None:
    result = run_cli(*command, "--version")
    assert result.exit_code == 0
    assert result.stdout == f"catalint, version {__version__}\n"


def test_lint_help_lists_the_exit_codes(run_cli: RunCli) -> None:
    text = run_cli("lint", "--help").stdout
    codes = dict(re.findall(r"^\s+([012])\s+(.+)$", text, re.MULTILINE))
    assert set(codes) == {"0", "1", "2"}
    assert "--fail-on" in codes["1"] and "usage" in codes["2"]
    assert "--color [auto|always|never]" in text and "--stdin-filename PATH" in text


def test_counts_read_in_the_right_number() -> None:
    assert [counted(n, "error") for n in (0, 1, 2)] == ["0 errors", "1 error", "2 errors"]
    assert counted(1, "entry", "entries") == "1 entry" and counted(3, "entry", "entries") == "3 entries"


def test_the_summary_line_counts_one_file_and_one_document(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(DESCRIPTOR.format(name="a").replace("  owner: group:team-a\n", ""))
    out = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path).stdout
    assert out.splitlines()[-1] == "1 file, 1 document (1 rejected by Backstage): 1 error, 0 warnings, 0 info"


def _keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")


def test_every_json_output_uses_snake_case_keys(fake_bitbucket: FakeBitbucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    monkeypatch.setenv("CATALINT_BITBUCKET_URL", fake_bitbucket.web_url)
    monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", fake_bitbucket.api_url)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"catalog-info.yaml": DESCRIPTOR.format(name="svc").encode()}})
    (tmp_path / "catalog-info.yaml").write_text(DESCRIPTOR.format(name="Bad Name"))
    outputs = {
        "lint": run_cli("lint", "--no-cache", "--format", "json", cwd=tmp_path),
        "discover": run_cli("discover", "-w", "acme", "--format", "json", cwd=tmp_path),
        "sync": run_cli("sync", "file", "-w", "acme", "out.yaml", "--web-url", fake_bitbucket.web_url, "--dry-run", "--format", "json", cwd=tmp_path),
    }
    for name, result in outputs.items():
        keys = _keys(json.loads(result.stdout))
        assert keys, name
        assert sorted(k for k in keys if not SNAKE.match(k)) == [], name
    assert "dry_run" in _keys(json.loads(outputs["sync"].stdout))


def test_discover_takes_repo_regex_like_sync_and_the_old_repo_still_works(fake_bitbucket: FakeBitbucket, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    monkeypatch.setenv("CATALINT_BITBUCKET_URL", fake_bitbucket.web_url)
    monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", fake_bitbucket.api_url)
    for name in ("svc-a", "other"):
        fake_bitbucket.add_repo("acme", name, branches={"main": {"catalog-info.yaml": DESCRIPTOR.format(name=name).encode()}})
    new = run_cli("discover", "-w", "acme", "--repo-regex", "svc-.*")
    old = run_cli("discover", "-w", "acme", "--repo", "svc-.*")
    assert new.exit_code == old.exit_code == 0
    assert new.stdout == old.stdout and "svc-a" in new.stdout and "other" not in new.stdout
    assert "--repo is deprecated; use --repo-regex" in old.stderr and new.stderr == ""
    helps = {" ".join(name): run_cli(*name, "--help").stdout for name in (["discover"], ["sync", "file"], ["sync", "backstage"])}
    assert all("--repo-regex" in text for text in helps.values())
    assert not re.search(r"--repo\b(?!-)", helps["discover"]), "the old spelling is hidden"


def test_the_readme_shows_what_catalint_lint_examples_prints(run_cli: RunCli) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    block = readme.split("$ catalint lint examples\n", 1)[1].split("```", 1)[0]
    shown = [line for line in block.splitlines() if line and line != "..."]
    result = run_cli("lint", "--no-cache", "examples", cwd=REPO)
    assert result.exit_code == 1
    printed = result.stdout.splitlines()
    assert shown and all(line in printed for line in shown), "update the README's output of `catalint lint examples`"
    summary = re.search(r'"summary": (\{[^}]*\})', readme)
    assert summary is not None
    counts = json.loads(summary.group(1))
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", "examples", cwd=REPO).stdout)
    assert {k: data["summary"][k] for k in counts} == counts
