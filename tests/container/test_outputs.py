"""Step outputs, end to end: entrypoint.py runs the real CLI as the action does; every output it writes to
GITHUB_OUTPUT is declared in action.yml and written exactly once, and every declared output is written."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

from tests.fakes.github import FakeGitHub

from .support import ENTRYPOINT, ROOT, load_yaml

DESCRIPTOR = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Bad_Name!
spec:
  type: service
  lifecycle: production
  owner: team-a
"""


def parse_outputs(text: str) -> list[tuple[str, str]]:
    """GITHUB_OUTPUT records, `name=value` and `name<<DELIMITER` heredocs, in file order."""
    records: list[tuple[str, str]] = []
    lines = iter(text.splitlines())
    for line in lines:
        if match := re.fullmatch(r"([\w-]+)<<(\S+)", line):
            name, delimiter = match.groups()
            body: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            else:
                raise AssertionError(f"unterminated heredoc for {name}")
            records.append((name, "\n".join(body)))
        else:
            name, sep, value = line.partition("=")
            assert sep, f"not an output record: {line!r}"
            records.append((name, value))
    return records


def test_every_output_is_declared_and_written_once(tmp_path: Path, fake_github: FakeGitHub) -> None:
    workspace = tmp_path / "ws"
    (workspace / "catalog").mkdir(parents=True)
    (workspace / "catalog" / "catalog-info.yaml").write_text(DESCRIPTOR, encoding="utf-8")
    output = tmp_path / "github_output"
    event = tmp_path / "event.json"
    event.write_text(json.dumps({}), encoding="utf-8")
    env = {
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
        "HOME": str(tmp_path),
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_REPOSITORY": "acme/catalog",
        "GITHUB_SHA": "a" * 40,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_API_URL": fake_github.url,
        "GITHUB_SERVER_URL": "https://github.example",
    }
    for input_id, spec in load_yaml(ROOT / "action.yml")["inputs"].items():
        env["INPUT_" + input_id.upper()] = str(spec.get("default", ""))
    env.update(
        {
            "INPUT_GITHUB-TOKEN": fake_github.token,
            "INPUT_ANNOTATIONS": "checks",
            "INPUT_FILTER-MODE": "nofilter",
            "INPUT_EXTRA-ARGS": "--no-cache",
            "INPUT_SARIF-FILE": "out/catalint.sarif",
            "INPUT_JUNIT-FILE": "out/junit.xml",
            "INPUT_CODECLIMATE-FILE": "out/cc.json",
            "INPUT_JSON-FILE": "out/report.json",
        }
    )
    proc = subprocess.run(
        [sys.executable, str(ENTRYPOINT)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    records = parse_outputs(output.read_text(encoding="utf-8"))
    names = [name for name, _ in records]
    assert len(names) == len(set(names)), f"written more than once: {names}"
    declared = set(load_yaml(ROOT / "action.yml")["outputs"])
    assert set(names) == declared
    values = dict(records)
    assert values["errors"] != "0" and values["files"] == "1"
    for setting in ("sarif-file", "junit-file", "codeclimate-file", "json-file"):
        assert (workspace / values[setting]).is_file(), setting
    assert len(fake_github.check_runs) == 1
    assert values["check-run"].startswith("https://")
