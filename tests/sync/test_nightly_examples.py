"""The sharded nightly examples: a GitHub matrix workflow (actionlint, inputs checked against
action.yml by the example tests in tests/container) and its Bitbucket Pipelines equivalent."""

from __future__ import annotations

from typing import Any

from tests.container.support import ROOT, load_yaml
from tests.container.test_metadata import ACTION_REF, pipe_steps, steps

MATRIX = ROOT / "examples" / "github" / "nightly-matrix.yml"
PIPELINES = ROOT / "examples" / "bitbucket-pipelines-nightly.yml"


def test_github_matrix_shards_then_merges_and_syncs() -> None:
    data = load_yaml(MATRIX)
    assert "schedule" in data[True]
    shard, merge = data["jobs"]["shard"], data["jobs"]["merge"]
    shards = shard["strategy"]["matrix"]["shard"]
    assert shards == [1, 2, 3, 4] and shard["strategy"]["fail-fast"] is False
    (lint,) = [s for s in shard["steps"] if ACTION_REF.match(s.get("uses", ""))]
    assert lint["with"]["fail-on"] == "never" and "--shard ${{ matrix.shard }}/4" in lint["with"]["extra-args"]
    assert lint["with"]["json-file"] == "catalint-shard-${{ matrix.shard }}.json"
    assert "matrix.shard" in lint["with"]["bitbucket-token"]  # one token per shard is possible
    cache = next(s for s in shard["steps"] if s.get("uses", "").startswith("actions/cache@"))
    assert "matrix.shard" in cache["with"]["key"] and ".catalint/nightly.json" in lint["with"]["extra-args"]
    upload = next(s for s in shard["steps"] if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert upload["with"]["path"] == lint["with"]["json-file"]
    assert merge["needs"] == "shard" and "cancelled()" in merge["if"]
    runs = [s["run"] for s in steps(MATRIX) if "run" in s]
    assert any(r.startswith("catalint merge catalint-shard-*.json") for r in runs)
    assert any("catalint sync backstage --from catalint.json" in r and "--prune" in r for r in runs)


def _pipe_variables(step: dict[str, Any]) -> dict[str, Any]:
    (pipe,) = pipe_steps(step)
    variables: dict[str, Any] = pipe["variables"]
    return variables


def test_bitbucket_pipelines_parallel_shards_then_merge() -> None:
    known = {v["name"] for v in load_yaml(ROOT / "pipe.yml")["variables"]}
    data = load_yaml(PIPELINES)
    (parallel, merge) = data["pipelines"]["custom"]["catalog-nightly"]
    shard_steps = [s["step"] for s in parallel["parallel"]["steps"]]
    assert len(shard_steps) == 4 and parallel["parallel"]["fail-fast"] is False
    for index, step in enumerate(shard_steps, start=1):
        variables = _pipe_variables(step)
        assert set(variables) <= known, set(variables) - known
        assert variables["EXTRA_ARGS"][:2] == ["--shard", f"{index}/4"]
        assert variables["JSON_FILE"] in step["artifacts"]
        assert step["caches"] == [f"catalint-shard-{index}"]
        assert data["definitions"]["caches"][f"catalint-shard-{index}"] in variables["EXTRA_ARGS"][3]
    script = " ".join(merge["step"]["script"])
    assert "catalint merge catalint-shard-*.json" in script and "catalint sync backstage --from catalint.json" in script
    assert merge["step"]["image"].startswith("catalint/catalint:")
