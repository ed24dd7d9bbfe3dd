"""Small helpers shared by tests: write a tree of files (or a rule's example), lint it in-process.

A rule example is the text of `catalog-info.yaml`, then optional sections, each starting on a line
of its own:

- `# file: <path>` — a further file of the repository, with the text below it;
- `# app-config: <yaml>` — a one-line Backstage app-config the run is given (`--app-config`);
- `# bitbucket: <workspace>/<repo> <branch> <path>` — a file that Bitbucket serves, with the text
  below it (a fake Bitbucket on 127.0.0.1 plays bitbucket.org: `https://bitbucket.org` in every
  file becomes its address);
- `# bitbucket: unreachable` — the run asks a Bitbucket that never answers.

Without a `# bitbucket:` section the run is offline, as the example tests always were.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from catalint.config import Settings, load_app_config, load_settings
from catalint.lint.run import LintRequest, run
from catalint.model import RunResult

if TYPE_CHECKING:
    from catalint.sources.bitbucket import RemoteLinter
    from tests.fakes.bitbucket import FakeBitbucket

_SECTION = re.compile(r"^# (file|bitbucket): (.+)$", re.MULTILINE)
_APP = re.compile(r"^# app-config: (.+)$", re.MULTILINE)
BITBUCKET_ORG = "https://bitbucket.org"
# A loopback port nothing listens on: every request to it is refused at once.
NOWHERE_API = "http://127.0.0.1:9/2.0"
UNREACHABLE = "unreachable"


@dataclass(slots=True)
class Example:
    """What a rule example asks for besides its files."""

    app_config: Path | None = None
    # (workspace, repository, branch, path) -> text, for the fake Bitbucket to serve.
    bitbucket: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    # The run asks Bitbucket: with `bitbucket` filled, the fake; without, one that never answers.
    online: bool = False


def parse_example(text: str) -> tuple[dict[str, str], Example]:
    """The repository's files (path -> text) and the rest of what `text` declares."""
    example = Example()
    match = _APP.search(text)
    app = match.group(1) if match else None
    text = _APP.sub("", text)
    parts = _SECTION.split(text)
    files = {"catalog-info.yaml": parts[0]}
    for kind, head, body in zip(parts[1::3], parts[2::3], parts[3::3], strict=True):
        body = body.lstrip("\n")
        if kind == "file":
            files[head.strip()] = body
            continue
        example.online = True
        if head.strip() != UNREACHABLE:
            repo, branch, path = head.split()
            workspace, name = repo.split("/")
            example.bitbucket[(workspace, name, branch, path)] = body
    if app is not None:
        files["app-config.yaml"] = app + "\n"
    return files, example


def write_example(root: Path, text: str, fake: FakeBitbucket | None = None) -> Example:
    """Write a rule example under `root`; a fake Bitbucket, when given, serves its `# bitbucket:` files."""
    files, example = parse_example(text)
    if fake is not None:
        repos: dict[tuple[str, str], dict[str, dict[str, str]]] = {}
        for (workspace, name, branch, path), body in example.bitbucket.items():
            branches = repos.setdefault((workspace, name), {"main": {}})
            branches.setdefault(branch, {})[path] = body.replace(BITBUCKET_ORG, fake.web_url)
        for (workspace, name), branches in repos.items():
            fake.add_repo(workspace, name, branches=branches)
    for name, body in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(body.replace(BITBUCKET_ORG, fake.web_url) if fake is not None else body)
    if "app-config.yaml" in files:
        example.app_config = root / "app-config.yaml"
    return example


def remote_for(example: Example, settings: Settings, fake: FakeBitbucket | None) -> RemoteLinter | None:
    """The Bitbucket side an example's run asks: the fake, one that never answers, or none (offline)."""
    if not example.online and fake is None:
        return None
    from catalint.bitbucket.client import BitbucketClient
    from catalint.bitbucket.credentials import Credentials
    from catalint.bitbucket.urls import Hosts
    from catalint.sources.bitbucket import RemoteLinter

    if fake is not None:
        client = fake.client()
    else:
        client = BitbucketClient(Credentials(), Hosts(BITBUCKET_ORG, NOWHERE_API), backoff_base=0.01)
    return RemoteLinter(client, settings)


def lint_tree(
    root: Path,
    *,
    app_config: Path | None = None,
    style: bool = False,
    settings: Settings | None = None,
    remote: Callable[[Settings], RemoteLinter | None] | None = None,
) -> RunResult:
    """Lint `root` in-process; `remote` makes the run's Bitbucket side from its settings (else offline)."""
    settings = settings or load_settings(None, root)
    if app_config is not None:
        settings.app = load_app_config([app_config])
    linter = remote(settings) if remote is not None else None
    request = LintRequest(
        paths=[root], settings=settings, cwd=root, style=style, remote=(lambda: linter) if linter else None
    )
    try:
        return run(request)
    finally:
        if linter is not None:
            linter.close()


def lint_example(root: Path, text: str, fake: FakeBitbucket | None = None) -> RunResult:
    """Write a rule example under `root` and lint it as its sections say (online whenever `fake` is given)."""
    example = write_example(root, text, fake)
    # With yamllint's pass, as the command line runs by default: `style-skipped` is about it.
    return lint_tree(
        root, app_config=example.app_config, style=True, remote=lambda settings: remote_for(example, settings, fake)
    )


def found(result: RunResult, rule: str) -> list[tuple[str, int, str]]:
    """(path, line, message) of each finding of `rule`, in the order the run reports them."""
    return [(f.path, f.span.line, f.message) for f in result.findings if f.rule == rule]


def reported(result: RunResult, *rules: str) -> list[tuple[str, int, str]]:
    """(rule, line, message) of each finding of any of `rules`, in the order the run reports them."""
    return [(f.rule, f.span.line, f.message) for f in result.findings if f.rule in rules]


# What the `run_example` fixture (tests/rules/conftest.py) is: example text in, the run's result out.
RunExample = Callable[[str], RunResult]


def resolution(result: RunResult, rule: str) -> list[tuple[str, int, str]]:
    """What a resolve-time rule reports: its own findings and the cases it hands to other rules."""
    return reported(result, rule, "path-escape", "unverified", "offline", "foreign-host", "backstage-url")
