"""The plan/apply that keeps the locations registered in Backstage in step with discovery.

Every run plans from the catalog's current state (``GET /locations``), so a run interrupted
midway is completed by the next one, and a run with nothing new does nothing. Removals need
``prune``, a complete error-free discovery, stay within ``max_delete`` and only touch
locations under the managed prefix (the workspace's Bitbucket web URL) that this sync registered
itself (recorded in the state file) and whose descriptor Bitbucket confirms is gone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalint.atomic import write_atomic
from catalint.backstage.catalog import BackstageError, CatalogClient, Location
from catalint.sync.discovery import DiscoveryLike, trustworthy
from catalint.sync.report import SyncReport
from catalint.words import counted

STATE_VERSION = 2

# Whether a descriptor URL is really gone: True (Bitbucket says 404), False (still there), None (unknown).
Gone = Callable[[str], bool | None]


# ------------------------------------------------------------------ state


@dataclass
class SyncState:
    """url -> content digest seen at the last run, to refresh only what changed.

    Saved (atomically) after each registration and refresh, and once more at the end of the run,
    so a run killed midway leaves a file that matches what it did: the next run neither repeats
    those refreshes nor misses the ones it never got to (their old digest is still there).
    """

    path: Path | None
    digests: dict[str, str] = field(default_factory=dict)
    # Targets this sync registered: the only ones prune may ever remove.
    owned: set[str] = field(default_factory=set)

    @classmethod
    def load(cls, path: Path | None) -> SyncState:
        if path is None:
            return cls(None)
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return cls(path)
        except (OSError, ValueError) as err:
            raise BackstageError(f"cannot read state file {path}: {err}") from None
        digests = data.get("digests") if isinstance(data, dict) else None
        if not isinstance(digests, dict):
            raise BackstageError(f"state file {path} is not a catalint sync state file")
        owned = data.get("owned")
        if owned is None:
            # A version 1 file: it only ever held URLs sync had discovered, so it owns them.
            owned = list(digests)
        if not isinstance(owned, list):
            raise BackstageError(f"state file {path} is not a catalint sync state file")
        return cls(path, {str(k): str(v) for k, v in digests.items()}, {str(u) for u in owned})

    def save(self) -> None:
        if self.path is None:
            return
        record = {
            "version": STATE_VERSION,
            "digests": dict(sorted(self.digests.items())),
            "owned": sorted(self.owned),
        }
        write_atomic(self.path, json.dumps(record, indent=1) + "\n", sync=True)


# ------------------------------------------------------------------ plan/apply


def sync_backstage(
    client: CatalogClient,
    discovery: DiscoveryLike,
    report: SyncReport,
    *,
    managed_prefix: str,
    digests: Mapping[str, str | None] | None = None,
    invalid: Mapping[str, str] | None = None,
    include_invalid: bool = False,
    state: SyncState | None = None,
    prune: bool = False,
    max_delete: int = 5,
    dry_run: bool = False,
    gone: Gone | None = None,
) -> SyncReport:
    """Bring the catalog's url locations in step with ``discovery``; actions go to ``report``.

    ``digests`` maps a discovered URL to its content digest (None: could not be fetched); with a
    ``state`` they decide which registered locations get refreshed. Raises ``BackstageError``
    when the catalog cannot be read or a write fails; whatever was done before stays done.
    """
    state = state or SyncState(None)
    digests = digests or {}
    bad = dict(invalid or {})
    registered = client.locations()
    by_target: dict[str, Location] = {}
    for loc in registered:
        if loc.type == "url":
            by_target.setdefault(loc.target, loc)
    discovered = sorted(set(discovery.urls))

    try:
        for url in discovered:
            digest = digests.get(url)
            current = by_target.get(url)
            if current is not None:
                _maybe_refresh(client, report, state, url, current.entity_ref, digest, dry_run)
                continue
            if url in bad and not include_invalid:
                report.add("skipped", url, f"fails lint: {bad[url]}")
                continue
            checked = client.dry_run(url)
            if not checked.ok:
                report.add("rejected", url, f"Backstage rejects it: {checked.error}")
                continue
            if dry_run:
                report.add("added", url, "would register", checked.entity_ref)
                continue
            created = client.register(url)
            ref = created.entity_ref if created is not None else checked.entity_ref
            report.add("added", url, "" if created is not None else "already registered", ref)
            if created is not None:
                state.owned.add(url)
            if digest:
                state.digests[url] = digest
            state.save()  # after every action: a crash midway keeps the record of what was done
        candidates = _owned(registered, state, report, prune)
        _prune(client, discovery, report, candidates, discovered, managed_prefix, prune, max_delete, dry_run, gone)
    finally:
        if not dry_run:
            if trustworthy(discovery)[0]:  # a partial discovery must not forget what it did not see
                known = set(discovered)
                for url in list(state.digests):
                    if url not in known:
                        del state.digests[url]
            state.owned -= set(report.targets("removed"))
            state.save()
    return report


def _maybe_refresh(
    client: CatalogClient,
    report: SyncReport,
    state: SyncState,
    url: str,
    entity_ref: str | None,
    digest: str | None,
    dry_run: bool,
) -> None:
    if digest is None:
        return  # content unknown this run: keep the old digest, refresh nothing
    previous = state.digests.get(url)
    if previous == digest:
        return
    if previous is None or state.path is None:
        # First sighting (or no state kept): nothing to compare with; remember it (saved with the rest).
        state.digests[url] = digest
        return
    if entity_ref is None:
        report.add("skipped", url, "changed, but its location has no entityRef to refresh")
        return
    if dry_run:
        report.add("refreshed", url, "content changed (would refresh)", entity_ref)
        return
    if client.refresh(entity_ref):
        report.add("refreshed", url, "content changed", entity_ref)
    else:
        report.add("skipped", url, f"content changed, but {entity_ref} is not in the catalog (yet)")
    state.digests[url] = digest
    state.save()  # a crash after this refresh must not make the next run forget it


def _owned(registered: list[Location], state: SyncState, report: SyncReport, prune: bool) -> list[Location]:
    """The registered locations prune may consider: only those this sync registered."""
    if state.path is None:
        if prune:
            report.notes.append("prune needs --state: without it catalint cannot tell its registrations from others")
        return []
    return [loc for loc in registered if loc.target in state.owned]


def _prune(
    client: CatalogClient,
    discovery: DiscoveryLike,
    report: SyncReport,
    registered: list[Location],
    discovered: list[str],
    managed_prefix: str,
    prune: bool,
    max_delete: int,
    dry_run: bool,
    gone: Gone | None = None,
) -> None:
    known = set(discovered)
    stale = sorted(
        (
            loc
            for loc in registered
            if loc.type == "url" and loc.target.startswith(managed_prefix) and loc.target not in known
        ),
        key=lambda loc: (loc.target, loc.id),
    )
    if not stale:
        return
    ok, why = trustworthy(discovery)
    if prune and ok:
        # Not discovered is not gone: a search index lagging, or a path outside the search, would
        # otherwise remove a live registration. Only a file Bitbucket says is absent goes.
        verdicts = {loc.target: (gone(loc.target) if gone is not None else None) for loc in stale}
        for loc in stale:
            verdict = verdicts[loc.target]
            if verdict is not True:
                still = "its descriptor still exists" if verdict is False else "could not confirm its descriptor is gone"
                report.add("skipped", loc.target, f"not removed: {still}", loc.entity_ref)
        stale = [loc for loc in stale if verdicts[loc.target] is True]
        if not stale:
            return
    reason = ""
    if not prune:
        reason = "no longer discovered; pass --prune to remove"
    elif not ok:
        reason = f"not removed: {why}"
        report.notes.append(f"prune withheld for {counted(len(stale), 'location')}: {why}")
    elif len(stale) > max_delete:
        reason = f"not removed: {counted(len(stale), 'stale location')} exceed --max-delete {max_delete}"
        report.notes.append(
            f"{counted(len(stale), 'location')} would be removed, more than --max-delete {max_delete}; removed none"
        )
    if reason:
        for loc in stale:
            report.add("skipped", loc.target, reason, loc.entity_ref)
        return
    for loc in stale:
        if dry_run:
            report.add("removed", loc.target, "no longer discovered (would remove)", loc.entity_ref)
        elif client.delete_location(loc.id):
            report.add("removed", loc.target, "no longer discovered", loc.entity_ref)
        else:
            report.add("removed", loc.target, "no longer discovered (already gone)", loc.entity_ref)


def bitbucket_gone(client: Any) -> Gone:
    """Asks Bitbucket (through a `BitbucketClient`) whether a descriptor URL's file is gone."""
    from catalint.bitbucket.client import NOT_FOUND, OK
    from catalint.bitbucket.refs import RefResolver
    from catalint.bitbucket.urls import parse

    refs = RefResolver(client)

    def gone(url: str) -> bool | None:
        # Asked through the API, as lint reads it: the same answer lint's verdict was built on.
        parsed = parse(url, client.hosts)
        if parsed is None or parsed.escapes:
            return None
        located = refs.locate(parsed)
        reply = located.failure if located.loc is None else client.get(located.loc.api_url(client.hosts))
        outcome = reply.outcome if reply is not None else None
        return True if outcome == NOT_FOUND else False if outcome == OK else None

    return gone


def managed_prefix_for(web_url: str, workspace: str) -> str:
    return f"{web_url.rstrip('/')}/{workspace}/"
