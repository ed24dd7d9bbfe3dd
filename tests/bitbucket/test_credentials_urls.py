"""Credentials loading and URL parsing/resolution: pure functions."""

from __future__ import annotations

import pytest

from catalint.bitbucket.credentials import CredentialsError, load_credentials
from catalint.bitbucket.urls import (
    Escapes,
    FileLoc,
    Hosts,
    candidate_refs,
    join,
    needs_ref_lookup,
    parse,
    simple_split,
)

SECRET = "s3cr3t-value-XYZ"


@pytest.mark.parametrize(
    ("env", "entries", "method"),
    [
        ({}, [], "anonymous"),
        ({"BITBUCKET_USERNAME": "me@x", "BITBUCKET_TOKEN": SECRET}, [], "basic"),
        ({"BITBUCKET_USERNAME": "me", "BITBUCKET_APP_PASSWORD": SECRET}, [], "app-password"),
        ({"BITBUCKET_TOKEN": SECRET}, [], "bearer"),
        ({"BITBUCKET_CLIENT_ID": "id", "BITBUCKET_CLIENT_SECRET": SECRET}, [], "oauth"),
        ({}, [{"username": "me", "token": SECRET}], "basic"),
        ({}, [{}], "anonymous"),
        ({"BITBUCKET_TOKEN": SECRET}, [{"username": "me"}], "basic"),  # field by field
    ],
)
def test_methods(env: dict[str, str], entries: list[dict[str, str]], method: str) -> None:
    creds = load_credentials(env, entries)
    assert creds.method == method
    assert SECRET not in repr(creds) and SECRET not in str(creds)
    if method == "app-password":
        assert creds.warnings and "retired" in creds.warnings[0]


def test_env_wins_over_file() -> None:
    creds = load_credentials({"BITBUCKET_TOKEN": "env-token"}, [{"username": "u", "token": "file-token"}])
    assert creds.secret == "env-token" and creds.username == "u"
    assert creds.origin == "app-config+env"


@pytest.mark.parametrize(
    ("env", "entries", "names"),
    [
        ({"BITBUCKET_USERNAME": "me"}, [], ["username"]),
        ({"BITBUCKET_CLIENT_ID": "id"}, [], ["clientId", "clientSecret"]),
        ({"BITBUCKET_CLIENT_SECRET": SECRET}, [], ["clientSecret", "clientId"]),
        ({"BITBUCKET_APP_PASSWORD": SECRET}, [], ["appPassword", "username"]),
        ({}, [{"token": SECRET}, {"token": SECRET}], ["bitbucketCloud"]),
        ({"BITBUCKET_USERNAME": "u", "BITBUCKET_TOKEN": SECRET, "BITBUCKET_APP_PASSWORD": SECRET}, [], ["token"]),
        ({"BITBUCKET_CLIENT_ID": "i", "BITBUCKET_CLIENT_SECRET": SECRET, "BITBUCKET_TOKEN": SECRET}, [], ["OAuth"]),
        ({}, [{"clientId": "i", "clientSecret": SECRET, "username": "u", "token": SECRET}], ["OAuth"]),
    ],
)
def test_rejections_name_fields_not_values(
    env: dict[str, str], entries: list[dict[str, str]], names: list[str]
) -> None:
    with pytest.raises(CredentialsError) as err:
        load_credentials(env, entries)
    message = str(err.value)
    assert SECRET not in message
    for name in names:
        assert name in message


HOSTS = Hosts("https://bitbucket.org", "https://api.bitbucket.org/2.0")


