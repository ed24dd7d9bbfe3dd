"""The most common set-up, end to end: a root catalog repository whose Location lists absolute
Bitbucket URLs into the service repositories, linted by `catalint lint` with no arguments in its
checkout. Every target is checked on the fake Bitbucket; nothing is skipped without a word."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import git
import pytest

from tests.cli_run import CliResult, RunCli
from tests.descriptors import group
from tests.fakes import FakeBitbucket

ME = git.Actor("Dev", "dev@example.test")


def component(name: str, extra: str = "") -> bytes:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        f"  name: {name}\n{extra}spec:\n  type: service\n  lifecycle: production\n  owner: group:team-a\n"
    ).encode()


RESOURCE = b"apiVersion: backstage.io/v1alpha1\nkind: Resource\nmetadata:\n  name: db\nspec:\n  type: database\n  owner: group:team-a\n"
APP_CONFIG = """\
catalog:
  rules:
    - allow: [Component, Group, Location]
"""


class RootCatalog:
    """The fake's repositories, and a checkout of acme/catalog whose Location points at them."""

    def __init__(self, fake: FakeBitbucket, tmp: Path, run_cli: RunCli) -> None:
        self.fake = fake
        self.run_cli = run_cli
        web = fake.web_url
        fake.add_repo("acme", "svc-a", branches={"main": {"catalog-info.yaml": component("svc-a"), "README.md": b"hi"}})
        fake.add_repo("acme", "svc-b", branches={"main": {}, "feature/new-endpoint": {"catalog-info.yaml": component("svc-b")}})
        fake.add_repo("acme", "vault", private=True, branches={"main": {"catalog-info.yaml": component("vault")}})
        fake.add_repo("acme", "db", branches={"main": {"catalog-info.yaml": RESOURCE}})
        fake.add_user("dev@acme.test", "api-token", workspaces=["acme"])
        self.targets = {
            "ok": f"{web}/acme/svc-a/src/main/catalog-info.yaml",
            "missing": f"{web}/acme/svc-gone/src/main/catalog-info.yaml",
            "slash": f"{web}/acme/svc-b/src/feature/new-endpoint/catalog-info.yaml",
            "encoded": f"{web}/acme/svc-b/src/feature%2Fnew-endpoint/catalog-info.yaml",
            "private": f"{web}/acme/vault/src/main/catalog-info.yaml",
            "refused": f"{web}/acme/db/src/main/catalog-info.yaml",
        }
        self.lines = {name: 8 + i for i, name in enumerate(self.targets)}  # `- url` lines of the Location
        location = (
            "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\n"
            "  description: the platform's root catalog\nspec:\n  targets:\n"
            + "".join(f"    - {url}\n" for url in self.targets.values())
        )
        self.root = tmp / "catalog"
        self.root.mkdir()
        (self.root / "catalog-info.yaml").write_text(location)
        (self.root / "teams.yaml").write_text(group())
        (self.root / ".catalint.yaml").write_text("include: [teams.yaml]\n")
        (tmp / "app-config.yaml").write_text(APP_CONFIG)
        self.app_config = tmp / "app-config.yaml"
        repo = git.Repo.init(self.root, initial_branch="main")
        repo.index.add(["catalog-info.yaml", "teams.yaml", ".catalint.yaml"])
        repo.index.commit("root catalog", author=ME, committer=ME)
        repo.create_remote("origin", f"{web}/acme/catalog.git")
        self.env = fake.env(BITBUCKET_USERNAME="dev@acme.test", BITBUCKET_TOKEN="api-token")

    def lint(self, *args: str) -> tuple[CliResult, dict[str, Any]]:
        lint = ("lint", "--no-cache", "--no-style", "--format", "json", "--app-config", str(self.app_config))
        result = self.run_cli(*lint, *args, env=self.env, cwd=self.root)
        try:
            return result, json.loads(result.stdout)
        except ValueError:
            return result, {}

    def at(self, report: dict[str, Any], name: str) -> list[tuple[str, str]]:
        line = self.lines[name]
        return [
            (f["rule"], f["severity"])
            for f in report["findings"]
            if f["path"] == "catalog-info.yaml" and f["line"] == line
        ]


@pytest.fixture
def catalog(fake_bitbucket: FakeBitbucket, tmp_path: Path, run_cli: RunCli) -> RootCatalog:
    return RootCatalog(fake_bitbucket, tmp_path, run_cli)


