"""Organisation policies: loaded and checked with the config, applied in the one pipeline, at the
exact node, with their own rule ids, severities, disables and cache keys."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.config import ConfigError, load_settings
from catalint.model import Severity
from tests.cli_run import RunCli
from tests.helpers import lint_tree

OWNER_GROUP = {"properties": {"spec": {"properties": {"owner": {"type": "string", "pattern": "^group:"}}}}}
ON_CALL = {
    "if": {"properties": {"spec": {"properties": {"lifecycle": {"const": "production"}}, "required": ["lifecycle"]}}},
    "then": {"properties": {"metadata": {"required": ["annotations"], "properties": {
        "annotations": {"required": ["pagerduty.com/service-id"]}}}}},
}
COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
  annotations:
    backstage.io/techdocs-ref: url:https://example.com/docs
spec:
  type: {type}
  lifecycle: production
  owner: {owner}
"""


def _config(root: Path, policies: str) -> None:
    (root / ".catalint.yaml").write_text("policies:\n" + policies)


def _policy_file(root: Path, name: str, schema: object) -> str:
    (root / "policies").mkdir(exist_ok=True)
    (root / "policies" / name).write_text(json.dumps(schema))
    return f"policies/{name}"


def _findings(root: Path) -> list[tuple[str, str, int, int, str]]:
    result = lint_tree(root, settings=load_settings(None, root))
    return [(f.rule, f.severity.label, f.span.line, f.span.column, f.message) for f in result.findings
            if f.rule.startswith("policy/")]


def test_policy_findings_land_on_the_node_with_the_policy_severity(tmp_path: Path) -> None:
    schema = _policy_file(tmp_path, "owner.json", OWNER_GROUP)
    _config(tmp_path, f"""\
  owned-by-group:
    description: Owners are groups.
    kinds: [Component, API]
    schema: {schema}
  on-call:
    description: Production services name their PagerDuty service.
    kinds: component
    types: [Service]
    severity: warning
    schema: {json.dumps(ON_CALL)}
""")
    (tmp_path / "catalog-info.yaml").write_text(COMPONENT.format(type="service", owner="team-a"))
    assert _findings(tmp_path) == [
        ("policy/on-call", "warning", 5, 3, 'metadata.annotations is missing the required field "pagerduty.com/service-id"'),
        ("policy/owned-by-group", "error", 10, 10, 'spec.owner must match the pattern ^group:; found "team-a"'),
    ]
    result = lint_tree(tmp_path, settings=load_settings(None, tmp_path))
    assert all(d.valid for d in result.documents), "a policy is not Backstage's verdict"


def test_spec_type_and_kind_select_what_a_policy_applies_to(tmp_path: Path) -> None:
    _config(tmp_path, f"""\
  on-call:
    description: Production services name their PagerDuty service.
    kinds: [Component]
    types: service
    schema: {json.dumps(ON_CALL)}
  apis-only:
    description: APIs are owned by groups.
    kinds: API
    schema: {json.dumps(OWNER_GROUP)}
""")
    (tmp_path / "catalog-info.yaml").write_text(COMPONENT.format(type="website", owner="team-a"))
    assert _findings(tmp_path) == []


def test_inline_disable_and_rules_severity_apply_to_policies(tmp_path: Path) -> None:
    _config(tmp_path, f"""\
  owned-by-group:
    description: Owners are groups.
    kinds: Component
    schema: {json.dumps(OWNER_GROUP)}
""")
    text = COMPONENT.format(type="service", owner="team-a  # catalint: disable=policy/owned-by-group")
    (tmp_path / "catalog-info.yaml").write_text(text)
    assert _findings(tmp_path) == []
    (tmp_path / "catalog-info.yaml").write_text(COMPONENT.format(type="service", owner="team-a"))
    with (tmp_path / ".catalint.yaml").open("a") as fh:
        fh.write("rules:\n  policy/owned-by-group: info\n")
    assert [f[:2] for f in _findings(tmp_path)] == [("policy/owned-by-group", "info")]


