"""unresolved-ref beyond its example: default kinds and namespaces of each relation, and across files."""

from __future__ import annotations

from catalint.model import Severity
from catalint.rules import unresolved_ref
from tests.descriptors import HEADER, group
from tests.helpers import RunExample, found

ID = unresolved_ref.ID

SERVICE = (
    f"{HEADER}kind: Component\nmetadata:\n  name: svc\n  namespace: payments\nspec:\n  type: service\n"
    "  lifecycle: production\n  owner: team-a\n  system: pay\n  providesApis: [pay-api, default/other-api]\n"
    "  dependsOn: [resource:db, component:ghost]\n"
)
PAYMENTS_TEAM = group().replace("metadata:\n", "metadata:\n  namespace: payments\n")
PAY_API = (
    f"{HEADER}kind: API\nmetadata:\n  name: pay-api\n  namespace: payments\nspec:\n  type: openapi\n"
    "  lifecycle: production\n  owner: team-a\n  definition: openapi\n"
)


def test_each_relation_gets_its_kind_and_the_entitys_namespace(run_example: RunExample) -> None:
    result = run_example("---\n".join([SERVICE, PAYMENTS_TEAM, PAY_API]))
    assert found(result, ID) == [
        ("catalog-info.yaml", 10, "system: no entity system:payments/pay is declared in the files linted"),
        ("catalog-info.yaml", 11, "providesApis: no entity api:default/other-api is declared in the files linted"),
        ("catalog-info.yaml", 12, "dependsOn: no entity resource:payments/db is declared in the files linted"),
        ("catalog-info.yaml", 12, "dependsOn: no entity component:payments/ghost is declared in the files linted"),
    ]
    assert {f.severity for f in result.findings if f.rule == ID} == {Severity.WARNING}


def test_entities_declared_in_other_files_resolve(run_example: RunExample) -> None:
    # The owner is declared in another descriptor of the repository: only the other relations remain.
    result = run_example(SERVICE + "# file: teams/catalog-info.yaml\n" + PAYMENTS_TEAM)
    assert [message.split(":")[0] for _, _, message in found(result, ID)] == [
        "system",
        "providesApis",
        "providesApis",
        "dependsOn",
        "dependsOn",
    ]
    assert found(run_example(group("team-a").replace("children: []", "children: [team-b]")), ID) == [
        ("catalog-info.yaml", 7, "children: no entity group:default/team-b is declared in the files linted")
    ]
    text = (
        group("team-a").replace("children: []", "children: [team-b]")
        + "# file: b/catalog-info.yaml\n"
        + group("team-b")
    )
    assert found(run_example(text), ID) == []


def test_a_target_on_bitbucket_declares_entities_too(run_example: RunExample) -> None:
    target = "https://bitbucket.org/acme/teams/src/main/team-b.yaml"
    parent = group("team-a").replace("children: []", "children: [team-b]")
    location = f"{HEADER}kind: Location\nmetadata:\n  name: teams\nspec:\n  targets:\n    - {target}\n"
    text = parent + "---\n" + location + "# bitbucket: acme/teams main team-b.yaml\n" + group("team-b")
    assert found(run_example(text), ID) == []
