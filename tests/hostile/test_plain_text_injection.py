"""Item 13: no value read from a descriptor, Bitbucket or Backstage starts a line of its own in
plain-text output (a CI runner would run `::error`, `::add-mask` and the like)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.report.text import line_safe, printable
from tests.cli_run import RunCli

EVIL = "x\n::error file=README.md,line=1::owned\r\n::add-mask::hidden\u2028::warning::also"
DESCRIPTOR = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  title: {name}
spec:
  type: service
  lifecycle: production
  owner: {name}
"""


def commands(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.lstrip().startswith("::")]


def test_lint_text_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(DESCRIPTOR.format(name=json.dumps(EVIL)))
    (tmp_path / "::error::named.yaml").write_text(DESCRIPTOR.format(name="ok"))
    (tmp_path / ".catalint.yaml").write_text("include: ['*.yaml']\n")
    monkeypatch.chdir(tmp_path)
    result = run_cli("lint", "--no-cache", "--format", "text", ".")
    assert result.exit_code == 1, result.output
    assert "owned" in result.output  # the message is there, on its finding's line
    assert commands(result.output) == []


def test_sync_text_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    monkeypatch.chdir(tmp_path)
    found = tmp_path / "found.json"
    url = "https://bitbucket.org/acme/svc/src/main/catalog-info.yaml"
    found.write_text(json.dumps({"urls": [url + "?" + EVIL], "complete": False, "errors": [EVIL]}))
    for var in ("BITBUCKET_TOKEN", "BITBUCKET_USERNAME", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(var, raising=False)
    args = ["sync", "file", "-w", "acme", "out.yaml", "--discovery-file", str(found), "--include-invalid"]
    result = run_cli(*args)
    assert "owned" in result.output, result.output
    assert commands(result.output) == []


def test_printable() -> None:
    assert printable("a\nb\r\x1b[31m\u202e\tc") == "a\\nb\\r\\x1b[31m\\u202e\tc"
    assert line_safe("::error::x") == "./::error::x" and line_safe("ok") == "ok"
