"""Load a descriptor file into documents that remember where every node came from.

libyaml (through PyYAML's `CParser`) composes nodes at C speed; we construct plain Python values
ourselves so we control what Backstage controls: YAML 1.2 scalars, duplicate keys as errors,
`<<` as an ordinary key, and a bound on alias expansion. libyaml stops a stream at its first
error, while Backstage still reads the other documents, so a stream is split on its `---`
markers and each part is parsed on its own.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

import yaml
from yaml import MappingNode, Node, ScalarNode, SequenceNode

from catalint.model import Span
from catalint.yaml.resolver import Core12Resolver, construct_scalar, js_key
from catalint.yaml.yaml11 import MERGE, Yaml11Resolver, construct_scalar_11

try:
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - wheels ship libyaml; this keeps a source build working
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Parser(Reader, Scanner, Parser, Composer):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)


class _Composer(_Parser, Core12Resolver):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        Core12Resolver.__init__(self)


class _Composer11(_Parser, Yaml11Resolver):  # type: ignore[misc, valid-type]
    def __init__(self, stream: str) -> None:
        _Parser.__init__(self, stream)
        Yaml11Resolver.__init__(self)


_YAML11 = re.compile(r"^%YAML[ \t]+1\.[01]\b", re.MULTILINE)


DEFAULT_MAX_ALIAS_EXPANSION = 100_000
_MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)

Pointer = tuple[str | int, ...]
ProblemRule = Literal["yaml-syntax", "yaml-duplicate-key", "yaml-aliases"]


@dataclass(frozen=True, slots=True)
class YamlProblem:
    rule: ProblemRule
    message: str
    span: Span
    index: int | None


@dataclass(slots=True)
class YamlDocument:
    """One non-empty document: its value, its root node, and where it starts."""

    index: int
    root: Node
    data: Any
    offset: int = 0  # lines before the part of the stream this document was parsed from
    yaml11: bool = False  # the document declared `%YAML 1.1`, so its keys read the 1.1 way

    @property
    def line(self) -> int:
        return int(self.root.start_mark.line) + 1 + self.offset

    def locate(self, pointer: Pointer) -> tuple[Node | None, Node]:
        """The deepest (key node, value node) along `pointer`; stops where the data has no node."""
        key: Node | None = None
        node = self.root
        for part in pointer:
            if isinstance(node, MappingNode):
                for k, v in node.value:
                    if isinstance(k, ScalarNode) and _key_text(k, self.yaml11) == part:
                        key, node = k, v
                        break
                else:
                    return key, node
            elif isinstance(node, SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                key, node = None, node.value[part]
            else:
                return key, node
        return key, node

    def span(self, pointer: Pointer, on: Literal["key", "value"] = "value") -> Span:
        key, value = self.locate(pointer)
        node = key if on == "key" and key is not None else value
        return node_span(node, self.offset)


@dataclass(slots=True)
class LoadedFile:
    documents: list[YamlDocument]
    problems: list[YamlProblem]


def _key_text(node: ScalarNode, yaml11: bool = False) -> str:
    construct = construct_scalar_11 if yaml11 else construct_scalar
    return js_key(construct(node.tag, node.value))


def node_span(node: Node, offset: int = 0) -> Span:
    start, end = node.start_mark, node.end_mark
    first = start.line + 1 + offset
    if isinstance(node, MappingNode | SequenceNode) and end.line > start.line:
        # A block collection ends where the next one starts; point at its first line instead.
        return Span(first, start.column + 1, first, start.column + 2)
    end_col = end.column + 1
    if end.line == start.line and end_col <= start.column + 1:
        end_col = start.column + 2
    return Span(first, start.column + 1, end.line + 1 + offset, end_col)


class _AliasBudgetExceeded(Exception):
    pass


class _DuplicateKey(Exception):
    def __init__(self, key: str, first: Node, second: Node) -> None:
        super().__init__(key)
        self.key = key
        self.first = first
        self.second = second


class _Constructor:
    """Builds JSON-like values from nodes; aliases share one value, but their expansion is counted."""

    def __init__(self, max_expansion: int, yaml11: bool = False) -> None:
        self._values: dict[int, Any] = {}
        self._sizes: dict[int, int] = {}
        self._budget = max_expansion
        self._scalar = construct_scalar_11 if yaml11 else construct_scalar

    def build(self, node: Node) -> Any:
        return self._build(node)

    def _build(self, node: Node) -> Any:
        ident = id(node)
        if ident in self._values:
            # An alias: the value is shared, but anything that walks it pays for the full subtree.
            self._budget -= self._sizes[ident]
            if self._budget < 0:
                raise _AliasBudgetExceeded
            return self._values[ident]
        size = 1
        value: Any
        if isinstance(node, ScalarNode):
            value = self._scalar(node.tag, node.value)
        elif isinstance(node, SequenceNode):
            value = []
            self._values[ident] = value
            self._sizes[ident] = 1
            for item in node.value:
                value.append(self._build(item))
                size += self._sizes.get(id(item), 1)
        else:
            value = {}
            self._values[ident] = value
            self._sizes[ident] = 1
            seen: dict[tuple[type, Any], Node] = {}
            merges: list[Any] = []
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag == MERGE:
                    # YAML 1.1 `<<`: the merged keys fill in whatever the mapping does not set itself.
                    merges.append(self._build(value_node))
                    size += self._sizes.get(id(value_node), 1)
                    continue
                key = self._build(key_node)
                marker = (type(key), key) if isinstance(key, str | int | float | bool | None) else (object, id(key))
                if marker in seen:
                    raise _DuplicateKey(js_key(key), seen[marker], key_node)
                seen[marker] = key_node
                value[js_key(key) if not isinstance(key, dict | list) else str(key)] = self._build(value_node)
                size += self._sizes.get(id(key_node), 1) + self._sizes.get(id(value_node), 1)
            for merged in merges:
                for source in merged if isinstance(merged, list) else [merged]:
                    if isinstance(source, dict):
                        for k, v in source.items():
                            value.setdefault(k, v)
        self._values[ident] = value
        self._sizes[ident] = size
        return value


def _chunks(text: str) -> Iterator[tuple[int, str]]:
    """Split a stream at its document markers; yields (0-based first line, text)."""
    starts = [m.start() for m in _MARKER.finditer(text)]
    if not starts:
        starts = [0]
    elif starts[0] != 0:
        if _has_content(text[: starts[0]]):
            starts.insert(0, 0)
        else:
            # Comments and directives before the first marker belong to that first document.
            starts[0] = 0
    line = 0
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        chunk = text[start:end]
        yield line, chunk
        line += chunk.count("\n")


def _offset(mark: Any, lines: int) -> Span:
    return Span.point(int(mark.line) + lines + 1, int(mark.column) + 1)


def load_text(text: str, *, max_alias_expansion: int = DEFAULT_MAX_ALIAS_EXPANSION) -> LoadedFile:
    documents: list[YamlDocument] = []
    problems: list[YamlProblem] = []
    index = 0
    for first_line, chunk in _chunks(text):
        composer: _Composer | _Composer11 | None = None
        yaml11 = bool(_YAML11.search(chunk))
        try:
            composer = _Composer11(chunk) if yaml11 else _Composer(chunk)
            while composer.check_node():
                node = composer.get_node()
                if node is None:  # pragma: no cover - libyaml returns a node when check_node is true
                    break
                try:
                    data = _Constructor(max_alias_expansion, yaml11).build(node)
                except _DuplicateKey as dup:
                    span = node_span(dup.second, first_line)
                    first = node_span(dup.first, first_line)
                    problems.append(
                        YamlProblem(
                            "yaml-duplicate-key",
                            f'duplicate key "{dup.key}" (first defined at line {first.line}); '
                            "Backstage rejects the document",
                            span,
                            index,
                        )
                    )
                except _AliasBudgetExceeded:
                    problems.append(
                        YamlProblem(
                            "yaml-aliases",
                            f"aliases expand to more than {max_alias_expansion} nodes; "
                            "refusing to expand what looks like an alias bomb",
                            node_span(node, first_line),
                            index,
                        )
                    )
                except RecursionError:
                    problems.append(YamlProblem("yaml-syntax", "document is nested too deeply", node_span(node, first_line), index))
                else:
                    if data is not None:
                        documents.append(YamlDocument(index, node, data, first_line, yaml11))
                index += 1
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark or err.context_mark
            if err.context_mark is not None and mark is not None and not chunk[mark.index :].strip():
                # "did not find the closing ]" is reported at the end of the stream; the construct
                # that was left open is where the reader has to look.
                mark = err.context_mark
            span = _offset(mark, first_line) if mark is not None else Span.point(first_line + 1)
            problems.append(YamlProblem("yaml-syntax", _describe(err), span, index))
            index += 1
        except yaml.YAMLError as err:  # reader errors: control characters and the like
            line = first_line + 1
            position = getattr(err, "position", None)
            if isinstance(position, int):
                line += chunk.count("\n", 0, position)
            problems.append(
                YamlProblem("yaml-syntax", f"YAML error: {str(err).splitlines()[0]}", Span.point(line), index)
            )
            index += 1
        finally:
            if composer is not None:
                composer.dispose()
    return LoadedFile(documents, problems)


def _has_content(chunk: str) -> bool:
    for line in chunk.splitlines():
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "%")):
            return True
    return False


def _describe(err: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (err.context, err.problem) if p]
    text = ", ".join(parts) if parts else "invalid YAML"
    return f"YAML syntax error: {text}"
