"""The pack's fold (lint/fold.py): what its plain entries declare, refer to and hold, summed.

A run whose report shows some files reads the fold for the others, so the fold must stay the
sum of exactly the plain entries the pack holds, whatever runs came before; a run answered
through it must say what a run without a cache says; and a pack that is damaged, cut short or
whose fold disagrees with its entries is never trusted."""

from __future__ import annotations

import dataclasses
import os
import random
import zlib
from collections.abc import Collection, Iterable, Mapping
from pathlib import Path

import pytest

from catalint.config import Settings
from catalint.facts import FileResult
from catalint.lint import cache as cachemod
from catalint.lint.cache import ResultCache, decode_entry, encode_entry, is_lazy, lazy_entry
from catalint.lint.fold import Fold, FoldError, part_of
from catalint.lint.run import LintRequest, run
from catalint.model import DocumentSummary, Finding, RunResult, Severity, Span
from tests.descriptors import HEADER, group, location

NAMES = [f"svc-{i}" for i in range(6)]


def _component(rng: random.Random) -> str:
    """A Component (or two) named from a few names, so that duplicates happen, whose owner and
    dependencies may or may not be declared, now and then with a directive."""
    docs = []
    for _ in range(rng.choice([1, 1, 2])):
        silence = "  # catalint: disable=unresolved-ref" if rng.random() < 0.15 else ""
        targets = rng.sample([*NAMES, "missing"], k=rng.randint(0, 2))
        depends = f"  dependsOn: [{', '.join(f'component:{t}' for t in targets)}]\n" if targets else ""
        docs.append(
            f"{HEADER}kind: Component\nmetadata:\n  name: {rng.choice(NAMES)}\nspec:\n  type: service\n"
            f"  lifecycle: production\n  owner: {rng.choice(['team-a', 'nobody'])}{silence}\n{depends}"
        )
    if rng.random() < 0.1:
        docs.append(f"{HEADER}kind: Component\nmetadata:\n  name: {rng.choice(NAMES)}\nspec:\n  type: 7\n")
    return "---\n".join(docs)


def _mutate(rng: random.Random, root: Path) -> None:
    files = sorted(root.rglob("catalog-info.yaml"))
    for path in rng.sample(files, k=min(len(files), rng.randint(0, 3))):
        action = rng.choice(["rewrite", "remove", "touch"])
        if action == "rewrite":
            path.write_text(_component(rng))
        elif action == "remove":
            path.unlink()
        else:
            os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 10**9))
    for _ in range(rng.randint(0, 2)):
        folder = root / f"d{rng.randint(0, 30)}"
        folder.mkdir(exist_ok=True)
        (folder / "catalog-info.yaml").write_text(_component(rng))
    if rng.random() < 0.2:  # a Location whose target comes and goes: its entry is not plain
        (root / "loc").mkdir(exist_ok=True)
        (root / "loc" / "catalog-info.yaml").write_text(location("./other.yaml", name="loc"))
        target = root / "loc" / "other.yaml"
        if target.exists():
            target.unlink()
        else:
            target.write_text(group("team-a"))


def _shown(chosen: set[str]) -> object:
    def shown(linted: Mapping[str, Iterable[str]]) -> Collection[str]:
        return {path for path in linted if path in chosen}

    return shown


def _said(result: RunResult, chosen: set[str] | None) -> tuple[object, ...]:
    """What a report can show: the findings of the files it shows (a run without a cache makes
    every file's, and the cached run counts those of files it does not show), and how many
    there are in all; the documents (of every file, in order), digests, relations, and deps."""
    return (
        sorted((f for f in result.findings if chosen is None or f.path in chosen), key=lambda f: f.sort_key()),
        len(result.findings) + result.elided,
        result.unverified,
        result.documents,
        result.digests,
        result.relations,
        dict(result.deps),
    )


def _lint(root: Path, cache: Path | None, chosen: set[str] | None) -> RunResult:
    shown = _shown(chosen) if chosen is not None else None
    request = LintRequest(paths=[root], settings=Settings(), cwd=root, cache_dir=cache, shown=shown)  # type: ignore[arg-type]
    return run(request)


