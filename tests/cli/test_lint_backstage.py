"""`catalint lint --backstage-url/--backstage-token`: references no linted file declares are looked
up in a (fake) Backstage catalog; when it cannot be asked, they stay warnings and stderr says why."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from catalint.backstage.lookup import CatalogLookup
from catalint.cli import main
from tests.fakes.backstage import FakeBackstage

TOKEN = "bs-static-token-4417"
SYSTEM = """\
apiVersion: backstage.io/v1alpha1
kind: System
metadata:
  name: payments
spec:
  owner: team-a
  domain: money
---
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
spec:
  type: service
  lifecycle: production
  owner: Team-A
  system: payments
  providesApis: [svc-api]
"""


@pytest.fixture
def backstage() -> Iterator[FakeBackstage]:
    with FakeBackstage(TOKEN, ["Group:default/Team-A", "domain:default/money"]) as fake:
        yield fake


def lint(tmp_path: Path, *args: str, env: dict[str, str | None] | None = None) -> tuple[int, dict[str, str], str]:
    (tmp_path / "catalog-info.yaml").write_text(SYSTEM)
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        base: dict[str, str | None] = {"BACKSTAGE_URL": None, "BACKSTAGE_TOKEN": None}
        result = CliRunner().invoke(
            main, ["lint", "--no-cache", "--format", "json", *args], env={**base, **(env or {})}, catch_exceptions=False
        )
    finally:
        os.chdir(cwd)
    findings = json.loads(result.stdout)["findings"]
    unresolved = {f["message"].split(" ")[3]: f["severity"] for f in findings if f["rule"] == "unresolved-ref"}
    return result.exit_code, unresolved, result.stderr


def test_catalog_confirms_what_it_holds(tmp_path: Path, backstage: FakeBackstage) -> None:
    code, unresolved, err = lint(tmp_path, "--backstage-url", backstage.url, "--backstage-token", TOKEN)
    assert code == 0 and err == ""
    assert unresolved == {"api:default/svc-api": "warning"}  # team-a and money exist in the catalog
    assert backstage.asked() == [["api:default/svc-api", "domain:default/money", "group:default/team-a"]]
    (record,) = backstage.request_log
    assert record.authorization == f"Bearer {TOKEN}"
    assert json.loads(record.body)["fields"] == ["kind", "metadata.name", "metadata.namespace"]


def test_environment_variables_and_catalog_path(tmp_path: Path, backstage: FakeBackstage) -> None:
    env: dict[str, str | None] = {"BACKSTAGE_URL": backstage.url + "/api/catalog/", "BACKSTAGE_TOKEN": TOKEN}
    code, unresolved, _ = lint(tmp_path, env=env)
    assert code == 0 and list(unresolved) == ["api:default/svc-api"]
    assert len(backstage.request_log) == 1


def test_wrong_token_warns_and_keeps_warnings(tmp_path: Path, backstage: FakeBackstage) -> None:
    code, unresolved, err = lint(tmp_path, "--backstage-url", backstage.url, "--backstage-token", "not-it-9931")
    assert code == 0
    assert set(unresolved.values()) == {"warning"} and len(unresolved) == 3
    assert "rejected the token (401" in err and "could not ask the Backstage catalog" in err
    assert "not-it-9931" not in err and TOKEN not in err


def test_server_error_and_unreachable_are_warnings(tmp_path: Path, backstage: FakeBackstage) -> None:
    backstage.fail_with = 503
    code, unresolved, err = lint(tmp_path, "--backstage-url", backstage.url, "--backstage-token", TOKEN)
    assert code == 0 and len(unresolved) == 3 and "-> 503" in err
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    code, unresolved, err = lint(tmp_path, "--backstage-url", f"http://127.0.0.1:{port}", "--fail-on", "warning")
    assert code == 1  # the three warnings, never errors
    assert set(unresolved.values()) == {"warning"} and "connection failed" in err


def test_nothing_asked_when_everything_is_declared(tmp_path: Path, backstage: FakeBackstage) -> None:
    extra = "---\napiVersion: backstage.io/v1alpha1\nkind: API\nmetadata:\n  name: svc-api\nspec:\n"
    extra += "  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition: x\n"
    extra += "---\napiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team-a\nspec:\n"
    extra += "  type: team\n  children: []\n"
    extra += "---\napiVersion: backstage.io/v1alpha1\nkind: Domain\nmetadata:\n  name: money\nspec:\n  owner: team-a\n"
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "catalog-info.yaml").write_text(extra)
    code, unresolved, _ = lint(tmp_path, "--backstage-url", backstage.url, "--backstage-token", TOKEN)
    assert code == 0 and unresolved == {}
    assert backstage.request_log == []


def test_batches_keep_request_order(backstage: FakeBackstage) -> None:
    refs = {f"component:default/c{i:04d}" for i in range(1200)}
    for i in range(0, 1200, 7):
        backstage.add_entity(f"Component:default/C{i:04d}")
    warnings: list[str] = []
    lookup = CatalogLookup(backstage.url, TOKEN, warn=warnings.append, batch=500)
    known = lookup(refs)
    assert known == {f"component:default/c{i:04d}" for i in range(0, 1200, 7)}
    assert [len(batch) for batch in backstage.asked()] == [500, 500, 200]
    assert warnings == [] and not lookup.failed
    backstage.reset_log()
    backstage.fail_with = 500
    assert lookup(refs) == set() and lookup.failed and len(backstage.request_log) == 1  # no retry storm
    assert "1200 references" in warnings[0] and TOKEN not in warnings[0]
    assert TOKEN not in repr(lookup)
