"""A hostile HTTP server on 127.0.0.1, to put in front of (or beside) the fake Bitbucket.

Requests that match no rule are forwarded to `upstream` (when given), with the upstream's base
URL rewritten to ours in the answer, so `next` links keep pointing here. Matching requests get
the hostile treatment instead: a garbage body, a body drip-fed one byte at a time, an endless
body, a redirect, or any status. Every request is recorded.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

import requests

from tests.fakes.loopback import Serving

__all__ = ["Answer", "Drip", "Endless", "HostileServer", "Seen"]


@dataclass(frozen=True)
class Answer:
    """A plain answer: any status, body and headers (a proxy's HTML error page, a foreign 403, a redirect)."""

    status: int = 200
    body: bytes = b"<html><body>502 Bad Gateway</body></html>"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html"})


@dataclass(frozen=True)
class Drip:
    """Announces `length` bytes, then sends one every `interval` seconds."""

    length: int = 1000
    interval: float = 0.2


@dataclass(frozen=True)
class Endless:
    """A body with no end (no length, no final chunk), sent as fast as the client reads it."""

    chunk: int = 64 * 1024


Behaviour = Answer | Drip | Endless


@dataclass(frozen=True)
class Seen:
    method: str
    target: str  # path and query, as sent
    headers: dict[str, str]
    body: bytes

    @property
    def authorization(self) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == "authorization"), None)


@dataclass
class _Rule:
    pattern: re.Pattern[str]
    behaviour: Behaviour
    method: str | None
    remaining: int | None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    owner: HostileServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        owner = cast(_Server, self.server).owner
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        owner._record(Seen(self.command, self.path, dict(self.headers.items()), body))
        behaviour = owner._take(self.command, self.path)
        if behaviour is None:
            behaviour = owner._forward(self.command, self.path, dict(self.headers.items()), body)
        try:
            self._answer(behaviour, owner.stopping)
        except OSError:  # the client gave up: what a hostile server hopes for
            self.close_connection = True

    def _answer(self, behaviour: Behaviour, stopping: threading.Event) -> None:
        if isinstance(behaviour, Answer):
            self.send_response(behaviour.status)
            for key, value in behaviour.headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(len(behaviour.body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(behaviour.body)
            return
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        if isinstance(behaviour, Drip):
            self.send_header("Content-Length", str(behaviour.length))
            self.end_headers()
            self.wfile.flush()
            for _ in range(behaviour.length):
                if stopping.wait(behaviour.interval):
                    return
                self.wfile.write(b"a")
                self.wfile.flush()
            return
        self.send_header("Connection", "close")
        self.end_headers()
        block = b"a" * behaviour.chunk
        while not stopping.is_set():
            self.wfile.write(block)

    do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


class HostileServer(Serving):
    def __init__(self, upstream: str | None = None) -> None:
        self.upstream = upstream.rstrip("/") if upstream else None
        self.stopping = threading.Event()
        self._rules: list[_Rule] = []
        self._log: list[Seen] = []
        self._lock = threading.Lock()

    def _make_server(self) -> _Server:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.owner = self
        return server

    def stop(self) -> None:
        self.stopping.set()  # drips and endless bodies end, so their threads do
        super().stop()

    @property
    def url(self) -> str:
        return self.base_url

    def on(self, pattern: str, behaviour: Behaviour, *, method: str | None = None, count: int | None = None) -> None:
        """Requests whose path and query match `pattern` (`re.search`) get `behaviour`, `count` times."""
        with self._lock:
            self._rules.append(_Rule(re.compile(pattern), behaviour, method, count))

    @property
    def seen(self) -> list[Seen]:
        with self._lock:
            return list(self._log)

    def _record(self, seen: Seen) -> None:
        with self._lock:
            self._log.append(seen)

    def _take(self, method: str, target: str) -> Behaviour | None:
        with self._lock:
            for rule in self._rules:
                if rule.remaining == 0 or (rule.method and rule.method != method):
                    continue
                if rule.pattern.search(target):
                    if rule.remaining is not None:
                        rule.remaining -= 1
                    return rule.behaviour
        return None

    def _forward(self, method: str, target: str, headers: dict[str, str], body: bytes) -> Behaviour:
        if self.upstream is None:
            return Answer(404, b"nothing here", {"Content-Type": "text/plain"})
        keep = {k: v for k, v in headers.items() if k.lower() not in ("host", "content-length", "connection")}
        reply = requests.request(
            method, self.upstream + target, headers=keep, data=body or None, allow_redirects=False, timeout=30
        )
        text = reply.content.replace(self.upstream.encode(), self.url.encode())
        kept = {k: v for k, v in reply.headers.items() if k.lower() in ("content-type", "location", "etag", "retry-after")}
        if "Location" in kept:
            kept["Location"] = kept["Location"].replace(self.upstream, self.url)
        return Answer(reply.status_code, text, kept)
