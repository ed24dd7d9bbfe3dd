"""A run's relations are built when first read, equal to every file's relations in order."""

from __future__ import annotations

from pathlib import Path

from catalint.config import Settings
from catalint.lint.run import LintRequest, run
from catalint.model import Relation, RunResult


def _component(name: str, owner: str, system: str) -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        f"  name: {name}\nspec:\n  type: service\n  lifecycle: production\n  owner: {owner}\n  system: {system}\n"
    )


def test_relations_are_built_on_first_read_in_file_order(tmp_path: Path) -> None:
    for n in range(3):
        (tmp_path / f"s{n}").mkdir()
        (tmp_path / f"s{n}" / "catalog-info.yaml").write_text(_component(f"c{n}", f"team-{n}", "sys"))
    result = run(LintRequest(paths=[tmp_path], settings=Settings(), cwd=tmp_path, jobs=1))
    assert result.unbuilt_relations and not result.built_relations  # nothing read them yet
    relations = result.relations
    assert [(r.source, r.field, r.target, r.path) for r in relations] == [
        (f"component:default/c{n}", field, target, f"s{n}/catalog-info.yaml")
        for n in range(3)
        for field, target in (("owner", f"group:default/team-{n}"), ("system", "system:default/sys"))
    ]
    assert result.relations is relations and not result.unbuilt_relations


def test_a_copy_and_later_additions_keep_their_order() -> None:
    first = Relation("a", "f", "b", "p", 1)
    result = RunResult()
    result.defer_relations(lambda: [first])
    copy = RunResult()
    copy.copy_relations(result)
    later = Relation("c", "f", "d", "p", 2)
    copy.relations.append(later)
    assert copy.relations == [first, later]
    assert result.relations == [first]
    result.relations = [later]
    assert result.relations == [later]
