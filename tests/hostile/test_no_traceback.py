"""Item 7: hostile input files, folders and settings give findings or a clear exit 2, never a traceback.

`inputs/` holds the hostile files; what git cannot hold well (a folder name that is not UTF-8,
symlink loops, a FIFO) is made here."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.cli_run import CliResult, RunCli
from tests.descriptors import group

INPUTS = Path(__file__).parent / "inputs"


def assert_clean(result: CliResult, *codes: int) -> None:
    shown = result.output + result.stderr
    assert "Traceback" not in shown, shown
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (codes or (0, 1)), shown[-2000:]


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    shutil.copytree(INPUTS, root)
    (root / ".catalint.yaml").write_text("include: ['*.yaml', '*.json']\n")
    odd = os.fsencode(root) + b"/caf\xe9-\xff"
    os.mkdir(odd)
    with open(odd + b"/catalog-info.yaml", "w") as fh:
        fh.write(group("odd"))
    (root / "loop").mkdir()
    (root / "loop" / "catalog-info.yaml").write_text(group("looped"))
    (root / "loop" / "again").symlink_to("..")
    (root / "loop" / "self").symlink_to("self")
    (root / "host").symlink_to("/")
    os.mkfifo(root / "fifo.yaml")
    return root


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_the_whole_hostile_folder(workspace: Path, fmt: str, run_cli: RunCli) -> None:
    result = run_cli("lint", "--format", fmt, ".", cwd=workspace, catch_exceptions=True)
    assert_clean(result)
    assert "looped" in result.output or fmt != "json", result.output[-1500:]
    again = run_cli("lint", "--format", fmt, ".", cwd=workspace, catch_exceptions=True)  # answered from the default cache
    assert_clean(again)
    assert again.output == result.output or fmt == "github"  # github output holds fresh stop-commands tokens


@pytest.mark.parametrize("name", sorted(p.name for p in INPUTS.iterdir()))
def test_each_hostile_file(workspace: Path, name: str, run_cli: RunCli) -> None:
    result = run_cli("lint", "--no-cache", "--format", "json", name, cwd=workspace, catch_exceptions=True)
    assert_clean(result)
    assert not Path("/tmp/catalint-pwned").exists()


def test_a_fifo_named_on_the_command_line(workspace: Path, run_cli: RunCli) -> None:
    assert_clean(run_cli("lint", "--no-cache", "fifo.yaml", cwd=workspace, catch_exceptions=True), 0, 1, 2)


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        (".yamllint", "rules: [\n", "not a usable yamllint config"),
        (".yamllint", "extends: no-such-preset\n", "not a usable yamllint config"),
        (".yamllint", "rules:\n  line-length: {max: -1, level: bogus}\n", "not a usable yamllint config"),
        (".catalint.yaml", "yamllint: {extends: /nonexistent}\n", "yamllint"),
    ],
)
def test_broken_yamllint_config_exits_2(tmp_path: Path, name: str, text: str, expected: str, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(group("a"))
    (tmp_path / name).write_text(text)
    result = run_cli("lint", ".", cwd=tmp_path, catch_exceptions=True)
    assert_clean(result, 2)
    assert expected in result.stderr


def test_discover_with_a_broken_regex_exits_2(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("discover", "-w", "acme", "--repo", "(", cwd=tmp_path, catch_exceptions=True)
    assert_clean(result, 2)
    assert "not a valid regular expression" in result.stderr


@pytest.mark.parametrize("secret", ["s3cr\net-1234", "s3cr\u00e9et-1234", "s3cr\udcffet-1234", "s3cr\ret-1234"])
@pytest.mark.parametrize("command", [["auth"], ["lint", "https://bitbucket.org/a/b/src/main/c.yaml"]])
def test_a_credential_http_cannot_carry_exits_2_naming_the_field(tmp_path: Path, secret: str, command: list[str], run_cli: RunCli) -> None:
    env = {"BITBUCKET_TOKEN": secret, "CATALINT_BITBUCKET_API_URL": "http://127.0.0.1:9/2.0"}
    result = run_cli(*command, cwd=tmp_path, env=env, catch_exceptions=True)
    assert_clean(result, 2)
    assert "BITBUCKET_TOKEN" in result.stderr and "HTTP" in result.stderr
    assert "s3cr" not in result.output
