"""source-location beyond its example: local folders, Bitbucket, escapes, and what is not looked at."""

from __future__ import annotations

from catalint.rules import offline, path_escape, source_location, unverified
from tests.descriptors import system
from tests.helpers import RunExample, resolution

ID = source_location.ID
KEY = source_location.ANNOTATION
SVC = "https://bitbucket.org/acme/svc/src/main"


def test_a_local_folder_or_file(run_example: RunExample) -> None:
    assert resolution(run_example(system(annotations={KEY: "url:./src/"}) + "# file: src/main.py\nprint()\n"), ID) == []
    assert (
        resolution(run_example(system(annotations={KEY: "url:./src/main.py"}) + "# file: src/main.py\nx\n"), ID) == []
    )
    assert resolution(run_example(system(annotations={KEY: "url:./lib/"}) + "# file: src/main.py\nx\n"), ID) == [
        (ID, 6, f'{KEY} "./lib/" not found: lib does not exist')
    ]


def test_only_url_values_are_checked(run_example: RunExample) -> None:
    assert resolution(run_example(system(annotations={KEY: "dir:./nothing"})), ID) == []


def test_leaving_the_repository_is_path_escape(run_example: RunExample) -> None:
    assert resolution(run_example(system(annotations={KEY: "url:../../../"})), ID) == [
        (path_escape.ID, 6, f'{KEY} "../../../" leaves the repository; not read')
    ]


def test_a_bitbucket_folder_is_looked_up_there(run_example: RunExample) -> None:
    served = "# bitbucket: acme/svc main app/main.py\nprint()\n"
    assert resolution(run_example(system(annotations={KEY: f"url:{SVC}/app/"}) + served), ID) == []
    [(rule, line, message)] = resolution(run_example(system(annotations={KEY: f"url:{SVC}/nope/"}) + served), ID)
    assert (rule, line) == (ID, 6) and '/acme/svc/src/main/nope/" not found' in message


def test_a_target_not_looked_at_is_never_said_missing(run_example: RunExample) -> None:
    text = system(annotations={KEY: f"url:{SVC}/"})
    assert resolution(run_example(text + "# bitbucket: unreachable\n"), ID) == [
        (unverified.ID, 6, f'{KEY} "{SVC}/" could not verify: connection failed')
    ]
    assert resolution(run_example(text), ID) == [(offline.ID, 6, f'{KEY} "{SVC}/" not verified: the run is offline')]
