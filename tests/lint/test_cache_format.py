"""Cache format 8: an entry's kept lines stand apart from its index and are decoded only when
read; a damaged or cut entry is relinted, never a traceback; stat records of files seen again
are kept as read, and the first line is written in slices that make the same JSON object."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest

from catalint.config import Settings
from catalint.facts import FileResult
from catalint.lint import cache as cachemod
from catalint.lint.cache import CachedResult, ResultCache, decode_entry, encode_entry
from catalint.lint.run import LintRequest, run
from catalint.model import Finding, Severity, Span
from tests.descriptors import component

FINDING = Finding("field-format", Severity.WARNING, "bad", "a.yaml", Span(2, 1, 2, 4), 0, None)


def _result() -> FileResult:
    return FileResult("a.yaml", findings=[FINDING], lines="2\tname: A\n", digest="d" * 64)


def test_kept_lines_are_decoded_only_when_read() -> None:
    cached = decode_entry(encode_entry(_result()))
    assert isinstance(cached, CachedResult) and not cached.decoded
    assert cached.lines == "2\tname: A\n" and not cached.decoded  # the findings still wait
    assert cached.findings == [FINDING] and cached.decoded
    cached.lines = ""
    assert cached.lines == ""


@pytest.mark.parametrize(
    "damage",
    [
        lambda body: body.replace('"2\\tname: A\\n"', "42"),  # lines that are no JSON string
        lambda body: body.replace("\t", " ", 1),  # the index and the lines run together
        lambda body: body.rsplit("\t", 1)[0],  # no findings part
        lambda body: body[: len(body) // 2],  # cut in half
        lambda body: '["a.yaml"]\t""\t[]',  # an index with too few parts
        lambda body: body.replace("]\t", "]x\t", 1),  # more after the index
        lambda body: "\t" + body,  # no index at all
    ],
)
def test_a_damaged_entry_is_refused(damage: object) -> None:
    body = encode_entry(_result())
    with pytest.raises((ValueError, TypeError)):
        decode_entry(damage(body))  # type: ignore[operator]


def test_kept_lines_damaged_inside_their_string_read_as_none() -> None:
    body = encode_entry(_result()).replace('"2\\tname: A\\n"', '"no number\\n"')
    assert decode_entry(body).lines == ""  # the finding is then fingerprinted by its message


def _pack(cache: Path) -> Path:
    (pack,) = cache.rglob("*.pack")
    return pack


def _lint(root: Path, cache: Path) -> list[tuple[str, str, int]]:
    result = run(LintRequest(paths=[root], settings=Settings(), cwd=root, cache_dir=cache))
    return [(f.rule, f.path, f.span.line) for f in result.findings]


@pytest.mark.parametrize("how", ["garbage", "format 7", "cut"])
def test_damaged_pack_entries_are_relinted(tmp_path: Path, how: str) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    for i in range(3):
        (root / f"s{i}").mkdir(parents=True)
        (root / f"s{i}" / "catalog-info.yaml").write_text(component(f"s{i}", owner="nobody"))
    first = _lint(root, cache)
    assert first
    pack = _pack(cache)
    head, *lines = pack.read_text().split("\n")
    if how == "garbage":
        lines = [line[:65] + "[garbage" + line[65:] for line in lines]  # (after the key and its tab)
    elif how == "format 7":  # the kept lines back inside the index, as format 7 had them
        lines = [line.replace("]\t", ',"1\\tx\\n"]\t', 1).replace('\t"', "\t", 1) for line in lines]
    else:
        lines = [lines[0][: len(lines[0]) // 2]]
    pack.write_text("\n".join([head, *lines]))
    assert _lint(root, cache) == first
    assert _lint(root, cache) == first  # and the pack written back serves them


def test_a_warm_run_keeps_the_pack_and_a_vanished_file_drops_its_record(tmp_path: Path) -> None:
    root, cache = tmp_path / "repo", tmp_path / "cache"
    for i in range(3):
        (root / f"s{i}").mkdir(parents=True)
        (root / f"s{i}" / "catalog-info.yaml").write_text(component(f"s{i}"))
    _lint(root, cache)
    pack = _pack(cache)
    before = pack.stat().st_mtime_ns, pack.read_text()
    _lint(root, cache)
    assert (pack.stat().st_mtime_ns, pack.read_text()) == before  # nothing to write
    (root / "s1" / "catalog-info.yaml").unlink()
    _lint(root, cache)
    records = json.loads(pack.read_text().split("\n", 1)[0])
    assert len(records) == 2 and not any("s1" in record for record in records)


def test_the_stat_records_written_in_slices_are_one_json_object(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cachemod, "_STATS_SLICE", 2)
    store = ResultCache(tmp_path)
    records = {f"/r/{i}\0s{i}\0url": f"{i} 2 3 4 {'k' * 64} {'b' * 40}" for i in range(5)}
    store.put("k" * 64, FileResult("a.yaml"))  # (a record is kept with the result it names)
    for i, real in enumerate(records):
        store.remember_stat(real, f"{i} 2 3 4", "k" * 64, "b" * 40)
    store.save()
    head = store.path.read_text().split("\n", 1)[0]
    assert json.loads(head) == records and head == json.dumps(records, separators=(",", ":"))


def test_kept_entries_written_back_in_slices_are_every_one_of_them(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cachemod, "_KEPT_SLICE", 2)
    store = ResultCache(tmp_path)
    results = {f"k{i}": FileResult(f"f{i}.yaml", findings=[FINDING], lines=f"{i + 1}\tx\n") for i in range(5)}
    for key, result in results.items():
        store.put(key, result)
    store.save()
    again = ResultCache(tmp_path)
    assert all(again.get(key) is not None for key in results)  # kept: written back as read
    again.put("k5", FileResult("f5.yaml"))
    again.save()
    lines = again.path.read_text().split("\n")
    # the records, the fold, six entries, the checksum, the last newline
    assert lines[-1] == "" and lines[-2].startswith("end\t") and len(lines) == 1 + 1 + 6 + 1 + 1
    last = ResultCache(tmp_path)
    for key, result in results.items():
        hit = last.get(key)
        assert hit is not None and hit.path == result.path and hit.lines == result.lines and hit.findings == [replace(FINDING, path=result.path)]
