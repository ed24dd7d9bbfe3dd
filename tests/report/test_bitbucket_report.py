from __future__ import annotations

import base64

import pytest

from catalint.model import RunResult, Severity, Span
from catalint.report.bitbucket import (
    PIPE_PROXY,
    PIPELINES_PROXY,
    PROXIED_API,
    BitbucketReportError,
    in_pipelines,
    publish_report,
    resolve_target,
)
from catalint.report.paths import PathMapper
from tests.fakes.bitbucket import FakeBitbucket
from tests.report.conftest import finding, sample_result

# Code Insights goes to Bitbucket's own API host through the Pipelines proxy, which the fake plays.
pytestmark = pytest.mark.usefixtures("pipelines_api")

WS, SLUG = "acme", "catalog"


def _repo(fake: FakeBitbucket) -> str:
    fake.add_repo(WS, SLUG, private=True, branches={"main": {"catalog-info.yaml": "kind: System\n"}})
    return fake.commit_of(WS, SLUG, "main")


def _pipelines_env(fake: FakeBitbucket, commit: str) -> dict[str, str]:
    return {
        "BITBUCKET_COMMIT": commit,
        "BITBUCKET_REPO_FULL_NAME": f"{WS}/{SLUG}",
        "CATALINT_BITBUCKET_PROXY": fake.proxy_url,
    }


def test_target_selection_without_network() -> None:
    base = {"BITBUCKET_COMMIT": "c" * 40, "BITBUCKET_REPO_FULL_NAME": "ws/repo"}
    assert in_pipelines(base) and not in_pipelines({"BITBUCKET_COMMIT": "c"})
    step = resolve_target(base)
    assert (step.proxy, step.api, step.headers) == (PIPELINES_PROXY, PROXIED_API, {})
    pipe = resolve_target(
        {
            **base,
            "BITBUCKET_PIPE_STORAGE_DIR": "/opt/atlassian/pipelines/agent/build/.bitbucket/pipelines/generated/pipeline/pipes",
        }
    )
    assert pipe.proxy == PIPE_PROXY
    explicit = resolve_target(base, proxy="http://proxy.test:3128")
    assert explicit.proxy == "http://proxy.test:3128"
    # outside Pipelines: credentials, https, no proxy
    outside = {
        "BITBUCKET_REPO_FULL_NAME": "ws/repo",
        "BITBUCKET_USERNAME": "me@example.com",
        "BITBUCKET_TOKEN": "s3cret",
    }
    direct = resolve_target(outside, commit="d" * 40)
    assert direct.proxy is None and direct.api == "https://api.bitbucket.org/2.0" and direct.commit == "d" * 40
    assert direct.headers["Authorization"] == "Basic " + base64.b64encode(b"me@example.com:s3cret").decode()
    assert "s3cret" not in repr(direct)
    with pytest.raises(BitbucketReportError, match="needs username"):
        resolve_target({"BITBUCKET_REPO_FULL_NAME": "ws/repo"}, commit="d" * 40)
    with pytest.raises(BitbucketReportError, match="BITBUCKET_REPO_FULL_NAME"):
        resolve_target({"BITBUCKET_COMMIT": "c" * 40})


def test_report_through_the_pipelines_proxy(fake_bitbucket: FakeBitbucket, repo_paths: PathMapper) -> None:
    commit = _repo(fake_bitbucket)
    fake_bitbucket.enable_pipelines_proxy()
    target = resolve_target(_pipelines_env(fake_bitbucket, commit))
    outcome = publish_report(sample_result(), target, failed=True, paths=repo_paths)
    report = fake_bitbucket.reports[(WS, SLUG, commit, "catalint")]
    assert report.body["report_type"] == "BUG" and report.body["result"] == "FAILED"
    data = {d["title"]: d["value"] for d in report.body["data"]}
    assert data["Errors"] == 3 and data["Warnings"] == 2 and data["Info"] == 1 and data["Files"] == 3
    assert len(report.annotations) == 6 == outcome.annotations
    first = next(a for a in report.annotations.values() if a["path"] == "sub/catalog/a.yaml" and a["line"] == 4)
    assert first["severity"] == "HIGH" and first["summary"] == "[field-format] metadata.name is not valid"
    log = fake_bitbucket.request_log
    assert [r.method for r in log] == ["DELETE", "PUT", "POST"]
    assert log[0].status == 404  # nothing to delete on the first run
    assert all(r.proxied and r.host == "api.bitbucket.org" and r.authorization is None for r in log)


