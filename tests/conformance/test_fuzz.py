"""The differential fuzzer's fast subset: a few hundred mutated documents, one fixed seed.

Every case must get Backstage's verdict from catalint, document by document, and no case may
make catalint fail. The large run (`python -m tests.conformance.fuzz --cases 10000 --seed N`)
explores further; what it finds becomes a case in cases/ once fixed.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.conformance.fuzz import collect_seeds, evaluate, make_cases, report
from tests.conformance.mutators import OPERATORS, Seed

FAST_CASES = 320
FAST_SEED = 20261205


@pytest.fixture(scope="module")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> list[Seed]:
    found = collect_seeds(tmp_path_factory.mktemp("seeds"))
    assert len(found) > 50, "too few seed documents to fuzz with"
    return found


def test_fast_subset_agrees_with_backstage(seeds: list[Seed], tmp_path: Path) -> None:
    cases = make_cases(seeds, FAST_CASES, FAST_SEED, tmp_path)
    assert len(cases) == FAST_CASES
    assert {c.operator for c in cases} == set(OPERATORS), "every operator gets its turn"
    outcome = evaluate(cases)
    assert outcome.documents >= FAST_CASES
    assert outcome.crashes == [], report(outcome, 10)
    assert outcome.disagreeing == 0, report(outcome, 10)


def test_cases_are_reproducible_from_the_seed(seeds: list[Seed], tmp_path: Path) -> None:
    first = make_cases(seeds, 40, 7, tmp_path / "a")
    again = make_cases(seeds, 40, 7, tmp_path / "b")
    other = make_cases(seeds, 40, 8, tmp_path / "c")
    assert [c.path.read_bytes() for c in first] == [c.path.read_bytes() for c in again]
    assert [c.path.read_bytes() for c in first] != [c.path.read_bytes() for c in other]


def test_every_operator_mutates_a_seed(seeds: list[Seed]) -> None:
    for name, operator in OPERATORS.items():
        rng = random.Random(name)
        outputs = [operator(rng, rng.choice(seeds)) for _ in range(20)]
        changed = [o for o in outputs if o is not None]
        assert changed, f"{name} never applied"
        assert all(isinstance(o, str | bytes | dict) and o for o in changed), name
