"""One client for Backstage's catalog REST API: the locations sync registers and refreshes, and the
entity references lint looks up. Every answer is read within a deadline and a size cap; writes
never follow redirects; the token is never shown."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import requests
import urllib3

from catalint.redact import redact_url

API_PATH = "/api/catalog"


class BackstageError(Exception):
    """Backstage unreachable, token rejected or failing: the run stops, nothing is removed."""


@dataclass(frozen=True)
class Location:
    id: str
    type: str
    target: str
    entity_ref: str | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Location:
        ref = data.get("entityRef")
        return cls(str(data["id"]), str(data.get("type", "")), str(data.get("target", "")), ref and str(ref))


@dataclass(frozen=True)
class DryRun:
    ok: bool
    error: str = ""  # Backstage's own message when not ok
    entity_ref: str | None = None


def _error_message(resp: requests.Response) -> str:
    try:
        body = resp.json()
    except ValueError:
        return resp.text.strip()[:300] or resp.reason or ""
    if isinstance(body, dict):
        error = body.get("error")
        if isinstance(error, dict):
            name, message = error.get("name"), error.get("message")
            return (
                f"{name}: {message}"
                if name and message and not str(message).startswith(name)
                else str(message)
            )
        if isinstance(body.get("errors"), list):
            return "; ".join(str(e.get("message", e)) for e in body["errors"] if isinstance(e, dict))
    return json.dumps(body)[:300]


class CatalogClient:
    """``base_url`` is the backend (``http://host:7007``) or its catalog (``.../api/catalog``)."""

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: tuple[float, float] = (5.0, 60.0),
        session: requests.Session | None = None,
        deadline: float = 300.0,
        max_body: int = 64 * 1024 * 1024,
    ) -> None:
        base = base_url.rstrip("/")
        self.base_url = redact_url(base.removesuffix(API_PATH))  # shown in messages
        base = base.removesuffix(API_PATH)
        self.catalog_url = base + API_PATH
        self.timeout = timeout
        self.deadline = deadline  # seconds one request may take in all, a trickling body included
        self.max_body = max_body
        self.session = session or requests.Session()
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def __repr__(self) -> str:  # never show the token
        return f"CatalogClient({self.base_url!r})"

    def _request(self, method: str, path: str, *, ok: tuple[int, ...], **kwargs: Any) -> requests.Response:
        from catalint.bitbucket.client import Refused, read_capped

        url = self.catalog_url + path
        ends = time.monotonic() + self.deadline
        try:
            # Writes are never replayed on whatever host a redirect names (a 3xx is then an error).
            follow = method == "GET"
            resp = self.session.request(
                method, url, timeout=self.timeout, stream=True, allow_redirects=follow, **kwargs
            )
            with contextlib.closing(resp):
                resp._content = read_capped(resp, ends, self.max_body)
        except Refused as refused:
            raise BackstageError(f"Backstage at {self.base_url}: {method} {path}: {refused}") from None
        except (requests.ConnectionError, urllib3.exceptions.ProtocolError):
            raise BackstageError(
                f"Backstage at {self.base_url} is not reachable (connection failed)"
            ) from None
        except (requests.Timeout, urllib3.exceptions.TimeoutError):
            raise BackstageError(
                f"Backstage at {self.base_url} did not answer {method} {path} within {self.timeout[1]:.0f}s"
            ) from None
        except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as err:
            raise BackstageError(f"Backstage at {self.base_url}: {type(err).__name__}") from None
        if resp.status_code in ok:
            return resp
        if resp.status_code == 401:
            raise BackstageError(
                f"Backstage at {self.base_url} rejected the token (401 {_error_message(resp)}); "
                "check --backstage-token / BACKSTAGE_TOKEN"
            )
        if resp.status_code == 403:
            raise BackstageError(
                f"Backstage at {self.base_url} refused {method} {path} (403 {_error_message(resp)})"
            )
        if resp.status_code >= 500:
            raise BackstageError(
                f"Backstage failed: {method} {path} -> {resp.status_code} {_error_message(resp)}"
            )
        raise BackstageError(
            f"Backstage at {self.base_url}: unexpected {resp.status_code} for {method} {path}: "
            + _error_message(resp)
        )

    def locations(self) -> list[Location]:
        resp = self._request("GET", "/locations", ok=(200,))
        try:
            items = resp.json()
            # The list wraps each location in "data"; tolerate bare items too.
            return [Location.from_json(i.get("data", i)) for i in items]
        except (ValueError, TypeError, KeyError, AttributeError):
            raise BackstageError(
                f"Backstage at {self.base_url}: GET /locations returned an unexpected body"
            ) from None

    def dry_run(self, target: str) -> DryRun:
        body = {"type": "url", "target": target}
        resp = self._request("POST", "/locations", ok=(200, 201, 400), params={"dryRun": "true"}, json=body)
        if resp.status_code == 400:
            return DryRun(False, _error_message(resp))
        location = resp.json().get("location") or {}
        return DryRun(True, entity_ref=location.get("entityRef"))

    def register(self, target: str) -> Location | None:
        """Register a url location; None when it already exists (409)."""
        body = {"type": "url", "target": target}
        resp = self._request("POST", "/locations", ok=(200, 201, 409), json=body)
        if resp.status_code == 409:
            return None
        return Location.from_json(resp.json()["location"])

    def refresh(self, entity_ref: str) -> bool:
        """Ask the catalog to re-process an entity now; False when it does not exist (404)."""
        resp = self._request("POST", "/refresh", ok=(200, 204, 404), json={"entityRef": entity_ref})
        return resp.status_code != 404

    def by_refs(self, refs: list[str], fields: tuple[str, ...]) -> list[Any]:
        """The catalog's entities for `refs`, aligned with them (None where it holds none)."""
        resp = self._request("POST", "/entities/by-refs", ok=(200,), json={"entityRefs": refs, "fields": list(fields)})
        try:
            items = resp.json().get("items")
        except (ValueError, AttributeError):
            items = None
        if not isinstance(items, list) or len(items) != len(refs):
            raise BackstageError(f"Backstage at {self.base_url}: the answer does not have one item per reference")
        return items

    def by_query(
        self, filters: list[str], fields: tuple[str, ...], *, limit: int = 100, cursor: str | None = None
    ) -> tuple[list[Any], int, str | None]:
        """`GET /entities/by-query`: one page of the entities matching any of `filters` (each
        `key=value[,key=value]`), with the total count and the cursor of the next page."""
        params: list[tuple[str, str]] = [("filter", f) for f in filters] if cursor is None else []
        params += [("fields", ",".join(fields)), ("limit", str(limit))]
        if cursor is not None:
            params.append(("cursor", cursor))
        resp = self._request("GET", "/entities/by-query", ok=(200,), params=params)
        try:
            body = resp.json()
            items, total = body["items"], body.get("totalItems", 0)
            following = (body.get("pageInfo") or {}).get("nextCursor")
        except (ValueError, TypeError, KeyError, AttributeError):
            items = None
        if not isinstance(items, list) or not isinstance(total, int):
            raise BackstageError(f"Backstage at {self.base_url}: GET /entities/by-query returned an unexpected body")
        return items, total, following if isinstance(following, str) else None

    def delete_location(self, location_id: str) -> bool:
        """False when it was already gone (404)."""
        resp = self._request("DELETE", f"/locations/{quote(location_id, safe='')}", ok=(200, 204, 404))
        return resp.status_code != 404
