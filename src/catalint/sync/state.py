"""The nightly's memory between runs: what each repository looked like, and each file's result.

A file's stored result is reused only while every repository it read from (its own, and those its
Bitbucket URLs name) still shows the version it showed when the file was linted. A repository's
version joins what two independent signals say: `updated_on` from the workspace listing and the
commit hashes code search gives for its descriptors. Either changing makes the file dirty, so a
signal that changes for nothing costs requests; `--full` (and `full-every N runs`) re-checks
everything, for a change neither signal saw.

The file is small JSON, versioned and written atomically. One that cannot be read, is not ours,
or was written with other settings is set aside with a warning: the run then starts afresh.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalint.atomic import write_atomic
from catalint.lint import cache as cachemod
from catalint.model import Relation

FORMAT = "catalint-nightly-state"
VERSION = 1


@dataclass(slots=True)
class Stored:
    """One file's result as a run left it (a `lint.cache` dump), with what it was valid for."""

    result: dict[str, Any]
    versions: dict[str, str]  # repository -> its version when the file was linted
    run: int  # the run that linted it
    depth: int = 0


@dataclass(slots=True)
class NightlyState:
    fingerprint: str = ""
    run: int = 0  # runs so far
    full_from: int = 0  # results linted before this run are stale: a full pass is under way
    files: dict[str, Stored] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # roots the last run could not verify, to go first
    stopped: str | None = None  # why the last run stopped early, if it did

    def to_json(self) -> str:
        payload = {
            "format": FORMAT,
            "version": VERSION,
            "fingerprint": self.fingerprint,
            "run": self.run,
            "full_from": self.full_from,
            "pending": self.pending,
            "stopped": self.stopped,
            "files": {
                url: {"result": s.result, "versions": s.versions, "run": s.run, "depth": s.depth}
                for url, s in sorted(self.files.items())
            },
        }
        return json.dumps(payload, separators=(",", ":"), ensure_ascii=False)

    def save(self, path: Path) -> None:
        write_atomic(path, self.to_json(), sync=True)


def _stored(value: Any) -> Stored | None:
    if not isinstance(value, dict):
        return None
    result, versions, run = value.get("result"), value.get("versions"), value.get("run")
    if not isinstance(result, dict) or not isinstance(versions, dict) or not isinstance(run, int):
        return None
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in versions.items()):
        return None
    depth = value.get("depth")
    return Stored(result, dict(versions), run, depth if isinstance(depth, int) else 0)


def _header_problem(data: Any, fingerprint: str | None) -> str:
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        return "it is not a catalint nightly state"
    if data.get("version") != VERSION:
        return f"it has version {data.get('version')!r}, this catalint reads {VERSION}"
    if fingerprint is not None and data.get("fingerprint") != fingerprint:
        return "it was written with other settings, credentials or catalint version"
    if not isinstance(data.get("run"), int) or not isinstance(data.get("full_from"), int):
        return "it is damaged"
    return "" if isinstance(data.get("files"), dict) else "it is damaged"


def parse_state(text: str, fingerprint: str | None) -> tuple[NightlyState | None, str]:
    """The state in `text`, or (None, why it is not usable); a `fingerprint` of None takes a
    state written with any settings."""
    try:
        data = json.loads(text)
    except ValueError:
        return None, "it is not JSON"
    problem = _header_problem(data, fingerprint)
    if problem:
        return None, problem
    state = NightlyState(str(data["fingerprint"]), data["run"], data["full_from"])
    for url, value in data["files"].items():
        stored = _stored(value)
        if isinstance(url, str) and stored is not None:
            state.files[url] = stored
    pending = data.get("pending")
    state.pending = [u for u in pending if isinstance(u, str)] if isinstance(pending, list) else []
    stopped = data.get("stopped")
    state.stopped = stopped if isinstance(stopped, str) else None
    return state, ""


def load_state(path: Path | None, fingerprint: str) -> tuple[NightlyState, str]:
    """The state at `path` (a fresh one when there is none), and a warning when one was set aside."""
    fresh = NightlyState(fingerprint)
    if path is None:
        return fresh, ""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return fresh, ""
    except (OSError, UnicodeDecodeError) as err:
        return fresh, f"nightly state {path} cannot be read ({type(err).__name__}); starting afresh"
    state, why = parse_state(text, fingerprint)
    if state is None:
        return fresh, f"nightly state {path} is set aside: {why}; starting afresh"
    return state, ""


def stored_relations(path: Path) -> tuple[list[Relation], str]:
    """The relations of every file the nightly state at `path` keeps, and a warning when it cannot
    be read. Whatever settings wrote it: the references a file makes do not depend on them. An entry
    written in another result format is passed over, like a state set aside."""
    try:
        state, why = parse_state(path.read_text(encoding="utf-8"), None)
    except (OSError, UnicodeDecodeError) as err:
        return [], f"nightly state {path} cannot be read ({type(err).__name__}); its referrers are not known"
    if state is None:
        return [], f"nightly state {path} is not used: {why}; its referrers are not known"
    relations: list[Relation] = []
    skipped = 0
    for stored in state.files.values():
        try:
            relations.extend(cachemod.load(stored.result).relations())
        except (KeyError, TypeError, ValueError, IndexError):
            skipped += 1
    warning = f"nightly state {path}: {skipped} stored file results are damaged or of another format, their referrers are not known"
    return relations, warning if skipped else ""


def default_state_path(cache_root: Path, workspace: str, shard: tuple[int, int] | None) -> Path:
    name = workspace.lower().replace("/", "_") + (f"-shard{shard[0]}of{shard[1]}" if shard else "")
    return cache_root / "nightly" / f"{name}.json"

