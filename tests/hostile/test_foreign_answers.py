"""Item 9: a host that is not Bitbucket refusing a redirected request does not end the run."""

from __future__ import annotations

from catalint.bitbucket.client import UNVERIFIED, BitbucketClient
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.urls import Hosts
from catalint.config import Settings
from catalint.sources.bitbucket import lint_remote
from tests.descriptors import group
from tests.fakes import FakeBitbucket
from tests.hostile.server import Answer, HostileServer


def test_a_foreign_403_is_unverified_and_the_run_goes_on(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_access_token("tok-foreign-123", workspaces=["acme"])
    fake_bitbucket.add_repo(
        "acme",
        "svc",
        branches={"main": {"lfs.yaml": group("lfs"), "plain.yaml": group("plain")}},
    )
    with HostileServer() as media:
        media.on(r"/media/", Answer(403, b"<Error><Code>AccessDenied</Code>Request has expired</Error>"))
        fake_bitbucket.redirect(r"/src/main/lfs\.yaml$", f"{media.url}/media/lfs.yaml?Expires=1")
        client = fake_bitbucket.client(Credentials("bearer", secret="tok-foreign-123"), timeout=5.0, retries=0)
        web = fake_bitbucket.web_url
        results = lint_remote(
            [f"{web}/acme/svc/src/main/lfs.yaml", f"{web}/acme/svc/src/main/plain.yaml"], Settings(), client
        )
        assert [s.authorization for s in media.seen] == [None]  # the credentials stayed home
    assert client.auth_error is None
    by_file = {r.path.rsplit("/", 1)[1]: r for r in results}
    assert by_file["plain.yaml"].documents and by_file["plain.yaml"].documents[0].valid
    messages = [f.message for f in by_file["lfs.yaml"].findings]
    assert any("answered HTTP 403" in m and "127.0.0.1" in m for m in messages), messages
    assert not any("credentials" in m or "permission" in m for m in messages), messages


def test_classify_by_the_host_that_answered(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a.yaml": "x: 1\n"}})
    with HostileServer() as elsewhere:
        elsewhere.on(r"/gone", Answer(404, b"nope"))
        fake_bitbucket.redirect(r"/src/main/a\.yaml$", f"{elsewhere.url}/gone")
        client = BitbucketClient(Credentials(), Hosts(fake_bitbucket.web_url, fake_bitbucket.api_url), retries=0)
        reply = client.get(f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main/a.yaml")
    assert reply.outcome == UNVERIFIED and "answered HTTP 404" in reply.detail  # not "does not exist"
