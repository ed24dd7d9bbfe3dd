"""The relation graph of a run, drawn by report/mermaid.py and report/dot.py.

On a pull request it centres on the change: the entities the change declares, removes or renames,
their direct relations both ways, and the relations a removal or rename breaks, drawn apart. In
any other run it is an overview: domains and systems, how many entities each system holds, and
how many of their references are broken. Either way it holds at most `max_nodes` entities, and
says what it left out.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from catalint.model import Finding, Relation, RunResult

MAX_NODES = 60
CHANGED, REMOVED, NEIGHBOUR, GROUP, BROKEN = "changed", "removed", "neighbour", "group", "broken"
def _broken_rules() -> tuple[str, ...]:
    """The rules whose findings say a reference leads nowhere; the overview counts them per system."""
    from catalint.rules import breaks_references, unresolved_ref

    return breaks_references.ID, unresolved_ref.ID


@dataclass(frozen=True, slots=True)
class Node:
    key: str
    lines: tuple[str, ...]  # the label, one entry per line
    style: str


@dataclass(frozen=True, slots=True)
class Edge:
    source: str
    target: str
    label: str
    broken: bool = False


@dataclass(slots=True)
class Graph:
    title: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[Edge] = field(default_factory=list)
    left_out: int = 0  # entities not drawn
    left_out_edges: int = 0

    @property
    def note(self) -> str | None:
        if not self.left_out:
            return None
        return (
            f"{self.left_out} more entities and {self.left_out_edges} relations are not drawn "
            f"(at most {len(self.nodes)} entities; --graph-nodes)"
        )

    def bound(self, order: Iterable[str], max_nodes: int) -> Graph:
        """This graph with the first `max_nodes` nodes of `order`, and the edges between them."""
        ranked = list(dict.fromkeys(k for k in order if k in self.nodes))
        kept = set(ranked[:max_nodes])
        edges = [e for e in self.edges if e.source in kept and e.target in kept]
        nodes = {k: self.nodes[k] for k in ranked if k in kept}
        return Graph(self.title, nodes, edges, len(self.nodes) - len(nodes), len(self.edges) - len(edges))


def build(result: RunResult, focus: frozenset[str] | None, max_nodes: int = MAX_NODES) -> Graph:
    return change_graph(result, focus, max_nodes) if focus is not None else overview(result, max_nodes)


def _broken_messages(findings: Iterable[Finding]) -> dict[str, str]:
    breaks = _broken_rules()[0]
    return {f.entity: f.message for f in findings if f.rule == breaks and f.entity}


def _short(key: str, message: str, limit: int = 90) -> str:
    head = message.split(": ", 1)[0].removeprefix(f"{key} is ")
    return head if len(head) <= limit else head[: limit - 1] + "…"


def _edges_of(relations: Iterable[Relation], focus: frozenset[str], broken: dict[str, str]) -> list[Edge]:
    edges: dict[tuple[str, str, str], Edge] = {}
    for relation in relations:
        if relation.source is None or relation.source == relation.target:
            continue
        if relation.source not in focus and relation.target not in focus:
            continue
        is_broken = relation.target in broken
        label = f"{relation.field} (broken)" if is_broken else relation.field
        edges.setdefault((relation.source, relation.target, relation.field), Edge(relation.source, relation.target, label, is_broken))
    return list(edges.values())


def change_graph(result: RunResult, focus: frozenset[str], max_nodes: int = MAX_NODES) -> Graph:
    broken = _broken_messages(result.findings)
    graph = Graph("Relations of the change")
    graph.edges = _edges_of(result.relations, focus, broken)
    for key in sorted(focus):
        if key in broken:
            graph.nodes[key] = Node(key, (key, _short(key, broken[key])), REMOVED)
        else:
            graph.nodes[key] = Node(key, (key,), CHANGED)
    referrers: list[str] = []
    for edge in graph.edges:
        for key in (edge.source, edge.target):
            if key not in graph.nodes:
                graph.nodes[key] = Node(key, (key,), NEIGHBOUR)
        if edge.broken:
            referrers.append(edge.source)
    removed = [k for k in sorted(focus) if k in broken]
    order = [*removed, *sorted(focus), *referrers, *graph.nodes]
    return graph.bound(order, max_nodes)


def _memberships(relations: Iterable[Relation], field_name: str) -> dict[str, str]:
    return {r.source: r.target for r in relations if r.field == field_name and r.source}


@dataclass(slots=True)
class _Groups:
    """Who belongs to which system and domain, as the relations say."""

    system_of: dict[str, str]
    domain_of: dict[str, str]
    systems: set[str]
    domains: set[str]
    members: Counter[str]
    loose: int  # entities in no system that are no system or domain themselves

    @classmethod
    def of(cls, result: RunResult) -> _Groups:
        system_of = _memberships(result.relations, "system")
        domain_of = _memberships(result.relations, "domain")
        entities = {d.entity for d in result.documents if d.entity}
        systems = {k for k in entities if k.startswith("system:")} | set(system_of.values()) | set(domain_of)
        domains = {k for k in entities if k.startswith("domain:")} | {domain_of[s] for s in systems if s in domain_of}
        members = Counter(system_of[k] for k in entities if k in system_of)
        grouped = systems | domains
        loose = sum(1 for k in entities if k not in system_of and k not in grouped)
        return cls(system_of, domain_of, systems, domains, members, loose)


NO_SYSTEM = "(no system)"


def _counted(key: str, count: int, broken: int) -> Node:
    lines = [key, f"{count} entities"] + ([f"{broken} broken references"] if broken else [])
    return Node(key, tuple(lines), BROKEN if broken else NEIGHBOUR)


def overview(result: RunResult, max_nodes: int = MAX_NODES) -> Graph:
    """Domains and systems, with the number of entities in each system and of broken references."""
    groups = _Groups.of(result)
    rules = _broken_rules()
    broken = Counter(groups.system_of.get(f.entity or "", "") for f in result.findings if f.rule in rules)
    graph = Graph("Catalog overview")
    for key in sorted(groups.domains):
        graph.nodes[key] = Node(key, (key,), GROUP)
    for key in sorted(groups.systems):
        graph.nodes[key] = _counted(key, groups.members[key], broken[key])
        if key in groups.domain_of:
            graph.edges.append(Edge(key, groups.domain_of[key], "partOf"))
    if groups.loose or broken[""]:
        graph.nodes[NO_SYSTEM] = _counted(NO_SYSTEM, groups.loose, broken[""])
    by_size = sorted(groups.systems, key=lambda s: (-groups.members[s], s))
    return graph.bound([*sorted(groups.domains), *by_size, NO_SYSTEM], max_nodes)
