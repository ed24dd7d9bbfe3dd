"""yamllint's style rules, run on text we have already read and parsed.

`yamllint.linter.run` re-parses each file with the pure-Python parser to find syntax errors,
which we already know from libyaml; we call its cosmetic pass alone and map its problems to
`yamllint/<rule>` findings.

That pass still tokenizes with PyYAML's pure-Python scanner, which is most of yamllint's cost.
yamllint's parser asks `yaml.BaseLoader(buffer)` for nothing but `get_token`, `peek_token` and
`check_token`, and reads marks' `buffer`/`pointer` to find comments and spacing; `CTokens`
offers exactly that interface on libyaml's scanner. yamllint keeps all of its own logic, and a
test checks that both scanners give the same problems on every real and generated file.
"""

from __future__ import annotations

import types
from collections.abc import Iterator
from functools import cache
from typing import Any

import yaml
import yamllint.parser
from yamllint.config import YamlLintConfig, YamlLintConfigError
from yamllint.linter import get_cosmetic_problems

# (rule, level, message, line, column)
StyleProblem = tuple[str, str, str, int, int]

_CScanner: Any
try:
    from yaml._yaml import CParser as _CScanner
except ImportError:  # pragma: no cover - the wheels ship libyaml
    _CScanner = None


class CTokens:
    """libyaml's token stream with the marks yamllint expects (a buffer and a pointer into it)."""

    def __init__(self, buffer: str) -> None:
        assert _CScanner is not None
        self._scanner = _CScanner(buffer)
        # PyYAML's reader ends its buffer with NUL, and yamllint relies on finding it there.
        self._buffer = buffer + "\0"

    def _mark(self, mark: Any) -> yaml.Mark:
        return yaml.Mark(mark.name, mark.index, mark.line, mark.column, self._buffer, mark.index)  # type: ignore[arg-type]

    def _fix(self, token: Any) -> Any:
        # A peeked token comes back from get_token too; its marks are then already ours.
        if token is not None and not isinstance(token.start_mark, yaml.Mark):
            token.start_mark = self._mark(token.start_mark)
            token.end_mark = self._mark(token.end_mark)
            if getattr(token, "style", None) == "":
                token.style = None  # PyYAML's scanner marks plain scalars with None, libyaml with ""
        return token

    def get_token(self) -> Any:
        return self._fix(self._scanner.get_token())

    def peek_token(self) -> Any:
        return self._fix(self._scanner.peek_token())

    def check_token(self, *choices: Any) -> bool:
        return bool(self._scanner.check_token(*choices))


_PURE_YAML = yamllint.parser.yaml
_FAST_YAML = types.SimpleNamespace(**{**vars(yaml), "BaseLoader": CTokens})


def use_c_scanner(enabled: bool) -> None:
    """Point yamllint's parser at libyaml's scanner (the default) or back at PyYAML's."""
    yamllint.parser.yaml = _FAST_YAML if enabled and _CScanner is not None else _PURE_YAML  # type: ignore[attr-defined]


use_c_scanner(True)


def check_config(text: str) -> str | None:
    """Why yamllint cannot use this config, or None. `extends` reads other files, so anything
    from a missing file to a broken preset can go wrong; all of it is a configuration problem."""
    try:
        YamlLintConfig(content=text)
    except YamlLintConfigError as err:
        return " ".join(str(err).removeprefix("invalid config: ").split())
    except (OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as err:
        detail = " ".join(str(err).split()) or type(err).__name__
        return f"invalid config: {detail}"
    return None


@cache
def _config(text: str) -> YamlLintConfig:
    return YamlLintConfig(content=text)


def run(config_text: str, text: str, filepath: str) -> Iterator[StyleProblem]:
    conf = _config(config_text)
    if conf.is_file_ignored(filepath):
        return
    try:
        for problem in get_cosmetic_problems(text, conf, filepath):
            if problem.rule is None:
                continue
            yield problem.rule, problem.level or "warning", problem.desc, problem.line, problem.column
    except yaml.YAMLError:
        # Text the YAML reader refuses (control characters and the like) is already a
        # yaml-syntax finding; style stops where reading stops.
        return
