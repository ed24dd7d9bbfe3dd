"""Item 4: a percent-encoded `..` in an absolute Bitbucket URL never leaves its repository."""

from __future__ import annotations

import pytest

from catalint.bitbucket.urls import Hosts, parse
from catalint.config import Settings
from catalint.facts import FileResult
from catalint.sources.bitbucket import lint_remote
from tests.descriptors import location
from tests.fakes import FakeBitbucket

API = """\
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: pets
  description:
    $text: {text}
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: openapi
"""


def found(results: list[FileResult], rule: str) -> list[str]:
    return [f.message for r in results for f in r.findings if f.rule == rule]


@pytest.mark.parametrize(
    "escape",
    ["%2e%2e/%2e%2e/%2e%2e/%2e%2e/user", "..%2f..%2f..%2f..%2fuser", "%2E%2E%5C%2E%2E%5Cuser", "main/../../../../user"],
)
def test_placeholder_and_target_escapes_are_findings_never_requests(fake_bitbucket: FakeBitbucket, escape: str) -> None:
    web = fake_bitbucket.web_url
    bad = f"{web}/acme/svc/src/main/{escape}"
    fake_bitbucket.add_repo(
        "acme",
        "svc",
        branches={"main": {"api.yaml": API.format(text=bad), "all.yaml": location(bad)}},
    )
    fake_bitbucket.add_repo("acme", "other", branches={"main": {"secret.yaml": "x: 1\n"}})
    results = lint_remote(
        [f"{web}/acme/svc/src/main/api.yaml", f"{web}/acme/svc/src/main/all.yaml", bad], Settings(), fake_bitbucket.client()
    )
    assert len(found(results, "path-escape")) == 3, [f.message for r in results for f in r.findings]
    requested = [r.path for r in fake_bitbucket.request_log]
    assert requested and all(p.startswith("/2.0/repositories/acme/svc/src/main/") for p in requested), requested


@pytest.mark.parametrize(
    ("tail", "escapes"),
    [
        ("/acme/svc/src/main/docs/./a.yaml", False),
        ("/acme/svc/src/feature%2Fx/a.yaml", False),
        ("/acme/svc/src/%2e%2e/a.yaml", True),
        ("/acme/svc/src/main/a.yaml?at=..%2Fother", True),
        ("/%2e%2e/svc/src/main/a.yaml", True),
        ("/acme/svc/src/./a.yaml", True),
    ],
)
def test_parse_marks_escapes(tail: str, escapes: bool) -> None:
    parsed = parse("https://bitbucket.org" + tail, Hosts())
    assert parsed is not None and parsed.escapes is escapes
    if not escapes:
        assert "." not in parsed.tail
