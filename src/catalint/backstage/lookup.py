"""Ask a running Backstage catalog which entity references exist (`lint --backstage-url`).

After linting, the references no linted file declares are sent to
`POST {backend}/api/catalog/entities/by-refs` in batches; its `items` are aligned with the request
(`null` for a ref the catalog does not hold). Whatever the catalog confirms stops being an
unresolved reference. When the catalog cannot be asked (unreachable, token refused, 5xx, a body
of the wrong shape) a warning says so and the references stay unresolved *warnings*: catalint
never claims an entity is missing from a catalog it could not read.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from catalint.backstage.catalog import API_PATH, BackstageError, CatalogClient
from catalint.redact import strip_userinfo
from catalint.words import counted

BATCH = 500
FIELDS = ("kind", "metadata.name", "metadata.namespace")


def _batches(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class CatalogLookup:
    """Callable as `LintRequest.known_lookup`: the subset of `refs` the catalog holds."""

    base_url: str
    token: str | None = field(default=None, repr=False)
    warn: Callable[[str], None] = lambda message: None
    batch: int = BATCH
    timeout: float = 30.0
    requests_made: int = 0
    failed: bool = False
    client: CatalogClient = field(init=False, repr=False)

    def __post_init__(self) -> None:
        base = self.base_url.rstrip("/")
        self.base_url = base.removesuffix(API_PATH)
        self.client = CatalogClient(self.base_url, self.token, timeout=(5.0, self.timeout))
        if self.token:
            from catalint.bitbucket.client import REDACTOR

            REDACTOR.add(self.token)

    def __call__(self, refs: set[str]) -> set[str]:
        wanted = sorted(refs)
        known: set[str] = set()
        for chunk in _batches(wanted, max(1, self.batch)):
            items, problem = self._ask(chunk)
            if items is None:
                self.failed = True
                self.warn(
                    f"could not ask the Backstage catalog at {strip_userinfo(self.base_url)} ({problem}); "
                    f"{counted(len(wanted) - len(known), 'reference')} not declared in the linted files "
                    f"{'stays an unresolved warning' if len(wanted) - len(known) == 1 else 'stay unresolved warnings'}, "
                    "unconfirmed"
                )
                break
            known.update(ref for ref, item in zip(chunk, items, strict=True) if isinstance(item, dict))
        return known

    def _ask(self, chunk: list[str]) -> tuple[list[Any] | None, str]:
        self.requests_made += 1
        try:
            return self.client.by_refs(chunk, FIELDS), ""
        except BackstageError as err:
            return None, str(err)


def lookup_for(url: str | None, token: str | None) -> CatalogLookup | None:
    """`lint --backstage-url/--backstage-token`: warnings go to stderr."""
    if not url:
        return None
    import click

    return CatalogLookup(url, token, warn=lambda message: click.echo(f"catalint: warning: {message}", err=True))
