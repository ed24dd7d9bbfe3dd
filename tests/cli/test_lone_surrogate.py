"""A `$json` target may hold a lone surrogate ("\\ud800"): JSON allows it, UTF-8 cannot carry it.
The reports must still be written whole, with the character escaped, never dropped."""

from __future__ import annotations

import json
from pathlib import Path

from tests.cli_run import run_process

DESCRIPTOR = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: x
spec:
  type: service
  lifecycle: production
  owner:
    $json: ./target.json
"""


def _tree(root: Path) -> None:
    (root / "target.json").write_text('"\\ud800"\n')
    (root / "catalog-info.yaml").write_text(DESCRIPTOR)


def test_text_output_escapes_a_lone_surrogate(tmp_path: Path) -> None:
    _tree(tmp_path)
    done = run_process("lint", "--no-cache", ".", cwd=tmp_path, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "output failed" not in done.stderr
    assert '[ref-target-format] owner: "\\ud800" can never match' in done.stdout


def test_json_stdout_and_report_files_stay_valid(tmp_path: Path) -> None:
    _tree(tmp_path)
    done = run_process(
        "lint", "--no-cache", "--format", "json", "--output", "sarif:out.sarif", ".", cwd=tmp_path, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "failed" not in done.stderr
    findings = json.loads(done.stdout)["findings"]
    assert {f["rule"] for f in findings} == {"ref-target-format", "unresolved-ref"}
    assert any("\ud800" in f["message"] for f in findings)  # the escape decodes back to the same text
    sarif = json.loads((tmp_path / "out.sarif").read_text())
    assert len(sarif["runs"][0]["results"]) == 2
