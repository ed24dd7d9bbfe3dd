"""backstage-url: each spelling of a branch that Backstage reads as another ref, against a fake Bitbucket."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from catalint.rules import backstage_url, location_target
from tests.descriptors import group, location
from tests.fakes import FakeBitbucket
from tests.helpers import RunExample, lint_example

REPO = "https://bitbucket.org/acme/payments/src"
BRANCH = "feature/new-endpoint"
SERVED = (
    "# bitbucket: acme/payments feature/new-endpoint catalog-info.yaml\n"
    + group("team-new")
    + "# bitbucket: acme/payments main catalog-info.yaml\n"
    + group("team-main")
)


@pytest.mark.parametrize(
    ("spelling", "read_as"),
    [
        ("feature/new-endpoint/catalog-info.yaml", 'ref "feature" and path "new-endpoint/catalog-info.yaml"'),
        ("feature%2Fnew-endpoint/catalog-info.yaml", 'ref "feature" and path "new-endpoint/catalog-info.yaml"'),
        (
            "main/catalog-info.yaml?at=feature%2Fnew-endpoint",
            'ref "main" and path "catalog-info.yaml" (it ignores ?at=)',
        ),
    ],
)
def test_spellings_backstage_reads_as_another_ref(run_example: RunExample, spelling: str, read_as: str) -> None:
    result = run_example(location(f"{REPO}/{spelling}") + SERVED)
    [finding] = [f for f in result.findings if f.rule == backstage_url.ID]
    assert finding.span.line == 7 and f"Backstage reads this URL as {read_as}" in finding.message
    assert 'not branch "feature/new-endpoint"' in finding.message
    # The one spelling both read alike is named, with the commit Bitbucket gave.
    advice = re.search(r"the spelling both read is (\S+) \(Backstage then stays on that commit\)", finding.message)
    assert advice and re.search(r"/src/[0-9a-f]{40}/catalog-info.yaml\?at=feature%2Fnew-endpoint$", advice.group(1))
    # catalint itself reads the branch's file, so the target is not missing.
    assert [f for f in result.findings if f.rule == location_target.ID] == []
    assert any(d.path.endswith("?at=feature%2Fnew-endpoint") for d in result.documents)


def test_spellings_both_read_alike(
    fake_bitbucket: FakeBitbucket, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    fake_bitbucket.add_repo(
        "acme", "payments", branches={"main": {"catalog-info.yaml": group("team-main")}, BRANCH: {"x.yaml": group()}}
    )
    commit = fake_bitbucket.commit_of("acme", "payments", BRANCH)
    for name, value in fake_bitbucket.env().items():
        monkeypatch.setenv(name, value)
    text = location(f"{REPO}/main/catalog-info.yaml", f"{REPO}/{commit}/x.yaml?at=feature%2Fnew-endpoint")
    result = lint_example(tmp_path, text, fake_bitbucket)
    assert [f.message for f in result.findings if f.rule in (backstage_url.ID, location_target.ID)] == []
    assert len(result.documents) == 3  # both targets were read
