"""A fake Bitbucket Cloud: a real HTTP server on 127.0.0.1 speaking Bitbucket's protocol.

One port serves the API (``/2.0/...``), the OAuth token endpoint (``/site/oauth2/access_token``)
and the web URLs (``/{ws}/{repo}/src|raw/{ref}/{path}``, ``/{ws}/{repo}/get/{ref}.tar.gz``).
Used as an HTTP proxy for ``http://api.bitbucket.org`` it behaves like the Pipelines auth proxy.

State is built from Python (see ``BitbucketState``); faults (429/5xx, delays, dropped
connections, redirects) are programmed per path regex; every request is recorded.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import urlsplit

from catalint.bitbucket.client import BitbucketClient
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.urls import Hosts
from tests.fakes.loopback import Serving

from .bitbucket_api import BitbucketApp, Request, Response, json_response, parse_query
from .bitbucket_state import BitbucketState

__all__ = ["FakeBitbucket", "ForeignServer", "RecordedRequest"]

PROXIED_HOSTS = {"api.bitbucket.org", "bitbucket.org"}
_DEFAULT_MESSAGES = {
    429: "Rate limit for this resource has been exceeded",
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway timeout",
}


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str  # as sent, percent-encoded, without the query
    query: dict[str, list[str]]
    headers: dict[str, str]
    status: int | None  # None when the connection was dropped
    body: bytes
    proxied: bool = False
    host: str = ""  # the Host header, or the absolute-form host when proxied

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)

    @property
    def authorization(self) -> str | None:
        return self.header("Authorization")


@dataclass
class _Rule:
    kind: str  # "fail", "delay", "drop" or "redirect"
    pattern: re.Pattern[str]
    method: str | None
    remaining: int | None  # None: forever
    status: int = 0
    retry_after: float | None = None
    seconds: float = 0.0
    location: str = ""
    message: str | None = None

    def applies(self, method: str, path: str) -> bool:
        if self.remaining == 0 or (self.method is not None and self.method.upper() != method):
            return False
        return self.pattern.search(path) is not None


# ---------------------------------------------------------------- HTTP plumbing
class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # the default backlog of 5 makes parallel clients wait for SYN retries
    responder: Callable[[Request], Response]
    api_base: str


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def version_string(self) -> str:
        return "fake-bitbucket"

    timeout = 60
    disable_nagle_algorithm = True  # headers and body go out in two writes: avoid the 40 ms delayed-ACK stall

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        server = cast(_Server, self.server)
        body = self._read_body()
        proxied = self.path.startswith(("http://", "https://"))  # absolute form: we are used as a proxy
        parts = urlsplit(self.path)
        request = Request(
            method=self.command,
            path=parts.path or "/",
            query=parse_query(parts.query),
            headers=dict(self.headers.items()),
            body=body,
            api_base=f"{parts.scheme}://{parts.netloc}/2.0" if proxied else server.api_base,
            proxied=proxied,
            host=parts.netloc if proxied else self.headers.get("Host", ""),
        )
        response = server.responder(request)
        if response.drop:
            self.close_connection = True
            return
        self.send_response(response.status)
        for key, value in response.headers.items():
            self.send_header(key, value)
        if response.status not in (204, 304):
            self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD" and response.status not in (204, 304):
            self.wfile.write(response.body)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class _Served(Serving):
    """Start/stop of a ``_Server`` in a daemon thread, shared by both servers."""

    def __init__(self, host: str, port: int) -> None:
        self._address = (host, port)

    def _respond(self, request: Request) -> Response:
        raise NotImplementedError

    def _make_server(self) -> _Server:
        server = _Server(self._address, _Handler)
        server.responder = self._respond
        host, port = server.server_address[:2]
        server.api_base = f"http://{host!s}:{port}/2.0"
        return server

class _Recorder:
    def __init__(self) -> None:
        self._log: list[RecordedRequest] = []
        self._log_lock = threading.Lock()

    def _record(self, request: Request, status: int | None) -> None:
        entry = RecordedRequest(
            request.method,
            request.path,
            request.query,
            dict(request.headers),
            status,
            request.body,
            request.proxied,
            request.host,
        )
        with self._log_lock:
            self._log.append(entry)

    @property
    def request_log(self) -> list[RecordedRequest]:
        """A snapshot of every request so far, oldest first."""
        with self._log_lock:
            return list(self._log)

    def reset_log(self) -> None:
        with self._log_lock:
            self._log.clear()

    def requests_matching(self, pattern: str, method: str | None = None) -> list[RecordedRequest]:
        """Recorded requests whose path matches ``pattern`` (``re.search``) and, if given, ``method``."""
        regex = re.compile(pattern)
        return [
            r
            for r in self.request_log
            if regex.search(r.path) and (method is None or r.method == method.upper())
        ]


# ------------------------------------------------------------------ the fakes
class FakeBitbucket(_Served, _Recorder, BitbucketState):
    """Bitbucket Cloud on 127.0.0.1: ``web_url`` stands for bitbucket.org, ``api_url`` for its API."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Callable[[], float] | None = None,
        latency: float = 0.0,
    ) -> None:
        _Served.__init__(self, host, port)
        _Recorder.__init__(self)
        BitbucketState.__init__(self, clock=clock)
        self.latency = latency
        self._rules: list[_Rule] = []
        self._rules_lock = threading.Lock()
        self._app = BitbucketApp(self, lambda: self.web_url)

    # ------------------------------------------------------------------ URLs
    @property
    def web_url(self) -> str:
        return self.base_url

    @property
    def api_url(self) -> str:
        return self.base_url + "/2.0"

    @property
    def oauth_token_url(self) -> str:
        return self.base_url + "/site/oauth2/access_token"

    def env(self, **extra: str) -> dict[str, str]:
        """The environment that points catalint's web and API hosts at this fake, plus `extra`."""
        return {"CATALINT_BITBUCKET_URL": self.web_url, "CATALINT_BITBUCKET_API_URL": self.api_url, **extra}

    def client(self, creds: Credentials | None = None, **options: Any) -> BitbucketClient:
        """catalint's client for this fake: anonymous unless `creds`, quick to give up unless told."""
        options.setdefault("backoff_base", 0.01)
        options.setdefault("timeout", 2.0)
        return BitbucketClient(creds or Credentials(), Hosts(self.web_url, self.api_url), **options)

    @property
    def proxy_url(self) -> str:
        """Use as ``proxies={"http": fake.proxy_url}`` with ``http://api.bitbucket.org/2.0/...`` URLs."""
        return self.base_url

    # ---------------------------------------------------------------- faults
    def _add_rule(self, rule: _Rule) -> None:
        with self._rules_lock:
            self._rules.append(rule)

    def fail_next(
        self,
        pattern: str,
        status: int = 429,
        *,
        count: int | None = 1,
        retry_after: float | None = None,
        method: str | None = None,
        message: str | None = None,
    ) -> None:
        """The next ``count`` matching requests (``None``: all of them) get ``status``."""
        self._add_rule(
            _Rule("fail", re.compile(pattern), method, count, status, retry_after, message=message)
        )

    def delay(
        self, pattern: str, seconds: float, *, count: int | None = None, method: str | None = None
    ) -> None:
        """Matching requests wait ``seconds`` before being answered."""
        self._add_rule(_Rule("delay", re.compile(pattern), method, count, seconds=seconds))

    def drop(self, pattern: str, *, count: int | None = 1, method: str | None = None) -> None:
        """Matching requests see the connection closed without any response."""
        self._add_rule(_Rule("drop", re.compile(pattern), method, count))

    def redirect(
        self,
        pattern: str,
        location: str,
        *,
        status: int = 302,
        count: int | None = None,
        method: str | None = None,
    ) -> None:
        """Matching requests are answered ``status`` with ``Location: location``."""
        self._add_rule(_Rule("redirect", re.compile(pattern), method, count, status, location=location))

    def clear_faults(self) -> None:
        with self._rules_lock:
            self._rules.clear()

    def _take(self, kind: str, method: str, path: str) -> _Rule | None:
        with self._rules_lock:
            for rule in self._rules:
                if rule.kind == kind and rule.applies(method, path):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return rule
        return None

    # -------------------------------------------------------------- serving
    def _respond(self, request: Request) -> Response:
        response = self._faulted(request) or self._proxy_check(request) or self._app.handle(request)
        self._record(request, None if response.drop else response.status)
        return response

    def _faulted(self, request: Request) -> Response | None:
        method, path = request.method, request.path
        pause = self.latency
        delayed = self._take("delay", method, path)
        if delayed is not None:
            pause += delayed.seconds
        if pause > 0:
            time.sleep(pause)
        if self._take("drop", method, path) is not None:
            return Response(0, drop=True)
        moved = self._take("redirect", method, path)
        if moved is not None:
            return Response(moved.status, b"", {"Location": moved.location})
        failed = self._take("fail", method, path)
        if failed is None:
            return None
        headers: dict[str, str] = {}
        if failed.retry_after is not None:
            value = failed.retry_after
            headers["Retry-After"] = str(int(value)) if float(value).is_integer() else str(value)
        message = failed.message or _DEFAULT_MESSAGES.get(failed.status, f"Injected failure {failed.status}")
        return json_response(failed.status, {"type": "error", "error": {"message": message}}, headers)

    def _proxy_check(self, request: Request) -> Response | None:
        if not request.proxied or request.host.split(":")[0] in PROXIED_HOSTS:
            return None
        return json_response(
            502, {"type": "error", "error": {"message": f"Proxy refuses host {request.host}"}}
        )


class ForeignServer(_Served, _Recorder):
    """Some other host: answers every request with a fixed response and records it (headers included)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        status: int = 200,
        body: bytes = b"foreign content\n",
        headers: Mapping[str, str] | None = None,
    ) -> None:
        _Served.__init__(self, host, port)
        _Recorder.__init__(self)
        self.set_response(status, body, headers)

    @property
    def url(self) -> str:
        return self.base_url

    def set_response(self, status: int, body: bytes = b"", headers: Mapping[str, str] | None = None) -> None:
        self._response = Response(status, body, {"Content-Type": "text/plain", **(headers or {})})

    def authorization_headers(self) -> list[str]:
        """Every ``Authorization`` header that reached this host (should be empty)."""
        return [r.authorization for r in self.request_log if r.authorization is not None]

    def _respond(self, request: Request) -> Response:
        self._record(request, self._response.status)
        return Response(self._response.status, self._response.body, dict(self._response.headers))
