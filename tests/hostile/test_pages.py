"""Item 1: a page that is not Bitbucket's envelope never ends a listing as if it were complete."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from catalint.bitbucket.client import OK, UNVERIFIED, BitbucketClient
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.discovery import discover
from catalint.bitbucket.urls import Hosts
from tests.hostile.bitbucket_pages import hit, page, repo, workspace
from tests.hostile.server import Answer, HostileServer


@pytest.fixture
def server() -> Iterator[HostileServer]:
    with HostileServer() as hostile:
        yield hostile


def client(server: HostileServer) -> BitbucketClient:
    return BitbucketClient(Credentials(), Hosts(server.url, server.url + "/2.0"), retries=0, timeout=5.0)


def next_page(server: HostileServer) -> str:
    return f"{server.url}/2.0/workspaces/acme/search/code?page=2"


def test_a_well_formed_second_page_is_followed(server: HostileServer) -> None:
    workspace(server, [page([hit(server, "a")], next_url=next_page(server), size=2), page([hit(server, "b")], size=2)])
    result = discover(client(server), "acme")
    assert result.complete and result.errors == []
    assert [u.rsplit("/acme/", 1)[1] for u in result.urls] == ["a/src/main/catalog-info.yaml", "b/src/main/catalog-info.yaml"]


@pytest.mark.parametrize(
    "second",
    [
        Answer(),  # a proxy's HTML error page, answered 200
        Answer(200, b"[1, 2]", {"Content-Type": "application/json"}),
        Answer(200, b'{"values": "none"}', {"Content-Type": "application/json"}),
        page([], size="many"),
        page([], size=2.5),
    ],
    ids=["html", "json-list", "values-not-list", "size-text", "size-float"],
)
def test_a_garbage_search_page_makes_discovery_incomplete(server: HostileServer, second: Answer) -> None:
    workspace(server, [page([hit(server, "a")], next_url=next_page(server), size=2), second])
    result = discover(client(server), "acme")
    assert not result.complete
    assert any("code search of project P: could not verify" in e for e in result.errors), result.errors


def test_a_next_link_to_another_host_is_not_followed(server: HostileServer) -> None:
    with HostileServer() as elsewhere:
        away = f"{elsewhere.url}/2.0/workspaces/acme/search/code?page=2"
        first = page([hit(server, "a")], next_url=next_page(server), size=3)
        workspace(server, [first, page([hit(server, "b")], next_url=away, size=3)])
        result = discover(client(server), "acme")
        assert elsewhere.seen == []
    assert not result.complete and "leaves the host" in " ".join(result.errors)


def test_a_repository_on_another_host_is_refused(server: HostileServer) -> None:
    workspace(server, [page([hit(server, "a"), hit(server, "b", html="https://evil.example/acme/b")], size=2)])
    result = discover(client(server), "acme")
    assert not result.complete and "web link is not on the Bitbucket host" in " ".join(result.errors)
    assert all(u.startswith(server.url) for u in result.urls)


def test_a_garbage_repository_listing_page_is_incomplete(server: HostileServer) -> None:
    server.on(r"/search/code", Answer(404, b"{}"))  # search unavailable: discovery lists repositories
    server.on(r"/2\.0/workspaces/acme/projects", page([{"key": "P"}]))
    server.on(r"/repositories/acme\?.*page=2", Answer())
    server.on(r"/repositories/acme\?", page([repo(server, "a")], next_url=f"{server.url}/2.0/repositories/acme?page=2"))
    server.on(r"/src/main/catalog-info.yaml", Answer(200, b"kind: Component\n", {"Content-Type": "text/plain"}))
    result = discover(client(server), "acme")
    assert result.method == "listing"
    assert not result.complete and any("listing repositories" in e for e in result.errors), result.errors


def test_pages_yields_unverified_not_an_empty_end(server: HostileServer) -> None:
    server.on(r"/list\?page=2", Answer())
    server.on(r"/list", page([1], next_url=f"{server.url}/2.0/list?page=2"))
    got = list(client(server).pages(f"{server.url}/2.0/list"))
    assert [(r.outcome, v) for r, v in got] == [(OK, [1]), (UNVERIFIED, [])]
    assert "not a JSON page" in got[1][0].detail


def test_a_search_hit_whose_path_climbs_out_is_not_a_descriptor(server: HostileServer) -> None:
    bad = hit(server, "b")
    bad["file"]["path"] = "../../other/src/main/catalog-info.yaml"
    workspace(server, [page([hit(server, "a"), bad], size=2)])
    result = discover(client(server), "acme")
    assert [u.rsplit("/acme/", 1)[1] for u in result.urls] == ["a/src/main/catalog-info.yaml"]
    assert not result.complete and "not a file of the repository" in " ".join(result.errors)
