"""A shard whose kept lines (`lines`, SARIF's fingerprint text) are damaged is refused by `catalint
merge` as damaged (exit 2, one line), not merged with a Python error in a warning."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from catalint.facts import unpack_lines
from tests.cli_run import CliResult, RunCli
from tests.fakes import FakeBitbucket

DESCRIPTOR = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n  tags: [Bad_Tag]\n"
    "spec:\n  type: service\n  lifecycle: production\n  owner: group:default/team\n"
)


@pytest.fixture
def cli(run_cli: RunCli, fake_bitbucket: FakeBitbucket) -> Callable[..., CliResult]:
    env = {"CATALINT_BITBUCKET_URL": fake_bitbucket.web_url, "CATALINT_BITBUCKET_API_URL": fake_bitbucket.api_url}
    return lambda *args: run_cli(*args, env=env)


@pytest.fixture
def shard(cli: Callable[..., CliResult], fake_bitbucket: FakeBitbucket, tmp_path: Path) -> Path:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"catalog-info.yaml": DESCRIPTOR}})
    path = tmp_path / "shard.json"
    done = cli("lint", "--workspace", "acme", "--no-cache", "--shard", "1/1", "--output", f"json:{path}")
    assert done.exit_code == 1, done.output
    return path


def _with_lines(shard: Path, lines: object) -> Path:
    data = json.loads(shard.read_text())
    (entry,) = data["nightly"]["files"]
    assert entry["result"]["lines"]  # what is replaced is there
    entry["result"]["lines"] = lines
    shard.write_text(json.dumps(data))
    return shard


def test_an_intact_shard_merges(
    cli: Callable[..., CliResult], fake_bitbucket: FakeBitbucket, shard: Path, tmp_path: Path
) -> None:
    done = cli("merge", str(shard), "--output", f"sarif:{tmp_path / 'o.sarif'}")
    assert done.exit_code == 1, done.output
    assert "Error" not in done.stderr


@pytest.mark.parametrize("lines", [5, "x\ty\n", "4\tname: svc\n5", ["4\tname: svc\n"], "4\tname: svc\nnot a line\n"])
def test_damaged_lines_are_a_damaged_result(
    cli: Callable[..., CliResult], fake_bitbucket: FakeBitbucket, shard: Path, tmp_path: Path, lines: object
) -> None:
    done = cli("merge", str(_with_lines(shard, lines)), "--output", f"sarif:{tmp_path / 'o.sarif'}")
    assert done.exit_code == 2, done.output
    assert "is damaged" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert "Error" not in done.stderr and "Traceback" not in done.output


def test_unpacking_skips_entries_that_are_not_lines() -> None:
    assert unpack_lines("4\tname: svc\nx\ty\n\n5\n7\ttags: []\n-1\tz\n") == {4: "name: svc", 7: "tags: []"}


def test_a_state_with_damaged_lines_reads_the_file_again(
    cli: Callable[..., CliResult], fake_bitbucket: FakeBitbucket, tmp_path: Path
) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"catalog-info.yaml": DESCRIPTOR}})
    state = tmp_path / "state.json"
    args = ("lint", "--workspace", "acme", "--no-cache", "--state", str(state), "--format", "json")
    first = cli(*args)
    data = json.loads(state.read_text())
    for stored in data["files"].values():
        stored["result"]["lines"] = 5
    state.write_text(json.dumps(data))
    fake_bitbucket.reset_log()
    again = cli(*args)
    assert again.exit_code == first.exit_code == 1, again.output
    assert json.loads(again.stdout)["findings"] == json.loads(first.stdout)["findings"]
    assert any("/src/" in r.path for r in fake_bitbucket.request_log)  # read again, not taken from the state
