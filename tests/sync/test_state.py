"""The sync state file: what a run records survives a round trip; a file that is not one is an error."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.backstage.catalog import BackstageError
from catalint.sync.backstage import SyncState


def test_state_round_trip_and_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "state.json"
    state = SyncState.load(path)
    assert state.digests == {}
    state.digests["u"] = "d"
    state.save()
    assert SyncState.load(path).digests == {"u": "d"}
    path.write_text("[1]")
    with pytest.raises(BackstageError, match="not a catalint sync state"):
        SyncState.load(path)
