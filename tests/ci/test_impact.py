"""`breaks-references`: a change that removes or renames an entity others still name, found in the
checkout, in the workspace (fake Bitbucket) and in a real Backstage catalog; on the right line
whatever the filter mode."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from catalint.ci.changes import parse_diff
from catalint.rules import breaks_references
from tests.cli_run import CliResult, invoke
from tests.fakes import FakeBitbucket
from tests.gitrepo import commit_all, git, write

PAYMENTS = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: payments
spec:
  type: service
  lifecycle: production
  owner: team-a
---
apiVersion: backstage.io/v1alpha1
kind: Group
metadata:
  name: team-a
spec:
  type: team
  children: []
---
apiVersion: backstage.io/v1alpha1
kind: API
metadata:
  name: ledger-api
spec:
  type: openapi
  lifecycle: production
  owner: team-a
  definition: openapi
"""
CHECKOUT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: checkout
spec:
  type: service
  lifecycle: production
  owner: team-a
  dependsOn: [component:{payments}]
  consumesApis: [{api}]
"""
LEGACY = """\
apiVersion: backstage.io/v1alpha1
kind: Resource
metadata:
  name: legacy-db
spec:
  type: database
  owner: team-a
"""


def _repo(root: Path) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    write(
        root,
        {
            "catalog-info.yaml": PAYMENTS,
            "checkout/catalog-info.yaml": CHECKOUT.format(payments="payments", api="ledger-api"),
            "legacy/catalog-info.yaml": LEGACY,
        },
    )
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "feature")


def _rename_and_remove(root: Path) -> None:
    """payments -> payments-api (same file, same document), ledger-api removed, legacy file deleted."""
    text = PAYMENTS.replace("name: payments\n", "name: payments-api\n")
    write(root, {"catalog-info.yaml": text[: text.index("---\napiVersion: backstage.io/v1alpha1\nkind: API")]})
    (root / "legacy" / "catalog-info.yaml").unlink()
    commit_all(root, "rename payments, drop ledger-api and legacy-db")


def _run(tmp_path: Path, *args: str, env: dict[str, Any] | None = None) -> CliResult:
    """The CLI in this process, as the suite's `run_cli` runs it (its cache home the test's own)."""
    return invoke(args, cache_home=lambda: tmp_path / "xdg-cache", env=env)


def _lint(root: Path, monkeypatch: pytest.MonkeyPatch, *args: str, env: dict[str, Any] | None = None) -> tuple[int, list[dict[str, Any]], str]:
    monkeypatch.chdir(root)
    result = _run(root.parent, "lint", "--no-cache", "--offline", "--format", "json", *args, env=env)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)["findings"], result.stderr


def _breaks(findings: list[dict[str, Any]]) -> list[tuple[str, int, int, str]]:
    return [
        (f["path"], f["line"], f["column"], f["entity"]) for f in findings if f["rule"] == breaks_references.ID
    ]


@pytest.mark.parametrize("mode", ["added", "diff_context", "file", "nofilter"])
def test_rename_and_removal_name_their_local_referrers(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    code, findings, _ = _lint(root, monkeypatch, "--changed-since", "main", "--filter-mode", mode)
    assert code == 1
    # The rename on the new name (4:9); the removal where the API's lines were (the file now ends
    # at line 16); legacy-db had no referrer, so its deletion breaks nothing.
    assert _breaks(findings) == [
        ("catalog-info.yaml", 4, 9, "component:default/payments"),
        ("catalog-info.yaml", 16, 1, "api:default/ledger-api"),
    ]
    messages = [f["message"] for f in findings if f["rule"] == breaks_references.ID]
    assert messages[0] == (
        "component:default/payments is renamed to component:default/payments-api, but 1 entity still refers to "
        "it: component:default/checkout (dependsOn, checkout/catalog-info.yaml:9)"
    )
    assert "is removed" in messages[1] and "(consumesApis, checkout/catalog-info.yaml:10)" in messages[1]
    assert all(f["severity"] == "error" for f in findings if f["rule"] == breaks_references.ID)


def test_a_change_that_breaks_nothing_reports_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    write(root, {"checkout/catalog-info.yaml": CHECKOUT.format(payments="payments-api", api="pets-api")})
    write(root, {"pets/catalog-info.yaml": PAYMENTS.split("---\n")[2].replace("ledger-api", "pets-api")})
    commit_all(root, "follow the rename")
    code, findings, _ = _lint(root, monkeypatch, "--changed-since", "main")
    assert _breaks(findings) == [] and code == 0
    # An entity moved to another file is neither removed nor renamed.
    git(root, "checkout", "-q", "main")
    git(root, "checkout", "-q", "-b", "move")
    write(root, {"moved/catalog-info.yaml": LEGACY.replace("owner: team-a", "owner: group:team-a")})
    (root / "legacy" / "catalog-info.yaml").unlink()
    commit_all(root, "move legacy-db")
    code, findings, _ = _lint(root, monkeypatch, "--changed-since", "main")
    assert _breaks(findings) == []


def test_a_deleted_file_and_a_namespace_move(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _repo(root)
    # checkout now depends on legacy-db too; then legacy's file is deleted and team-a moves namespace
    write(root, {"checkout/catalog-info.yaml": CHECKOUT.format(payments="payments", api="ledger-api")
                 + "  dependencyOf: [resource:legacy-db]\n"})
    commit_all(root, "base 2")
    git(root, "branch", "-f", "main")
    (root / "legacy" / "catalog-info.yaml").unlink()
    write(root, {"catalog-info.yaml": PAYMENTS.replace("  name: team-a\n", "  name: team-a\n  namespace: ops\n")})
    commit_all(root, "delete legacy, move team-a")
    _code, findings, _ = _lint(root, monkeypatch, "--changed-since", "main", "--filter-mode", "added")
    found = _breaks(findings)
    assert ("legacy/catalog-info.yaml", 4, 9, "resource:default/legacy-db") in found
    assert ("catalog-info.yaml", 13, 9, "group:default/team-a") in found
    team = next(f["message"] for f in findings if f["entity"] == "group:default/team-a")
    # owner of payments, ledger-api and checkout: three entities, each named once
    assert "renamed to group:ops/team-a, but 3 entities still refer to it" in team


def test_severity_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    (root / ".catalint.yaml").write_text(f"rules:\n  {breaks_references.ID}: warning\n")
    _, findings, _ = _lint(root, monkeypatch, "--changed-since", "main")
    assert {f["severity"] for f in findings if f["rule"] == breaks_references.ID} == {"warning"}
    (root / ".catalint.yaml").write_text(f"rules:\n  {breaks_references.ID}: 'off'\n")
    _code, findings, _ = _lint(root, monkeypatch, "--changed-since", "main")
    assert _breaks(findings) == []


def test_without_a_base_there_is_no_impact_analysis(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    _, findings, _ = _lint(root, monkeypatch)
    assert _breaks(findings) == []


def test_many_referrers_are_capped_with_a_count(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _repo(root)
    for i in range(14):
        write(root, {f"users/u{i}/catalog-info.yaml": CHECKOUT.format(payments="payments", api="ledger-api").replace(
            "name: checkout", f"name: c{i:02d}")})
    commit_all(root, "more referrers")
    git(root, "branch", "-f", "main")
    _rename_and_remove(root)
    _, findings, _ = _lint(root, monkeypatch, "--changed-since", "main")
    message = next(f["message"] for f in findings if f["entity"] == "component:default/payments")
    assert "15 entities still refer to it" in message
    assert message.count("(dependsOn,") == breaks_references.SHOWN and message.endswith("; and 5 more")


def test_old_lines_map_to_where_they_went() -> None:
    diff = "\n".join(
        [
            "diff --git a/x.yaml b/x.yaml",
            "--- a/x.yaml",
            "+++ b/x.yaml",
            "@@ -2,4 +2,2 @@",
            " two",
            "-three",
            "-four",
            " five",
            "@@ -10,2 +8,3 @@",
            " ten",
            "+new",
            " eleven",
        ]
    )
    lines = parse_diff(diff)["x.yaml"]
    assert [lines.new_line(n) for n in (1, 2, 3, 4, 5, 6, 9, 10, 11, 12)] == [1, 2, 3, 3, 3, 4, 7, 8, 10, 11]
    assert lines.added == {9}


# ------------------------------------------------------------------ the workspace
def test_referrers_in_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_bitbucket: FakeBitbucket
) -> None:
    elsewhere = CHECKOUT.format(payments="payments", api="ledger-api").replace("name: checkout", "name: billing")
    fake_bitbucket.add_repo("acme", "billing", project="P", branches={"main": {"catalog-info.yaml": elsewhere}})
    # A copy of this very repository on the base branch still declares and names the old entities:
    # the checkout's own versions are authoritative, so neither counts.
    stale = CHECKOUT.format(payments="payments", api="ledger-api")
    fake_bitbucket.add_repo(
        "acme", "shop", project="P", branches={"main": {"catalog-info.yaml": PAYMENTS, "checkout/catalog-info.yaml": stale}}
    )
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    write(root, {"checkout/catalog-info.yaml": CHECKOUT.format(payments="payments-api", api="pets-api")})
    commit_all(root, "checkout follows")
    monkeypatch.chdir(root)
    env = {"CATALINT_BITBUCKET_URL": fake_bitbucket.web_url, "CATALINT_BITBUCKET_API_URL": fake_bitbucket.api_url}
    args = ["lint", "--no-cache", "--format", "json", "--workspace", "acme", "--changed-since", "main", "--filter-mode", "added", "."]
    result = _run(tmp_path, *args, env=env)
    assert result.exit_code == 1, result.output
    findings = json.loads(result.stdout)["findings"]
    messages = {f["entity"]: f["message"] for f in findings if f["rule"] == breaks_references.ID}
    assert set(messages) == {"component:default/payments", "api:default/ledger-api"}
    for message in messages.values():
        assert "but 1 entity still refers to it: component:default/billing (" in message
        assert re.search(r"acme/billing/src/main/catalog-info\.yaml:(9|10)\)", message), message


def test_referrers_from_a_warm_nightly_state_are_not_fetched_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fake_bitbucket: FakeBitbucket
) -> None:
    elsewhere = CHECKOUT.format(payments="payments", api="ledger-api").replace("name: checkout", "name: billing")
    fake_bitbucket.add_repo("acme", "billing", project="P", branches={"main": {"catalog-info.yaml": elsewhere}})
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    write(root, {"checkout/catalog-info.yaml": CHECKOUT.format(payments="payments-api", api="pets-api")})
    commit_all(root, "checkout follows")
    monkeypatch.chdir(root)
    env = {"CATALINT_BITBUCKET_URL": fake_bitbucket.web_url, "CATALINT_BITBUCKET_API_URL": fake_bitbucket.api_url}
    state = tmp_path / "nightly.json"
    # The nightly fills the state; the pull request's job then finds the workspace unchanged.
    nightly = _run(tmp_path, "lint", "--no-cache", "--workspace", "acme", "--state", str(state), env=env)
    assert nightly.exit_code == 0, nightly.output
    assert any("/src/" in r.path for r in fake_bitbucket.request_log)
    stored = json.loads(state.read_text(encoding="utf-8"))["files"]
    assert any("acme/billing" in url for url in stored)
    fake_bitbucket.reset_log()
    pr = ["lint", "--no-cache", "--format", "json", "--workspace", "acme", "--state", str(state), "--changed-since", "main", "."]
    result = _run(tmp_path, *pr, env=env)
    assert result.exit_code == 1, result.output
    assert [r.path for r in fake_bitbucket.request_log if "/src/" in r.path] == []  # listing and search only
    _assert_billing_refers(json.loads(result.stdout)["findings"])
    # Without --workspace, the state alone names the workspace's referrers, and Bitbucket is not asked.
    fake_bitbucket.reset_log()
    alone = _run(tmp_path, "lint", "--no-cache", "--format", "json", "--state", str(state), "--changed-since", "main", env=env)
    assert alone.exit_code == 1, alone.output
    assert fake_bitbucket.request_log == [] and alone.stderr == ""
    _assert_billing_refers(json.loads(alone.stdout)["findings"])
    # Outside a pull request it has nothing to do, and says so.
    plain = _run(tmp_path, "lint", "--no-cache", "--offline", "--state", str(state), env=env)
    assert plain.exit_code == 0 and "with no base revision (--changed-since) it was not read" in plain.stderr
    still = _run(tmp_path, "lint", "--full", "--state", str(state), env=env)
    assert still.exit_code == 2 and "--full, --full-every and --shard apply to --workspace runs" in still.stderr


def _assert_billing_refers(findings: list[dict[str, Any]]) -> None:
    messages = {f["entity"]: f["message"] for f in findings if f["rule"] == breaks_references.ID}
    assert set(messages) == {"component:default/payments", "api:default/ledger-api"}
    for message in messages.values():
        assert "but 1 entity still refers to it: component:default/billing (" in message
        assert re.search(r"acme/billing/src/main/catalog-info\.yaml:(9|10)\)", message), message


def test_a_state_that_cannot_be_used_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    state = tmp_path / "nightly.json"
    state.write_text('{"format": "catalint-nightly-state", "version": 1, "fingerprint": "x", "run": 1, '
                     '"full_from": 0, "files": {"https://b/acme/r/src/main/c.yaml": '
                     '{"result": {"path": 3}, "versions": {}, "run": 1}}}')
    _, findings, err = _lint(root, monkeypatch, "--changed-since", "main", "--state", str(state))
    assert len(_breaks(findings)) == 2  # the checkout's referrers are still named
    assert "1 stored file results are damaged or of another format" in err and "Traceback" not in err
    state.write_bytes(b"\xff not json")
    _, findings, err = _lint(root, monkeypatch, "--changed-since", "main", "--state", str(state))
    assert len(_breaks(findings)) == 2 and f"nightly state {state} cannot be read (UnicodeDecodeError)" in err


# ------------------------------------------------------------ a real Backstage
def test_referrers_in_a_real_backstage_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, backstage: Any, catalog_files: Any
) -> None:
    # The live catalog (read from the base branch): payments, the API, and two entities elsewhere
    # naming payments; `ledger` only has the reverse relation of payments' own dependsOn.
    remote = (
        PAYMENTS.replace("  owner: team-a\n---", "  owner: team-a\n  dependsOn: [component:ledger-x]\n---", 1)
        + "---\n"
        + CHECKOUT.format(payments="payments", api="ledger-api").replace("name: checkout", "name: storefront-x")
        + "---\n"
        + LEGACY.replace("name: legacy-db", "name: ledger-x").replace("kind: Resource", "kind: Resource")
        + "---\n"
        + "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: widget-x\n  namespace: shop\n"
        + "spec:\n  type: library\n  lifecycle: production\n  owner: default/team-a\n"
        + "  subcomponentOf: component:default/payments\n"
    )
    url = catalog_files.write("impact/catalog-info.yaml", remote)
    response = backstage.add_location(url)
    assert response.status_code in (200, 201), response.text
    for ref in ("component:default/storefront-x", "component:shop/widget-x", "resource:default/ledger-x"):
        backstage.wait_for_entity(ref)
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    _, findings, err = _lint(
        root,
        monkeypatch,
        "--changed-since",
        "main",
        "--backstage-url",
        backstage.url,
        "--backstage-token",
        backstage.token,
    )
    messages = {f["entity"]: f["message"] for f in findings if f["rule"] == breaks_references.ID}
    payments = messages["component:default/payments"]
    assert "component:default/storefront-x (dependsOn, " + url + ", in the catalog)" in payments
    assert "component:shop/widget-x (subcomponentOf, " in payments
    assert "resource:default/ledger-x" not in payments  # a reverse relation only
    # checkout is declared in the checkout: its head-side version counts, and the catalog's copy not twice
    assert payments.count("component:default/checkout") == 1
    assert "but 3 entities still refer to it" in payments
    assert "component:default/storefront-x (consumesApis, " in messages["api:default/ledger-api"]
    assert backstage.token not in err


def test_an_unreachable_catalog_is_a_warning(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    _, findings, err = _lint(root, monkeypatch, "--changed-since", "main", "--backstage-url", f"http://127.0.0.1:{port}")
    assert len(_breaks(findings)) == 2  # what the checkout shows is still reported
    assert "could not ask the Backstage catalog who refers to the 3 entities" in err and "connection failed" in err


def test_a_broken_base_side_is_no_traceback(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "repo"
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    (root / "catalog-info.yaml").write_bytes(b"\xff\xfe: [\n*alias\n--- !!binary\n" + b"a: &a [*a]\n" * 3)
    write(root, {"checkout/catalog-info.yaml": CHECKOUT.format(payments="payments", api="ledger-api")})
    commit_all(root, "base")
    git(root, "checkout", "-q", "-b", "fix")
    write(root, {"catalog-info.yaml": PAYMENTS})
    commit_all(root, "fix")
    _, findings, err = _lint(root, monkeypatch, "--changed-since", "main")
    assert _breaks(findings) == [] and "Traceback" not in err
