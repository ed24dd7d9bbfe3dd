"""How the REAL Backstage reads a Bitbucket Cloud browse URL whose branch name holds a ``/``.

The backend (tests/backstage harness, @backstage/backend-defaults 0.19.0) runs with
bitbucket-redirect.js preloaded, so its requests to https://api.bitbucket.org and
https://bitbucket.org reach the fake Bitbucket Cloud, which records the exact path.
``BitbucketCloudUrlReader`` builds ``{api}/repositories/{ws}/{repo}/src/{ref}/{path}`` from
git-url-parse's ``ref`` and ``filepath``. Findings these tests pin down:

=============================================================  =====================================
location target (branch ``feature/new-endpoint``)               API path Backstage requests → result
=============================================================  =====================================
``…/src/feature/new-endpoint/catalog-info.yaml``               ``…/src/feature/new-endpoint/catalog-info.yaml``
                                                               → ref ``feature``: 404, location fails
``…/src/feature%2Fnew-endpoint/catalog-info.yaml``             the very same path: git-url-parse
                                                               decodes ``%2F``, so it fails the same way
``…/src/<commit>/catalog-info.yaml?at=feature%2Fnew-endpoint``  ``…/src/<commit>/catalog-info.yaml``
                                                               (``?at=`` dropped) → 200, entity read
=============================================================  =====================================

When a branch named ``feature`` exists too, the first two spellings silently read
``new-endpoint/catalog-info.yaml`` from it instead of failing. The third is pinned to the
commit: Backstage never follows the branch named in ``?at=`` (catalint reads its head).
"""

from __future__ import annotations

import os
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.backstage.fixtures import SKIP_ENV
from tests.backstage.harness import (
    BITBUCKET_ENV,
    BITBUCKET_REDIRECT_JS,
    HERE,
    Backstage,
    ensure_installed,
)
from tests.fakes.bitbucket import FakeBitbucket, RecordedRequest

BITBUCKET_CONFIG = HERE / "app-config.bitbucket.yaml"
# Must match app-config.bitbucket.yaml.
CLIENT_ID = "catalint-test-consumer"
CLIENT_SECRET = "catalint-test-consumer-secret"

WS = "acme"
BRANCH = "feature/new-endpoint"
FILE = "catalog-info.yaml"
WEB = "https://bitbucket.org"


def component(name: str) -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        f"  name: {name}\nspec:\n  type: service\n  lifecycle: experimental\n  owner: team-a\n"
    )


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeBitbucket]:
    with FakeBitbucket() as server:
        server.add_oauth_consumer(CLIENT_ID, CLIENT_SECRET)
        yield server


@pytest.fixture(scope="module")
def backstage_bb(fake: FakeBitbucket, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backstage]:
    """A backend of its own (the session one never talks to Bitbucket), wired to ``fake``."""
    if os.environ.get(SKIP_ENV) == "1":
        pytest.skip(f"{SKIP_ENV}=1: real Backstage backend tests disabled")
    server = Backstage(
        ensure_installed(),
        log_dir=tmp_path_factory.mktemp("backstage-bitbucket-log"),
        extra_configs=[BITBUCKET_CONFIG],
        bitbucket=fake.base_url,
    )
    with server:
        yield server


@dataclass(frozen=True)
class Repo:
    """A private repository, unique per test, whose branch ``feature/new-endpoint`` holds the
    component ``<slug>-feature``; ``main`` holds ``<slug>-main``."""

    slug: str
    commit: str  # head of feature/new-endpoint

    @property
    def api_src(self) -> str:
        return f"/2.0/repositories/{WS}/{self.slug}/src/"

    def url(self, spelling: str) -> str:
        base = f"{WEB}/{WS}/{self.slug}/src/"
        return {
            "slash": f"{base}feature/new-endpoint/{FILE}",
            "encoded": f"{base}feature%2Fnew-endpoint/{FILE}",
            "commit-at": f"{base}{self.commit}/{FILE}?at=feature%2Fnew-endpoint",
            "main": f"{base}main/{FILE}",
        }[spelling]


