"""yamllint on libyaml's tokens must report exactly what it reports on PyYAML's own scanner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from bench.generate import generate
from catalint import style
from catalint.config import DEFAULT_YAMLLINT

REPO = Path(__file__).resolve().parents[2]
FOLDERS = [REPO.parent / "shared" / "corpus" / "real" / "files", REPO / "tests" / "conformance" / "cases", REPO / "examples"]
STRICT = "extends: default\n"


def _texts(extra: Path) -> Iterator[tuple[str, str]]:
    for folder in [*FOLDERS, extra]:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".json"):
                try:
                    yield path.name, path.read_text(encoding="utf-8").removeprefix("\ufeff")
                except UnicodeDecodeError:
                    continue


def _pure_scanner_reads(text: str) -> bool:
    """PyYAML's scanner gives up on some input libyaml reads (tab-indented JSON, for one); there
    the two cannot agree, and libyaml's reading is the one Backstage's parser shares."""
    if "\ufeff" in text:
        return False  # libyaml skips a byte-order mark at any line start, PyYAML only at the first
    try:
        loader = yaml.BaseLoader(text)  # its reader already refuses control characters
        while loader.get_token() is not None:
            pass
    except yaml.YAMLError:
        return False
    return True


def _problems(config: str, text: str, c_scanner: bool) -> list[style.StyleProblem]:
    style.use_c_scanner(c_scanner)
    try:
        return list(style.run(config, text, "catalog-info.yaml"))
    finally:
        style.use_c_scanner(True)


@pytest.mark.parametrize("config", [DEFAULT_YAMLLINT, STRICT], ids=["catalog-profile", "yamllint-default"])
def test_same_problems_with_either_scanner(config: str, tmp_path: Path) -> None:
    generate(tmp_path, 150)
    compared = 0
    differences = []
    for name, text in _texts(tmp_path):
        if not _pure_scanner_reads(text):
            continue
        compared += 1
        pure = _problems(config, text, c_scanner=False)
        fast = _problems(config, text, c_scanner=True)
        if pure != fast:
            differences.append((name, sorted(set(pure) ^ set(fast))[:3]))
    assert compared > 100
    assert differences == []


@pytest.mark.parametrize(
    "text",
    ["a: \x07bell\n", "a: [1, 2\n", "key: 'unterminated\n", "\t- tab\n", "a: b\n\0\n"],
)
def test_unreadable_text_stops_style_without_a_traceback(text: str) -> None:
    problems = list(style.run(STRICT, text, "catalog-info.yaml"))
    assert all(isinstance(p[3], int) for p in problems)


def test_c_scanner_finds_comment_and_spacing_problems() -> None:
    found = {p[0] for p in style.run(STRICT, "a:  1 #no space\nb: [ 1]\n", "catalog-info.yaml")}
    assert {"colons", "comments", "brackets"} <= found
