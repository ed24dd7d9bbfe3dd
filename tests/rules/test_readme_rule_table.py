"""The README's rule table is the registry: every rule, its default severity, nothing else."""

from __future__ import annotations

import re
from pathlib import Path

from catalint.rules import REGISTRY

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<id>[a-z0-9-]+)` \| (?P<severity>error|warning|info)(?P<backstage> \(Backstage\))? \|")


def test_the_readme_lists_every_rule_with_its_severity() -> None:
    rows = {m["id"]: m for m in map(ROW.match, README.read_text(encoding="utf-8").splitlines()) if m}
    assert sorted(rows) == sorted(REGISTRY)
    for rule_id, row in rows.items():
        rule = REGISTRY[rule_id]
        assert row["severity"] == rule.severity.label, rule_id
        assert bool(row["backstage"]) == rule.backstage, rule_id
