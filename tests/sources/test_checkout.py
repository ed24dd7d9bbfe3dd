"""A local checkout that is itself a Bitbucket repository: absolute URLs into it are read from the
working tree (no HTTP request at all); URLs into other repositories go to the network when the run
has a Bitbucket side, and are `offline` findings when it has none. Real git repositories in
tmp_path, with an `origin` on the fake server's host."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import git
import pytest

from catalint.bitbucket.checkout import Checkout, detect, repo_from_remote
from catalint.bitbucket.client import BitbucketClient
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.urls import Hosts
from catalint.config import Settings
from catalint.lint.run import LintRequest, run
from catalint.model import RunResult
from catalint.sources.bitbucket import RemoteLinter
from tests.cli_run import RunCli
from tests.fakes import FakeBitbucket

ME = git.Actor("Dev", "dev@example.test")
COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: {name}
  description:
    $text: {text}
  annotations:
    backstage.io/source-location: url:{source}
spec:
  $yaml: {spec}
"""
SPEC_OK = "type: service\nlifecycle: production\nowner: team-a\n"
LOCATION = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: all
spec:
  targets:
{targets}
"""


def make_repo(root: Path, files: dict[str, str], origin: str | None) -> git.Repo:
    root.mkdir(parents=True, exist_ok=True)
    repo = git.Repo.init(root, initial_branch="main")
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    repo.index.add(list(files))
    repo.index.commit("init", author=ME, committer=ME)
    if origin is not None:
        repo.create_remote("origin", origin)
    return repo


def lint(root: Path, hosts: Hosts, *, client: BitbucketClient | None = None, **kw: object) -> RunResult:
    remote = (lambda: RemoteLinter(client, Settings(), style=False)) if client is not None else None
    request = LintRequest(
        paths=[root],
        settings=Settings(),
        cwd=root,
        style=False,
        checkout_for=functools.partial(detect, hosts=hosts, env={}),
        remote=remote,
        **kw,  # type: ignore[arg-type]
    )
    return run(request)


def found(result: RunResult) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for finding in result.findings:
        if finding.rule not in ("unresolved-ref", "offline"):
            out.setdefault(finding.rule, []).append(f"{finding.path}: {finding.message}")
    return out


@pytest.fixture
def hosts(fake_bitbucket: FakeBitbucket) -> Hosts:
    return Hosts(fake_bitbucket.web_url, fake_bitbucket.api_url)


def test_remote_url_forms() -> None:
    hosts = Hosts("http://127.0.0.1:8123", "http://127.0.0.1:8123/2.0")
    for url in (
        "https://bitbucket.org/acme/svc.git",
        "git@bitbucket.org:acme/svc.git",
        "https://dev@bitbucket.org/acme/svc.git",
        "https://x-token-auth:secret-value@bitbucket.org/acme/svc",
        "ssh://git@bitbucket.org/acme/svc.git",
        "http://127.0.0.1:8123/acme/svc.git",
        "git@127.0.0.1:acme/svc.git",
    ):
        assert repo_from_remote(url, hosts) == ("acme", "svc"), url
    for url in (
        "https://github.com/acme/svc.git",
        "git@gitlab.com:acme/svc.git",
        "https://bitbucket.org/acme",
        "/srv/x",
    ):
        assert repo_from_remote(url, hosts) is None, url


def test_slash_branches_known_to_git_split_the_url() -> None:
    hosts = Hosts()
    checkout = Checkout("acme", "svc", "/x", hosts, frozenset({"main", "feature/x"}))
    base = "https://bitbucket.org/acme/svc"
    assert checkout.path_in(f"{base}/src/feature/x/docs/") == ("docs/", True)
    assert checkout.path_in(f"{base}/src/main/a/b.yaml") == ("a/b.yaml", True)
    assert checkout.path_in(f"{base}/src/release/2/a.yaml") == ("2/a.yaml", False)  # unknown: a guess
    assert checkout.path_in(f"{base}/src/0123abcd/a/b.yaml") == ("a/b.yaml", True)
    assert checkout.path_in(f"{base}/src/1234abcd/a.yaml?at=release%2F2") == ("a.yaml", True)
    assert checkout.path_in(f"{base}") == ("", True)
    assert checkout.path_in("https://bitbucket.org/ACME/SVC/raw/main/x") == ("x", True)
    assert checkout.path_in("https://bitbucket.org/acme/other/src/main/x") is None
    assert checkout.path_in("https://example.com/acme/svc/src/main/x") is None


def test_same_repo_urls_read_from_the_working_tree(tmp_path: Path, fake_bitbucket: FakeBitbucket, hosts: Hosts) -> None:
    web = f"{fake_bitbucket.web_url}/acme/svc"
    files = {
        "catalog-info.yaml": COMPONENT.format(
            name="svc",
            text=f"{web}/src/main/README.md",
            source=f"{web}/src/main/docs/",
            spec=f"{web}/src/main/spec.yaml",
        ),
        "bad/catalog-info.yaml": COMPONENT.format(
            name="bad", text=f"{web}/src/main/NOPE.md", source=f"{web}/src/main/nowhere/", spec="../spec.yaml"
        ),
        "all.yaml": LOCATION.format(
            targets=f"    - {web}/src/main/teams/*.yaml\n    - {web}/src/main/missing.yaml\n"
            f"    - {web}/src/feature/x/teams/a.yaml\n    - {web}/src/release/2/teams/a.yaml\n"
        ),
        "catalog-info.yml": LOCATION.format(targets="    - ./all.yaml\n").replace("name: all", "name: root"),
        "teams/a.yaml": COMPONENT.format(name="a", text="/README.md", source="../docs/", spec="/spec.yaml"),
        "README.md": "hello",
        "spec.yaml": SPEC_OK,
        "docs/mkdocs.yml": "site_name: x\n",
    }
    repo = make_repo(tmp_path / "svc", files, f"{fake_bitbucket.web_url}/acme/svc.git")
    repo.create_head("feature/x")
    # An uncommitted edit is what gets read: the spec now lacks `lifecycle`.
    (tmp_path / "svc" / "spec.yaml").write_text("type: service\nowner: team-a\n")
    result = lint(tmp_path / "svc", hosts)
    assert fake_bitbucket.request_log == []
    # Offline, the one URL the disk cannot answer (a branch git does not know) is said, not skipped.
    assert [f.message for f in result.findings if f.rule == "offline"] == [
        f'target "{web}/src/release/2/teams/a.yaml" not verified: the run is offline'
    ]
    problems = found(result)
    assert sorted(problems) == ["backstage-url", "location-target", "placeholder", "source-location", "spec-schema"]
    # Backstage would read branch "feature" and path "x/teams/a.yaml": the spelling both read is named.
    assert problems["backstage-url"] == [
        f'all.yaml: target "{web}/src/feature/x/teams/a.yaml": Backstage reads this URL as ref "feature" and path '
        f'"x/teams/a.yaml" (it takes the one segment after /src/ as the ref, even with the slash written %2F), '
        f'not branch "feature/x"; the spelling both read is {web}/src/<commit>/teams/a.yaml?at=feature%2Fx '
        "(Backstage then stays on that commit)"
    ]
    assert problems["placeholder"] == [
        "bad/catalog-info.yaml: $text could not read " + repr(f"{web}/src/main/NOPE.md") + ": NOPE.md does not exist"
    ]
    assert problems["source-location"] == [
        f'bad/catalog-info.yaml: backstage.io/source-location "{web}/src/main/nowhere/" not found: nowhere does not exist'
    ]
    assert problems["location-target"] == [
        f'all.yaml: target "{web}/src/main/missing.yaml" not found: missing.yaml does not exist'
    ]
    assert all("lifecycle" in m for m in problems["spec-schema"]) and len(problems["spec-schema"]) == 3
    linted = {d.path for d in result.documents}
    assert linted == {"catalog-info.yaml", "catalog-info.yml", "bad/catalog-info.yaml", "all.yaml", "teams/a.yaml"}
    assert str(tmp_path / "svc" / "spec.yaml") in result.deps["catalog-info.yaml"]
    # With a network checker, same-repository URLs still never leave the disk; only the URL whose
    # branch git does not know (release/2) is asked about.
    release = fake_bitbucket.add_repo("acme", "svc", branches={"main": {}, "release/2": {"teams/a.yaml": "x"}})
    client = BitbucketClient(Credentials(), hosts, backoff_base=0.01)
    again = lint(tmp_path / "svc", hosts, client=client)
    assert not [f for f in again.findings if f.rule == "offline"]
    # The network knows the commit of release/2, so its note names the exact spelling to use.
    head = release.branches["release/2"]
    # The file behind the target is this checkout's own teams/a.yaml: read from the tree, not fetched.
    assert "not-an-object" not in found(again)
    notes = found(again).pop("backstage-url")
    assert notes[1].endswith(f"{web}/src/{head}/teams/a.yaml?at=release%2F2 (Backstage then stays on that commit)")
    assert {k: v for k, v in found(again).items() if k != "backstage-url"} == {
        k: v for k, v in problems.items() if k != "backstage-url"
    }
    assert sorted(r.path.split("/acme/svc/", 1)[1] for r in fake_bitbucket.request_log) == [
        "refs/branches",
        f"src/{head}/teams/a.yaml",
    ]


def test_other_repositories(tmp_path: Path, fake_bitbucket: FakeBitbucket, hosts: Hosts) -> None:
    web = fake_bitbucket.web_url
    fake_bitbucket.add_repo("acme", "other", branches={"main": {"x.yaml": "kind: Group\n", "docs/mkdocs.yml": "s"}})
    files = {
        "catalog-info.yaml": LOCATION.format(
            targets=f"    - {web}/acme/other/src/main/x.yaml\n    - {web}/acme/other/src/main/gone.yaml\n"
        ),
        "c/catalog-info.yaml": COMPONENT.format(
            name="c",
            text=f"{web}/acme/other/src/main/x.yaml",
            source=f"{web}/acme/other/src/main/docs/",
            spec="/s.yaml",
        ),
        "s.yaml": SPEC_OK,
    }
    make_repo(tmp_path / "svc", files, "git@127.0.0.1:acme/svc.git")
    offline = lint(tmp_path / "svc", hosts)
    # A placeholder into another repository is refused as Backstage refuses it; the rest is listed
    # as not verified, each at its line.
    assert list(found(offline)) == ["placeholder"] and "same repository" in found(offline)["placeholder"][0]
    assert [(f.path, f.span.line) for f in offline.findings if f.rule == "offline"] == [
        ("c/catalog-info.yaml", 8),
        ("catalog-info.yaml", 7),
        ("catalog-info.yaml", 8),
    ]
    assert offline.unverified == 3 and fake_bitbucket.request_log == []
    client = BitbucketClient(Credentials(), hosts, backoff_base=0.01)
    problems = found(lint(tmp_path / "svc", hosts, client=client))
    assert problems["location-target"] == [
        f'catalog-info.yaml: target "{web}/acme/other/src/main/gone.yaml" not found: '
        f"{web}/acme/other/src/main/gone.yaml: not found, or a private repository these credentials cannot see"
    ]
    assert "source-location" not in problems  # the folder exists over there
    log = fake_bitbucket.request_log
    assert log and all("/acme/other/" in r.path for r in log)  # nothing asked about acme/svc itself


def test_pipelines_identity_and_non_bitbucket_checkouts(tmp_path: Path, hosts: Hosts) -> None:
    root = tmp_path / "clone"
    make_repo(root, {"a.txt": "x"}, None)
    env = {"BITBUCKET_REPO_FULL_NAME": "acme/svc", "BITBUCKET_CLONE_DIR": str(root)}
    found_checkout = detect(root, hosts, env)
    assert found_checkout is not None and found_checkout.key == "acme/svc" and "main" in found_checkout.refs
    assert detect(root, hosts, {**env, "BITBUCKET_CLONE_DIR": str(tmp_path)}) is None
    assert detect(root, hosts, {}) is None
    other = tmp_path / "gh"
    make_repo(other, {"a.txt": "x"}, "https://github.com/acme/svc.git")
    assert detect(other, hosts, env | {"BITBUCKET_CLONE_DIR": str(other)}) is not None  # origin unknown: Pipelines
    assert detect(other, hosts, {}) is None
    assert detect(tmp_path / "nothing", hosts, {}) is None


def test_cache_and_worker_processes(tmp_path: Path, fake_bitbucket: FakeBitbucket, hosts: Hosts) -> None:
    web = f"{fake_bitbucket.web_url}/acme/svc"
    files = {
        f"s{i:02d}/catalog-info.yaml": COMPONENT.format(
            name=f"s{i}",
            text=f"{web}/src/main/notes/{i}.md",
            source=f"{web}/src/main/",
            spec=f"{web}/src/main/spec.yaml",
        )
        for i in range(30)
    }
    files["spec.yaml"] = SPEC_OK
    files["notes/0.md"] = "zero"
    make_repo(tmp_path / "svc", files, f"https://dev@{fake_bitbucket.web_url.split('://')[1]}/acme/svc.git")
    cache = tmp_path / "cache"
    first = found(lint(tmp_path / "svc", hosts, jobs=2, cache_dir=cache))  # 30 files: worker processes
    assert list(first) == ["placeholder"] and len(first["placeholder"]) == 29
    (tmp_path / "svc" / "notes" / "7.md").write_text("seven")
    second = found(lint(tmp_path / "svc", hosts, jobs=2, cache_dir=cache))
    assert len(second["placeholder"]) == 28 and not any("notes/7.md" in m for m in second["placeholder"])
    assert fake_bitbucket.request_log == []


def test_cli_wiring(tmp_path: Path, fake_bitbucket: FakeBitbucket, run_cli: RunCli) -> None:
    web = fake_bitbucket.web_url
    group = (
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: g\nspec:\n  type: team\n  children: []\n"
    )
    fake_bitbucket.add_repo("acme", "other", branches={"main": {"catalog-info.yaml": group}})
    files = {
        "catalog-info.yaml": LOCATION.format(
            targets=f"    - {web}/acme/svc/src/main/gone.yaml\n    - {web}/acme/other/src/main/gone.yaml\n"
        )
    }
    make_repo(tmp_path / "svc", files, f"{web}/acme/svc.git")
    lint = ("lint", "--no-cache", "--no-style", "--format", "json")
    result = run_cli(*lint, env=fake_bitbucket.env(), cwd=tmp_path / "svc")
    messages = [f["message"] for f in json.loads(result.stdout)["findings"]]
    # No URL on the command line: other repositories are checked all the same, this one on disk.
    assert result.exit_code == 1 and len(messages) == 2
    assert messages[0] == f'target "{web}/acme/svc/src/main/gone.yaml" not found: gone.yaml does not exist'
    assert "acme/other/src/main/gone.yaml: not found" in messages[1]
    assert fake_bitbucket.request_log and not fake_bitbucket.requests_matching(r"/acme/svc")
    fake_bitbucket.reset_log()
    result = run_cli(*lint, "--offline", env=fake_bitbucket.env(), cwd=tmp_path / "svc")
    report = json.loads(result.stdout)
    assert result.exit_code == 1 and fake_bitbucket.request_log == []
    assert [f["rule"] for f in report["findings"]] == ["location-target", "offline"]
    assert report["summary"]["unverified"] == 1


def test_an_origin_with_no_url_is_no_bitbucket_checkout(tmp_path: Path) -> None:
    """An `origin` with only a `pushurl` (gitpython's `Remote.url` raises AttributeError then) is
    not a checkout of any repository, rather than a traceback on every run."""
    root = tmp_path / "repo"
    root.mkdir()
    repo = git.Repo.init(root)
    with repo.config_writer() as config:
        config.set_value('remote "origin"', "pushurl", "https://bitbucket.org/ws/a.git")
    assert detect(root, Hosts(), {}) is None
    with repo.config_writer() as config:
        config.set_value('remote "origin"', "url", "https://bitbucket.org/ws/a.git")
    found = detect(root, Hosts(), {})
    assert found is not None and found.key == "ws/a"
