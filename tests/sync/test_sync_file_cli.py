"""`catalint sync file`: fake Bitbucket serves the descriptors (linted), a real git repo receives them."""

from __future__ import annotations

import json
from pathlib import Path

import git
import pytest

from catalint.sync.location_file import parse_targets
from tests.cli_run import RunCli
from tests.descriptors import component
from tests.fakes.bitbucket import FakeBitbucket

ENV = {
    "GIT_AUTHOR_NAME": "s",
    "GIT_AUTHOR_EMAIL": "s@x",
    "GIT_COMMITTER_NAME": "s",
    "GIT_COMMITTER_EMAIL": "s@x",
}


@pytest.fixture
def setup(
    fake_bitbucket: FakeBitbucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[FakeBitbucket, Path]:
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)
    monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", fake_bitbucket.api_url)  # sync lints through the API
    fake_bitbucket.add_repo("acme", "a", branches={"main": {"catalog-info.yaml": component("a")}})
    fake_bitbucket.add_repo("acme", "bad", branches={"main": {"catalog-info.yaml": component("Bad Name!")}})
    bare = tmp_path / "remote.git"
    git.Repo.init(bare, bare=True, initial_branch="main")
    work = git.Repo.init(tmp_path / "work", initial_branch="main")
    (tmp_path / "work" / "README").write_text("x\n")
    work.git.add("README")
    work.git.commit("-m", "init", env=ENV)
    work.create_remote("origin", str(bare)).push("main:main")
    return fake_bitbucket, tmp_path


def _sync_args(fake: FakeBitbucket, tmp: Path, urls: list[str], *extra: str) -> list[str]:
    """`sync file` of `urls` (as a discovery file) into the work repository's catalog file."""
    found = tmp / "discovery.json"
    found.write_text(json.dumps({"urls": urls, "complete": True, "errors": []}))
    return [
        "sync",
        "file",
        "-w",
        "acme",
        str(tmp / "work" / "catalog" / "bitbucket.yaml"),
        "--web-url",
        fake.web_url,
        "--discovery-file",
        str(found),
        *extra,
    ]


