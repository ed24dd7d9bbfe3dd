#!/usr/bin/env python3
"""Entrypoint of the catalint container: the GitHub Action, the Bitbucket Pipe and the plain Docker image.

It only translates the platform's settings into a `catalint` command line plus environment, runs the CLI and
exits with the CLI's code. Everything about linting, reporting and step outputs (errors, warnings, report files,
check-run) lives in the CLI, which writes each output once.

Modes, picked in this order:

* Arguments given (`docker run IMAGE lint catalog/`): they are catalint's arguments, passed through as-is.
* GitHub Action (`GITHUB_ACTIONS=true`): settings come from the runner's `INPUT_<ID>` variables, whose names keep
  the hyphens of the input ids (`INPUT_FAIL-ON`).
* Otherwise (a Bitbucket Pipe, or `docker run -e FAIL_ON=warning IMAGE`): settings come from plain variables
  (`FAIL_ON`); a list variable arrives as `NAME_COUNT`, `NAME_0`, `NAME_1`, ... or as one space-separated string.

Credentials only ever travel in the environment, never on the command line. On GitHub, every secret is masked
with `::add-mask::` before anything else is printed.
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

COMMANDS = ("lint", "discover", "sync")

GITHUB = "github"
BITBUCKET = "bitbucket"
ENV = "env"  # plain `docker run -e ...`, same variable names as the pipe


@dataclass(frozen=True)
class Setting:
    """One setting: an action input id; its pipe variable is the id upper-cased with `-` turned into `_`."""

    id: str
    platforms: tuple[str, ...] = (GITHUB, BITBUCKET)
    env: str = ""  # environment variable that carries it to the CLI (credentials and service URLs)
    secret: bool = False

    @property
    def variable(self) -> str:
        return self.id.upper().replace("-", "_")


SETTINGS: tuple[Setting, ...] = (
    Setting("command"),
    Setting("paths"),
    Setting("config"),
    Setting("app-config"),
    Setting("fail-on"),
    Setting("filter-mode"),
    Setting("changed-since"),
    Setting("format"),
    Setting("sarif-file"),
    Setting("junit-file"),
    Setting("codeclimate-file"),
    Setting("json-file"),
    Setting("annotations", platforms=(GITHUB,)),
    Setting("graph", platforms=(GITHUB,)),
    Setting("report", platforms=(BITBUCKET,)),
    Setting("workspace"),
    Setting("offline"),
    Setting("bitbucket-username", env="BITBUCKET_USERNAME"),
    Setting("bitbucket-token", env="BITBUCKET_TOKEN", secret=True),
    Setting("bitbucket-app-password", env="BITBUCKET_APP_PASSWORD", secret=True),
    Setting("bitbucket-client-id", env="BITBUCKET_CLIENT_ID"),
    Setting("bitbucket-client-secret", env="BITBUCKET_CLIENT_SECRET", secret=True),
    Setting("github-token", platforms=(GITHUB,), env="GITHUB_TOKEN", secret=True),
    Setting("backstage-url", env="BACKSTAGE_URL"),
    Setting("backstage-token", env="BACKSTAGE_TOKEN", secret=True),
    Setting("sync-target"),
    Setting("extra-args"),
    Setting("debug", platforms=(BITBUCKET,)),
)
BY_ID = {s.id: s for s in SETTINGS}

# Report-file setting -> FORMAT of `--output FORMAT:PATH`; the setting id doubles as the action output name.
REPORT_FILES = {"sarif-file": "sarif", "junit-file": "junit", "codeclimate-file": "codeclimate", "json-file": "json"}

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class EntrypointError(Exception):
    """A setting the entrypoint cannot turn into a command line."""


class Source:
    """Reads settings from the environment in the platform's naming."""

    def __init__(self, environ: Mapping[str, str], platform: str) -> None:
        self.environ = environ
        self.platform = platform

    def _name(self, setting_id: str) -> str:
        if self.platform == GITHUB:
            return "INPUT_" + setting_id.upper()
        return BY_ID[setting_id].variable

    def get(self, setting_id: str) -> str:
        return self.environ.get(self._name(setting_id), "").strip()

    def get_list(self, setting_id: str) -> list[str]:
        """A list setting: `NAME_COUNT` + `NAME_<i>` (pipe list variables), else one shell-quoted string."""
        name = self._name(setting_id)
        count = self.environ.get(name + "_COUNT", "").strip()
        if self.platform != GITHUB and count:
            if not count.isdigit():
                raise EntrypointError(f"{name}_COUNT must be a number, found {count!r}")
            return [v for i in range(int(count)) if (v := self.environ.get(f"{name}_{i}", "").strip())]
        try:
            return shlex.split(self.get(setting_id))
        except ValueError as err:
            raise EntrypointError(f"cannot split {name}: {err}") from None

    def flag(self, setting_id: str) -> bool:
        return self.get(setting_id).lower() in TRUE_WORDS


