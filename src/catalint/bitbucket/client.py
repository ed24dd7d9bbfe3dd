"""The one HTTP client catalint talks to Bitbucket Cloud through.

* one pooled `requests.Session`, timeouts on every request, bounded concurrency (`map`);
* retries with exponential backoff and jitter on connection errors, timeouts, 5xx and 429
  (`Retry-After` honoured);
* a request budget: once spent, the remaining checks are "could not verify";
* each distinct GET made once per run (an in-memory memo shared between threads), and an
  optional on-disk cache of bodies and ETags, revalidated with `If-None-Match`;
* credentials only ever go to the configured Bitbucket hosts: redirects are followed by hand and
  the `Authorization` header is dropped when a redirect leaves them;
* four outcomes: ok, not-found, auth-failed (reported once for the whole run), unverified.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import json
import logging
import random
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, TypeVar
from urllib.parse import urlencode, urljoin, urlsplit

import requests
import urllib3

from catalint.atomic import write_atomic
from catalint.bitbucket.credentials import Credentials, load_credentials
from catalint.bitbucket.ratelimit import Governor, Stop, StopKind, rate_limited
from catalint.bitbucket.urls import Hosts, origin
from catalint.redact import REDACTOR as REDACTOR
from catalint.redact import Redactor as Redactor
from catalint.words import counted

log = logging.getLogger("catalint.bitbucket")

OK, NOT_FOUND, AUTH_FAILED, UNVERIFIED = "ok", "not-found", "auth-failed", "unverified"
UNREACHABLE_AFTER = 3  # requests that exhausted their retries without any answer; then fail fast
UNREACHABLE_COOL_DOWN = 30.0  # seconds before one request may try again
NOT_FOUND_TEXT = "not found, or a private repository these credentials cannot see"
MAX_REDIRECTS = 5
# Requests one run may make unless --max-requests says otherwise: a hostile Location fanning out
# into thousands of refs must not turn one run into a flood (nor spend the account's rate limit).
DEFAULT_MAX_REQUESTS = 10_000
MAX_BODY = 32 * 1024 * 1024  # bytes one answer may have; descriptors stop at 2 MiB (file-too-large) long before
REQUEST_DEADLINE = 120.0  # seconds one request may take in all, however slowly its body trickles in
MAX_RETRY_WAIT = 600.0  # seconds a whole run may spend waiting to retry (Retry-After and backoff)
_READ = 64 * 1024
OAUTH_MARGIN = 600.0  # renew OAuth tokens this long before they expire

T = TypeVar("T")
R = TypeVar("R")


@dataclass(slots=True)
class Reply:
    outcome: str
    status: int | None = None
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    detail: str = ""
    url: str = ""
    answered_by: str = ""  # the URL that gave this answer, after redirects

    @property
    def ok(self) -> bool:
        return self.outcome == OK

    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None

    @property
    def content_type(self) -> str:
        return next((v for k, v in self.headers.items() if k.lower() == "content-type"), "")





class Progress:
    """Progress on stderr for long runs: a `\\r`-redrawn bar on a terminal, a plain line every N s otherwise (CI)."""

    def __init__(self, label: str, *, stream: IO[str] | None = None, every: float = 10.0, after: float = 2.0) -> None:
        self.label = label
        self.stream = stream if stream is not None else sys.stderr
        self.every = every
        self.start = time.monotonic()
        self.after = after
        self.last = float("-inf")  # monotonic time may be small (a fresh CI container): no first-line delay
        self.done = 0
        self.total = 0
        self.printed = False
        self._lock = threading.Lock()
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())

    def add_total(self, n: int) -> None:
        with self._lock:
            self.total += n

    def tick(self, requests_made: int) -> None:
        with self._lock:
            self.done += 1
            now = time.monotonic()
            if now - self.start < self.after:
                return
            interval = 0.2 if self.tty else self.every
            if now - self.last < interval:
                return
            self.last = now
            text = f"{self.label}: {self.done}/{self.total} checked, {counted(requests_made, 'request')}"
            if self.tty:
                text = f"{self.label}: {self.bar()} {self.done}/{self.total}, {counted(requests_made, 'request')}"
            self.stream.write(("\r" + text) if self.tty else text + "\n")
            self.stream.flush()
            self.printed = True

    def bar(self, width: int = 24) -> str:
        """`[#####-----]`: the share of known work done (the total grows as Locations are followed)."""
        share = min(1.0, self.done / self.total) if self.total else 0.0
        filled = round(share * width)
        return "[" + "#" * filled + "-" * (width - filled) + "]"

    def close(self) -> None:
        if self.printed and self.tty:
            self.stream.write("\n")
            self.stream.flush()


class BitbucketClient:
    def __init__(
        self,
        credentials: Credentials,
        hosts: Hosts | None = None,
        *,
        concurrency: int = 8,
        max_requests: int | None = None,
        cache_dir: Path | None = None,
        timeout: float = 20.0,
        retries: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 30.0,
        max_retry_after: float = 120.0,
        max_retry_wait: float = MAX_RETRY_WAIT,
        max_body: int = MAX_BODY,
        deadline: float = REQUEST_DEADLINE,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.time,
        rate_reserve: int = 0,
    ) -> None:
        self.credentials = credentials
        self.hosts = hosts or Hosts()
        self.concurrency = max(1, concurrency)
        self.max_requests = max_requests if max_requests is not None else DEFAULT_MAX_REQUESTS
        self.cache_dir = cache_dir
        self.timeout = timeout
        self.retries = retries
        self.backoff_base = backoff_base
        self.backoff_cap = backoff_cap
        self.max_retry_after = max_retry_after
        self.max_retry_wait = max_retry_wait
        self.max_body = max_body
        self.deadline = deadline
        self.waited = 0.0  # seconds slept before retries, all threads
        self.sleep = sleep
        self.clock = clock
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=max(8, self.concurrency * 2))
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)
        self.session.trust_env = False  # no netrc credentials, no env proxies picked up behind our back
        self.session.headers["User-Agent"] = "catalint"
        self.requests_made = 0
        self.stop: Stop | None = None  # why requests stopped before the run's end, if they did
        self.governor = Governor(reserve=rate_reserve, clock=clock)
        self.auth_error: str | None = None
        self.progress: Progress | None = None
        self._count_lock = threading.Lock()
        self._unreachable = 0  # requests in a row that got no answer at all, retries included
        self._down_since = 0.0  # when the last of them gave up
        self._slots = threading.BoundedSemaphore(self.concurrency)  # requests in flight, all threads
        self._memo: dict[str, Reply] = {}
        self._inflight: dict[str, threading.Event] = {}
        self._memo_lock = threading.Lock()
        self._oauth_token: str | None = None
        self._oauth_renew_at = 0.0  # renew from this moment on, ahead of the token's expiry
        self._oauth_lock = threading.Lock()
        REDACTOR.add(*credentials.secrets())

    # ------------------------------------------------------------ concurrency
    def map(self, fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
        work = list(items)
        if len(work) <= 1 or self.concurrency == 1:
            return [fn(item) for item in work]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(work))) as pool:
            return list(pool.map(fn, work))

    def close(self) -> None:
        self.session.close()

    # --------------------------------------------------------------- auth
    def _auth_header(self, *, renew: bool = False) -> str | None:
        creds = self.credentials
        if creds.method in ("basic", "app-password"):
            raw = f"{creds.username}:{creds.secret}".encode()
            return "Basic " + base64.b64encode(raw).decode()
        if creds.method == "bearer":
            return f"Bearer {creds.secret}"
        if creds.method == "oauth":
            token = self._oauth(renew=renew)
            return f"Bearer {token}" if token else None
        return None

    def _oauth(self, *, renew: bool) -> str | None:
        with self._oauth_lock:
            if not renew and self._oauth_token and self.clock() < self._oauth_renew_at:
                return self._oauth_token
            url = f"{self.hosts.web}/site/oauth2/access_token"
            log.debug("requesting an OAuth access token from %s", url)
            raw = f"{self.credentials.client_id}:{self.credentials.client_secret}".encode()
            headers = {"Authorization": "Basic " + base64.b64encode(raw).decode()}
            reply = self._with_retries("POST", url, headers, data={"grant_type": "client_credentials"})
            if reply.status in (400, 401, 403):
                self._set_auth_error(
                    f"Bitbucket refused the OAuth client credentials (HTTP {reply.status}); "
                    "check clientId/clientSecret (BITBUCKET_CLIENT_ID / BITBUCKET_CLIENT_SECRET)"
                )
                return None
            body = reply.json() if reply.ok else None
            token = body.get("access_token") if isinstance(body, dict) else None
            if not isinstance(token, str) or not token:
                log.debug("OAuth token request failed: %s", reply.detail or reply.status)
                return None
            REDACTOR.add(token, body.get("refresh_token") if isinstance(body, dict) else None)
            expires_in = body.get("expires_in") if isinstance(body, dict) else None
            ttl = float(expires_in) if isinstance(expires_in, int | float) else 3600.0
            self._oauth_token = token
            # Ten minutes early, or halfway through a token that lives less than twenty minutes.
            self._oauth_renew_at = self.clock() + max(ttl - OAUTH_MARGIN, ttl / 2)
            return token

    def _set_auth_error(self, message: str) -> None:
        with self._count_lock:
            if self.auth_error is None:
                self.auth_error = message
                log.debug("authentication failed: %s", message)

    # --------------------------------------------------------------- GET
    def get(self, url: str, params: Mapping[str, Any] | None = None) -> Reply:
        """GET `url` once per run (memoised), through the disk cache when configured."""
        if params:
            url = url + ("&" if "?" in url else "?") + urlencode(list(params.items()))
        while True:
            with self._memo_lock:
                if url in self._memo:
                    return self._memo[url]
                event = self._inflight.get(url)
                if event is None:
                    event = threading.Event()
                    self._inflight[url] = event
                    owner = True
                else:
                    owner = False
            if not owner:
                event.wait()
                continue
            try:
                reply = self._get_uncached(url)
            except BaseException:
                with self._memo_lock:
                    self._inflight.pop(url, None)
                event.set()
                raise
            with self._memo_lock:
                if reply.outcome != UNVERIFIED or self.stop is None:
                    self._memo[url] = reply
                self._inflight.pop(url, None)
            event.set()
            return reply

    def get_json(self, url: str, params: Mapping[str, Any] | None = None) -> tuple[Reply, Any]:
        reply = self.get(url, params)
        return reply, (reply.json() if reply.ok else None)

    def pages(
        self, url: str, params: Mapping[str, Any] | None = None, *, limit: int = 10_000
    ) -> Iterator[tuple[Reply, list[Any]]]:
        """Each page of a paginated endpoint, following `next` exactly as given."""
        next_url: str | None = url
        first = True
        count = 0
        while next_url and count < limit:
            reply, body = self.get_json(next_url, params if first else None)
            first = False
            count += 1
            if not reply.ok:
                yield reply, []
                return
            problem = page_problem(body, reply.url)
            if problem is not None:
                # A page that is not the envelope (a proxy's HTML error page, a link elsewhere) must
                # not read as "the end of the list": callers treat the listing as incomplete.
                yield unexpected(reply, problem), []
                return
            yield reply, body["values"]
            next_url = body.get("next") or None

    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(f"{self.credentials.method}\0{url}".encode()).hexdigest()
        return self.cache_dir / key[:2] / f"{key}.json"

    def _get_uncached(self, url: str) -> Reply:
        path = self._cache_path(url)
        stored: dict[str, Any] | None = None
        if path is not None and path.is_file():
            with contextlib.suppress(OSError, ValueError):
                stored = json.loads(path.read_text("utf-8"))
        extra: dict[str, str] = {}
        if stored and stored.get("etag"):
            extra["If-None-Match"] = str(stored["etag"])
        reply = self._request("GET", url, extra)
        if reply.status == 304 and stored is not None:
            log.debug("GET %s: 304, cached body used", url)
            return Reply(OK, 200, base64.b64decode(stored["body"]), dict(stored.get("headers") or {}), url=url)
        if reply.ok and path is not None:
            etag = next((v for k, v in reply.headers.items() if k.lower() == "etag"), None)
            if etag:
                kept = {k: v for k, v in reply.headers.items() if k.lower() in ("content-type", "etag")}
                record = {"etag": etag, "headers": kept, "body": base64.b64encode(reply.body).decode()}
                with contextlib.suppress(OSError):
                    write_atomic(path, json.dumps(record))
        return reply

    def _request(self, method: str, url: str, extra: Mapping[str, str]) -> Reply:
        """One logical request: auth, retries, one OAuth renewal on 401, outcome classification."""
        if self.auth_error is not None and self.hosts.trusted(url):
            return Reply(UNVERIFIED, detail="could not verify: authentication failed", url=url)
        renewed = False
        while True:
            headers = dict(extra)
            auth = self._auth_header(renew=renewed) if self.hosts.trusted(url) else None
            if self.credentials.method == "oauth" and auth is None and self.hosts.trusted(url):
                why = "authentication failed" if self.auth_error else "no OAuth access token could be obtained"
                return Reply(UNVERIFIED, detail=f"could not verify: {why}", url=url)
            if auth:
                headers["Authorization"] = auth
            reply = self._with_retries(method, url, headers)
            if reply.status == 401 and self.credentials.method == "oauth" and not renewed:
                renewed = True
                log.debug("401 with an OAuth token; renewing it once")
                continue
            return self._classify(reply)

    def _classify(self, reply: Reply) -> Reply:
        status = reply.status
        if reply.outcome == UNVERIFIED or status is None:
            return reply
        if status in (200, 304):
            reply.outcome = OK
            return reply
        answered = reply.answered_by or reply.url
        if answered and not self.hosts.trusted(answered):
            # Another host (an LFS media redirect, say) refusing says nothing about our credentials,
            # nor that the file is absent: Bitbucket itself pointed there.
            reply.outcome = UNVERIFIED
            reply.detail = f"could not verify: {urlsplit(answered).netloc} answered HTTP {status}"
            return reply
        if status == 404:
            reply.outcome = NOT_FOUND
            reply.detail = NOT_FOUND_TEXT
            return reply
        if status in (401, 403):
            reply.outcome = AUTH_FAILED
            self._set_auth_error(self._auth_message(status))
            reply.detail = "could not verify: authentication failed"
            return reply
        reply.outcome = UNVERIFIED
        reply.detail = f"could not verify: Bitbucket answered HTTP {status}"
        return reply

    def _auth_message(self, status: int) -> str:
        creds = self.credentials
        if status == 401 and creds.method == "anonymous":
            return (
                "Bitbucket requires authentication here (HTTP 401); set BITBUCKET_USERNAME + "
                "BITBUCKET_TOKEN, BITBUCKET_TOKEN (access token) or "
                "BITBUCKET_CLIENT_ID + BITBUCKET_CLIENT_SECRET"
            )
        if status == 401:
            return (
                f"Bitbucket rejected the credentials (HTTP 401, method: {creds.description}); "
                "they are wrong, expired or revoked"
            )
        return (
            f"Bitbucket refused access (HTTP 403, method: {creds.description}); the credentials lack a "
            "permission or scope (read:repository:bitbucket is needed)"
        )

    # ------------------------------------------------------------ transport
    def _take_budget(self) -> str | None:
        """Count one request, or say why none may be made any more (the budget, the rate limit)."""
        with self._count_lock:
            stop = self.governor.stop
            if stop is None and self.max_requests is not None and self.requests_made >= self.max_requests:
                stop = Stop(StopKind.BUDGET, f"the request budget ({counted(self.max_requests, 'request')}) is spent")
            if stop is None and not self.governor.take():
                stop = self.governor.stop
            if stop is None:
                self.requests_made += 1
                return None
            if self.stop is None:  # what stopped the run first is what the run says
                self.stop = stop
            return stop.reason

    def _take_wait(self, seconds: float) -> bool:
        """Whether the run may still wait `seconds` to retry (a server asking for an hour every
        time must not hold the run for hours)."""
        with self._count_lock:
            if self.waited + seconds > self.max_retry_wait:
                return False
            self.waited += seconds
            return True

    def _delay(self, attempt: int, retry_after: str | None) -> float | None:
        """Seconds to wait before retry `attempt` (1-based), or None to give up."""
        if retry_after:
            wait = _parse_retry_after(retry_after, self.clock())
            if wait is not None:
                return None if wait > self.max_retry_after else wait
        base = min(self.backoff_cap, self.backoff_base * (2 ** (attempt - 1)))
        return float(base * random.uniform(0.5, 1.0))

    def _may_probe(self) -> bool:
        """After a cool-down, one request may find out whether Bitbucket is back (a blip must not
        fail the rest of a nightly run); the others keep failing fast meanwhile."""
        with self._count_lock:
            if self.clock() - self._down_since < UNREACHABLE_COOL_DOWN:
                return False
            self._down_since = self.clock()
            return True

    def _with_retries(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Reply:
        attempt = 0
        while True:
            refused = self._refused(url)
            if refused is not None:
                return refused
            self._keep_pace()
            reply = self._send(method, url, headers, body=body, data=data)
            self.governor.observe(reply.headers if reply.status is not None else None)
            if reply.status is not None:
                self._unreachable = 0
            if not (reply.status is None or reply.status == 429 or reply.status >= 500):
                return reply
            attempt += 1
            retry_after = reply.headers.get("Retry-After") if reply.status == 429 else None
            wait = self._delay(attempt, retry_after) if attempt <= self.retries else None
            spent = wait is not None and not self._take_wait(wait)
            if wait is None or spent:
                return self._given_up(reply, url, spent=spent)
            log.debug("%s %s: %s; retry %d in %.2fs", method, url, reply.detail or reply.status, attempt, wait)
            self.sleep(wait)

    def _refused(self, url: str) -> Reply | None:
        """A request not made: Bitbucket is down, or the budget or the rate limit is spent."""
        if self._unreachable >= UNREACHABLE_AFTER and not self._may_probe():
            # Every retry of several requests in a row found no server: asking again for each
            # of a thousand targets would only turn an outage into an hour of back-off.
            return Reply(UNVERIFIED, detail="could not verify: Bitbucket cannot be reached", url=url)
        why = self._take_budget()
        return None if why is None else Reply(UNVERIFIED, detail=f"could not verify: {why}", url=url)

    def _keep_pace(self) -> None:
        """Near the server's limit, spread the requests left over the time left; when the run may
        not wait any longer, stop cleanly rather than run into 429s."""
        wait = self.governor.pace()
        if wait <= 0:
            return
        if self._take_wait(wait):
            self.sleep(wait)
            return
        self.governor.stop = self.governor.stop or rate_limited(
            f"Bitbucket's rate limit is near and the run already waited {self.max_retry_wait:.0f}s; "
            "stopped cleanly, the next run resumes"
        )

    def _given_up(self, reply: Reply, url: str, *, spent: bool) -> Reply:
        """The retries are over: why this request could not be verified."""
        if reply.status is None:
            with self._count_lock:
                self._unreachable += 1
                self._down_since = self.clock()
        reason = reply.detail or f"HTTP {reply.status}"
        if reply.status == 429:
            reason = "rate-limited by Bitbucket (HTTP 429)"
        elif reply.status is not None:
            reason = f"Bitbucket answered HTTP {reply.status}"
        if spent:
            reason += f"; the run already waited {self.max_retry_wait:.0f}s in all to retry"
        if reply.status == 429:
            # Asking again would only be refused again: the rest of the run stops cleanly.
            self.governor.stop = self.governor.stop or rate_limited(
                f"{reason}, past the retries; stopped cleanly, the next run resumes"
            )
        return Reply(UNVERIFIED, reply.status, b"", reply.headers, f"could not verify: {reason}", url)

    def _read_body(self, response: requests.Response, ends: float) -> bytes:
        if response.status_code in (301, 302, 303, 307, 308):
            return b""  # a redirect's body is never used
        return read_capped(response, ends, self.max_body)

    def _send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        *,
        body: bytes | None = None,
        data: Mapping[str, str] | None = None,
    ) -> Reply:
        """One HTTP exchange, following redirects by hand; status None means no answer."""
        current = url
        hdrs = dict(headers)
        for _ in range(MAX_REDIRECTS + 1):
            if "Authorization" in hdrs and not self.hosts.trusted(current):
                del hdrs["Authorization"]
            try:
                with self._slots:
                    ends = time.monotonic() + self.deadline
                    response = self.session.request(
                        method,
                        current,
                        headers=hdrs,
                        data=data if data is not None else body,
                        timeout=min(self.timeout, self.deadline),
                        allow_redirects=False,
                        stream=True,
                    )
                    with contextlib.closing(response):
                        content = self._read_body(response, ends)
            except Refused as refused:
                log.debug("%s %s: %s", method, current, refused)
                status = refused.status
                return Reply(UNVERIFIED, status, detail=f"could not verify: {refused}", url=url, answered_by=current)
            except (requests.Timeout, urllib3.exceptions.TimeoutError, TimeoutError):
                log.debug("%s %s: timed out", method, current)
                return Reply(UNVERIFIED, None, detail="timed out", url=url)
            except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
                log.debug("%s %s: connection failed (%s)", method, current, type(err).__name__)
                return Reply(UNVERIFIED, None, detail="connection failed", url=url)
            log.debug("%s %s: %d", method, current, response.status_code)
            if response.status_code in (301, 302, 303, 307, 308) and "Location" in response.headers:
                target = urljoin(current, response.headers["Location"])
                if not self.hosts.trusted(target):
                    hdrs.pop("Authorization", None)
                    log.debug("redirect off the Bitbucket hosts: credentials dropped")
                if response.status_code == 303:
                    method, data, body = "GET", None, None
                current = target
                continue
            return Reply(OK, response.status_code, content, dict(response.headers), url=url, answered_by=current)
        return Reply(UNVERIFIED, None, detail="too many redirects", url=url)


class Refused(Exception):
    """An answer abandoned on purpose (too large, too slow): not retried, never a traceback."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def _decoder(response: requests.Response) -> Any:
    """A zlib decompressor for the answer's content encoding, None for identity; Refused otherwise."""
    encoding = response.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(zlib.MAX_WBITS | (16 if "gzip" in encoding else 0))
    if encoding in ("", "identity"):
        return None
    raise Refused(f"the answer uses a content encoding catalint does not read ({encoding})", response.status_code)


