#!/usr/bin/env python3
"""Render pipe/README.md, the pipe's README in Atlassian's layout, from pipe.yml.

The YAML definition and the variables table come from pipe.yml, so they cannot drift from it (a test
compares the committed README with this rendering). Run after changing pipe.yml or the prose below:

    python pipe/render_readme.py
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "pipe" / "README.md"

DETAILS = """\
catalint lints Backstage catalog descriptors (`catalog-info.yaml`, Location targets and `include:` files)
with the verdict Backstage's catalog gives, checks that the Bitbucket URLs they name resolve, and reports
every finding on its exact line.

In a pull-request pipeline it posts a **Code Insights** report on the commit (PASSED or FAILED, the counts,
and up to 1,000 annotations, errors first) through the Pipelines auth proxy, so no credential is needed for
the report itself. With `FILTER_MODE` it reports only what the pull request changed, while still resolving
references against the whole catalog. `JUNIT_FILE: test-results/catalint.xml` makes the findings appear in
the Tests tab. `COMMAND: discover` lists every descriptor of a workspace; `COMMAND: sync` keeps a Location
file or a running Backstage in line with them: `SYNC_TARGET` picks `catalint sync file PATH` or
`catalint sync backstage`, and `EXTRA_ARGS` takes that subcommand's options (e.g. `--prune`).

The step fails when a finding is at or above `FAIL_ON` (exit 1); a usage, configuration or credential
problem exits 2 with one line that says what to fix. Secrets never appear in the log."""

PREREQUISITES = """\
* A Bitbucket Cloud repository with Pipelines enabled. For `FILTER_MODE`, clone the full history
  (`clone: {depth: full}`), so the destination branch can be compared.
* To check Bitbucket URLs in other repositories, or for `discover` and `sync`: `BITBUCKET_USERNAME` and an
  API token in `BITBUCKET_TOKEN` (or a workspace access token alone), as secured repository or workspace
  variables.
* For `SYNC_TARGET: backstage`: the backend's URL in `BACKSTAGE_URL` and a token in `BACKSTAGE_TOKEN`."""

EXAMPLES = """\
Lint the descriptors a pull request changes, with a Code Insights report and a JUnit report:

```yaml
pipelines:
  pull-requests:
    "**":
      - step:
          name: Lint catalog descriptors
          clone:
            depth: full
          script:
            - pipe: docker://{image}
              variables:
                FILTER_MODE: added
                JUNIT_FILE: test-results/catalint.xml
```

Lint two folders and fail on warnings too:

```yaml
script:
  - pipe: docker://{image}
    variables:
      PATHS: ["catalog/", "services/"]
      FAIL_ON: warning
```

Every night, register the workspace's valid descriptors in Backstage:

```yaml
script:
  - pipe: docker://{image}
    variables:
      COMMAND: sync
      SYNC_TARGET: backstage
      BITBUCKET_USERNAME: $BITBUCKET_USERNAME
      BITBUCKET_TOKEN: $BITBUCKET_TOKEN
      BACKSTAGE_URL: https://backstage.example.com
      BACKSTAGE_TOKEN: $BACKSTAGE_TOKEN
```

More: `examples/bitbucket-pipelines.yml` in the repository."""

SUPPORT = """\
Report a problem or ask for a feature in the issue tracker: {repository}/issues. Include the pipe's version,
the variables you set (never the values of secured ones) and the log with `DEBUG: "true"`.
Documentation: https://catalint.github.io/catalint/."""


def _placeholder(variable: dict[str, Any]) -> str:
    default = str(variable.get("default", ""))
    kind = "'<string>'" if not default else f"'{default}'"
    return f"    # {variable['name']}: {kind} # Optional."


def _usage(variable: dict[str, Any]) -> str:
    text = " ".join(str(variable["description"]).split()).replace("|", "\\|")
    default = str(variable.get("default", ""))
    if default:
        text += f" Default: `{default}`."
    if variable.get("secret"):
        text += " Use a secured variable."
    return text


def render(pipe: dict[str, Any]) -> str:
    variables: list[dict[str, Any]] = pipe["variables"]
    image = pipe["image"]
    lines = [
        f"# Bitbucket Pipelines Pipe: {pipe['name']}",
        "",
        " ".join(str(pipe["description"]).split()),
        "",
        "<!-- Generated from pipe.yml by pipe/render_readme.py; edit those, then run it. -->",
        "",
        "## YAML Definition",
        "",
        "Add the following snippet to the script section of your `bitbucket-pipelines.yml` file:",
        "",
        "```yaml",
        f"- pipe: docker://{image}",
        "  variables:",
        *(_placeholder(v) for v in variables),
        "```",
        "",
        "## Variables",
        "",
        "| Variable | Usage |",
        "| --- | --- |",
        *(f"| {v['name']} | {_usage(v)} |" for v in variables),
        "",
        "_(*) = required variable._ No variable is required: with none, the pipe lints the clone.",
        "",
        "A list variable can be given as a YAML list (it reaches the pipe as `NAME_COUNT`, `NAME_0`, ...) or as",
        "one space-separated string.",
        "",
        "## Details",
        "",
        DETAILS,
        "",
        "## Prerequisites",
        "",
        PREREQUISITES,
        "",
        "## Examples",
        "",
        EXAMPLES.replace("{image}", image),
        "",
        "## Support",
        "",
        SUPPORT.replace("{repository}", str(pipe["repository"])),
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    pipe = yaml.safe_load((ROOT / "pipe.yml").read_text(encoding="utf-8"))
    README.write_text(render(pipe), encoding="utf-8")
    print(f"wrote {README.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
