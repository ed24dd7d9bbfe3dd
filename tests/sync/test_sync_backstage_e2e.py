"""End to end: fake Bitbucket serves descriptors, `catalint sync backstage` drives a REAL
Backstage backend (tests/backstage harness), and we watch entities appear and disappear.

Discovery comes from a saved result (--discovery-file) built from the fake's URLs, so the
complete/incomplete cases are exact; the real `discover` is used when it is importable.
"""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import descriptors
from tests.backstage.harness import Backstage
from tests.cli_run import CliResult, RunCli
from tests.fakes.bitbucket import FakeBitbucket

WS_PREFIX = "e2e"


def component(name: str, description: str = "first") -> bytes:
    return descriptors.component(name, description=description).encode()


class World:
    """One workspace on the fake, unique per test (the Backstage is shared by the session)."""

    def __init__(
        self, fake: FakeBitbucket, backstage: Backstage, tmp: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
    ) -> None:
        self.fake, self.backstage, self.tmp, self.run_cli = fake, backstage, tmp, run_cli
        self.ws = f"{WS_PREFIX}-{uuid.uuid4().hex[:8]}"
        self.state = tmp / "state.json"
        for var in ("BITBUCKET_TOKEN", "BITBUCKET_USERNAME", "BITBUCKET_APP_PASSWORD", "GITHUB_STEP_SUMMARY"):
            monkeypatch.delenv(var, raising=False)
        monkeypatch.setenv("CATALINT_BITBUCKET_API_URL", fake.api_url)  # sync lints through the API

    def name(self, repo: str) -> str:
        return f"{self.ws}-{repo}"

    def add(self, repo: str, data: bytes | None = None) -> str:
        self.fake.add_repo(
            self.ws, repo, branches={"main": {"catalog-info.yaml": data or component(self.name(repo))}}
        )
        return self.url(repo)

    def url(self, repo: str) -> str:
        return f"{self.fake.web_url}/{self.ws}/{repo}/src/main/catalog-info.yaml"

    def ref(self, repo: str) -> str:
        return f"component:default/{self.name(repo)}"

    def sync(
        self,
        urls: list[str],
        *extra: str,
        complete: bool = True,
        errors: list[str] | None = None,
        url: str | None = None,
        token: str | None = None,
    ) -> tuple[CliResult, dict[str, Any]]:
        found = self.tmp / "discovery.json"
        found.write_text(json.dumps({"urls": urls, "complete": complete, "errors": errors or []}))
        args = [
            "sync",
            "backstage",
            "--workspace",
            self.ws,
            "--web-url",
            self.fake.web_url,
            "--backstage-url",
            url or self.backstage.url,
            "--discovery-file",
            str(found),
            "--state",
            str(self.state),
            "--format",
            "json",
            *extra,
        ]
        env = {"BACKSTAGE_TOKEN": token or self.backstage.token}
        result = self.run_cli(*args, env=env)
        try:
            report = json.loads(result.stdout)
        except ValueError:
            report = {}
        return result, report

    def our_locations(self) -> list[str]:
        prefix = f"{self.fake.web_url}/{self.ws}/"
        return sorted(loc["target"] for loc in self.backstage.locations() if loc["target"].startswith(prefix))


@pytest.fixture
def world(
    fake_bitbucket: FakeBitbucket, backstage: Backstage, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli
) -> Iterator[World]:
    yield World(fake_bitbucket, backstage, tmp_path, monkeypatch, run_cli)


def actions(report: dict[str, Any], kind: str) -> list[str]:
    return [a["target"] for a in report["actions"] if a["action"] == kind]


def test_register_refresh_noop_and_prune(world: World) -> None:
    a, b = world.add("svc-a"), world.add("svc-b")
    result, report = world.sync([a, b], "--prune")
    assert result.exit_code == 0, result.output
    assert sorted(actions(report, "added")) == [a, b]
    assert world.backstage.wait_for_entity(world.ref("svc-a"))["metadata"]["description"] == "first"
    world.backstage.wait_for_entity(world.ref("svc-b"))
    assert world.our_locations() == [a, b]

    # Nothing changed upstream: the second run does nothing at all.
    result, report = world.sync([a, b], "--prune")
    assert result.exit_code == 0 and report["actions"] == [] and not any(report["counts"].values())

    # An edit upstream: refreshed, and the catalog picks it up.
    world.fake.put_file(
        world.ws, "svc-a", "main", "catalog-info.yaml", component(world.name("svc-a"), "second")
    )
    result, report = world.sync([a, b], "--prune")
    assert actions(report, "refreshed") == [a] and actions(report, "added") == []
    refreshed = next(x for x in report["actions"] if x["action"] == "refreshed")
    assert refreshed["entity_ref"].startswith("location:default/generated-")
    _wait_description(world, "svc-a", "second")

    # Deleted upstream, but discovery was partial: nothing is pruned.
    world.fake.delete_file(world.ws, "svc-b", "main", "catalog-info.yaml")
    result, report = world.sync([a], "--prune", complete=False)
    assert result.exit_code == 0
    assert actions(report, "removed") == [] and actions(report, "skipped") == [b]
    assert "incomplete" in report["actions"][0]["reason"]
    assert world.our_locations() == [a, b]
    assert world.backstage.get_entity(world.ref("svc-b")) is not None
    assert b in json.loads(world.state.read_text())["digests"]  # a partial run forgets nothing

    # Same with a discovery error, and without --prune.
    _, report = world.sync([a], "--prune", errors=["project PLAT: HTTP 429"])
    assert actions(report, "removed") == [] and "429" in report["notes"][0]
    _, report = world.sync([a])
    assert actions(report, "removed") == [] and "--prune" in report["actions"][0]["reason"]

    # Complete discovery + --prune: the location goes, and so does its entity.
    result, report = world.sync([a], "--prune")
    assert result.exit_code == 0 and actions(report, "removed") == [b]
    world.backstage.wait_until_absent(world.ref("svc-b"), timeout=10)
    assert world.our_locations() == [a]
    assert world.backstage.get_entity(world.ref("svc-a")) is not None
    assert sorted(json.loads(world.state.read_text())["digests"]) == [a]