def _too_large(limit: int, status: int) -> Refused:
    return Refused(f"the answer is larger than {limit:,} bytes", status)


def read_capped(response: requests.Response, ends: float, limit: int) -> bytes:
    """The body, read one network read at a time so that neither a trickle (the read timeout
    counts per read) nor an endless stream can outlast the deadline or the size cap. Bytes are
    taken undecoded (urllib3's own decoding loses data when combined with single reads) and
    unzipped here, within the same cap, so a compression bomb stops at it too."""
    status = response.status_code
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _too_large(limit, status)
    decoder = _decoder(response)
    raw = response.raw
    read = raw.read1 if hasattr(raw, "read1") else raw.read
    chunks: list[bytes] = []
    total = 0
    while data := read(_READ, decode_content=False):
        try:
            chunk = decoder.decompress(data, limit + 1 - total) if decoder is not None else data
        except zlib.error:
            raise Refused("the answer's encoding is corrupt", status) from None
        total += len(chunk)
        if total > limit or (decoder is not None and decoder.unconsumed_tail):
            raise _too_large(limit, status)
        if time.monotonic() > ends:
            raise Refused("the answer took too long to arrive (deadline exceeded)", status)
        chunks.append(chunk)
    tail = decoder.flush() if decoder is not None else b""
    if total + len(tail) > limit:
        raise _too_large(limit, status)
    return b"".join([*chunks, tail])


