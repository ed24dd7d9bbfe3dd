"""`catalint auth`, `lint <url>` and `discover` end to end, discovery past the 1,000 cap, and the
secret canary: no secret value may appear in any output or file."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from catalint.bitbucket.client import BitbucketClient
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.discovery import discover
from catalint.bitbucket.urls import Hosts
from tests.cli_run import RunCli
from tests.descriptors import component
from tests.fakes import FakeBitbucket

CANARY = {
    "BITBUCKET_USERNAME": "canary-user@acme.test",
    "BITBUCKET_TOKEN": "CANARY-TOKEN-7f3a9c",
    "BITBUCKET_APP_PASSWORD": "CANARY-APPPW-51be02",
    "BITBUCKET_CLIENT_ID": "CANARY-CLIENTID-c0ffee",
    "BITBUCKET_CLIENT_SECRET": "CANARY-SECRET-d00d42",
}
SECRETS = [v for k, v in CANARY.items() if k != "BITBUCKET_USERNAME"]


@pytest.fixture
def fake(fake_bitbucket: FakeBitbucket) -> FakeBitbucket:
    fake_bitbucket.add_repo("acme", "svc", project="PLAT", branches={"main": {"catalog-info.yaml": component("svc")}})
    fake_bitbucket.add_repo(
        "acme",
        "priv",
        project="SEC",
        private=True,
        branches={"main": {"catalog-info.yaml": component("priv")}},
    )
    fake_bitbucket.add_repo("acme", "empty", project="PLAT")
    fake_bitbucket.add_user("dev@acme.test", "good-token", workspaces=["acme"])
    fake_bitbucket.add_oauth_consumer("cid", "csecret", workspaces=["acme"])
    return fake_bitbucket


def test_auth_command_modes(fake: FakeBitbucket, run_cli: RunCli) -> None:
    code, out, _ = run_cli("auth", env=fake.env(BITBUCKET_USERNAME="dev@acme.test", BITBUCKET_TOKEN="good-token"))
    assert code == 0 and "API token" in out and "Dev" in out and "good-token" not in out
    code, out, _ = run_cli("auth", env=fake.env(BITBUCKET_CLIENT_ID="cid", BITBUCKET_CLIENT_SECRET="csecret"))
    assert code == 0 and "OAuth" in out and "csecret" not in out
    code, _, err = run_cli("auth", env=fake.env(BITBUCKET_USERNAME="dev@acme.test", BITBUCKET_TOKEN="bad"))
    assert code == 2 and "HTTP 401" in err
    code, _, err = run_cli("auth", env=fake.env(BITBUCKET_USERNAME="x"))
    assert code == 2 and "username" in err


def test_lint_url_and_private(fake: FakeBitbucket, run_cli: RunCli) -> None:
    good = f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml"
    priv = f"{fake.web_url}/acme/priv/src/main/catalog-info.yaml"
    code, out, _ = run_cli("lint", "--no-cache", "--format", "json", good, env=fake.env())
    assert code == 0, out
    code, out, err = run_cli("lint", "--no-cache", priv, env=fake.env())
    # A file the run was asked to lint and could not read fails the run (exit 2), with the reason.
    assert code == 2 and "private repository these credentials cannot see" in out
    assert f"could not read {priv}" in err and "1 of the files to lint could not be read" in err
    creds = {"BITBUCKET_USERNAME": "dev@acme.test", "BITBUCKET_TOKEN": "good-token"}
    code, out, _ = run_cli("lint", "--no-cache", priv, env=fake.env(**creds))
    assert code == 0, out
    code, out, err = run_cli("lint", "--no-cache", priv, good, env=fake.env(BITBUCKET_TOKEN="wrong"))
    assert code == 2 and err.count("HTTP 401") == 1


def test_workspace_lint_and_discover_command(fake: FakeBitbucket, run_cli: RunCli) -> None:
    creds = {"BITBUCKET_USERNAME": "dev@acme.test", "BITBUCKET_TOKEN": "good-token"}
    code, out, _ = run_cli("discover", "--workspace", "acme", "--format", "json", env=fake.env(**creds))
    assert code == 0
    assert json.loads(out)["urls"] == [
        f"{fake.web_url}/acme/priv/src/main/catalog-info.yaml",
        f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml",
    ]
    code, out, _ = run_cli("lint", "--no-cache", "--workspace", "acme", "--format", "json", env=fake.env(**creds))
    assert code == 0 and json.loads(out)


def test_canary_no_secret_anywhere(
    fake: FakeBitbucket, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> None:
    """Distinctive values in all five variables (and in an app-config through `${VAR}`); every
    command, on success and failure paths, with debug logging: no secret in stdout, stderr or any
    file written (cache, reports, sync output, anything dropped in the working folder)."""
    fake.add_user(CANARY["BITBUCKET_USERNAME"], CANARY["BITBUCKET_TOKEN"], workspaces=["acme"])
    fake.add_oauth_consumer(CANARY["BITBUCKET_CLIENT_ID"], CANARY["BITBUCKET_CLIENT_SECRET"], workspaces=["acme"])
    monkeypatch.chdir(tmp_path)
    cache = tmp_path / "cache"
    app = tmp_path / "app-config.yaml"
    app.write_text(
        "integrations:\n  bitbucketCloud:\n    - username: ${CANARY_USER}\n      token: ${CANARY_TOKEN}\n",
        "utf-8",
    )
    url = f"{fake.web_url}/acme/priv/src/main/catalog-info.yaml"

    def pick(*names: str) -> dict[str, str]:
        return {n: CANARY[n] for n in names}

    combos: list[tuple[dict[str, str], list[str]]] = [
        (pick("BITBUCKET_USERNAME", "BITBUCKET_TOKEN"), []),  # basic: success
        (pick("BITBUCKET_CLIENT_ID", "BITBUCKET_CLIENT_SECRET"), []),  # OAuth: success
        ({"CANARY_USER": CANARY["BITBUCKET_USERNAME"], "CANARY_TOKEN": CANARY["BITBUCKET_TOKEN"]}, ["app"]),
        (pick("BITBUCKET_TOKEN"), []),  # bearer: the fake rejects it (401 path)
        (pick("BITBUCKET_USERNAME", "BITBUCKET_APP_PASSWORD"), []),  # unknown app password: 401 path
        ({**pick("BITBUCKET_CLIENT_ID"), "BITBUCKET_CLIENT_SECRET": "CANARY-SECRET-wrong-77"}, []),  # OAuth 401
        (pick("BITBUCKET_APP_PASSWORD"), []),  # rejected: exit 2
        (pick("BITBUCKET_CLIENT_SECRET"), []),  # rejected: exit 2
        (dict(CANARY), []),  # conflicting: exit 2
    ]
    secrets = [*SECRETS, "CANARY-SECRET-wrong-77"]
    outputs: list[str] = []
    codes: set[int] = set()
    commands: set[str] = set()
    for number, (creds, flags) in enumerate(combos):
        env = {**fake.env(**creds), "CATALINT_DEBUG": "1"}
        app_args = ["--app-config", str(app)] if "app" in flags else []
        report = tmp_path / f"report-{number}"
        for args in (
            ["auth", "--verbose", *app_args],
            [
                "lint",
                "--cache-dir",
                str(cache),
                "--verbose",
                *app_args,
                "--output",
                f"json:{report}.json",
                "--output",
                f"sarif:{report}.sarif",
                url,
            ],
            ["lint", "--cache-dir", str(cache), "--format", "json", "--workspace", "acme", *app_args],
            ["discover", "--workspace", "acme", "--verbose", *app_args],
            ["discover", "--workspace", "acme", "--format", "json", *app_args],
            ["sync", "file", "--workspace", "acme", str(tmp_path / f"sync-{number}.yaml")],
        ):
            code, out, err = run_cli(*args, env=env)
            codes.add(code)
            commands.add(args[0] + (" --workspace" if args[0] == "lint" and "--workspace" in args else ""))
            outputs += [out, err]
    # Failure paths of the transport: 5xx bursts and rate limits while authenticated.
    fake.fail_next(r".*", 500, count=3)
    fake.fail_next(r"/src/", 429, count=2, retry_after=0)
    for args in (["lint", "--cache-dir", str(cache), url], ["discover", "--workspace", "acme"]):
        _, out, err = run_cli(*args, env={**fake.env(**combos[0][0]), "CATALINT_DEBUG": "1"})
        outputs += [out, err]
    assert commands == {"auth", "lint", "lint --workspace", "discover", "sync"}
    assert {0, 2} <= codes  # both success and failure exits were exercised
    assert any("debug:" in o for o in outputs)  # debug logging really ran
    assert any("HTTP 401" in o for o in outputs)  # a rejected-credentials path really ran
    written = [p for p in tmp_path.rglob("*") if p.is_file() and p != app]
    assert any(p.suffix == ".sarif" for p in written) and any(p.is_relative_to(cache) for p in written)
    assert any(p.name.startswith("sync-") for p in written)
    files = [p.read_bytes().decode("utf-8", "replace") for p in written]
    for secret in secrets:
        for text in outputs + files:
            assert secret not in text
    logging.getLogger("catalint").handlers.clear()


def _client(fake: FakeBitbucket) -> BitbucketClient:
    return BitbucketClient(Credentials(), Hosts(fake.web_url, fake.api_url), backoff_base=0.01, concurrency=16)


def test_discovery_past_the_cap_split_by_project_and_repo() -> None:
    with FakeBitbucket() as fake:
        for i in range(1200):
            fake.add_repo("big", f"r{i:04d}", project=f"P{i % 3}", branches={"main": {"catalog-info.yaml": "x"}})
        result = discover(_client(fake), "big")
        assert result.complete and not result.errors and len(result.urls) == 1200
        assert result.urls == sorted(result.urls)
    with FakeBitbucket() as fake:
        for i in range(1100):
            files = {"catalog-info.yaml": "x"} if i % 50 else {"README.md": "catalog-info.yaml"}
            fake.add_repo("one", f"r{i:04d}", project="ONE", branches={"main": files})
        result = discover(_client(fake), "one", projects=["ONE"])
        assert result.complete and len(result.urls) == 1100 - 22
        assert fake.requests_matching(r"/search/code")
        only = discover(_client(fake), "one", projects=["ONE"], repo_regex=r"r000[1-3]")
        assert len(only.urls) == 3


def test_discovery_fallback_when_search_unavailable(fake: FakeBitbucket) -> None:
    fake.set_search_enabled("acme", False)
    result = discover(_client(fake), "acme")
    assert result.method == "listing" and result.complete
    assert result.urls == [f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml"]
    fake.fail_next(r"/src/main/catalog-info.yaml$", 503, count=None)
    broken = discover(_client(fake), "acme")
    assert not broken.complete and broken.errors


def test_probing_repositories_one_by_one_shows_progress(fake: FakeBitbucket) -> None:
    import io

    from catalint.bitbucket.client import Progress

    fake.set_search_enabled("acme", False)
    client = _client(fake)
    stream = io.StringIO()
    client.progress = Progress("discovery", stream=stream, after=0.0, every=0.0)
    result = discover(client, "acme")
    assert result.method == "listing" and result.urls
    lines = stream.getvalue().splitlines()
    assert lines and lines[-1].startswith("discovery: ")
    done, total = lines[-1].split(": ")[1].split(" ")[0].split("/")
    assert done == total and int(total) >= 1
