"""`catalint lint -`: one descriptor from stdin, through the same pipeline as a file; with
--stdin-filename it is shown under that path and resolves its relative targets from there."""

from __future__ import annotations

import json
import os
from pathlib import Path

import git
from click.testing import CliRunner, Result

from catalint.cli import main

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


def _lint(cwd: Path, stdin: bytes | str, *args: str) -> Result:
    here = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(main, ["lint", "--no-cache", "--no-style", *args], input=stdin, catch_exceptions=False)
    finally:
        os.chdir(here)


def _findings(result: Result) -> list[tuple[str, str, int, int]]:
    return [(f["path"], f["rule"], f["line"], f["column"]) for f in json.loads(result.stdout)["findings"]]


def test_stdin_without_a_name_is_shown_as_stdin(tmp_path: Path) -> None:
    result = _lint(tmp_path, API.replace("  owner: group:team-a\n", ""), "-", "--format", "json")
    assert result.exit_code == 1
    assert ("<stdin>", "spec-schema", 5, 1) in _findings(result)
    assert _findings(result)[0][0] == "<stdin>"
    data = json.loads(result.stdout)
    assert data["summary"]["files"] == 1 and data["documents"][0]["path"] == "<stdin>"


def test_stdin_filename_names_findings_and_resolves_targets_in_its_checkout(tmp_path: Path) -> None:
    git.Repo.init(tmp_path)
    (tmp_path / "services" / "payments").mkdir(parents=True)
    (tmp_path / "services" / "payments" / "openapi.yaml").write_text("openapi: 3.0.0\n")
    (tmp_path / "elsewhere").mkdir()
    named = "services/payments/catalog-info.yaml"  # not on disk: an editor's unsaved buffer
    ok = _lint(tmp_path / "elsewhere", API, "-", "--stdin-filename", f"../{named}", "--format", "json")
    assert ok.exit_code == 0, ok.stdout
    assert json.loads(ok.stdout)["documents"][0]["path"] == f"../{named}"
    broken = _lint(tmp_path, API.replace("./openapi.yaml", "./missing.yaml"), "-", "--stdin-filename", named, "--format", "json")
    assert broken.exit_code == 1
    assert (named, "placeholder", 10, 12) in _findings(broken)
    escaping = _lint(tmp_path, API.replace("./openapi.yaml", "../../../etc/passwd"), "-", "--stdin-filename", named, "--format", "json")
    assert (named, "path-escape", 10, 12) in _findings(escaping)


def test_stdin_stands_in_for_the_file_it_names(tmp_path: Path) -> None:
    (tmp_path / "catalog-info.yaml").write_text(API.replace("name: payments-api", "name: Not Valid!"))
    (tmp_path / "openapi.yaml").write_text("openapi: 3.0.0\n")
    result = _lint(tmp_path, API, "-", ".", "--stdin-filename", "catalog-info.yaml", "--format", "json")
    assert result.exit_code == 0, result.stdout
    data = json.loads(result.stdout)
    assert data["summary"]["files"] == 1
    assert [f["rule"] for f in data["findings"]] == ["unresolved-ref"]  # only the owner, not declared here


def test_stdin_is_bounded_and_checked_like_a_file(tmp_path: Path) -> None:
    (tmp_path / ".catalint.yaml").write_text("max-file-size: 100\n")
    result = _lint(tmp_path, API * 3, "-", "--format", "json")
    assert [f[1] for f in _findings(result)] == ["file-too-large"]
    assert _findings(_lint(tmp_path, b"kind: [\n", "-", "--format", "json"))[0][:2] == ("<stdin>", "yaml-syntax")


def test_stdin_usage_errors_exit_2(tmp_path: Path) -> None:
    twice = _lint(tmp_path, API, "-", "-")
    assert twice.exit_code == 2 and "once" in twice.stderr
    orphan = _lint(tmp_path, API, "--stdin-filename", "x.yaml")
    assert orphan.exit_code == 2 and "add `-`" in orphan.stderr
