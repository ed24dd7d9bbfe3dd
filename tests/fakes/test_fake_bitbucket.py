"""The fake Bitbucket Cloud behaves like the real one, as seen through ``requests``."""

from __future__ import annotations

import gzip
import io
import tarfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
import requests

from .bitbucket import FakeBitbucket, ForeignServer

CATALOG = b"apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n  name: svc\n"
SEARCH = '"catalog-info.yaml" path:/catalog-info.yaml'


@pytest.fixture
def fake(fake_bitbucket: FakeBitbucket) -> FakeBitbucket:
    fake_bitbucket.add_repo(
        "acme",
        "svc",
        project="PLAT",
        branches={
            "main": {"catalog-info.yaml": CATALOG, "docs/readme.md": b"# docs\n", "docs/api/x.json": b"{}"},
            "feature/x": {"catalog-info.yaml": CATALOG + b"  # feature\n"},
        },
    )
    fake_bitbucket.add_repo("acme", "secret", project="SEC", private=True, branches={"main": {"a.txt": b"s"}})
    fake_bitbucket.add_repo("other", "theirs", private=True)
    fake_bitbucket.add_user("dev@acme.test", "api-token", workspaces=["acme"])
    fake_bitbucket.add_app_password("legacy", "app-pw")
    fake_bitbucket.add_user("stranger@else.test", "tok", workspaces=["other"])
    fake_bitbucket.add_access_token("repo-token", repositories=["acme/secret"])
    return fake_bitbucket


def get(url: str, **kwargs: Any) -> requests.Response:
    return requests.get(url, timeout=10, **kwargs)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------ lifecycle
def test_urls_need_a_started_server_and_stop_frees_the_port() -> None:
    fake = FakeBitbucket()
    with pytest.raises(RuntimeError):
        _ = fake.api_url
    with fake:
        assert fake.api_url == fake.web_url + "/2.0"
        assert fake.web_url.startswith("http://127.0.0.1:")
        url = fake.api_url + "/user"
        assert get(url).status_code == 401
    with pytest.raises(requests.ConnectionError):
        get(url)


def test_state_is_deterministic_across_instances() -> None:
    hashes = []
    for _ in range(2):
        fake = FakeBitbucket()
        fake.add_repo("ws", "r", branches={"main": {"a": b"1"}, "dev": {"a": b"2"}})
        hashes.append(
            (fake.commit_of("ws", "r", "main"), fake.commit_of("ws", "r", "dev"), fake.repo("ws", "r").uuid)
        )
    assert hashes[0] == hashes[1]
    assert len(hashes[0][0]) == 40 and hashes[0][0] != hashes[0][1]


# ----------------------------------------------------------------------- auth
def test_repository_shape(fake: FakeBitbucket) -> None:
    body = get(f"{fake.api_url}/repositories/acme/svc").json()
    assert body["slug"] == "svc" and body["full_name"] == "acme/svc"
    assert body["is_private"] is False
    assert body["mainbranch"] == {"name": "main", "type": "branch"}
    assert body["project"]["key"] == "PLAT"
    assert body["links"]["html"]["href"] == f"{fake.web_url}/acme/svc"
    assert body["uuid"].startswith("{") and body["uuid"].endswith("}")
    by_uuid = get(f"{fake.api_url}/repositories/acme/{body['uuid']}")
    assert by_uuid.json()["slug"] == "svc"


def test_private_repo_is_404_for_anonymous_and_strangers(fake: FakeBitbucket) -> None:
    url = f"{fake.api_url}/repositories/acme/secret"
    anonymous = get(url)
    stranger = get(url, auth=("stranger@else.test", "tok"))
    for response in (anonymous, stranger):
        assert response.status_code == 404
        assert "either does not exist or you do not have access" in response.json()["error"]["message"]
    assert get(url, auth=("dev@acme.test", "api-token")).status_code == 200
    assert get(url, auth=("legacy", "app-pw")).status_code == 200
    assert get(url, headers=bearer("repo-token")).status_code == 200
    assert get(f"{fake.api_url}/repositories/acme/nope").status_code == 404


