"""catalog-rules beyond its example: default rules, kinds and spec types, location rules."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.rules import catalog_rules
from tests.cli_run import RunCli
from tests.descriptors import component, group, system
from tests.helpers import RunExample, found

ID = catalog_rules.ID


def test_without_an_app_config_nothing_is_judged(run_example: RunExample) -> None:
    assert found(run_example(group() + "---\n" + system()), ID) == []


def test_an_app_config_without_rules_allows_component_api_and_location(run_example: RunExample) -> None:
    result = run_example("# app-config: {catalog: {}}\n" + group() + "---\n" + component())
    assert found(result, ID) == [
        (
            "catalog-info.yaml",
            5,
            "Group entities are not allowed by catalog.rules; Backstage would refuse group:default/team-a",
        )
    ]


@pytest.mark.parametrize(
    ("allow", "refused"),
    [
        ("[group, component]", []),  # kinds compare case-insensitively
        ("[Group]", ["component:default/svc"]),
        ("[{kind: Component, spec.type: service}, Group]", []),
        ("[{kind: Component, spec.type: website}, Group]", ["component:default/svc"]),
    ],
)
def test_kinds_and_spec_types(run_example: RunExample, allow: str, refused: list[str]) -> None:
    result = run_example(
        f"# app-config: {{catalog: {{rules: [{{allow: {allow}}}]}}}}\n" + group() + "---\n" + component()
    )
    assert [message.rsplit(" ", 1)[-1] for _, _, message in found(result, ID)] == refused


def test_a_registered_location_may_allow_more_for_what_it_reads(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "app-config.yaml").write_text(
        "catalog:\n  rules:\n    - allow: [Component, Location]\n  locations:\n"
        "    - type: file\n      target: ./teams.yaml\n      rules:\n        - allow: [Group]\n"
        "    - type: file\n      target: ./systems.yaml\n"
    )
    (tmp_path / "teams.yaml").write_text(group())
    (tmp_path / "systems.yaml").write_text(system())
    result = run_cli("lint", "--no-cache", "--format", "json", "--app-config", "app-config.yaml", cwd=tmp_path)
    refused = [(f["path"], f["message"]) for f in json.loads(result.stdout)["findings"] if f["rule"] == ID]
    assert refused == [
        (
            "systems.yaml",
            "System entities are not allowed by catalog.rules from file:./systems.yaml; Backstage would refuse "
            "system:default/payments",
        )
    ]
