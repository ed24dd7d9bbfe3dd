"""foreign-host and offline: hosts catalint does not read are said, never fetched, never "missing"."""

from __future__ import annotations

import pytest

from catalint.model import RunResult
from catalint.rules import foreign_host, offline
from tests.descriptors import location, system
from tests.helpers import RunExample

TARGET = "https://git.example.org/team/catalog-info.yaml"
ALLOWED = f'target "{TARGET}" is on git.example.org, an allowed host that catalint does not read; not verified'


def said(result: RunResult) -> list[tuple[str, int, str]]:
    return [(f.rule, f.span.line, f.message) for f in result.findings if f.rule in (foreign_host.ID, offline.ID)]


@pytest.mark.parametrize(
    ("config", "line"),
    [
        ('# file: .catalint.yaml\nallowed-hosts: ["*.example.org"]\n', 7),  # a pattern
        (
            "# app-config: {integrations: {github: [{host: git.example.org}]}, catalog: {rules: [{allow: [Location]}]}}\n",
            8,
        ),
        (
            "# app-config: {backend: {reading: {allow: [{host: git.example.org}]}}, catalog: {rules: [{allow: [Location]}]}}\n",
            8,
        ),
    ],
    ids=["allowed-hosts pattern", "app-config integration", "backend.reading.allow"],
)
def test_an_allowed_host_is_listed_as_not_verified(run_example: RunExample, config: str, line: int) -> None:
    text = config + location(TARGET) if config.startswith("# app-config") else location(TARGET) + config
    assert said(run_example(text)) == [(offline.ID, line, ALLOWED)]


def test_annotations_on_another_host_are_foreign_too(run_example: RunExample) -> None:
    annotations = {
        "backstage.io/source-location": "url:https://github.com/acme/svc/tree/main/",
        "backstage.io/techdocs-ref": "url:https://github.com/acme/svc/tree/main/docs",
    }
    assert said(run_example(system(annotations=annotations))) == [
        (
            foreign_host.ID,
            6,
            'backstage.io/source-location "https://github.com/acme/svc/tree/main/" is on github.com, which is neither '
            "Bitbucket nor an allowed host; not read",
        ),
        (
            foreign_host.ID,
            7,
            'backstage.io/techdocs-ref folder "https://github.com/acme/svc/tree/main/docs" is on github.com, which is '
            "neither Bitbucket nor an allowed host; not read",
        ),
    ]


def test_the_summary_counts_them_as_not_verified(run_example: RunExample) -> None:
    result = run_example(location(TARGET, "https://bitbucket.org/acme/svc/src/main/catalog-info.yaml"))
    assert [rule for rule, _, _ in said(result)] == [foreign_host.ID, offline.ID]
    assert result.unverified == 2 and result.tally().endswith("; 2 targets not verified")