def detect_platform(environ: Mapping[str, str]) -> str:
    if environ.get("GITHUB_ACTIONS") == "true":
        return GITHUB
    if environ.get("BITBUCKET_PIPELINE_UUID") or environ.get("BITBUCKET_BUILD_NUMBER"):
        return BITBUCKET
    return ENV


def escape_data(value: str) -> str:
    """Workflow-command message escaping: `%` first, then CR and LF."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def secret_values(environ: Mapping[str, str]) -> list[str]:
    """Every non-empty secret, from the action inputs and from the environment, in a stable order."""
    values: list[str] = []
    for setting in SETTINGS:
        if not setting.secret:
            continue
        for name in ("INPUT_" + setting.id.upper(), setting.env):
            value = environ.get(name, "").strip()
            # A multi-line secret is masked whole and line by line, since logs are matched per line.
            for candidate in (value, *value.splitlines()) if "\n" in value else (value,):
                candidate = candidate.strip()
                if candidate and candidate not in values:
                    values.append(candidate)
    return values


def mask_lines(environ: Mapping[str, str]) -> list[str]:
    return [f"::add-mask::{escape_data(value)}" for value in secret_values(environ)]


def workspace_dir(environ: Mapping[str, str], platform: str) -> Path | None:
    name = {GITHUB: "GITHUB_WORKSPACE", BITBUCKET: "BITBUCKET_CLONE_DIR"}.get(platform)
    value = environ.get(name, "") if name else ""
    return Path(value) if value and Path(value).is_dir() else None


def trust_workspace(workspace: Path) -> None:
    """Best effort: let git work in a checkout owned by another uid (the image also trusts '*' system-wide)."""
    git = shutil.which("git")
    if git is None:
        return
    try:
        known = subprocess.run(
            [git, "config", "--global", "--get-all", "safe.directory"],
            capture_output=True,
            text=True,
            check=False,
        ).stdout.splitlines()
        if str(workspace) not in known and "*" not in known:
            subprocess.run(
                [git, "config", "--global", "--add", "safe.directory", str(workspace)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                check=False,
            )
    except OSError:
        pass


def sync_target(value: str) -> list[str]:
    if value == "backstage":
        return ["backstage"]
    for prefix in ("file:", "file "):
        if value.startswith(prefix) and value[len(prefix) :].strip():
            return ["file", value[len(prefix) :].strip()]
    raise EntrypointError(f"sync-target must be 'backstage' or 'file:PATH', found {value!r}")


def debugging(src: Source) -> bool:
    """Step debug logging on GitHub (RUNNER_DEBUG=1), the DEBUG variable elsewhere."""
    if src.platform == GITHUB:
        return src.environ.get("RUNNER_DEBUG") == "1"
    return src.flag("debug")


def _lint_args(src: Source) -> list[str]:
    argv: list[str] = []

    def option(flag: str, value: str) -> None:
        if value:
            argv.extend((flag, value))

    option("--format", src.get("format") or ("github" if src.platform == GITHUB else ""))
    option("--fail-on", src.get("fail-on"))
    option("--filter-mode", src.get("filter-mode"))
    option("--changed-since", src.get("changed-since"))
    for setting_id, fmt in REPORT_FILES.items():
        path = src.get(setting_id)
        option("--output", f"{fmt}:{path}" if path else "")
    if src.platform == GITHUB:
        option("--annotations", src.get("annotations"))
        if src.get("graph") and not src.flag("graph"):
            argv.append("--no-summary-graph")
    else:
        option("--report", src.get("report"))  # the CLI defaults to bitbucket inside Pipelines
    return argv


def _workspace(src: Source, command: str) -> str:
    """In a pipe, discover and sync default to the pipeline's own workspace."""
    workspace = src.get("workspace")
    if not workspace and src.platform == BITBUCKET and command != "lint":
        workspace = src.environ.get("BITBUCKET_WORKSPACE", "")
    return workspace