def test_bad_credentials_are_401_even_on_public_resources(fake: FakeBitbucket) -> None:
    url = f"{fake.api_url}/repositories/acme/svc"
    for kwargs in (
        {"auth": ("dev@acme.test", "wrong")},
        {"headers": bearer("nope")},
        {"headers": {"Authorization": "Basic !!!"}},
        {"headers": {"Authorization": "Token abc"}},
    ):
        response = get(url, **kwargs)
        assert response.status_code == 401, kwargs
        assert response.json()["type"] == "error"
        assert response.json()["error"]["message"]


def test_user_endpoint_identities(fake: FakeBitbucket) -> None:
    assert get(f"{fake.api_url}/user").status_code == 401
    me = get(f"{fake.api_url}/user", auth=("dev@acme.test", "api-token")).json()
    assert me["nickname"] == "dev"
    assert set(me) >= {"display_name", "account_id", "uuid", "nickname"}
    token_me = get(f"{fake.api_url}/user", headers=bearer("repo-token")).json()
    assert token_me["display_name"] == "Access token" and token_me["uuid"] != me["uuid"]


def test_require_auth_workspace(fake: FakeBitbucket) -> None:
    fake.require_auth("acme")
    url = f"{fake.api_url}/repositories/acme/svc"
    assert get(url).status_code == 401
    assert get(f"{fake.web_url}/acme/svc/raw/main/catalog-info.yaml").status_code == 401
    assert get(url, auth=("stranger@else.test", "tok")).status_code == 200
    assert get(f"{fake.api_url}/workspaces/acme", auth=("legacy", "app-pw")).json()["slug"] == "acme"


def test_oauth_client_credentials_and_expiry(fake: FakeBitbucket) -> None:
    fake.add_oauth_consumer("cid", "csecret", token_ttl=7200, workspaces=["acme"])
    grant = {"grant_type": "client_credentials"}
    assert requests.post(fake.oauth_token_url, data=grant, auth=("cid", "bad"), timeout=10).status_code == 401
    unsupported = requests.post(
        fake.oauth_token_url, data={"grant_type": "password"}, auth=("cid", "csecret")
    )
    assert unsupported.status_code == 400 and unsupported.json()["error"] == "unsupported_grant_type"

    issued = requests.post(fake.oauth_token_url, data=grant, auth=("cid", "csecret"), timeout=10).json()
    assert issued["token_type"] == "bearer" and issued["expires_in"] == 7200
    assert {"access_token", "scopes", "refresh_token"} <= set(issued)
    url = f"{fake.api_url}/repositories/acme/secret"
    assert get(url, headers=bearer(issued["access_token"])).status_code == 200

    fake.advance_time(7199)
    assert get(url, headers=bearer(issued["access_token"])).status_code == 200
    fake.advance_time(1)
    expired = get(url, headers=bearer(issued["access_token"]))
    assert expired.status_code == 401 and "expired" in expired.json()["error"]["message"]

    form = {**grant, "client_id": "cid", "client_secret": "csecret"}
    fresh = requests.post(fake.oauth_token_url, data=form, timeout=10).json()["access_token"]
    assert fresh != issued["access_token"]
    assert get(url, headers=bearer(fresh)).status_code == 200


# ----------------------------------------------------------------- pagination
def test_repository_pagination_follows_next(fake_bitbucket: FakeBitbucket) -> None:
    for i in range(25):
        fake_bitbucket.add_repo("big", f"r{i:02d}", project="A" if i % 2 else "B")
    url: str | None = f"{fake_bitbucket.api_url}/repositories/big?pagelen=10&fields=values.slug"
    slugs: list[str] = []
    pages = 0
    while url:
        body = get(url).json()
        assert body["size"] == 25 and body["pagelen"] == 10
        slugs += [v["slug"] for v in body["values"]]
        url = body.get("next")
        assert url is None or url.startswith(fake_bitbucket.api_url + "/repositories/big?")
        pages += 1
    assert pages == 3 and slugs == [f"r{i:02d}" for i in range(25)]
    assert get(f"{fake_bitbucket.api_url}/repositories/big").json()["pagelen"] == 10
    assert get(f"{fake_bitbucket.api_url}/repositories/big?pagelen=500").json()["pagelen"] == 100
    assert get(f"{fake_bitbucket.api_url}/repositories/big?page=0").status_code == 400

    filtered = get(
        f"{fake_bitbucket.api_url}/repositories/big", params={"q": 'project.key="A"', "pagelen": 100}
    )
    assert filtered.json()["size"] == 12
    assert {v["project"]["key"] for v in filtered.json()["values"]} == {"A"}
    assert get(f"{fake_bitbucket.api_url}/repositories/big", params={"q": "nonsense"}).status_code == 400


