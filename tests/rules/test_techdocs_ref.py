"""techdocs-ref beyond its examples: both forms, mkdocs.yaml, source-location as the base, Bitbucket."""

from __future__ import annotations

from catalint.rules import offline, path_escape, techdocs_ref, unverified
from tests.descriptors import system
from tests.helpers import RunExample, resolution

ID = techdocs_ref.ID
REF = techdocs_ref.ANNOTATION
MKDOCS = "site_name: Handbook\n"


def test_the_value_must_be_dir_or_url(run_example: RunExample) -> None:
    assert resolution(run_example(system(annotations={REF: "./docs"})), ID) == [
        (ID, 6, f'{REF} must be "dir:<path>" or "url:<url>", found "./docs"')
    ]
    assert resolution(run_example(system(annotations={REF: "url:"})), ID) == [
        (ID, 6, f'{REF} "url:" needs the URL of the folder holding mkdocs.yml')
    ]


def test_mkdocs_yaml_counts_too(run_example: RunExample) -> None:
    assert (
        resolution(run_example(system(annotations={REF: "dir:docs"}) + "# file: docs/mkdocs.yaml\n" + MKDOCS), ID) == []
    )
    assert resolution(run_example(system(annotations={REF: "dir:docs"}) + "# file: docs/README.md\nhi\n"), ID) == [
        (ID, 6, f'{REF} points at "docs", which has no mkdocs.yml')
    ]


def test_a_folder_outside_the_repository_is_path_escape(run_example: RunExample) -> None:
    assert resolution(run_example(system(annotations={REF: "dir:../../.."})), ID) == [
        (path_escape.ID, 6, f'{REF} folder "../../.." leaves the repository; not read')
    ]


def test_url_folders_are_looked_up_on_bitbucket(run_example: RunExample) -> None:
    base = "https://bitbucket.org/acme/docs/src/main"
    text = (
        system("handbook", annotations={REF: f"url:{base}/handbook"})
        + "---\n"
        + system("nothing", annotations={REF: f"url:{base}/nothing"})
        + "# bitbucket: acme/docs main handbook/mkdocs.yml\n"
        + MKDOCS
    )
    [(rule, line, message)] = resolution(run_example(text), ID)
    assert (rule, line) == (ID, 15)  # the second document's annotation
    assert message.endswith('/acme/docs/src/main/nothing", which has no mkdocs.yml')


def test_dir_is_read_against_a_source_location_url(run_example: RunExample) -> None:
    annotations = {"backstage.io/source-location": "url:https://bitbucket.org/acme/docs/src/main/", REF: "dir:handbook"}
    text = system(annotations=annotations) + "# bitbucket: acme/docs main handbook/mkdocs.yml\n" + MKDOCS
    assert resolution(run_example(text), ID) == []
    text = system(annotations=annotations) + "# bitbucket: acme/docs main other/mkdocs.yml\n" + MKDOCS
    [(rule, _, message)] = resolution(run_example(text), ID)
    assert rule == ID and message.endswith('/acme/docs/src/main/handbook", which has no mkdocs.yml')


def test_a_folder_not_looked_at_is_never_said_missing(run_example: RunExample) -> None:
    text = system(annotations={REF: "url:https://bitbucket.org/acme/docs/src/main/handbook"})
    assert resolution(run_example(text + "# bitbucket: unreachable\n"), ID) == [
        (
            unverified.ID,
            6,
            f'{REF} folder "https://bitbucket.org/acme/docs/src/main/handbook" could not verify: connection failed',
        )
    ]
    assert resolution(run_example(text), ID) == [
        (
            offline.ID,
            6,
            f'{REF} folder "https://bitbucket.org/acme/docs/src/main/handbook" not verified: the run is offline',
        )
    ]