def test_file_sync_lints_commits_pushes_and_is_idempotent(setup: tuple[FakeBitbucket, Path], run_cli: RunCli) -> None:
    fake, tmp = setup
    a = f"{fake.web_url}/acme/a/src/main/catalog-info.yaml"
    bad = f"{fake.web_url}/acme/bad/src/main/catalog-info.yaml"
    target = tmp / "work" / "catalog" / "bitbucket.yaml"
    summary = tmp / "summary.md"

    code, out, _ = run_cli(*_sync_args(fake, tmp, [a, bad], "--dry-run"))
    assert code == 0 and "+    - " + a in out and not target.exists()

    result = run_cli(
        *_sync_args(fake, tmp, [a, bad], "--push", "--author", "Bot <bot@acme.test>", "--format", "json"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert [x["target"] for x in report["actions"] if x["action"] == "added"] == [a]
    assert [x["target"] for x in report["actions"] if x["action"] == "skipped"] == [bad]
    assert parse_targets(target.read_text(), "location") == [a]
    remote_head = git.Repo(tmp / "remote.git").commit("main")
    assert remote_head.author.email == "bot@acme.test" and a in remote_head.message
    assert "| added |" in summary.read_text()

    code, out, _ = run_cli(*_sync_args(fake, tmp, [a, bad], "--commit"))
    assert code == 0 and "nothing to commit" in out and "0 added" in out
    assert git.Repo(tmp / "work").head.commit.hexsha == remote_head.hexsha

    code, out, _ = run_cli(*_sync_args(fake, tmp, [a, bad], "--include-invalid", "--style", "location"))
    assert code == 0 and parse_targets(target.read_text(), "location") == [a, bad]


def test_usage_errors_exit_2(setup: tuple[FakeBitbucket, Path], run_cli: RunCli) -> None:
    result = run_cli("sync", "file", "-w", "acme")
    assert result.exit_code == 2 and "Missing argument 'PATH'" in result.stderr
    result = run_cli("sync", "backstage", "-w", "acme", env={"BACKSTAGE_URL": ""})
    assert result.exit_code == 2 and "--backstage-url" in result.stderr
    result = run_cli("sync", "file", "-w", "acme", "x.yaml", "--branch", "pr")
    assert result.exit_code == 2 and "--branch needs --push" in result.stderr


@pytest.mark.parametrize(
    "extra",
    [["--commit"], ["--push"], ["--branch", "pr"], ["--style", "location"], ["--name", "n"], ["--author", "A <a@b>"], ["x.yaml"]],
)
def test_a_file_option_given_to_sync_backstage_is_a_usage_error(
    setup: tuple[FakeBitbucket, Path], run_cli: RunCli, extra: list[str]
) -> None:
    fake, _ = setup
    result = run_cli("sync", "backstage", "-w", "acme", "--backstage-url", "http://127.0.0.1:9", *extra)
    assert result.exit_code == 2, result.output
    assert ("No such option" if extra[0].startswith("--") else "unexpected extra argument") in result.stderr
    assert fake.request_log == []


@pytest.mark.parametrize("extra", [["--prune"], ["--state", "s.json"], ["--managed-prefix", "x"], ["--backstage-url", "http://b"]])
def test_a_backstage_option_given_to_sync_file_is_a_usage_error(
    setup: tuple[FakeBitbucket, Path], run_cli: RunCli, extra: list[str]
) -> None:
    fake, tmp = setup
    result = run_cli("sync", "file", "-w", "acme", str(tmp / "x.yaml"), *extra)
    assert result.exit_code == 2 and "No such option" in result.stderr
    assert not (tmp / "x.yaml").exists() and fake.request_log == []


def test_each_destination_helps_with_its_own_options_only(run_cli: RunCli) -> None:
    file_help = run_cli("sync", "file", "--help").stdout
    backstage_help = run_cli("sync", "backstage", "--help").stdout
    file_only = ("--style", "--name", "--commit", "--push", "--branch", "--author")
    backstage_only = ("--backstage-url", "--backstage-token", "--prune", "--managed-prefix", "--state")
    common = ("--workspace", "--from", "--discovery-file", "--include-invalid", "--dry-run", "--max-delete", "--format")
    assert "[OPTIONS] PATH\n" in file_help and "sync backstage [OPTIONS]\n" in backstage_help
    assert all(o in file_help for o in file_only + common) and not any(o in file_help for o in backstage_only)
    assert all(o in backstage_help for o in backstage_only + common) and not any(o in backstage_help for o in file_only)
    group_help = run_cli("sync", "--help").stdout
    assert "file" in group_help and "backstage" in group_help and "--commit" not in group_help


def test_the_legacy_to_file_spelling_still_syncs(setup: tuple[FakeBitbucket, Path], run_cli: RunCli) -> None:
    fake, tmp = setup
    a = f"{fake.web_url}/acme/a/src/main/catalog-info.yaml"
    args = _sync_args(fake, tmp, [a], "--format", "json")
    legacy = [args[0], *args[2:4], "--to", "file", *args[4:]]  # `sync -w acme --to file PATH ...`
    assert args[1] == "file" and legacy[4] == "file"
    result = run_cli(*legacy)
    assert result.exit_code == 0, result.output
    assert "deprecated" in result.stderr and "catalint sync file" in result.stderr
    assert [x["target"] for x in json.loads(result.stdout)["actions"] if x["action"] == "added"] == [a]
    assert parse_targets((tmp / "work" / "catalog" / "bitbucket.yaml").read_text(), "location") == [a]
    result = run_cli("sync", "-w", "acme", "--to=elsewhere", "x.yaml")
    assert result.exit_code == 2 and "--to must be one of file, backstage" in result.stderr
    result = run_cli("sync", "-w", "acme", "x.yaml")  # neither spelling names a destination
    assert result.exit_code == 2 and "say where to sync" in result.stderr


def test_push_to_a_new_branch_and_a_rejected_push(setup: tuple[FakeBitbucket, Path], run_cli: RunCli) -> None:
    fake, tmp = setup
    a = f"{fake.web_url}/acme/a/src/main/catalog-info.yaml"
    target = tmp / "work" / "catalog" / "bitbucket.yaml"
    work, bare = git.Repo(tmp / "work"), git.Repo(tmp / "remote.git")
    base = work.head.commit.hexsha

    code, out, err = run_cli(*_sync_args(fake, tmp, [a], "--style", "app-config", "--push", "--branch", "catalint/sync"))
    assert code == 0, err
    assert "catalog:\n  locations:\n    - type: url\n      target: " + a in target.read_text()
    pushed = bare.commit("catalint/sync")
    assert pushed.hexsha == work.head.commit.hexsha != base
    assert bare.commit("main").hexsha == base  # the PR branch only; main untouched
    assert "Added:\n- " + a in pushed.message and "pushed" in out

    # Someone else pushes to main meanwhile: our push to main is refused, our commit stays.
    other = git.Repo.clone_from(str(tmp / "remote.git"), str(tmp / "other"))
    (tmp / "other" / "NEWS").write_text("x\n")
    other.git.add("NEWS")
    other.git.commit("-m", "theirs", env=ENV)
    other.git.push("origin", "main")
    fake.add_repo("acme", "c", branches={"main": {"catalog-info.yaml": component("c")}})
    c = f"{fake.web_url}/acme/c/src/main/catalog-info.yaml"
    code, out, err = run_cli(*_sync_args(fake, tmp, [a, c], "--style", "app-config", "--push"))
    assert code == 2
    assert "push to origin/main was rejected" in err and "is kept" in err
    kept = work.head.commit
    assert kept.hexsha != pushed.hexsha and "Added:\n- " + c in kept.message
    assert bare.commit("main").hexsha == other.head.commit.hexsha
    assert not work.is_dirty(untracked_files=False)
