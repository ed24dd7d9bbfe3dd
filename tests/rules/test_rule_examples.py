"""Every rule's documented examples are tests: FAILS must trigger the rule, PASSES must not."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.rules import REGISTRY
from tests.helpers import lint_tree, write_example

WITH_EXAMPLES = [r for r in REGISTRY.values() if getattr(r.module, "FAILS", "")]


@pytest.mark.parametrize("rule", WITH_EXAMPLES, ids=lambda r: r.id)
def test_failing_example_triggers_the_rule(rule, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = write_example(tmp_path, rule.module.FAILS)
    result = lint_tree(tmp_path, app_config=app)
    hits = [f for f in result.findings if f.rule == rule.id]
    assert hits, f"{rule.id}: FAILS example produced {[(f.rule, f.message) for f in result.findings]}"
    for finding in hits:
        assert finding.span.line >= 1 and finding.span.column >= 1
    if rule.backstage and result.documents:
        assert not all(d.valid for d in result.documents), "a Backstage rule finding must make a document invalid"


@pytest.mark.parametrize("rule", [r for r in REGISTRY.values() if getattr(r.module, "PASSES", "")], ids=lambda r: r.id)
def test_passing_example_is_clean_for_the_rule(rule, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    app = write_example(tmp_path, rule.module.PASSES)
    result = lint_tree(tmp_path, app_config=app)
    assert [f.message for f in result.findings if f.rule == rule.id] == []


def test_every_rule_documents_itself() -> None:
    for rule in REGISTRY.values():
        assert rule.summary and len(rule.doc) > 40, rule.id
        assert rule.module.__name__.endswith(rule.id.replace("-", "_")), "a finding's rule id names its module"
        assert getattr(rule.module, "PASSES", ""), f"{rule.id} has no passing example"
