"""One run's result from the JSON results of N shards (`catalint merge`), and what `sync --from`
reads of a result.

Each shard's JSON report carries a `nightly` section: its discovery, and every file's result as
linted, before the run-level checks. Merging takes the union of the files (one result per file:
a shard may have followed a Location into another shard's repository), orders them as a single
job does, and runs the run-level checks (duplicates, references, catalog rules) over the union
with the very function a lint run uses — so the findings, the exit code and every report are
those of one job over the whole workspace. Discovery is complete only when every shard 1..N is
there and each was complete: otherwise sync withholds its prune.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from catalint.config import Settings
from catalint.facts import FileResult, Origin
from catalint.lint import cache as cachemod
from catalint.lint.run import finish
from catalint.model import Finding, RunResult, Severity, Span
from catalint.sync.discovery import Discovered
from catalint.sync.nightly import FileEntry, Section, SectionError


class MergeError(Exception):
    """A result that cannot be merged or read: one line, exit 2."""


def shard_of_json(name: str, data: Any) -> Section:
    """The `nightly` section of the JSON result `data`, read from `name`."""
    try:
        return Section.from_json(data, name)
    except SectionError as err:
        raise MergeError(str(err)) from None


def read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as err:
        raise MergeError(f"cannot read {path}: {type(err).__name__}") from None


def _coverage(shards: Sequence[Section]) -> list[str]:
    """What keeps the shards from being the whole workspace, if anything."""
    problems: list[str] = []
    if len({s.workspace.lower() for s in shards}) > 1:
        raise MergeError(f"the results are of different workspaces: {', '.join(sorted({s.workspace for s in shards}))}")
    split = [s.shard for s in shards if s.shard is not None]
    if not split:
        return problems
    if len(split) != len(shards) or len({n for _, n in split}) > 1:
        raise MergeError("the results mix different --shard counts (or sharded and whole runs)")
    count = split[0][1]
    seen = [i for i, _ in split]
    if len(seen) != len(set(seen)):
        raise MergeError(f"a shard is given twice: {sorted(seen)}")
    problems.extend(f"shard {i}/{count} is missing" for i in range(1, count + 1) if i not in seen)
    return problems


def _files(shards: Sequence[Section]) -> list[tuple[FileResult, Origin, int, dict[str, Any]]]:
    """One result per file, the nearest to a root, in (depth, URL) order as a single job has them;
    each with its dump as the shard wrote it."""
    best: dict[str, FileEntry] = {}
    for shard in shards:
        for path, entry in shard.files.items():
            known = best.get(path)
            if known is None or entry[2] < known[2]:
                best[path] = entry
    out = []
    for path, (dump, origin, depth) in sorted(best.items(), key=lambda item: (item[1][2], item[0])):
        try:
            loaded = cachemod.load(dump)
        except (KeyError, TypeError, ValueError, IndexError):
            raise MergeError(f"the result of {path} is damaged") from None
        out.append((loaded, origin, depth, dump))
    return out


def merge(shards: Sequence[Section], settings: Settings) -> RunResult:
    """The result one job over every shard's repositories gives."""
    if not shards:
        raise MergeError("nothing to merge")
    problems = _coverage(shards)
    files = _files(shards)
    # The dumps as the shards wrote them: taken before the run-level checks add their findings.
    merged = {r.path: (dump, o, d) for r, o, d, dump in files}
    result = finish([f[0] for f in files], [f[1] for f in files], settings)
    section = _section_of(shards, problems, merged)
    resumed = set(section.pending) if section.stopped else set()
    _unreadable(result, [f[0] for f in files], section.discovery.urls, resumed)
    result.extra["nightly"] = section.to_json()
    return result


def _section_of(shards: Sequence[Section], problems: list[str], files: dict[str, FileEntry]) -> Section:
    """The merged result's own nightly section: what `sync --from` and a further merge read."""
    complete = not problems and all(s.discovery.complete for s in shards)
    return Section(
        shards[0].workspace,
        None,
        Discovered(
            sorted({u for s in shards for u in s.discovery.urls}),
            complete,
            [*problems, *(e for s in shards for e in s.discovery.errors)],
        ),
        files,
        next((s.stopped for s in shards if s.stopped), None),
        sorted({u for s in shards for u in s.pending}),
    )


def _unreadable(result: RunResult, files: Sequence[FileResult], urls: Sequence[str], resumed: set[str]) -> None:
    """Descriptors that could not be read, as a single job lists them (those a stopped run left
    for the next one are unverified, not unreadable)."""
    by_path = {r.path: r for r in files}
    for url in urls:
        linted = by_path.get(url)
        if linted is not None and linted.digest is None and url not in resumed:
            result.unreadable[url] = next((f.message for f in linted.findings), "could not be read")


def result_of(data: Any, name: str) -> tuple[RunResult, Discovered, str]:
    """What `sync --from` needs of a JSON result: its findings and digests, its discovery and workspace."""
    shard = shard_of_json(name, data)
    if shard.shard is not None:
        raise MergeError(f"{name} is one shard ({shard.shard[0]}/{shard.shard[1]}); merge the shards first")
    result = RunResult()
    findings = data.get("findings") if isinstance(data, dict) else None
    for item in findings if isinstance(findings, list) else []:
        try:
            span = Span(int(item["line"]), int(item["column"]), int(item["end_line"]), int(item["end_column"]))
            result.findings.append(
                Finding(str(item["rule"]), Severity.parse(str(item["severity"])), str(item["message"]), str(item["path"]), span)
            )
        except (KeyError, TypeError, ValueError):
            raise MergeError(f"{name}: a finding is damaged") from None
    for path, (dumped, _, _) in shard.files.items():
        if isinstance(dumped.get("digest"), str):
            result.digests[path] = dumped["digest"]
    discovery = shard.discovery
    if shard.stopped:
        # Descriptors a stopped run never read are unknown: nothing may be removed on that basis.
        discovery = Discovered(discovery.urls, False, [*discovery.errors, f"the run stopped early: {shard.stopped}"])
    return result, discovery, shard.workspace
