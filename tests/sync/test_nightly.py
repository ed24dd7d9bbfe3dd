"""The nightly at scale on the fake Bitbucket: incremental runs, budget exhaustion and resume,
shards merged into one run, and sync from a merged result."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from catalint.bitbucket.discovery import shard_of
from catalint.config import Settings
from catalint.sync.state import NightlyState, Stored, load_state, parse_state
from tests.cli_run import invoke
from tests.fakes import FakeBitbucket

COMPONENT = (
    "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {name}\n"
    "  description:\n    $text: ./README.md\nspec:\n  type: service\n  lifecycle: production\n"
    "  owner: group:default/team\n  dependsOn: [component:default/{dep}]\n"
)
GROUP = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n"
REPOS = 12


def files_for(i: int, name: str | None = None) -> dict[str, str]:
    return {
        "catalog-info.yaml": COMPONENT.format(name=name or f"svc{i}", dep=f"svc{(i + 1) % REPOS}"),
        "README.md": f"service {i}\n",
    }


@pytest.fixture
def fake(fake_bitbucket: FakeBitbucket, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> FakeBitbucket:
    # `discover`, `merge` and `sync` keep their HTTP cache in the test's own folder, not the user's.
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("xdg-cache")))
    for i in range(REPOS):
        fake_bitbucket.add_repo("acme", f"r{i:02d}", project="P" if i % 2 else "Q", branches={"main": files_for(i)})
    fake_bitbucket.add_repo("acme", "org", project="P", branches={"main": {"catalog-info.yaml": GROUP}})
    return fake_bitbucket


def cli(fake: FakeBitbucket, *args: str) -> tuple[int, str, str]:
    env = {"CATALINT_BITBUCKET_URL": fake.web_url, "CATALINT_BITBUCKET_API_URL": fake.api_url}
    result = invoke(args, cache_home=lambda: Path(os.environ["XDG_CACHE_HOME"]), env=env)
    return result.exit_code, result.stdout, result.stderr


def night(fake: FakeBitbucket, state: Path, *extra: str) -> tuple[int, dict[str, object], list[str], str]:
    """One nightly run: exit code, JSON result, the paths Bitbucket was asked, stderr."""
    fake.reset_log()
    code, out, err = cli(fake, "lint", "--workspace", "acme", "--no-cache", "--state", str(state), "--format", "json", *extra)
    return code, json.loads(out) if out.strip() else {}, [r.path for r in fake.request_log], err


def findings(result: dict[str, object]) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in result["findings"])  # type: ignore[attr-defined]


def src_reads(paths: list[str]) -> list[str]:
    return sorted(p for p in paths if "/src/" in p)


# ------------------------------------------------------------------ state file
def test_state_round_trip_and_foreign_state_set_aside(tmp_path: Path) -> None:
    state = NightlyState("fp", run=3, full_from=1, pending=["u2"], stopped="budget")
    state.files["u1"] = Stored({"path": "u1"}, {"acme/r1": "2024|abc"}, 2, depth=1)
    path = tmp_path / "state.json"
    state.save(path)
    loaded, warning = load_state(path, "fp")
    assert warning == "" and loaded == state
    # Written with other settings: set aside with a warning, never reused.
    other, warning = load_state(path, "other")
    assert other.files == {} and "other settings" in warning
    for text, why in (("{not json", "not JSON"), ('{"format": "x"}', "not a catalint nightly state"), ('[1]', "not a catalint")):
        path.write_text(text)
        fresh, warning = load_state(path, "fp")
        assert fresh.files == {} and why in warning
    damaged = json.loads(state.to_json())
    damaged["files"]["u1"]["versions"] = {"acme/r1": 5}
    assert parse_state(json.dumps(damaged), "fp")[0] == NightlyState("fp", 3, 1, {}, ["u2"], "budget")


def test_corrupt_state_on_the_command_line_starts_afresh(fake: FakeBitbucket, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    state.write_bytes(b"\xff\xfe garbage")
    code, result, _, err = night(fake, state)
    assert code == 0 and "starting afresh" in err and "Traceback" not in err
    assert result["summary"]["files"] == REPOS + 1  # type: ignore[index]
    assert json.loads(state.read_text())["format"] == "catalint-nightly-state"


# ------------------------------------------------------------ incremental runs
def test_second_night_reuses_everything_and_a_change_refetches_only_that_repository(
    fake: FakeBitbucket, tmp_path: Path
) -> None:
    state = tmp_path / "state.json"
    code1, first, asked1, _ = night(fake, state)
    assert code1 == 0 and len(src_reads(asked1)) == 2 * REPOS + 1  # each descriptor, each README
    code2, second, asked2, _ = night(fake, state)
    assert code2 == 0 and findings(second) == findings(first)
    assert src_reads(asked2) == []  # discovery and listing only
    assert len(asked2) <= 0.2 * len(asked1)
    fake.put_file("acme", "r03", "main", "catalog-info.yaml", files_for(3)["catalog-info.yaml"].replace("svc4", "nowhere"))
    _, third, asked3, _ = night(fake, state)
    assert src_reads(asked3) == [
        "/2.0/repositories/acme/r03/src/main/README.md",
        "/2.0/repositories/acme/r03/src/main/catalog-info.yaml",
    ]
    new = set(findings(third)) - set(findings(first))
    assert len(new) == 1 and "component:default/nowhere" in new.pop()


def test_a_change_to_a_file_that_is_not_a_descriptor_is_picked_up(fake: FakeBitbucket, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    night(fake, state)
    fake.delete_file("acme", "r05", "main", "README.md")
    _, result, asked, _ = night(fake, state)
    assert "/2.0/repositories/acme/r05/src/main/README.md" in asked
    assert any(f["rule"] == "placeholder" and "r05" in f["path"] for f in result["findings"])  # type: ignore[attr-defined,index]


def test_a_deleted_descriptor_is_noticed(fake: FakeBitbucket, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    night(fake, state)
    fake.delete_file("acme", "r07", "main", "catalog-info.yaml")
    _, result, _, _ = night(fake, state)
    paths = {d["path"] for d in result["documents"]}  # type: ignore[attr-defined,index]
    assert not any("/r07/" in p for p in paths) and len(paths) == REPOS
    # svc6 depends on svc7, which is gone: the run-level check sees it although r06 was reused.
    assert any("component:default/svc7" in f["message"] for f in result["findings"])  # type: ignore[attr-defined,index]
    stored = json.loads(state.read_text())["files"]
    assert not any("/r07/" in url for url in stored)


def test_full_and_full_every_recheck_everything(fake: FakeBitbucket, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _, first, asked1, _ = night(fake, state, "--full-every", "3")
    _, _, asked, _ = night(fake, state, "--full")
    assert len(src_reads(asked)) == len(src_reads(asked1))
    _, _, asked, _ = night(fake, state, "--full-every", "3")
    assert src_reads(asked) == []
    _, _, asked, _ = night(fake, state, "--full-every", "3")
    assert src_reads(asked) == []
    _, again, asked, _ = night(fake, state, "--full-every", "3")  # the third run since the full one
    assert len(src_reads(asked)) == len(src_reads(asked1)) and findings(again) == findings(first)


# ------------------------------------------------------- budget and rate limit
def test_budget_exhaustion_stops_cleanly_and_the_next_runs_resume(fake: FakeBitbucket, tmp_path: Path) -> None:
    state = tmp_path / "state.json"
    _, whole, _, _ = night(fake, tmp_path / "reference.json")
    code, partial, _, err = night(fake, state, "--max-requests", "14")
    assert code == 0, err  # a partial night is warnings, not a failure
    assert "not verified this run" in err and "resumes" in err
    pending = partial["nightly"]["pending"]  # type: ignore[index]
    assert pending and partial["summary"]["unverified"] > 0  # type: ignore[index]
    assert not any(f["rule"] == "file-unreadable" for f in partial["findings"])  # type: ignore[attr-defined,index]
    assert json.loads(state.read_text())["pending"] == pending
    runs = 0
    result = partial
    while result["nightly"]["pending"]:  # type: ignore[index]
        runs += 1
        assert runs < 10, "the nightly does not converge"
        _, result, asked, _ = night(fake, state, "--max-requests", "14")
        # What the last run left is what this one starts with.
        assert any(p in asked for p in ("/2.0/repositories/acme/" + u.split("/acme/")[1] for u in pending))
        pending = result["nightly"]["pending"]  # type: ignore[index]
    assert findings(result) == findings(whole)


def test_rate_limit_headers_stop_the_run_before_429(fake: FakeBitbucket, tmp_path: Path) -> None:
    limit = fake.limit_rate(20)
    code, result, _, err = night(fake, tmp_path / "state.json")
    assert code == 0 and "rate limit" in err and limit.refused == 0
    assert result["nightly"]["stopped"] and result["nightly"]["pending"]  # type: ignore[index]
    fake.advance_time(3600)
    _, result, _, _ = night(fake, tmp_path / "state.json")
    assert len(result["nightly"]["pending"]) < REPOS  # type: ignore[index,arg-type]


# ------------------------------------------------------------- shards and merge
def test_shards_are_stable_when_repositories_are_added() -> None:
    names = [f"acme/repo-{i}" for i in range(400)]
    before = {n: shard_of(n, 4) for n in names}
    assert set(before.values()) == {1, 2, 3, 4}
    assert all(100 - 40 < list(before.values()).count(k) < 100 + 40 for k in (1, 2, 3, 4))
    after = {n: shard_of(n, 4) for n in [*names, *(f"acme/new-{i}" for i in range(100))]}
    assert all(after[n] == before[n] for n in names) and shard_of("ACME/Repo-1", 4) == before["acme/repo-1"]


def run_shards(fake: FakeBitbucket, tmp_path: Path, count: int, *extra: str) -> list[Path]:
    out = []
    for i in range(1, count + 1):
        path = tmp_path / f"shard{i}.json"
        code, _, err = cli(fake, "lint", "--workspace", "acme", "--no-cache", "--shard", f"{i}/{count}", "--output", f"json:{path}", *extra)
        assert code in (0, 1), err
        out.append(path)
    return out


def test_merge_of_shards_equals_the_single_job(fake: FakeBitbucket, tmp_path: Path) -> None:
    # A duplicate across repositories (and so, likely, across shards) and a broken descriptor.
    fake.put_file("acme", "r10", "main", "catalog-info.yaml", files_for(10, name="svc2")["catalog-info.yaml"])
    fake.put_file("acme", "r11", "main", "catalog-info.yaml", "kind: Component\nmetadata: {name: x}\n")
    single = tmp_path / "single.json"
    code_single, out_single, _ = cli(fake, "lint", "--workspace", "acme", "--no-cache", "--output", f"json:{single}")
    shards = run_shards(fake, tmp_path, 3)
    assert {len(json.loads(p.read_text())["nightly"]["discovery"]["urls"]) for p in shards} != {REPOS + 1}
    merged = tmp_path / "merged.json"
    code_merged, out_merged, _ = cli(fake, "merge", *map(str, reversed(shards)), "--output", f"json:{merged}")
    a, b = json.loads(single.read_text()), json.loads(merged.read_text())
    assert code_single == code_merged == 1
    assert findings(a) == findings(b) and a["summary"] == b["summary"]
    assert any(f["rule"] == "duplicate-entity" for f in b["findings"])
    assert out_single == out_merged  # the text report too
    plans = []
    for result in (single, merged):
        code, out, err = cli(fake, "sync", "file", "--from", str(result), str(tmp_path / "loc.yaml"), "--dry-run", "--format", "json")
        assert code == 0, err
        plans.append(json.loads(out)["actions"] if "actions" in out else out)
    assert plans[0] == plans[1]


def test_merge_refuses_what_it_cannot_merge(fake: FakeBitbucket, tmp_path: Path) -> None:
    plain = tmp_path / "plain.json"
    plain.write_text(json.dumps({"version": 1, "findings": []}))
    code, _, err = cli(fake, "merge", str(plain))
    assert code == 2 and "no nightly section" in err and len(err.strip().splitlines()) == 1
    shards = run_shards(fake, tmp_path, 2)
    code, _, err = cli(fake, "merge", str(shards[0]), str(shards[0]))
    assert code == 2 and "given twice" in err
    code, _, err = cli(fake, "sync", "file", "--from", str(shards[0]), str(tmp_path / "x.yaml"))
    assert code == 2 and "merge the shards first" in err


def test_prune_is_withheld_when_one_shard_is_incomplete(fake: FakeBitbucket, tmp_path: Path) -> None:
    location = tmp_path / "loc.yaml"
    shards = run_shards(fake, tmp_path, 2)
    merged = tmp_path / "merged.json"
    assert cli(fake, "merge", *map(str, shards), "--output", f"json:{merged}")[0] == 0
    assert cli(fake, "sync", "file", "--from", str(merged), str(location))[0] == 0
    gone = next(u for u in json.loads(merged.read_text())["nightly"]["discovery"]["urls"] if "/r04/" in u)
    fake.delete_file("acme", "r04", "main", "catalog-info.yaml")
    # Shard 1 runs out of requests this time: what it did not read is unknown.
    first = tmp_path / "again1.json"
    cli(fake, "lint", "--workspace", "acme", "--no-cache", "--shard", "1/2", "--max-requests", "4", "--output", f"json:{first}")
    assert json.loads(first.read_text())["nightly"]["stopped"]
    second = tmp_path / "again2.json"
    cli(fake, "lint", "--workspace", "acme", "--no-cache", "--shard", "2/2", "--output", f"json:{second}")
    assert cli(fake, "merge", str(first), str(second), "--output", f"json:{merged}")[0] in (0, 1)
    code, out, _ = cli(fake, "sync", "file", "--from", str(merged), str(location))
    assert code == 0 and gone in location.read_text() and "kept" in out
    # A shard whose discovery was incomplete: the same.
    shards = run_shards(fake, tmp_path, 2)
    data = json.loads(shards[0].read_text())
    data["nightly"]["discovery"]["complete"] = False
    shards[0].write_text(json.dumps(data))
    assert cli(fake, "merge", *map(str, shards), "--output", f"json:{merged}")[0] in (0, 1)
    assert json.loads(merged.read_text())["nightly"]["discovery"]["complete"] is False
    code, out, _ = cli(fake, "sync", "file", "--from", str(merged), str(location))
    assert code == 0 and gone in location.read_text() and "kept" in out
    # Both shards whole again: the entry goes.
    shards = run_shards(fake, tmp_path, 2)
    assert cli(fake, "merge", *map(str, shards), "--output", f"json:{merged}")[0] == 0
    cli(fake, "sync", "file", "--from", str(merged), str(location))
    assert gone not in location.read_text()


def test_nightly_options_need_a_workspace(tmp_path: Path, fake: FakeBitbucket) -> None:
    code, _, err = cli(fake, "lint", str(tmp_path), "--shard", "1/2")
    assert code == 2 and "--workspace" in err
    code, _, err = cli(fake, "lint", "--workspace", "acme", "--shard", "3/2")
    assert code == 2 and "1 <= I <= N" in err


def test_discover_takes_a_shard_too(fake: FakeBitbucket) -> None:
    found = []
    for i in (1, 2, 3):
        code, out, err = cli(fake, "discover", "--workspace", "acme", "--shard", f"{i}/3", "--format", "json")
        assert code == 0, err
        found.append(set(json.loads(out)["urls"]))
    assert sum(len(f) for f in found) == REPOS + 1 and len(set().union(*found)) == REPOS + 1
    for i, urls in enumerate(found, start=1):
        assert all(shard_of("acme/" + u.split("/acme/")[1].split("/")[0], 3) == i for u in urls)


def test_what_points_into_a_changed_repository_is_linted_again_and_nothing_more(
    fake: FakeBitbucket, tmp_path: Path
) -> None:
    location = (
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: hub\nspec:\n  targets:\n"
        f"    - ./more.yaml\n    - {fake.web_url}/acme/r08/src/main/catalog-info.yaml\n"
    )
    fake.add_repo("acme", "hub", project="P", branches={"main": {"catalog-info.yaml": location, "more.yaml": GROUP.replace("team", "hub-team")}})
    state = tmp_path / "state.json"
    night(fake, state)
    fake.put_file("acme", "r08", "main", "README.md", "changed\n")
    _, result, asked, _ = night(fake, state)
    assert src_reads(asked) == [
        "/2.0/repositories/acme/hub/src/main/catalog-info.yaml",  # names r08: linted again,
        "/2.0/repositories/acme/hub/src/main/more.yaml",  # its targets checked again (not linted)
        "/2.0/repositories/acme/r08/src/main/README.md",
        "/2.0/repositories/acme/r08/src/main/catalog-info.yaml",
    ]
    assert any(d["path"].endswith("/hub/src/main/more.yaml") for d in result["documents"])  # type: ignore[attr-defined,index]
    stored = json.loads(state.read_text())["files"]
    assert stored[f"{fake.web_url}/acme/hub/src/main/more.yaml"]["run"] == 1  # taken from the state, not linted


def test_a_shard_says_how_many_repositories_it_left_to_the_others(fake: FakeBitbucket, tmp_path: Path) -> None:
    """Nothing is skipped silently: each shard counts the repositories it saw and left to the others,
    and the counts of all shards add up to what the others kept."""
    left = []
    for i in (1, 2):
        code, out, err = cli(fake, "discover", "-w", "acme", "--shard", f"{i}/2", "--format", "json")
        assert code == 0, err
        payload = json.loads(out)
        left.append(payload["other_shards"])
        assert f"shard {i}/2: " in err and "left to them" in err
        code, _, err = cli(fake, "lint", "--workspace", "acme", "--no-cache", "--shard", f"{i}/2")
        assert code in (0, 1) and f"shard {i}/2: {left[-1]} " in err
    code, out, _ = cli(fake, "discover", "-w", "acme", "--format", "json")
    repos = {u.split("/")[4] for u in json.loads(out)["urls"]}
    assert "other_shards" not in json.loads(out)
    assert sum(left) == len(repos) and all(left)


def test_merge_refuses_a_shard_number_no_run_could_have_written(fake: FakeBitbucket, tmp_path: Path) -> None:
    """A shard 0/0 or 5/4 would make an incomplete union look complete, and a prune follow from it."""
    shard = run_shards(fake, tmp_path, 2)[0]
    for bad in ([0, 0], [5, 4], [True, 2], "1/2"):
        data = json.loads(shard.read_text())
        data["nightly"]["shard"] = bad
        edited = tmp_path / "edited.json"
        edited.write_text(json.dumps(data))
        code, _, err = cli(fake, "merge", str(edited))
        assert code == 2 and "shard" in err and len(err.strip().splitlines()) == 1, (bad, err)


def test_the_nightly_section_is_one_type_written_and_read_alike(fake: FakeBitbucket, tmp_path: Path) -> None:
    """What a workspace run writes, merge reads back as the same Section, and writes as it read it."""
    from catalint.sync.merge import merge
    from catalint.sync.nightly import Section, SectionError

    code, result, _, _ = night(fake, tmp_path / "state.json")
    assert code in (0, 1)
    section = Section.from_json(result, "night.json")
    assert section.to_json() == result["nightly"]
    assert section.files and all(dump["path"] == path for path, (dump, _, _) in section.files.items())
    merged = merge([section], Settings())
    assert Section.from_json({"nightly": merged.extra["nightly"]}, "merged").files == section.files
    damaged = json.loads(json.dumps(result))
    damaged["nightly"]["files"][0]["depth"] = "deep"
    with pytest.raises(SectionError, match=r"damaged\.json: a file entry of the nightly section is damaged"):
        Section.from_json(damaged, "damaged.json")


def test_a_reused_result_keeps_its_stored_dump() -> None:
    """Night after night, a result taken from the state goes into the section as stored, not dumped again."""
    from catalint.bitbucket.discovery import Listing
    from catalint.facts import FileResult
    from catalint.lint import cache as cachemod
    from catalint.sources.bitbucket import RemoteRoot
    from catalint.sync.nightly import Nightly, NightlyOptions

    url = "https://bitbucket.org/acme/r1/src/main/catalog-info.yaml"
    nightly = Nightly(NightlyOptions(), "acme", Settings(), flavour="", warn=lambda _: None)
    nightly.listing = Listing({"acme/r1": "2026-01-01"})
    stored = cachemod.dump(FileResult(url, digest="d1"))
    nightly.state.files[url] = Stored(stored, {"acme/r1": "2026-01-01|"}, 1)
    reused, dirty, _ = nightly.split([RemoteRoot(url)], lambda _: None)
    assert dirty == [] and len(reused) == 1
    nightly.combine([RemoteRoot(url)], reused, [])
    assert nightly.section.files[url][0] is stored