def test_projects_listing(fake: FakeBitbucket) -> None:
    anonymous = get(f"{fake.api_url}/workspaces/acme/projects").json()
    member = get(f"{fake.api_url}/workspaces/acme/projects", auth=("dev@acme.test", "api-token")).json()
    assert [p["key"] for p in anonymous["values"]] == ["PLAT"]
    assert [p["key"] for p in member["values"]] == ["PLAT", "SEC"]


# ------------------------------------------------------------------- branches
def test_branches_with_slashes_and_commits(fake: FakeBitbucket) -> None:
    feature = fake.commit_of("acme", "svc", "feature/x")
    base = f"{fake.api_url}/repositories/acme/svc"
    listing = get(f"{base}/refs/branches").json()
    assert {b["name"]: b["target"]["hash"] for b in listing["values"]}["feature/x"] == feature
    assert get(f"{base}/refs/branches/feature/x").json()["target"]["hash"] == feature
    assert get(f"{base}/refs/branches/feature%2Fx").json()["target"]["hash"] == feature
    assert get(f"{base}/refs/branches/feature").status_code == 404
    main = fake.commit_of("acme", "svc", "main")
    assert get(f"{base}/commits/main").json()["values"][0]["hash"] == main
    assert get(f"{base}/commit/{main}").json()["hash"] == main
    assert get(f"{base}/commit/{main[:12]}").json()["hash"] == main

    new_head = fake.put_file("acme", "svc", "main", "new.yaml", "x: 1\n")
    history = get(f"{base}/commits/main").json()["values"]
    assert [c["hash"] for c in history] == [new_head, main]


# ------------------------------------------------------------------------ src
def test_src_raw_file_etag_and_304(fake: FakeBitbucket) -> None:
    url = f"{fake.api_url}/repositories/acme/svc/src/main/catalog-info.yaml"
    first = get(url)
    assert first.status_code == 200 and first.content == CATALOG
    assert first.headers["Content-Type"] == "application/x-yaml"
    etag = first.headers["ETag"]
    cached = get(url, headers={"If-None-Match": etag})
    assert cached.status_code == 304 and cached.content == b""

    old_commit = fake.commit_of("acme", "svc", "main")
    new_commit = fake.put_file("acme", "svc", "main", "catalog-info.yaml", CATALOG + b"# changed\n")
    assert new_commit != old_commit
    changed = get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    old = get(f"{fake.api_url}/repositories/acme/svc/src/{old_commit}/catalog-info.yaml")
    assert old.content == CATALOG and old.headers["ETag"] == etag

    fake.delete_file("acme", "svc", "main", "catalog-info.yaml")
    assert get(url).status_code == 404


def test_src_meta_directories_and_slash_branches(fake: FakeBitbucket) -> None:
    base = f"{fake.api_url}/repositories/acme/svc/src"
    main = fake.commit_of("acme", "svc", "main")
    meta = get(f"{base}/main/catalog-info.yaml", params={"format": "meta"}).json()
    assert meta["type"] == "commit_file" and meta["path"] == "catalog-info.yaml"
    assert meta["commit"]["hash"] == main and meta["size"] == len(CATALOG)

    root = get(f"{base}/main/").json()
    assert [(v["path"], v["type"]) for v in root["values"]] == [
        ("catalog-info.yaml", "commit_file"),
        ("docs", "commit_directory"),
    ]
    docs = get(f"{base}/{main}/docs", params={"pagelen": 1}).json()
    assert docs["values"][0]["path"] == "docs/api" and "next" in docs
    assert get(docs["next"]).json()["values"][0]["path"] == "docs/readme.md"

    feature = fake.commit_of("acme", "svc", "feature/x")
    assert get(f"{base}/feature/x/catalog-info.yaml").status_code == 404
    assert get(f"{base}/feature%2Fx/catalog-info.yaml").status_code == 404
    assert get(f"{base}/{feature}/catalog-info.yaml").content.endswith(b"# feature\n")
    assert get(f"{base}/main/missing.yaml").status_code == 404
    assert get(f"{base}/nosuchref/catalog-info.yaml").status_code == 404