def test_every_target_is_checked_once_and_linted(catalog: RootCatalog) -> None:
    result, report = catalog.lint()
    assert result.exit_code == 1, result.output
    assert catalog.at(report, "ok") == []
    assert catalog.at(report, "missing") == [("location-target", "error")]
    assert catalog.at(report, "slash") == [("backstage-url", "warning")]
    assert catalog.at(report, "encoded") == [("backstage-url", "warning")]  # Backstage decodes %2F first
    assert catalog.at(report, "private") == []  # read with the run's credentials
    slash = next(f for f in report["findings"] if f["rule"] == "backstage-url" and f["line"] == catalog.lines["slash"])
    assert '?at=feature%2Fnew-endpoint' in slash["message"] and 'ref "feature"' in slash["message"]
    # The files behind the targets are linted too, their findings carrying their URL.
    linted = {d["path"] for d in report["documents"]}
    assert {catalog.targets[n] for n in ("ok", "private", "refused")} <= linted
    assert any(p.startswith(f"{catalog.fake.web_url}/acme/svc-b/src/") for p in linted)
    refused = [f for f in report["findings"] if f["rule"] == "catalog-rules"]
    assert [(f["path"], f["line"]) for f in refused] == [(catalog.targets["refused"], 4)]
    # The owner group:team-a is declared locally (teams.yaml): remote files see local declarations.
    assert not [f for f in report["findings"] if f["rule"] == "unresolved-ref"]
    # Each target's file is fetched once, however many checks asked about it.
    for name in ("ok", "private", "refused"):
        repo = catalog.targets[name].split("/acme/", 1)[1].split("/", 1)[0]
        fetched = catalog.fake.requests_matching(rf"/2\.0/repositories/acme/{repo}/src/main/catalog-info\.yaml$")
        assert len(fetched) == 1, (name, [r.path for r in fetched])
    assert not catalog.fake.requests_matching(r"/acme/catalog/")  # the checkout itself is read from disk
    assert report["summary"]["unverified"] == 0


def test_a_bitbucket_that_is_down_is_unverified_never_an_error(catalog: RootCatalog) -> None:
    catalog.fake.stop()
    result, report = catalog.lint("--fail-on", "error")
    assert result.exit_code == 0, result.output
    for name in catalog.targets:
        assert catalog.at(report, name) == [("unverified", "warning")], name
    assert report["summary"]["unverified"] == len(catalog.targets)
    assert {d["path"] for d in report["documents"]} == {"catalog-info.yaml", "teams.yaml"}
    result, _ = catalog.lint("--format", "text")
    assert "6 targets not verified" in result.stdout.splitlines()[-1]


def test_offline_asks_nothing_and_says_what_it_did_not_check(catalog: RootCatalog) -> None:
    result, report = catalog.lint("--offline")
    assert result.exit_code == 0, result.output
    assert catalog.fake.request_log == []
    for name in catalog.targets:
        assert catalog.at(report, name) == [("offline", "info")], name
    assert report["summary"]["unverified"] == len(catalog.targets)
    text, _ = catalog.lint("--offline", "--format", "text")
    assert text.stdout.splitlines()[-1].endswith("; 6 targets not verified")
    env_offline, _ = catalog.lint("--format", "text")
    assert env_offline.exit_code == 1  # without the flag, the same checkout finds the missing target


def test_wrong_credentials_stop_the_run_with_a_message(catalog: RootCatalog) -> None:
    catalog.env["BITBUCKET_TOKEN"] = "wrong-token"
    result, _ = catalog.lint()
    assert result.exit_code == 2
    assert "wrong-token" not in result.output
    assert "authentication" in result.stderr.lower() or "credentials" in result.stderr.lower()


def test_an_empty_run_is_not_a_pass(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "service.yaml").write_text(group())
    result = run_cli("lint", "--no-cache", "docs", cwd=tmp_path)
    allowed = run_cli("lint", "--no-cache", "docs", "--allow-empty", cwd=tmp_path)
    named = run_cli("lint", "--no-cache", "docs/service.yaml", cwd=tmp_path)
    assert result.exit_code == 2
    assert "no catalog descriptor found in docs" in result.stderr and "include:" in result.stderr
    assert allowed.exit_code == 0 and "0 files" in allowed.stdout
    assert named.exit_code == 0  # a file named on the command line is always linted


