"""Linting descriptors on the fake Bitbucket: placeholders, Location targets, TechDocs, source-location."""

from __future__ import annotations

import pytest

from catalint.config import Settings
from catalint.facts import FileResult
from catalint.sources.bitbucket import lint_remote
from tests.fakes import FakeBitbucket

COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  annotations:
    backstage.io/techdocs-ref: dir:{docs}
    backstage.io/source-location: url:{source}
  description:
    $text: {text}
spec:
  type: service
  lifecycle: production
  owner: team-a
"""
LOCATION = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: all
spec:
  targets:
{targets}
"""


def rules(results: list[FileResult]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for result in results:
        for finding in result.findings:
            if not finding.rule.startswith("yamllint/"):
                out.setdefault(finding.rule, []).append(finding.message)
    return out


@pytest.fixture
def fake(fake_bitbucket: FakeBitbucket) -> FakeBitbucket:
    web = fake_bitbucket.base_url
    good = COMPONENT.format(name="svc", docs=".", source=f"{web}/acme/svc/src/main/", text="./README.md")
    bad = COMPONENT.format(
        name="bad", docs="./nodocs", source=f"{web}/acme/svc/src/main/nowhere/", text="../../../etc/passwd"
    )
    foreign = COMPONENT.format(
        name="foreign", docs=".", source=f"{web}/acme/svc/src/main/", text=f"{web}/acme/other/src/main/README.md"
    )
    loc = LOCATION.format(
        targets="    - ./teams/*.yaml\n    - ./missing.yaml\n    - ./catalog-info.yaml\n    - ./sub/loop.yaml\n"
    )
    loop = LOCATION.format(targets="    - ../all.yaml\n")
    fake_bitbucket.add_repo(
        "acme",
        "svc",
        branches={
            "main": {
                "catalog-info.yaml": good,
                "README.md": "hello",
                "mkdocs.yml": "site_name: x\n",
                "bad/catalog-info.yaml": bad,
                "bad/foreign.yaml": foreign,
                "all.yaml": loc,
                "sub/loop.yaml": loop,
                "teams/a.yaml": COMPONENT.format(
                    name="a", docs=".", source=f"{web}/acme/svc/src/main/", text="../README.md"
                ),
                "teams/b.yaml": COMPONENT.format(
                    name="b", docs=".", source=f"{web}/acme/svc/src/main/", text="/README.md"
                ),
            },
            "feature/x": {"deep/catalog-info.yaml": good.replace("./README.md", "./notes.txt"), "deep/notes.txt": "n"},
        },
    )
    fake_bitbucket.add_repo("acme", "other", branches={"main": {"README.md": "x"}})
    return fake_bitbucket


def test_good_file_is_clean(fake: FakeBitbucket) -> None:
    results = lint_remote([f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml"], Settings(), fake.client())
    assert len(results) == 1
    assert rules(results) == {}
    assert results[0].documents[0].valid


def test_bad_file(fake: FakeBitbucket) -> None:
    found = rules(lint_remote([f"{fake.web_url}/acme/svc/src/main/bad/catalog-info.yaml"], Settings(), fake.client()))
    assert "path-escape" in found
    assert "techdocs-ref" in found
    assert "source-location" in found


def test_placeholder_into_another_repo_is_foreign(fake: FakeBitbucket) -> None:
    found = rules(lint_remote([f"{fake.web_url}/acme/svc/src/main/bad/foreign.yaml"], Settings(), fake.client()))
    assert any("same repository as the entity" in m for m in found["placeholder"])
    assert not fake.requests_matching(r"/acme/other/")


def test_locations_followed_with_globs_and_cycles(fake: FakeBitbucket) -> None:
    results = lint_remote([f"{fake.web_url}/acme/svc/src/main/all.yaml"], Settings(), fake.client())
    names = sorted(r.path.rsplit("/", 1)[-1].split("?")[0] for r in results)
    assert names == ["a.yaml", "all.yaml", "b.yaml", "catalog-info.yaml", "loop.yaml"]
    found = rules(results)
    assert found.get("location-target") and "missing.yaml" in found["location-target"][0]
    assert "placeholder" not in found


def test_slash_branch_file(fake: FakeBitbucket) -> None:
    results = lint_remote([f"{fake.web_url}/acme/svc/src/feature/x/deep/catalog-info.yaml"], Settings(), fake.client())
    assert len(results) == 1 and results[0].documents
    found = rules(results)
    assert "placeholder" not in found and "file-unreadable" not in found


def test_failures_are_unverified_or_not_found(fake: FakeBitbucket) -> None:
    fake.fail_next(r"/src/main/README.md$", 503, count=None)
    found = rules(lint_remote([f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml"], Settings(), fake.client()))
    assert list(found) == ["unverified"]
    missing = rules(lint_remote([f"{fake.web_url}/acme/nope/src/main/catalog-info.yaml"], Settings(), fake.client()))
    assert "private repository these credentials cannot see" in missing["file-unreadable"][0]
    fake.drop(r"/src/main/teams/b.yaml$", count=None)
    found = rules(lint_remote([f"{fake.web_url}/acme/svc/src/main/teams/b.yaml"], Settings(), fake.client()))
    assert list(found) == ["unverified"]


def test_each_file_read_once(fake: FakeBitbucket) -> None:
    client = fake.client()
    lint_remote(
        [f"{fake.web_url}/acme/svc/src/main/all.yaml", f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml"],
        Settings(),
        client,
    )
    paths = [r.path for r in fake.request_log]
    assert len(paths) == len(set(paths))
