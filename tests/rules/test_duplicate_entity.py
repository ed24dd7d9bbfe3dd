"""duplicate-entity beyond its example: identity is kind, namespace and name; local and Bitbucket files together."""

from __future__ import annotations

from catalint.rules import duplicate_entity
from tests.descriptors import group, location, system
from tests.helpers import RunExample, found

ID = duplicate_entity.ID


def in_namespace(text: str, namespace: str) -> str:
    return text.replace("metadata:\n", f"metadata:\n  namespace: {namespace}\n", 1)


def test_same_name_in_other_namespaces_or_kinds_is_no_duplicate(run_example: RunExample) -> None:
    docs = [in_namespace(system("pay"), "one"), in_namespace(system("pay"), "two"), in_namespace(group("pay"), "one")]
    assert found(run_example("---\n".join(docs)), ID) == []


def test_names_compare_case_insensitively_within_one_file(run_example: RunExample) -> None:
    text = "---\n".join([in_namespace(system("pay"), "one"), in_namespace(system("PAY"), "one")])
    assert found(run_example(text), ID) == [
        (
            "catalog-info.yaml",
            13,
            "system:one/pay is already declared at catalog-info.yaml:5; Backstage keeps the first copy it reads and "
            "ignores this one",
        )
    ]


def test_a_bitbucket_file_repeating_a_local_entity(run_example: RunExample) -> None:
    target = "https://bitbucket.org/acme/svc/src/main/catalog-info.yaml"
    text = location(target) + "---\n" + group() + "# bitbucket: acme/svc main catalog-info.yaml\n" + group()
    [(path, line, message)] = found(run_example(text), ID)
    assert path.endswith("/acme/svc/src/main/catalog-info.yaml") and line == 4
    assert message.startswith("group:default/team-a is already declared at catalog-info.yaml:12;")


def test_a_file_reached_twice_is_not_its_own_duplicate(run_example: RunExample) -> None:
    text = location("./teams.yaml", "./teams.yaml", "./*.yaml") + "# file: teams.yaml\n" + group()
    result = run_example(text)
    assert found(result, ID) == []
    assert sorted(d.path for d in result.documents) == ["catalog-info.yaml", "teams.yaml"]
