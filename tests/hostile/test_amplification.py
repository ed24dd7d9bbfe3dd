"""Item 11: one descriptor cannot fan out into a flood of requests."""

from __future__ import annotations

import itertools

from catalint.bitbucket.client import DEFAULT_MAX_REQUESTS, BitbucketClient
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.urls import Hosts
from catalint.config import Settings
from catalint.sources.bitbucket import lint_remote
from tests.descriptors import group, location
from tests.fakes import FakeBitbucket


def spellings(word: str) -> list[str]:
    return ["".join(c) for c in itertools.product(*((ch.lower(), ch.upper()) for ch in word))]


def test_spellings_of_one_file_are_one_request(fake_bitbucket: FakeBitbucket) -> None:
    web = fake_bitbucket.web_url
    targets = [
        f"{web}/{ws}/{repo}/src/main/g.yaml?at=main&variant={i}"
        for i, (ws, repo) in enumerate(itertools.product(spellings("acme"), spellings("svc")))
    ]
    assert len(targets) == 128
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"all.yaml": location(*targets), "g.yaml": group("g")}})
    client = BitbucketClient(Credentials(), Hosts(web, fake_bitbucket.api_url))
    lint_remote([f"{web}/acme/svc/src/main/all.yaml"], Settings(), client)
    fetched = [r.path for r in fake_bitbucket.request_log]
    assert sorted(fetched) == [
        "/2.0/repositories/acme/svc/src/main/all.yaml",
        "/2.0/repositories/acme/svc/src/main/g.yaml",
    ]


def test_runs_have_a_default_request_budget(fake_bitbucket: FakeBitbucket) -> None:
    web = fake_bitbucket.web_url
    targets = [f"{web}/acme/svc/src/main/g.yaml?at=nope-{i}" for i in range(200)]  # 200 distinct refs
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"all.yaml": location(*targets), "g.yaml": group("g")}})
    assert BitbucketClient(Credentials()).max_requests == DEFAULT_MAX_REQUESTS
    client = BitbucketClient(Credentials(), Hosts(web, fake_bitbucket.api_url), max_requests=50)
    results = lint_remote([f"{web}/acme/svc/src/main/all.yaml"], Settings(), client)
    assert client.requests_made == 50 and len(fake_bitbucket.request_log) == 50
    messages = [f.message for r in results for f in r.findings]
    assert any("request budget (50 requests) is spent" in m for m in messages), messages[:5]
