"""source-location beyond its example: local folders, Bitbucket, escapes, and what is not looked at."""

from __future__ import annotations

from collections.abc import Callable

from catalint.model import RunResult
from catalint.rules import offline, path_escape, source_location, unverified
from tests.descriptors import system

RunExample = Callable[[str], RunResult]
ID = source_location.ID
KEY = source_location.ANNOTATION
SVC = "https://bitbucket.org/acme/svc/src/main"


def reported(result: RunResult) -> list[tuple[str, int, str]]:
    ids = (ID, path_escape.ID, unverified.ID, offline.ID)
    return [(f.rule, f.span.line, f.message) for f in result.findings if f.rule in ids]


def test_a_local_folder_or_file(run_example: RunExample) -> None:
    assert reported(run_example(system(annotations={KEY: "url:./src/"}) + "# file: src/main.py\nprint()\n")) == []
    assert reported(run_example(system(annotations={KEY: "url:./src/main.py"}) + "# file: src/main.py\nx\n")) == []
    assert reported(run_example(system(annotations={KEY: "url:./lib/"}) + "# file: src/main.py\nx\n")) == [
        (ID, 6, f'{KEY} "./lib/" not found: lib does not exist')
    ]


def test_only_url_values_are_checked(run_example: RunExample) -> None:
    assert reported(run_example(system(annotations={KEY: "dir:./nothing"}))) == []


def test_leaving_the_repository_is_path_escape(run_example: RunExample) -> None:
    assert reported(run_example(system(annotations={KEY: "url:../../../"}))) == [
        (path_escape.ID, 6, f'{KEY} "../../../" leaves the repository; not read')
    ]


def test_a_bitbucket_folder_is_looked_up_there(run_example: RunExample) -> None:
    served = "# bitbucket: acme/svc main app/main.py\nprint()\n"
    assert reported(run_example(system(annotations={KEY: f"url:{SVC}/app/"}) + served)) == []
    [(rule, line, message)] = reported(run_example(system(annotations={KEY: f"url:{SVC}/nope/"}) + served))
    assert (rule, line) == (ID, 6) and '/acme/svc/src/main/nope/" not found' in message


def test_a_target_not_looked_at_is_never_said_missing(run_example: RunExample) -> None:
    text = system(annotations={KEY: f"url:{SVC}/"})
    assert reported(run_example(text + "# bitbucket: unreachable\n")) == [
        (unverified.ID, 6, f'{KEY} "{SVC}/" could not verify: connection failed')
    ]
    assert reported(run_example(text)) == [(offline.ID, 6, f'{KEY} "{SVC}/" not verified: the run is offline')]