def test_rerun_drops_old_annotations(fake_bitbucket: FakeBitbucket, repo_paths: PathMapper) -> None:
    commit = _repo(fake_bitbucket)
    fake_bitbucket.enable_pipelines_proxy()
    target = resolve_target(_pipelines_env(fake_bitbucket, commit))
    publish_report(sample_result(), target, failed=True, paths=repo_paths)
    publish_report(RunResult(files=3), target, failed=False, paths=repo_paths)
    report = fake_bitbucket.reports[(WS, SLUG, commit, "catalint")]
    assert report.annotations == {} and report.body["result"] == "PASSED"


def test_annotations_are_capped_at_1000_errors_first(fake_bitbucket: FakeBitbucket, repo_paths: PathMapper) -> None:
    commit = _repo(fake_bitbucket)
    fake_bitbucket.enable_pipelines_proxy()
    result = RunResult(files=1)
    for n in range(1030):
        severity = Severity.ERROR if n >= 1000 else Severity.WARNING
        result.findings.append(finding(severity=severity, message=f"finding {n}", span=Span.point(n + 1)))
    outcome = publish_report(
        result, resolve_target(_pipelines_env(fake_bitbucket, commit)), failed=True, paths=repo_paths
    )
    report = fake_bitbucket.reports[(WS, SLUG, commit, "catalint")]
    assert len(report.annotations) == 1000 and outcome.left_out == 30
    posts = fake_bitbucket.requests_matching(r"/annotations$", "POST")
    assert len(posts) == 10
    high = [a for a in report.annotations.values() if a["severity"] == "HIGH"]
    assert len(high) == 30  # every error made it in
    assert "Only 1,000 of 1,030 findings are annotated" in report.body["details"]


def test_report_with_credentials(fake_bitbucket: FakeBitbucket, repo_paths: PathMapper) -> None:
    commit = _repo(fake_bitbucket)
    fake_bitbucket.add_access_token("repo-token-123", repositories=[f"{WS}/{SLUG}"])
    env = {
        "BITBUCKET_REPO_FULL_NAME": f"{WS}/{SLUG}",
        "BITBUCKET_TOKEN": "repo-token-123",
        "CATALINT_BITBUCKET_API_URL": fake_bitbucket.api_url,
    }
    publish_report(sample_result(), resolve_target(env, commit=commit), failed=False, paths=repo_paths)
    assert fake_bitbucket.reports[(WS, SLUG, commit, "catalint")].body["result"] == "PASSED"
    assert {r.authorization for r in fake_bitbucket.request_log} == {"Bearer repo-token-123"}


def test_refusal_is_an_error_without_secrets(fake_bitbucket: FakeBitbucket, repo_paths: PathMapper) -> None:
    commit = _repo(fake_bitbucket)
    fake_bitbucket.add_user("me@example.com", "api-token-xyz", read_only=True)
    env = {
        "BITBUCKET_REPO_FULL_NAME": f"{WS}/{SLUG}",
        "BITBUCKET_USERNAME": "me@example.com",
        "BITBUCKET_TOKEN": "api-token-xyz",
        "CATALINT_BITBUCKET_API_URL": fake_bitbucket.api_url,
    }
    with pytest.raises(BitbucketReportError) as caught:
        publish_report(sample_result(), resolve_target(env, commit=commit), failed=True, paths=repo_paths)
    assert "403" in str(caught.value) and "api-token-xyz" not in str(caught.value)