def test_web_raw_src_and_archive(fake: FakeBitbucket) -> None:
    assert get(f"{fake.web_url}/acme/svc/raw/main/catalog-info.yaml").content == CATALOG
    assert get(f"{fake.web_url}/acme/svc/src/main/catalog-info.yaml?at=main").content == CATALOG
    assert get(f"{fake.web_url}/acme/secret/raw/main/a.txt").status_code == 404
    assert (
        get(f"{fake.web_url}/acme/secret/raw/main/a.txt", auth=("dev@acme.test", "api-token")).content == b"s"
    )

    archive = get(f"{fake.web_url}/acme/svc/get/main.tar.gz")
    assert archive.status_code == 200
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(archive.content))) as tar:
        names = tar.getnames()
        prefix = names[0].split("/")[0]
        member = tar.extractfile(f"{prefix}/catalog-info.yaml")
        assert member is not None and member.read() == CATALOG
    assert prefix == "acme-svc-" + fake.commit_of("acme", "svc", "main")[:12]


# --------------------------------------------------------------------- search
def search(fake: FakeBitbucket, query: str, **params: Any) -> requests.Response:
    auth = params.pop("auth", None)
    return get(
        f"{fake.api_url}/workspaces/acme/search/code", params={"search_query": query, **params}, auth=auth
    )


def test_search_grammar_and_result_shape(fake: FakeBitbucket) -> None:
    fake.put_file("acme", "svc", "main", "sub/catalog-info.yaml", CATALOG)
    fake.put_file("acme", "svc", "main", "README.md", "see catalog-info.yaml\n")
    fake.put_file("acme", "secret", "main", "catalog-info.yaml", CATALOG)

    body = search(fake, SEARCH).json()
    assert body["size"] == 1 and body["query_substituted"] is False
    hit = body["values"][0]
    assert hit["type"] == "code_search_result"
    assert hit["path_matches"] == [{"text": "catalog-info.yaml", "match": True}]
    assert hit["file"]["path"] == "catalog-info.yaml" and hit["file"]["type"] == "commit_file"
    repo = hit["file"]["commit"]["repository"]
    assert repo["slug"] == "svc" and repo["mainbranch"]["name"] == "main" and repo["project"]["key"] == "PLAT"
    assert repo["links"]["html"]["href"] == f"{fake.web_url}/acme/svc"
    assert hit["file"]["commit"]["hash"] == fake.commit_of("acme", "svc", "main")
    assert get(hit["file"]["links"]["self"]["href"]).content == CATALOG

    unanchored = search(fake, '"catalog-info.yaml"').json()
    by_path = {v["file"]["path"]: v for v in unanchored["values"]}
    assert set(by_path) == {"README.md", "catalog-info.yaml", "sub/catalog-info.yaml"}
    assert by_path["README.md"]["path_matches"] == [] and by_path["README.md"]["content_match_count"] == 1
    assert search(fake, '"catalog-info.yaml" path:catalog-info.yaml').json()["size"] == 2
    assert search(fake, '"catalog-info.yaml" path:sub').json()["size"] == 1

    member = search(fake, SEARCH, auth=("dev@acme.test", "api-token")).json()
    assert [v["file"]["commit"]["repository"]["slug"] for v in member["values"]] == ["secret", "svc"]
    only_sec = search(fake, SEARCH + " project:SEC", auth=("dev@acme.test", "api-token")).json()
    assert only_sec["size"] == 1 and only_sec["values"][0]["file"]["commit"]["repository"]["slug"] == "secret"
    assert search(fake, SEARCH + " repo:svc", auth=("dev@acme.test", "api-token")).json()["size"] == 1

    assert search(fake, "path:/catalog-info.yaml").status_code == 400
    assert get(f"{fake.api_url}/workspaces/acme/search/code").status_code == 400
    fake.set_search_enabled("acme", False)
    assert search(fake, SEARCH).status_code == 404


