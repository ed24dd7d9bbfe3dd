"""Remote linting and discovery against the fake Bitbucket with per-request latency.

Usage: python bench/remote.py [--latency 0.05] [--concurrency 8] [--repos 50] [--per-repo 20]
       [--workspace-repos 3000]

1. Generates `repos` repositories of `per-repo` descriptors each (1,000 by default): every repo's
   catalog-info.yaml is a Location listing its own components and two other repositories'
   catalog-info.yaml (a tree, so one root URL reaches everything) plus a component of a third;
   every component reads two shared files by `$text` and has a source-location in another
   repository whose folder holds the TechDocs `mkdocs.yml`. All are linted from one root Location URL with a cold HTTP cache
   directory, then again with a new client on the same (warm) cache directory.
2. Lints the same repositories from a local root catalog, as a pull request in the platform
   team's catalog repository does: a checkout whose Location lists every repository's
   catalog-info.yaml by absolute URL (no URL on the command line), cold.
3. Discovers a generated workspace of `workspace-repos` repositories, one descriptor each.

Reported: requests per distinct resource and per distinct remote file, 200s vs 304s from the
fake's request log, and wall time against requests x latency / concurrency.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from catalint.bitbucket.client import BitbucketClient  # noqa: E402
from catalint.bitbucket.credentials import Credentials  # noqa: E402
from catalint.bitbucket.discovery import discover  # noqa: E402
from catalint.bitbucket.urls import Hosts  # noqa: E402
from catalint.config import Settings  # noqa: E402
from catalint.lint.run import LintRequest, run  # noqa: E402
from catalint.sources.bitbucket import RemoteLinter, lint_remote  # noqa: E402
from tests.fakes import FakeBitbucket, RecordedRequest  # noqa: E402

WS = "bench"
COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: r{repo:02d}-c{n:02d}
  description:
    $text: ../README.md
  annotations:
    backstage.io/techdocs-ref: dir:.
    backstage.io/source-location: url:{web}/{ws}/r{other:02d}/src/main/docs/
    example.com/owner-note:
      $text: /shared/owner.txt
spec:
  type: service
  lifecycle: production
  owner: group:team-{repo:02d}
"""


def location(name: str, targets: list[str]) -> str:
    lines = "".join(f"    - {t}\n" for t in targets)
    return f"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\nspec:\n  targets:\n{lines}"


def build(fake: FakeBitbucket, repos: int, per_repo: int) -> int:
    """The linted corpus; returns the number of descriptors."""
    web = fake.web_url
    count = 0
    for i in range(repos):
        components = per_repo - 1
        targets = [f"./components/c{n:02d}.yaml" for n in range(components)]
        for child in (2 * i + 1, 2 * i + 2):
            if child < repos:
                targets.append(f"{web}/{WS}/r{child:02d}/src/main/catalog-info.yaml")
        targets.append(f"{web}/{WS}/r{(i + 7) % repos:02d}/src/main/components/c00.yaml")
        files = {
            "catalog-info.yaml": location(f"r{i:02d}", targets),
            "README.md": f"Repository {i} of the benchmark.\n",
            "docs/mkdocs.yml": f"site_name: r{i:02d}\n",
            "shared/owner.txt": f"team-{i:02d}",
        }
        for n in range(components):
            files[f"components/c{n:02d}.yaml"] = COMPONENT.format(repo=i, n=n, web=web, ws=WS, other=(i + 1) % repos)
        fake.add_repo(WS, f"r{i:02d}", project="BENCH", branches={"main": files})
        count += 1 + components
    return count


@dataclass
class Pass:
    label: str
    seconds: float
    log: list[RecordedRequest]
    files: int
    findings: Counter[str]

    @property
    def requests(self) -> int:
        return len(self.log)

    def status(self, code: int) -> int:
        return sum(1 for r in self.log if r.status == code)


def resource(r: RecordedRequest) -> str:
    query = "&".join(f"{k}={v}" for k, vs in sorted(r.query.items()) for v in vs)
    return r.path + ("?" + query if query else "")


def lint_pass(fake: FakeBitbucket, label: str, root: str, cache: Path, concurrency: int) -> Pass:
    fake.reset_log()
    client = BitbucketClient(Credentials(), Hosts(fake.web_url, fake.api_url), concurrency=concurrency, cache_dir=cache)
    start = time.perf_counter()
    results = lint_remote([root], Settings(), client, style=False)
    seconds = time.perf_counter() - start
    client.close()
    findings = Counter(f.rule for r in results for f in r.findings)
    return Pass(label, seconds, fake.request_log, len(results), findings)


