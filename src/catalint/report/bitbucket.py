"""Bitbucket Cloud Code Insights: a `catalint` report on the commit, with annotations.

In Pipelines the step's auth proxy (`localhost:29418`, or `host.docker.internal:29418` inside a
pipe) signs plain-http requests to `api.bitbucket.org`, so no secret is needed. Elsewhere the
BITBUCKET_* credentials are sent directly to the API over https.

The report is deleted before it is written again, because a PUT keeps the annotations of an
earlier run on the same commit. Bitbucket takes at most 100 annotations per request and 1,000
per report; errors are annotated first and the report's details say when some were left out.
"""

from __future__ import annotations

import base64
import hashlib
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from catalint.bitbucket.credentials import Credentials, CredentialsError, load_credentials
from catalint.model import Finding, RunResult, Severity
from catalint.redact import redact_url
from catalint.report import in_pipelines
from catalint.report.paths import PathMapper

REPORT_ID = "catalint"
PIPELINES_PROXY = "http://localhost:29418"
PIPE_PROXY = "http://host.docker.internal:29418"
PROXIED_API = "http://api.bitbucket.org/2.0"  # plain http: the proxy adds auth and TLS
DIRECT_API = "https://api.bitbucket.org/2.0"
BATCH = 100
CAP = 1000
SUMMARY_LIMIT = 450
DETAILS_LIMIT = 2000
TIMEOUT = 30.0
SEVERITIES = {Severity.ERROR: "HIGH", Severity.WARNING: "MEDIUM", Severity.INFO: "LOW"}


class BitbucketReportError(Exception):
    """The report could not be written; the message never holds a secret."""


@dataclass(frozen=True, slots=True)
class Target:
    api: str
    workspace: str
    slug: str
    commit: str
    proxy: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict, repr=False)
    via: str = "proxy"

    @property
    def report_url(self) -> str:
        return (
            f"{self.api}/repositories/{quote(self.workspace, safe='')}/{quote(self.slug, safe='')}"
            f"/commit/{quote(self.commit, safe='')}/reports/{REPORT_ID}"
        )


def _auth_headers(creds: Credentials) -> dict[str, str]:
    if creds.method in ("basic", "app-password") and creds.username and creds.secret:
        pair = f"{creds.username}:{creds.secret}".encode()
        return {"Authorization": "Basic " + base64.b64encode(pair).decode("ascii")}
    if creds.method == "bearer" and creds.secret:
        return {"Authorization": f"Bearer {creds.secret}"}
    return {}


def _repository(environ: Mapping[str, str]) -> tuple[str, str]:
    full_name = environ.get("BITBUCKET_REPO_FULL_NAME") or ""
    if not full_name and environ.get("BITBUCKET_WORKSPACE") and environ.get("BITBUCKET_REPO_SLUG"):
        full_name = f"{environ['BITBUCKET_WORKSPACE']}/{environ['BITBUCKET_REPO_SLUG']}"
    workspace, _, slug = full_name.partition("/")
    if not workspace or not slug:
        raise BitbucketReportError(
            "BITBUCKET_REPO_FULL_NAME (workspace/repository) is not set; cannot tell where to report"
        )
    return workspace, slug


def _proxy(environ: Mapping[str, str], proxy: str | None) -> str | None:
    proxy = proxy or environ.get("CATALINT_BITBUCKET_PROXY") or None
    if proxy is None and in_pipelines(environ):
        proxy = PIPE_PROXY if environ.get("BITBUCKET_PIPE_STORAGE_DIR") else PIPELINES_PROXY
    return proxy


def _direct_auth(environ: Mapping[str, str]) -> tuple[dict[str, str], str]:
    """Headers for talking to the API without the Pipelines proxy, and the credential method."""
    try:
        creds = load_credentials(environ)
    except CredentialsError as err:
        raise BitbucketReportError(f"Bitbucket credentials: {err}") from None
    headers = _auth_headers(creds)
    if not headers:
        wanted = "username + token (BITBUCKET_USERNAME, BITBUCKET_TOKEN) or an access token (BITBUCKET_TOKEN)"
        found = "OAuth client credentials are not supported for reports; " if creds.method == "oauth" else ""
        raise BitbucketReportError(f"{found}outside Pipelines, Code Insights needs {wanted}")
    return headers, creds.method


def resolve_target(
    env: Mapping[str, str] | None = None, *, commit: str | None = None, proxy: str | None = None
) -> Target:
    """Where and how to write the report. An explicit proxy (option or CATALINT_BITBUCKET_PROXY)
    wins; in Pipelines the step's proxy is used; elsewhere credentials are required."""
    environ = os.environ if env is None else env
    workspace, slug = _repository(environ)
    sha = environ.get("BITBUCKET_COMMIT") or commit
    if not sha:
        raise BitbucketReportError("BITBUCKET_COMMIT is not set and the commit could not be read from git")
    api_override = (environ.get("CATALINT_BITBUCKET_API_URL") or "").rstrip("/") or None
    via_proxy = _proxy(environ, proxy)
    if via_proxy is not None:
        return Target(api_override or PROXIED_API, workspace, slug, sha, via_proxy, {}, "proxy")
    headers, method = _direct_auth(environ)
    return Target(api_override or DIRECT_API, workspace, slug, sha, None, headers, method)


