"""Every rule's documented examples are tests: FAILS must trigger the rule, PASSES must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.rules import REGISTRY
from tests.helpers import RunExample

# Rules about a change (`CHANGE = True`) have examples with a base side: tests/rules/test_change_examples.py.
TREES = [r for r in REGISTRY.values() if not getattr(r.module, "CHANGE", False)]
WITH_EXAMPLES = [r for r in TREES if getattr(r.module, "FAILS", "")]


@pytest.mark.parametrize("rule", WITH_EXAMPLES, ids=lambda r: r.id)
def test_failing_example_triggers_the_rule(rule, run_example: RunExample) -> None:  # type: ignore[no-untyped-def]
    result = run_example(rule.module.FAILS)
    hits = [f for f in result.findings if f.rule == rule.id]
    assert hits, f"{rule.id}: FAILS example produced {[(f.rule, f.message) for f in result.findings]}"
    for finding in hits:
        assert finding.span.line >= 1 and finding.span.column >= 1
    if rule.backstage and result.documents:
        assert not all(d.valid for d in result.documents), "a Backstage rule finding must make a document invalid"


@pytest.mark.parametrize("rule", [r for r in TREES if getattr(r.module, "PASSES", "")], ids=lambda r: r.id)
def test_passing_example_is_clean_for_the_rule(rule, run_example: RunExample) -> None:  # type: ignore[no-untyped-def]
    result = run_example(rule.module.PASSES)
    assert [f.message for f in result.findings if f.rule == rule.id] == []


def test_every_rule_documents_itself() -> None:
    for rule in REGISTRY.values():
        assert rule.summary and len(rule.doc) > 40, rule.id
        assert rule.module.__name__.endswith(rule.id.replace("-", "_")), "a finding's rule id names its module"
        assert getattr(rule.module, "PASSES", ""), f"{rule.id} has no passing example"


# Where the first finding of each rule's failing example must land (file, line, column).
EXPECTED_POSITIONS = {
    "yaml-syntax": ("catalog-info.yaml", 4, 9),
    "yaml-duplicate-key": ("catalog-info.yaml", 7, 3),
    "yaml-aliases": ("catalog-info.yaml", 1, 1),
    "not-an-object": ("catalog-info.yaml", 1, 1),
    "envelope": ("catalog-info.yaml", 1, 1),
    "root-fields": ("catalog-info.yaml", 5, 1),
    "metadata-fields": ("catalog-info.yaml", 5, 10),
    "field-format": ("catalog-info.yaml", 4, 9),
    "link-format": ("catalog-info.yaml", 6, 12),
    "unknown-kind": ("catalog-info.yaml", 1, 13),
    "spec-schema": ("catalog-info.yaml", 5, 1),
    "entity-ref-format": ("catalog-info.yaml", 9, 15),
    "placeholder": ("catalog-info.yaml", 10, 12),
    "location-target": ("catalog-info.yaml", 7, 7),
    "techdocs-ref": ("catalog-info.yaml", 6, 32),
    "source-location": ("catalog-info.yaml", 6, 35),
    "path-escape": ("catalog-info.yaml", 10, 12),
    "duplicate-entity": ("other/catalog-info.yaml", 4, 9),
    "unresolved-ref": ("catalog-info.yaml", 6, 10),
    "ref-target-format": ("catalog-info.yaml", 6, 10),
    "owner-kind": ("catalog-info.yaml", 6, 10),
    "catalog-rules": ("catalog-info.yaml", 5, 9),
    "foreign-host": ("catalog-info.yaml", 7, 7),
    "offline": ("catalog-info.yaml", 7, 7),
    "backstage-url": ("catalog-info.yaml", 7, 7),
    "unverified": ("catalog-info.yaml", 7, 7),
    "file-too-large": ("catalog-info.yaml", 1, 1),
    "file-encoding": ("catalog-info.yaml", 1, 1),
    "style-skipped": ("catalog-info.yaml", 5, 1),
}

# Rules no example can fail, and the test that makes each fail instead.
WITHOUT_FAILING_EXAMPLE = {
    "file-unreadable": "tests/rules/test_unreadable.py",
    "internal-error": "tests/rules/test_no_traceback.py",
}


@pytest.mark.parametrize("rule_id", sorted(EXPECTED_POSITIONS))
def test_failing_example_points_at_the_right_place(rule_id: str, run_example: RunExample) -> None:
    result = run_example(REGISTRY[rule_id].module.FAILS)
    first = next(f for f in result.findings if f.rule == rule_id)
    assert (first.path, first.span.line, first.span.column) == EXPECTED_POSITIONS[rule_id]


def test_every_rule_with_a_failing_example_has_an_expected_position() -> None:
    assert {r.id for r in WITH_EXAMPLES} == set(EXPECTED_POSITIONS)


def test_only_the_listed_rules_lack_a_failing_example() -> None:
    # Rules about a change have theirs in tests/rules/test_change_examples.py.
    assert {r.id for r in TREES} - {r.id for r in WITH_EXAMPLES} == set(WITHOUT_FAILING_EXAMPLE)
    for rule_id, test in WITHOUT_FAILING_EXAMPLE.items():
        assert rule_id in (Path(__file__).parents[2] / test).read_text(), (rule_id, test)
