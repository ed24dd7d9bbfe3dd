"""GitHub Actions: workflow commands, the job summary, step outputs and the Checks API.

GitHub shows only 10 error, 10 warning and 10 notice annotations per step, so annotations are a
preview: every finding is printed to the log (a collapsible group per file) and to the job
summary, and one notice says how many findings were not annotated.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from catalint.model import Finding, RunResult, Severity
from catalint.report import markdown
from catalint.report.paths import PathMapper, is_url
from catalint.words import counted

if TYPE_CHECKING:
    import requests  # imported where a check run is posted: a lint run only reads the event here

ANNOTATION_CAP = 10  # per type and step
MESSAGE_LIMIT = 4096  # the runner truncates longer annotation messages
SUMMARY_LIMIT = 1024 * 1024  # bytes per step summary file
CHECKS_BATCH = 50
CHECKS_SUMMARY_LIMIT = 65535
CHECKS_TEXT_LIMIT = 64 * 1024 - 1
CHECK_NAME = "catalint"
COMMANDS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}
CHECK_LEVELS = {Severity.ERROR: "failure", Severity.WARNING: "warning", Severity.INFO: "notice"}
TIMEOUT = 30.0


# ------------------------------------------------------------------ escaping
def escape_data(text: str) -> str:
    """A workflow command's message: `%` first, then CR and LF."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value: as a message, plus `:` and `,`."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _one_line(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\\r").replace("\n", "\\n")