def test_search_stops_at_1000_results() -> None:
    with FakeBitbucket() as fake:
        for i in range(1200):
            fake.add_repo(
                "huge", f"repo-{i:04d}", project="P", branches={"main": {"catalog-info.yaml": CATALOG}}
            )
        url: str | None = f"{fake.api_url}/workspaces/huge/search/code?search_query={SEARCH}&pagelen=100"
        seen: list[str] = []
        while url:
            body = get(url).json()
            assert body["size"] == 1200
            seen += [v["file"]["commit"]["repository"]["slug"] for v in body["values"]]
            url = body.get("next")
        assert len(seen) == 1000 and len(set(seen)) == 1000

        params = {"search_query": SEARCH, "pagelen": 100, "page": 11}
        past = get(f"{fake.api_url}/workspaces/huge/search/code", params=params)
        assert past.status_code == 400
        assert past.json() == {
            "type": "error",
            "error": {"message": "Cannot fetch results past result number 1000"},
        }
        odd = get(
            f"{fake.api_url}/workspaces/huge/search/code", params={**params, "pagelen": 30, "page": 34}
        ).json()
        assert len(odd["values"]) == 10 and "next" not in odd  # results 991..1000 only


# -------------------------------------------------------------- Code Insights
def test_reports_and_annotations(fake: FakeBitbucket) -> None:
    commit = fake.commit_of("acme", "svc", "main")
    url = f"{fake.api_url}/repositories/acme/svc/commit/{commit}/reports/catalint-lint"
    auth = ("dev@acme.test", "api-token")
    report = {"title": "catalint", "details": "lint", "report_type": "BUG", "result": "PENDING"}

    assert requests.put(url, json=report, timeout=10).status_code == 401
    fake.add_user("ro@acme.test", "ro", read_only=True)
    assert requests.put(url, json=report, auth=("ro@acme.test", "ro"), timeout=10).status_code == 403
    assert requests.put(url, json={"title": "t"}, auth=auth, timeout=10).status_code == 400
    assert requests.put(url, json={**report, "result": "MAYBE"}, auth=auth, timeout=10).status_code == 400
    branch_url = f"{fake.api_url}/repositories/acme/svc/commit/main/reports/catalint-lint"
    assert requests.put(branch_url, json=report, auth=auth, timeout=10).status_code == 404

    created = requests.put(url, json=report, auth=auth, timeout=10)
    assert created.status_code == 200 and created.json()["external_id"] == "catalint-lint"
    assert get(url, auth=auth).json()["result"] == "PENDING"
    uuid = created.json()["uuid"]
    assert get(url.replace("catalint-lint", uuid), auth=auth).json()["title"] == "catalint"

    def batch(start: int, n: int) -> list[dict[str, Any]]:
        return [
            {"external_id": f"a{i}", "summary": f"problem {i}", "severity": "LOW"}
            for i in range(start, start + n)
        ]

    annotations = url + "/annotations"
    assert requests.post(annotations, json=batch(0, 101), auth=auth, timeout=10).status_code == 400
    for start in range(0, 1000, 100):
        assert requests.post(annotations, json=batch(start, 100), auth=auth, timeout=10).status_code == 200
    assert requests.post(annotations, json=batch(1000, 1), auth=auth, timeout=10).status_code == 400
    assert requests.post(annotations, json=batch(0, 1), auth=auth, timeout=10).status_code == 200  # replaces
    assert requests.post(annotations, json={"not": "a list"}, auth=auth, timeout=10).status_code == 400

    key = ("acme", "svc", commit, "catalint-lint")
    assert len(fake.reports[key].annotations) == 1000
    page = get(annotations, params={"pagelen": 100}, auth=auth).json()
    assert page["size"] == 1000 and len(page["values"]) == 100 and "next" in page

    assert requests.delete(url, auth=auth, timeout=10).status_code == 204
    assert key not in fake.reports
    assert get(annotations, auth=auth).status_code == 404
    requests.put(url, json=report, auth=auth, timeout=10)
    assert fake.reports[key].annotations == {}