def test_parse_forms() -> None:
    p = parse("https://bitbucket.org/ws/repo/src/main/path/catalog-info.yaml", HOSTS)
    assert p is not None and (p.workspace, p.repo, p.kind, p.tail) == (
        "ws",
        "repo",
        "src",
        ("main", "path", "catalog-info.yaml"),
    )
    raw = parse("https://bitbucket.org/ws/repo/raw/v1.0/x.yaml", HOSTS)
    assert raw is not None and raw.kind == "raw" and simple_split(raw) == ("v1.0", "x.yaml")
    bare = parse("https://bitbucket.org/ws/repo", HOSTS)
    assert bare is not None and bare.kind == "repo" and simple_split(bare) == (None, "")
    assert parse("https://bitbucket.org/ws/repo.git/", HOSTS) == bare
    at = parse("https://bitbucket.org/ws/repo/src/abc1234def/x/c.yaml?at=feature%2Fx", HOSTS)
    # The commit in the path is what Backstage reads (it ignores ?at=); a branch there yields to ?at=.
    assert at is not None and at.at == "feature/x" and simple_split(at) == ("abc1234def", "x/c.yaml")
    branch_at = parse("https://bitbucket.org/ws/repo/src/main/x/c.yaml?at=feature%2Fx", HOSTS)
    assert branch_at is not None and simple_split(branch_at) == ("feature/x", "x/c.yaml")
    assert not needs_ref_lookup(at)
    assert parse("https://github.com/ws/repo/src/main/x", HOSTS) is None
    assert parse("https://bitbucket.org:8443/ws/repo/src/main/x", HOSTS) is None
    assert parse("https://bitbucket.org/ws/repo/issues/1", HOSTS) is None
    assert parse("https://bitbucket.org/ws", HOSTS) is None
    enc = parse("https://bitbucket.org/ws/repo/src/main/a%20b.yaml", HOSTS)
    assert enc is not None and enc.tail == ("main", "a b.yaml")


def test_ref_lookup_candidates() -> None:
    deep = parse("https://bitbucket.org/ws/r/src/feature/x/dir/c.yaml", HOSTS)
    assert deep is not None and needs_ref_lookup(deep)
    assert candidate_refs(deep)[0] == ("feature/x/dir/c.yaml", "")
    assert ("feature/x", "dir/c.yaml") in candidate_refs(deep)
    hashed = parse("https://bitbucket.org/ws/r/src/0123456789abcdef0123456789abcdef01234567/a/b.yaml", HOSTS)
    assert hashed is not None and not needs_ref_lookup(hashed)
    shallow = parse("https://bitbucket.org/ws/r/src/main/c.yaml", HOSTS)
    assert shallow is not None and not needs_ref_lookup(shallow)


def test_hosts_trust_compares_scheme_host_port() -> None:
    assert HOSTS.trusted("https://bitbucket.org/x")
    assert HOSTS.trusted("https://api.bitbucket.org:443/2.0/user")
    assert not HOSTS.trusted("http://bitbucket.org/x")
    assert not HOSTS.trusted("https://bitbucket.org:444/x")
    assert not HOSTS.trusted("https://bitbucket.org.evil.test/x")
    local = Hosts.from_env({"CATALINT_BITBUCKET_URL": "http://127.0.0.1:5000/"})
    assert local.web == "http://127.0.0.1:5000" and local.api == "https://api.bitbucket.org/2.0"


BASE = FileLoc("ws", "repo", "main", "services/a/catalog-info.yaml", None)


@pytest.mark.parametrize(
    ("target", "path"),
    [
        ("./api.yaml", "services/a/api.yaml"),
        ("api.yaml", "services/a/api.yaml"),
        ("../b/x.yaml", "services/b/x.yaml"),
        ("/root.yaml", "root.yaml"),
        ("../../top.yaml", "top.yaml"),
        ("./docs/", "services/a/docs/"),
        (".", "services/a"),
        ("./x.yaml?at=other#frag", "services/a/x.yaml"),
        ("./a%20b.yaml", "services/a/a b.yaml"),
    ],
)
def test_join(target: str, path: str) -> None:
    assert join(BASE, target).path == path


@pytest.mark.parametrize("target", ["../../../x.yaml", "/../x", "%2e%2e/%2e%2e/%2e%2e/x"])
def test_join_escapes(target: str) -> None:
    with pytest.raises(Escapes):
        join(BASE, target)


def test_join_keeps_at_and_urls() -> None:
    base = FileLoc("ws", "repo", "deadbeef", "c.yaml", "feature/x")
    joined = join(base, "./api.yaml")
    assert joined.at == "feature/x" and joined.ref == "deadbeef"
    assert joined.web_url(HOSTS) == "https://bitbucket.org/ws/repo/src/deadbeef/api.yaml?at=feature%2Fx"
    assert joined.api_url(HOSTS) == "https://api.bitbucket.org/2.0/repositories/ws/repo/src/deadbeef/api.yaml"
