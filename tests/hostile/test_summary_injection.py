"""Item 14: nothing from a descriptor renders as HTML or Markdown in the job summary (lint and sync)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalint.model import RunResult, Severity, Span
from catalint.report.github import GithubEnv, summary_markdown
from catalint.report.markdown import cell, code
from catalint.report.paths import PathMapper
from catalint.sync.report import SyncReport
from tests.report.conftest import finding

HOSTILE = [
    '<img src="https://evil.example/pixel.gif">',
    '<a href="https://evil.example">click</a>',
    "![tracker](https://evil.example/t.png)",
    "[trusted link](https://evil.example)",
    "row\rbreak | injected | cells |",
    "line\nbreak\u2028sep",
    "`code` and ``more``",
]
NAMES = ["we`ird`.yaml", "<b>bold</b>.yaml", "[x](y).yaml", "a\rb.yaml"]


def assert_inert(markdown: str) -> None:
    # Inside a code span nothing is markup; what is left outside must hold none.
    markdown = re.sub(r"(`+)(?!`).*?(?<!`)\1(?!`)", "", markdown)
    assert "<img" not in markdown and "<a " not in markdown and "<b>" not in markdown
    assert not re.search(r"(?<!\\)!\[", markdown), "an image"
    ours = r"https://github\.example/a/b/blob/"  # the line links catalint itself makes
    assert not re.search(rf"(?<!\\)\[[^\]]*(?<!\\)\]\((?!{ours})", markdown), "a link"
    assert "\r" not in markdown and "\u2028" not in markdown


def table_rows(markdown: str) -> list[str]:
    return [line for line in markdown.split("\n") if line.startswith("|") and not line.startswith("|-")]


def cells(row: str) -> int:
    return len(re.findall(r"(?<!\\)\|", row)) - 1


def test_lint_summary(tmp_path: Path, repo_paths: PathMapper) -> None:
    result = RunResult(files=len(NAMES))
    result.findings = [
        finding("field-format", Severity.ERROR, message, path=name, span=Span(2, 1, 2, 5))
        for name in NAMES
        for message in HOSTILE
    ]
    env = GithubEnv.from_env({"GITHUB_SERVER_URL": "https://github.example", "GITHUB_REPOSITORY": "a/b", "GITHUB_SHA": "c" * 40})
    text = summary_markdown(result, env, repo_paths, notes=HOSTILE)
    assert_inert(text)
    rows = table_rows(text)
    assert len(rows) == len(NAMES) * (len(HOSTILE) + 1)  # a header row per file, then its findings
    assert {cells(row) for row in rows} == {4}
    headings = [line for line in text.split("\n") if line.startswith("### ")]
    assert len(headings) == len(NAMES)
    for heading in headings:  # the code span is closed by the fence that opened it
        fence = re.match(r"### (`+)", heading)
        assert fence is not None and heading.endswith(fence.group(1))


def test_sync_summary() -> None:
    report = SyncReport("backstage", "http://backstage:7007")
    for text in HOSTILE:
        report.add("added", f"https://bitbucket.org/a/b/src/main/{text}", text)
    report.notes.extend(HOSTILE)
    markdown = report.render_markdown()
    assert_inert(markdown)
    rows = table_rows(markdown)
    assert len(rows) == 1 + len(HOSTILE) and {cells(row) for row in rows} == {3}


@pytest.mark.parametrize("text", HOSTILE + NAMES)
def test_cell_and_code_stay_on_one_line(text: str) -> None:
    assert "\n" not in cell(text) and "\r" not in cell(text)
    assert "\n" not in code(text) and "\r" not in code(text)
