"""`catalint lint -`: one descriptor from stdin, through the same pipeline as a file; with
--stdin-filename it is shown under that path and resolves its relative targets from there."""

from __future__ import annotations

import json
from pathlib import Path

import git

from tests.cli_run import CliResult, RunCli

API = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: payments-api
spec:
  type: openapi
  lifecycle: production
  owner: group:team-a
  definition:
    $text: ./openapi.yaml
"""


def _findings(result: CliResult) -> list[tuple[str, str, int, int]]:
    return [(f["path"], f["rule"], f["line"], f["column"]) for f in json.loads(result.stdout)["findings"]]


def test_stdin_without_a_name_is_shown_as_stdin(tmp_path: Path, run_cli: RunCli) -> None:
    result = run_cli("lint", "--no-cache", "--no-style", "-", "--format", "json", cwd=tmp_path, input=API.replace("  owner: group:team-a\n", ""))
    assert result.exit_code == 1
    assert ("<stdin>", "spec-schema", 5, 1) in _findings(result)
    assert _findings(result)[0][0] == "<stdin>"
    data = json.loads(result.stdout)
    assert data["summary"]["files"] == 1 and data["documents"][0]["path"] == "<stdin>"


def test_stdin_filename_names_findings_and_resolves_targets_in_its_checkout(tmp_path: Path, run_cli: RunCli) -> None:
    git.Repo.init(tmp_path)
    (tmp_path / "services" / "payments").mkdir(parents=True)
    (tmp_path / "services" / "payments" / "openapi.yaml").write_text("openapi: 3.0.0\n")
    (tmp_path / "elsewhere").mkdir()
    named = "services/payments/catalog-info.yaml"  # not on disk: an editor's unsaved buffer
    ok = run_cli("lint", "--no-cache", "--no-style", "-", "--stdin-filename", f"../{named}", "--format", "json", cwd=tmp_path / "elsewhere", input=API)
    assert ok.exit_code == 0, ok.stdout
    assert json.loads(ok.stdout)["documents"][0]["path"] == f"../{named}"
    broken = run_cli("lint", "--no-cache", "--no-style", "-", "--stdin-filename", named, "--format", "json", cwd=tmp_path, input=API.replace("./openapi.yaml", "./missing.yaml"))
    assert broken.exit_code == 1
    assert (named, "placeholder", 10, 12) in _findings(broken)
    escaping = run_cli("lint", "--no-cache", "--no-style", "-", "--stdin-filename", named, "--format", "json", cwd=tmp_path, input=API.replace("./openapi.yaml", "../../../etc/passwd"))
    assert (named, "path-escape", 10, 12) in _findings(escaping)


def test_stdin_stands_in_for_the_file_it_names(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(API.replace("name: payments-api", "name: Not Valid!"))
    (tmp_path / "openapi.yaml").write_text("openapi: 3.0.0\n")
    result = run_cli("lint", "--no-cache", "--no-style", "-", ".", "--stdin-filename", "catalog-info.yaml", "--format", "json", cwd=tmp_path, input=API)
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["summary"]["files"] == 1
    assert [f["rule"] for f in data["findings"]] == ["unresolved-ref"]  # only the owner, not declared here


def test_stdin_is_bounded_and_checked_like_a_file(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / ".catalint.yaml").write_text("max-file-size: 100\n")
    result = run_cli("lint", "--no-cache", "--no-style", "-", "--format", "json", cwd=tmp_path, input=API * 3)
    assert [f[1] for f in _findings(result)] == ["file-too-large"]
    assert _findings(run_cli("lint", "--no-cache", "--no-style", "-", "--format", "json", cwd=tmp_path, input=b"kind: [\n"))[0][:2] == ("<stdin>", "yaml-syntax")


def test_stdin_usage_errors_exit_2(tmp_path: Path, run_cli: RunCli) -> None:
    twice = run_cli("lint", "--no-cache", "--no-style", "-", "-", cwd=tmp_path, input=API)
    assert twice.exit_code == 2 and "once" in twice.stderr
    orphan = run_cli("lint", "--no-cache", "--no-style", "--stdin-filename", "x.yaml", cwd=tmp_path, input=API)
    assert orphan.exit_code == 2 and "add `-`" in orphan.stderr


def test_stdin_filename_in_a_folder_not_made_yet_resolves_in_its_checkout(tmp_path: Path, run_cli: RunCli) -> None:
    """A new service written in an editor: its folder is not on disk, its repository is above it."""
    git.Repo.init(tmp_path)
    (tmp_path / "services" / "shared").mkdir(parents=True)
    (tmp_path / "services" / "shared" / "openapi.yaml").write_text("openapi: 3.0.0\n")
    named = "services/new/catalog-info.yaml"
    result = run_cli("lint", "--no-cache", "--no-style", "-", "--stdin-filename", named, "--format", "json", cwd=tmp_path, input=API.replace("./openapi.yaml", "../shared/openapi.yaml"))
    assert [f[1] for f in _findings(result)] == ["unresolved-ref"]  # group:team-a is declared nowhere here
    escaping = run_cli("lint", "--no-cache", "--no-style", "-", "--stdin-filename", named, "--format", "json", cwd=tmp_path, input=API.replace("./openapi.yaml", "../../../etc/passwd"))
    assert (named, "path-escape", 10, 12) in _findings(escaping)