def make_repo(fake: FakeBitbucket, *, decoy: bool = False) -> Repo:
    slug = f"svc-{uuid.uuid4().hex[:8]}"
    branches = {"main": {FILE: component(f"{slug}-main")}, BRANCH: {FILE: component(f"{slug}-feature")}}
    if decoy:
        # The branch Backstage actually asks for when it splits the slash branch at its first `/`.
        branches["feature"] = {f"new-endpoint/{FILE}": component(f"{slug}-decoy")}
    fake.add_repo(WS, slug, private=True, branches=branches)
    return Repo(slug, fake.commit_of(WS, slug, BRANCH))


def src_requests(fake: FakeBitbucket, repo: Repo) -> list[RecordedRequest]:
    return [r for r in fake.request_log if r.path.startswith(repo.api_src)]


def names(dry_run: dict[str, Any]) -> list[str]:
    return sorted(e["metadata"]["name"] for e in dry_run["entities"] if e["kind"] == "Component")


# Spelling -> (API path after /src/, status the fake answered, component read or None).
EXPECTED: dict[str, tuple[str, int, str | None]] = {
    "slash": (f"feature/new-endpoint/{FILE}", 404, None),
    "encoded": (f"feature/new-endpoint/{FILE}", 404, None),
    "commit-at": (f"{{commit}}/{FILE}", 200, "feature"),
    "main": (f"main/{FILE}", 200, "main"),  # control: the redirect and credentials work
}


@pytest.mark.parametrize("spelling", list(EXPECTED))
def test_dry_run_request_and_outcome(spelling: str, fake: FakeBitbucket, backstage_bb: Backstage) -> None:
    repo = make_repo(fake)
    path, status, suffix = EXPECTED[spelling]
    target = repo.url(spelling)

    resp = backstage_bb.add_location(target, dry_run=True)

    seen = src_requests(fake, repo)
    assert [(r.method, r.path, r.query, r.status) for r in seen] == [
        ("GET", repo.api_src + path.format(commit=repo.commit), {}, status)
    ], seen
    if suffix is None:
        assert resp.status_code == 400, resp.text
        error = resp.json()["error"]
        assert error["name"] == "InputError"
        assert "NotFoundError" in error["message"] and target in error["message"], error
    else:
        assert resp.status_code == 201, resp.text
        body = resp.json()
        assert names(body) == [f"{repo.slug}-{suffix}"]
        assert body["location"]["target"] == target
        assert body["exists"] is False
    assert target not in [loc["target"] for loc in backstage_bb.locations()]  # a dry run stores nothing


def test_both_http_stacks_are_redirected_with_credentials(fake: FakeBitbucket, backstage_bb: Backstage) -> None:
    """The OAuth token comes through cross-fetch (https.request), the file through global fetch."""
    repo = make_repo(fake)
    resp = backstage_bb.add_location(repo.url("main"), dry_run=True)
    assert resp.status_code == 201, resp.text

    tokens = fake.requests_matching(r"^/site/oauth2/access_token$", method="POST")
    assert tokens and all(r.status == 200 for r in tokens), tokens
    issued = {f"Bearer {t}" for t in fake.issued_oauth_tokens()}
    (read,) = src_requests(fake, repo)
    assert read.authorization in issued, read.authorization  # the repository is private
    assert not [r for r in fake.request_log if r.proxied], "requests arrive direct, not in proxy form"


@pytest.mark.parametrize("spelling", ["slash", "encoded"])
def test_slash_branch_spellings_read_branch_feature_when_it_exists(
    spelling: str, fake: FakeBitbucket, backstage_bb: Backstage
) -> None:
    """Not just a failure: with a branch ``feature`` present, the wrong file is read silently."""
    repo = make_repo(fake, decoy=True)
    resp = backstage_bb.add_location(repo.url(spelling), dry_run=True)
    assert resp.status_code == 201, resp.text
    assert names(resp.json()) == [f"{repo.slug}-decoy"]
    assert [r.path for r in src_requests(fake, repo)] == [repo.api_src + f"feature/new-endpoint/{FILE}"]


