from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from catalint.model import RunResult, Severity, Span
from catalint.report.github import (
    ChecksError,
    GithubEnv,
    GithubReporter,
    annotation_command,
    append_summary,
    escape_data,
    escape_property,
    publish_check_run,
    summary_markdown,
    write_outputs,
)
from catalint.report.paths import PathMapper
from tests.fakes.github import FakeGitHub
from tests.report.conftest import finding, sample_result


def test_escaping_is_exact() -> None:
    assert escape_data("100% a\r\nb: c, d") == "100%25 a%0D%0Ab: c, d"
    assert escape_property("100% a\r\nb: c, d") == "100%25 a%0D%0Ab%3A c%2C d"
    # % first: an already-escaped looking text is escaped again, not left alone
    assert escape_data("%0A") == "%250A"


def test_annotation_command_format() -> None:
    f = finding(message="bad: value, 50%\nsecond line", span=Span(4, 9, 4, 20))
    command = annotation_command(f, "cat,alog/a:b.yaml")
    assert command == (
        "::error file=cat%2Calog/a%3Ab.yaml,line=4,col=9,endLine=4,endColumn=19,"
        "title=catalint [field-format]::bad: value, 50%25%0Asecond line"
    )
    multi = annotation_command(finding("spec-schema", Severity.WARNING, span=Span(5, 1, 9, 3)), "a.yaml")
    assert multi.startswith("::warning file=a.yaml,line=5,endLine=9,title=")  # columns only on one line
    info = annotation_command(finding("unverified", Severity.INFO), "a.yaml")
    assert info.startswith("::notice ")


def _many(errors: int, warnings: int, infos: int) -> RunResult:
    result = RunResult(files=1)
    for severity, count in ((Severity.ERROR, errors), (Severity.WARNING, warnings), (Severity.INFO, infos)):
        for n in range(count):
            result.findings.append(finding(severity=severity, message=f"{severity.label} {n}", span=Span.point(n + 1)))
    return result


def test_annotations_are_capped_per_type_with_one_notice_for_the_rest(repo_paths: PathMapper) -> None:
    out = GithubReporter(repo_paths).render(_many(25, 3, 15)).splitlines()
    commands = [line for line in out if re.match(r"::(error|warning|notice) ", line)]
    kinds = [line.split(" ", 1)[0] for line in commands]
    assert kinds.count("::error") == 10 and kinds.count("::warning") == 3
    # 9 finding notices + 1 notice counting what was left out = GitHub's 10
    assert kinds.count("::notice") == 10
    assert kinds.index("::warning") > max(i for i, k in enumerate(kinds) if k == "::error")  # errors first
    left = [line for line in commands if line.startswith("::notice title=catalint::")]
    assert len(left) == 1 and left[0].startswith("::notice title=catalint::21 of 43 findings were not annotated")
    # every finding is still in the log
    for n in range(25):
        assert f"sub/catalog/a.yaml:{n + 1}:1: error [field-format] error {n}" in out


def test_no_notice_when_everything_fits(repo_paths: PathMapper) -> None:
    out = GithubReporter(repo_paths).render(_many(10, 10, 10))
    assert out.count("::notice ") == 10 and "not annotated" not in out


def test_log_groups_per_file_and_yaml_text_cannot_inject_commands(repo_paths: PathMapper) -> None:
    result = sample_result()
    result.findings.append(finding(message="evil\n::error file=x::injected\r\n::add-mask::x", path="catalog/z.yaml"))
    out = GithubReporter(repo_paths, token=lambda: "TOKEN123").render(result).splitlines()
    groups = [line for line in out if line.startswith("::group::")]
    assert groups == [
        "::group::sub/catalog/a.yaml (2 errors, 2 warnings, 1 info)",
        "::group::sub/catalog/broken.yaml (1 error)",
        "::group::sub/catalog/z.yaml (1 error)",
    ]
    assert out.count("::endgroup::") == 3
    assert not any(line.startswith(("::error file=x", "::add-mask")) for line in out)
    start = out.index("::group::sub/catalog/z.yaml (1 error)")
    assert out[start + 1] == "::stop-commands::TOKEN123"
    assert (
        out[start + 2] == "sub/catalog/z.yaml:4:9: error [field-format] evil\\n::error file=x::injected\\n::add-mask::x"
    )
    assert out[start + 3] == "::TOKEN123::"


def test_reporter_without_annotations_only_logs(repo_paths: PathMapper) -> None:
    out = GithubReporter(repo_paths, annotate=False).render(sample_result())
    assert not re.search(r"^::(error|warning|notice) ", out, re.M)
    assert "sub/catalog/a.yaml:4:9: error [field-format]" in out


def _env(tmp_path: Path, **extra: str) -> GithubEnv:
    event = tmp_path / "event.json"
    event.write_text(json.dumps({"pull_request": {"head": {"sha": "h" * 40}, "base": {"sha": "b" * 40}}}))
    env = {
        "GITHUB_SERVER_URL": "https://github.example",
        "GITHUB_REPOSITORY": "acme/catalog",
        "GITHUB_SHA": "m" * 40,
        "GITHUB_EVENT_PATH": str(event),
        **extra,
    }
    return GithubEnv.from_env(env)


def test_pull_request_head_sha_wins_over_the_merge_commit(tmp_path: Path) -> None:
    env = _env(tmp_path)
    assert env.head_sha == "h" * 40 and env.base_sha == "b" * 40
    assert GithubEnv.from_env({"GITHUB_SHA": "m" * 40}).head_sha == "m" * 40


