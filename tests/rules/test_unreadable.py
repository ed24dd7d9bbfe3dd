"""file-unreadable: a file the run cannot read is a finding on that file, and the run goes on.

No rule example can fail it (an example is text that is read), so these make one: a folder read as
a file, a URL into a repository the credentials cannot see, a URL naming a folder.
"""

from __future__ import annotations

from pathlib import Path

from catalint.config import Settings
from catalint.facts import FileResult
from catalint.lint.file import build_options, lint_source
from catalint.resolve.local import LocalResolver
from catalint.rules import file_unreadable
from catalint.sources.bitbucket import lint_remote
from catalint.sources.local import LocalSource
from tests.descriptors import group
from tests.fakes import FakeBitbucket


def _rules(results: list[FileResult]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for result in results:
        for finding in result.findings:
            out.setdefault(finding.rule, []).append(finding.message)
    return out


def test_a_local_path_that_cannot_be_read_as_a_file(tmp_path: Path) -> None:
    folder = tmp_path / "catalog-info.yaml"
    folder.mkdir()
    options = build_options(yamllint=None, max_bytes=2**20, kinds={}, assume_placeholders=False)
    result = lint_source(LocalSource(folder, "catalog-info.yaml", LocalResolver(tmp_path)), options)
    assert [(f.rule, f.path, f.span.line) for f in result.findings] == [(file_unreadable.ID, "catalog-info.yaml", 1)]
    assert result.findings[0].message.startswith("cannot read the file: ")
    assert not result.documents


def test_a_repository_the_credentials_cannot_see(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "vault", private=True, branches={"main": {"catalog-info.yaml": group("vault")}})
    fake_bitbucket.add_repo("acme", "open", branches={"main": {"catalog-info.yaml": group("open")}})
    urls = [f"{fake_bitbucket.web_url}/acme/{repo}/src/main/catalog-info.yaml" for repo in ("vault", "open")]
    results = lint_remote(urls, Settings(), fake_bitbucket.client(), style=False)
    found = _rules(results)
    assert list(found) == [file_unreadable.ID], found
    assert "private repository these credentials cannot see" in found[file_unreadable.ID][0]
    assert [bool(r.documents) for r in results] == [False, True]  # the open repository is still linted


def test_a_url_naming_a_folder(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"teams/a.yaml": group("a")}})
    results = lint_remote([f"{fake_bitbucket.web_url}/acme/svc/src/main/teams/"], Settings(), fake_bitbucket.client())
    assert _rules(results) == {file_unreadable.ID: ["the URL names a folder, not a file"]}