def test_app_config_locations_are_linted_and_confined(catalog: RootCatalog, tmp_path: Path) -> None:
    db = catalog.targets["refused"]
    app = tmp_path / "app-config.locations.yaml"
    app.write_text(f"catalog:\n  locations:\n    - type: url\n      target: {db}\n      rules:\n        - allow: [Component]\n")
    catalog.app_config = app
    result, report = catalog.lint()
    refused = [f for f in report["findings"] if f["rule"] == "catalog-rules" and f["path"].startswith("http")]
    assert [(f["path"], f["line"]) for f in refused] == [(db, 4)] and f"from url:{db}" in refused[0]["message"]
    assert "catalog-info.yaml" in {d["path"] for d in report["documents"]}  # the checkout is linted too
    # The root catalog registered by URL is this checkout: read from the tree, judged by its rules.
    own = f"{catalog.fake.web_url}/acme/catalog/src/main/catalog-info.yaml"
    rules = "catalog:\n  rules:\n    - allow: [Component]\n"
    app.write_text(rules)
    _, report = catalog.lint()
    refused = {(f["path"], f["line"]) for f in report["findings"] if f["rule"] == "catalog-rules"}
    assert ("catalog-info.yaml", 4) in refused  # a Location is not allowed by catalog.rules alone
    app.write_text(rules + f"  locations:\n    - type: url\n      target: {own}\n      rules:\n        - allow: [Location]\n")
    _, report = catalog.lint()
    assert not catalog.fake.requests_matching(r"/acme/catalog/")
    refused = {(f["path"], f["line"]) for f in report["findings"] if f["rule"] == "catalog-rules"}
    assert ("catalog-info.yaml", 4) not in refused  # ... but by the rules of the location it is registered as
    secret = tmp_path / "outside.yaml"
    secret.write_text("root:x:0:0:do-not-echo\n")
    for target in (str(secret), "../../../../../../etc/passwd"):
        app.write_text(f"catalog:\n  locations:\n    - type: file\n      target: {target}\n")
        result, _ = catalog.lint()
        assert result.exit_code == 2 and "outside the repository" in result.stderr, result.output
        assert "do-not-echo" not in result.output


def test_files_asked_for_that_cannot_be_read_fail_the_run(catalog: RootCatalog) -> None:
    ok = catalog.targets["ok"]
    result, report = catalog.lint(ok)
    assert result.exit_code == 0 and {d["path"] for d in report["documents"]} == {ok}
    catalog.fake.stop()
    result, _ = catalog.lint(ok, "--fail-on", "never")
    assert result.exit_code == 2
    assert f"could not read {ok}" in result.stderr and "could not be read" in result.stderr


def test_a_cycle_back_into_the_checkout_gets_the_same_verdict_cached(catalog: RootCatalog, tmp_path: Path) -> None:
    web = catalog.fake.web_url
    back = (
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: back\nspec:\n"
        f"  targets:\n    - {web}/acme/catalog/src/main/teams.yaml\n"
    )
    catalog.fake.add_repo("acme", "loop", branches={"main": {"catalog-info.yaml": back.encode()}})
    loop = f"{web}/acme/loop/src/main/catalog-info.yaml"
    cache = str(tmp_path / "cache")
    runs = []
    for _ in range(2):
        lint = ("lint", "--cache-dir", cache, "--no-style", "--format", "json", ".", loop)
        result = catalog.run_cli(*lint, env=catalog.env, cwd=catalog.root)
        runs.append(json.loads(result.stdout))
    first, second = ([(f["rule"], f["path"], f["line"]) for f in run["findings"]] for run in runs)
    assert first == second
    assert not [f for f in first if f[0] == "duplicate-entity"]  # teams.yaml is read from the tree, once
    assert not catalog.fake.requests_matching(r"/acme/catalog/")


def test_a_password_written_into_a_target_reaches_no_report(catalog: RootCatalog, tmp_path: Path) -> None:
    secret = "s3cret-pw-4412"
    url = catalog.targets["ok"].replace("://", f"://alice:{secret}@")
    (catalog.root / "catalog-info.yaml").write_text(
        f"apiVersion: backstage.io/v1alpha1\\nkind: Location\\nmetadata:\\n  name: root\\nspec:\\n  targets:\\n    - {url}\\n"
    )
    sarif = tmp_path / "out.sarif"
    for fmt in ("json", "github", "text"):
        result, _ = catalog.lint("--offline", "--format", fmt, "--output", f"sarif:{sarif}")
        assert secret not in result.output and secret not in sarif.read_text(), fmt


def test_a_file_target_on_the_backend_machine_is_said_not_checked(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app-config.yaml").write_text(
        "catalog:\n  rules:\n    - allow: [Location]\n  locations:\n    - type: file\n      target: ./catalog-info.yaml\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: root\nspec:\n"
        "  type: file\n  targets:\n    - /srv/catalog/teams.yaml\n"
    )
    result = run_cli("lint", "--no-cache", "--format", "json", "--app-config", "app-config.yaml", cwd=tmp_path)
    report = json.loads(result.stdout)
    assert result.exit_code == 0, result.output
    assert [(f["rule"], f["line"]) for f in report["findings"]] == [("offline", 8)]
    assert "backend's machine" in report["findings"][0]["message"] and report["summary"]["unverified"] == 1