def wait_for_requests(fake: FakeBitbucket, repo: Repo, count: int, timeout: float = 30.0) -> list[RecordedRequest]:
    """Wait until the catalog has read ``repo`` at least ``count`` times (processing is every 2 s)."""
    deadline = time.monotonic() + timeout
    while len(seen := src_requests(fake, repo)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {len(seen)} reads of {repo.slug} within {timeout}s: {seen}")
        time.sleep(0.2)
    return seen


def test_registered_locations_end_up_in_the_catalog_only_for_the_commit_spelling(
    fake: FakeBitbucket, backstage_bb: Backstage
) -> None:
    repos = {spelling: make_repo(fake) for spelling in ("slash", "encoded", "commit-at")}
    created: list[str] = []
    try:
        for spelling, repo in repos.items():
            resp = backstage_bb.add_location(repo.url(spelling))
            assert resp.status_code == 201, resp.text
            assert resp.json()["entities"] == []  # entities come from later processing
            created.append(resp.json()["location"]["id"])

        good = repos["commit-at"]
        entity = backstage_bb.wait_for_entity(f"component:default/{good.slug}-feature")
        annotations = entity["metadata"]["annotations"]
        assert annotations["backstage.io/managed-by-location"] == f"url:{good.url('commit-at')}"
        assert annotations["backstage.io/source-location"] == (
            f"url:{WEB}/{WS}/{good.slug}/src/{good.commit}/?at=feature%2Fnew-endpoint"
        )

        for spelling in ("slash", "encoded"):
            repo = repos[spelling]
            # Two attempts: the catalog has processed (and retried) this location at least once more.
            seen = wait_for_requests(fake, repo, 2)
            assert {(r.path, r.status) for r in seen} == {(repo.api_src + f"feature/new-endpoint/{FILE}", 404)}
            for suffix in ("feature", "main"):
                assert backstage_bb.get_entity(f"component:default/{repo.slug}-{suffix}") is None
            registered = [loc for loc in backstage_bb.locations() if loc["target"] == repo.url(spelling)]
            assert len(registered) == 1  # registered, yet it never yields an entity
            assert backstage_bb.get_entity(registered[0]["entityRef"]) is None
    finally:
        for location_id in created:
            backstage_bb.delete_location(location_id)


def run_preload(env_value: str | None) -> str:
    env = {k: v for k, v in os.environ.items() if k != BITBUCKET_ENV}
    if env_value is not None:
        env[BITBUCKET_ENV] = env_value
    script = "const https = require('node:https'); console.log(globalThis.fetch.name, https.request.name)"
    proc = subprocess.run(
        ["node", "--require", str(BITBUCKET_REDIRECT_JS), "-e", script],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def test_preload_changes_nothing_unless_enabled() -> None:
    assert run_preload(None) == "fetch request"
    assert run_preload("http://127.0.0.1:1") == "bitbucketRedirectFetch bitbucketRedirectRequest"


def test_harness_preloads_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BITBUCKET_ENV, "http://127.0.0.1:9")  # leaked from outside: must not reach node
    install = Path("/opt/backstage-install")

    cmd, env = Backstage(install).launch(7007)
    assert "--require" not in cmd and str(BITBUCKET_REDIRECT_JS) not in cmd
    assert cmd[1:] == [str(install / "index.js"), "--config", str(HERE / "app-config.yaml")]
    assert BITBUCKET_ENV not in env

    cmd, env = Backstage(install, extra_configs=[BITBUCKET_CONFIG], bitbucket="http://127.0.0.1:4321").launch(7007)
    assert cmd[1:] == [
        "--require",
        str(BITBUCKET_REDIRECT_JS),
        str(install / "index.js"),
        "--config",
        str(HERE / "app-config.yaml"),
        "--config",
        str(BITBUCKET_CONFIG),
    ]
    assert env[BITBUCKET_ENV] == "http://127.0.0.1:4321"


def test_commit_spelling_is_pinned_to_the_commit_not_the_branch(fake: FakeBitbucket, backstage_bb: Backstage) -> None:
    """``?at=`` is only a label for Backstage: after the branch moves on it still reads the commit."""
    repo = make_repo(fake)
    head = fake.put_file(WS, repo.slug, BRANCH, FILE, component(f"{repo.slug}-moved"))
    assert head != repo.commit

    resp = backstage_bb.add_location(repo.url("commit-at"), dry_run=True)

    assert resp.status_code == 201, resp.text
    assert names(resp.json()) == [f"{repo.slug}-feature"]
    assert [r.path for r in src_requests(fake, repo)] == [repo.api_src + f"{repo.commit}/{FILE}"]
