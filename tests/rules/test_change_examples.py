"""The examples of rules about a change are tests too: `# base: PATH` sections are committed as the
base, `# file: PATH` sections as the change on top, and `lint --changed-since` runs on the result."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from catalint.rules import REGISTRY
from tests.cli_run import invoke
from tests.gitrepo import commit_all, git, write

CHANGES = [r for r in REGISTRY.values() if getattr(r.module, "CHANGE", False)]
_SECTION = re.compile(r"^# (base|file): (.+)$", re.MULTILINE)


def _sides(text: str) -> tuple[dict[str, str], dict[str, str]]:
    parts = _SECTION.split(text)
    assert parts[0].strip() == "", "a change example starts with `# base: PATH`"
    base: dict[str, str] = {}
    head: dict[str, str] = {}
    for side, name, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        (base if side == "base" else head)[name.strip()] = body.lstrip("\n")
    return base, head


def _run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, example: str) -> list[dict[str, object]]:
    base, head = _sides(example)
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(root, base)
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "change")
    for name in base:
        if name not in head:
            (root / name).unlink()
    write(root, head)
    monkeypatch.chdir(root)
    args = ("lint", "--no-cache", "--offline", "--format", "json", "--changed-since", "main")
    result = invoke(args, cache_home=lambda: root.parent / "xdg-cache")
    assert result.exit_code in (0, 1), result.output
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


@pytest.mark.parametrize("rule", CHANGES, ids=lambda r: r.id)
def test_failing_change_triggers_the_rule(rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    hits = [f for f in _run(tmp_path, monkeypatch, rule.module.FAILS) if f["rule"] == rule.id]
    assert [(f["path"], f["line"], f["column"]) for f in hits] == [("catalog-info.yaml", 4, 9)]


@pytest.mark.parametrize("rule", CHANGES, ids=lambda r: r.id)
def test_passing_change_is_clean(rule, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    assert [f for f in _run(tmp_path, monkeypatch, rule.module.PASSES) if f["rule"] == rule.id] == []


def test_there_is_a_change_rule() -> None:
    assert CHANGES, "breaks-references documents itself with a change"
