"""Helpers shared by the container tests: repository paths, tool lookup, the image-like venv, YAML loading."""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from tests.toolcache import cache_root, locked

ROOT = Path(__file__).resolve().parents[2]
ENTRYPOINT = ROOT / "entrypoint.py"
LOCK = ROOT / "requirements.lock"

# What .dockerignore keeps out of the copy of src/ that the image builds catalint from.
BUILD_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")


def load_yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_entrypoint() -> ModuleType:
    """Import entrypoint.py (not a package module) to read its settings table."""
    spec = importlib.util.spec_from_file_location("catalint_entrypoint", ENTRYPOINT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is created
    spec.loader.exec_module(module)
    return module


def find_tool(name: str) -> str | None:
    """A tool on PATH, or installed beside the running interpreter (the dev venv's bin/)."""
    found = shutil.which(name)
    if found:
        return found
    beside = Path(sys.executable).parent / name
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else None


def require_tool(name: str, package: str) -> str:
    path = find_tool(name)
    if path is None:
        pytest.skip(f"{name} is not installed (pip install {package}); the dev extras should provide it")
    return path


def _pip(python: Path, *args: str, log: Path) -> None:
    proc = subprocess.run(
        [str(python), "-m", "pip", "--disable-pip-version-check", *args],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    log.write_text(proc.stdout + proc.stderr, encoding="utf-8")
    if proc.returncode != 0:
        pytest.fail(f"pip {' '.join(args)} failed ({proc.returncode}); log in {log}:\n{proc.stderr[-3000:]}")


def source_digest() -> str:
    """Hash of what the Dockerfile copies to build catalint (pyproject.toml, README, LICENSE and src/, minus litter)."""
    digest = hashlib.sha256()
    files = [ROOT / "pyproject.toml", ROOT / "README.md", ROOT / "LICENSE"]
    for path in sorted((ROOT / "src").rglob("*")):
        parts = set(path.relative_to(ROOT).parts)
        if path.is_file() and "__pycache__" not in parts and not any(p.endswith(".egg-info") for p in parts):
            files.append(path)
    for path in files:
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def image_venv() -> Path:
    """A venv built the way the Dockerfile builds the image, cached across sessions.

    Dependencies: `pip install --no-cache-dir -r requirements.lock` into a fresh venv, cached under
    ${CATALINT_CACHE:-~/.cache/catalint}/container-venv/<sha256 of the lock + Python version>. catalint itself:
    `pip install --no-deps` from a copy of pyproject.toml + src/, redone whenever those files change.
    """
    tag = f"py{sys.version_info.major}{sys.version_info.minor}"
    key = hashlib.sha256(LOCK.read_bytes() + tag.encode()).hexdigest()[:24] + "-" + tag
    root = cache_root("container-venv")
    venv = root / key
    python = venv / "bin" / "python"
    deps_marker = venv / ".deps-installed"
    source_marker = venv / ".catalint-source"
    with locked(root / f"{key}.lock"):
        if not deps_marker.is_file() or not python.is_file():
            shutil.rmtree(venv, ignore_errors=True)
            subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
            _pip(python, "install", "--no-cache-dir", "-r", str(LOCK), log=venv / "pip-deps.log")
            deps_marker.write_text(LOCK.read_text(encoding="utf-8"), encoding="utf-8")
        digest = source_digest()
        current = source_marker.read_text(encoding="utf-8") if source_marker.is_file() else ""
        if current != digest:
            with tempfile.TemporaryDirectory(prefix="catalint-build-") as build:
                context = Path(build) / "catalint"
                context.mkdir()
                for name in ("pyproject.toml", "README.md", "LICENSE"):  # as the Dockerfile copies them
                    shutil.copy2(ROOT / name, context / name)
                shutil.copytree(ROOT / "src", context / "src", ignore=BUILD_IGNORE)
                _pip(
                    python,
                    "install",
                    "--no-cache-dir",
                    "--no-deps",
                    "--force-reinstall",
                    str(context),
                    log=venv / "pip-catalint.log",
                )
            source_marker.write_text(digest, encoding="utf-8")
    return venv