def unexpected(reply: Reply, problem: str) -> Reply:
    """A copy of an answered `reply` that could not be understood: "could not verify", never "absent"."""
    return Reply(UNVERIFIED, reply.status, b"", reply.headers, f"could not verify: {problem}", reply.url)


def page_problem(body: Any, url: str) -> str | None:
    """Why `body` is not a page of Bitbucket's paginated envelope fetched from `url`, or None."""
    if not isinstance(body, dict):
        return "Bitbucket answered something that is not a JSON page"
    if not isinstance(body.get("values"), list):
        return "Bitbucket answered a page without a list of values"
    size = body.get("size")
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        return "Bitbucket answered a page whose size is not a count"
    nxt = body.get("next")
    if nxt is not None and nxt != "" and not (isinstance(nxt, str) and origin(nxt) == origin(url)):
        return "Bitbucket answered a page whose next link leaves the host"
    return None


def _parse_retry_after(value: str, now: float) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def setup_debug_logging(stream: IO[str] | None = None) -> None:
    """`--verbose` / CATALINT_DEBUG=1: debug lines on stderr, secrets redacted."""
    target = stream if stream is not None else sys.stderr
    logger = logging.getLogger("catalint")
    logger.setLevel(logging.DEBUG)
    for existing in logger.handlers:
        if getattr(existing, "_catalint", False) and isinstance(existing, logging.StreamHandler):
            existing.setStream(target)
            return
    handler = logging.StreamHandler(target)
    handler.addFilter(REDACTOR)
    handler.setFormatter(logging.Formatter("catalint: debug: %(message)s"))
    handler._catalint = True  # type: ignore[attr-defined]
    logger.addHandler(handler)


def client_from_env(
    env: Mapping[str, str],
    entries: Sequence[Mapping[str, object]] = (),
    *,
    web_url: str | None = None,
    **options: Any,
) -> tuple[BitbucketClient, list[str]]:
    """A client with the credentials of the environment (and an app-config's entries), and the
    warnings to show about them; raises CredentialsError, which names fields but never values."""
    credentials = load_credentials(env, entries)
    hosts = Hosts.from_env(env)
    if web_url:
        hosts = Hosts(web_url.rstrip("/"), hosts.api)
    return BitbucketClient(credentials, hosts, **options), list(credentials.warnings)
