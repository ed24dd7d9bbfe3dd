"""entrypoint.py against a recording stand-in for the `catalint` command: what argv and environment each
platform's settings turn into, masking, outputs, exit codes and signals."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from .support import ENTRYPOINT, ROOT, load_entrypoint, load_yaml

SECRET = "bbtok-5d1c9f2e-never-print-me"
GH_TOKEN = "ghs_FakeToken0123456789abcdef"

FAKE_CLI = """\
#!{python}
import json, os, signal, sys, time
from pathlib import Path

args = sys.argv[1:]
record = {{"argv": args, "env": dict(os.environ), "cwd": os.getcwd()}}
Path(os.environ["FAKE_RECORD"]).write_text(json.dumps(record))
if os.environ.get("FAKE_WRITE_OUTPUTS") == "1":
    for flag, value in zip(args, args[1:]):
        if flag == "--output":
            Path(value.split(":", 1)[1]).write_text("report")
if os.environ.get("FAKE_SLEEP"):
    Path(os.environ["FAKE_SLEEP"]).write_text("started")
    time.sleep(30)
print("fake catalint ran", flush=True)
sys.exit(int(os.environ.get("FAKE_EXIT", "0")))
"""


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str
    record: dict[str, Any] | None

    @property
    def argv(self) -> list[str]:
        assert self.record is not None, f"catalint did not run:\n{self.stdout}\n{self.stderr}"
        argv: list[str] = self.record["argv"]
        return argv

    @property
    def env(self) -> dict[str, str]:
        assert self.record is not None
        env: dict[str, str] = self.record["env"]
        return env


@dataclass
class Harness:
    tmp: Path
    bin: Path
    home: Path
    workspace: Path

    def base_env(self) -> dict[str, str]:
        return {
            "PATH": f"{self.bin}{os.pathsep}/usr/local/bin{os.pathsep}/usr/bin{os.pathsep}/bin",
            "HOME": str(self.home),
            "FAKE_RECORD": str(self.tmp / "record.json"),
        }

    def github_env(self, **inputs: str) -> dict[str, str]:
        """What the runner gives a Docker action: INPUT_<ID> for every input (defaults filled in)."""
        env = self.base_env()
        env.update(
            GITHUB_ACTIONS="true",
            CI="true",
            GITHUB_WORKSPACE=str(self.workspace),
            GITHUB_OUTPUT=str(self.tmp / "github_output"),
            GITHUB_STEP_SUMMARY=str(self.tmp / "step_summary"),
        )
        for input_id, spec in load_yaml(ROOT / "action.yml")["inputs"].items():
            default = str(spec.get("default", ""))
            env["INPUT_" + input_id.upper()] = GH_TOKEN if default == "${{ github.token }}" else default
        for key, value in inputs.items():
            env["INPUT_" + key.upper().replace("_", "-")] = value
        return env

    def pipe_env(self, **variables: str) -> dict[str, str]:
        env = self.base_env()
        env.update(
            CI="true",
            BITBUCKET_BUILD_NUMBER="42",
            BITBUCKET_PIPELINE_UUID="{0c9a2e4e-9a55-4e1d-8d0a-2f8e3c7b1a10}",
            BITBUCKET_CLONE_DIR=str(self.workspace),
            BITBUCKET_WORKSPACE="acme",
            BITBUCKET_REPO_SLUG="catalog",
        )
        env.update(variables)
        return env

    def run(self, env: dict[str, str], *args: str, timeout: float = 30) -> Result:
        record = self.tmp / "record.json"
        record.unlink(missing_ok=True)
        proc = subprocess.run(
            [sys.executable, str(ENTRYPOINT), *args],
            env=env,
            cwd=self.tmp,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        data = json.loads(record.read_text()) if record.exists() else None
        return Result(proc.returncode, proc.stdout, proc.stderr, data)


@pytest.fixture
def harness(tmp_path: Path) -> Harness:
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    cli = fake_bin / "catalint"
    cli.write_text(FAKE_CLI.format(python=sys.executable))
    cli.chmod(0o755)
    home = tmp_path / "home"
    home.mkdir()
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    return Harness(tmp_path, fake_bin, home, workspace)


# --------------------------------------------------------------------------- GitHub Action


def test_github_defaults(harness: Harness) -> None:
    result = harness.run(harness.github_env())
    assert result.code == 0
    assert result.argv == ["lint", "--format", "github", "--fail-on", "error", "--annotations", "commands"]
    assert result.record is not None and result.record["cwd"] == str(harness.workspace)


def test_github_masks_every_secret_before_anything_else(harness: Harness) -> None:
    env = harness.github_env(
        bitbucket_token=SECRET,
        bitbucket_app_password="app-pw-123",
        bitbucket_client_secret="client-secret-456",
        backstage_token="bs-token-789",
    )
    env["BACKSTAGE_TOKEN"] = "from-the-step-env"
    result = harness.run(env)
    lines = result.stdout.splitlines()
    masks = [f"::add-mask::{v}" for v in (SECRET, "app-pw-123", "client-secret-456", GH_TOKEN, "bs-token-789")]
    masks.append("::add-mask::from-the-step-env")
    assert lines[: len(masks)] == masks
    assert lines[len(masks)].startswith("::debug::catalint lint")
    assert "fake catalint ran" in lines[len(masks) :]


def test_github_credentials_go_through_the_environment_only(harness: Harness) -> None:
    env = harness.github_env(
        bitbucket_username="robot",
        bitbucket_token=SECRET,
        bitbucket_client_id="key",
        backstage_url="https://backstage.example.test",
        backstage_token="bs-token-789",
        workspace="acme",
    )
    result = harness.run(env)
    assert result.env["BITBUCKET_USERNAME"] == "robot"
    assert result.env["BITBUCKET_TOKEN"] == SECRET
    assert result.env["BITBUCKET_CLIENT_ID"] == "key"
    assert result.env["BACKSTAGE_URL"] == "https://backstage.example.test"
    assert result.env["BACKSTAGE_TOKEN"] == "bs-token-789"
    assert result.env["GITHUB_TOKEN"] == GH_TOKEN
    assert not [k for k in result.env if k.startswith("INPUT_")]
    for value in (SECRET, "bs-token-789", GH_TOKEN):
        assert not [a for a in result.argv if value in a]
    assert result.argv[:3] == ["lint", "--workspace", "acme"]


def test_github_step_env_credentials_survive_empty_inputs(harness: Harness) -> None:
    env = harness.github_env()
    env["BITBUCKET_TOKEN"] = SECRET  # set with `env:` on the step instead of `with:`
    result = harness.run(env)
    assert result.env["BITBUCKET_TOKEN"] == SECRET
    assert result.stdout.splitlines()[0] == f"::add-mask::{SECRET}"


def test_github_all_lint_inputs(harness: Harness) -> None:
    env = harness.github_env(
        paths="catalog/ 'team a/catalog-info.yaml'\nservices/",
        config=".catalint.yaml",
        app_config="app-config.yaml\napp-config.production.yaml",
        fail_on="warning",
        filter_mode="added",
        changed_since="origin/main",
        format="json",
        sarif_file="out/catalint.sarif",
        junit_file="out/junit.xml",
        codeclimate_file="out/cc.json",
        json_file="out/report.json",
        annotations="checks",
        extra_args="--no-style --jobs 2",
    )
    assert harness.run(env).argv == [
        "lint",
        "--app-config", "app-config.yaml",
        "--app-config", "app-config.production.yaml",
        "--config", ".catalint.yaml",
        "--format", "json",
        "--fail-on", "warning",
        "--filter-mode", "added",
        "--changed-since", "origin/main",
        "--output", "sarif:out/catalint.sarif",
        "--output", "junit:out/junit.xml",
        "--output", "codeclimate:out/cc.json",
        "--output", "json:out/report.json",
        "--annotations", "checks",
        "--no-style", "--jobs", "2",
        "--", "catalog/", "team a/catalog-info.yaml", "services/",
    ]  # fmt: skip


def test_github_discover_and_sync(harness: Harness) -> None:
    discover = harness.run(
        harness.github_env(command="discover", workspace="acme", format="json", app_config="app-config.yaml")
    )
    assert discover.argv == ["discover", "--workspace", "acme", "--app-config", "app-config.yaml", "--format", "json"]
    sync = harness.run(harness.github_env(command="sync", workspace="acme", extra_args="--prune"))
    assert sync.argv == ["sync", "backstage", "--workspace", "acme", "--prune"]
    to_file = harness.run(harness.github_env(command="sync", workspace="acme", sync_target="file:out/all.yaml"))
    assert to_file.argv == ["sync", "file", "out/all.yaml", "--workspace", "acme"]


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        ({"command": "deploy"}, "command must be one of lint, discover, sync, found 'deploy'"),
        ({"command": "sync", "sync_target": "s3://bucket"}, "sync-target must be 'backstage' or 'file:PATH'"),
        ({"extra_args": "--title 'unclosed"}, "cannot split INPUT_EXTRA-ARGS"),
    ],
)
def test_github_bad_settings_fail_with_code_2(harness: Harness, inputs: dict[str, str], message: str) -> None:
    result = harness.run(harness.github_env(bitbucket_token=SECRET, **inputs))
    assert result.code == 2
    assert result.record is None
    lines = result.stdout.splitlines()
    assert lines[0] == f"::add-mask::{SECRET}"
    assert any(ln.startswith("::error title=catalint::") and message in ln for ln in lines), result.stdout
    assert message in result.stderr


@pytest.mark.parametrize("code", [0, 1, 2, 3])
def test_exit_code_is_the_cli_exit_code(harness: Harness, code: int) -> None:
    env = harness.github_env()
    env["FAKE_EXIT"] = str(code)
    assert harness.run(env).code == code


def test_entrypoint_writes_no_step_output_itself(harness: Harness) -> None:
    """The CLI writes every output; the entrypoint must not append report paths a second time."""
    output = harness.tmp / "github_output"
    output.write_text("errors=3\n")  # as the CLI would have written it
    (harness.workspace / "out").mkdir()
    env = harness.github_env(sarif_file="out/catalint.sarif", junit_file="out/junit.xml")
    env["FAKE_WRITE_OUTPUTS"] = "1"
    env["FAKE_EXIT"] = "1"
    assert harness.run(env).code == 1
    assert (harness.workspace / "out" / "junit.xml").is_file()
    assert output.read_text() == "errors=3\n"


def test_multiline_secret_is_masked_escaped_and_per_line(harness: Harness) -> None:
    key = "-----BEGIN KEY-----\nabc%def\n-----END KEY-----"
    result = harness.run(harness.github_env(bitbucket_client_secret=key))
    lines = result.stdout.splitlines()
    assert lines[:4] == [
        "::add-mask::-----BEGIN KEY-----%0Aabc%25def%0A-----END KEY-----",
        "::add-mask::-----BEGIN KEY-----",
        "::add-mask::abc%25def",
        "::add-mask::-----END KEY-----",
    ]


def test_github_trusts_the_workspace_once(harness: Harness) -> None:
    env = harness.github_env()
    harness.run(env)
    harness.run(env)
    config = subprocess.run(
        ["git", "config", "--global", "--get-all", "safe.directory"],
        env={"HOME": str(harness.home), "PATH": env["PATH"]},
        capture_output=True,
        text=True,
        check=True,
    )
    assert config.stdout.splitlines() == [str(harness.workspace)]


def test_arguments_pass_through(harness: Harness) -> None:
    env = harness.github_env(bitbucket_token=SECRET, fail_on="never")
    result = harness.run(env, "catalint", "lint", "--fail-on", "warning", "a.yaml")
    assert result.argv == ["lint", "--fail-on", "warning", "a.yaml"]
    assert result.stdout.splitlines()[0] == f"::add-mask::{SECRET}"
    assert harness.run(harness.base_env(), "rules").argv == ["rules"]


# --------------------------------------------------------------------------- Bitbucket Pipe / plain Docker


def test_pipe_defaults(harness: Harness) -> None:
    result = harness.run(harness.pipe_env())
    assert result.code == 0
    assert result.argv == ["lint"]  # the CLI posts a Code Insights report by default inside Pipelines
    assert result.record is not None and result.record["cwd"] == str(harness.workspace)
    assert "::" not in result.stdout  # no workflow commands outside GitHub


def test_pipe_variables_and_list_variables(harness: Harness) -> None:
    env = harness.pipe_env(
        PATHS_COUNT="2",
        PATHS_0="catalog/",
        PATHS_1="team a/catalog-info.yaml",
        APP_CONFIG="app-config.yaml",
        FAIL_ON="warning",
        FILTER_MODE="added",
        CHANGED_SINCE="origin/main",
        JUNIT_FILE="test-results/catalint.xml",
        REPORT="none",
        EXTRA_ARGS_COUNT="1",
        EXTRA_ARGS_0="--no-style",
        BITBUCKET_TOKEN=SECRET,
    )
    result = harness.run(env)
    assert result.argv == [
        "lint",
        "--app-config", "app-config.yaml",
        "--fail-on", "warning",
        "--filter-mode", "added",
        "--changed-since", "origin/main",
        "--output", "junit:test-results/catalint.xml",
        "--report", "none",
        "--no-style",
        "--", "catalog/", "team a/catalog-info.yaml",
    ]  # fmt: skip
    assert result.env["BITBUCKET_TOKEN"] == SECRET
    assert SECRET not in result.stdout + result.stderr


def test_pipe_plain_string_lists(harness: Harness) -> None:
    result = harness.run(harness.pipe_env(PATHS="a.yaml b/", EXTRA_ARGS="--jobs 1", REPORT="bitbucket"))
    assert result.argv == ["lint", "--report", "bitbucket", "--jobs", "1", "--", "a.yaml", "b/"]


def test_pipe_discover_defaults_to_the_pipeline_workspace(harness: Harness) -> None:
    result = harness.run(harness.pipe_env(COMMAND="discover", FORMAT="json"))
    assert result.argv == ["discover", "--workspace", "acme", "--format", "json"]
    result = harness.run(harness.pipe_env(COMMAND="sync", WORKSPACE="other", SYNC_TARGET="file:catalog.yaml"))
    assert result.argv == ["sync", "file", "catalog.yaml", "--workspace", "other"]


def test_pipe_debug_prints_the_command(harness: Harness) -> None:
    quiet = harness.run(harness.pipe_env(PATHS="x.yaml"))
    assert "catalint lint" not in quiet.stderr and "--verbose" not in quiet.argv
    loud = harness.run(harness.pipe_env(PATHS="x.yaml", DEBUG="true"))
    assert "+ catalint lint --verbose -- x.yaml" in loud.stderr
    assert loud.argv == ["lint", "--verbose", "--", "x.yaml"]
    sync = harness.run(harness.pipe_env(COMMAND="sync", DEBUG="true", APP_CONFIG="app.yaml", CONFIG="c.yaml"))
    # sync takes what shapes lint's verdict and its debug logging, as lint does
    assert sync.argv[:7] == ["sync", "backstage", "--workspace", "acme", "--app-config", "app.yaml", "--verbose"]
    assert sync.argv[7:9] == ["--config", "c.yaml"]


def test_github_step_debug_turns_on_verbose(harness: Harness) -> None:
    env = harness.github_env()
    env["RUNNER_DEBUG"] = "1"
    assert "--verbose" in harness.run(env).argv


def test_pipe_bad_list_count(harness: Harness) -> None:
    result = harness.run(harness.pipe_env(PATHS_COUNT="two"))
    assert result.code == 2 and result.record is None
    assert "PATHS_COUNT must be a number" in result.stderr


def test_plain_docker_with_variables_posts_no_report(harness: Harness) -> None:
    result = harness.run({**harness.base_env(), "FAIL_ON": "info", "PATHS": "catalog"})
    assert result.argv == ["lint", "--fail-on", "info", "--", "catalog"]


def test_missing_cli_is_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ep = load_entrypoint()
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    assert ep.main([], {"FAIL_ON": "error"}) == 2
    assert "the catalint command is not installed" in capsys.readouterr().err


def test_sigterm_is_forwarded_to_the_cli(harness: Harness) -> None:
    started = harness.tmp / "started"
    env = harness.pipe_env(FAKE_SLEEP=str(started))
    proc = subprocess.Popen(
        [sys.executable, str(ENTRYPOINT)], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 20
        while not started.exists():
            assert time.monotonic() < deadline, "the stand-in CLI never started"
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    # The entrypoint survived the signal, passed it on, and reports the child's death the shell way.
    assert code == 128 + signal.SIGTERM


def test_offline_input_and_variable(harness: Harness) -> None:
    github = harness.run(harness.github_env(offline="true"))
    assert github.argv == ["lint", "--format", "github", "--fail-on", "error", "--annotations", "commands", "--offline"]
    assert "--offline" not in harness.run(harness.github_env(offline="false")).argv
    pipe = harness.run(harness.pipe_env(OFFLINE="true"))
    assert pipe.argv == ["lint", "--offline"]
    sync = harness.run(harness.github_env(command="sync", workspace="acme", offline="true"))
    assert sync.argv == ["sync", "backstage", "--workspace", "acme", "--offline"]


def test_graph_input(harness: Harness) -> None:
    assert "--no-summary-graph" not in harness.run(harness.github_env()).argv  # default: true
    argv = harness.run(harness.github_env(graph="false")).argv
    assert argv == ["lint", "--format", "github", "--fail-on", "error", "--annotations", "commands", "--no-summary-graph"]