# ------------------------------------------------------------- fault injection
def test_fail_next_429_with_retry_after_then_recovers(fake: FakeBitbucket) -> None:
    fake.fail_next(r"/repositories/acme/svc$", status=429, count=2, retry_after=1.5)
    url = f"{fake.api_url}/repositories/acme/svc"
    statuses = [get(url) for _ in range(3)]
    assert [r.status_code for r in statuses] == [429, 429, 200]
    assert statuses[0].headers["Retry-After"] == "1.5"
    assert statuses[0].json()["error"]["message"] == "Rate limit for this resource has been exceeded"
    assert get(f"{url}/refs/branches").status_code == 200  # the pattern is anchored

    fake.fail_next("/reports/", status=503, method="PUT")
    commit = fake.commit_of("acme", "svc", "main")
    report_url = f"{url}/commit/{commit}/reports/r1"
    assert get(report_url).status_code == 404  # GET is not affected
    body = {"title": "t", "details": "d"}
    auth = ("dev@acme.test", "api-token")
    assert requests.put(report_url, json=body, auth=auth, timeout=10).status_code == 503
    assert requests.put(report_url, json=body, auth=auth, timeout=10).status_code == 200


def test_delay_latency_and_drop(fake: FakeBitbucket) -> None:
    url = f"{fake.api_url}/repositories/acme/svc"
    fake.delay("/refs/", 0.3)
    started = time.monotonic()
    assert get(url + "/refs/branches").status_code == 200
    assert time.monotonic() - started >= 0.3
    started = time.monotonic()
    get(url)
    assert time.monotonic() - started < 0.3

    fake.latency = 0.2
    started = time.monotonic()
    get(url)
    assert time.monotonic() - started >= 0.2
    fake.latency = 0.0

    fake.drop(r"/svc$", count=1)
    with pytest.raises(requests.ConnectionError):
        get(url)
    assert get(url).status_code == 200
    assert [r.status for r in fake.requests_matching(r"/svc$")][-2:] == [None, 200]


def test_redirect_to_foreign_host_never_carries_authorization(
    fake: FakeBitbucket, foreign_server: ForeignServer
) -> None:
    fake.redirect(r"/src/", foreign_server.url + "/lfs/object")
    url = f"{fake.api_url}/repositories/acme/svc/src/main/catalog-info.yaml"
    response = get(url, auth=("dev@acme.test", "api-token"))
    assert response.status_code == 200 and response.content == b"foreign content\n"
    assert response.history[0].status_code == 302
    assert [r.path for r in foreign_server.request_log] == ["/lfs/object"]
    assert foreign_server.authorization_headers() == []

    get(foreign_server.url + "/direct", headers=bearer("leaked"))  # the recorder does see headers
    assert foreign_server.authorization_headers() == ["Bearer leaked"]


# ---------------------------------------------------------------- request log
def test_request_log_is_complete_under_concurrency(fake: FakeBitbucket) -> None:
    fake.reset_log()
    url = f"{fake.api_url}/repositories/acme/svc/src/main/catalog-info.yaml"
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda _: get(url, headers=bearer("repo-token")).status_code, range(40)))
    assert results == [200] * 40
    log = fake.request_log
    assert len(log) == 40
    assert all(r.authorization == "Bearer repo-token" and r.status == 200 and r.method == "GET" for r in log)
    get(f"{fake.api_url}/repositories/acme/svc?pagelen=5")
    assert fake.request_log[-1].query == {"pagelen": ["5"]}
    fake.reset_log()
    assert fake.request_log == []


# --------------------------------------------------------- Pipelines auth proxy
@pytest.fixture
def proxied(fake: FakeBitbucket) -> Iterator[requests.Session]:
    session = requests.Session()
    session.proxies = {"http": fake.proxy_url}
    session.trust_env = False
    yield session
    session.close()


def test_pipelines_proxy(fake: FakeBitbucket, proxied: requests.Session) -> None:
    url = "http://api.bitbucket.org/2.0/repositories/acme/secret"
    assert proxied.get(url, timeout=10).status_code == 404  # proxy not enabled: anonymous
    fake.enable_pipelines_proxy(workspaces=["acme"])
    body = proxied.get(url + "/refs/branches?pagelen=1", timeout=10).json()
    assert body["values"][0]["name"] == "main"
    assert proxied.get("http://example.com/", timeout=10).status_code == 502
    entry = fake.requests_matching("/refs/branches")[-1]
    assert entry.proxied and entry.host == "api.bitbucket.org" and entry.authorization is None