# --------------------------------------------------------------- environment
@dataclass(frozen=True, slots=True)
class GithubEnv:
    workspace: str | None = None
    server_url: str = "https://github.com"
    api_url: str = "https://api.github.com"
    repository: str | None = None
    sha: str | None = None
    event_name: str | None = None
    event: Mapping[str, Any] = field(default_factory=dict)
    output: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> GithubEnv:
        environ = os.environ if env is None else env
        event: Mapping[str, Any] = {}
        event_path = environ.get("GITHUB_EVENT_PATH")
        if event_path:
            try:
                loaded = json.loads(Path(event_path).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                loaded = {}
            event = loaded if isinstance(loaded, dict) else {}
        return cls(
            workspace=environ.get("GITHUB_WORKSPACE") or None,
            server_url=(environ.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
            api_url=(environ.get("GITHUB_API_URL") or "https://api.github.com").rstrip("/"),
            repository=environ.get("GITHUB_REPOSITORY") or None,
            sha=environ.get("GITHUB_SHA") or None,
            event_name=environ.get("GITHUB_EVENT_NAME") or None,
            event=event,
            output=environ.get("GITHUB_OUTPUT") or None,
        )

    def _pull_request_field(self, *keys: str) -> str | None:
        node: Any = self.event.get("pull_request")
        for key in keys:
            if not isinstance(node, dict):
                return None
            node = node.get(key)
        return node if isinstance(node, str) and node else None

    @property
    def head_sha(self) -> str | None:
        """The commit a check or a link should name: on pull requests the PR head, not the
        synthetic merge commit in GITHUB_SHA."""
        return self._pull_request_field("head", "sha") or self.sha

    @property
    def base_sha(self) -> str | None:
        return self._pull_request_field("base", "sha")


# ---------------------------------------------------------- workflow commands
def _columns(finding: Finding) -> tuple[int, int] | None:
    """(col, endColumn), inclusive, when the span is on one line; the runner drops columns otherwise."""
    span = finding.span
    if span.end_line != span.line:
        return None
    col = max(span.column, 1)
    return col, max(span.end_column - 1, col)


def annotation_command(finding: Finding, path: str) -> str:
    span = finding.span
    line = max(span.line, 1)
    props = [f"file={escape_property(path)}", f"line={line}"]
    columns = _columns(finding)
    if columns is not None:
        props.append(f"col={columns[0]}")
    props.append(f"endLine={max(span.end_line, line)}")
    if columns is not None:
        props.append(f"endColumn={columns[1]}")
    props.append(f"title={escape_property(f'catalint [{finding.rule}]')}")
    message = finding.message[:MESSAGE_LIMIT]
    return f"::{COMMANDS[finding.severity]} {','.join(props)}::{escape_data(message)}"


def pick_annotations(findings: Sequence[Finding], cap: int = ANNOTATION_CAP) -> tuple[list[Finding], int]:
    """Errors first, then warnings, then notices, each up to `cap`; a notice slot is kept for the
    count of what was left out. Returns the chosen findings and how many were left out."""
    by_level = {s: [f for f in findings if f.severity == s] for s in (Severity.ERROR, Severity.WARNING, Severity.INFO)}
    overflow = any(len(items) > cap for items in by_level.values())
    chosen: list[Finding] = []
    for severity, items in by_level.items():
        limit = cap - 1 if overflow and severity == Severity.INFO else cap
        chosen.extend(items[:limit])
    return chosen, len(findings) - len(chosen)


@dataclass(slots=True)
class GithubReporter:
    """`--format github`: the log grouped per file, then the annotations GitHub will show."""

    paths: PathMapper = field(default_factory=PathMapper.identity)
    annotate: bool = True
    cap: int = ANNOTATION_CAP
    token: Callable[[], str] = field(default=lambda: uuid.uuid4().hex)
    name: str = "github"

    def render(self, result: RunResult) -> str:
        out: list[str] = []
        by_file: dict[str, list[Finding]] = {}
        for finding in result.findings:
            by_file.setdefault(self.paths.relative(finding.path), []).append(finding)
        for path, findings in by_file.items():
            out.append(f"::group::{escape_data(_group_title(path, findings))}")
            # Messages quote the YAML; never let its text be read as a command.
            stop = self.token()
            out.append(f"::stop-commands::{stop}")
            for f in findings:
                out.append(
                    f"{path}:{f.span.line}:{f.span.column}: {f.severity.label} [{f.rule}] {_one_line(f.message)}"
                )
            out.append(f"::{stop}::")
            out.append("::endgroup::")
        out.append(
            f"catalint: {counted(result.files, 'file')}, {counted(len(result.documents), 'document')}: "
            f"{result.tally()}"
        )
        if self.annotate:
            # GitHub places annotations on files of the checkout only; the rest are in the log above
            # and in the job summary, and take none of the step's few annotation slots.
            placed = [f for f in result.findings if not self.paths.is_remote(f.path)]
            chosen, left_out = pick_annotations(placed, self.cap)
            out.extend(annotation_command(f, self.paths.relative(f.path)) for f in chosen)
            if left_out:
                out.append(
                    "::notice title=catalint::"
                    + escape_data(
                        f"{left_out} of {counted(len(result.findings), 'finding')} {'was' if left_out == 1 else 'were'} "
                        f"not annotated: GitHub shows at most "
                        f"{self.cap} errors, {self.cap} warnings and {self.cap} notices per step. "
                        "Every finding is listed in the log above and in the job summary."
                    )
                )
        return "\n".join(out) + "\n"


def _group_title(path: str, findings: Sequence[Finding]) -> str:
    counts = []
    for severity in (Severity.ERROR, Severity.WARNING, Severity.INFO):
        n = sum(1 for f in findings if f.severity == severity)
        if n:
            label = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "info"}[severity]
            counts.append(f"{n} {label}{'s' if n != 1 and severity != Severity.INFO else ''}")
    return f"{path} ({', '.join(counts)})"


# ---------------------------------------------------------------- job summary
def _cell(text: str) -> str:
    """A table cell: markup-safe, one line, no control characters."""
    return markdown.cell(text)


def line_link(env: GithubEnv, path: str, finding: Finding) -> str:
    span = finding.span
    label = str(span.line)
    if is_url(path):  # a file on Bitbucket: its line there
        return f"[{label}]({path.split('#', 1)[0]}#lines-{span.line})"
    sha = env.head_sha
    if not (env.repository and sha) or path.startswith("/"):
        return label
    anchor = f"L{span.line}" + (f"-L{span.end_line}" if span.end_line > span.line else "")
    return f"[{label}]({env.server_url}/{env.repository}/blob/{sha}/{quote(path)}#{anchor})"


def summary_markdown(
    result: RunResult,
    env: GithubEnv,
    paths: PathMapper,
    *,
    limit: int = SUMMARY_LIMIT,
    notes: Iterable[str] = (),
    graph: str | None = None,
) -> str:
    """The job summary, at most `limit` bytes (UTF-8); rows that do not fit are counted in a note.
    `graph`, a Mermaid flowchart, is drawn under the counts when it fits in half the budget."""
    notes = list(notes)
    head = ["## catalint", ""]
    if result.findings:
        head.append(
            f"**{result.tally()}** in {counted(result.files, 'file')} ({counted(len(result.documents), 'document')})."
        )
    else:
        head.append(
            f"No findings in {counted(result.files, 'file')} ({counted(len(result.documents), 'document')})."
        )
    head.append("")
    head.extend(f"> {_cell(note)}" for note in notes)
    if notes:
        head.append("")
    head.extend(_graph_block(graph, limit // 2))
    text = "\n".join(head) + "\n"
    size = len(text.encode("utf-8"))
    by_file: dict[str, list[Finding]] = {}
    for finding in result.findings:
        by_file.setdefault(paths.relative(finding.path), []).append(finding)
    shown = 0
    reserve = 400  # room for the truncation note
    parts = [text]
    truncated = False
    for path, findings in by_file.items():
        block = [f"### {markdown.code(path)}", "", "| Line | Severity | Rule | Message |", "|---:|---|---|---|"]
        block_text = "\n".join(block) + "\n"
        if size + len(block_text.encode("utf-8")) + reserve > limit:
            truncated = True
            break
        parts.append(block_text)
        size += len(block_text.encode("utf-8"))
        for f in findings:
            row = f"| {line_link(env, path, f)} | {f.severity.label} | `{f.rule}` | {_cell(f.message)} |\n"
            row_size = len(row.encode("utf-8"))
            if size + row_size + reserve > limit:
                truncated = True
                break
            parts.append(row)
            size += row_size
            shown += 1
        parts.append("\n")
        size += 1
        if truncated:
            break
    if truncated:
        parts.append(
            f"> **Truncated:** {counted(len(result.findings) - shown, 'more finding')} "
            f"{'is' if len(result.findings) - shown == 1 else 'are'} not shown here "
            "(GitHub limits a step summary to 1 MiB); every finding is in the log of this step.\n"
        )
    return "".join(parts)


def _graph_block(graph: str | None, budget: int) -> list[str]:
    # Its labels are entity-coded by report/mermaid.py, so no line of it can close the fence.
    if not graph or len(graph.encode("utf-8")) > budget:
        return []
    return ["<details open><summary>Relations</summary>", "", "```mermaid", graph.rstrip("\n"), "```", "", "</details>", ""]


def append_summary(
    path: str | Path,
    result: RunResult,
    env: GithubEnv,
    paths: PathMapper,
    *,
    notes: Iterable[str] = (),
    limit: int = SUMMARY_LIMIT,
    graph: str | None = None,
) -> None:
    target = Path(path)
    used = target.stat().st_size if target.exists() else 0
    budget = limit - used
    if budget < 1024:
        raise OSError(f"the step summary already holds {used:,} bytes; no room left under GitHub's 1 MiB limit")
    with target.open("a", encoding="utf-8", newline="\n") as handle:
        handle.write(summary_markdown(result, env, paths, limit=budget, notes=list(notes), graph=graph))


# -------------------------------------------------------------------- outputs
def output_block(name: str, value: str) -> str:
    """`name<<delimiter` form; the delimiter is random and never part of the value."""
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    while delimiter in value:  # pragma: no cover - a uuid inside the value
        delimiter = f"ghadelimiter_{uuid.uuid4()}"
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def write_outputs(path: str | Path, values: Mapping[str, str]) -> None:
    with Path(path).open("a", encoding="utf-8", newline="\n") as handle:
        for name, value in values.items():
            handle.write(output_block(name, value))


# ------------------------------------------------------------------ Checks API
class ChecksError(Exception):
    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _check_annotation(finding: Finding, path: str) -> dict[str, Any]:
    span = finding.span
    line = max(span.line, 1)
    annotation: dict[str, Any] = {
        "path": path,
        "start_line": line,
        "end_line": max(span.end_line, line),
        "annotation_level": CHECK_LEVELS[finding.severity],
        "message": finding.message[:CHECKS_TEXT_LIMIT] or finding.rule,
        "title": f"catalint [{finding.rule}]"[:255],
    }
    columns = _columns(finding)
    if columns is not None:
        annotation["start_column"], annotation["end_column"] = columns
    return annotation


@dataclass(slots=True)
class CheckRun:
    id: int
    html_url: str | None
    annotations: int
    requests: int


def _error_text(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.reason or ""
    if isinstance(payload, dict) and isinstance(payload.get("message"), str):
        return str(payload["message"])
    return response.reason or ""


def _now() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(slots=True)
class _ChecksClient:
    """One repository's check-runs endpoint; counts the requests it sends."""

    http: requests.Session
    base: str
    headers: dict[str, str]
    sent: int = 0

    def call(self, method: str, url: str, body: dict[str, Any]) -> dict[str, Any]:
        import requests

        try:
            response = self.http.request(method, url, json=body, headers=self.headers, timeout=TIMEOUT)
        except requests.RequestException as err:
            raise ChecksError(f"{method} {url} failed: {type(err).__name__}") from None
        self.sent += 1
        if response.status_code >= 400:
            raise ChecksError(
                f"{method} {url} answered {response.status_code}: {_error_text(response)}", response.status_code
            )
        try:
            payload = response.json()
        except ValueError:
            payload = {}
        return payload if isinstance(payload, dict) else {}


def _checks_output(result: RunResult, summary: str) -> dict[str, str]:
    title = result.tally()
    text = summary or title
    if len(text) > CHECKS_SUMMARY_LIMIT:
        note = "\n\n… truncated; every finding is in the job log."
        text = text[: CHECKS_SUMMARY_LIMIT - len(note)] + note
    return {"title": title, "summary": text}


def _attach(
    client: _ChecksClient, url: str, output: dict[str, str], batches: list[list[dict[str, Any]]], conclusion: str
) -> None:
    """PATCH the annotations in batches; the last batch completes the run."""
    for number, batch in enumerate(batches, start=1):
        body: dict[str, Any] = {"output": {**output, "annotations": batch}}
        if number == len(batches):
            body.update(status="completed", conclusion=conclusion, completed_at=_now())
        try:
            client.call("PATCH", url, body)
        except ChecksError:
            # Never leave the check spinning "in progress" on the pull request: close it with its
            # verdict and say the annotations are incomplete; the caller falls back to commands.
            title = output["title"]
            note = f"{title}; only {(number - 1) * CHECKS_BATCH} annotations could be attached, see the job log"
            closing = {"title": title, "summary": note}
            with contextlib.suppress(ChecksError):
                client.call(
                    "PATCH",
                    url,
                    {"status": "completed", "conclusion": conclusion, "completed_at": _now(), "output": closing},
                )
            raise


def publish_check_run(
    result: RunResult,
    env: GithubEnv,
    token: str,
    *,
    failed: bool,
    paths: PathMapper,
    summary: str = "",
    session: requests.Session | None = None,
    name: str = CHECK_NAME,
) -> CheckRun:
    """Create a check run on the head commit and add every finding as an annotation (50 per PATCH)."""
    if not env.repository:
        raise ChecksError("GITHUB_REPOSITORY is not set; cannot tell which repository to post the check run to")
    head_sha = env.head_sha
    if not head_sha:
        raise ChecksError("neither the pull_request event payload nor GITHUB_SHA names a commit")
    import requests

    headers = {
        "Authorization": f"Bearer {token}",
        "Accept": "application/vnd.github+json",
        "X-GitHub-Api-Version": "2022-11-28",
        "User-Agent": "catalint",
    }
    base = f"{env.api_url}/repos/{env.repository}/check-runs"
    client = _ChecksClient(session or requests.Session(), base, headers)
    output = _checks_output(result, summary)
    created = client.call(
        "POST", base, {"name": name, "head_sha": head_sha, "status": "in_progress", "started_at": _now(), "output": output}
    )
    run_id = created.get("id")
    if not isinstance(run_id, int):
        raise ChecksError(f"POST {base} answered without a check run id")
    # The Checks API places annotations on files of the commit only; the summary lists the rest.
    annotations = [_check_annotation(f, paths.relative(f.path)) for f in result.findings if not paths.is_remote(f.path)]
    batches = [annotations[i : i + CHECKS_BATCH] for i in range(0, len(annotations), CHECKS_BATCH)] or [[]]
    _attach(client, f"{base}/{run_id}", output, batches, "failure" if failed else "success")
    html_url = created.get("html_url")
    return CheckRun(run_id, html_url if isinstance(html_url, str) else None, len(annotations), client.sent)
