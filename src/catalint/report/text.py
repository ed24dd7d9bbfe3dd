"""`path:line:col: severity [rule] message`, one finding a line, coloured on a terminal."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from catalint.model import RunResult, Severity
from catalint.redact import redact_url
from catalint.words import counted

# Line breaks would start a line of their own (which CI runners read as `::error ...` commands);
# other controls, C1 codes and bidirectional overrides would rewrite what a reader sees.
_UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` on one line and as written: controls shown as escapes (`\\n`, `\\x1b`), tabs kept,
    and no URL's password (`user:pw@` shows as `***@`)."""
    return _UNPRINTABLE.sub(_escape, redact_url(text))


def _escape(match: re.Match[str]) -> str:
    ch = match.group()
    named = {"\n": "\\n", "\r": "\\r"}.get(ch)
    if named:
        return named
    return f"\\x{ord(ch):02x}" if ord(ch) < 0x100 else f"\\u{ord(ch):04x}"


def line_safe(text: str) -> str:
    """`printable`, and never starting with `::` (a runner's workflow command)."""
    text = printable(text)
    return "./" + text if text.startswith("::") else text

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_DIM, _RESET = "\033[2m", "\033[0m"


@dataclass(slots=True)
class TextReporter:
    colour: bool = False
    name: str = "text"

    def render(self, result: RunResult) -> str:
        pieces: list[str] = []
        self.stream(result, pieces.append)
        return "".join(pieces)

    def stream(self, result: RunResult, write: Callable[[str], object]) -> None:
        """`render`'s text, written a thousand lines at a time: the whole report of a large
        catalog (140,000 findings at 30,000 files) and its lines held at once were its run's peak."""
        lines = []
        for f in result.findings:
            severity = f.severity.label
            rule = f"[{printable(f.rule)}]"  # escaped before colouring: the colour codes are ours
            where = f"{line_safe(f.path)}:{f.span.line}:{f.span.column}:"
            if self.colour:
                severity = f"{_COLOURS[f.severity]}{severity}{_RESET}"
                rule = f"{_DIM}{rule}{_RESET}"
            lines.append(f"{where} {severity} {rule} {printable(f.message)}\n")
            if len(lines) == _LINES_AT_ONCE:
                write("".join(lines))
                lines = []
        invalid = sum(1 for d in result.documents if not d.valid)
        summary = (
            f"{counted(result.files, 'file')}, {counted(len(result.documents), 'document')} "
            f"({invalid} rejected by Backstage): {result.tally()}"
        )
        lines.append(summary + "\n")
        write("".join(lines))


_LINES_AT_ONCE = 1000
