"""Relation graphs: every Mermaid diagram made here is accepted by Mermaid's own parser, one is
drawn by Mermaid in headless Chromium with the expected number of nodes, and the DOT output is
accepted by Graphviz."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from catalint.model import DocumentSummary, Finding, Relation, RunResult, Severity, Span
from catalint.report import dot, graph, mermaid
from catalint.rules import breaks_references, unresolved_ref
from tests.ci.test_impact import _rename_and_remove, _repo
from tests.cli_run import RunCli
from tests.mermaid import tool

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HOSTILE = [
    'component:default/a"b',
    "component:default/x]-->y",
    "component:default/<script>alert(1)</script>",
    "component:default/%%{init: {}}%%",
    "component:default/```",
    "component:default/semi;colon#hash&amp",
    "component:default/end\nstyle n0 fill:red",
    "component:default/accents-éü-日本",
]


def _change(tmp_path: Path, run_cli: RunCli, *extra: str) -> tuple[Path, str, str]:
    root = tmp_path / "repo"
    _repo(root)
    _rename_and_remove(root)
    summary = tmp_path / "summary.md"
    args = ["lint", "--no-cache", "--offline", "--changed-since", "main", "--format", "text"]
    args += ["--output", f"mermaid:{tmp_path / 'change.mmd'}", "--output", f"dot:{tmp_path / 'change.dot'}", "--summary"]
    result = run_cli(*args, *extra, env={"GITHUB_STEP_SUMMARY": str(summary)}, cwd=root)
    assert result.exit_code == 1, result.output
    return tmp_path, summary.read_text(encoding="utf-8"), result.stderr


def _hostile_result() -> RunResult:
    result = RunResult(files=1)
    result.documents = [DocumentSummary("a.yaml", 0, 1, "Component", "component:default/a", True)]
    result.relations = [Relation("component:default/a", "dependsOn", target, "a.yaml", 9) for target in HOSTILE]
    result.relations.append(Relation(HOSTILE[0], "owner", "component:default/a", "b.yaml", 3))
    result.findings = [
        Finding(breaks_references.ID, Severity.ERROR, f"{HOSTILE[1]} is removed, but: x", "a.yaml", Span.point(1), 0, HOSTILE[1])
    ]
    return result


def _many(count: int) -> RunResult:
    result = RunResult(files=1)
    for i in range(count):
        key = f"component:default/c{i:03d}"
        result.documents.append(DocumentSummary("a.yaml", i, 1, "Component", key, True))
        result.relations.append(Relation(key, "system", f"system:default/s{i % 7}", "a.yaml", i))
        result.relations.append(Relation(key, "dependsOn", "component:default/c000", "a.yaml", i))
    for s in range(7):
        result.relations.append(Relation(f"system:default/s{s}", "domain", f"domain:default/d{s % 2}", "a.yaml", 1))
    result.findings.append(
        Finding(unresolved_ref.ID, Severity.WARNING, "x", "a.yaml", Span.point(1), 0, "component:default/c004")
    )
    return result


def _diagrams(tmp_path: Path, run_cli: RunCli) -> dict[str, str]:
    base, summary, _ = _change(tmp_path, run_cli)
    fenced = re.search(r"```mermaid\n(.*?)\n```", summary, re.S)
    assert fenced is not None
    many = _many(150)
    return {
        "change (file)": (base / "change.mmd").read_text(encoding="utf-8"),
        "change (job summary)": fenced.group(1),
        "hostile names": mermaid.render_graph(graph.build(_hostile_result(), frozenset({"component:default/a"}))),
        "bounded change": mermaid.render_graph(graph.build(many, frozenset({"component:default/c000"}), 12)),
        "overview": mermaid.render_graph(graph.build(many, None, 60)),
        "bounded overview": mermaid.render_graph(graph.build(many, None, 4)),
        "empty": mermaid.render_graph(graph.build(RunResult(), None)),
    }


def test_every_diagram_is_accepted_by_mermaids_parser(tmp_path: Path, run_cli: RunCli) -> None:
    diagrams = _diagrams(tmp_path, run_cli)
    verdicts = tool.parse(list(diagrams.values()))
    assert {name: v for name, v in zip(diagrams, verdicts, strict=True) if not v["ok"]} == {}
    assert {v["type"] for v in verdicts} == {"flowchart-v2"}
    # and the parser does refuse what is broken, so the verdicts above mean something
    assert tool.parse(['flowchart LR\n  n0[a"b] --> n1'])[0]["ok"] is False


def test_labels_are_escaped() -> None:
    text = mermaid.render_graph(graph.build(_hostile_result(), frozenset({"component:default/a"})))
    body = "\n".join(line for line in text.splitlines() if "[" in line or "|" in line)
    for raw in ('a"b', "<script>", "%%{", "```", "\nstyle", "semi;colon"):
        assert raw not in body
    assert "#34;" in text and "#60;script#62;" in text and "#10;style n0 fill:red" in text
    assert text.count("\n") == len(text.splitlines())  # no label broke a line


def test_change_graph_shows_broken_edges_apart(tmp_path: Path, run_cli: RunCli) -> None:
    base, summary, _ = _change(tmp_path, run_cli)
    text = (base / "change.mmd").read_text(encoding="utf-8")
    assert '["component:default/payments<br>renamed to component:default/payments-api, but 1 entity still refers to it"]' in text
    assert text.count("-.->") == 2 and "dependsOn (broken)" in text and "consumesApis (broken)" in text
    assert re.search(r"linkStyle \d+,\d+ stroke:#b91c1c", text)
    assert "class n0,n1 removed" in text
    assert summary.index("```mermaid") < summary.index("| Line | Severity |")


def test_graph_is_bounded_with_a_note() -> None:
    many = _many(150)
    bounded = graph.build(many, frozenset({"component:default/c000"}), 12)
    assert len(bounded.nodes) == 12 and bounded.left_out == 139
    assert bounded.note is not None and "139 more entities" in bounded.note
    assert "note[" in mermaid.render_graph(bounded)
    overview = graph.build(many, None, 60)
    assert set(overview.nodes) == {f"system:default/s{i}" for i in range(7)} | {"domain:default/d0", "domain:default/d1"}
    assert overview.nodes["system:default/s0"].lines == ("system:default/s0", "22 entities")
    assert overview.nodes["system:default/s4"].lines[-1] == "1 broken references"
    assert overview.nodes["system:default/s4"].style == graph.BROKEN


def test_no_summary_graph(tmp_path: Path, run_cli: RunCli) -> None:
    _, summary, _ = _change(tmp_path, run_cli, "--no-summary-graph")
    assert "```mermaid" not in summary and "breaks-references" in summary


def test_one_diagram_renders_to_svg_in_chromium(tmp_path: Path, run_cli: RunCli) -> None:
    base, _, _ = _change(tmp_path, run_cli)
    text = (base / "change.mmd").read_text(encoding="utf-8")
    dom = tool.render(text, tmp_path)
    assert 'data-rendered="yes"' in dom
    assert "<svg" in dom
    drawn = re.findall(r'<g class="node [^"]*"[^>]*id="[^"]*flowchart-(n\d+)-', dom)
    # payments (renamed), ledger-api (removed), payments-api, team-a, checkout
    assert sorted(drawn) == ["n0", "n1", "n2", "n3", "n4"]
    assert dom.count('class="edgePath') + dom.count("flowchart-link") >= 4


@pytest.mark.parametrize("which", ["change", "overview"])
def test_dot_is_accepted_by_graphviz(tmp_path: Path, run_cli: RunCli, which: str) -> None:
    binary = shutil.which("dot")
    assert binary, "Graphviz's `dot` is needed (Debian's graphviz package; .ci/run installs it)"
    if which == "change":
        base, _, _ = _change(tmp_path, run_cli)
        text = (base / "change.dot").read_text(encoding="utf-8")
        expected = 5
    else:
        text = dot.render_graph(graph.build(_hostile_result(), frozenset({"component:default/a"})))
        expected = len(HOSTILE) + 1
    done = subprocess.run([binary, "-Tsvg"], input=text, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.count('class="node"') == expected
    assert "a\\\"b" in text or which == "change"


def test_examples_overview_via_the_cli(tmp_path: Path, run_cli: RunCli) -> None:
    out = tmp_path / "overview.mmd"
    result = run_cli("lint", "--no-cache", "--offline", "examples", "--output", f"mermaid:{out}", cwd=EXAMPLES.parent)
    assert result.exit_code == 1
    text = out.read_text(encoding="utf-8")
    assert text.startswith("flowchart LR\n") and "system:default/" in text
    assert tool.parse([text])[0]["ok"]


def test_the_readme_example_is_what_catalint_draws_today(tmp_path: Path) -> None:
    from tests.mermaid.example import diagram

    committed = EXAMPLES / "graphs" / "breaks-references.mmd"
    assert diagram(tmp_path) == committed.read_text(encoding="utf-8"), (
        "regenerate it and its PNG: python -m tests.mermaid.example examples/graphs"
    )
    assert (EXAMPLES / "graphs" / "breaks-references.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_graph_is_built_once_per_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, run_cli: RunCli) -> None:
    """The summary's picture, the mermaid file and the dot file draw one graph, built once."""
    built: list[graph.Graph] = []
    real = graph.build

    def counting(*args: object, **kwargs: object) -> graph.Graph:
        built.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return built[-1]

    monkeypatch.setattr(graph, "build", counting)
    out, summary, _ = _change(tmp_path, run_cli)
    assert len(built) == 1
    drawn = mermaid.render_graph(built[0])
    assert (out / "change.mmd").read_text(encoding="utf-8") == drawn and drawn.rstrip("\n") in summary
    assert (out / "change.dot").read_text(encoding="utf-8") == dot.render_graph(built[0])
