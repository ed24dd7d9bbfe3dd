"""Fetch each discovered descriptor once: a content digest (to notice edits) and a lint verdict.

Only the file itself is linted (what it points at is not fetched), with error-level findings
deciding "invalid". A file that cannot be fetched is *unknown*, never invalid: a network blip
must not make sync drop an entry.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import urlsplit, urlunsplit

from catalint.engine import Options, Source, apply_directives, lint_source
from catalint.model import Severity
from catalint.resolve.placeholders import Fetched

Fetcher = Callable[[str], bytes]


class FetchError(Exception):
    pass


@dataclass(frozen=True)
class Descriptor:
    url: str
    digest: str | None = None  # sha256 of the bytes; None when they could not be fetched
    problems: tuple[str, ...] = ()  # error-level lint findings, "rule: message"
    fetch_error: str | None = None

    @property
    def invalid(self) -> bool:
        return bool(self.problems)


@dataclass
class Descriptors:
    by_url: dict[str, Descriptor] = field(default_factory=dict)

    def invalid_urls(self) -> set[str]:
        return {u for u, d in self.by_url.items() if d.invalid}

    def fetch_errors(self) -> list[str]:
        return [f"{u}: {d.fetch_error}" for u, d in sorted(self.by_url.items()) if d.fetch_error]

    def digest(self, url: str) -> str | None:
        found = self.by_url.get(url)
        return found.digest if found is not None else None


class _TextSource(Source):
    """A fetched file; relative targets are not followed (reported as skipped)."""

    def __init__(self, url: str, data: bytes) -> None:
        self.location = url
        self.display = url
        self._data = data

    def read_bytes(self) -> bytes:
        return self._data

    def fetch(self, target: str, *, purpose: str) -> Fetched:
        return Fetched(status="skipped")

    def exists(self, target: str, *, glob_ok: bool = False) -> tuple[Fetched, list[str]]:
        return Fetched(status="skipped"), []


def lint_bytes(url: str, data: bytes) -> tuple[str, ...]:
    result = lint_source(_TextSource(url, data), Options())
    errors = [f for f in apply_directives(result) if f.severity >= Severity.ERROR]
    return tuple(f"{f.rule}: {f.message}" for f in sorted(errors, key=lambda f: f.sort_key()))


def raw_url(url: str) -> str:
    """``{host}/{ws}/{repo}/src/{ref}/{path}`` -> ``.../raw/...`` (the browse page is HTML upstream)."""
    parts = urlsplit(url)
    segments = parts.path.split("/")
    if len(segments) > 4 and segments[3] == "src":
        segments[3] = "raw"
    return urlunsplit((parts.scheme, parts.netloc, "/".join(segments), parts.query, ""))


def inspect(urls: Iterable[str], fetch: Fetcher, *, lint: bool = True, workers: int = 8) -> Descriptors:
    def one(url: str) -> Descriptor:
        try:
            data = fetch(url)
        except (FetchError, OSError) as err:
            return Descriptor(url, fetch_error=str(err) or type(err).__name__)
        digest = hashlib.sha256(data).hexdigest()
        return Descriptor(url, digest, lint_bytes(url, data) if lint else ())

    unique = sorted(set(urls))
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(unique) or 1))) as pool:
        found = list(pool.map(one, unique))
    return Descriptors({d.url: d for d in found})
