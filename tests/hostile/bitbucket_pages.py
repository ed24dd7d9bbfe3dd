"""Hand-written Bitbucket API answers for a hostile server with no upstream: exactly the pages a test needs."""

from __future__ import annotations

import json
from typing import Any

from tests.hostile.server import Answer, HostileServer


def page(values: list[Any], *, next_url: str | None = None, size: Any = None) -> Answer:
    body: dict[str, Any] = {"pagelen": 100, "values": values}
    if next_url:
        body["next"] = next_url
    if size is not None:
        body["size"] = size
    return Answer(200, json.dumps(body).encode(), {"Content-Type": "application/json"})


def repo(server: HostileServer, slug: str, *, html: str | None = None) -> dict[str, Any]:
    return {
        "slug": slug,
        "links": {"html": {"href": html or f"{server.url}/acme/{slug}"}},
        "mainbranch": {"name": "main"},
        "project": {"key": "P"},
    }


def hit(server: HostileServer, slug: str, *, html: str | None = None) -> dict[str, Any]:
    return {
        "path_matches": [{"match": True, "text": "catalog-info.yaml"}],
        "file": {"path": "catalog-info.yaml", "commit": {"repository": repo(server, slug, html=html)}},
    }


def workspace(server: HostileServer, search_pages: list[Answer]) -> None:
    """Workspace `acme`, one project `P`, whose code search answers `search_pages` in turn
    (`page=N` in the query picks the Nth); a repository listing of the same two repositories."""
    server.on(r"/2\.0/workspaces/acme/projects", page([{"key": "P"}]))
    for n, answer in reversed(list(enumerate(search_pages, start=1))):
        server.on(rf"/2\.0/workspaces/acme/search/code\?.*page={n}\b" if n > 1 else r"/search/code\?", answer)
    server.on(r"/2\.0/repositories/acme\?", page([repo(server, "a"), repo(server, "b")]))
