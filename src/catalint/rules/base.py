"""What a rule module is made of, and what its check functions receive and yield."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

from catalint.facts import On as On
from catalint.facts import Problem as Problem
from catalint.model import EntityRef, Severity, Span
from catalint.yaml.loader import Pointer, YamlDocument


@dataclass(slots=True)
class EntityDoc:
    """A parsed document as rules see it: the data after placeholders, and its identity."""

    yaml: YamlDocument
    data: Any
    path: str
    settings: Mapping[str, Any] = field(default_factory=dict)
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def index(self) -> int:
        return self.yaml.index

    @property
    def kind(self) -> str | None:
        kind = self.data.get("kind") if isinstance(self.data, dict) else None
        return kind if isinstance(kind, str) else None

    @property
    def api_version(self) -> str | None:
        value = self.data.get("apiVersion") if isinstance(self.data, dict) else None
        return value if isinstance(value, str) else None

    @property
    def metadata(self) -> dict[str, Any]:
        meta = self.data.get("metadata") if isinstance(self.data, dict) else None
        return meta if isinstance(meta, dict) else {}

    @property
    def spec(self) -> dict[str, Any]:
        spec = self.data.get("spec") if isinstance(self.data, dict) else None
        return spec if isinstance(spec, dict) else {}

    @property
    def namespace(self) -> str:
        namespace = self.metadata.get("namespace")
        return namespace if isinstance(namespace, str) and namespace else "default"

    @property
    def ref(self) -> EntityRef | None:
        name = self.metadata.get("name")
        kind = self.kind
        if not isinstance(name, str) or not name or not kind:
            return None
        return EntityRef(kind, self.namespace, name)

    def span(self, pointer: Pointer, on: On = "value") -> Span:
        return self.yaml.span(pointer, on)


DocumentCheck = Callable[[EntityDoc], Iterator[Problem]]


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    severity: Severity
    summary: str
    doc: str
    backstage: bool
    module: ModuleType

    @property
    def check(self) -> DocumentCheck | None:
        return getattr(self.module, "check", None)


def dotted(pointer: Pointer) -> str:
    """`("spec", "providesApis", 1)` → `spec.providesApis[1]`, the way people write field names."""
    out = ""
    for part in pointer:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "document"


def describe_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__
