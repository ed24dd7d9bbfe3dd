"""The HTTP client against the fake Bitbucket: auth modes, failures, retries, budget, caching, redirects."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.bitbucket.client import AUTH_FAILED, NOT_FOUND, OK, UNVERIFIED
from catalint.bitbucket.credentials import load_credentials
from catalint.bitbucket.refs import RefResolver
from catalint.bitbucket.urls import parse
from tests.fakes import FakeBitbucket, ForeignServer

CATALOG = b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n"


@pytest.fixture
def fake(fake_bitbucket: FakeBitbucket) -> FakeBitbucket:
    fake_bitbucket.add_repo(
        "acme",
        "svc",
        branches={"main": {"catalog-info.yaml": CATALOG}, "feature/x": {"dir/c.yaml": CATALOG}},
    )
    fake_bitbucket.add_repo("acme", "secret", private=True, branches={"main": {"catalog-info.yaml": CATALOG}})
    fake_bitbucket.add_user("dev@acme.test", "api-token", workspaces=["acme"])
    fake_bitbucket.add_app_password("legacy", "app-pw")
    fake_bitbucket.add_access_token("repo-token", repositories=["acme/secret"])
    fake_bitbucket.add_oauth_consumer("cid", "csecret", token_ttl=7200, workspaces=["acme"])
    return fake_bitbucket


def secret_url(fake: FakeBitbucket) -> str:
    return f"{fake.api_url}/repositories/acme/secret/src/main/catalog-info.yaml"


@pytest.mark.parametrize(
    "env",
    [
        {"BITBUCKET_USERNAME": "dev@acme.test", "BITBUCKET_TOKEN": "api-token"},
        {"BITBUCKET_USERNAME": "legacy", "BITBUCKET_APP_PASSWORD": "app-pw"},
        {"BITBUCKET_TOKEN": "repo-token"},
        {"BITBUCKET_CLIENT_ID": "cid", "BITBUCKET_CLIENT_SECRET": "csecret"},
    ],
)
def test_each_method_reads_a_private_file(fake: FakeBitbucket, env: dict[str, str]) -> None:
    client = fake.client(load_credentials(env))
    reply = client.get(secret_url(fake))
    assert reply.outcome == OK and reply.body == CATALOG


def test_anonymous_private_is_not_found_with_wording(fake: FakeBitbucket) -> None:
    reply = fake.client().get(secret_url(fake))
    assert reply.outcome == NOT_FOUND
    assert "private repository these credentials cannot see" in reply.detail


def test_bad_credentials_one_run_level_message(fake: FakeBitbucket) -> None:
    client = fake.client(load_credentials({"BITBUCKET_USERNAME": "dev@acme.test", "BITBUCKET_TOKEN": "no"}))
    first = client.get(secret_url(fake))
    assert first.outcome == AUTH_FAILED
    assert client.auth_error is not None and "HTTP 401" in client.auth_error
    before = len(fake.request_log)
    later = client.get(f"{fake.api_url}/repositories/acme/svc")
    assert later.outcome == UNVERIFIED and len(fake.request_log) == before  # no more hammering


def test_oauth_token_cached_renewed_before_expiry_and_on_401(fake: FakeBitbucket) -> None:
    creds = load_credentials({"BITBUCKET_CLIENT_ID": "cid", "BITBUCKET_CLIENT_SECRET": "csecret"})
    client = fake.client(creds, clock=fake.now)
    url = f"{fake.api_url}/repositories/acme/secret"
    assert client.get(url).ok and client.get(url + "/src/main/").ok
    assert len(fake.issued_oauth_tokens()) == 1  # cached
    fake.advance_time(7200 - 300)  # within 10 minutes of expiry: renewed before use
    assert client.get(url + "/refs/branches").ok
    assert len(fake.issued_oauth_tokens()) == 2
    # Server-side expiry the client did not foresee: one 401, renewed once, then OK.
    other = fake.client(creds)  # real clock: never thinks its token is old
    assert other.get(url + "?x=1").ok
    fake.advance_time(7201)
    reply = other.get(url + "?x=2")
    assert reply.ok and other.auth_error is None
    assert len(fake.issued_oauth_tokens()) == 4


def test_oauth_bad_secret_is_auth_failure(fake: FakeBitbucket) -> None:
    client = fake.client(load_credentials({"BITBUCKET_CLIENT_ID": "cid", "BITBUCKET_CLIENT_SECRET": "nope"}))
    reply = client.get(secret_url(fake))
    assert reply.outcome == UNVERIFIED and client.auth_error and "OAuth" in client.auth_error


def test_429_with_and_without_retry_after(fake: FakeBitbucket) -> None:
    waits: list[float] = []
    client = fake.client(sleep=waits.append)
    fake.fail_next(r"/repositories/acme/svc$", 429, count=1, retry_after=3)
    assert client.get(f"{fake.api_url}/repositories/acme/svc").ok
    assert waits == [3.0]
    fake.fail_next(r"/refs/branches$", 429, count=2)
    assert client.get(f"{fake.api_url}/repositories/acme/svc/refs/branches").ok
    assert len(waits) == 3 and all(w < 0.1 for w in waits[1:])
    fake.fail_next(r"/commits$", 429, count=None)
    gave_up = client.get(f"{fake.api_url}/repositories/acme/svc/commits")
    assert gave_up.outcome == UNVERIFIED and "429" in gave_up.detail
    fake.fail_next(r"/commit/", 429, count=1, retry_after=3600)  # longer than we are willing to wait
    assert client.get(f"{fake.api_url}/repositories/acme/svc/commit/main").outcome == UNVERIFIED


def test_5xx_burst_then_success_and_drops_and_timeouts(fake: FakeBitbucket) -> None:
    client = fake.client(timeout=0.15)
    fake.fail_next(r"/repositories/acme/svc$", 503, count=3)
    assert client.get(f"{fake.api_url}/repositories/acme/svc").ok
    fake.drop(r"/refs/branches$", count=None)
    dropped = client.get(f"{fake.api_url}/repositories/acme/svc/refs/branches")
    assert dropped.outcome == UNVERIFIED and dropped.detail.startswith("could not verify")
    fake.delay(r"/commits$", 0.3, count=None)
    slow = client.get(f"{fake.api_url}/repositories/acme/svc/commits")
    assert slow.outcome == UNVERIFIED


def test_budget_and_memo(fake: FakeBitbucket) -> None:
    client = fake.client(max_requests=2)
    url = f"{fake.api_url}/repositories/acme/svc"
    assert client.get(url).ok and client.get(url).ok  # memoised: one request
    assert client.get(url + "/refs/branches").ok
    spent = client.get(url + "/commits")
    assert spent.outcome == UNVERIFIED and "budget" in spent.detail
    assert len(fake.request_log) == 2


def test_concurrent_identical_gets_made_once(fake: FakeBitbucket) -> None:
    fake.delay(r"/repositories/acme/svc$", 0.05)
    client = fake.client(concurrency=8)
    url = f"{fake.api_url}/repositories/acme/svc"
    replies = client.map(lambda _: client.get(url), range(16))
    assert all(r.ok for r in replies)
    assert len(fake.requests_matching(r"/repositories/acme/svc$")) == 1


def test_etag_disk_cache(fake: FakeBitbucket, tmp_path: Path) -> None:
    url = f"{fake.api_url}/repositories/acme/svc/src/main/catalog-info.yaml"
    assert fake.client(cache_dir=tmp_path).get(url).body == CATALOG
    fake.reset_log()
    second = fake.client(cache_dir=tmp_path).get(url)
    assert second.ok and second.body == CATALOG
    log = fake.request_log
    assert [r.status for r in log] == [304] and log[0].header("If-None-Match")


def test_redirect_off_host_drops_authorization(fake: FakeBitbucket, foreign_server: ForeignServer) -> None:
    fake.redirect(r"/src/main/catalog-info.yaml$", foreign_server.url + "/lfs/object")
    client = fake.client(load_credentials({"BITBUCKET_TOKEN": "repo-token"}))
    reply = client.get(secret_url(fake))
    assert reply.ok and reply.body == b"foreign content\n"
    assert foreign_server.request_log and foreign_server.authorization_headers() == []
    assert fake.request_log[0].authorization == "Bearer repo-token"


def test_ref_resolution(fake: FakeBitbucket) -> None:
    client = fake.client()
    resolver = RefResolver(client)
    hosts = client.hosts
    slash = parse(f"{fake.web_url}/acme/svc/src/feature/x/dir/c.yaml", hosts)
    assert slash is not None
    loc = resolver.locate(slash).loc
    assert loc is not None and loc.ref == fake.commit_of("acme", "svc", "feature/x")
    assert loc.path == "dir/c.yaml" and loc.at == "feature/x"
    assert client.get(loc.api_url(hosts)).body == CATALOG
    bare = parse(f"{fake.web_url}/acme/svc", hosts)
    assert bare is not None
    located = resolver.locate(bare).loc
    assert located is not None and located.ref == "main" and located.path == ""
    at = parse(f"{fake.web_url}/acme/svc/src/0000000/dir/c.yaml?at=feature%2Fx", hosts)
    assert at is not None
    at_loc = resolver.locate(at).loc
    # Backstage ignores ?at= and reads the commit in the path; so does catalint (here: none such).
    assert at_loc is not None and at_loc.ref == "0000000" and at_loc.at == "feature/x"
    assert client.get(at_loc.api_url(hosts)).outcome == "not-found"
    head = parse(f"{fake.web_url}/acme/svc/src/{loc.ref}/dir/c.yaml?at=feature%2Fx", hosts)
    assert head is not None
    head_loc = resolver.locate(head).loc
    assert head_loc is not None and client.get(head_loc.api_url(hosts)).body == CATALOG
    plain = parse(f"{fake.web_url}/acme/svc/src/main/a/b/c.yaml", hosts)
    assert plain is not None
    assert resolver.locate(plain).loc == type(loc)("acme", "svc", "main", "a/b/c.yaml", None)


def test_an_outage_fails_fast_then_one_probe_finds_bitbucket_back(fake: FakeBitbucket) -> None:
    now = [1000.0]
    client = fake.client(retries=0, clock=lambda: now[0])
    url = f"{fake.api_url}/repositories/acme/svc/src/main/catalog-info.yaml"
    fake.drop(r"/src/", count=3)
    for n in range(3):  # each a new URL: the memo answers repeats without asking
        assert client.get(f"{url}?n={n}").detail == "could not verify: connection failed"
    fake.reset_log()
    down = client.get(f"{url}?n=3")
    assert down.detail == "could not verify: Bitbucket cannot be reached" and fake.request_log == []
    now[0] += 31  # past the cool-down: one request may ask again, and finds Bitbucket back
    assert client.get(f"{url}?n=4").ok and client.get(f"{url}?n=5").ok
    assert len(fake.request_log) == 2
