"""A tiny fake Backstage catalog: real HTTP on 127.0.0.1, answering `POST /api/catalog/entities/by-refs`.

It checks the static bearer token (401 `AuthenticationError` otherwise, in Backstage's error
shape), refuses `fields` in the query string (400, as the real backend does) and answers
`{"items": [entity | null, ...]}` aligned with the request, matching refs case-insensitively.
`fail_with` makes every request answer that status; every request is recorded.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from .bitbucket import _Recorder, _Served
from .bitbucket_api import Request, Response, json_response

__all__ = ["FakeBackstage"]

BY_REFS = "/api/catalog/entities/by-refs"


def _error(status: int, name: str, message: str, request: Request) -> Response:
    body = {
        "error": {"name": name, "message": message},
        "request": {"method": request.method, "url": request.path},
        "response": {"statusCode": status},
    }
    return json_response(status, body)


class FakeBackstage(_Served, _Recorder):
    def __init__(self, token: str = "backstage-static-token", entities: Iterable[str] = ()) -> None:
        _Served.__init__(self, "127.0.0.1", 0)
        _Recorder.__init__(self)
        self.token = token
        self.fail_with: int | None = None
        self._entities: dict[str, tuple[str, str, str]] = {}
        for ref in entities:
            self.add_entity(ref)

    @property
    def url(self) -> str:
        return self.base_url

    def add_entity(self, ref: str) -> None:
        """`kind:namespace/name`, stored with its spelling, matched case-insensitively."""
        kind, rest = ref.split(":", 1)
        namespace, name = rest.split("/", 1)
        self._entities[ref.lower()] = (kind, namespace, name)

    def asked(self) -> list[list[str]]:
        """The `entityRefs` of every by-refs request, in order."""
        out: list[list[str]] = []
        for record in self.requests_matching(BY_REFS, "POST"):
            out.append(list(json.loads(record.body or b"{}").get("entityRefs") or []))
        return out

    def _respond(self, request: Request) -> Response:
        response = self._answer(request)
        self._record(request, response.status)
        return response

    def _answer(self, request: Request) -> Response:
        if self.fail_with is not None:
            return _error(self.fail_with, "Error", f"injected failure {self.fail_with}", request)
        if request.header("Authorization") is None:
            return _error(401, "AuthenticationError", "Missing credentials", request)
        if request.header("Authorization") != f"Bearer {self.token}":
            return _error(401, "AuthenticationError", "Illegal token", request)
        if request.method != "POST" or request.path != BY_REFS:
            return _error(404, "NotFoundError", "Not Found", request)
        if "fields" in request.query:
            return _error(400, "InputError", "fields must be given in the body", request)
        try:
            body = json.loads(request.body)
        except ValueError:
            return _error(400, "InputError", "the body is not JSON", request)
        refs = body.get("entityRefs") if isinstance(body, dict) else None
        if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
            return _error(400, "InputError", "request/body must have required property 'entityRefs'", request)
        fields = body.get("fields")
        return json_response(200, {"items": [self._entity(ref, fields) for ref in refs]})

    def _entity(self, ref: str, fields: Any) -> dict[str, Any] | None:
        found = self._entities.get(ref.lower())
        if found is None:
            return None
        kind, namespace, name = found
        entity: dict[str, Any] = {
            "apiVersion": "backstage.io/v1alpha1",
            "kind": kind,
            "metadata": {"name": name, "namespace": namespace, "uid": f"uid-{name}"},
            "spec": {},
        }
        if isinstance(fields, list) and fields:
            entity = {
                "kind": kind,
                "metadata": {k: v for k, v in entity["metadata"].items() if f"metadata.{k}" in fields},
            }
        return entity
