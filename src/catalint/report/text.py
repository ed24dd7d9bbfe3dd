"""`path:line:col: severity [rule] message`, one finding a line, coloured on a terminal."""

from __future__ import annotations

from dataclasses import dataclass

from catalint.model import RunResult, Severity

_COLOURS = {Severity.ERROR: "\033[31m", Severity.WARNING: "\033[33m", Severity.INFO: "\033[36m"}
_DIM, _RESET = "\033[2m", "\033[0m"


@dataclass(slots=True)
class TextReporter:
    colour: bool = False
    name: str = "text"

    def render(self, result: RunResult) -> str:
        lines = []
        for f in result.findings:
            severity = f.severity.label
            rule = f"[{f.rule}]"
            where = f"{f.path}:{f.span.line}:{f.span.column}:"
            if self.colour:
                severity = f"{_COLOURS[f.severity]}{severity}{_RESET}"
                rule = f"{_DIM}{rule}{_RESET}"
            lines.append(f"{where} {severity} {rule} {f.message}")
        invalid = sum(1 for d in result.documents if not d.valid)
        summary = (
            f"{result.files} file{'s' if result.files != 1 else ''}, {len(result.documents)} documents "
            f"({invalid} rejected by Backstage): {result.tally()}"
        )
        lines.append(summary)
        return "\n".join(lines) + "\n"
