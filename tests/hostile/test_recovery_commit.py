"""Item 20: the commit after an interrupted sync describes what it commits."""

from __future__ import annotations

from pathlib import Path

import git

from catalint.sync.location_file import parse_targets
from tests.fakes.bitbucket import FakeBitbucket
from tests.sync.test_sync_file_cli import GOOD, _run, setup

__all__ = ["setup"]  # the fixture, shared with the sync file tests


def test_the_recovery_commit_counts_what_the_interrupted_run_wrote(setup: tuple[FakeBitbucket, Path]) -> None:
    fake, tmp = setup
    urls = []
    for name in ("r1", "r2", "r3", "r4", "r5", "r6"):
        fake.add_repo("acme", name, branches={"main": {"catalog-info.yaml": GOOD % name.encode()}})
        urls.append(f"{fake.web_url}/acme/{name}/src/main/catalog-info.yaml")
    work = tmp / "work"
    code, _, err = _run(fake, tmp, urls[:1], "--commit", "--author", "s <s@x>")
    assert code == 0, err
    # The next run writes five more and dies before committing: the file is ahead of HEAD.
    code, _, err = _run(fake, tmp, urls)
    assert code == 0, err
    # The recovery run has nothing left to change in the file, only the commit to make.
    code, out, err = _run(fake, tmp, urls, "--commit", "--author", "s <s@x>")
    assert code == 0, err
    assert "0 added" in out.splitlines()[0]  # this run itself changed nothing in the file
    message = git.Repo(work).head.commit.message
    assert message.splitlines()[0] == "catalint sync: 5 added, 0 removed catalog locations", message
    assert sorted(line[2:] for line in message.splitlines() if line.startswith("- ")) == sorted(urls[1:])
    assert sorted(parse_targets((work / "catalog" / "bitbucket.yaml").read_text(), "location")) == sorted(urls)
