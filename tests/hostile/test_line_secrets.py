"""A password in a descriptor's URL stays out of what catalint keeps of the linted lines (SARIF's
fingerprint text: the cache, the nightly state, the JSON result's `nightly` section) and out of the
foreign-host message, from Bitbucket as from the checkout."""

from __future__ import annotations

import json
from pathlib import Path

from catalint.facts import line_texts, unpack_lines
from tests.cli_run import RunCli
from tests.fakes import FakeBitbucket

SECRET = "hunter2token"
DESCRIPTOR = f"""\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc
  annotations:
    backstage.io/source-location: url:https://deploy:{SECRET}@example.com/x/
spec:
  type: service
  lifecycle: production
  owner: group:default/team
"""


def _run(run_cli: RunCli, fake: FakeBitbucket, tmp_path: Path, *args: str) -> tuple[int, str, str]:
    env = {"CATALINT_BITBUCKET_URL": fake.web_url, "CATALINT_BITBUCKET_API_URL": fake.api_url}
    result = run_cli("lint", "--cache-dir", str(tmp_path / "cache"), *args, env=env)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout, result.stderr


def _everything_written(root: Path) -> str:
    return "\n".join(p.read_bytes().decode("utf-8", "replace") for p in sorted(root.rglob("*")) if p.is_file())


def test_a_password_in_a_workspace_descriptor_is_kept_nowhere(
    run_cli: RunCli, fake_bitbucket: FakeBitbucket, tmp_path: Path
) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"catalog-info.yaml": DESCRIPTOR}})
    state = tmp_path / "state.json"
    for fmt in ("json", "text"):
        _, out, err = _run(
            run_cli, fake_bitbucket, tmp_path, "--workspace", "acme", "--state", str(state), "--format", fmt
        )
        assert "example.com" in out  # the finding on the foreign host is there, named by its host
        assert SECRET not in out and SECRET not in err
    _, out, _ = _run(
        run_cli,
        fake_bitbucket,
        tmp_path,
        "--workspace",
        "acme",
        "--state",
        str(state),
        "--output",
        f"sarif:{tmp_path / 'o.sarif'}",
    )
    assert json.loads((tmp_path / "o.sarif").read_text())["runs"][0]["results"]
    assert state.is_file() and (tmp_path / "cache").is_dir()
    assert SECRET not in _everything_written(tmp_path)


def test_the_foreign_host_message_is_the_same_from_bitbucket_and_the_checkout(
    run_cli: RunCli, fake_bitbucket: FakeBitbucket, tmp_path: Path, monkeypatch: object
) -> None:
    fake_bitbucket.add_repo("acme", "svc", branches={"main": {"catalog-info.yaml": DESCRIPTOR}})
    (tmp_path / "catalog-info.yaml").write_text(DESCRIPTOR, encoding="utf-8")
    url = f"{fake_bitbucket.web_url}/acme/svc/src/main/catalog-info.yaml"
    _, remote, _ = _run(run_cli, fake_bitbucket, tmp_path, "--no-cache", "--format", "json", url)
    _, local, _ = _run(
        run_cli, fake_bitbucket, tmp_path, "--no-cache", "--format", "json", str(tmp_path / "catalog-info.yaml")
    )
    messages = [
        [f["message"] for f in json.loads(out)["findings"] if "example.com" in f["message"]] for out in (remote, local)
    ]
    assert messages[0] and messages[0] == messages[1]
    assert SECRET not in remote and SECRET not in local


def test_kept_lines_are_redacted_and_deterministic() -> None:
    packed = line_texts(DESCRIPTOR, [4, 6])
    assert SECRET not in packed and packed == line_texts(DESCRIPTOR, [6, 4])
    assert unpack_lines(packed)[6] == "backstage.io/source-location: url:https://***@example.com/x/"