def build_argv(src: Source) -> list[str]:
    """catalint's arguments (without the program name) from the platform settings."""
    command = src.get("command") or "lint"
    if command not in COMMANDS:
        raise EntrypointError(f"command must be one of {', '.join(COMMANDS)}, found {command!r}")
    # sync's destination is its subcommand (`sync file PATH`, `sync backstage`), so it comes first.
    argv = [command, *sync_target(src.get("sync-target") or "backstage")] if command == "sync" else [command]

    def option(flag: str, value: str) -> None:
        if value:
            argv.extend((flag, value))

    option("--workspace", _workspace(src, command))
    for app_config in src.get_list("app-config"):
        option("--app-config", app_config)
    if debugging(src):
        argv.append("--verbose")
    if command in ("lint", "sync"):
        option("--config", src.get("config"))
    if command == "lint":
        argv.extend(_lint_args(src))
    else:
        option("--format", src.get("format"))
    if command in ("lint", "sync") and src.flag("offline"):
        argv.append("--offline")
    argv.extend(src.get_list("extra-args"))
    paths = src.get_list("paths") if command == "lint" else []
    if paths:
        argv.extend(("--", *paths))
    return argv


def child_environment(environ: Mapping[str, str], platform: str) -> dict[str, str]:
    """The CLI's environment: ours without the INPUT_* variables, plus credentials taken from the inputs."""
    env = {k: v for k, v in environ.items() if not k.startswith("INPUT_")}
    if platform == GITHUB:
        for setting in SETTINGS:
            value = environ.get("INPUT_" + setting.id.upper(), "").strip()
            if setting.env and value:
                env[setting.env] = value
    return env


def find_cli() -> str:
    found = shutil.which("catalint")
    if found:
        return found
    beside = Path(sys.executable).with_name("catalint")
    if beside.is_file():
        return str(beside)
    raise EntrypointError("the catalint command is not installed in this image")


def run(command: list[str], env: dict[str, str], cwd: Path | None) -> int:
    """Run the CLI with our stdio, forwarding SIGTERM/SIGINT (we are PID 1 in the container)."""
    children: list[subprocess.Popen[bytes]] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        if not children:
            raise SystemExit(128 + signum)
        children[0].send_signal(signum)

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, forward)
    children.append(subprocess.Popen(command, env=env, cwd=cwd))
    code = children[0].wait()
    return 128 - code if code < 0 else code


def fail(platform: str, message: str) -> int:
    if platform == GITHUB:
        print(f"::error title=catalint::{escape_data(message)}", flush=True)
    print(f"catalint: {message}", file=sys.stderr, flush=True)
    return 2


def main(args: list[str], environ: Mapping[str, str]) -> int:
    platform = detect_platform(environ)
    if platform == GITHUB:
        # First thing on stdout, so no secret can be printed before the runner knows to redact it.
        masks = mask_lines(environ)
        if masks:
            sys.stdout.write("".join(line + "\n" for line in masks))
            sys.stdout.flush()
    cwd = workspace_dir(environ, platform)
    if cwd is not None:
        trust_workspace(cwd)

    src = Source(environ, platform)
    passthrough = args[1:] if args[:1] == ["catalint"] else list(args)
    try:
        argv = passthrough or build_argv(src)
        cli = find_cli()
    except EntrypointError as err:
        return fail(platform, str(err))

    shown = shlex.join(["catalint", *argv])
    if platform == GITHUB:
        print(f"::debug::{escape_data(shown)}", flush=True)
    elif debugging(src):
        print(f"+ {shown}", file=sys.stderr, flush=True)

    # The CLI itself writes every step output (counts, report files, check-run) once, to GITHUB_OUTPUT.
    return run([cli, *argv], child_environment(environ, platform), cwd)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ))
