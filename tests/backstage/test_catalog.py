"""CatalogClient error mapping against real loopback servers (no Backstage needed)."""

from __future__ import annotations

import socket

import pytest

from catalint.backstage.catalog import BackstageError, CatalogClient
from tests.fakes.bitbucket import ForeignServer


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_connection_refused_is_not_reachable() -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(BackstageError, match=f"Backstage at {url} is not reachable"):
        CatalogClient(url, "tok-123456").locations()


def test_5xx_is_backstage_failed(foreign_server: ForeignServer) -> None:
    foreign_server.set_response(
        503,
        b'{"error":{"name":"ServiceUnavailableError","message":"db down"}}',
        {"Content-Type": "application/json"},
    )
    with pytest.raises(
        BackstageError, match=r"Backstage failed: GET /locations -> 503 ServiceUnavailableError: db down"
    ):
        CatalogClient(foreign_server.url + "/api/catalog/", "tok-123456").locations()
    seen = foreign_server.request_log[-1]
    assert seen.path == "/api/catalog/locations"
    assert seen.authorization == "Bearer tok-123456"


def test_401_is_token_rejected_and_the_token_is_never_shown(foreign_server: ForeignServer) -> None:
    foreign_server.set_response(401, b'{"error":{"name":"AuthenticationError","message":"Illegal token"}}')
    client = CatalogClient(foreign_server.url, "super-secret-token")
    with pytest.raises(BackstageError, match="rejected the token") as info:
        client.locations()
    assert "super-secret-token" not in str(info.value) and "super-secret-token" not in repr(client)


def test_garbage_body_is_an_error(foreign_server: ForeignServer) -> None:
    foreign_server.set_response(200, b"<html>login page</html>")
    with pytest.raises(BackstageError, match="unexpected body"):
        CatalogClient(foreign_server.url, "t").locations()