def _external_id(path: str, finding: Finding, occurrence: int) -> str:
    parts = (path, str(finding.span.line), str(finding.span.column), finding.rule, finding.message, str(occurrence))
    return "catalint-" + hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:40]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def build_annotations(result: RunResult, paths: PathMapper, cap: int = CAP) -> tuple[list[dict[str, Any]], int]:
    """The annotations to post (errors first), and how many findings did not fit under `cap`."""
    # Code Insights annotates files of the commit's own repository; others stay in the counts.
    ordered = sorted(
        (f for f in result.findings if not paths.is_remote(f.path)), key=lambda f: (-int(f.severity), *f.sort_key())
    )
    out: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for finding in ordered[:cap]:
        path = paths.relative(finding.path)
        key = f"{path}\0{finding.span.line}\0{finding.rule}\0{finding.message}"
        seen[key] = seen.get(key, 0) + 1
        text = f"[{finding.rule}] {finding.message}"
        out.append(
            {
                "external_id": _external_id(path, finding, seen[key]),
                "annotation_type": "CODE_SMELL" if finding.rule.startswith("yamllint/") else "BUG",
                "summary": _clip(text, SUMMARY_LIMIT),
                "details": _clip(f"{finding.severity.label}: {text}", DETAILS_LIMIT),
                "severity": SEVERITIES[finding.severity],
                "result": "FAILED",
                "path": path,
                "line": max(finding.span.line, 1),
            }
        )
    return out, max(len(ordered) - cap, 0)


@dataclass(slots=True)
class ReportOutcome:
    annotations: int
    left_out: int
    requests: int
    url: str


def publish_report(
    result: RunResult,
    target: Target,
    *,
    failed: bool,
    paths: PathMapper,
    session: requests.Session | None = None,
    cap: int = CAP,
) -> ReportOutcome:
    http = session or requests.Session()
    proxies = {"http": target.proxy, "https": target.proxy} if target.proxy else None
    headers = {"Accept": "application/json", "User-Agent": "catalint", **target.headers}
    sent = 0

    def call(method: str, url: str, body: Any = None, ok: tuple[int, ...] = ()) -> None:
        nonlocal sent
        try:
            # A write is never replayed elsewhere: wherever a redirect points, it was not written here.
            response = http.request(
                method, url, json=body, headers=headers, proxies=proxies, timeout=TIMEOUT, allow_redirects=False
            )
        except requests.RequestException as err:
            via = f" through the proxy {redact_url(target.proxy)}" if target.proxy else ""
            raise BitbucketReportError(f"{method} {url}{via} failed: {type(err).__name__}") from None
        sent += 1
        if 300 <= response.status_code < 400:
            where = urlsplit(response.headers.get("Location", "")).netloc or "elsewhere"
            raise BitbucketReportError(
                f"{method} {url} answered {response.status_code}, a redirect to {where}; "
                "catalint does not follow redirects for writes, so nothing was written"
            )
        if response.status_code >= 400 and response.status_code not in ok:
            raise BitbucketReportError(f"{method} {url} answered {response.status_code}: {_error_text(response)}")

    items, left_out = build_annotations(result, paths, cap)
    details = f"{result.tally()} in {result.files} catalog file{'s' if result.files != 1 else ''}."
    if left_out:
        details += (
            f" Only {len(items):,} of {len(result.findings):,} findings are annotated (Bitbucket's limit per "
            f"report; errors first): {left_out:,} more are in the pipeline log."
        )
    report = {
        "title": "catalint",
        "details": details,
        "report_type": "BUG",
        "reporter": "catalint",
        "result": "FAILED" if failed else "PASSED",
        "data": [
            {"title": "Errors", "type": "NUMBER", "value": result.count(Severity.ERROR)},
            {"title": "Warnings", "type": "NUMBER", "value": result.count(Severity.WARNING)},
            {"title": "Info", "type": "NUMBER", "value": result.count(Severity.INFO)},
            {"title": "Files", "type": "NUMBER", "value": result.files},
            {"title": "Documents", "type": "NUMBER", "value": len(result.documents)},
        ],
    }
    url = target.report_url
    call("DELETE", url, ok=(404,))
    call("PUT", url, report)
    for start in range(0, len(items), BATCH):
        call("POST", f"{url}/annotations", items[start : start + BATCH])
    return ReportOutcome(len(items), left_out, sent, url)


def _error_text(response: requests.Response) -> str:
    try:
        payload = response.json()
    except ValueError:
        return response.reason or ""
    error = payload.get("error") if isinstance(payload, dict) else None
    if isinstance(error, dict) and isinstance(error.get("message"), str):
        return str(error["message"])
    return response.reason or ""
