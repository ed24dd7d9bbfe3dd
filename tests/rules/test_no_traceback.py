"""No input may end a run with a traceback: each failure is a finding on its own file."""

from __future__ import annotations

from pathlib import Path

from catalint.lint.file import Options, lint_source
from catalint.resolve.local import LocalResolver
from catalint.sources.local import LocalSource
from tests.helpers import lint_tree

SYSTEM = "apiVersion: backstage.io/v1alpha1\nkind: System\nmetadata:\n  name: {name}\n{meta}spec:\n  owner: team-a\n"


class _Exploding(LocalSource):
    """A source that fails the way a bug inside catalint would."""

    def read_bytes(self) -> bytes:
        raise KeyError("unexpected")


def test_an_exception_while_linting_is_an_internal_error_finding(tmp_path: Path) -> None:
    path = tmp_path / "catalog-info.yaml"
    path.write_text(SYSTEM.format(name="a", meta=""))
    result = lint_source(_Exploding(path, "catalog-info.yaml", LocalResolver(tmp_path)), Options())
    assert [f.rule for f in result.findings] == ["internal-error"]
    assert "KeyError" in result.findings[0].message


def test_hostile_targets_are_findings_and_the_entities_keep_their_verdict(tmp_path: Path) -> None:
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: long\nspec:\n"
        f"  target: ./{'a' * 300}.yaml\n---\n"
        + SYSTEM.format(name="nul", meta='  annotations:\n    backstage.io/techdocs-ref: "dir:./a\\0b"\n')
        + "---\n"
        + SYSTEM.format(name="deep", meta="  description: x\n").replace(
            "  owner: team-a\n", "  owner: team-a\n  x:\n    $json: ./deep.json\n"
        )
    )
    (tmp_path / "deep.json").write_text('{"a":' * 3000 + "{}" + "}" * 3000)
    result = lint_tree(tmp_path)
    rules = {f.rule for f in result.findings}
    assert "internal-error" not in rules
    assert "unverified" in rules and "placeholder" in rules
    assert [d.valid for d in result.documents] == [True, True, False]


def test_invalid_utf8_and_nul_are_read_as_backstage_reads_them(tmp_path: Path) -> None:
    (tmp_path / "catalog-info.yaml").write_bytes(
        SYSTEM.format(name="a", meta="  description: caf\udce9 \x00\n").encode("utf-8", "surrogateescape")
    )
    result = lint_tree(tmp_path)
    assert [f.rule for f in result.findings if f.rule == "file-encoding"] == ["file-encoding", "file-encoding"]
    assert all(f.severity.label == "warning" for f in result.findings if f.rule == "file-encoding")
    assert [d.valid for d in result.documents] == [True]
