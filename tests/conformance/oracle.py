"""Backstage's own validator, run from Node, as a conformance oracle for tests.

``ensure_installed()`` installs the pinned npm packages of ``oracle/package-lock.json``
into a cache directory keyed by the lockfile's sha256, so the repository never needs a
``node_modules`` of its own. ``run_oracle()`` feeds files to ``oracle/validate.js`` in one
Node process and returns per-document verdicts (see validate.js for the steps).

Conventions of the verdicts:

* ``DocVerdict.index`` is the 0-based position of the document in the list that
  ``yaml.parseAllDocuments`` returns, empty documents included (they get no verdict, but
  they do use up an index).
* ``DocVerdict.line`` is the 1-based line of the document's root content node (the first
  key of a mapping, after any ``---``, directives and comments); for a document without
  content it is the line where the document starts. Lines are counted by ``\\n``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.toolcache import cache_root

ORACLE_DIR: Path = Path(__file__).resolve().parent / "oracle"
VALIDATE_JS: Path = ORACLE_DIR / "validate.js"
PACKAGE_FILES: tuple[str, ...] = ("package.json", "package-lock.json")
NPM_CI_COMMAND: tuple[str, ...] = ("npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts")
_COMPLETE_MARKER = ".catalint-oracle-complete"


@dataclass(frozen=True)
class DocVerdict:
    """Backstage's verdict on one non-empty YAML document."""

    line: int
    index: int
    parse_error: bool
    valid: bool
    kind: str | None
    error: str | None


@dataclass(frozen=True)
class FileVerdict:
    """Backstage's verdicts on one file."""

    path: str
    error: str | None
    documents: tuple[DocVerdict, ...]
    # True when reading stopped early: ``toJSON()`` threw (e.g. an unresolved alias), which
    # Backstage reports for the whole location; later documents are never looked at.
    truncated: bool = False

    @property
    def valid(self) -> bool:
        """Whether Backstage would accept every entity of this file."""
        return self.error is None and not self.truncated and all(d.valid for d in self.documents)


def lockfile_hash() -> str:
    """sha256 of ``oracle/package-lock.json``, the key of the install cache."""
    return hashlib.sha256((ORACLE_DIR / "package-lock.json").read_bytes()).hexdigest()


def _require_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(
            f"the conformance oracle needs `{name}` on PATH (Node 20+ and npm); "
            f"install them, then `{' '.join(NPM_CI_COMMAND)}` is run automatically"
        )
    return found


def ensure_installed() -> Path:
    """Install the oracle's npm packages (once per lockfile) and return their node_modules."""
    base = cache_root("oracle")
    target = base / lockfile_hash()
    node_modules = target / "node_modules"
    if (target / _COMPLETE_MARKER).is_file() and node_modules.is_dir():
        return node_modules

    _require_tool("node")
    npm = _require_tool("npm")
    base.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name[:16]}-", dir=base))
    staging.chmod(0o755)
    try:
        for name in PACKAGE_FILES:
            shutil.copyfile(ORACLE_DIR / name, staging / name)
        command = [npm, *NPM_CI_COMMAND[1:]]
        try:
            proc = subprocess.run(
                command,
                cwd=staging,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                timeout=900,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(
                f"`{' '.join(NPM_CI_COMMAND)}` in {staging} timed out after {exc.timeout} s"
            ) from exc
        if proc.returncode != 0:
            output = (proc.stdout + proc.stderr).strip().splitlines()
            tail = "\n".join(output[-30:])
            raise RuntimeError(
                f"`{' '.join(NPM_CI_COMMAND)}` failed in {staging} (exit {proc.returncode}):\n{tail}"
            )
        if not (staging / "node_modules").is_dir():
            raise RuntimeError(f"`{' '.join(NPM_CI_COMMAND)}` in {staging} created no node_modules")
        (staging / _COMPLETE_MARKER).write_text(lockfile_hash() + "\n", encoding="utf-8")
        if target.exists() and not (target / _COMPLETE_MARKER).is_file():
            shutil.rmtree(target, ignore_errors=True)  # left over from an interrupted install
        try:
            staging.rename(target)
        except OSError:
            # Another process finished the same install first; use its copy.
            if not (target / _COMPLETE_MARKER).is_file():
                raise
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return node_modules


def _doc_from_json(raw: Mapping[str, Any]) -> DocVerdict:
    kind = raw.get("kind")
    error = raw.get("error")
    return DocVerdict(
        line=int(raw["line"]),
        index=int(raw["index"]),
        parse_error=bool(raw["parse_error"]),
        valid=bool(raw["valid"]),
        kind=kind if isinstance(kind, str) else None,
        error=error if isinstance(error, str) else None,
    )


def _file_from_json(raw: Mapping[str, Any]) -> FileVerdict:
    error = raw.get("error")
    return FileVerdict(
        path=str(raw["path"]),
        error=error if isinstance(error, str) else None,
        documents=tuple(_doc_from_json(d) for d in raw["documents"]),
        truncated=bool(raw.get("truncated", False)),
    )


def run_oracle_raw(paths: Sequence[Path | str], placeholders: str = "assume") -> dict[str, Any]:
    """Run validate.js over ``paths`` and return its JSON output as is."""
    node_modules = ensure_installed()
    node = _require_tool("node")
    request = {
        "files": [os.path.abspath(p) for p in paths],
        "placeholders": placeholders,
    }
    env = dict(os.environ)
    env["NODE_PATH"] = str(node_modules)
    timeout = 120 + 0.5 * len(paths)
    try:
        proc = subprocess.run(
            [node, "--no-warnings", str(VALIDATE_JS)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            encoding="utf-8",
            env=env,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RuntimeError(f"the oracle (node {VALIDATE_JS}) timed out after {exc.timeout} s") from exc
    if proc.returncode != 0:
        raise RuntimeError(
            f"the oracle (node {VALIDATE_JS}) exited with {proc.returncode}:\n{proc.stderr.strip()}"
        )
    result: dict[str, Any] = json.loads(proc.stdout)
    return result


def run_oracle(paths: Sequence[Path | str], placeholders: str = "assume") -> dict[str, FileVerdict]:
    """Backstage's verdicts for ``paths``, keyed by each file's absolute path string.

    ``placeholders="assume"`` treats every ``$text``/``$json``/``$yaml`` placeholder as read
    successfully (``"placeholder"``, ``{}`` and ``{}``); ``"none"`` leaves them untouched;
    ``"read"`` reads each target as a path relative to the descriptor and parses it the way
    PlaceholderProcessor does.
    """
    if placeholders not in ("assume", "none", "read"):
        raise ValueError(f"placeholders must be 'assume', 'none' or 'read', not {placeholders!r}")
    if not paths:
        return {}
    raw = run_oracle_raw(paths, placeholders)
    verdicts = (_file_from_json(f) for f in raw["files"])
    return {v.path: v for v in verdicts}
