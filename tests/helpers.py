"""Small helpers shared by tests: write a tree of files, lint it in-process."""

from __future__ import annotations

import re
from pathlib import Path

from catalint.config import Settings, load_app_config, load_settings
from catalint.lint.run import LintRequest, run
from catalint.model import RunResult

_FILE = re.compile(r"^# file: (.+)$", re.MULTILINE)
_APP = re.compile(r"^# app-config: (.+)$", re.MULTILINE)


def write_example(root: Path, text: str) -> Path | None:
    """Write a rule example: `# file: path` lines start further files; returns an app-config if any."""
    app = None
    match = _APP.search(text)
    if match:
        app = root / "app-config.yaml"
        app.write_text(match.group(1) + "\n")
        text = _APP.sub("", text)
    parts = _FILE.split(text)
    files = {"catalog-info.yaml": parts[0]}
    for name, body in zip(parts[1::2], parts[2::2], strict=True):
        files[name.strip()] = body.lstrip("\n")
    for name, body in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body)
    return app


def lint_tree(
    root: Path, *, app_config: Path | None = None, style: bool = False, settings: Settings | None = None
) -> RunResult:
    settings = settings or load_settings(None, root)
    if app_config is not None:
        settings.app = load_app_config([app_config])
    request = LintRequest(paths=[root], settings=settings, cwd=root, style=style)
    return run(request)
