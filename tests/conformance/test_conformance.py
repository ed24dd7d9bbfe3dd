"""catalint's `documents[].valid` must equal Backstage's own verdict on every document.

Backstage's validator (`@backstage/catalog-model` + `@backstage/plugin-scaffolder-common`, run
by oracle/validate.js the way the catalog backend applies it) judges every document of the real
corpus in ../shared, of our examples, and of the regression cases in cases/. Placeholders: the
corpus files were copied out of their repositories, so their `$text` targets are missing; both
sides therefore run in "assume" mode — a `$text` reads as a string and `$json`/`$yaml` as an
object, which is what a successful read gives. Reading the targets is tested separately.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from catalint.config import Settings
from catalint.lint.run import LintRequest, run
from catalint.model import DocumentSummary
from tests.conformance.oracle import FileVerdict, run_oracle

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO.parent / "shared" / "corpus" / "real" / "files"
CASES = Path(__file__).parent / "cases"
# Descriptors whose placeholder targets exist (under targets/): both sides read and parse them.
PLACEHOLDER_CASES = Path(__file__).parent / "placeholder_cases"
EXAMPLES = REPO / "examples"


def _catalint(paths: list[Path], assume: bool = True) -> dict[str, list[DocumentSummary]]:
    settings = Settings(include=["*"])
    request = LintRequest(paths=paths, settings=settings, cwd=Path("/"), assume_placeholders=assume, style=False)
    result = run(request)
    by_file: dict[str, list[DocumentSummary]] = {}
    for doc in result.documents:
        by_file.setdefault("/" + doc.path.lstrip("/"), []).append(doc)
    return by_file


def _compare(paths: list[Path], placeholders: str = "assume") -> tuple[int, list[str]]:
    paths = [p.resolve() for p in paths]  # both sides key files by one spelling, symlinked folders included
    oracle = run_oracle(paths, placeholders)
    ours = _catalint(paths, assume=placeholders == "assume")
    compared = 0
    problems: list[str] = []
    for path in paths:
        key = str(path.resolve())
        verdict: FileVerdict = oracle[key]
        mine = {d.line: d for d in ours.get(key, [])}
        theirs = {d.line: d for d in verdict.documents}
        for line, doc in theirs.items():
            got = mine.get(line)
            if doc.parse_error:
                if got is not None:
                    problems.append(f"{path.name}:{line}: Backstage cannot parse this document, catalint can")
                continue
            compared += 1
            if got is None:
                problems.append(f"{path.name}:{line}: catalint found no document here (Backstage: valid={doc.valid})")
            elif got.index != doc.index:
                problems.append(f"{path.name}:{line}: catalint numbers this document {got.index}, Backstage {doc.index}")
            elif got.valid != doc.valid:
                problems.append(
                    f"{path.name}:{line}: catalint valid={got.valid}, Backstage valid={doc.valid}: {doc.error}"
                )
        if not verdict.truncated:
            for line in mine.keys() - theirs.keys():
                problems.append(f"{path.name}:{line}: catalint reports a document Backstage does not see")
    return compared, problems


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".json", ".hbs"))


@pytest.mark.skipif(not CORPUS.is_dir(), reason=f"the shared corpus is not present at {CORPUS}")
def test_corpus_agrees_with_backstage() -> None:
    files = sorted(p for p in CORPUS.iterdir() if p.is_file())
    compared, problems = _compare(files)
    assert compared > 1800
    assert problems == [], "\n".join(problems[:50])


def test_regression_cases_agree_with_backstage() -> None:
    files = _files(CASES)
    assert files, "the regression cases folder is empty"
    compared, problems = _compare(files)
    assert compared >= len(files)
    assert problems == [], "\n".join(problems)


def test_examples_agree_with_backstage() -> None:
    files = [
        p
        for p in _files(EXAMPLES)
        if "workflows" not in p.parts
        and p.name != "bitbucket-pipelines.yml"
        and ".github" not in p.parts
        and "app-config" not in p.name
    ]
    files = [p for p in files if os.path.basename(p) not in ("mkdocs.yml",) and "docs" not in p.parts]
    files = [p for p in files if not p.name.startswith("openapi")]
    compared, problems = _compare(files)
    assert compared > 5
    assert problems == [], "\n".join(problems)


def test_placeholder_targets_read_as_backstage_reads_them() -> None:
    files = sorted(PLACEHOLDER_CASES.glob("*.yaml"))
    compared, problems = _compare(files, placeholders="read")
    assert compared >= 15
    assert problems == [], "\n".join(problems)