def test_invalid_descriptors_skipped_by_lint_or_rejected_by_backstage(world: World) -> None:
    good = world.add("good")
    bad = world.add("bad", component("Bad Name With Spaces!"))
    _, report = world.sync([good, bad])
    assert actions(report, "added") == [good]
    assert actions(report, "skipped") == [bad]
    assert report["actions"][0]["reason"].startswith("fails lint:")
    assert world.our_locations() == [good]

    _, report = world.sync([good, bad], "--include-invalid")
    assert actions(report, "rejected") == [bad]
    reason = report["actions"][0]["reason"]
    assert reason.startswith("Backstage rejects it:") and '"metadata.name" is not valid' in reason
    assert world.our_locations() == [good]  # the dry run stored nothing


def test_max_delete_and_managed_prefix_guard(world: World) -> None:
    urls = [world.add(f"m{i}") for i in range(3)]
    foreign = f"{world.fake.web_url}/someone-else-{world.ws}/x/src/main/catalog-info.yaml"
    world.backstage.add_location(foreign)  # not ours: never touched
    world.sync(urls)
    assert world.our_locations() == sorted(urls)
    for i in range(3):  # prune removes only what is gone upstream
        world.fake.delete_file(world.ws, f"m{i}", "main", "catalog-info.yaml")

    _, report = world.sync([], "--prune", "--max-delete", "2")
    assert actions(report, "removed") == [] and sorted(actions(report, "skipped")) == sorted(urls)
    assert "more than --max-delete 2" in " ".join(report["notes"])
    assert world.our_locations() == sorted(urls)

    _, report = world.sync([], "--prune", "--dry-run", "--max-delete", "3")
    assert sorted(actions(report, "removed")) == sorted(urls) and report["dry_run"] is True
    assert world.our_locations() == sorted(urls)

    _, report = world.sync([], "--prune", "--max-delete", "3")
    assert sorted(actions(report, "removed")) == sorted(urls)
    assert world.our_locations() == []
    assert foreign in [loc["target"] for loc in world.backstage.locations()]


def test_interrupted_run_is_completed_by_the_next(world: World) -> None:
    a, b = world.add("i-a"), world.add("i-b")
    world.backstage.add_location(a).raise_for_status()  # as if the last run died after one registration
    _, report = world.sync([a, b])
    assert actions(report, "added") == [b]
    assert world.our_locations() == [a, b]


def test_backstage_down_or_token_rejected_exit_2_and_remove_nothing(world: World) -> None:
    a = world.add("d-a")
    world.sync([a])
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = f"http://127.0.0.1:{sock.getsockname()[1]}"
    result, _ = world.sync([], "--prune", url=dead)
    assert result.exit_code == 2
    assert f"Backstage at {dead} is not reachable" in result.stderr

    result, report = world.sync([], "--prune", token="wrong-token-123")
    assert result.exit_code == 2
    assert "rejected the token (401" in result.stderr
    assert "wrong-token-123" not in result.output and world.backstage.token not in result.output
    assert report["actions"] == []
    assert world.our_locations() == [a]


def test_real_discovery(world: World) -> None:
    a = world.add("r-a")
    args = [
        "sync",
        "backstage",
        "-w",
        world.ws,
        "--web-url",
        world.fake.web_url,
        "--backstage-url",
        world.backstage.url,
        "--format",
        "json",
    ]
    env = {"BACKSTAGE_TOKEN": world.backstage.token, "CATALINT_BITBUCKET_API_URL": world.fake.api_url}
    result = world.run_cli(*args, env=env)
    assert result.exit_code == 0, result.output
    assert world.our_locations() == [a]


def _wait_description(world: World, repo: str, expected: str, timeout: float = 15.0) -> None:
    import time

    deadline = time.monotonic() + timeout
    while True:
        entity = world.backstage.get_entity(world.ref(repo))
        if entity is not None and entity["metadata"].get("description") == expected:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{world.ref(repo)} still not {expected!r}: {entity and entity['metadata']}")
        time.sleep(0.2)


def test_offline_prune_removes_nothing_it_cannot_confirm(world: World) -> None:
    a, b = world.add("off-a"), world.add("off-b")
    result, _ = world.sync([a, b])
    assert result.exit_code == 0, result.output
    result, report = world.sync([a], "--prune", "--offline", "--include-invalid")
    assert result.exit_code == 0, result.output
    assert actions(report, "removed") == [] and actions(report, "skipped") == [b]
    assert world.our_locations() == [a, b]
