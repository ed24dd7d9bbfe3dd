"""yamllint's style rules, run on text we have already read and parsed.

`yamllint.linter.run` re-parses each file with the pure-Python parser to find syntax errors,
which we already know from libyaml; we call its cosmetic pass alone and map its problems to
`yamllint/<rule>` findings.

That pass tokenizes with PyYAML's pure-Python scanner, which is most of yamllint's cost.
yamllint's parser asks `yaml.BaseLoader(buffer)` for nothing but `get_token`, `peek_token` and
`check_token`, and reads marks' `buffer`/`pointer` to find comments and spacing; `CTokens`
offers exactly that interface on libyaml's scanner.

The next largest cost is yamllint's driver calling every enabled rule on every token and every
line, although most rules can only act on a few token types or on a few lines (a long one, one
ending in whitespace...). `_Pass` drives the same rule functions, in the same order, over the
same tokens, comments and lines, but skips the calls that provably do nothing (see the tables
below). It hands files with `# yamllint` directives to yamllint's own driver. Tests check that
both scanners, and both drivers, give the same problems on every real, fuzzed and generated file
under several configurations.
"""

from __future__ import annotations

import string
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from functools import cache
from itertools import accumulate
from typing import Any

import yaml
import yamllint
import yamllint.parser
from yamllint.config import YamlLintConfig, YamlLintConfigError
from yamllint.linter import LintProblem, get_cosmetic_problems
from yamllint.parser import Line, comments_between_tokens

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
_fast_pass = True


def use_c_scanner(enabled: bool) -> None:
    """Point yamllint's parser at libyaml's scanner (the default) or back at PyYAML's."""
    yamllint.parser.yaml = _FAST_YAML if enabled and _CScanner is not None else _PURE_YAML  # type: ignore[attr-defined]


def use_fast_pass(enabled: bool) -> None:
    """Drive yamllint's rules with `_Pass` (the default, on libyaml's scanner only) or with
    yamllint's own driver (the tests compare the two)."""
    global _fast_pass
    _fast_pass = enabled


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


def rule_level(config_text: str, rule: str) -> str | None:
    """The `level:` the yamllint config gives `rule` ("error" or "warning"), or None when the rule is
    off or unknown (or the config unusable: the run refused it already)."""
    try:
        conf = _config(config_text).rules.get(rule)
    except (YamlLintConfigError, OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError):
        return None
    level = conf.get("level") if isinstance(conf, dict) else None
    return level if level in ("error", "warning") else None


def run(config_text: str, text: str, filepath: str) -> Iterator[StyleProblem]:
    conf = _config(config_text)
    if conf.is_file_ignored(filepath):
        return
    if _fast_pass_applies(text):
        flushed: list[LintProblem] = []
        failure: Exception | None = None
        try:
            # yamllint's own driver finds the rules itself: asked here only for the fast pass.
            _Pass(_plan(config_text, tuple(conf.enabled_rules(filepath))), text, flushed).run()
        except Exception as err:  # re-raised below, after what was reported before it
            failure = err
        problems: Iterable[LintProblem] = flushed
    else:
        failure, problems = None, get_cosmetic_problems(text, conf, filepath)
    try:
        for problem in problems:
            if problem.rule is None:
                continue
            yield problem.rule, problem.level or "warning", problem.desc, problem.line, problem.column
        if failure is not None:
            raise failure
    except yaml.YAMLError:
        # Text the YAML reader refuses (control characters and the like) is already a
        # yaml-syntax finding; style stops where reading stops.
        return


# --- The fast pass ---------------------------------------------------------------------------
#
# What yamllint's `get_cosmetic_problems` does, minus `# yamllint disable` directives: it merges
# tokens (each with its previous, next and next-but-one), the comments between them, and lines,
# in order of line number; it calls each token rule on each token, each comment rule on each
# comment and each line rule on each line, in the config's rule order; and it reports the
# problems found so far whenever it has handled a line (so what comes after the last line,
# counted by "\n", is never reported, and nothing found after an exception is). `_Pass` keeps
# all of that, and leaves out only calls that can neither report nor change any state.

