"""What Bitbucket says about its rate limit, and what a run does about it.

Bitbucket Cloud documents `X-RateLimit-Limit`, `X-RateLimit-Resource` and `X-RateLimit-NearLimit`
(access tokens only, supported endpoints only). `X-RateLimit-Remaining` and `X-RateLimit-Reset` are
read when present but not relied on: without them, `NearLimit` alone slows the run down, and a 429
that outlasts the retries stops it. Every answer is optional, so a header that never comes costs
requests (429s, retries), never a wrong verdict.
"""

from __future__ import annotations

import enum
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

WINDOW = 3600.0  # Bitbucket's window is a rolling hour
NEAR_SHARE = 0.2  # below this share of the limit left, requests are spread over the time left
MAX_PACE = 5.0  # seconds between two requests at most, however near the limit


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _int(value: str | None) -> int | None:
    if value is None:
        return None
    text = value.strip()
    return int(text) if text.isdigit() else None


class StopKind(enum.Enum):
    BUDGET = "budget"  # --max-requests is spent
    RATE_LIMIT = "rate limit"  # Bitbucket's limit is spent or near, or a 429 outlasted the retries


@dataclass(frozen=True, slots=True)
class Stop:
    """Why a run sends no more requests: what ran out, in words for the user."""

    kind: StopKind
    reason: str


def rate_limited(reason: str) -> Stop:
    return Stop(StopKind.RATE_LIMIT, reason)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One answer's rate-limit headers (None: not sent)."""

    limit: int | None = None
    remaining: int | None = None
    reset: float | None = None  # seconds from now until the window frees requests again
    near: bool = False

    @classmethod
    def of(cls, headers: Mapping[str, str], now: float) -> Snapshot | None:
        limit = _int(_header(headers, "X-RateLimit-Limit"))
        remaining = _int(_header(headers, "X-RateLimit-Remaining"))
        near_text = _header(headers, "X-RateLimit-NearLimit")
        if limit is None and remaining is None and near_text is None:
            return None
        reset_raw = _int(_header(headers, "X-RateLimit-Reset"))
        reset: float | None = None
        if reset_raw is not None:
            # Either an epoch time or seconds from now: an epoch is far larger than one window.
            reset = max(0.0, reset_raw - now) if reset_raw > 10 * WINDOW * 24 else float(reset_raw)
        return cls(limit, remaining, reset, (near_text or "").strip().lower() == "true")


class Governor:
    """Paces a run near the server's limit and says when to stop: `reserve` requests are left
    for whatever else shares the identity (a second job, a person's browser)."""

    def __init__(self, *, reserve: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.reserve = reserve
        self.clock = clock
        self.last: Snapshot | None = None
        self.stop: Stop | None = None  # the limit says stop (the first reason stands)
        # Requests left by the last count, less those sent since: answers arrive after several
        # requests are already on their way, and none of those may be the one refused.
        self.estimate: int | None = None
        self.in_flight = 0
        self.peak = 0  # most requests ever in flight: how stale an answer arriving late can be
        self._lock = threading.Lock()

    def take(self) -> bool:
        """Whether one more request may be sent (False: the limit is reached; stop cleanly)."""
        with self._lock:
            if self.estimate is not None:
                if self.estimate <= self.reserve:
                    last = self.last
                    self.stop = self.stop or rate_limited(
                        f"Bitbucket's rate limit is spent (about {self.estimate} of "
                        f"{last.limit if last and last.limit else '?'} requests left this hour); "
                        "stopped cleanly, the next run resumes"
                    )
                    return False
                self.estimate -= 1
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            return True

    def observe(self, headers: Mapping[str, str] | None) -> None:
        """One request is over; `headers` of its answer (None: no answer)."""
        snapshot = Snapshot.of(headers, self.clock()) if headers is not None else None
        with self._lock:
            self.in_flight = max(0, self.in_flight - 1)
            if snapshot is None:
                return
            self.last = snapshot
            if snapshot.remaining is not None:
                fresh = snapshot.remaining - self.in_flight
                # Answers overtake each other: a higher count is believed only when it is higher
                # than any late answer could be (the window freed requests), a lower one always.
                if self.estimate is None or fresh < self.estimate or fresh > self.estimate + self.peak:
                    self.estimate = fresh

    def pace(self) -> float:
        """Seconds to wait before the next request (0 when far from the limit)."""
        with self._lock:
            last = self.last
        if last is None:
            return 0.0
        if last.remaining is not None and last.limit:
            if last.remaining > last.limit * NEAR_SHARE:
                return 0.0
            window = last.reset if last.reset is not None else WINDOW
            return min(MAX_PACE, window / max(1, last.remaining - self.reserve))
        if last.near:
            # Only told "near": slow to the pace that a whole limit spread over the window allows.
            return min(MAX_PACE, WINDOW / (last.limit or 1000))
        return 0.0
