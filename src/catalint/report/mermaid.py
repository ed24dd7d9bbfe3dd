"""`--output mermaid:PATH` and the job summary's picture: the relation graph as a Mermaid flowchart.

Labels are quoted and every character outside a small safe set is written as a Mermaid entity
code (`#35;`), so no entity name can end a label, start a directive or close a Markdown fence.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from catalint.model import RunResult
from catalint.report import graph as graphs
from catalint.report.paths import PathMapper

_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _.,:/()-+=@'")
STYLES = {
    graphs.CHANGED: "fill:#dbeafe,stroke:#1d4ed8,color:#111",
    graphs.REMOVED: "fill:#fee2e2,stroke:#b91c1c,stroke-width:2px,stroke-dasharray:5 3,color:#111",
    graphs.NEIGHBOUR: "fill:#f9fafb,stroke:#6b7280,color:#111",
    graphs.GROUP: "fill:#ede9fe,stroke:#6d28d9,color:#111",
    graphs.BROKEN: "fill:#fef3c7,stroke:#b91c1c,stroke-width:2px,color:#111",
}
BROKEN_LINK = "stroke:#b91c1c,stroke-width:2px"


def escape(text: str) -> str:
    """A label's text inside `"…"`: safe characters as they are, the rest as entity codes."""
    return "".join(ch if ch in _SAFE else f"#{ord(ch)};" for ch in text)


def label(lines: tuple[str, ...]) -> str:
    return '"' + "<br>".join(escape(line) for line in lines) + '"'


def render_graph(graph: graphs.Graph) -> str:
    ids = {key: f"n{i}" for i, key in enumerate(graph.nodes)}
    out = ["flowchart LR"]
    if not graph.nodes:
        out.append(f"  empty[{label(('no entities to draw',))}]")
    for key, node in graph.nodes.items():
        out.append(f"  {ids[key]}[{label(node.lines)}]")
    broken_links = []
    for index, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.broken else "-->"
        out.append(f"  {ids[edge.source]} {arrow}|{label((edge.label,))}| {ids[edge.target]}")
        if edge.broken:
            broken_links.append(str(index))
    if graph.note:
        out.append(f"  note[{label((graph.note,))}]")
    for style, css in STYLES.items():
        members = [ids[k] for k, n in graph.nodes.items() if n.style == style]
        if members:
            out.append(f"  classDef {style} {css}")
            out.append(f"  class {','.join(members)} {style}")
    if broken_links:
        out.append(f"  linkStyle {','.join(broken_links)} {BROKEN_LINK}")
    return "\n".join(out) + "\n"


@dataclass(slots=True)
class MermaidReporter:
    """The run's relation graph as a Mermaid flowchart (a `.mmd` file)."""

    paths: PathMapper = field(default_factory=PathMapper.identity)
    focus: frozenset[str] | None = None  # pull-request mode: the entities of the change
    max_nodes: int = graphs.MAX_NODES
    name: str = "mermaid"
    graph: graphs.Graph | None = None  # the run's graph, built once for every output; else built here

    def render(self, result: RunResult) -> str:
        return render_graph(self.graph if self.graph is not None else graphs.build(result, self.focus, self.max_nodes))
