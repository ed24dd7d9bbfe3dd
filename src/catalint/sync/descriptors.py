"""Each discovered descriptor's verdict, from the one lint pipeline: a content digest (to notice
edits) and the error-level findings that make it invalid.

The descriptors are linted exactly as `catalint lint URL…` lints them (same settings, placeholders
read, Location targets followed, run-level checks), so "passes lint" means one thing everywhere.
A file that cannot be fetched is *unknown*, never invalid: a network blip must not make sync drop
an entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from catalint.model import RunResult, Severity
from catalint.rules import duplicate_entity


@dataclass(frozen=True)
class Descriptor:
    url: str
    digest: str | None = None  # sha256 of the bytes; None when they could not be fetched
    problems: tuple[str, ...] = ()  # error-level lint findings, "[rule] message"
    fetch_error: str | None = None

    @property
    def invalid(self) -> bool:
        return bool(self.problems)


@dataclass
class Descriptors:
    by_url: dict[str, Descriptor] = field(default_factory=dict)

    def fetch_errors(self) -> list[str]:
        return [f"{u}: {d.fetch_error}" for u, d in sorted(self.by_url.items()) if d.fetch_error]

    def digest(self, url: str) -> str | None:
        found = self.by_url.get(url)
        return found.digest if found is not None else None


# Findings that compare a file with the others of the run: `catalint lint URL` on the file alone
# cannot give them, so they do not decide sync's verdict (Backstage settles a duplicate itself).
ACROSS_FILES = frozenset({duplicate_entity.ID})


def judge(result: RunResult, urls: Iterable[str]) -> Descriptors:
    """The verdict on each of `urls` in a lint run over them."""
    by_path: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for finding in result.findings:
        first.setdefault(finding.path, finding.message)
        if finding.severity >= Severity.ERROR and finding.rule not in ACROSS_FILES:
            by_path.setdefault(finding.path, []).append(f"[{finding.rule}] {finding.message}")
    found: dict[str, Descriptor] = {}
    for url in sorted(set(urls)):
        digest = result.digests.get(url)
        if digest is None:
            found[url] = Descriptor(url, fetch_error=first.get(url, "could not be read"))
        else:
            found[url] = Descriptor(url, digest, tuple(by_path.get(url, ())))
    return Descriptors(found)
