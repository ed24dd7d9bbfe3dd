from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli_run import RunCli
from tests.descriptors import group

VALID = group()
INVALID = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: x
spec:
  type: service
  owner: team-a
"""


def test_text_output_and_exit_codes(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID + "---\n" + INVALID)
    code, out, _ = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert code == 1
    assert 'catalog-info.yaml:13:1: error [spec-schema] spec is missing the required field "lifecycle"' in out
    assert run_cli("lint", "--no-cache", "--fail-on", "never", cwd=tmp_path).exit_code == 0


def test_warnings_fail_only_with_fail_on_warning(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID.replace("children: []", "children: []\n  parent: nobody"))
    assert run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path).exit_code == 0
    assert run_cli("lint", "--no-cache", "--no-style", "--fail-on", "warning", cwd=tmp_path).exit_code == 1


def test_json_contract(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID + "---\n" + INVALID + "---\nbroken: [\n")
    code, out, _ = run_cli("lint", "--no-cache", "--format", "json", "--no-style", cwd=tmp_path)
    data = json.loads(out)
    assert code == 1
    assert data["version"] == 1
    assert data["summary"] == {"files": 1, "documents": 2, "errors": 2, "warnings": 0, "infos": 0, "unverified": 0}
    assert data["documents"][0] == {
        "path": "catalog-info.yaml",
        "index": 0,
        "line": 1,
        "kind": "Group",
        "entity": "group:default/team-a",
        "valid": True,
    }
    assert data["documents"][1]["valid"] is False
    finding = next(f for f in data["findings"] if f["rule"] == "spec-schema")
    assert set(finding) == {
        "rule",
        "severity",
        "message",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "document",
        "entity",
    }
    assert finding["document"] == 1 and finding["entity"] == "component:default/x"
    syntax = next(f for f in data["findings"] if f["rule"] == "yaml-syntax")
    assert syntax["document"] == 2


def test_valid_ignores_catalint_only_checks(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID.replace("children: []", "children: [ghost]"))
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", cwd=tmp_path).stdout)
    assert data["documents"][0]["valid"] is True
    assert any(f["rule"] == "unresolved-ref" for f in data["findings"])


def test_inline_disable_comments(tmp_path: Path, run_cli: RunCli) -> None:
    body = INVALID.replace("spec:\n", "spec:  # catalint: disable=spec-schema\n")
    (tmp_path / "catalog-info.yaml").write_text(body)
    code, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert "spec-schema" not in out and code == 0
    (tmp_path / "catalog-info.yaml").write_text("# catalint: disable-file=spec-schema,unresolved-ref\n" + INVALID)
    assert run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path).exit_code == 0


def test_config_severity_and_off(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(INVALID)
    (tmp_path / ".catalint.yaml").write_text("rules:\n  spec-schema: warning\n  unresolved-ref: off\n")
    code, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert code == 0 and "warning [spec-schema]" in out and "unresolved-ref" not in out


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ("rules:\n  no-such-rule: error\n", "rules.no-such-rule: unknown rule"),
        ("rules:\n  spec-schema: loud\n", "rules.spec-schema: expected error, warning, info or off, found 'loud'"),
        ("include: 5\n", "include: expected a list of strings"),
        ("bogus: 1\n", "bogus: unknown key"),
        ("rules: [\n", "not valid YAML (line 2"),
        ("yamllint:\n  rules:\n    nope: enable\n", "yamllint: "),
        ("max-file-size: -1\n", "max-file-size: expected a positive number of bytes"),
    ],
)
def test_bad_config_exits_2_naming_file_and_key(tmp_path: Path, config: str, expected: str, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID)
    (tmp_path / ".catalint.yaml").write_text(config)
    code, _, err = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert code == 2
    assert ".catalint.yaml" in err and expected in err
    assert "Traceback" not in err


def test_missing_path_is_usage_error(tmp_path: Path, run_cli: RunCli) -> None:
    code, _, err = run_cli("lint", "--no-cache", "nope.yaml", cwd=tmp_path)
    assert code == 2 and "nope.yaml: no such file or folder" in err


def test_hostile_inputs_are_findings_not_tracebacks(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "catalog-info.yaml").write_bytes(b"\x00\x01binary")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "catalog-info.yaml").write_bytes("name: caf\xe9\n".encode("latin-1"))
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "catalog-info.yaml").write_text("x: " + "y" * 300 + "\n")
    (tmp_path / ".catalint.yaml").write_text("max-file-size: 200\n")
    code, out, err = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert code == 1 and "Traceback" not in err
    assert "a/catalog-info.yaml:1:1: warning [file-encoding] the file looks binary" in out
    assert "b/catalog-info.yaml:1:1: warning [file-encoding] the file is not valid UTF-8 (byte 0xe9" in out
    assert "c/catalog-info.yaml:1:1: error [file-too-large]" in out


def test_paths_escaping_the_repository_are_refused_and_never_read(tmp_path: Path, run_cli: RunCli) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    (repo / "link.txt").symlink_to(secret)
    (repo / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\nspec:\n  type: openapi\n"
        "  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ../secret.txt\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: b\nspec:\n  type: openapi\n"
        "  lifecycle: production\n  owner: team-a\n  definition:\n    $text: ./link.txt\n"
    )
    _code, out, _ = run_cli("lint", "--no-cache", "--format", "json", cwd=repo)
    data = json.loads(out)
    escapes = [f for f in data["findings"] if f["rule"] == "path-escape"]
    assert len(escapes) == 2 and {f["line"] for f in escapes} == {10, 21}
    assert "TOP-SECRET" not in out


def test_symlinked_folders_outside_the_root_are_not_walked(tmp_path: Path, run_cli: RunCli) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "catalog-info.yaml").write_text(INVALID)
    root = tmp_path / "root"
    root.mkdir()
    (root / "catalog-info.yaml").write_text(VALID)
    (root / "escape").symlink_to(outside)
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", cwd=root).stdout)
    assert [d["path"] for d in data["documents"]] == ["catalog-info.yaml"]


def test_include_exclude_and_skipped_folders(tmp_path: Path, run_cli: RunCli) -> None:
    for rel in ("catalog-info.yaml", "node_modules/x/catalog-info.yaml", "org/teams.yaml", "old/catalog-info.yaml"):
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(VALID.replace("team-a", path.parent.name or "root"))
    (tmp_path / ".catalint.yaml").write_text("include: ['org/*.yaml']\nexclude: ['old/**']\n")
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", cwd=tmp_path).stdout)
    assert sorted(d["path"] for d in data["documents"]) == ["catalog-info.yaml", "org/teams.yaml"]


def test_named_files_are_always_linted(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "whatever.yml").write_text(INVALID)
    code, out, _ = run_cli("lint", "--no-cache", "whatever.yml", "--no-style", cwd=tmp_path)
    assert code == 1 and "whatever.yml:" in out


def test_location_targets_are_followed_and_checked(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "a.yaml").write_text(INVALID)
    (tmp_path / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n"
        "  targets:\n    - ./teams/*.yaml\n    - ./missing.yaml\n    - ../../escape.yaml\n"
    )
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", cwd=tmp_path).stdout)
    assert "teams/a.yaml" in {d["path"] for d in data["documents"]}
    rules = {(f["rule"], f["line"]) for f in data["findings"] if f["path"] == "catalog-info.yaml"}
    assert ("location-target", 8) in rules and ("path-escape", 9) in rules


def test_placeholders_are_read_and_parsed(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    (tmp_path / "two.yaml").write_text("a: 1\n---\nb: 2\n")
    (tmp_path / "ok.yaml").write_text("openapi: 3.0.0\n")
    base = (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: {n}\n  description:\n    {p}\n"
        "spec:\n  type: service\n  lifecycle: production\n  owner: team-a\n"
    )
    docs = [
        base.format(n="a", p="$text: ./ok.yaml"),
        base.format(n="b", p="$json: ./bad.json"),
        base.format(n="c", p="$yaml: ./two.yaml"),
        base.format(n="d", p="$text: ./missing.md"),
    ]
    (tmp_path / "catalog-info.yaml").write_text("---\n".join(docs))
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", "--no-style", cwd=tmp_path).stdout)
    assert [d["valid"] for d in data["documents"]] == [True, False, False, False]
    messages = [f["message"] for f in data["findings"] if f["rule"] == "placeholder"]
    assert any("not valid JSON" in m for m in messages)
    assert any("exactly one document, found 2" in m for m in messages)
    assert any("missing.md does not exist" in m for m in messages)


def test_app_config_locations_and_rules(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID)
    (tmp_path / "app-config.yaml").write_text(
        "catalog:\n  locations:\n    - type: file\n      target: ./catalog-info.yaml\n      rules:\n        - allow: [Group]\n"
    )
    (tmp_path / "app-config.production.yaml").write_text("catalog:\n  rules:\n    - allow: [Component]\n")
    code, out, _ = run_cli("lint", "--no-cache", "--app-config", "app-config.yaml", "--no-style", cwd=tmp_path)
    assert code == 0, out
    code, out, _ = run_cli("lint", "--no-cache", "--app-config", "app-config.yaml", "--app-config", "app-config.production.yaml", "--no-style", cwd=tmp_path)
    assert code == 0, "per-location rules.allow still admits the Group"
    (tmp_path / "app-config.yaml").write_text(
        "catalog:\n  locations:\n    - type: file\n      target: ./catalog-info.yaml\n"
    )
    code, out, _ = run_cli("lint", "--no-cache", "--app-config", "app-config.yaml", "--app-config", "app-config.production.yaml", "--no-style", cwd=tmp_path)
    assert code == 1 and "error [catalog-rules] Group entities are not allowed" in out


def test_duplicate_entities_name_both_places(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "catalog-info.yaml").write_text(VALID)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "catalog-info.yaml").write_text(VALID.replace("team-a", "Team-A"))
    _, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert (
        "b/catalog-info.yaml:4:9: error [duplicate-entity] group:default/team-a is already declared at a/catalog-info.yaml:4"
        in out
    )


def test_techdocs_dir_needs_mkdocs(tmp_path: Path, run_cli: RunCli) -> None:
    doc = VALID.replace(
        "  name: team-a\n", "  name: team-a\n  annotations:\n    backstage.io/techdocs-ref: dir:docs-site\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(doc)
    _, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert "[techdocs-ref]" in out
    (tmp_path / "docs-site").mkdir()
    (tmp_path / "docs-site" / "mkdocs.yml").write_text("site_name: x\n")
    _, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert "[techdocs-ref]" not in out


def test_yamllint_style_findings_and_project_yamllint(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID.replace("type: team", "type:   team"))
    _, out, _ = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert "warning [yamllint/colons]" in out
    (tmp_path / ".yamllint").write_text("extends: default\nrules:\n  colons: disable\n  document-start: disable\n")
    _, out, _ = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert "yamllint/colons" not in out
    _, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert "yamllint" not in out


def test_rules_and_explain(tmp_path: Path, run_cli: RunCli) -> None:
    listing = run_cli("rules").stdout
    assert "entity-ref-format" in listing and "unresolved-ref" in listing
    explained = run_cli("explain", "entity-ref-format")
    assert explained.exit_code == 0 and "Fails:" in explained.stdout and "dependsOn: [payments-db]" in explained.stdout
    assert run_cli("explain", "nope").exit_code == 2


def test_config_of_the_linted_folder_is_used(tmp_path: Path, run_cli: RunCli) -> None:
    project = tmp_path / "project"
    (project / "org").mkdir(parents=True)
    (project / "org" / "teams.yaml").write_text(INVALID)
    (project / ".catalint.yaml").write_text("include: ['org/*.yaml']\n")
    code, out, _ = run_cli("lint", "--no-cache", "project", "--no-style", cwd=tmp_path)
    assert code == 1 and "project/org/teams.yaml:" in out


def test_yamllint_settings_in_catalint_config(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID.replace("type: team", "type:   team"))
    (tmp_path / ".catalint.yaml").write_text("yamllint:\n  extends: default\n  rules:\n    colons: disable\n")
    _, out, _ = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert "yamllint/colons" not in out and "yamllint/document-start" in out
    (tmp_path / ".catalint.yaml").write_text("yamllint: false\n")
    _, out, _ = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert "yamllint/" not in out
    (tmp_path / ".catalint.yaml").write_text("rules:\n  yamllint: error\n")
    code, out, _ = run_cli("lint", "--no-cache", cwd=tmp_path)
    assert code == 1 and "error [yamllint/colons]" in out


def test_colour_only_when_asked_or_on_a_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(INVALID)
    _, plain, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path, color=True)
    assert "\033[" not in plain, "not a terminal: no colour"
    monkeypatch.setenv("FORCE_COLOR", "1")
    _, coloured, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path, color=True)
    assert "\033[31merror\033[0m" in coloured
    monkeypatch.setenv("NO_COLOR", "1")
    assert "\033[" not in run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path, color=True).stdout


def test_hosts_neither_bitbucket_nor_allowed_are_findings_and_never_read(tmp_path: Path, run_cli: RunCli) -> None:
    doc = (
        "apiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: a\nspec:\n  type: openapi\n"
        "  lifecycle: production\n  owner: team-a\n  definition:\n    $text: {url}\n"
        "---\napiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: l\nspec:\n"
        "  targets:\n    - https://gitlab.example.org/x/catalog-info.yaml\n"
        "    - https://bitbucket.org/acme/other/src/main/catalog-info.yaml\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(doc.format(url="https://docs.example.com/openapi.yaml"))
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", "--no-style", "--offline", cwd=tmp_path).stdout)
    foreign = {(f["rule"], f["line"]) for f in data["findings"] if "neither Bitbucket nor an allowed host" in f["message"]}
    assert foreign == {("placeholder", 10), ("foreign-host", 18)}
    # Bitbucket URLs are not foreign; offline, they are listed as not verified.
    assert [f["rule"] for f in data["findings"] if f["line"] == 19] == ["offline"]
    (tmp_path / ".catalint.yaml").write_text("allowed-hosts: ['*.example.com', 'gitlab.example.org']\n")
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", "--no-style", "--offline", cwd=tmp_path).stdout)
    assert not any("neither Bitbucket nor an allowed host" in f["message"] for f in data["findings"])
    # Accepted, never read, and said: each is an `offline` info finding, counted as not verified.
    assert {(f["rule"], f["line"]) for f in data["findings"] if "allowed host that catalint does not read" in f["message"]} == {
        ("offline", 10),
        ("offline", 18),
    }
    (tmp_path / ".catalint.yaml").unlink()
    (tmp_path / "app-config.yaml").write_text(
        "integrations:\n  gitlab:\n    - host: gitlab.example.org\n"
        "backend:\n  reading:\n    allow:\n      - host: docs.example.com:443\n"
    )
    data = json.loads(run_cli("lint", "--no-cache", "--format", "json", "--no-style", "--app-config", "app-config.yaml", cwd=tmp_path).stdout)
    assert not any("neither Bitbucket nor an allowed host" in f["message"] for f in data["findings"])
    # Accepted, never read, and said: each is an `offline` info finding, counted as not verified.
    assert {(f["rule"], f["line"]) for f in data["findings"] if "allowed host that catalint does not read" in f["message"]} == {
        ("offline", 10),
        ("offline", 18),
    }, "app-config hosts count as allowed"


def test_a_broken_document_says_it_blocks_the_whole_file(tmp_path: Path, run_cli: RunCli) -> None:
    (tmp_path / "catalog-info.yaml").write_text(VALID + "---\nbroken: [\n")
    _, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert "Backstage ingests none of this file's other entities either" in out
    (tmp_path / "catalog-info.yaml").write_text("broken: [\n")
    _, out, _ = run_cli("lint", "--no-cache", "--no-style", cwd=tmp_path)
    assert "[yaml-syntax]" in out and "other entities" not in out
