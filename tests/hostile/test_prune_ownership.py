"""Item 2: prune removes only locations this sync registered, and only once their file is gone."""

from __future__ import annotations

import json
from pathlib import Path

from catalint.sync.backstage import SyncState
from tests.cli_run import RunCli
from tests.sync.test_sync_backstage_e2e import World, actions, world

__all__ = ["world"]  # the fixture: one workspace on the fake, Backstage shared by the session


def test_prune_spares_hand_registered_and_live_locations(world: World) -> None:
    ours_gone, ours_live = world.add("own-gone"), world.add("own-live")
    result, _ = world.sync([ours_gone, ours_live])
    assert result.exit_code == 0, result.output
    hand_gone, hand_live = world.add("hand-gone"), world.add("hand-live")
    for url in (hand_gone, hand_live):
        world.backstage.add_location(url).raise_for_status()
    for repo in ("own-gone", "hand-gone"):
        world.fake.delete_file(world.ws, repo, "main", "catalog-info.yaml")

    # Discovery (complete, error-free) finds nothing: a search index lagging behind, say.
    result, report = world.sync([], "--prune", "--max-delete", "10")
    assert result.exit_code == 0, result.output
    assert actions(report, "removed") == [ours_gone]
    assert world.our_locations() == sorted([hand_gone, hand_live, ours_live])
    skipped = {a["target"]: a["reason"] for a in report["actions"] if a["action"] == "skipped"}
    assert skipped == {ours_live: "not removed: its descriptor still exists"}
    state = json.loads(world.state.read_text())
    assert state["owned"] == [ours_live]


def test_prune_without_state_removes_nothing(world: World, run_cli: RunCli) -> None:
    url = world.add("no-state")
    world.sync([url])
    world.fake.delete_file(world.ws, "no-state", "main", "catalog-info.yaml")
    found = world.tmp / "empty.json"
    found.write_text(json.dumps({"urls": [], "complete": True, "errors": []}))
    args = ["sync", "-w", world.ws, "--to", "backstage", "--web-url", world.fake.web_url]
    args += ["--backstage-url", world.backstage.url, "--discovery-file", str(found), "--prune", "--format", "json"]
    result = run_cli(*args, env={"BACKSTAGE_TOKEN": world.backstage.token})
    assert result.exit_code == 0, result.output
    assert "`sync --to backstage` is deprecated" in result.stderr  # the legacy spelling still runs
    report = json.loads(result.stdout)
    assert actions(report, "removed") == [] and "prune needs --state" in " ".join(report["notes"])
    assert world.our_locations() == [url]


def test_a_version_1_state_file_owns_what_it_recorded(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    path.write_text(json.dumps({"version": 1, "digests": {"https://b/x": "d1"}}))
    state = SyncState.load(path)
    assert state.owned == {"https://b/x"}
    state.save()
    assert json.loads(path.read_text())["owned"] == ["https://b/x"]
