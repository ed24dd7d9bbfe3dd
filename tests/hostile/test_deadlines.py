"""Item 10: every request has an overall deadline and a size cap; the run, a bound on retry waits.

Timeouts here are guards (a hang fails the test instead of stalling the suite), not measurements."""

from __future__ import annotations

import threading
from collections.abc import Callable

from catalint.bitbucket.client import OK, UNVERIFIED, BitbucketClient, Reply
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.urls import Hosts
from tests.fakes import FakeBitbucket
from tests.hostile.server import Drip, Endless, HostileServer

GUARD = 60.0


def client_for(server: HostileServer, **options: object) -> BitbucketClient:
    options.setdefault("retries", 0)
    return BitbucketClient(Credentials(), Hosts(server.url, server.url + "/2.0"), **options)  # type: ignore[arg-type]


def guarded(call: Callable[[], Reply]) -> Reply:
    """`call()` in a thread that must finish before GUARD seconds."""
    box: list[Reply] = []
    worker = threading.Thread(target=lambda: box.append(call()), daemon=True)
    worker.start()
    worker.join(GUARD)
    assert box, f"still waiting after {GUARD}s: no overall deadline"
    return box[0]


def test_a_drip_fed_body_is_abandoned_at_the_deadline() -> None:
    with HostileServer() as server:
        server.on(r"/drip", Drip(length=100_000, interval=0.05))  # ~83 minutes in all
        client = client_for(server, deadline=1.0, timeout=5.0)
        reply = guarded(lambda: client.get(f"{server.url}/2.0/drip"))
    assert reply.outcome == UNVERIFIED and "deadline exceeded" in reply.detail


def test_an_endless_body_is_cut_at_the_size_cap() -> None:
    with HostileServer() as server:
        server.on(r"/endless", Endless())
        client = client_for(server, max_body=1024 * 1024, timeout=5.0)
        reply = guarded(lambda: client.get(f"{server.url}/2.0/endless"))
    assert reply.outcome == UNVERIFIED and "larger than 1,048,576 bytes" in reply.detail
    assert reply.body == b""


def test_a_declared_length_over_the_cap_is_not_read() -> None:
    with HostileServer() as server:
        server.on(r"/big", Drip(length=10_000_000, interval=60.0))  # says 10 MB, sends nothing
        client = client_for(server, max_body=1_000_000, timeout=5.0)
        reply = guarded(lambda: client.get(f"{server.url}/2.0/big"))
    assert reply.outcome == UNVERIFIED and "larger than" in reply.detail


def test_answers_within_the_limits_still_arrive() -> None:
    with HostileServer() as server:
        server.on(r"/small", Drip(length=20, interval=0.0))
        reply = client_for(server, max_body=20, deadline=30.0).get(f"{server.url}/2.0/small")
    assert reply.outcome == OK and reply.body == b"a" * 20


def test_the_run_waits_for_retry_after_only_so_long(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a.yaml": "x: 1\n", "b.yaml": "y: 2\n"}})
    fake_bitbucket.fail_next(r"/src/", 429, count=None, retry_after=50)
    slept: list[float] = []
    client = BitbucketClient(
        Credentials(),
        Hosts(fake_bitbucket.web_url, fake_bitbucket.api_url),
        retries=10,
        max_retry_after=120.0,
        max_retry_wait=100.0,
        sleep=slept.append,
    )
    first = client.get(f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main/a.yaml")
    second = client.get(f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main/b.yaml")
    assert slept == [50.0, 50.0]
    for reply in (first, second):
        assert reply.outcome == UNVERIFIED and "already waited 100s" in reply.detail


def test_a_drip_fed_backstage_is_abandoned_at_the_deadline() -> None:
    from catalint.backstage.catalog import BackstageError, CatalogClient

    with HostileServer() as server:
        server.on(r"/api/catalog/locations", Drip(length=100_000, interval=0.05))
        client = CatalogClient(server.url, "tok-backstage-1234", timeout=(5.0, 5.0), deadline=1.0)
        box: list[str] = []

        def call() -> None:
            try:
                client.locations()
            except BackstageError as err:
                box.append(str(err))

        worker = threading.Thread(target=call, daemon=True)
        worker.start()
        worker.join(GUARD)
    assert box and "deadline exceeded" in box[0]


def test_a_compression_bomb_stops_at_the_cap() -> None:
    import gzip

    from tests.hostile.server import Answer

    bomb = gzip.compress(b"\0" * 20_000_000)  # ~20 KB on the wire
    with HostileServer() as server:
        server.on(r"/bomb", Answer(200, bomb, {"Content-Encoding": "gzip", "Content-Type": "application/json"}))
        server.on(r"/fine", Answer(200, gzip.compress(b'{"ok": 1}'), {"Content-Encoding": "gzip"}))
        client = client_for(server, max_body=1_000_000)
        bombed = client.get(f"{server.url}/2.0/bomb")
        fine = client.get(f"{server.url}/2.0/fine")
    assert bombed.outcome == UNVERIFIED and "larger than 1,000,000 bytes" in bombed.detail
    assert fine.outcome == OK and fine.json() == {"ok": 1}
