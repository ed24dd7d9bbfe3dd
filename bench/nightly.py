"""The nightly at scale on the fake Bitbucket: a generated workspace, linted night after night.

Usage: python bench/nightly.py [--repos 10000] [--projects 20] [--changed 0.01] [--shards 4]
       [--night-budget 8000]

The workspace: `repos` repositories in `projects` projects (each under code search's 1,000-hit
cap), each with a catalog-info.yaml (a Component reading its description from ./README.md by
`$text`, depending on the next repository's component, owned by a Group of the `org`
repository); every 100th repository's descriptor is a Location listing its own component file
and the next repository's catalog-info.yaml, so a change in one repository reaches files of
another. The fake's content versions change when files change: commit hashes in code search
and `updated_on` in the listing. The changed repositories are each the target of a Location in
another repository, which must be linted again too.

Nights, each `catalint lint --workspace` through the command line with a state file:
1. cold; 2. nothing changed; 3. `changed` of the repositories edited (a descriptor changed);
4. the same workspace as N shards (`--shard I/N`, cold, each with its own state) merged with
`catalint merge`, against night 1's single job; 5. cold again on a budget of `night-budget`
requests a night (8 hours of Bitbucket's 1,000 an hour), run until nothing is pending.

Reported: requests (from the fake's log) and wall time per night, and whether the findings
equal night 1's.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "src"))

from click.testing import CliRunner  # noqa: E402

from catalint.cli import main  # noqa: E402
from tests.fakes import FakeBitbucket  # noqa: E402

WS = "bench"
COMPONENT = """\
apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: svc-{n:05d}
  description:
    $text: ./README.md
spec:
  type: service
  lifecycle: production
  owner: group:default/platform
  dependsOn: [component:default/svc-{dep:05d}]
"""
LOCATION = """\
apiVersion: backstage.io/v1alpha1
kind: Location
metadata:
  name: loc-{n:05d}
spec:
  targets:
    - ./component.yaml
    - {web}/{ws}/r{nxt:05d}/src/main/catalog-info.yaml
"""
GROUP = "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: platform\nspec:\n  type: team\n  children: []\n"


def build(fake: FakeBitbucket, repos: int, projects: int) -> None:
    fake.add_repo(WS, "org", project="P00", branches={"main": {"catalog-info.yaml": GROUP}})
    for n in range(repos):
        component = COMPONENT.format(n=n, dep=(n + 1) % repos)
        if n % 100 == 50:
            files = {
                "catalog-info.yaml": LOCATION.format(n=n, web=fake.web_url, ws=WS, nxt=(n + 1) % repos),
                "component.yaml": component,
                "README.md": f"Service {n}.\n",
            }
        else:
            files = {"catalog-info.yaml": component, "README.md": f"Service {n}.\n"}
        fake.add_repo(WS, f"r{n:05d}", project=f"P{n % projects:02d}", branches={"main": files})


def night(fake: FakeBitbucket, *args: str) -> tuple[int, dict[str, Any], float, str]:
    """(requests, JSON result, seconds, stderr) of one command."""
    fake.reset_log()
    env = {"CATALINT_BITBUCKET_URL": fake.web_url, "CATALINT_BITBUCKET_API_URL": fake.api_url}
    start = time.perf_counter()
    result = CliRunner().invoke(main, list(args), env=env, catch_exceptions=False)
    seconds = time.perf_counter() - start
    if result.exit_code not in (0, 1):
        raise SystemExit(f"catalint {' '.join(args[:3])} exited {result.exit_code}: {result.stderr[-500:]}")
    return len(fake.request_log), json.loads(result.stdout or "{}"), seconds, result.stderr


def findings(result: dict[str, Any]) -> list[str]:
    return sorted(json.dumps(f, sort_keys=True) for f in result.get("findings", []))


def lint(state: Path, *extra: str, budget: int = 1_000_000) -> tuple[str, ...]:
    """A nightly run; the default budget of 10,000 requests is lifted except where a night's budget is measured."""
    return (
        "lint", "--workspace", WS, "--no-cache", "--state", str(state), "--format", "json",
        "--max-requests", str(budget), *extra,
    )


class Rows:
    """The table, printed a row at a time (a 10,000-repository run takes a while)."""

    def append(self, row: tuple[str, int, float, str]) -> None:
        name, req, sec, note = row
        print(f"{name:48} {req:9d} {sec:7.1f}s  {note}", flush=True)