def checkout_pass(fake: FakeBitbucket, repos: int, work: Path, concurrency: int) -> Pass:
    """`catalint lint` in a local root catalog whose Location names every repository by URL."""
    root = work / "catalog"
    root.mkdir()
    targets = [f"{fake.web_url}/{WS}/r{i:02d}/src/main/catalog-info.yaml" for i in range(repos)]
    (root / "catalog-info.yaml").write_text(location("root", targets))
    # A checkout reads the Bitbucket hosts from the environment, as `catalint lint` does.
    os.environ["CATALINT_BITBUCKET_URL"], os.environ["CATALINT_BITBUCKET_API_URL"] = fake.web_url, fake.api_url
    fake.reset_log()
    client = BitbucketClient(Credentials(), Hosts(fake.web_url, fake.api_url), concurrency=concurrency)
    request = LintRequest(
        paths=[root], settings=Settings(), cwd=root, style=False, remote=lambda: RemoteLinter(client, Settings(), style=False)
    )
    start = time.perf_counter()
    result = run(request)
    seconds = time.perf_counter() - start
    client.close()
    return Pass("checkout", seconds, fake.request_log, result.files, Counter(f.rule for f in result.findings))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the fake waits per request")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--repos", type=int, default=50)
    parser.add_argument("--per-repo", type=int, default=20)
    parser.add_argument("--workspace-repos", type=int, default=3000)
    parser.add_argument(
        "--projects",
        type=int,
        nargs="+",
        default=[6, 2],
        help="project counts to discover with (2 x 1,500 repos passes search's 1,000 cap: per-repo searches)",
    )
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="catalint-bench-remote-"))
    rows: list[tuple[str, str]] = []

    with FakeBitbucket(latency=args.latency) as fake:
        descriptors = build(fake, args.repos, args.per_repo)
        root = f"{fake.web_url}/{WS}/r00/src/main/catalog-info.yaml"
        cache = work / "http"
        cold = lint_pass(fake, "cold", root, cache, args.concurrency)
        warm = lint_pass(fake, "warm", root, cache, args.concurrency)
        local = checkout_pass(fake, args.repos, work, args.concurrency)

    distinct = Counter(resource(r) for r in cold.log)
    # Every generated file name has a dot; a `src` path without one is a folder listing (JSON).
    files = {r.path for r in cold.log if "/src/" in r.path and "." in r.path.rsplit("/", 1)[-1]}
    other = Counter(
        "refs/branches" if "/refs/branches" in r.path else "folder listing" if "/src/" in r.path else "repository"
        for r in cold.log
        if r.path not in files
    )
    print(
        f"latency {args.latency * 1000:.0f} ms per request, concurrency {args.concurrency}, {descriptors} descriptors"
    )
    print(f"cold: {cold.files} files linted; {len(files)} distinct remote files read; other requests: {dict(other)}")
    print(f"findings (cold / warm): {dict(cold.findings) or 'none'} / {dict(warm.findings) or 'none'}")
    for one in (cold, warm):
        ideal = one.requests * args.latency / args.concurrency
        ratio = one.seconds / ideal if ideal else float("nan")
        rows.append(
            (
                f"lint {one.label}",
                f"{one.requests:5d} req  {one.status(200):5d}x200 {one.status(304):5d}x304  "
                f"{one.seconds:6.2f} s  ideal {ideal:5.2f} s  x{ratio:.2f}",
            )
        )
    rows.append(("requests / distinct URL (cold)", f"{cold.requests / max(1, len(distinct)):.3f}"))
    warm_other = [r for r in warm.log if r.path not in files]
    rows.append(("warm non-file requests", f"{len(warm_other)} ({sum(1 for r in warm_other if r.status == 304)} x304)"))
    read = len(files) + other["folder listing"]
    rows.append(
        (
            "requests / distinct file+folder (cold)",
            f"{cold.requests / max(1, read):.3f} ({cold.requests} / {read}; the rest: branch lookups)",
        )
    )
    file_requests = sum(1 for r in cold.log if r.path in files)
    rows.append(("file GETs / distinct file (cold)", f"{file_requests / max(1, len(files)):.3f}"))
    warm_files = [r for r in warm.log if r.path in files]
    rows.append(
        (
            "warm file GETs",
            f"{len(warm_files)} ({sum(1 for r in warm_files if r.status == 304)} x304, "
            f"{sum(1 for r in warm_files if r.status == 200)} x200)",
        )
    )

    ideal = local.requests * args.latency / args.concurrency
    local_distinct = len({resource(r) for r in local.log})
    rows.append(
        (
            "lint a local root catalog (cold)",
            f"{local.files} files, findings {dict(local.findings) or 'none'}, "
            f"{local.requests} req ({local.requests / max(1, local_distinct):.3f} per distinct URL), "
            f"{local.seconds:.2f} s, ideal {ideal:.2f} s, x{local.seconds / ideal if ideal else float('nan'):.2f}",
        )
    )

    for projects in args.projects:
        with FakeBitbucket(latency=args.latency) as fake:
            for i in range(args.workspace_repos):
                fake.add_repo(
                    "big",
                    f"svc-{i:05d}",
                    project=f"P{i % projects}",
                    branches={"main": {"catalog-info.yaml": "kind: Component\n"}},
                )
            fake.reset_log()
            client = BitbucketClient(Credentials(), Hosts(fake.web_url, fake.api_url), concurrency=args.concurrency)
            start = time.perf_counter()
            found = discover(client, "big")
            seconds = time.perf_counter() - start
            requests = len(fake.request_log)
        rows.append(
            (
                f"discovery {args.workspace_repos} repos, {projects} projects",
                f"found {len(found.urls)} ({'complete' if found.complete else 'INCOMPLETE'}, {found.method}), "
                f"{requests} req, {seconds:.2f} s",
            )
        )

    width = max(len(label) for label, _ in rows)
    print()
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")


if __name__ == "__main__":
    main()
