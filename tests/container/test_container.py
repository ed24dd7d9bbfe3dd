"""The container end to end, without Docker: a venv built the way the Dockerfile builds the image, and
entrypoint.py run with that venv's python in the environment GitHub gives a Docker action on a pull request.

The expectations follow the documented contract (shared reference ci-reporting.md): workflow commands
`::error file=F,line=L,...::message` with repo-relative paths, `name=value` lines in GITHUB_OUTPUT, exit 1 on
findings at or above fail-on, and secrets masked before anything else is printed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

from .support import ENTRYPOINT, ROOT, image_venv, load_entrypoint, load_yaml

SECRET = "bbtok-0f4e8a7c-container-secret"
GH_TOKEN = "ghs_ContainerTestToken0123456789"
REPO = "acme/catalog"

GROUP = """\
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: payments
  description: The payments team
spec:
  type: team
  children: []
"""
VALID = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: billing
  description: Invoices and billing runs
spec:
  type: service
  lifecycle: production
  owner: group:default/payments
"""
# Two errors: an invalid metadata.name (line 4) and a spec without its required lifecycle.
BROKEN = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: Checkout Service!
  description: Takes card payments
spec:
  type: service
  owner: group:default/payments
"""

COMMAND = re.compile(r"^\s*::(?P<name>[A-Za-z][\w-]*)(?: (?P<props>.*?))?::(?P<message>.*)$")


@dataclass
class Command:
    name: str
    props: dict[str, str]
    message: str


def unescape(value: str) -> str:
    for escaped, raw in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
        value = value.replace(escaped, raw)
    return value


def workflow_commands(stdout: str) -> list[Command]:
    commands = []
    for line in stdout.splitlines():
        match = COMMAND.match(line)
        if match:
            props = {}
            for item in filter(None, (match["props"] or "").split(",")):
                key, _, value = item.partition("=")
                props[key.strip().lower()] = unescape(value)
            commands.append(Command(match["name"].lower(), props, unescape(match["message"])))
    return commands


def parse_github_output(text: str) -> dict[str, str]:
    """GITHUB_OUTPUT as the runner reads it: `name=value`, or `name<<DELIM`, value lines, `DELIM`."""
    outputs: dict[str, str] = {}
    lines = iter(text.splitlines())
    for line in lines:
        if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
            name, delimiter = line.split("<<", 1)
            body: list[str] = []
            for inner in lines:
                if inner == delimiter:
                    break
                body.append(inner)
            else:
                raise AssertionError(f"GITHUB_OUTPUT: no closing delimiter for {name}")
            outputs[name] = "\n".join(body)
        elif line:
            name, sep, value = line.partition("=")
            assert sep, f"GITHUB_OUTPUT: malformed line {line!r}"
            outputs[name] = value
    return outputs


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def venv() -> Path:
    return image_venv()


def git(repo: Path, *args: str) -> str:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(repo.parent),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_AUTHOR_NAME": "Dev",
        "GIT_AUTHOR_EMAIL": "dev@example.test",
        "GIT_COMMITTER_NAME": "Dev",
        "GIT_COMMITTER_EMAIL": "dev@example.test",
    }
    proc = subprocess.run(["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True)
    return proc.stdout.strip()


@dataclass
class PullRequest:
    workspace: Path
    base: str
    head: str
    merge: str


@pytest.fixture(scope="module")
def pull_request(tmp_path_factory: pytest.TempPathFactory) -> PullRequest:
    """main: a group and a valid component. feature/checkout: adds a broken catalog-info.yaml at the root.
    Checked out like actions/checkout does on pull_request: the synthetic merge commit, detached."""
    workspace = tmp_path_factory.mktemp("gh") / "workspace"
    workspace.mkdir()
    git(workspace, "init", "-q", "-b", "main")
    for path, text in (("org/catalog-info.yaml", GROUP), ("services/billing/catalog-info.yaml", VALID)):
        (workspace / path).parent.mkdir(parents=True, exist_ok=True)
        (workspace / path).write_text(text)
    git(workspace, "add", ".")
    git(workspace, "commit", "-q", "-m", "Catalog: payments group and billing")
    base = git(workspace, "rev-parse", "HEAD")
    git(workspace, "checkout", "-q", "-b", "feature/checkout")
    (workspace / "catalog-info.yaml").write_text(BROKEN)
    git(workspace, "add", ".")
    git(workspace, "commit", "-q", "-m", "Add the checkout service")
    head = git(workspace, "rev-parse", "HEAD")
    git(workspace, "checkout", "-q", "--detach", base)
    git(workspace, "merge", "-q", "--no-ff", "-m", f"Merge {head} into {base}", head)
    merge = git(workspace, "rev-parse", "HEAD")
    return PullRequest(workspace, base, head, merge)


def event_payload(pr: PullRequest) -> dict[str, object]:
    repo = {
        "id": 123456,
        "name": "catalog",
        "full_name": REPO,
        "private": False,
        "fork": False,
        "default_branch": "main",
        "owner": {"login": "acme", "type": "Organization"},
        "html_url": f"https://github.com/{REPO}",
        "clone_url": f"https://github.com/{REPO}.git",
    }
    return {
        "action": "synchronize",
        "number": 17,
        "before": pr.base,
        "after": pr.head,
        "pull_request": {
            "number": 17,
            "state": "open",
            "title": "Add the checkout service",
            "user": {"login": "dev"},
            "draft": False,
            "merged": False,
            "head": {"label": "acme:feature/checkout", "ref": "feature/checkout", "sha": pr.head, "repo": repo},
            "base": {"label": "acme:main", "ref": "main", "sha": pr.base, "repo": repo},
            "html_url": f"https://github.com/{REPO}/pull/17",
        },
        "repository": repo,
        "sender": {"login": "dev"},
    }


def action_inputs(**overrides: str) -> dict[str, str]:
    """INPUT_<ID> for every input of action.yml, as the runner sets them (defaults filled in)."""
    env = {}
    for input_id, spec in load_yaml(ROOT / "action.yml")["inputs"].items():
        default = str(spec.get("default", ""))
        env["INPUT_" + input_id.upper()] = GH_TOKEN if default == "${{ github.token }}" else default
    for key, value in overrides.items():
        env["INPUT_" + key.upper()] = value
    return env


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    output: str
    summary: str

    def explain(self) -> str:
        return f"exit {self.code}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}\n--- output\n{self.output}"


def run_action(venv: Path, pr: PullRequest, tmp: Path, **inputs: str) -> Run:
    files = tmp / "files"
    files.mkdir()
    event = files / "event.json"
    event.write_text(json.dumps(event_payload(pr), indent=2))
    output, summary, home = files / "output", files / "summary", tmp / "home"
    output.touch()
    summary.touch()
    home.mkdir()
    env = {
        "PATH": f"{venv / 'bin'}:/usr/local/bin:/usr/bin:/bin",
        "HOME": str(home),
        "CI": "true",
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKFLOW": "catalog lint",
        "GITHUB_JOB": "lint",
        "GITHUB_RUN_ID": "9001",
        "GITHUB_RUN_NUMBER": "7",
        "GITHUB_ACTOR": "dev",
        "GITHUB_REPOSITORY": REPO,
        "GITHUB_REPOSITORY_OWNER": "acme",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_WORKSPACE": str(pr.workspace),
        "GITHUB_SHA": pr.merge,
        "GITHUB_REF": "refs/pull/17/merge",
        "GITHUB_HEAD_REF": "feature/checkout",
        "GITHUB_BASE_REF": "main",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_API_URL": "http://127.0.0.1:9",  # nothing listens there: no request leaves this machine
        "GITHUB_OUTPUT": str(output),
        "GITHUB_STEP_SUMMARY": str(summary),
        "RUNNER_TEMP": str(tmp),
        "RUNNER_OS": "Linux",
        **action_inputs(**inputs),
    }
    proc = subprocess.run(
        [str(venv / "bin" / "python"), str(ENTRYPOINT)],
        cwd=pr.workspace,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr, output.read_text(), summary.read_text())


@pytest.fixture(scope="module")
def github_run(venv: Path, pull_request: PullRequest, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return run_action(
        venv,
        pull_request,
        tmp_path_factory.mktemp("run"),
        **{"fail-on": "error", "filter-mode": "added", "bitbucket-token": SECRET},
    )


@pytest.fixture(scope="module")
def expected_errors(venv: Path, pull_request: PullRequest, tmp_path_factory: pytest.TempPathFactory) -> int:
    """Errors in the broken file by the same catalint's JSON report (all its lines are added in the PR)."""
    proc = subprocess.run(
        [str(venv / "bin" / "catalint"), "lint", "--no-cache", "--format", "json", "catalog-info.yaml"],
        cwd=pull_request.workspace,
        env={"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path_factory.mktemp("home"))},
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr
    findings = json.loads(proc.stdout)["findings"]
    errors = sum(1 for f in findings if f["severity"] == "error")
    assert errors >= 2
    return errors


# --------------------------------------------------------------------------- the image venv


def test_image_venv_is_complete_and_consistent(venv: Path) -> None:
    check = subprocess.run([str(venv / "bin" / "python"), "-m", "pip", "check"], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr  # the lock holds every runtime dependency
    with (ROOT / "pyproject.toml").open("rb") as handle:
        version = tomllib.load(handle)["project"]["version"]
    proc = subprocess.run([str(venv / "bin" / "catalint"), "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and version in proc.stdout
    where = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import catalint; print(catalint.__file__)"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where.startswith(str(venv)), where  # a real install, not the editable checkout


# --------------------------------------------------------------------------- GitHub pull request run


def test_first_line_masks_the_secret(github_run: Run) -> None:
    assert github_run.stdout.splitlines()[0] == f"::add-mask::{SECRET}", github_run.explain()


def test_secret_appears_nowhere_else(github_run: Run) -> None:
    rest = "\n".join(github_run.stdout.splitlines()[1:])
    for name, text in (("stdout", rest), ("stderr", github_run.stderr), ("GITHUB_OUTPUT", github_run.output),
                       ("GITHUB_STEP_SUMMARY", github_run.summary)):  # fmt: skip
        assert SECRET not in text, name
    assert f"::add-mask::{GH_TOKEN}" in github_run.stdout.splitlines()[:3]


def test_annotations_for_the_broken_file(github_run: Run) -> None:
    commands = workflow_commands(github_run.stdout)
    errors = [c for c in commands if c.name == "error"]
    broken = [c for c in errors if c.props.get("file") == "catalog-info.yaml"]
    assert broken, github_run.explain()
    for command in broken:
        assert command.props.get("line", "").isdigit() and int(command.props["line"]) >= 1, command
    assert 4 in {int(c.props["line"]) for c in broken}  # metadata.name
    annotated = {c.props.get("file") for c in commands if c.name in {"error", "warning", "notice"}}
    assert not {f for f in annotated if f and (f.startswith(("./", "/")) or "workspace" in f)}, annotated
    assert not {f for f in annotated if f and f.startswith(("services/", "org/"))}, annotated


def test_exit_code_is_1(github_run: Run) -> None:
    assert github_run.code == 1, github_run.explain()


def test_github_output_counts_the_errors(github_run: Run, expected_errors: int) -> None:
    outputs = parse_github_output(github_run.output)
    assert outputs.get("errors") == str(expected_errors), github_run.explain()


def test_report_file_outputs(venv: Path, pull_request: PullRequest, tmp_path: Path) -> None:
    sarif = f"catalint-{tmp_path.name}.sarif"
    run = run_action(venv, pull_request, tmp_path, **{"sarif-file": sarif, "filter-mode": "nofilter"})
    try:
        assert run.code == 1, run.explain()
        report = json.loads((pull_request.workspace / sarif).read_text())
        assert report["version"] == "2.1.0"
        assert parse_github_output(run.output).get("sarif-file") == sarif
    finally:
        (pull_request.workspace / sarif).unlink(missing_ok=True)


def test_outputs_written_are_declared_in_action_yml(github_run: Run) -> None:
    declared = set(load_yaml(ROOT / "action.yml")["outputs"])
    written = set(parse_github_output(github_run.output))
    assert {"errors", "warnings", "files"} <= written, github_run.explain()
    assert written <= declared, written - declared


@pytest.mark.parametrize("platform", ["github", "bitbucket"])
@pytest.mark.parametrize("command", ["lint", "discover", "sync"])
def test_every_flag_the_entrypoint_emits_exists_in_the_cli(venv: Path, platform: str, command: str) -> None:
    ep = load_entrypoint()
    values = {s.id: "x" for s in ep.SETTINGS}
    values.update(command=command, debug="true", **{"sync-target": "file:out.yaml", "extra-args": ""})
    if platform == "github":
        environ = {"INPUT_" + k.upper(): v for k, v in values.items()} | {"RUNNER_DEBUG": "1"}
    else:
        environ = {ep.BY_ID[k].variable: v for k, v in values.items()}
    argv = ep.build_argv(ep.Source(environ, platform))
    flags = {a for a in argv if a.startswith("--") and a != "--"}
    assert flags
    words = argv[:2] if command == "sync" else [command]  # sync's destination is its subcommand
    assert words == (["sync", "file"] if command == "sync" else [command])
    help_text = subprocess.run(
        [str(venv / "bin" / "catalint"), *words, "--help"], capture_output=True, text=True, check=True
    ).stdout
    assert {f for f in flags if not re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", help_text)} == set()


def test_log_groups_the_findings_per_file(github_run: Run, expected_errors: int) -> None:
    lines = github_run.stdout.splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("::group::")]
    assert [lines[i] for i in starts] == [f"::group::catalog-info.yaml ({expected_errors} errors)"], (
        github_run.explain()
    )
    body = lines[starts[0] + 1 : lines.index("::endgroup::")]
    logged = [line for line in body if line.startswith("catalog-info.yaml:")]
    assert len(logged) == expected_errors and any(line.startswith("catalog-info.yaml:4:") for line in logged)


def test_job_summary_tables_the_findings_with_links_to_the_pr_head(
    github_run: Run, pull_request: PullRequest, expected_errors: int
) -> None:
    summary = github_run.summary
    assert summary.startswith("## catalint\n"), github_run.explain()
    assert f"**{expected_errors} errors, 0 warnings, 0 info**" in summary
    assert "Pull-request mode: 1 of 3 files selected" in summary  # only the file the PR adds
    assert "### `catalog-info.yaml`" in summary and "services/" not in summary
    link = f"https://github.com/{REPO}/blob/{pull_request.head}/catalog-info.yaml#L4"
    assert f"| [4]({link}) | error | `field-format` |" in summary
    assert pull_request.merge not in summary  # links name the PR head, never the synthetic merge commit
    assert len(summary.encode("utf-8")) < 1024 * 1024


def test_github_output_counts_warnings_and_files(github_run: Run) -> None:
    outputs = parse_github_output(github_run.output)
    assert (outputs.get("warnings"), outputs.get("files")) == ("0", "1"), github_run.explain()