def test_summary_links_counts_and_escaping(tmp_path: Path, repo_paths: PathMapper) -> None:
    result = sample_result()
    result.findings.append(finding(message="a | b\nc <script>", span=Span(20, 1, 22, 1)))
    text = summary_markdown(result, _env(tmp_path), repo_paths)
    assert "**4 errors, 2 warnings, 1 info** in 3 files (3 documents)." in text
    assert "\\x01 text" in text and "\x01" not in text
    assert "### `sub/catalog/a.yaml`" in text
    assert "[4](https://github.example/acme/catalog/blob/" + "h" * 40 + "/sub/catalog/a.yaml#L4)" in text
    assert "#L20-L22)" in text
    assert "a \\| b<br>c &lt;script&gt;" in text


def test_summary_is_truncated_under_the_limit_with_a_note(tmp_path: Path, repo_paths: PathMapper) -> None:
    result = _many(2000, 0, 0)
    limit = 20_000
    text = summary_markdown(result, _env(tmp_path), repo_paths, limit=limit)
    assert len(text.encode("utf-8")) <= limit
    rows = [line for line in text.splitlines() if line.startswith("| [")]
    match = re.search(r"\*\*Truncated:\*\* (\d+) more findings", text)
    assert match and int(match.group(1)) == 2000 - len(rows) and rows


def test_append_summary_counts_what_the_step_already_wrote(tmp_path: Path, repo_paths: PathMapper) -> None:
    target = tmp_path / "summary.md"
    target.write_text("x" * 15_000)
    append_summary(target, _many(2000, 0, 0), _env(tmp_path), repo_paths, limit=30_000)
    data = target.read_bytes()
    assert data.startswith(b"x" * 15_000) and len(data) <= 30_000 and b"Truncated" in data


def _read_outputs(path: Path) -> dict[str, str]:
    values: dict[str, str] = {}
    lines = path.read_text().split("\n")
    i = 0
    while i < len(lines) and lines[i]:
        name, _, delimiter = lines[i].partition("<<")
        end = lines.index(delimiter, i + 1)
        values[name] = "\n".join(lines[i + 1 : end])
        i = end + 1
    return values


def test_outputs_use_the_delimiter_form(tmp_path: Path) -> None:
    target = tmp_path / "output"
    write_outputs(target, {"errors": "3", "files": "12", "notes": "two\nlines"})
    text = target.read_text()
    assert re.match(r"errors<<ghadelimiter_[0-9a-f-]{36}\n3\nghadelimiter_", text)
    assert _read_outputs(target) == {"errors": "3", "files": "12", "notes": "two\nlines"}


# ------------------------------------------------------------------ Checks API
def test_check_run_posts_annotations_in_batches_of_50(
    tmp_path: Path, repo_paths: PathMapper, fake_github: FakeGitHub
) -> None:
    result = _many(100, 15, 5)
    result.findings.append(finding("spec-schema", span=Span(5, 1, 9, 3)))
    env = _env(tmp_path, GITHUB_API_URL=fake_github.url)
    run = publish_check_run(result, env, fake_github.token, failed=True, paths=repo_paths, summary="## catalint")
    methods = [(r.method, r.status) for r in fake_github.requests]
    assert methods == [("POST", 201), ("PATCH", 200), ("PATCH", 200), ("PATCH", 200)]
    assert fake_github.requests[0].path == "/repos/acme/catalog/check-runs"
    assert fake_github.requests[0].body["head_sha"] == "h" * 40
    (state,) = fake_github.check_runs.values()
    assert state.name == "catalint" and state.status == "completed" and state.conclusion == "failure"
    assert len(state.annotations) == 121 == run.annotations
    assert [len(r.body["output"]["annotations"]) for r in fake_github.requests[1:]] == [50, 50, 21]
    assert "conclusion" not in fake_github.requests[1].body and "conclusion" in fake_github.requests[3].body
    levels = {a["annotation_level"] for a in state.annotations}
    assert levels == {"failure", "warning", "notice"}
    multi = next(a for a in state.annotations if a["start_line"] == 5 and a["end_line"] == 9)
    assert "start_column" not in multi
    assert state.annotations[0]["path"] == "sub/catalog/a.yaml"
    assert run.html_url and run.html_url.endswith("/runs/1")


def test_clean_check_run_succeeds_in_one_patch(tmp_path: Path, repo_paths: PathMapper, fake_github: FakeGitHub) -> None:
    env = _env(tmp_path, GITHUB_API_URL=fake_github.url)
    publish_check_run(RunResult(files=2), env, fake_github.token, failed=False, paths=repo_paths)
    assert [r.method for r in fake_github.requests] == ["POST", "PATCH"]
    assert fake_github.check_runs[1].conclusion == "success"


def test_check_run_403_is_a_checks_error(tmp_path: Path, repo_paths: PathMapper, fake_github: FakeGitHub) -> None:
    fake_github.refuse(403)
    env = _env(tmp_path, GITHUB_API_URL=fake_github.url)
    with pytest.raises(ChecksError) as caught:
        publish_check_run(sample_result(), env, fake_github.token, failed=True, paths=repo_paths)
    assert caught.value.status == 403
    assert "Resource not accessible by integration" in str(caught.value)
    assert fake_github.token not in str(caught.value)


def test_a_failed_batch_still_closes_the_check_run(
    tmp_path: Path, repo_paths: PathMapper, fake_github: FakeGitHub
) -> None:
    fake_github.fail_patches(2)
    env = _env(tmp_path, GITHUB_API_URL=fake_github.url)
    with pytest.raises(ChecksError):
        publish_check_run(_many(80, 0, 0), env, fake_github.token, failed=True, paths=repo_paths)
    (state,) = fake_github.check_runs.values()
    assert state.status == "completed" and state.conclusion == "failure"
    assert len(state.annotations) == 50
    assert "only 50 annotations" in fake_github.requests[-1].body["output"]["summary"]
