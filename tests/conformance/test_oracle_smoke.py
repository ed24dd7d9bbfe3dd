"""Smoke test of the Backstage conformance oracle (needs Node 20+ and npm)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from oracle import FileVerdict, ensure_installed, run_oracle

COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
{extra_meta}spec:
  type: service
  lifecycle: production
{spec}"""

# One stream: index 0 valid, 1 missing owner, 2 bare dependsOn, 3 empty (skipped),
# 4 upper-case tag, 5 lower-case kind, 6 `yes` label, 7 duplicate key, 8 Template.
MULTI_DOC = "---\n".join(
    [
        COMPONENT.format(name="good", extra_meta="", spec="  owner: team-a\n"),
        COMPONENT.format(name="no-owner", extra_meta="", spec=""),
        COMPONENT.format(name="bare-dep", extra_meta="", spec="  owner: team-a\n  dependsOn: [foo]\n"),
        "# nothing but a comment\n",
        COMPONENT.format(name="tagged", extra_meta="  tags: [Foo]\n", spec="  owner: team-a\n"),
        COMPONENT.format(name="lower", extra_meta="", spec="  owner: team-a\n").replace(
            "kind: Component", "kind: component"
        ),
        COMPONENT.format(name="yes-label", extra_meta="  labels:\n    enabled: yes\n", spec="  owner: g\n"),
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nkind: Group\nmetadata:\n  name: dup\n",
        """\
apiVersion: scaffolder.backstage.io/v1beta3
kind: Template
metadata:
  name: tmpl
spec:
  type: service
  owner: group:platform
  parameters:
    - title: Name
      properties:
        name: {type: string}
  steps:
    - id: fetch
      action: fetch:template
      input: {url: ./skeleton}
""",
    ]
)

PLACEHOLDERS = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: text-def
spec: {type: openapi, lifecycle: production, owner: team-a, definition: {$text: ./openapi.yaml}}
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: json-def
spec: {type: openapi, lifecycle: production, owner: team-a, definition: {$json: ./openapi.json}}
"""


@pytest.fixture(scope="module")
def verdicts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, FileVerdict]:
    ensure_installed()
    root = tmp_path_factory.mktemp("oracle")
    (root / "multi.yaml").write_text(MULTI_DOC, encoding="utf-8")
    (root / "placeholders.yaml").write_text(PLACEHOLDERS, encoding="utf-8")
    return run_oracle([root / "multi.yaml", root / "placeholders.yaml", root / "missing.yaml"])


def _file(verdicts: dict[str, FileVerdict], name: str) -> FileVerdict:
    (match,) = [v for path, v in verdicts.items() if Path(path).name == name]
    return match


def test_multi_document_verdicts(verdicts: dict[str, FileVerdict]) -> None:
    multi = _file(verdicts, "multi.yaml")
    assert multi.error is None and not multi.truncated
    docs = {d.index: d for d in multi.documents}
    assert sorted(docs) == [0, 1, 2, 4, 5, 6, 7, 8]  # 3 is empty: skipped, index kept

    assert docs[0].valid and docs[0].kind == "Component" and docs[0].line == 1
    assert docs[0].error is None

    assert not docs[1].valid and not docs[1].parse_error
    assert "must have required property 'owner'" in (docs[1].error or "")

    assert not docs[2].valid
    assert 'Entity reference "foo" had missing or empty kind' in (docs[2].error or "")

    assert not docs[4].valid
    assert '"tags.0" is not valid' in (docs[4].error or "")

    assert not docs[5].valid and docs[5].kind == "component"
    assert (docs[5].error or "").startswith("No processor recognized the entity component:default/lower")

    assert docs[6].valid, docs[6].error  # `yes` stays the string "yes" in YAML 1.2

    assert docs[7].parse_error and not docs[7].valid
    assert "Map keys must be unique" in (docs[7].error or "")

    assert docs[8].valid and docs[8].kind == "Template", docs[8].error
    # line of the root node of the last document, counted over the whole stream
    assert docs[8].line == MULTI_DOC.count("\n", 0, MULTI_DOC.index("scaffolder.backstage.io")) + 1


def test_placeholders_assumed(verdicts: dict[str, FileVerdict]) -> None:
    docs = _file(verdicts, "placeholders.yaml").documents
    assert [d.valid for d in docs] == [True, False]
    assert "/spec/definition must be string" in (docs[1].error or "")


def test_unreadable_file(verdicts: dict[str, FileVerdict]) -> None:
    missing = _file(verdicts, "missing.yaml")
    assert missing.error is not None and "ENOENT" in missing.error
    assert missing.documents == () and not missing.valid