def main_bench() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repos", type=int, default=10_000)
    parser.add_argument("--projects", type=int, default=20)
    parser.add_argument("--changed", type=float, default=0.01)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--night-budget", type=int, default=8000)
    args = parser.parse_args()
    rows = Rows()
    print(f"workspace: {args.repos} repositories in {args.projects} projects (+1 org repository)")
    print(f"{'run':48} {'requests':>9} {'wall':>8}  notes", flush=True)
    with FakeBitbucket() as fake, tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        build(fake, args.repos, args.projects)
        state = work / "state.json"
        req1, first, sec1, _ = night(fake, *lint(state))
        rows.append(("night 1, cold", req1, sec1, f"{first['summary']['files']} files"))
        req2, second, sec2, _ = night(fake, *lint(state))
        same = "same findings" if findings(second) == findings(first) else "FINDINGS DIFFER"
        rows.append(("night 2, nothing changed", req2, sec2, f"{100 * req2 / req1:.2f}% of night 1; {same}"))

        step = max(1, round(1 / args.changed)) if args.changed > 0 else args.repos + 1
        # Starting at 51: each changed repository is also a Location's target (the one in r..50).
        changed = list(range(51 % step, args.repos, step))
        for n in changed:
            text = COMPONENT.format(n=n, dep=(n + 1) % args.repos).replace("lifecycle: production", "lifecycle: experimental")
            path = "component.yaml" if n % 100 == 50 else "catalog-info.yaml"
            fake.put_file(WS, f"r{n:05d}", "main", path, text)
        req3, _, sec3, _ = night(fake, *lint(state))
        baseline = req2  # discovery + listing
        changed_files = sum(3 if n % 100 == 50 else 2 for n in changed)
        # What points into a changed repository: the Location in the repository before it, read
        # again, and its other target (./component.yaml), whose existence it checks again.
        pointing = sum(2 for n in changed if (n - 1) % 100 == 50)
        target = baseline + 1.05 * (changed_files + pointing)
        rows.append(
            (
                f"night 3, {len(changed)} repositories changed",
                req3,
                sec3,
                f"target <= {baseline} + 1.05 x {changed_files + pointing} = {target:.0f}",
            )
        )

        shard_reqs, shard_secs, paths = [], [], []
        for i in range(1, args.shards + 1):
            out = work / f"shard{i}.json"
            req, _, sec, _ = night(
                fake, *lint(work / f"state{i}.json", "--shard", f"{i}/{args.shards}", "--output", f"json:{out}")
            )
            shard_reqs.append(req)
            shard_secs.append(sec)
            paths.append(str(out))
        reference = work / "single.json"
        req_one, _, sec_one, _ = night(fake, *lint(work / "single-state.json", "--output", f"json:{reference}"))
        _, merged, sec_merge, _ = night(fake, "merge", *paths, "--format", "json")
        equal = findings(merged) == findings(json.loads(reference.read_text()))
        rows.append(("one job, cold (same night as the shards)", req_one, sec_one, ""))
        rows.append(
            (
                f"{args.shards} shards, cold: per shard",
                max(shard_reqs),
                max(shard_secs),
                f"requests {shard_reqs}, seconds {[round(s, 1) for s in shard_secs]}; "
                f"all shards {sum(shard_reqs)} requests, {sum(shard_secs):.1f} s one after another",
            )
        )
        rows.append(("merge of the shards", 0, sec_merge, "findings equal the one job's" if equal else "FINDINGS DIFFER"))

        cold = work / "budget-state.json"
        total = 0
        nights = 0
        false_missing = 0
        expected = set(findings(json.loads(reference.read_text())))
        while True:
            nights += 1
            req, result, sec, _ = night(fake, *lint(cold, budget=args.night_budget))
            total += req
            # A "not found" the complete run does not have would be a false claim.
            false_missing += sum(
                1
                for f in result["findings"]
                if f["rule"] in ("file-unreadable", "location-target", "placeholder")
                and json.dumps(f, sort_keys=True) not in expected
            )
            if not result["nightly"]["pending"] or nights >= 10:
                break
        converged = findings(result) == sorted(expected)
        rows.append(
            (
                f"cold on {args.night_budget} requests a night",
                total,
                0.0,
                f"{nights} nights to converge; final findings {'equal' if converged else 'DIFFER from'} one full run; "
                f"{false_missing} false 'not found'",
            )
        )


if __name__ == "__main__":
    main_bench()
