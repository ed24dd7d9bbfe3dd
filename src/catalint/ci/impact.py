"""What a change does to the rest of the catalog: entities it removes or renames that others still
refer to (`breaks-references`).

The base side is read from git: the descriptors the change modifies or deletes, at the merge base,
parsed by the same YAML loader and named by the same entity identity as the head side. A document
that declares another entity at the same position of the same file is a rename; an entity the
checkout no longer declares anywhere else was removed. Whoever still refers to the old name comes
from the head-side run (the checkout's descriptors, and the workspace's when `--workspace`
discovery ran, fetched or taken with their references from the nightly `--state`; with `--state`
alone, the workspace's as that state keeps them) and from a live catalog (`--backstage-url`). Entities the checkout declares are
judged by their head-side version only: another copy of them (the workspace's or the catalog's,
read from the base branch) may still hold the references this change updates.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from catalint.ci.changes import ChangesError, ChangeSet, FileDiff, GitFailed, Repo
from catalint.model import Finding, Relation, RunResult, Severity, Span
from catalint.redact import redact_url
from catalint.report.paths import is_url
from catalint.resolve.globs import glob_match
from catalint.rules import breaks_references as rule
from catalint.rules.breaks_references import Broken, Referrer
from catalint.sources.files import DEFAULT_NAMES, display_path

MAX_BYTES = 2 * 1024 * 1024


@dataclass(slots=True)
class ImpactOptions:
    severity: Severity | None = rule.SEVERITY  # None: the rule is off
    include: tuple[str, ...] = ()  # the config's include globs: which deleted files were descriptors
    max_bytes: int = MAX_BYTES
    # Builds the catalog client for `--backstage-url`; None: no catalog is asked.
    catalog: Callable[[], Any] | None = None
    # Relations the run did not make but may name referrers: the workspace's, as the nightly state
    # of `--state` without `--workspace` keeps them. Asked only when the change breaks something.
    elsewhere: Callable[[], list[Relation]] | None = None


@dataclass(slots=True)
class Impact:
    findings: list[Finding] = field(default_factory=list)
    broken: list[Broken] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)  # catalog referrers, for the graph
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class _Entity:
    key: str
    span: Span


def entities_in(text: str) -> dict[int, _Entity]:
    """Document index -> the entity it declares (with the span of its name), as lint names it."""
    from catalint.rules.base import EntityDoc
    from catalint.yaml.loader import load_text

    found: dict[int, _Entity] = {}
    for doc in load_text(text).documents:
        ref = EntityDoc(doc, doc.data, "").ref
        if ref is not None:
            found[doc.index] = _Entity(ref.key, doc.span(("metadata", "name")))
    return found


def _is_descriptor(rel: str, include: Iterable[str]) -> bool:
    return PurePosixPath(rel).name in DEFAULT_NAMES or any(glob_match(rel, p) for p in include)


def _base_files(changes: ChangeSet, linted: set[str], cwd: Path, include: tuple[str, ...]) -> list[str]:
    """Repository-relative paths of the descriptors the change modified or deleted."""
    modified = [rel for rel, diff in changes.files.items() if not diff.whole]
    wanted = [rel for rel in modified if display_path(changes.root / rel, cwd) in linted]
    wanted.extend(rel for rel in changes.removed if _is_descriptor(rel, include))
    return sorted(wanted)


def read_blobs(repo: Repo, commit: str, rels: list[str], max_bytes: int) -> dict[str, str]:
    """The files `rels` at `commit` that are files there and at most `max_bytes`: two git
    processes for all of them (their sizes, then their bytes), whatever their names hold."""
    if not rels:
        return {}
    # Literal: a name with `*` or `:` in it is that file, never a pattern.
    listing = repo.run("--literal-pathspecs", "ls-tree", "-z", "-l", "--full-tree", commit, "--", *rels)
    wanted: list[tuple[str, str]] = []  # (object id, path)
    for record in listing.split("\0"):
        meta, _, rel = record.partition("\t")
        fields = meta.split()
        if len(fields) == 4 and fields[1] == "blob" and fields[3].isdigit() and int(fields[3]) <= max_bytes:
            wanted.append((fields[2], rel))
    texts: dict[str, str] = {}
    if not wanted:
        return texts
    out = repo.feed(["cat-file", "--batch"], "".join(f"{oid}\n" for oid, _ in wanted).encode())
    at = 0
    for _, rel in wanted:  # git answers in the order asked: a header line, the bytes, a newline
        header_end = out.index(b"\n", at)
        size = int(out[at:header_end].split()[2])
        texts[rel] = out[header_end + 1 : header_end + 1 + size].decode("utf-8", errors="replace")  # U+FFFD, as Backstage
        at = header_end + 1 + size + 1
    return texts


def _head_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _broken_in_file(
    rel: str, before: dict[int, _Entity], head_keys: set[str], changes: ChangeSet, cwd: Path
) -> list[Broken]:
    absolute = changes.root / rel
    shown = display_path(absolute, cwd)
    gone = {index: entity for index, entity in before.items() if entity.key not in head_keys}
    if not gone:
        return []
    deleted = rel in changes.removed
    # Read once: its entities and its length both come from this one reading.
    text = None if deleted else _head_text(absolute)
    now = entities_in(text) if text is not None else {}
    old_keys = {entity.key for entity in before.values()}
    diff = changes.files.get(rel, FileDiff())
    found = []
    for index, entity in sorted(gone.items()):
        successor = now.get(index)
        if successor is not None and successor.key not in old_keys:
            found.append(Broken(entity.key, successor.key, shown, successor.span, index))
        elif deleted:
            found.append(Broken(entity.key, None, shown, entity.span, index))
        else:
            lines = max(1, text.count("\n")) if text is not None else 1
            line = min(diff.new_line(entity.span.line), lines)
            found.append(Broken(entity.key, None, shown, Span.point(line), index))
    return found


def find_broken(
    result: RunResult, changes: ChangeSet, cwd: Path, options: ImpactOptions, head_keys: set[str] | None = None
) -> list[Broken]:
    """The entities of the base that the checkout no longer declares, renamed or removed."""
    files = _base_files(changes, set(result.deps), cwd, options.include)
    if not files:
        return []
    texts = read_blobs(Repo(changes.root), changes.base, files, options.max_bytes)
    head_keys = local_keys(result) if head_keys is None else head_keys
    broken: list[Broken] = []
    seen: set[str] = set()
    for rel in files:
        text = texts.get(rel)
        if text is None:
            continue
        for item in _broken_in_file(rel, entities_in(text), head_keys, changes, cwd):
            if item.old not in seen:
                seen.add(item.old)
                broken.append(item)
    return broken


def local_keys(result: RunResult) -> set[str]:
    """The entities the checkout declares (files read from Bitbucket are other copies)."""
    url: dict[str, bool] = {}  # a file's documents share its path: ask about each path once
    # (the documents not made are of local files: see lint/fold.is_plain)
    documents, keys = result.entities_named()
    for d in documents:
        if d.entity:
            remote = url.get(d.path)
            if remote is None:
                # (without a `:` there is no scheme, and urlsplit is the costly part)
                remote = url[d.path] = ":" in d.path and is_url(d.path)
            if not remote:
                keys.add(d.entity)
    return keys


def _run_referrers(relations: Iterable[Relation], target: str, stale: set[str]) -> list[Referrer]:
    found = []
    for relation in relations:
        if relation.target != target or relation.source == target:
            continue
        remote = is_url(relation.path)
        if remote and relation.source in stale:
            continue
        source = "workspace" if remote else "checkout"
        found.append(Referrer(relation.source, relation.field, f"{relation.path}:{relation.line}", source))
    return found


class _Catalog:
    """The live catalog, asked once per broken entity; after a failure, asked no more."""

    def __init__(self, build: Callable[[], Any] | None) -> None:
        self.build = build
        self.client: Any = None
        self.problem: str | None = None

    def referrers(self, target: str, skip: set[str]) -> tuple[list[Referrer], bool]:
        from catalint.backstage.catalog import BackstageError
        from catalint.backstage.lookup import catalog_referrers

        if self.build is None or self.problem is not None:
            return [], False
        try:
            self.client = self.client or self.build()
            found, more = catalog_referrers(self.client, target)
        except BackstageError as err:
            self.problem = str(err)
            return [], False
        return [Referrer(r.entity, r.field, r.location, "catalog") for r in found if r.entity not in skip], more


def analyse(result: RunResult, changes: ChangeSet, cwd: Path, options: ImpactOptions) -> Impact:
    """`breaks-references` findings for a change (none when the rule is off)."""
    impact = Impact()
    if options.severity is None or all(is_url(path) for path in result.deps):
        return impact  # without the checkout's head side, nothing can be told removed
    head_keys = local_keys(result)
    try:
        impact.broken = find_broken(result, changes, cwd, options, head_keys)
    except (GitFailed, ChangesError, ValueError, OSError) as err:
        why = redact_url(" ".join(str(err).split()))
        impact.warnings.append(f"could not read the base side of the change, so no reference was checked for breaks: {why}")
        return impact
    stale = head_keys | {b.old for b in impact.broken}
    catalog = _Catalog(options.catalog)
    # (read only when something broke: a run's relations are built when first read)
    relations: list[Relation] = []
    if impact.broken:
        relations = result.relations if options.elsewhere is None else [*result.relations, *options.elsewhere()]
    for broken in impact.broken:
        referrers = _run_referrers(relations, broken.old, stale)
        known = stale | {r.entity for r in referrers if r.entity}
        from_catalog, more = catalog.referrers(broken.old, known)
        impact.relations.extend(Relation(r.entity, r.field, broken.old, r.where, 0) for r in from_catalog)
        referrers.extend(from_catalog)
        if referrers:
            impact.findings.append(rule.finding(broken, referrers, options.severity, more))
    if catalog.problem is not None:
        impact.warnings.append(
            f"could not ask the Backstage catalog who refers to the {len(impact.broken)} entities this change "
            f"removes or renames ({catalog.problem}); only the linted files were searched"
        )
    return impact


def impact_options(
    settings: Any,
    backstage_url: str | None,
    backstage_token: str | None,
    elsewhere: Callable[[], list[Relation]] | None = None,
) -> ImpactOptions:
    """The impact analysis of `catalint lint`: the rule's configured severity, the config's
    include globs, the catalog of `--backstage-url` when one is given, and relations kept
    `elsewhere` (a nightly state's)."""
    catalog: Callable[[], Any] | None = None
    if backstage_url:
        from catalint.backstage.catalog import CatalogClient

        url = backstage_url

        def catalog() -> Any:
            return CatalogClient(url, backstage_token, timeout=(5.0, 30.0))

    return ImpactOptions(
        settings.severity_for(rule.ID, rule.SEVERITY),
        tuple(settings.include),
        settings.max_file_size,
        catalog,
        elsewhere,
    )
