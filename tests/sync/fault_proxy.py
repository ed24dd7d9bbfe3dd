"""A loopback HTTP proxy in front of the real Backstage that can fail or crash chosen requests.

Every request is forwarded unchanged unless ``rule(method, path, seen)`` returns a ``Fault``;
``seen`` counts the requests with the same method and path (query string excluded) so far,
this one included. A fault either answers with a Backstage-shaped error (``status``), or
SIGKILLs ``victim_pid`` before forwarding (a run killed midway, as by a cancelled CI job).
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from tests.fakes.loopback import Serving


@dataclass(frozen=True)
class Fault:
    status: int = 500
    kill: bool = False  # SIGKILL victim_pid instead of answering


Rule = Callable[[str, str, int], Fault | None]
_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length", "host"}


class FaultProxy(Serving):
    def __init__(self, upstream: str, rule: Rule) -> None:
        parts = urlsplit(upstream)
        self.upstream_host = parts.hostname or "127.0.0.1"
        self.upstream_port = parts.port or 80
        self.rule = rule
        self.victim_pid: int | None = None
        self.seen: Counter[tuple[str, str]] = Counter()
        self.faults: list[tuple[str, str]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_DELETE = do_PUT = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        path = urlsplit(handler.path).path
        with self._lock:
            self.seen[(handler.command, path)] += 1
            fault = self.rule(handler.command, path, self.seen[(handler.command, path)])
            if fault is not None:
                self.faults.append((handler.command, path))
        if fault is not None and fault.kill:
            assert self.victim_pid is not None, "set victim_pid before a kill fault can fire"
            os.kill(self.victim_pid, signal.SIGKILL)
            handler.close_connection = True
            return
        if fault is not None:
            self._reply(
                handler,
                fault.status,
                json.dumps(
                    {
                        "error": {"name": "Error", "message": "injected fault"},
                        "request": {"method": handler.command, "url": handler.path},
                        "response": {"statusCode": fault.status},
                    }
                ).encode(),
                [("Content-Type", "application/json; charset=utf-8")],
            )
            return
        conn = http.client.HTTPConnection(self.upstream_host, self.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in handler.headers.items() if k.lower() not in _HOP}
            conn.request(handler.command, handler.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            kept = [(k, v) for k, v in resp.getheaders() if k.lower() not in _HOP]
            self._reply(handler, resp.status, data, kept)
        finally:
            conn.close()

    @staticmethod
    def _reply(
        handler: BaseHTTPRequestHandler, status: int, body: bytes, headers: list[tuple[str, str]]
    ) -> None:
        handler.send_response(status)
        for key, value in headers:
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)
