"""`catalint auth` for every method, app-config `${VAR}` credentials, every rejected combination
at the command line (exit 2, fields named), run-level auth messages, discover text output,
--max-requests and the progress display."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from catalint.bitbucket.client import Progress
from tests.cli_run import RunCli
from tests.descriptors import component
from tests.fakes import FakeBitbucket

FIELDS = [
    "BITBUCKET_USERNAME",
    "BITBUCKET_TOKEN",
    "BITBUCKET_APP_PASSWORD",
    "BITBUCKET_CLIENT_ID",
    "BITBUCKET_CLIENT_SECRET",
]


@pytest.fixture
def fake(fake_bitbucket: FakeBitbucket) -> FakeBitbucket:
    fake_bitbucket.add_repo("acme", "svc", project="P", branches={"main": {"catalog-info.yaml": component("a")}})
    fake_bitbucket.add_repo("acme", "two", project="P", branches={"main": {"catalog-info.yaml": component("b")}})
    fake_bitbucket.add_user("dev@acme.test", "api-token-111", workspaces=["acme"])
    fake_bitbucket.add_app_password("legacy", "app-pw-222")
    fake_bitbucket.add_access_token("bearer-333", repositories=["acme/svc"])
    fake_bitbucket.add_oauth_consumer("cid", "csecret-444", workspaces=["acme"])
    return fake_bitbucket


@pytest.mark.parametrize(
    ("env", "method", "identity", "warning"),
    [
        ({}, "anonymous", "identity: anonymous", False),
        ({"BITBUCKET_USERNAME": "dev@acme.test", "BITBUCKET_TOKEN": "api-token-111"}, "API token", "Dev", False),
        ({"BITBUCKET_USERNAME": "legacy", "BITBUCKET_APP_PASSWORD": "app-pw-222"}, "app password", "Legacy", True),
        ({"BITBUCKET_TOKEN": "bearer-333"}, "access token (HTTP Bearer)", "identity: ", False),
        ({"BITBUCKET_CLIENT_ID": "cid", "BITBUCKET_CLIENT_SECRET": "csecret-444"}, "OAuth 2.0", "Cid", False),
    ],
)
def test_auth_prints_method_and_identity_never_a_secret(
    fake: FakeBitbucket, env: dict[str, str], method: str, identity: str, warning: bool, run_cli: RunCli
) -> None:
    code, out, err = run_cli("auth", env=fake.env(**env))
    assert code == 0, err
    assert f"method:   {method}" in out and identity in out
    assert ("app passwords are retired" in err) is warning
    for secret in ("api-token-111", "app-pw-222", "bearer-333", "csecret-444"):
        assert secret not in out + err


def test_app_config_with_var_substitution_and_env_winning(fake: FakeBitbucket, tmp_path: Path, run_cli: RunCli) -> None:
    app = tmp_path / "app-config.yaml"
    app.write_text("integrations:\n  bitbucketCloud:\n    - username: ${BB_USER}\n      token: ${BB_TOKEN}\n", "utf-8")
    code, out, _ = run_cli(
        "auth", "--app-config", str(app), env=fake.env(BB_USER="dev@acme.test", BB_TOKEN="api-token-111")
    )
    assert code == 0 and "source:   app-config" in out and "identity: Dev" in out
    # The file's token is wrong; BITBUCKET_TOKEN from the environment wins over it.
    code, out, _ = run_cli(
        "auth",
        "--app-config",
        str(app),
        env=fake.env(BB_USER="dev@acme.test", BB_TOKEN="bad-file-token-555", BITBUCKET_TOKEN="api-token-111"),
    )
    assert code == 0 and "source:   app-config+env" in out and "identity: Dev" in out
    code, _, err = run_cli(
        "auth", "--app-config", str(app), env=fake.env(BB_USER="dev@acme.test", BB_TOKEN="bad-file-token-555")
    )
    assert code == 2 and "HTTP 401" in err and "bad-file-token-555" not in err


@pytest.mark.parametrize(
    ("env", "app", "names"),
    [
        ({"BITBUCKET_USERNAME": "u"}, "", ["username", "BITBUCKET_USERNAME", "token", "appPassword"]),
        ({"BITBUCKET_CLIENT_ID": "i"}, "", ["clientId", "clientSecret", "BITBUCKET_CLIENT_SECRET"]),
        ({"BITBUCKET_CLIENT_SECRET": "s-999"}, "", ["clientSecret", "clientId"]),
        ({"BITBUCKET_APP_PASSWORD": "s-999"}, "", ["appPassword", "username"]),
        ({}, "    - token: s-999\n    - token: s-999\n", ["integrations.bitbucketCloud", "2 entries"]),
        (
            {"BITBUCKET_USERNAME": "u", "BITBUCKET_TOKEN": "s-999", "BITBUCKET_APP_PASSWORD": "s-999"},
            "",
            ["token", "appPassword"],
        ),
        (
            {"BITBUCKET_TOKEN": "s-999", "BITBUCKET_CLIENT_ID": "i", "BITBUCKET_CLIENT_SECRET": "s-999"},
            "",
            ["clientId", "clientSecret", "token"],
        ),
        (
            {"BITBUCKET_CLIENT_ID": "i"},
            "    - clientSecret: s-999\n      username: u\n      token: s-999\n",
            ["OAuth", "username", "token"],
        ),
    ],
)
@pytest.mark.parametrize("command", ["auth", "lint", "discover"])
def test_rejected_combinations_exit_2_naming_fields(
    fake: FakeBitbucket, tmp_path: Path, env: dict[str, str], app: str, names: list[str], command: str, run_cli: RunCli
) -> None:
    args = [command]
    if app:
        path = tmp_path / "app.yaml"
        path.write_text("integrations:\n  bitbucketCloud:\n" + app, "utf-8")
        args += ["--app-config", str(path)]
    if command == "lint":
        args += ["--no-cache", f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml"]
    if command == "discover":
        args += ["--workspace", "acme"]
    code, out, err = run_cli(*args, env=fake.env(**env))
    assert code == 2
    assert err.startswith("catalint: Bitbucket credentials:")
    for name in names:
        assert name in err
    assert "s-999" not in out + err
    assert not fake.request_log  # refused before any request


@pytest.mark.parametrize("status", [401, 403])
def test_auth_failure_is_one_run_level_message(fake: FakeBitbucket, status: int, run_cli: RunCli) -> None:
    fake.fail_next(r"/src/", status, count=None)
    urls = [f"{fake.web_url}/acme/{r}/src/main/catalog-info.yaml" for r in ("svc", "two")]
    code, out, err = run_cli(
        "lint", "--no-cache", *urls, env=fake.env(BITBUCKET_USERNAME="dev@acme.test", BITBUCKET_TOKEN="api-token-111")
    )
    assert code == 2
    assert err.count(f"HTTP {status}") == 1 and err.count("catalint:") == 1
    assert f"HTTP {status}" not in out


def test_discover_text_output_and_max_requests(fake: FakeBitbucket, run_cli: RunCli) -> None:
    code, out, err = run_cli("discover", "--workspace", "acme", env=fake.env())
    assert code == 0 and not err
    assert out.splitlines() == [
        f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml",
        f"{fake.web_url}/acme/two/src/main/catalog-info.yaml",
    ]
    fake.reset_log()
    code, out, err = run_cli("discover", "--workspace", "acme", "--max-requests", "1", env=fake.env())
    assert code == 1 and len(fake.request_log) == 1 and "budget" in err
    fake.reset_log()
    urls = [f"{fake.web_url}/acme/{r}/src/main/catalog-info.yaml" for r in ("svc", "two")]
    code, out, err = run_cli("lint", "--no-cache", "--max-requests", "1", *urls, env=fake.env())
    assert len(fake.request_log) == 1
    assert "the request budget (1 request) is spent; remaining checks are reported as unverified" in err
    assert "unverified" in out


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_on_a_terminal_lines_in_ci() -> None:
    tty = _Tty()
    bar = Progress("files", stream=tty, after=0.0)
    bar.add_total(4)
    bar.tick(3)
    bar.close()
    text = tty.getvalue()
    assert text.startswith("\rfiles: [######------------------] 1/4") and text.endswith("\n")
    ci = io.StringIO()
    lines = Progress("files", stream=ci, after=0.0, every=3600.0)
    lines.add_total(2)
    lines.tick(1)
    lines.tick(2)  # within `every` of the last line: not printed
    lines.close()
    assert ci.getvalue() == "files: 1/2 checked, 1 request\n"
    quiet = io.StringIO()
    short = Progress("files", stream=quiet)  # a run shorter than `after` prints nothing
    short.add_total(1)
    short.tick(1)
    short.close()
    assert quiet.getvalue() == ""
