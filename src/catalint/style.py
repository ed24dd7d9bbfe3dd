"""yamllint's style rules, run on text we have already read and parsed.

`yamllint.linter.run` re-parses each file with the pure-Python parser to find syntax errors,
which we already know from libyaml; we call its cosmetic pass alone, which is most of the cost
left, and map its problems to `yamllint/<rule>` findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from yamllint.config import YamlLintConfig, YamlLintConfigError
from yamllint.linter import get_cosmetic_problems

# (rule, level, message, line, column)
StyleProblem = tuple[str, str, str, int, int]


def check_config(text: str) -> str | None:
    try:
        YamlLintConfig(content=text)
    except YamlLintConfigError as err:
        return str(err).removeprefix("invalid config: ")
    return None


@cache
def _config(text: str) -> YamlLintConfig:
    return YamlLintConfig(content=text)


def run(config_text: str, text: str, filepath: str) -> Iterator[StyleProblem]:
    conf = _config(config_text)
    if conf.is_file_ignored(filepath):
        return
    for problem in get_cosmetic_problems(text, conf, filepath):
        if problem.rule is None:
            continue
        yield problem.rule, problem.level or "warning", problem.desc, problem.line, problem.column
