"""placeholder beyond its example: parsing, where paths resolve, hosts, and what is never said missing."""

from __future__ import annotations

import pytest

from catalint.model import RunResult
from catalint.rules import backstage_url, offline, path_escape, placeholder, unverified
from tests.descriptors import HEADER
from tests.helpers import RunExample

ID = placeholder.ID
BITBUCKET_FILE = "https://bitbucket.org/acme/other/src/main/api.yaml"


def api(key: str, target: str, name: str = "pets") -> str:
    """An API whose definition is one placeholder, on line 10."""
    return (
        f"{HEADER}kind: API\nmetadata:\n  name: {name}\nspec:\n  type: openapi\n  lifecycle: production\n"
        f"  owner: team-a\n  definition:\n    {key}: {target}\n"
    )


def reported(result: RunResult) -> list[tuple[str, str, int, str]]:
    """What substituting placeholders reported: its own findings and the rules it hands cases to."""
    ids = (ID, path_escape.ID, unverified.ID, offline.ID, backstage_url.ID)
    return [(f.rule, f.path, f.span.line, f.message) for f in result.findings if f.rule in ids]


@pytest.mark.parametrize(
    ("key", "body", "message"),
    [
        ("$json", '{"openapi": \n', "$json target './api.txt' is not valid JSON: Expecting value: line 2 column 1"),
        ("$yaml", "a: 1\n---\nb: 2\n", "$yaml target './api.txt' must hold exactly one document, found 2"),
        ("$yaml", "a: [\n", "$yaml target './api.txt' does not parse (line 2): YAML syntax error"),
    ],
)
def test_json_and_yaml_targets_must_parse(run_example: RunExample, key: str, body: str, message: str) -> None:
    [(rule, path, line, text)] = reported(run_example(api(key, "./api.txt") + "# file: api.txt\n" + body))
    assert (rule, path, line) == (ID, "catalog-info.yaml", 10)
    assert text.startswith(message), text


def test_text_takes_any_file_and_yaml_one_document(run_example: RunExample) -> None:
    assert reported(run_example(api("$text", "./api.txt") + "# file: api.txt\nnot: [yaml\n")) == []
    assert reported(run_example(api("$yaml", "./api.yaml") + "# file: api.yaml\nopenapi: 3.0.0\n")) == []


def test_paths_resolve_against_the_descriptor_and_slash_is_the_root(run_example: RunExample) -> None:
    nested = api("$text", "./README.md", "nested")
    text = "# file: svc/catalog-info.yaml\n" + nested + "# file: svc/README.md\nhi\n"
    assert reported(run_example(api("$text", "/docs/api.yaml") + "# file: docs/api.yaml\nx\n" + text)) == []
    # The same placeholder with README.md beside the root descriptor instead: not found from svc/.
    misplaced = "# file: svc/catalog-info.yaml\n" + nested + "# file: README.md\nhi\n"
    assert reported(run_example(api("$text", "./README.md") + misplaced)) == [
        (ID, "svc/catalog-info.yaml", 10, "$text could not read './README.md': svc/README.md does not exist")
    ]


def test_a_host_that_is_not_bitbucket_is_refused(run_example: RunExample) -> None:
    assert reported(run_example(api("$text", "https://git.example.org/api.yaml"))) == [
        (
            ID,
            "catalog-info.yaml",
            10,
            "$text is on git.example.org, which is neither Bitbucket nor an allowed host; not read",
        )
    ]


def test_a_bitbucket_file_is_read_there_and_never_said_missing_when_not_looked_at(run_example: RunExample) -> None:
    served = api("$text", BITBUCKET_FILE) + "# bitbucket: acme/other main api.yaml\nopenapi: 3.0.0\n"
    assert reported(run_example(served)) == []
    gone = api("$text", BITBUCKET_FILE.replace("api.yaml", "gone.yaml")) + "# bitbucket: acme/other main api.yaml\nx\n"
    [(rule, _, line, message)] = reported(run_example(gone))
    assert (rule, line) == (ID, 10) and "gone.yaml" in message
    assert reported(run_example(api("$text", BITBUCKET_FILE) + "# bitbucket: unreachable\n")) == [
        (unverified.ID, "catalog-info.yaml", 10, f"$text target '{BITBUCKET_FILE}' could not verify: connection failed")
    ]
    assert reported(run_example(api("$text", BITBUCKET_FILE))) == [
        (offline.ID, "catalog-info.yaml", 10, f"$text target '{BITBUCKET_FILE}' not verified: the run is offline")
    ]


def test_a_slash_branch_spelled_as_is_is_read_but_flagged(run_example: RunExample) -> None:
    url = "https://bitbucket.org/acme/other/src/feature/new-api/api.yaml"
    result = run_example(api("$text", url) + "# bitbucket: acme/other feature/new-api api.yaml\nopenapi: 3.0.0\n")
    [(rule, _, line, message)] = reported(result)
    assert (rule, line) == (backstage_url.ID, 10)
    assert 'Backstage reads this URL as ref "feature"' in message
