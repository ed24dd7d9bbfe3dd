"""Item 16: a password in a URL (proxy, API URL, a URL argument, Backstage) never reaches any output."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.redact import redact_url, strip_userinfo
from tests.cli_run import RunCli
from tests.descriptors import group
from tests.fakes import FakeBitbucket

PASSWORD = "Pw-c4n4ry-77"


def with_userinfo(url: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://someone:{PASSWORD}@{rest}"


def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("BITBUCKET_TOKEN", "BITBUCKET_USERNAME", "BITBUCKET_APP_PASSWORD", "GITHUB_STEP_SUMMARY"):
        monkeypatch.delenv(var, raising=False)


@pytest.mark.parametrize("fmt", ["text", "json", "github"])
def test_a_url_argument_and_the_api_url(
    fake_bitbucket: FakeBitbucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fmt: str, run_cli: RunCli
) -> None:
    clean_env(monkeypatch)
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"catalog-info.yaml": group("g") + "x: [\n"}})
    monkeypatch.chdir(tmp_path)
    env = {"CATALINT_BITBUCKET_URL": fake_bitbucket.web_url, "CATALINT_BITBUCKET_API_URL": with_userinfo(fake_bitbucket.api_url)}
    url = with_userinfo(f"{fake_bitbucket.web_url}/acme/svc/src/main/catalog-info.yaml")
    args = ["lint", "-v", "--no-cache", "--format", fmt, "--output", "sarif:out.sarif", url]
    result = run_cli(*args, env=env)
    assert result.exit_code in (0, 1), result.output
    assert "catalog-info.yaml" in result.output
    assert PASSWORD not in result.output
    assert PASSWORD not in (tmp_path / "out.sarif").read_text()


def test_a_proxy_with_userinfo_in_the_report_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    clean_env(monkeypatch)
    (tmp_path / "catalog-info.yaml").write_text(group("g"))
    monkeypatch.chdir(tmp_path)
    env = {"BITBUCKET_COMMIT": "a" * 40, "BITBUCKET_REPO_FULL_NAME": "acme/svc"}
    proxy = f"http://someone:{PASSWORD}@127.0.0.1:9"
    result = run_cli("lint", "--no-cache", "--report", "bitbucket", "--bitbucket-proxy", proxy, ".", env=env)
    assert "127.0.0.1:9" in result.output  # the warning is there, without the password
    assert PASSWORD not in result.output


def test_a_backstage_url_with_userinfo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    clean_env(monkeypatch)
    found = tmp_path / "found.json"
    dead = "http://127.0.0.1:9"  # nothing listens: only loopback is ever asked
    found.write_text(json.dumps({"urls": [with_userinfo(f"{dead}/acme/svc/src/main/c.yaml")], "complete": True}))
    args = ["sync", "backstage", "-w", "acme", "--backstage-url", with_userinfo(dead)]
    args += ["--web-url", dead, "--include-invalid"]
    for fmt in ("text", "json"):
        summary = tmp_path / f"summary-{fmt}.md"
        result = run_cli(*args, "--discovery-file", str(found), "--format", fmt, env={"GITHUB_STEP_SUMMARY": str(summary)})
        assert result.exit_code == 2 and "not reachable" in result.output
        assert PASSWORD not in result.output and PASSWORD not in summary.read_text()


def test_redact_and_strip() -> None:
    assert redact_url("see http://u:p@ss@h:1/x?a=b@c") == "see http://***@h:1/x?a=b@c"
    assert strip_userinfo("https://u:p@h/x@y") == "https://h/x@y" and strip_userinfo("https://h/x") == "https://h/x"
