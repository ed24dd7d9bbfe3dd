"""`--output dot:PATH`: the relation graph in Graphviz's DOT language (for docs and TechDocs pages)."""

from __future__ import annotations

from dataclasses import dataclass, field

from catalint.model import RunResult
from catalint.report import graph as graphs
from catalint.report.paths import PathMapper

FILLS = {
    graphs.CHANGED: "#dbeafe",
    graphs.REMOVED: "#fee2e2",
    graphs.NEIGHBOUR: "#f9fafb",
    graphs.GROUP: "#ede9fe",
    graphs.BROKEN: "#fef3c7",
}


def quote(text: str) -> str:
    """A DOT string: backslashes and quotes escaped, control characters dropped (DOT's own
    escapes such as `\\N` would otherwise expand inside labels)."""
    clean = "".join(ch for ch in text if ch >= " " and ch != "\x7f")
    return '"' + clean.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _label(lines: tuple[str, ...]) -> str:
    return quote("\n".join(lines)).replace("\n", "\\n")


def render_graph(graph: graphs.Graph) -> str:
    ids = {key: f"n{i}" for i, key in enumerate(graph.nodes)}
    out = [
        "digraph catalog {",
        f"  label={quote(graph.title)};",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fillcolor="#ffffff"];',
        '  edge [fontname="Helvetica", fontsize=10];',
    ]
    for key, node in graph.nodes.items():
        extra = ', color="#b91c1c", penwidth=2' if node.style in (graphs.REMOVED, graphs.BROKEN) else ""
        out.append(f'  {ids[key]} [label={_label(node.lines)}, fillcolor="{FILLS[node.style]}"{extra}];')
    for edge in graph.edges:
        extra = ', color="#b91c1c", fontcolor="#b91c1c", style=dashed, penwidth=2' if edge.broken else ""
        out.append(f"  {ids[edge.source]} -> {ids[edge.target]} [label={quote(edge.label)}{extra}];")
    if graph.note:
        out.append(f"  note [shape=note, style=filled, fillcolor=\"#f3f4f6\", label={quote(graph.note)}];")
    out.append("}")
    return "\n".join(out) + "\n"


@dataclass(slots=True)
class DotReporter:
    """The run's relation graph for Graphviz (`dot -Tsvg`)."""

    paths: PathMapper = field(default_factory=PathMapper.identity)
    focus: frozenset[str] | None = None
    max_nodes: int = graphs.MAX_NODES
    name: str = "dot"
    graph: graphs.Graph | None = None  # the run's graph, built once for every output; else built here

    def render(self, result: RunResult) -> str:
        return render_graph(self.graph if self.graph is not None else graphs.build(result, self.focus, self.max_nodes))
