"""Rate-limit headers read from the fake Bitbucket: pacing near the limit, a clean stop before a
429 (or after one that outlasts the retries), and headers that never come."""

from __future__ import annotations

from catalint.bitbucket.client import OK, UNVERIFIED, BitbucketClient, Stop, StopKind
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.ratelimit import MAX_PACE, Governor, Snapshot
from catalint.bitbucket.urls import Hosts
from tests.fakes import FakeBitbucket


def client_for(fake: FakeBitbucket, slept: list[float], **kw: object) -> BitbucketClient:
    return BitbucketClient(
        Credentials(), Hosts(fake.web_url, fake.api_url), concurrency=1, sleep=slept.append, **kw  # type: ignore[arg-type]
    )


def test_snapshot_reads_what_is_sent() -> None:
    assert Snapshot.of({"Content-Type": "text/plain"}, 0.0) is None
    snap = Snapshot.of({"x-ratelimit-limit": "1000", "X-RateLimit-NearLimit": "true"}, 0.0)
    assert snap == Snapshot(1000, None, None, True)
    # Reset as epoch seconds or as seconds from now.
    assert Snapshot.of({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": "1800"}, 1e9) == Snapshot(None, 5, 1800.0, False)
    assert Snapshot.of({"X-RateLimit-Remaining": "5", "X-RateLimit-Reset": str(int(1e9) + 60)}, 1e9).reset == 60.0  # type: ignore[union-attr]
    assert Snapshot.of({"X-RateLimit-Limit": "lots"}, 0.0) is None


def test_governor_paces_only_near_the_limit() -> None:
    governor = Governor(reserve=2)
    assert governor.pace() == 0.0
    governor.take()
    governor.observe({"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "900", "X-RateLimit-Reset": "3000"})
    assert governor.pace() == 0.0
    governor.take()
    governor.observe({"X-RateLimit-Limit": "1000", "X-RateLimit-Remaining": "100", "X-RateLimit-Reset": "98"})
    assert governor.pace() == 1.0  # 98 seconds left for 98 requests above the reserve
    governor.observe({"X-RateLimit-Limit": "1000", "X-RateLimit-NearLimit": "true"})
    assert 0 < governor.pace() <= MAX_PACE
    assert governor.estimate == 100  # a count is forgotten only by a newer count


def test_the_client_stops_cleanly_at_the_limit_without_a_429(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a.txt": "a"}})
    limit = fake_bitbucket.limit_rate(10)
    slept: list[float] = []
    client = client_for(fake_bitbucket, slept, rate_reserve=1)
    url = f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main/a.txt"
    replies = [client.get(f"{url}?n={n}") for n in range(12)]
    assert [r.outcome for r in replies[:9]] == [OK] * 9
    assert all(r.outcome == UNVERIFIED and "rate limit is spent" in r.detail for r in replies[9:])
    assert limit.refused == 0 and client.requests_made == 9
    assert client.stop is not None and client.stop.kind is StopKind.RATE_LIMIT
    assert "next run resumes" in client.stop.reason
    # From 2 left (20% of 10) on, requests were spread over the window's time left.
    assert slept and all(0 < s <= MAX_PACE for s in slept)


def test_a_429_past_the_retries_stops_the_rest_of_the_run(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a.txt": "a"}})
    fake_bitbucket.fail_next(r"/src/", 429, count=None, retry_after=0)
    slept: list[float] = []
    client = client_for(fake_bitbucket, slept, retries=2)
    url = f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main/a.txt"
    first = client.get(url)
    assert first.outcome == UNVERIFIED and "HTTP 429" in first.detail
    made = client.requests_made
    second = client.get(url + "?again=1")
    assert second.outcome == UNVERIFIED and client.requests_made == made  # not asked at all
    assert client.stop is not None and client.stop.kind is StopKind.RATE_LIMIT and "rate-limited" in client.stop.reason


def test_near_limit_without_a_remaining_count_slows_down(fake_bitbucket: FakeBitbucket) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a.txt": "a"}})
    fake_bitbucket.limit_rate(5, remaining_header=False)
    slept: list[float] = []
    client = client_for(fake_bitbucket, slept, max_retry_wait=1000.0, retries=0)
    url = f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main/a.txt"
    outcomes = [client.get(f"{url}?n={n}").outcome for n in range(7)]
    assert outcomes[:5] == [OK] * 5 and slept  # NearLimit came with the last of them: paced
    # Without a count the limit is found by the 429, which stops the run cleanly.
    assert outcomes[5] == UNVERIFIED and client.stop is not None and client.stop.kind is StopKind.RATE_LIMIT


def test_a_spent_budget_is_one_stop_value(fake_bitbucket: FakeBitbucket) -> None:
    """Why requests stopped is one frozen value: what ran out, and the words for it."""
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a.txt": "a"}})
    client = client_for(fake_bitbucket, [], max_requests=2)
    url = f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main/a.txt"
    assert client.stop is None
    outcomes = [client.get(f"{url}?n={n}").outcome for n in range(4)]
    assert outcomes == [OK, OK, UNVERIFIED, UNVERIFIED] and client.requests_made == 2
    assert client.stop == Stop(StopKind.BUDGET, "the request budget (2 requests) is spent")
    assert not hasattr(client, "budget_spent") and not hasattr(client, "stop_reason")


def test_the_first_stop_is_the_one_kept(fake_bitbucket: FakeBitbucket) -> None:
    """The budget runs out while a request is in flight; that request then meets a 429. The run
    stopped for the budget, and says so, whatever later requests are refused for."""
    import threading
    import time

    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"a.txt": "a", "b.txt": "b", "c.txt": "c"}})
    fake_bitbucket.delay(r"a\.txt", 0.6)
    fake_bitbucket.fail_next(r"a\.txt", 429, retry_after=3600)
    client = BitbucketClient(
        Credentials(), Hosts(fake_bitbucket.web_url, fake_bitbucket.api_url), concurrency=2, sleep=lambda s: None,
        max_requests=1, retries=0,
    )
    url = f"{fake_bitbucket.api_url}/repositories/acme/svc/src/main"
    outcomes: list[str] = []
    first = threading.Thread(target=lambda: outcomes.append(client.get(f"{url}/a.txt").outcome))
    first.start()
    deadline = time.monotonic() + 5
    while client.requests_made == 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert client.get(f"{url}/b.txt").outcome == UNVERIFIED  # the budget is spent
    budget = Stop(StopKind.BUDGET, "the request budget (1 request) is spent")
    assert client.stop == budget
    first.join()
    assert outcomes == [UNVERIFIED] and client.governor.stop is not None  # the 429 stopped the governor too
    assert client.get(f"{url}/c.txt").outcome == UNVERIFIED
    assert client.stop == budget
