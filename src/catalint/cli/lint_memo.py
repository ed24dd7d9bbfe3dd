"""Whether a `catalint lint` run may leave a run memo (lint/memo.py), and what its answer read.

A memo is replayed without running anything, so it may only stand for a run whose answer is a
function of local files alone and whose only effect is what it printed. Every way `catalint lint`
can depend on something else, or do something else, makes the run ineligible (`reason`); the
memo's audit hook then also refuses a run that wrote outside the cache, started a process or
opened a connection, whatever path led there.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from catalint.config import CONFIG_NAMES, YAMLLINT_NAMES
from catalint.lint import memo_record
from catalint.resolve.globs import GLOB_DEP, parse_glob_dep

if TYPE_CHECKING:
    from catalint.cli.bitbucket import RemoteSide
    from catalint.cli.lint import LintArgs
    from catalint.config import Settings
    from catalint.model import RunResult

# Where catalint looks above a folder: its config, a project's `.yamllint` (the names the settings
# loader looks for), the repository root.
_LOOKED_FOR = (*CONFIG_NAMES, *YAMLLINT_NAMES, ".git")


def record(
    args: LintArgs,
    result: RunResult,
    code: int,
    *,
    cwd: Path,
    settings: Settings,
    local_paths: Sequence[Path],
    urls: Sequence[str],
    from_stdin: bool,
    remote: RemoteSide | None,
) -> None:
    """At the end of a lint run: leave its memo when the console script is recording and the run
    may have one."""
    recorder = memo_record.recorder()
    if recorder is None:
        return
    why = reason(args, result, settings, urls=urls, from_stdin=from_stdin, remote=remote, env=os.environ)
    found = None if why is not None else answer_inputs(result, cwd, settings, [*local_paths, *args.app_configs])
    if found is None:
        recorder.finish(False, code, ())
        return
    inputs, linted = found
    if args.config is not None:
        inputs.append(str(cwd / args.config))
    # The report is written and the run ends here: what it held goes before the memo's inputs are
    # signed, or both at once were a large run's peak (+20 MB at 30,000 files).
    result.findings, result.documents, result.relations, result.lines, result.deps = [], [], [], {}, {}
    recorder.finish(True, code, inputs, required=linted)


def reason(
    args: LintArgs,
    result: RunResult,
    settings: Settings,
    *,
    urls: Sequence[str],
    from_stdin: bool,
    remote: RemoteSide | None,
    env: Mapping[str, str],
) -> str | None:
    """Why the run may leave no memo, or None when it may."""
    return (
        _input_reason(args, settings, urls, from_stdin, remote)
        or _ci_reason(args, env)
        or _result_reason(args, result, env)
    )


def _input_reason(
    args: LintArgs, settings: Settings, urls: Sequence[str], from_stdin: bool, remote: RemoteSide | None
) -> str | None:
    if from_stdin:
        return "it read stdin"
    if urls or args.workspace or any(loc.type == "url" for loc in settings.app.locations):
        return "it was asked to lint Bitbucket"
    if remote is not None and remote.client is not None:
        return "it read from Bitbucket"
    if args.backstage_url:
        return "it asked a Backstage catalog"
    if args.nightly.given:
        return "it keeps a nightly state"
    return None


def _result_reason(args: LintArgs, result: RunResult, env: Mapping[str, str]) -> str | None:
    if args.verbose or env.get("CATALINT_DEBUG", "") not in ("", "0", "false"):
        return "its debug log is no answer to replay"
    if result.unverified or result.unreadable or result.elided:
        return "some of it could not be verified or read, or it was scoped to a change"
    if _remote(result.deps):
        return "a file came from or depends on the network"
    return None


def _ci_reason(args: LintArgs, env: Mapping[str, str]) -> str | None:
    from catalint.ci.changes import detect_base
    from catalint.report import in_pipelines

    ci = args.ci
    if ci.outputs:
        return "it wrote report files"
    if ci.report == "bitbucket" or in_pipelines(env):
        return "it posts a Code Insights report"
    if ci.annotations == "checks":
        return "it posts a check run"
    if ci.summary or env.get("GITHUB_STEP_SUMMARY") or env.get("GITHUB_OUTPUT") or env.get("GITHUB_ACTIONS"):
        return "it writes to the CI job"
    if ci.changed_since or ci.filter_mode or detect_base(env) is not None:
        return "it is scoped to a change with git"
    return None


def _remote(deps: Mapping[str, Sequence[str]]) -> bool:
    from catalint.report.paths import is_url
    from catalint.sources.files import REMOTE_DEP

    # (`://` first, and most files have no dependency: this looks at 30,000 files)
    for path, read in deps.items():
        if ("://" in path and is_url(path)) or (read and any(dep.startswith(REMOTE_DEP) for dep in read)):
            return True
    return False


def answer_inputs(
    result: RunResult, cwd: Path, settings: Settings, given: Sequence[Path]
) -> tuple[list[str], list[str]] | None:
    """Every path whose stat signature the answer depends on besides what the run opened and listed
    (the memo's audit hook notes those): the linted files, what each depended on, and where
    settings are looked for; and of them, the linted files, which must exist (a file shown under
    another name than its own, one that is not UTF-8, cannot be watched). None when some input
    cannot be watched."""
    found: list[str] = []
    linted: list[str] = []
    here = os.path.join(cwd, "")
    for shown, deps in result.deps.items():
        linted.append(shown if shown.startswith(os.sep) else here + shown)
        for dep in deps:
            if dep.startswith(GLOB_DEP):
                folders = memo_record.glob_folders(*parse_glob_dep(dep))
                if folders is None:
                    return None
                found.extend(folders)
            else:
                found.append(dep)
    # (not the working directory itself: a shell's `> report.json` there is no input)
    given_paths = [str(p if p.is_absolute() else cwd / p) for p in given]
    found.extend(given_paths)
    for start in [str(cwd), *given_paths]:
        for folder in memo_record.folders_above(start):
            found.extend(os.path.join(folder, name) for name in _LOOKED_FOR)
    for location in settings.app.locations:
        if location.type == "file":
            # `_app_roots` looks for a file target here, then in the app-config's folder.
            found.append(str(cwd / location.target))
            if location.base is not None:
                found.append(str(location.base / location.target))
    found.extend(linted)
    return found, linted
