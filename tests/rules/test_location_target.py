"""location-target beyond its examples: every branch of the check, local and on Bitbucket."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.rules import location_target, path_escape
from tests.cli_run import RunCli
from tests.descriptors import group, location
from tests.helpers import RunExample, found

ID = location_target.ID


def test_a_type_other_than_the_files_own_is_rejected(run_example: RunExample) -> None:
    text = location("./teams/a.yaml").replace("spec:\n", "spec:\n  type: file\n")
    result = run_example(text + "# file: teams/a.yaml\n" + group())
    [(path, line, message)] = found(result, ID)
    assert (path, line) == ("catalog-info.yaml", 6)  # on `type:`
    assert 'type "file" differs from this file\'s own type "url"' in message and "Backstage rejects it" in message
    assert [d.path for d in result.documents] == ["catalog-info.yaml"]  # its targets are not followed


def test_a_type_read_by_another_processor_is_rejected_in_a_url_location(run_example: RunExample) -> None:
    text = location("./nothing.yaml").replace("spec:\n", "spec:\n  type: github-discovery\n")
    assert [m for _, _, m in found(run_example(text), ID)] == [
        'type "github-discovery" differs from this file\'s own type "url" and is not an allowed location type '
        "(url); Backstage rejects it"
    ]


def test_optional_targets_may_be_missing(run_example: RunExample) -> None:
    text = location("./teams/missing.yaml").replace("spec:\n", "spec:\n  presence: optional\n")
    assert found(run_example(text), ID) == []
    assert found(run_example(location("./teams/missing.yaml")), ID) != []  # the same, required


def test_a_folder_is_not_a_target(run_example: RunExample) -> None:
    result = run_example(location("./teams") + "# file: teams/a.yaml\n" + group())
    assert found(result, ID) == [
        ("catalog-info.yaml", 7, 'target "./teams" is a folder; a Location target must name a file')
    ]


def test_a_glob_must_match_and_what_it_matches_is_linted(run_example: RunExample) -> None:
    assert found(run_example(location("./teams/*.yaml")), ID) == [
        ("catalog-info.yaml", 7, 'target "./teams/*.yaml" not found: no files match teams/*.yaml')
    ]
    text = location("./teams/*.yaml") + "# file: teams/a.yaml\n" + group("Team A") + "# file: teams/b.yaml\n" + group()
    result = run_example(text)
    assert found(result, ID) == []
    assert sorted(d.path for d in result.documents) == ["catalog-info.yaml", "teams/a.yaml", "teams/b.yaml"]
    assert [p for p, _, _ in found(result, "field-format")] == ["teams/a.yaml"]  # the target was linted


def test_target_and_targets_are_both_read_and_a_cycle_ends(run_example: RunExample) -> None:
    back = location("../catalog-info.yaml", name="back")
    text = location("./teams/a.yaml", "./teams/a.yaml").replace("spec:\n", "spec:\n  target: ./b.yaml\n")
    result = run_example(text + "# file: teams/a.yaml\n" + back + "# file: b.yaml\n" + group("b"))
    assert found(result, ID) == []
    assert sorted(d.path for d in result.documents) == ["b.yaml", "catalog-info.yaml", "teams/a.yaml"]


def test_a_target_leaving_the_repository_is_path_escape_not_read(run_example: RunExample) -> None:
    result = run_example(location("../../outside.yaml"))
    assert found(result, ID) == []
    assert found(result, path_escape.ID) == [
        ("catalog-info.yaml", 7, 'target "../../outside.yaml" leaves the repository; not read')
    ]


def test_targets_on_bitbucket_are_looked_up_and_linted(run_example: RunExample) -> None:
    text = location(
        "https://bitbucket.org/acme/teams/src/main/gone.yaml", "https://bitbucket.org/acme/teams/src/main/a.yaml"
    )
    result = run_example(text + "# bitbucket: acme/teams main a.yaml\n" + group("Team A"))
    [(path, line, message)] = found(result, ID)
    assert (path, line) == ("catalog-info.yaml", 7)
    assert message.startswith('target "http://127.0.0.1:') and '/acme/teams/src/main/gone.yaml" not found' in message
    remote = [p for p, _, _ in found(result, "field-format")]
    assert len(remote) == 1 and remote[0].endswith("/acme/teams/src/main/a.yaml")  # the file it found was linted


@pytest.mark.parametrize(("target", "expected"), [("teams/a.yaml", 1), ("./teams/a.yaml", 0)])
def test_relative_file_targets_start_with_dot_slash(
    tmp_path: Path, run_cli: RunCli, target: str, expected: int
) -> None:
    (tmp_path / "app-config.yaml").write_text(
        "catalog:\n  rules:\n    - allow: [Location, Group]\n"
        "  locations:\n    - type: file\n      target: ./catalog-info.yaml\n"
    )
    (tmp_path / "catalog-info.yaml").write_text(location(target).replace("spec:\n", "spec:\n  type: file\n"))
    (tmp_path / "teams").mkdir()
    (tmp_path / "teams" / "a.yaml").write_text(group())
    result = run_cli("lint", "--no-cache", "--format", "json", "--app-config", "app-config.yaml", cwd=tmp_path)
    hits = [f for f in json.loads(result.stdout)["findings"] if f["rule"] == ID]
    assert len(hits) == expected, hits
    if hits:
        assert hits[0]["line"] == 8 and 'does not start with "./"' in hits[0]["message"]
