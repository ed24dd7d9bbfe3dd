"""The documentation site: generated rule pages in sync with the registry, a strict MkDocs build with the
TechDocs plugin, and a page behind every SARIF helpUri."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

from catalint.model import RunResult
from catalint.report import rule_docs
from catalint.report.sarif import SarifReporter
from catalint.rules import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


def test_committed_rule_pages_match_the_registry() -> None:
    wanted = rule_docs.pages()
    committed = {f"rules/{p.name}": p.read_text(encoding="utf-8") for p in (DOCS / "rules").glob("*.md")}
    stale = sorted(set(committed) - set(wanted))
    missing = sorted(set(wanted) - set(committed))
    drifted = sorted(p for p in set(wanted) & set(committed) if wanted[p] != committed[p])
    hint = "run `python -m catalint.report.rule_docs docs` and commit the result"
    assert (stale, missing, drifted) == ([], [], []), hint
    assert set(wanted) == {"rules/index.md"} | {f"rules/{rule_id}.md" for rule_id in REGISTRY}


def test_the_generator_notices_drift(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    shutil.copytree(DOCS, docs)
    assert rule_docs.write(docs) == []  # already in sync
    (docs / "rules" / "owner-kind.md").write_text("edited by hand\n", encoding="utf-8")
    (docs / "rules" / "retired-rule.md").write_text(rule_docs.GENERATED + "\n# retired-rule\n", encoding="utf-8")
    assert sorted(rule_docs.write(docs)) == ["rules/owner-kind.md", "rules/retired-rule.md"]
    assert not (docs / "rules" / "retired-rule.md").exists()


def test_mkdocs_config_is_techdocs_compatible() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    assert "techdocs-core" in config["plugins"]
    assert config["docs_dir"] == "docs" and config["site_url"] == rule_docs.DOCS_URL
    pages = [next(iter(item.values())) for item in config["nav"]]
    assert all((DOCS / page).is_file() for page in pages), pages
    assert {"configuration.md", "ci.md", "exit-codes.md", "rules/index.md"} <= set(pages)
    techdocs = (DOCS / "techdocs.md").read_text(encoding="utf-8")
    assert "backstage.io/techdocs-ref: dir:." in techdocs


def _build(source: Path, site: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(source / "mkdocs.yml"), "-d", str(site)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_strict_build_has_a_page_behind_every_help_uri(tmp_path: Path) -> None:
    site = tmp_path / "site"
    proc = _build(ROOT, site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    driver = json.loads(SarifReporter().render(RunResult()))
    for rule in driver["runs"][0]["tool"]["driver"]["rules"]:
        uri = rule["helpUri"]
        if uri.startswith(rule_docs.DOCS_URL):
            page = urlsplit(uri).path.removeprefix(urlsplit(rule_docs.DOCS_URL).path)
            assert (site / page / "index.html").is_file(), uri


def test_strict_build_fails_on_a_broken_link(tmp_path: Path) -> None:
    source = tmp_path / "project"
    shutil.copytree(DOCS, source / "docs")
    shutil.copy2(ROOT / "mkdocs.yml", source / "mkdocs.yml")
    with (source / "docs" / "exit-codes.md").open("a", encoding="utf-8") as handle:
        handle.write("\nSee [nowhere](no-such-page.md).\n")
    proc = _build(source, tmp_path / "site")
    assert proc.returncode != 0
    assert "no-such-page.md" in proc.stdout + proc.stderr