# The yamllint release the tables below were read from: another one may change what a rule
# looks at, so it gets yamllint's own driver (the same problems, only slower).
_VERIFIED_YAMLLINT = "1.38.0"

# Token rules whose `check` reports and changes its context only on these token types (read
# from each rule's source: every branch starts with an isinstance test on the token). Rules
# not named here (indentation, key-duplicates, document-start...) see every token.
_TOKEN_TYPES: dict[str, tuple[type, ...]] = {
    "braces": (yaml.FlowMappingStartToken, yaml.FlowMappingEndToken),
    "brackets": (yaml.FlowSequenceStartToken, yaml.FlowSequenceEndToken),
    "colons": (yaml.ValueToken, yaml.KeyToken),
    "commas": (yaml.FlowEntryToken,),
    "hyphens": (yaml.BlockEntryToken,),
    "empty-values": (yaml.ValueToken, yaml.BlockEntryToken),
    "float-values": (yaml.ScalarToken,),
    "octal-values": (yaml.ScalarToken,),
    # It also keeps a %YAML directive's version and forgets it at "...".
    "truthy": (yaml.ScalarToken, yaml.DirectiveToken, yaml.DocumentEndToken),
}

_WHITESPACE = frozenset(string.whitespace)
LineGate = Callable[[dict[str, Any], str, list[str]], Sequence[int]]


def _long_lines(conf: dict[str, Any], text: str, pieces: list[str]) -> Sequence[int]:
    # line-length does nothing on a line of at most `max` characters (not even the rewrite of
    # its options it makes on a long one); a piece still holding its "\r" is one longer.
    limit = conf["max"]
    if len(text) <= limit:
        return ()
    return [i for i, piece in enumerate(pieces) if len(piece) > limit]


def _lines_ending_in_whitespace(conf: dict[str, Any], text: str, pieces: list[str]) -> Sequence[int]:
    # trailing-spaces reports only a non-empty line whose last character is whitespace.
    return [i for i, piece in enumerate(pieces) if piece and piece[-1] in _WHITESPACE]


def _blank_lines(conf: dict[str, Any], text: str, pieces: list[str]) -> Sequence[int]:
    # empty-lines reports only at an empty line that is not the last one (which ends the text).
    if "\n\n" not in text and "\n\r\n" not in text and not text.startswith(("\n", "\r\n")):
        return ()
    return [i for i, piece in enumerate(pieces) if piece in ("", "\r")]


def _first_line(conf: dict[str, Any], text: str, pieces: list[str]) -> Sequence[int]:
    return (0,)  # new-lines looks only at the line that starts the text


def _last_line(conf: dict[str, Any], text: str, pieces: list[str]) -> Sequence[int]:
    return (len(pieces) - 1,)  # new-line-at-end-of-file looks only at the line that ends it


# Line rules: the lines (0-based, a superset) on which each can report. Others see every line.
_LINE_GATES: dict[str, LineGate] = {
    "line-length": _long_lines,
    "trailing-spaces": _lines_ending_in_whitespace,
    "empty-lines": _blank_lines,
    "new-lines": _first_line,
    "new-line-at-end-of-file": _last_line,
}


def _every_line(conf: dict[str, Any], text: str, pieces: list[str]) -> Sequence[int]:
    return range(len(pieces))


def _fast_pass_applies(text: str) -> bool:
    return (
        _fast_pass
        and yamllint.parser.yaml is _FAST_YAML  # type: ignore[attr-defined]
        and yamllint.__version__ == _VERIFIED_YAMLLINT
        # Directives are comments starting "# yamllint"; without the word there are none.
        and "yamllint" not in text
    )