def test_policies_key_the_cache(tmp_path: Path) -> None:
    _config(tmp_path, f"  a:\n    description: d\n    kinds: Component\n    schema: {json.dumps(OWNER_GROUP)}\n")
    first = load_settings(None, tmp_path)
    _config(tmp_path, "  a:\n    description: d\n    kinds: Component\n    schema: {required: [x]}\n")
    second = load_settings(None, tmp_path)
    assert first.fingerprint() != second.fingerprint()
    assert first.policies[0].severity is Severity.ERROR


@pytest.mark.parametrize(
    ("schema", "where"),
    [
        ({"properties": {"spec": {"properties": {"owner": {"pattern": "["}}}}}, "/properties/spec/properties/owner/pattern"),
        ({"required": "owner"}, "/required"),
        ({"properties": {"a": {"$ref": "https://example.com/s.json"}}}, "/properties/a/$ref"),
        ({"$schema": "https://example.com/my-dialect"}, "/$schema"),
    ],
)
def test_a_broken_policy_file_names_the_file_and_the_json_pointer(tmp_path: Path, schema: object, where: str) -> None:
    path = _policy_file(tmp_path, "broken.json", schema)
    _config(tmp_path, f"  broken:\n    description: d\n    kinds: Component\n    schema: {path}\n")
    with pytest.raises(ConfigError) as err:
        load_settings(None, tmp_path)
    assert str(err.value).startswith(f"{tmp_path / 'policies' / 'broken.json'}: {where}: ")


def test_a_broken_inline_policy_names_the_config_and_the_pointer_from_its_root(tmp_path: Path) -> None:
    _config(tmp_path, "  p:\n    description: d\n    kinds: Component\n    schema: {properties: {spec: {type: strin}}}\n")
    with pytest.raises(ConfigError, match=r"\.catalint\.yaml: /policies/p/schema/properties/spec/type: 'strin'"):
        load_settings(None, tmp_path)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ("    kinds: Component\n    schema: {}\n", "policies.p.description: expected a description"),
        ("    description: d\n    schema: {}\n", "policies.p.kinds: expected a name or a list of names"),
        ("    description: d\n    kinds: Component\n    schema: missing.json\n", "missing.json: cannot read"),
        ("    description: d\n    kinds: Component\n    schema: {}\n    severity: loud\n", "policies.p.severity: expected"),
        ("    description: d\n    kinds: Component\n    schema: 5\n", "policies.p.schema: expected a JSON Schema"),
        ("    description: d\n    kinds: Component\n    schema: {}\n    when: x\n", "policies.p.when: unknown key"),
    ],
)
def test_policy_entries_are_checked(tmp_path: Path, entry: str, message: str) -> None:
    _config(tmp_path, "  p:\n" + entry)
    with pytest.raises(ConfigError, match=message):
        load_settings(None, tmp_path)


def test_policy_names_must_be_rule_id_words(tmp_path: Path) -> None:
    _config(tmp_path, "  Owner.Group:\n    description: d\n    kinds: Component\n    schema: {}\n")
    with pytest.raises(ConfigError, match="a policy name is lowercase"):
        load_settings(None, tmp_path)


def test_rules_may_name_a_policy_only_when_it_exists(tmp_path: Path) -> None:
    (tmp_path / ".catalint.yaml").write_text("rules:\n  policy/nope: warning\n")
    with pytest.raises(ConfigError, match=r"rules\.policy/nope: unknown rule"):
        load_settings(None, tmp_path)


def test_long_values_are_cut_short_in_messages(tmp_path: Path) -> None:
    schema = {"properties": {"metadata": {"properties": {"description": {"maxLength": 10}}}}, "not": {"required": ["spec"]}}
    _config(tmp_path, f"  short:\n    description: d\n    kinds: Component\n    schema: {json.dumps(schema)}\n")
    text = COMPONENT.format(type="service", owner="team-a").replace("  name: payments\n", f"  name: payments\n  description: {'x' * 5000}\n")
    (tmp_path / "catalog-info.yaml").write_text(text)
    found = _findings(tmp_path)
    assert found[0][4].startswith("document: {'apiVersion'") and found[0][4].endswith("…")
    assert found[1][4].startswith('metadata.description must be at most 10 characters long; found "xxx')
    assert all(len(f[4]) < 300 for f in found)
    assert found[1][2:4] == (5, 16)


