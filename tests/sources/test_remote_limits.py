"""Remote linting limits: hosts that are neither Bitbucket nor allowed, Location depth and cycles,
$json through a slash branch, and short-lived OAuth tokens."""

from __future__ import annotations

from catalint.bitbucket.client import BitbucketClient
from catalint.bitbucket.credentials import load_credentials
from catalint.bitbucket.urls import Hosts
from catalint.config import Settings
from catalint.facts import FileResult
from catalint.sources.bitbucket import MAX_DEPTH, lint_remote
from tests.fakes import FakeBitbucket, ForeignServer

LOCATION = (
    "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\nspec:\n  targets:\n    - {target}\n"
)
COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: c
  annotations:
    backstage.io/source-location: url:{foreign}/src/
    backstage.io/techdocs-ref: dir:.
  description:
    $text: {foreign}/readme.txt
spec:
  type: service
  lifecycle: production
  owner: team-a
  definition:
    $json: {json}
"""


def findings(results: list[FileResult]) -> list[tuple[str, str]]:
    return [(f.rule, f.message) for r in results for f in r.findings if not f.rule.startswith("yamllint/")]


def test_foreign_hosts_are_findings_and_never_fetched(
    fake_bitbucket: FakeBitbucket, foreign_server: ForeignServer
) -> None:
    json_url = f"{fake_bitbucket.web_url}/acme/svc/src/feature/x/api.json"  # a slash branch, absolute URL
    body = COMPONENT.format(foreign=foreign_server.url, json=json_url)
    fake_bitbucket.add_repo(
        "acme", "svc", branches={"main": {"c.yaml": body}, "feature/x": {"api.json": '{"openapi": "3.0.0"}'}}
    )
    url = f"{fake_bitbucket.web_url}/acme/svc/src/main/c.yaml"
    found = findings(lint_remote([url], Settings(), fake_bitbucket.client()))
    rules = {rule for rule, message in found if "neither Bitbucket nor an allowed host" in message}
    assert rules == {"placeholder", "foreign-host"}, found
    assert sum(1 for _, message in found if "neither Bitbucket nor an allowed host" in message) == 3
    # The $json was read and parsed; Backstage would misread the slash branch, which is said.
    assert [rule for rule, message in found if "api.json" in message] == ["backstage-url"]
    assert foreign_server.request_log == []
    allowed = Settings(allowed_hosts=["127.0.0.1"])
    found = findings(lint_remote([url], allowed, fake_bitbucket.client()))
    assert not any("neither Bitbucket nor an allowed host" in message for _, message in found)
    unread = {rule for rule, message in found if "an allowed host that catalint does not read" in message}
    assert unread == {"offline"}  # allowed hosts are accepted, still not fetched, and that is said
    assert foreign_server.request_log == []


def test_location_depth_limit_and_cycles(fake_bitbucket: FakeBitbucket) -> None:
    chain = {f"l{i}.yaml": LOCATION.format(name=f"l{i}", target=f"./l{i + 1}.yaml") for i in range(MAX_DEPTH + 3)}
    chain["loop/a.yaml"] = LOCATION.format(name="a", target="./b.yaml")
    chain["loop/b.yaml"] = LOCATION.format(name="b", target="/loop/a.yaml")
    fake_bitbucket.add_repo("acme", "locs", branches={"main": chain})
    web = f"{fake_bitbucket.web_url}/acme/locs/src/main"
    results = lint_remote([f"{web}/l0.yaml"], Settings(), fake_bitbucket.client())
    assert len(results) == MAX_DEPTH + 1
    deep = [m for rule, m in findings(results) if rule == "unverified"]
    assert len(deep) == 1 and f"deeper than {MAX_DEPTH}" in deep[0] and f"l{MAX_DEPTH + 1}.yaml" in deep[0]
    assert not fake_bitbucket.requests_matching(rf"/l{MAX_DEPTH + 2}\.yaml")
    fake_bitbucket.reset_log()
    looped = lint_remote([f"{web}/loop/a.yaml"], Settings(), fake_bitbucket.client())
    assert sorted(r.path.rsplit("/", 1)[-1] for r in looped) == ["a.yaml", "b.yaml"]
    assert len(fake_bitbucket.requests_matching(r"/loop/a\.yaml$")) == 1


def test_short_lived_oauth_token_is_not_renewed_on_every_request(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a": "1", "b": "2", "c": "3"}})
    fake_bitbucket.add_oauth_consumer("cid", "csecret", token_ttl=300, workspaces=["acme"])
    creds = load_credentials({"BITBUCKET_CLIENT_ID": "cid", "BITBUCKET_CLIENT_SECRET": "csecret"})
    client = BitbucketClient(creds, Hosts(fake_bitbucket.web_url, fake_bitbucket.api_url), clock=fake_bitbucket.now)
    base = f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main"
    assert client.get(f"{base}/a").ok and client.get(f"{base}/b").ok
    assert len(fake_bitbucket.issued_oauth_tokens()) == 1
    fake_bitbucket.advance_time(200)  # past half its life: renewed before it expires
    assert client.get(f"{base}/c").ok
    assert len(fake_bitbucket.issued_oauth_tokens()) == 2