# (check, rule options, rule id) of one rule
Call = tuple[Callable[..., Iterator[LintProblem]], dict[str, Any], str]


class _Plan:
    """Which rules to call on which token type and which lines, for one set of enabled rules."""

    def __init__(self, conf: YamlLintConfig, rules: tuple[Any, ...]) -> None:
        self.token_rules = [r for r in rules if r.TYPE == "token"]
        self.comment_calls = [(r.check, conf.rules[r.ID], r.ID) for r in rules if r.TYPE == "comment"]
        self.line_calls = [(r.check, conf.rules[r.ID], r.ID) for r in rules if r.TYPE == "line"]
        self._conf = conf
        # by whether the text can hold anchors or aliases: the token type's calls
        self._tables: dict[bool, dict[type, tuple[Call, ...]]] = {False: {}, True: {}}

    def table(self, anchors: bool) -> dict[type, tuple[Call, ...]]:
        """The calls worked out so far, by token type (`calls` adds to it)."""
        return self._tables[anchors]

    def calls(self, kind: type, anchors: bool) -> tuple[Call, ...]:
        table = self._tables[anchors]
        found = table.get(kind)
        if found is None:
            found = table[kind] = tuple(
                (r.check, self._conf.rules[r.ID], r.ID) for r in self.token_rules if self._acts_on(r.ID, kind, anchors)
            )
        return found

    @staticmethod
    def _acts_on(rule: str, kind: type, anchors: bool) -> bool:
        if rule == "anchors":
            # It reports an alias, an anchor, or at a document's end the anchors it recorded;
            # a text without "&" and "*" has neither, and then it only resets empty records.
            return anchors
        wanted = _TOKEN_TYPES.get(rule)
        return wanted is None or issubclass(kind, wanted)

    def lines(self, text: str, pieces: list[str]) -> list[tuple[int, list[Call]]]:
        """The lines (0-based) some line rule must see, in order, each with its rules in order."""
        wanted: dict[int, list[Call]] = {}
        for call in self.line_calls:
            gate = _LINE_GATES.get(call[2], _every_line)
            for index in gate(call[1], text, pieces):
                wanted.setdefault(index, []).append(call)
        return sorted(wanted.items())


@cache
def _plan(config_text: str, rules: tuple[Any, ...]) -> _Plan:
    return _Plan(_config(config_text), rules)


_NAME = "<unicode string>"  # what libyaml names a str it scans (yamllint never reads it)


def _scan(text: str) -> tuple[list[Any], Exception | None]:
    """All of libyaml's tokens for `text` with yamllint's marks, and the error that ended them.

    Scanning ahead does not change what libyaml reports: yamllint's driver asks for tokens in
    the same order, one scan each, and would meet the same error at the same token."""
    buffer = text + "\0"  # PyYAML's reader ends its buffer with NUL, and yamllint reads it there
    # Tokens that start or end at the same place share one mark: nothing compares marks by
    # identity or changes them. The place is more than the offset: at the end of a text without
    # a final line break, libyaml moves its position to the next line at the same offset.
    marks: dict[int, yaml.Mark] = {}
    tokens: list[Any] = []

    def share(raw: Any) -> yaml.Mark:
        # Reading a libyaml mark's fields is the costly part, so each is read once.
        index, line, column = raw.index, raw.line, raw.column
        mark = marks.get(index)
        if mark is None or mark.line != line or mark.column != column:
            mark = marks[index] = yaml.Mark(_NAME, index, line, column, buffer, index)  # type: ignore[arg-type]
        return mark

    try:
        get_token = _CScanner(text).get_token
        while (token := get_token()) is not None:
            token.start_mark = share(token.start_mark)
            token.end_mark = share(token.end_mark)
            if getattr(token, "style", None) == "":
                token.style = None  # PyYAML's scanner marks plain scalars with None, libyaml with ""
            tokens.append(token)
    except Exception as err:  # handed to the driver, which acts as yamllint would
        return tokens, err
    return tokens, None


