"""What a sync run did (or, with --dry-run, would do): text, JSON and a GitHub step summary."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from catalint.redact import redact_url
from catalint.report.markdown import cell
from catalint.report.text import line_safe, printable
from catalint.words import counted

KINDS = ("added", "refreshed", "removed", "rejected", "skipped")


@dataclass(frozen=True)
class Action:
    kind: str  # one of KINDS
    target: str
    reason: str = ""
    entity_ref: str | None = None

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.kind, "target": self.target}
        if self.reason:
            out["reason"] = self.reason
        if self.entity_ref:
            out["entity_ref"] = self.entity_ref
        return out


@dataclass
class SyncReport:
    mode: str  # "file" or "backstage"
    destination: str  # a path or a Backstage URL (never a token)
    dry_run: bool = False
    discovered: int = 0
    complete: bool = True
    discovery_errors: list[str] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changed: bool = False  # file mode: the file's bytes changed (or would)
    diff: str = ""  # file mode with --dry-run

    def add(self, kind: str, target: str, reason: str = "", entity_ref: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown action kind {kind!r}")
        self.actions.append(Action(kind, target, reason, entity_ref))

    def targets(self, kind: str) -> list[str]:
        return [a.target for a in self.actions if a.kind == kind]

    def counts(self) -> dict[str, int]:
        return {kind: len(self.targets(kind)) for kind in KINDS}

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(redact_url(json.dumps(self._json())))  # no URL's password, anywhere
        return data

    def _json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "destination": self.destination,
            "dry_run": self.dry_run,
            "discovery": {
                "urls": self.discovered,
                "complete": self.complete,
                "errors": list(self.discovery_errors),
            },
            "changed": self.changed,
            "counts": self.counts(),
            "actions": [a.to_json() for a in self.actions],
            "notes": list(self.notes),
            **({"diff": self.diff} if self.diff else {}),
        }

    def render_json(self) -> str:
        return json.dumps(self.to_json(), indent=2, sort_keys=False) + "\n"

    def _headline(self, show: Callable[[str], str]) -> str:
        counts = self.counts()
        summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
        would = " (dry run: nothing changed)" if self.dry_run else ""
        return f"catalint sync -> {self.mode} {show(self.destination)}: {summary}{would}"

    def render_text(self) -> str:
        # Every value may come from Bitbucket or Backstage: one line each, controls escaped
        # (the nightly job's log must not grow `::error` or `::add-mask` lines).
        lines = [self._headline(printable)]
        state = "complete" if self.complete else "INCOMPLETE"
        errors = len(self.discovery_errors)
        lines.append(f"discovery: {counted(self.discovered, 'descriptor')}, {state}, {counted(errors, 'error')}")
        lines.extend(f"  discovery error: {printable(e)}" for e in self.discovery_errors)
        for action in self.actions:
            why = f"  ({printable(action.reason)})" if action.reason else ""
            lines.append(f"  {action.kind:<9} {printable(action.target)}{why}")
        lines.extend(f"note: {printable(n)}" for n in self.notes)
        if self.diff:
            lines.extend(line_safe(line) for line in self.diff.rstrip("\n").split("\n"))
        return "\n".join(lines) + "\n"

    def render_markdown(self) -> str:
        lines = [f"### {self._headline(cell)}", ""]
        if not self.complete or self.discovery_errors:
            lines.append(
                f"**Discovery incomplete or failing** ({counted(len(self.discovery_errors), 'error')}); "
                "entries no longer discovered were kept."
            )
            lines.append("")
        if self.actions:
            lines += ["| action | target | why |", "|---|---|---|"]
            for a in self.actions:
                lines.append(f"| {a.kind} | {cell(a.target)} | {cell(a.reason)} |")
            lines.append("")
        lines.extend(f"- {cell(n)}" for n in self.notes)
        return "\n".join(lines).rstrip("\n") + "\n\n"


def append_step_summary(report: SyncReport, env: Mapping[str, str] | None = None) -> Path | None:
    """Append the Markdown summary to ``$GITHUB_STEP_SUMMARY`` when that is set."""
    target = (env if env is not None else os.environ).get("GITHUB_STEP_SUMMARY")
    if not target:
        return None
    path = Path(target)
    with path.open("a", encoding="utf-8") as fh:
        fh.write(report.render_markdown())
    return path
