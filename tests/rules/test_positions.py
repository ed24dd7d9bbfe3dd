"""Findings land on the node they concern: the key for missing or unknown fields, else the value."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import lint_tree

DOC = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  tags: [java, Bad_Tag]
  links:
    - url: /relative
owner: team-a
spec:
  type: service
  lifecycle: production
  owner: 42
  dependsOn:
    - payments-db
"""


def _by_rule(tmp_path: Path) -> dict[str, list[tuple[int, int, int, int, str]]]:
    (tmp_path / "catalog-info.yaml").write_text(DOC)
    result = lint_tree(tmp_path)
    out: dict[str, list[tuple[int, int, int, int, str]]] = {}
    for f in result.findings:
        out.setdefault(f.rule, []).append((f.span.line, f.span.column, f.span.end_line, f.span.end_column, f.message))
    return out


def test_each_problem_points_at_its_node(tmp_path: Path) -> None:
    found = _by_rule(tmp_path)
    assert found["field-format"][0][:4] == (5, 16, 5, 23)
    assert "Bad_Tag" in found["field-format"][0][4]
    assert found["link-format"][0][:2] == (7, 12)
    assert found["root-fields"][0][:4] == (8, 1, 8, 6)  # the key "owner"
    assert found["spec-schema"][0][:2] == (12, 10)
    assert "spec.owner must be a string, not a number" in found["spec-schema"][0][4]
    assert found["entity-ref-format"][0][:2] == (14, 7)


def test_all_problems_of_a_document_are_reported(tmp_path: Path) -> None:
    found = _by_rule(tmp_path)
    assert {"field-format", "link-format", "root-fields", "spec-schema", "entity-ref-format"} <= found.keys()


def test_missing_required_field_points_at_the_parent_key(tmp_path: Path) -> None:
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: x\nspec:\n  type: openapi\n"
    )
    result = lint_tree(tmp_path)
    missing = sorted(f.message for f in result.findings if f.rule == "spec-schema")
    assert missing == [
        'spec is missing the required field "definition"',
        'spec is missing the required field "lifecycle"',
        'spec is missing the required field "owner"',
    ]
    assert {f.span.line for f in result.findings if f.rule == "spec-schema"} == {5}
