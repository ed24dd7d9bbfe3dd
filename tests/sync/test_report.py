"""The sync report: every action (with why) in text, JSON and the GitHub job summary."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from catalint.sync.report import SyncReport, append_step_summary

URL = "https://bitbucket.org/acme/{}/src/main/catalog-info.yaml"


def _report() -> SyncReport:
    report = SyncReport("backstage", "http://backstage:7007", discovered=4, complete=False)
    report.discovery_errors.append("project PLAT: HTTP 429")
    report.add("added", URL.format("a"), "", "location:default/generated-1")
    report.add("refreshed", URL.format("b"), "content changed", "location:default/generated-2")
    report.add("removed", URL.format("c"), "no longer discovered")
    report.add("rejected", URL.format("d"), "Backstage rejects it: InputError: bad | name")
    report.add("skipped", URL.format("e"), "not removed: discovery was incomplete")
    report.notes.append("prune withheld for 1 location(s): discovery was incomplete")
    return report


def test_text_json_and_summary_carry_every_action_and_reason(tmp_path: Path) -> None:
    report = _report()
    text = report.render_text()
    assert text.startswith(
        "catalint sync -> backstage http://backstage:7007: 1 added, 1 refreshed, 1 removed, 1 rejected, 1 skipped\n"
    )
    assert "discovery: 4 descriptors, INCOMPLETE, 1 error" in text
    assert f"  removed   {URL.format('c')}  (no longer discovered)" in text
    assert "note: prune withheld" in text

    data = json.loads(report.render_json())
    assert data["counts"] == {"added": 1, "refreshed": 1, "removed": 1, "rejected": 1, "skipped": 1}
    assert data["actions"][1] == {
        "action": "refreshed",
        "target": URL.format("b"),
        "reason": "content changed",
        "entity_ref": "location:default/generated-2",
    }
    assert data["discovery"] == {"urls": 4, "complete": False, "errors": ["project PLAT: HTTP 429"]}

    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    assert append_step_summary(report, {"GITHUB_STEP_SUMMARY": str(summary)}) == summary
    md = summary.read_text()
    assert md.startswith("earlier step\n### catalint sync -> backstage")
    assert "**Discovery incomplete or failing** (1 error)" in md
    assert f"| rejected | {URL.format('d')} | Backstage rejects it: InputError: bad \\| name |" in md
    assert append_step_summary(report, {}) is None


def test_unknown_action_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown action kind"):
        SyncReport("file", "x.yaml").add("deleted", URL.format("a"))