def _catalog(root: Path, rng: random.Random, count: int) -> None:
    """`count` folders d0, d1, ... each with a random descriptor (`_component`)."""
    for i in range(count):
        (root / f"d{i}").mkdir(parents=True, exist_ok=True)
        (root / f"d{i}" / "catalog-info.yaml").write_text(_component(rng))


def _forge(pack: Path, lines: list[str]) -> None:
    """Write `lines` as the pack's, its checksum made again (as a hand edit that knows the format)."""
    text = "".join(line + "\n" for line in lines).encode()
    pack.write_bytes(text + b"end\t%08x\n" % zlib.crc32(text))


def _pack(cache: Path) -> Path:
    (pack,) = cache.rglob("*.pack")
    return pack


def _folds(pack: Path) -> tuple[Fold, Fold]:
    """The pack's fold, and the fold made afresh of its plain entries."""
    _, fold_line, *lines = pack.read_text().split("\n")
    assert fold_line.startswith("fold\t") and lines[-1] == "" and lines[-2].startswith("end\t")
    made = Fold()
    for line in lines[:-2]:
        _, body = line.split("\t", 1)
        if body.startswith("p"):
            result = decode_entry(body)
            made.add(part_of(result))
    return Fold.decode(fold_line[5:]), made


@pytest.mark.parametrize("seed", range(6))
def test_the_fold_stays_the_sum_of_the_pack_and_runs_through_it_say_what_uncached_ones_do(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    root.mkdir()
    (root / "teams").mkdir()
    (root / "teams" / "catalog-info.yaml").write_text(group("team-a"))
    for i in range(rng.randint(4, 10)):
        (root / f"d{i}").mkdir()
        (root / f"d{i}" / "catalog-info.yaml").write_text(_component(rng))
    lazy_runs = 0
    for _ in range(8):
        paths = sorted(p.relative_to(root).as_posix() for p in root.rglob("catalog-info.yaml"))
        # (None: a run that shows every file, which reads every result and makes the fold afresh)
        chosen = None if rng.random() < 0.3 else set(rng.sample(paths, k=rng.randint(0, 2)))
        cached = _lint(root, cache, chosen)
        assert _said(cached, chosen) == _said(_lint(root, None, chosen), chosen), seed
        lazy_runs += chosen is not None
        stored, made = _folds(_pack(cache))
        assert stored == made, seed
        _mutate(rng, root)
    assert lazy_runs


def test_files_that_are_not_shown_are_served_undecoded_and_named_in_the_fold(tmp_path: Path) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    for name in ("a", "b", "c"):
        (root / name).mkdir(parents=True)
        (root / name / "catalog-info.yaml").write_text(_component(random.Random(name)))
    _lint(root, cache, None)
    store = ResultCache(cache, _pack(cache).stem, lazy=True)
    lines = store._entries()
    served = [store.get(key, decode_entry(line, len(key) + 1).path) for key, line in list(lines.items())]
    assert served and all(result is not None and is_lazy(result) for result in served)
    assert all(isinstance(result, FileResult) for result in served)
    keys = [cachemod.declared_keys(result) for result in served if result is not None]
    assert all(is_lazy(result) for result in served)  # (the entities they declare are in their headers)
    assert keys == [part_of(result).declared for result in served if result is not None]
    store.save()
    assert store.fold.members == 3 and sorted(store.fold.declared) == sorted(
        {key for result in served if result is not None for key in part_of(result).declared}
    )


def test_a_lazy_result_decodes_its_index_on_first_use_and_is_then_an_ordinary_one() -> None:
    doc = DocumentSummary("a.yaml", 0, 1, "Component", "component:default/a", True)
    body = encode_entry(FileResult("a.yaml", documents=[doc], digest="d" * 64, deps={"/x": None}))
    result = lazy_entry(body, 0, "a.yaml")
    assert is_lazy(result) and result.digest == "d" * 64 and result.deps == {"/x": None}
    assert result.documents == [doc] and not is_lazy(result) and type(result) is cachemod.CachedResult
    copy = dataclasses.replace(lazy_entry(body, 0, "a.yaml"), path="b.yaml")
    assert copy.path == "b.yaml" and copy.documents == [dataclasses.replace(doc, path="a.yaml")] and not is_lazy(copy)
    assert copy.findings == [] and copy.lines == ""
    # The findings and kept lines of a lazy result: its index is decoded to find them.
    finding = Finding("field-format", Severity.WARNING, "bad", "a.yaml", Span(1, 1, 1, 2), 0, None)
    told = lazy_entry(encode_entry(FileResult("a.yaml", findings=[finding], lines="1\tx\n")), 0, "a.yaml")
    assert is_lazy(told) and told.lines == "1\tx\n" and not is_lazy(told) and told.findings == [finding]
    # An entry with directives is never lazy: its findings are silenced one by one.
    silenced = lazy_entry(encode_entry(FileResult("a.yaml", disabled_file=frozenset({"all"}))), 0, "a.yaml")
    assert not is_lazy(silenced) and silenced.disabled_file == frozenset({"all"})


@pytest.mark.parametrize("damage", ["checksum", "cut", "fold count", "fold declares nothing"])
def test_a_damaged_pack_or_fold_is_never_trusted(tmp_path: Path, damage: str) -> None:
    rng = random.Random(damage)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _catalog(root, rng, 5)
    _lint(root, cache, None)
    pack = _pack(cache)
    head, fold, *rest = pack.read_text().split("\n")
    if damage == "checksum":  # one entry's finding changed under an unchanged checksum
        rest[0] = rest[0].replace('"', "'", 1) if rest[0].count('"') else rest[0] + " "
        pack.write_text("\n".join([head, fold, *rest]))
    elif damage == "cut":
        pack.write_text("\n".join([head, fold, *rest[:2]]) + "\n")
    else:  # a fold that is not the sum of the entries, under a checksum that holds
        wrong = Fold.decode(fold[5:])
        if damage == "fold count":
            wrong.members += 1
        else:  # (caught when the run takes away a file it reads: the entities it declares)
            wrong.declared = {}
        _forge(pack, [head, "fold\t" + wrong.encode(), *rest[:-2]])
    chosen = {"d0/catalog-info.yaml"}
    uncached = _said(_lint(root, None, chosen), chosen)
    assert _said(_lint(root, cache, chosen), chosen) == uncached
    assert _said(_lint(root, cache, chosen), chosen) == uncached  # and from the pack written back


def test_taking_from_the_fold_what_it_does_not_hold_is_refused() -> None:
    fold = Fold()
    result = FileResult("a.yaml", documents=[DocumentSummary("a.yaml", 0, 1, "Group", "group:default/x", True)])
    with pytest.raises(FoldError):
        fold.remove(part_of(result))
    fold.add(part_of(result))
    fold.remove(part_of(result))
    assert fold == Fold()
    with pytest.raises(FoldError):
        Fold.decode('{"not": "a fold"}')


@pytest.mark.parametrize("size", [1, 2, 7, 64, 4096])
def test_a_pack_read_a_few_bytes_at_a_time_is_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: int) -> None:
    store = ResultCache(tmp_path)
    for i in range(12):
        store.remember_stat(f"/r/{i}", f"{i} 2 3 4", f"k{i}", "b" * 40)
        store.put(f"k{i}", FileResult(f"f{i}.yaml", digest="a" * 64, disabled_file=frozenset({"all"}) if i == 3 else frozenset()))
    store.save()
    monkeypatch.setattr(cachemod, "_READ", size)
    again = ResultCache(tmp_path, lazy=True)
    assert sorted(again._entries()) == sorted(f"k{i}" for i in range(12))
    assert again._fold is not None and again._fold.members == 11 and len(again._old_stats) == 12
    # cut anywhere, the pack is no pack
    data = store.path.read_bytes()
    store.path.write_bytes(data[: len(data) // 3])
    assert ResultCache(tmp_path)._entries() == {}