def test_a_value_from_a_placeholder_is_shown_as_written(tmp_path: Path) -> None:
    """The line shows `$text: ./owner.txt`, so the finding quotes that, and what it read."""
    schema = _policy_file(tmp_path, "owner.json", OWNER_GROUP)
    _config(tmp_path, f"  owned-by-group:\n    description: Owners are groups.\n    kinds: [Component]\n    schema: {schema}\n")
    (tmp_path / "owner.txt").write_text("team-a")
    (tmp_path / "catalog-info.yaml").write_text(COMPONENT.format(type="service", owner="\n    $text: ./owner.txt"))
    ((rule, _, line, _, message),) = _findings(tmp_path)
    assert (rule, line) == ("policy/owned-by-group", 11)
    assert message == 'spec.owner must match the pattern ^group:; found $text: ./owner.txt, which reads "team-a"'
    # A value written as it is, as before.
    (tmp_path / "catalog-info.yaml").write_text(COMPONENT.format(type="service", owner="team-a"))
    assert _findings(tmp_path)[0][4] == 'spec.owner must match the pattern ^group:; found "team-a"'


def test_a_value_inside_a_placeholder_names_the_placeholder(tmp_path: Path) -> None:
    tags = {"properties": {"metadata": {"properties": {"tags": {"items": {"enum": ["python"]}, "maxItems": 1}}}}}
    schema = _policy_file(tmp_path, "tags.json", tags)
    _config(tmp_path, f"  tags:\n    description: Known tags.\n    kinds: [Component]\n    schema: {schema}\n")
    (tmp_path / "tags.json").write_text('["java", "go"]')
    text = COMPONENT.format(type="service", owner="team-a").replace("  annotations:", "  tags:\n    $json: ./tags.json\n  annotations:")
    (tmp_path / "catalog-info.yaml").write_text(text)
    messages = [f[4] for f in _findings(tmp_path)]
    assert messages == [
        "metadata.tags must have at most 1 item; from $json: ./tags.json",
        'metadata.tags[0] must be one of "python"; found "java" in $json: ./tags.json',
        'metadata.tags[1] must be one of "python"; found "go" in $json: ./tags.json',
    ]


def _owner_from_text_placeholder(root: Path) -> None:
    schema = _policy_file(root, "owner.json", OWNER_GROUP)
    _config(root, f"  owned-by-group:\n    description: Owners are groups.\n    kinds: [Component]\n    schema: {schema}\n")
    (root / "catalog-info.yaml").write_text(COMPONENT.format(type="service", owner="\n    $text: ./owner.txt"))


UNREAD = "spec.owner must match the pattern ^group:; from $text: ./owner.txt (not read)"


def test_a_placeholder_that_could_not_be_read_is_not_said_to_read_a_value(tmp_path: Path) -> None:
    _owner_from_text_placeholder(tmp_path)  # no owner.txt
    ((rule, _, line, _, message),) = _findings(tmp_path)
    assert (rule, line, message) == ("policy/owned-by-group", 11, UNREAD)


def test_an_assumed_placeholder_is_not_said_to_read_a_value(
    run_cli: RunCli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _owner_from_text_placeholder(tmp_path)
    (tmp_path / "owner.txt").write_text("team-a")
    monkeypatch.chdir(tmp_path)
    done = run_cli("lint", "--no-cache", "--offline", "--placeholders", "assume", "--format", "json", ".")
    assert done.exit_code in (0, 1), done.output
    messages = [f["message"] for f in json.loads(done.stdout)["findings"] if f["rule"] == "policy/owned-by-group"]
    assert messages == [UNREAD]


def test_a_stand_in_inside_an_unread_placeholder_says_so(tmp_path: Path) -> None:
    tags = {"properties": {"metadata": {"properties": {"tags": {"type": "array"}}}}}
    schema = _policy_file(tmp_path, "tags.json", tags)
    _config(tmp_path, f"  tags:\n    description: Tags are a list.\n    kinds: [Component]\n    schema: {schema}\n")
    text = COMPONENT.format(type="service", owner="team-a").replace("  annotations:", "  tags:\n    $json: ./none.json\n  annotations:")
    (tmp_path / "catalog-info.yaml").write_text(text)
    assert [f[4] for f in _findings(tmp_path)] == ["metadata.tags must be array, not a mapping; from $json: ./none.json (not read)"]
