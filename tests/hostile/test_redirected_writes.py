"""Item 12: a Code Insights write that is redirected is not replayed on the other host."""

from __future__ import annotations

import pytest

from catalint.report.bitbucket import BitbucketReportError, publish_report, resolve_target
from catalint.report.paths import PathMapper
from tests.fakes.bitbucket import FakeBitbucket
from tests.hostile.server import Answer, HostileServer
from tests.report.conftest import sample_result

WS, SLUG = "acme", "catalog"


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirected_write_fails_and_reaches_nobody_else(
    fake_bitbucket: FakeBitbucket, repo_paths: PathMapper, status: int
) -> None:
    fake_bitbucket.add_repo(WS, SLUG, branches={"main": {"catalog-info.yaml": "kind: System\n"}})
    commit = fake_bitbucket.commit_of(WS, SLUG, "main")
    fake_bitbucket.add_access_token("repo-token-123", repositories=[f"{WS}/{SLUG}"])
    env = {
        "BITBUCKET_REPO_FULL_NAME": f"{WS}/{SLUG}",
        "BITBUCKET_TOKEN": "repo-token-123",
        "CATALINT_BITBUCKET_API_URL": fake_bitbucket.api_url,
    }
    with HostileServer() as elsewhere:
        elsewhere.on(r".", Answer(200, b"{}", {"Content-Type": "application/json"}))
        fake_bitbucket.redirect(r"/reports/", f"{elsewhere.url}/collect", status=status, method="PUT")
        with pytest.raises(BitbucketReportError, match=rf"answered {status}, a redirect to 127\.0\.0\.1") as caught:
            publish_report(sample_result(), resolve_target(env, commit=commit), failed=True, paths=repo_paths)
        assert elsewhere.seen == []
    assert "repo-token-123" not in str(caught.value)
    assert (WS, SLUG, commit, "catalint") not in fake_bitbucket.reports


def test_a_redirected_backstage_write_is_not_followed() -> None:
    from catalint.backstage.catalog import BackstageError, CatalogClient

    with HostileServer() as elsewhere, HostileServer() as backstage:
        elsewhere.on(r".", Answer(201, b'{"location": {"id": "x"}}', {"Content-Type": "application/json"}))
        backstage.on(r"/locations", Answer(307, b"", {"Location": f"{elsewhere.url}/api/catalog/locations"}))
        with pytest.raises(BackstageError, match="unexpected 307"):
            CatalogClient(backstage.url, "tok-backstage-1234").register("https://bitbucket.org/a/b/src/main/c.yaml")
        assert elsewhere.seen == []
