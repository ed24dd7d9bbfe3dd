"""A remote Location's targets are read in parallel, never with more requests in flight than the
client's concurrency allows, and results still come back in breadth-first order."""

from __future__ import annotations

import threading

from catalint.bitbucket.client import BitbucketClient
from catalint.bitbucket.credentials import Credentials
from catalint.bitbucket.urls import Hosts
from catalint.config import Settings
from catalint.sources.bitbucket import lint_remote
from tests.fakes import FakeBitbucket
from tests.fakes.bitbucket_api import Request, Response

GROUP = (
    "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: {name}\nspec:\n  type: team\n  children: []\n"
)


class Counting(FakeBitbucket):
    """Records the most requests it was ever answering at once."""

    def __init__(self) -> None:
        super().__init__(latency=0.05)
        self.busy = 0
        self.most = 0
        self._busy_lock = threading.Lock()

    def _respond(self, request: Request) -> Response:
        with self._busy_lock:
            self.busy += 1
            self.most = max(self.most, self.busy)
        try:
            return super()._respond(request)
        finally:
            with self._busy_lock:
                self.busy -= 1


def location(name: str, targets: list[str]) -> str:
    lines = "".join(f"    - {t}\n" for t in targets)
    return f"apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: {name}\nspec:\n  targets:\n{lines}"


def lint(fake: Counting, concurrency: int) -> list[str]:
    fake.reset_log()
    fake.most = 0
    client = BitbucketClient(Credentials(), Hosts(fake.web_url, fake.api_url), concurrency=concurrency)
    results = lint_remote([f"{fake.web_url}/acme/teams/src/main/all.yaml"], Settings(), client, style=False)
    assert not [f for r in results for f in r.findings]
    assert len(fake.request_log) == 24  # all.yaml, a branch lookup, 20 targets, sub.yaml's deep.yaml
    return [r.path.rsplit("/", 1)[-1] for r in results]


def test_targets_read_in_parallel_and_bounded() -> None:
    with Counting() as fake:
        files = {f"g/{n:02d}.yaml": GROUP.format(name=f"g{n}") for n in range(20)}
        files["all.yaml"] = location("all", [f"./g/{n:02d}.yaml" for n in range(20)] + ["./sub.yaml"])
        files["sub.yaml"] = location("sub", ["./deep.yaml"])
        files["deep.yaml"] = GROUP.format(name="deep")
        fake.add_repo("acme", "teams", branches={"main": files})
        expected = ["all.yaml", *[f"{n:02d}.yaml" for n in range(20)], "sub.yaml", "deep.yaml"]
        assert lint(fake, 8) == expected
        assert 4 <= fake.most <= 8  # one Location's targets went out together, within the limit
        assert lint(fake, 3) == expected and fake.most <= 3
        assert lint(fake, 1) == expected and fake.most == 1
