"""A fake GitHub REST API for the Checks API: a real HTTP server on 127.0.0.1.

Serves ``POST /repos/{owner}/{repo}/check-runs`` and ``PATCH /repos/{owner}/{repo}/check-runs/{id}``
with GitHub's rules that matter to a client: a Bearer token is required, ``name`` and ``head_sha``
are required, at most 50 annotations per request, each with its required fields, and columns only
on single-line annotations (422 otherwise). ``refuse(403)`` answers every check-run request like a
fork pull request's read-only token. Every request is recorded.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast

from tests.fakes.loopback import Serving

REQUIRED_ANNOTATION = ("path", "start_line", "end_line", "annotation_level", "message")
LEVELS = {"notice", "warning", "failure"}


@dataclass(frozen=True)
class GithubRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: Any
    status: int


@dataclass
class CheckRunState:
    id: int
    repo: str
    name: str
    head_sha: str
    status: str
    conclusion: str | None = None
    output: dict[str, Any] = field(default_factory=dict)
    annotations: list[dict[str, Any]] = field(default_factory=list)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeGitHub


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self) -> None:
        fake = cast(_Server, self.server).fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        status, payload = fake.handle(self.command, self.path, dict(self.headers.items()), body)
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = _serve


class FakeGitHub(Serving):
    def __init__(self, token: str = "ghs_fake-token-0123456789") -> None:
        self.token = token
        self.requests: list[GithubRequest] = []
        self.check_runs: dict[int, CheckRunState] = {}
        self._refusal: int | None = None
        self._failing_patches: set[int] = set()
        self._patches = 0
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def fail_patches(self, *numbers: int) -> None:
        """Answer the given PATCH requests (1-based, counted across the run) with a 502."""
        self._failing_patches = set(numbers)

    def refuse(self, status: int = 403) -> None:
        """Answer every check-run request with `status` (403: "Resource not accessible by integration")."""
        self._refusal = status

    def _make_server(self) -> _Server:
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        return server

    # ----------------------------------------------------------------- routing
    def handle(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        with self._lock:
            status, payload = self._route(method, path, headers, body)
            self.requests.append(GithubRequest(method, path, headers, body, status))
            return status, payload

    def _route(self, method: str, path: str, headers: dict[str, str], body: Any) -> tuple[int, Any]:
        auth = next((v for k, v in headers.items() if k.lower() == "authorization"), None)
        if auth != f"Bearer {self.token}":
            return 401, {"message": "Bad credentials"}
        parts = path.split("?")[0].strip("/").split("/")
        if len(parts) < 4 or parts[0] != "repos" or parts[3] != "check-runs":
            return 404, {"message": "Not Found"}
        if self._refusal is not None:
            return self._refusal, {"message": "Resource not accessible by integration"}
        repo = f"{parts[1]}/{parts[2]}"
        if not isinstance(body, dict):
            return 400, {"message": "Problems parsing JSON"}
        problem = self._check_output(body.get("output"))
        if problem:
            return 422, {"message": problem}
        if method == "POST" and len(parts) == 4:
            if not body.get("name") or not body.get("head_sha"):
                return 422, {"message": "name and head_sha are required"}
            run = CheckRunState(
                len(self.check_runs) + 1, repo, body["name"], body["head_sha"], body.get("status", "queued")
            )
            self.check_runs[run.id] = run
            self._apply(run, body)
            return 201, {"id": run.id, "html_url": f"https://github.example/{repo}/runs/{run.id}"}
        if method == "PATCH" and len(parts) == 5 and parts[4].isdigit():
            self._patches += 1
            if self._patches in self._failing_patches:
                return 502, {"message": "Server Error"}
            found = self.check_runs.get(int(parts[4]))
            if found is None or found.repo != repo:
                return 404, {"message": "Not Found"}
            self._apply(found, body)
            return 200, {"id": found.id, "html_url": f"https://github.example/{repo}/runs/{found.id}"}
        return 404, {"message": "Not Found"}

    @staticmethod
    def _check_output(output: Any) -> str | None:
        if output is None:
            return None
        if not isinstance(output, dict) or not output.get("title") or not output.get("summary"):
            return "output.title and output.summary are required"
        if len(output["summary"]) > 65535:
            return "output.summary is too long (maximum is 65535 characters)"
        annotations = output.get("annotations", [])
        if len(annotations) > 50:
            return "No more than 50 annotations are allowed per request"
        for item in annotations:
            missing = [k for k in REQUIRED_ANNOTATION if k not in item]
            if missing:
                return f"annotation is missing {missing}"
            if item["annotation_level"] not in LEVELS:
                return f"annotation_level {item['annotation_level']!r} is not one of {sorted(LEVELS)}"
            if ("start_column" in item or "end_column" in item) and item["start_line"] != item["end_line"]:
                return "start_column and end_column need start_line == end_line"
            if len(item.get("title", "")) > 255:
                return "title is too long"
        return None

    @staticmethod
    def _apply(run: CheckRunState, body: dict[str, Any]) -> None:
        if "status" in body:
            run.status = body["status"]
        if "conclusion" in body:
            run.conclusion = body["conclusion"]
        output = body.get("output")
        if isinstance(output, dict):
            run.output = {k: v for k, v in output.items() if k != "annotations"}
            run.annotations.extend(output.get("annotations", []))
