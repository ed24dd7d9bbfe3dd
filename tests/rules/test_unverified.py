"""unverified: Bitbucket failing to answer is "could not verify", never "does not exist"."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.rules import location_target, placeholder, techdocs_ref, unverified
from tests.descriptors import HEADER, location, system
from tests.fakes import FakeBitbucket
from tests.helpers import lint_example

SVC = "https://bitbucket.org/acme/svc/src/main"
NEVER_MISSING = (location_target.ID, placeholder.ID, techdocs_ref.ID, "source-location")


@pytest.fixture
def flaky(fake_bitbucket: FakeBitbucket, monkeypatch: pytest.MonkeyPatch) -> FakeBitbucket:
    for name, value in fake_bitbucket.env().items():
        monkeypatch.setenv(name, value)
    return fake_bitbucket


@pytest.mark.parametrize(("status", "retry_after"), [(503, None), (500, None), (429, 0)])
def test_server_errors_and_rate_limits_are_unverified(
    flaky: FakeBitbucket, tmp_path: Path, status: int, retry_after: int | None
) -> None:
    flaky.fail_next(r".*", status, count=None, retry_after=retry_after)
    api = (
        f"{HEADER}kind: API\nmetadata:\n  name: pets\nspec:\n  type: openapi\n  lifecycle: production\n"
        f"  owner: team-a\n  definition:\n    $text: {SVC}/api.yaml\n"
    )
    annotated = system(
        annotations={"backstage.io/techdocs-ref": f"url:{SVC}/docs", "backstage.io/source-location": f"url:{SVC}/"}
    )
    text = location(f"{SVC}/catalog-info.yaml") + "---\n" + api + "---\n" + annotated
    result = lint_example(tmp_path, text, flaky)
    rules = sorted((f.rule, f.span.line) for f in result.findings if f.rule in (unverified.ID, *NEVER_MISSING))
    # The Location target, the placeholder, source-location and the TechDocs folder: one each.
    assert rules == [(unverified.ID, 7), (unverified.ID, 18), (unverified.ID, 25), (unverified.ID, 26)]
    assert result.unverified == 4
    assert all(f.severity.label == "warning" for f in result.findings if f.rule == unverified.ID)
