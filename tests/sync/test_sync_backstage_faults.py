"""Failure modes end to end: fake Bitbucket -> catalint sync -> a fault-injecting proxy -> REAL Backstage.

5xx answers and a run SIGKILLed midway must leave the catalog consistent, remove nothing, and the
next (clean) run must complete the work without repeating what was already done.
"""

from __future__ import annotations

import json
import os
import subprocess

from tests.cli_run import CLI
from tests.sync.fault_proxy import Fault, FaultProxy
from tests.sync.test_sync_backstage_e2e import World, actions, component, world

__all__ = ["world"]  # the fixture, shared with the end-to-end tests

LOCATIONS = "/api/catalog/locations"
REFRESH = "/api/catalog/refresh"


def test_5xx_reading_locations_exits_2_and_changes_nothing(world: World) -> None:
    a, gone = world.add("f-a"), world.add("f-gone")
    world.sync([a, gone])
    assert world.our_locations() == [a, gone]
    with FaultProxy(world.backstage.url, lambda m, p, n: Fault(503) if m == "GET" else None) as proxy:
        result, report = world.sync([a], "--prune", url=proxy.url)
    assert result.exit_code == 2
    assert "Backstage failed: GET /locations -> 503" in result.stderr
    assert report["actions"] == [] and "stopped: Backstage failed" in report["notes"][-1]
    assert proxy.faults == [("GET", LOCATIONS)]
    assert world.our_locations() == [a, gone]


def test_5xx_midway_keeps_what_was_done_and_the_next_run_completes_it(world: World) -> None:
    stale = world.add("f-stale")
    world.sync([stale])
    world.fake.delete_file(world.ws, "f-stale", "main", "catalog-info.yaml")  # prune removes only the gone
    new = [world.add(f"f-new{i}") for i in range(3)]

    def second_registration_fails(method: str, path: str, seen: int) -> Fault | None:
        # dry runs and registrations share the path; the 4th POST is the 2nd real registration
        return Fault(500) if method == "POST" and path == LOCATIONS and seen == 4 else None

    with FaultProxy(world.backstage.url, second_registration_fails) as proxy:
        result, report = world.sync(new, "--prune", url=proxy.url)
    assert result.exit_code == 2, result.output
    assert "Backstage failed: POST /locations -> 500" in result.stderr
    assert proxy.faults == [("POST", LOCATIONS)]
    assert actions(report, "added") == [new[0]]
    assert actions(report, "removed") == []  # the run stopped before pruning anything
    assert world.our_locations() == sorted([stale, new[0]])
    state = json.loads(world.state.read_text())["digests"]
    assert new[0] in state and new[1] not in state  # the record matches what was done

    result, report = world.sync(new, "--prune")
    assert result.exit_code == 0, result.output
    assert actions(report, "added") == new[1:] and actions(report, "removed") == [stale]
    assert world.our_locations() == sorted(new)
    for repo in ("f-new0", "f-new1", "f-new2"):
        world.backstage.wait_for_entity(world.ref(repo))

    result, report = world.sync(new, "--prune")
    assert result.exit_code == 0 and report["actions"] == []


def test_run_killed_midway_keeps_the_record_of_its_refreshes(world: World) -> None:
    repos = ["k-a", "k-b", "k-c"]
    urls = [world.add(r) for r in repos]
    result, _ = world.sync(urls)
    assert result.exit_code == 0, result.output
    for repo in repos:
        world.fake.put_file(world.ws, repo, "main", "catalog-info.yaml", component(world.name(repo), "edited"))

    def kill_at_second_refresh(method: str, path: str, seen: int) -> Fault | None:
        return Fault(kill=True) if method == "POST" and path == REFRESH and seen == 2 else None

    discovery = world.tmp / "discovery.json"
    discovery.write_text(json.dumps({"urls": urls, "complete": True, "errors": []}))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("BITBUCKET_", "GITHUB_STEP"))}
    env["BACKSTAGE_TOKEN"] = world.backstage.token
    with FaultProxy(world.backstage.url, kill_at_second_refresh) as proxy:
        proc = subprocess.Popen(
            [
                *CLI,
                "sync",
                "backstage",
                "-w",
                world.ws,
                "--web-url",
                world.fake.web_url,
                "--backstage-url",
                proxy.url,
                "--discovery-file",
                str(discovery),
                "--state",
                str(world.state),
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        proxy.victim_pid = proc.pid
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == -9, (out, err)
    assert proxy.faults == [("POST", REFRESH)]

    # The catalog is consistent (nothing half-registered or lost); the next run refreshes only
    # what the killed run had not: k-a was refreshed and recorded before the kill.
    assert world.our_locations() == urls
    result, report = world.sync(urls)
    assert result.exit_code == 0, result.output
    assert actions(report, "refreshed") == urls[1:]
    result, report = world.sync(urls)
    assert result.exit_code == 0 and report["actions"] == []