class _Pass:
    """yamllint's cosmetic pass over one text, reporting into `out` (see the note above)."""

    def __init__(self, plan: _Plan, text: str, out: list[LintProblem]) -> None:
        self.plan = plan
        self.text = text
        self.out = out
        self.found: list[LintProblem] = []  # not reported until the driver handles a line
        self.pieces = text.split("\n")
        self.wanted = plan.lines(text, self.pieces)
        self.next_wanted = 0  # index into `wanted`
        self.next_line = 1  # the first line the driver has not handled yet
        self.starts: list[int] | None = None

    def run(self) -> None:
        tokens, error = _scan(self.text)
        # yamllint's driver hands a token over only once it has its next two (or the end).
        count = len(tokens) if error is None else max(len(tokens) - 2, 0)
        anchors = "&" in self.text or "*" in self.text
        comments = "#" in self.text
        contexts: dict[str, dict[str, Any]] = {r.ID: {} for r in self.plan.token_rules}
        table = self.plan.table(anchors)
        found = self.found
        following = [*tokens[1:], None, None]  # each token's next, then its next-but-one
        prev = None
        for i in range(count):
            token = tokens[i]
            after = following[i]
            if token.start_mark.line >= self.next_line:  # a line to handle before this token
                self.reach(token.start_mark.line + 1)
            calls = table.get(type(token))
            if calls is None:
                calls = self.plan.calls(type(token), anchors)
            for check, conf, rule in calls:
                for problem in check(conf, token, prev, after, following[i + 1], contexts[rule]):
                    problem.rule, problem.level = rule, conf["level"]
                    found.append(problem)
            if comments and self._comment_between(token, after):
                self.comments(token, after)
            prev = token
        if error is not None and not isinstance(error, yaml.scanner.ScannerError):
            raise error  # yamllint's driver stops on a ScannerError only
        self.reach(len(self.pieces) + 1)

    def _comment_between(self, token: Any, after: Any) -> bool:
        end = after.start_mark.pointer if after is not None else len(self.text) + 1
        return self.text.find("#", token.end_mark.pointer, end) != -1

    def comments(self, token: Any, after: Any) -> None:
        for comment in comments_between_tokens(token, after):
            self.reach(comment.line_no)
            for check, conf, rule in self.plan.comment_calls:
                for problem in check(conf, comment):
                    problem.rule, problem.level = rule, conf["level"]
                    self.found.append(problem)

    def flush(self) -> None:
        self.out.extend(self.found)
        self.found.clear()

    def reach(self, line_no: int) -> None:
        """Handle the lines before `line_no`, as yamllint does before an element of that line;
        the lines no rule needs are only the reporting points between the others."""
        last = min(line_no, len(self.pieces) + 1) - 1
        if last < self.next_line:
            return
        wanted = self.wanted
        while self.next_wanted < len(wanted) and wanted[self.next_wanted][0] < last:
            index, calls = wanted[self.next_wanted]
            self.next_wanted += 1
            if index + 1 > self.next_line:
                self.flush()
            self.check_line(index, calls)
            self.flush()
            self.next_line = index + 2
        if self.next_line <= last:
            self.flush()
            self.next_line = last + 1

    def check_line(self, index: int, calls: list[Call]) -> None:
        line = self.line(index)
        for check, conf, rule in calls:
            for problem in check(conf, line):
                problem.rule, problem.level = rule, conf["level"]
                self.found.append(problem)

    def line(self, index: int) -> Line:
        piece = self.pieces[index]
        if index == len(self.pieces) - 1:
            return Line(index + 1, self.text, start=len(self.text) - len(piece), end=len(self.text))
        if self.starts is None:
            self.starts = [0, *accumulate(len(p) + 1 for p in self.pieces)]
        start = self.starts[index]
        return Line(index + 1, self.text, start=start, end=start + len(piece) - piece.endswith("\r"))
