"""Load a descriptor file into documents that remember where every node came from.

libyaml (through PyYAML's `CParser`) composes nodes at C speed; we construct plain Python values
ourselves so we control what Backstage controls: YAML 1.2 scalars, duplicate keys as errors,
`<<` as an ordinary key, explicit tags, and the npm parser's alias-count limit. libyaml stops a
stream at its first error, while Backstage still reads the other documents, so a stream is split
into documents (at `---` and after `...`) and each is parsed on its own.

Where libyaml and Backstage's parser (the `yaml` npm package) read the same text differently,
each document's text is first rewritten so libyaml reads what the npm parser reads: directives
normalised, characters libyaml refuses swapped for stand-ins (and swapped back in every
scalar), surrogate escapes joined, the non-specific tag `!` spelled `!!str`. Rewrites keep
every line where it was; only columns after a rewrite on the same line can move.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

import yaml
from yaml import MappingNode, Node, ScalarNode, SequenceNode

from catalint.model import Span
from catalint.yaml.resolver import STR, Core12Resolver, construct_scalar, js_key
from catalint.yaml.yaml11 import MERGE, TIMESTAMP, Yaml11Resolver, construct_scalar_11

BINARY = "tag:yaml.org,2002:binary"
SET = "tag:yaml.org,2002:set"
OMAP = "tag:yaml.org,2002:omap"
PAIRS = "tag:yaml.org,2002:pairs"

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


DEFAULT_MAX_ALIAS_EXPANSION = 100_000
MAX_ALIAS_COUNT = 100  # the npm `yaml` package's default maxAliasCount
_MARKER = re.compile(r"^---(?=[ \t\r\n]|$)", re.MULTILINE)

Pointer = tuple[str | int, ...]
# What kind of problem the loader found; the engine reports each under its rule.
ProblemKind = Literal["syntax", "duplicate-key", "aliases"]


@dataclass(frozen=True, slots=True)
class YamlProblem:
    kind: ProblemKind
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
                    # A plain string key is its own text; any other is constructed to compare.
                    if isinstance(k, ScalarNode) and (k.value if k.tag == STR else _key_text(k, self.yaml11)) == part:
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
    count: int = 0  # documents in the stream, empty ones included


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
    def __init__(self, node: Node | None = None) -> None:
        super().__init__()
        self.node = node


class _Refused(Exception):
    """What the npm parser refuses where libyaml reads on: a value wrong for its explicit tag
    (`!!timestamp x`, `!!set {a: 1}`), a multi-line value not indented past its key."""

    def __init__(self, message: str, node: Node) -> None:
        super().__init__(message)
        self.node = node


class _MergeError(Exception):
    """A `<<` merge of something that is not a mapping: the npm parser throws while reading."""

    def __init__(self, node: Node) -> None:
        super().__init__("Merge sources must be maps or map aliases")
        self.node = node


# Stands for the value of an explicit `!!merge` scalar: to the npm parser a JavaScript symbol.
# JSON drops it from mappings and writes null for it in sequences, but Backstage checks the
# envelope (and the annotations) before its JSON round trip, and a symbol is no string there.
_UNDEFINED = object()
_CHECKED_BEFORE_JSON = frozenset(
    {
        ("apiVersion",),
        ("kind",),
        ("metadata",),
        ("metadata", "name"),
        ("metadata", "namespace"),
        ("metadata", "annotations"),
    }
)
SYMBOL = "Symbol(<<)"  # how the root reads when it is one; anything but a mapping fails the same way


def _settle(value: Any, path: tuple[str, ...] = ()) -> Any:
    """Resolve `_UNDEFINED` the way Backstage meets it: a failing non-string on the envelope
    fields, gone everywhere else."""
    if value is _UNDEFINED:
        return SYMBOL
    if isinstance(value, list):
        return [None if v is _UNDEFINED else _settle(v, ("",)) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        where = (*path, key)
        if item is _UNDEFINED:
            if where in _CHECKED_BEFORE_JSON:
                out[key] = []  # neither a string nor a mapping, as a symbol is neither
            continue
        out[key] = _settle(item, where if len(where) < 2 else ("",))
    return out


class _NeedsFullBuild(Exception):
    """The lean builder met what only `_Constructor._build` handles."""


LEAN_DEPTH = 100  # levels of nesting the lean builder takes; a catalog descriptor has some ten


_QUOTES = ('"', "'")


class _DuplicateKey(Exception):
    def __init__(self, key: str, first: Node, second: Node) -> None:
        super().__init__(key)
        self.key = key
        self.first = first
        self.second = second


class _Constructor:
    """Builds JSON-like values from nodes; aliases share one value, but their expansion is counted."""

    def __init__(self, max_expansion: int, yaml11: bool = False, masked: bool = False, text: str = "") -> None:
        self._values: dict[int, Any] = {}
        self._sizes: dict[int, int] = {}
        self._budget = max_expansion
        self._max_expansion = max_expansion
        self._yaml11 = yaml11
        self._scalar = construct_scalar_11 if yaml11 else construct_scalar
        self._masked = masked
        self._text = text
        self._lines: list[str] | None = None
        self.symbols = False  # some value is `_UNDEFINED`; `_settle` must run on the result
        self._order: dict[int, int] = {}  # first visit of each node, in document order
        self._anchors: dict[int, list[int]] = {}  # anchored node -> [count, alias count]
        # Without an anchor no node is met twice, and unmasked text is each scalar's own: the
        # common case, which `_mapping` and `_sequence` build with no bookkeeping for aliases.
        self._shared = masked or "&" in text

    def _check_indent(self, node: Node, required: int) -> None:
        """A flow collection or quoted scalar that goes on over lines must keep every further line
        indented past its key or `-`; the npm parser ends it early otherwise (libyaml does not)."""
        flow = isinstance(node, MappingNode | SequenceNode) and bool(node.flow_style)
        quoted = isinstance(node, ScalarNode) and node.style in ('"', "'")
        if not (flow or quoted) or node.end_mark.line <= node.start_mark.line:
            return
        if self._lines is None:
            self._lines = self._text.split("\n")
        last = node.end_mark.line
        for number in range(node.start_mark.line + 1, min(last + 1, len(self._lines))):
            if not _indented_enough(self._lines[number], required, flow, number == last):
                raise _Refused("a value going on over several lines must be indented more than its key", node)

    def _count_alias(self, node: Node) -> None:
        """The npm parser's guard (maxAliasCount 100): each use of an anchor counts, weighted by
        how many alias uses its own value holds; past 100 it refuses the document."""
        data = self._anchors.setdefault(id(node), [1, 0])
        data[0] += 1
        if data[1] == 0:
            data[1] = self._alias_weight(node, node, set())
        if data[0] * data[1] > MAX_ALIAS_COUNT:
            raise _AliasBudgetExceeded(node)

    def _alias_weight(self, node: Node, root: Node, seen: set[int]) -> int:
        ident = id(node)
        if node is not root and (self._order.get(ident, -1) < self._order[id(root)] or ident in seen):
            anchor = self._anchors.get(ident)
            return anchor[0] * anchor[1] if anchor else 0  # an alias inside the anchored value
        seen.add(ident)
        if isinstance(node, ScalarNode):
            return 1
        if isinstance(node, SequenceNode):
            return max((self._alias_weight(item, root, seen) for item in node.value), default=0)
        return max(
            (max(self._alias_weight(k, root, seen), self._alias_weight(v, root, seen)) for k, v in node.value),
            default=0,
        )

    def document(self, root: Node, offset: int, index: int) -> YamlDocument | YamlProblem | None:
        """The document `root` stands for, or why the npm parser refuses it; None when it is empty.
        It calls the recursion directly, from a frame `load_text` calls: each frame in between
        would lower the depth at which a document is "nested too deeply"."""
        build = self._build if self._shared else self._builder(root)
        try:
            try:
                data = build(root)
            except _NeedsFullBuild:
                self.symbols = False
                data = self._build(root)
            if self.symbols or data is _UNDEFINED:
                data = _settle(data)
        except _DuplicateKey as dup:
            first = node_span(dup.first, offset)
            message = f'duplicate key "{dup.key}" (first defined at line {first.line}); Backstage rejects the document'
            return YamlProblem("duplicate-key", message, node_span(dup.second, offset), index)
        except _AliasBudgetExceeded as err:
            return YamlProblem("aliases", _alias_message(err, self._max_expansion), node_span(root, offset), index)
        except (_Refused, _MergeError) as err:
            return YamlProblem("syntax", f"YAML error: {err}", node_span(err.node, offset), index)
        except RecursionError:
            return YamlProblem("syntax", "document is nested too deeply", node_span(root, offset), index)
        return None if data is None else YamlDocument(index, root, data, offset, self._yaml11)

    def _scalar_value(self, node: ScalarNode) -> Any:
        text = _unmask(node.value) if self._masked else node.value
        tag = node.tag
        if tag == BINARY:
            return {"type": "Buffer", "data": list(_base64(text))}
        if tag == MERGE and self._scalar is construct_scalar:
            return _UNDEFINED
        if tag == TIMESTAMP and self._scalar is construct_scalar:
            stamp = construct_scalar_11(tag, text)
            if stamp is text:
                raise _Refused("!!timestamp expects a date, starting with yyyy-mm-dd", node)
            return stamp
        return self._scalar(tag, text)

    def _builder(self, root: Node) -> Callable[[Any], Any]:
        """The lean builder for `root`, picked before the recursion starts (see `document`)."""
        if isinstance(root, MappingNode):
            return self._mapping
        return self._sequence if isinstance(root, SequenceNode) else self._scalar_value

    # `_mapping` and `_sequence` are `_build` for a document without anchors or masked text, and
    # each builds the scalars it holds in its own frame: most nodes are plain strings, and a call
    # for each would cost more than the rest of the work. Past `LEAN_DEPTH` levels they hand the
    # document to `_build`, so where a deep document is "nested too deeply" (and where the
    # walks after loading run out of stack) stays exactly where `_build` puts it.

    def _mapping(self, node: MappingNode, depth: int = 0) -> Any:
        if depth > LEAN_DEPTH:
            raise _NeedsFullBuild
        mapping: dict[str, Any] = {}
        block = not node.flow_style
        seen: dict[Any, Node] = {}
        for key_node, value_node in node.value:
            if isinstance(key_node, ScalarNode):
                key = key_node.value if key_node.tag == STR else self._scalar_key(key_node)
            else:
                key = self._mapping(key_node, depth + 1) if isinstance(key_node, MappingNode) else self._sequence(key_node, depth + 1)
            marker = key if isinstance(key, str) else _unshared_marker(key, key_node)
            if marker in seen:
                raise _DuplicateKey(js_key(key), seen[marker], key_node)
            seen[marker] = key_node
            if isinstance(value_node, ScalarNode):
                built = value_node.value if value_node.tag == STR else self._scalar_value(value_node)
                spans = value_node.style in _QUOTES
            else:
                built = (
                    self._mapping(value_node, depth + 1)
                    if isinstance(value_node, MappingNode)
                    else self._sequence(value_node, depth + 1)
                )
                spans = value_node.flow_style
            if built is _UNDEFINED:
                self.symbols = True
            if spans and block:
                # Keys of a block mapping start at its column (an explicit `? key` is further in).
                self._check_indent(value_node, min(key_node.start_mark.column, node.start_mark.column) + 1)
            mapping[key if isinstance(key, str) else _key_name(key)] = built
        return _tagged_mapping(node, mapping)

    def _sequence(self, node: SequenceNode, depth: int = 0) -> Any:
        if depth > LEAN_DEPTH:
            raise _NeedsFullBuild
        items: list[Any] = []
        indent = None if node.flow_style else node.start_mark.column + 1
        for item in node.value:
            if isinstance(item, ScalarNode):
                built = item.value if item.tag == STR else self._scalar_value(item)
                spans = item.style in _QUOTES
            else:
                built = self._mapping(item, depth + 1) if isinstance(item, MappingNode) else self._sequence(item, depth + 1)
                spans = item.flow_style
            items.append(built)
            if built is _UNDEFINED:
                self.symbols = True
            if spans and indent is not None:
                self._check_indent(item, indent)
        return _tagged_sequence(node, items)

    def _scalar_key(self, node: ScalarNode) -> Any:
        if node.tag == MERGE:
            raise _NeedsFullBuild  # `<<` merges mappings: rare, and the full builder knows how
        return self._scalar_value(node)

    def _build(self, node: Node) -> Any:
        # Sequences and mappings are walked here rather than in helpers of their own: each level
        # of nesting then costs one Python frame, so the depth at which a document is "nested too
        # deeply" stays where it was.
        ident = id(node)
        if ident in self._values:
            return self._alias(node, ident)
        self._order[ident] = len(self._order)
        size = 1
        value: Any
        if isinstance(node, ScalarNode):
            value = self._scalar_value(node)
        elif isinstance(node, SequenceNode):
            items: list[Any] = self._open(ident, [])
            indent = None if node.flow_style else node.start_mark.column + 1
            for item in node.value:
                built = self._build(item)
                items.append(built)
                size += self._took(item, built, indent)
            value = _tagged_sequence(node, items)
        else:
            mapping: dict[str, Any] = self._open(ident, {})
            block = not getattr(node, "flow_style", False)
            seen: dict[tuple[Any, ...], Node] = {}
            merges: list[tuple[Node, Any]] = []
            for key_node, value_node in node.value:
                if isinstance(key_node, ScalarNode) and key_node.tag == MERGE:
                    # `<<` (YAML 1.1, or tagged `!!merge`): the merged keys fill in what the mapping does not set.
                    merges.append((value_node, self._build(value_node)))
                    size += self._sizes.get(id(value_node), 1)
                    continue
                key = self._build(key_node)
                _claim(seen, key, key_node)
                built = self._build(value_node)
                # Keys of a block mapping start at its column (an explicit `? key` is further in).
                indent = min(key_node.start_mark.column, node.start_mark.column) + 1 if block else None
                mapping[_key_name(key)] = built
                size += self._sizes.get(id(key_node), 1) + self._took(value_node, built, indent)
            value = _merged(node, mapping, merges)
        self._values[ident] = value
        self._sizes[ident] = size
        return value

    def _alias(self, node: Node, ident: int) -> Any:
        """An alias: the value is shared, but anything that walks it pays for the full subtree."""
        self._budget -= self._sizes[ident]
        if self._budget < 0:
            raise _AliasBudgetExceeded
        self._count_alias(node)
        return self._values[ident]

    def _open(self, ident: int, empty: Any) -> Any:
        """Record a collection before its items are built, so an alias inside it finds it."""
        self._values[ident] = empty
        self._sizes[ident] = 1
        return empty

    def _took(self, child: Node, built: Any, indent: int | None) -> int:
        """Account for a built item or mapping value: whether it is the merge symbol, whether it
        keeps to `indent` (None: inside a flow collection, where any indentation goes), and its
        share of the expansion size, which it returns."""
        if built is _UNDEFINED:
            self.symbols = True
        if indent is not None:
            self._check_indent(child, indent)
        return self._sizes.get(id(child), 1)


def _indented_enough(line: str, required: int, flow: bool, last: bool) -> bool:
    """Whether a further line of a multi-line value keeps the npm parser reading it: indented to
    `required`, blank, a comment inside a flow collection, or (on the `last` line) a closing
    bracket one column back, level with the key."""
    body = line.lstrip(" ")
    indent = len(line) - len(body)
    if indent >= required or not body.strip(" \t\r") or (flow and body.startswith("#")):
        return True
    return flow and last and body[:1] in "]}" and indent == required - 1


def _unshared_marker(key: Any, node: Node) -> Any:
    """`_key_marker` where no node is shared: a mapping or list key is then built anew for each
    key node, and never repeats another; the node stands for it (the key's id could be taken
    again by a later key once this one is dropped)."""
    return node if isinstance(key, dict | list) else _key_marker(key)


def _key_name(key: Any) -> str:
    """The property name a mapping key becomes in JavaScript."""
    return js_key(key) if not isinstance(key, dict | list) else str(key)


def _claim(seen: dict[Any, Node], key: Any, key_node: Node) -> None:
    """Note a mapping's key, refusing one that repeats an earlier key as the npm parser does."""
    marker = _key_marker(key)
    if marker in seen:
        raise _DuplicateKey(js_key(key), seen[marker], key_node)
    seen[marker] = key_node


def _merged(node: Node, mapping: dict[str, Any], merges: list[tuple[Node, Any]]) -> Any:
    """The mapping with its `<<` sources filling in the keys it does not set, then its tag applied."""
    for source_node, merged in merges:
        sources = merged if isinstance(merged, list) else [merged]
        if not all(isinstance(source, dict) for source in sources):
            raise _MergeError(source_node)
        for source in sources:
            for k, v in source.items():
                mapping.setdefault(k, v)
    return _tagged_mapping(node, mapping) if isinstance(node, MappingNode) else mapping


@dataclass(frozen=True, slots=True)
class _Chunk:
    """One document's share of the stream, rewritten so libyaml reads what the npm parser reads."""

    line: int  # 0-based line of the stream where the chunk starts
    text: str
    yaml11: bool
    masked: bool  # characters were swapped for stand-ins that `_unmask` turns back
    broken: str | None  # why the npm parser rejects the document where libyaml would not
    empty: bool = False  # a document with no content at all


_END = re.compile(r"^\.\.\.(?=[ \t\r\n]|$)(?P<rest>.*)$")
_DIRECTIVE = re.compile(r"^%(?P<name>\S*)(?P<rest>.*)$")
_VERSION = re.compile(r"^[ \t]+(?P<version>[0-9]+\.[0-9]+)(?:[ \t]+(?:#.*)?)?\r?$")


def _lines(text: str) -> list[str]:
    return text.split("\n")


def _key_marker(key: Any) -> Any:
    """What the npm parser compares to find a repeated key: scalar values with `===`. A string
    is its own marker (the common case, and no other marker is a string)."""
    if isinstance(key, str):
        return key
    if isinstance(key, bool) or key is None:
        return (type(key), key)
    if isinstance(key, int | float):
        # 1, 1.0, 0x1 and 1e0 are one JavaScript number; NaN never equals itself.
        number = float(key) if isinstance(key, float) or abs(key) < 2**1023 else math.copysign(math.inf, key)
        return ("number", object()) if math.isnan(number) else ("number", number)
    return (object, id(key))


_BASE64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")} | {"-": 62, "_": 63}


def _base64(text: str) -> bytes:
    """Node's lenient `Buffer.from(text, "base64")`: both alphabets, others skipped, `=` ends it."""
    bits = 0
    count = 0
    out = bytearray()
    for char in text:
        if char == "=":
            break
        six = _BASE64.get(char)
        if six is None:
            continue
        bits = (bits << 6) | six
        count += 6
        if count >= 8:
            count -= 8
            out.append((bits >> count) & 0xFF)
    return bytes(out)


def _tagged_sequence(node: SequenceNode, items: list[Any]) -> Any:
    """`!!omap` is a JavaScript Map (JSON `{}`); `!!pairs` turns each item into a one-key mapping."""
    if node.tag == OMAP:
        seen: set[str] = set()
        for item in items:
            for key in item if isinstance(item, dict) else [js_key(item)]:
                if key in seen:
                    raise _Refused(f"Ordered maps must not include duplicate keys: {key}", node)
                seen.add(key)
        return {}
    if node.tag == PAIRS:
        return [item if isinstance(item, dict) else {js_key(item): None} for item in items]
    return items


def _tagged_mapping(node: MappingNode, mapping: dict[str, Any]) -> Any:
    """`!!set` is a JavaScript Set (JSON `{}`), and only keys with null values make one."""
    if node.tag == SET:
        if any(v is not None for v in mapping.values()):
            raise _Refused("Set items must all have null values", node)
        return {}
    return mapping


def _chunks(text: str) -> Iterator[_Chunk]:
    """Split a stream into its documents as the npm `yaml` parser sees them.

    A document ends before a `---` line and after a `...` line; directives and comments
    before a `---` belong to the document it opens. Directives after `...` with no `---`
    following are ignored, as the npm parser ignores them.
    """
    lines = _lines(text)
    plain = _plain(text)
    pending: tuple[int, bool] | None = None  # a leading part without content, waiting for its `---`
    for first, last, after in _parts(text, len(lines)):
        if pending is not None:
            first, after = pending
            pending = None
        chunk_lines = lines[first:last]
        if not plain and _only_end_marker(chunk_lines):
            # Nothing but `...`: to the npm parser an empty document, which still takes an index.
            yield _Chunk(first, "", False, False, None, empty=True)
            continue
        opens = bool(chunk_lines) and bool(_MARKER.match(chunk_lines[0]))
        if not opens and not _has_content(chunk_lines):
            if last < len(lines) and _MARKER.match(lines[last]):
                pending = (first, after)
                continue
            # Directives (or nothing) with no document to open: the npm parser ignores them.
            chunk_lines = ["#" + line[1:] if line.startswith("%") else line for line in chunk_lines]
        yield _prepare(first, chunk_lines, after or first == 0, last < len(lines), plain)


def _plain(text: str) -> bool:
    """Whether no line starts with `%`, `...` or a byte-order mark, as in most files: their
    documents need no rewriting line by line. Substring tests answer for the whole file at once."""
    return not (text.startswith(("%", "...", "\ufeff")) or "\n%" in text or "\n..." in text or "\n\ufeff" in text)


# A line that starts a document (`---`) or ends one (`...`).
_CUT = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|$)", re.MULTILINE)


def _parts(text: str, count: int) -> list[tuple[int, int, bool]]:
    """(first line, last line exclusive, after `...`?) for each part the document markers cut,
    of a text of `count` lines. One scan of the text finds the marker lines."""
    parts: list[tuple[int, int, bool]] = []
    start, after_end = 0, False
    number, counted = 0, 0  # the line of the text at offset `counted`
    for cut in _CUT.finditer(text):
        number += text.count("\n", counted, cut.start())
        counted = cut.start()
        if text.startswith("---", counted):
            if number > start:
                parts.append((start, number, after_end))
                start, after_end = number, False
        else:
            parts.append((start, number + 1, after_end))
            start, after_end = number + 1, True
    parts.append((start, count, after_end))
    return parts


def _only_end_marker(lines: list[str]) -> bool:
    """A part that is a `...` line after nothing but comments and blank lines."""
    return (
        bool(lines)
        and bool(_END.match(lines[-1]))
        and not _has_content(lines[:-1])
        and not any(line.startswith("%") for line in lines)
    )


@dataclass(slots=True)
class _Directives:
    """The directive lines before a document, rewritten as libyaml should read them. `lines` is
    the document's whole output: directives are rewritten in place after the fact."""

    lines: list[str]
    yaml11: bool = False
    seen_version: bool = False
    tag_lines: dict[str, int] = field(default_factory=dict)

    def add(self, line: str) -> None:
        match = _DIRECTIVE.match(line)
        name = match["name"] if match else ""
        rest = match["rest"] if match else ""
        if name == "TAG":
            self._tag(line, rest)
        elif name == "YAML":
            self._version(line, rest)
        else:
            self.lines.append("#" + line[1:])  # unknown directives are only warned about

    def _tag(self, line: str, rest: str) -> None:
        words = rest.split()
        handle = words[0] if words else ""
        if handle in self.tag_lines:
            # A repeated handle is no error to the npm parser: the last one wins.
            previous = self.tag_lines[handle]
            self.lines[previous] = "#" + self.lines[previous][1:]
        self.tag_lines[handle] = len(self.lines)
        self.lines.append(line)

    def _version(self, line: str, rest: str) -> None:
        version = _VERSION.match(rest)
        if version is None:
            self.lines.append(line)  # malformed: libyaml rejects it as the npm parser does
            return
        # Any well-formed version is accepted; only 1.1 changes the schema.
        self.yaml11 = version["version"] == "1.1"
        self.lines.append("#" + line[1:] if self.seen_version else "%YAML 1.2")
        self.seen_version = True


def _prepare(first: int, lines: list[str], stream_start: bool, terminated: bool, plain: bool = False) -> _Chunk:
    """The chunk of `lines`; `plain`: no line starts with `%`, `...` or a byte-order mark, so
    there is nothing to rewrite line by line."""
    yaml11, broken = False, None
    if not plain:
        lines, yaml11, broken = _rewritten(first, lines, stream_start)
    body = "\n".join(lines) + ("\n" if terminated else "")
    body, masked, glued = _for_libyaml(body, yaml11)
    return _Chunk(first, body, yaml11, masked, broken or glued)


def _rewritten(first: int, lines: list[str], stream_start: bool) -> tuple[list[str], bool, str | None]:
    """A document's lines with its directives and in-document `%` and `...` lines rewritten as
    libyaml should read them, whether it declared `%YAML 1.1`, and why the npm parser refuses it
    because of such a line (None: it does not)."""
    out: list[str] = []
    directives = _Directives(out)
    broken: str | None = None
    in_directives = True
    for number, line in enumerate(lines):
        if in_directives and stream_start and line.startswith("\ufeff") and (first, number) != (0, 0):
            # Before a document's content the npm parser skips one byte-order mark per line (the
            # file's own first one is already gone).
            line = line[1:]
        if in_directives and line.startswith("%"):
            directives.add(line)
            continue
        if line.startswith(("%", "...")):
            line, problem = _document_line(line)
            broken = broken or problem
        if _MARKER.match(line) or (line.strip() and not line.lstrip().startswith("#")):
            in_directives = False
        out.append(line)
    return out, directives.yaml11, broken


def _document_line(line: str) -> tuple[str, str | None]:
    """A line of a document's content that starts with `%` or `...`, as libyaml should read it,
    and why the npm parser refuses the document because of it (None: it does not)."""
    if line.startswith("%"):
        # Inside a document a directive line is a plain scalar, and none may start with `%`.
        return "#" + line[1:], "a line starting with `%` inside a document (directives go before `---`)"
    end = _END.match(line)
    if end is not None and end["rest"].strip() and not end["rest"].strip().startswith("#"):
        return "...", "content after the document end marker `...`"
    return line, None


def _for_libyaml(body: str, yaml11: bool) -> tuple[str, bool, str | None]:
    """A document rewritten where libyaml would read it otherwise than the npm parser: (text,
    whether characters were masked, why the npm parser refuses it if a token scan found why).

    Each scan looks for something rare, so a substring test for a character its pattern cannot
    match without comes first: `in` runs at memory speed, a pattern scan does not."""
    masked = bool(_FOREIGN_CHAR.search(body)) or ("\r" in body and bool(_LONE_CR.search(body)))
    if masked:
        body = _mask(body)
    if ("&" in body or "*" in body) and _WIDE_ANCHOR.search(body):
        body = _rename_anchors(body)
    if _SURROGATE_ESCAPE.search(body) or ("\t" in body and (_TAB_AFTER_INDICATOR.search(body) or _TAB_LINE.search(body))):
        body = _repair(body, yaml11)
    glued: str | None = None
    if _MAYBE_NON_SPECIFIC.search(body) or _maybe_glued(body):
        body, glued = _scan_tags_and_comments(body)
    return body, masked, glued


def _maybe_glued(text: str) -> bool:
    """Whether a `#` follows a closing bracket, brace or quote, or a block scalar's header
    (`|`, `>-`, `|2+`) straight away: where libyaml and the npm parser may read a comment apart.
    Only the `#`s are looked at, and most documents have few."""
    at = text.find("#")
    while at != -1:
        if at > 0 and text[at - 1] in "]}\"'":
            return True
        before = at - 1
        while before >= 0 and text[before] in "-+0123456789":
            before -= 1
        if before >= 0 and text[before] in "|>":
            return True
        at = text.find("#", at + 1)
    return False


_CLOSERS = (yaml.FlowSequenceEndToken, yaml.FlowMappingEndToken)
_BLOCK_HEADER = re.compile(r"[|>][-+0-9]*")
_MAYBE_NON_SPECIFIC = re.compile(r"!(?=[\s,\]}]|$)", re.MULTILINE)
# Block indicators at a line's start followed by whitespace that holds a tab.
_TAB_AFTER_INDICATOR = re.compile(r"^[ ]*(?:[-?:][ \t]+)*[-?:][ ]*\t[ \t]*", re.MULTILINE)
_INDICATOR_NEXT = re.compile(r"[-?:](?:[ \t\r\n]|$)")
_IMPLICIT_KEY = re.compile(r"[^#\n\"'\[{]*?:(?:[ \t\r]|$)", re.MULTILINE)
_TAB_COMMENT = re.compile(r"^[ \t]*\t[ \t]*(?:#.*)?\r?$")
_TAB_LINE = re.compile(r"^[ ]*\t[ \t]*(?:#|\r?$)", re.MULTILINE)
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_SURROGATE_PAIR = re.compile(r"\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})")


def _scan_tags_and_comments(text: str) -> tuple[str, str | None]:
    """Two readings libyaml's tokens can tell apart where text patterns cannot.

    The non-specific tag `!` makes a scalar a string for the npm parser, while libyaml resolves it
    as if untagged: it is spelled `!!str` instead. A `#` straight after a closing bracket, brace
    or quote is a comment to libyaml and an error to the npm parser. A `! ` or `]#` inside a
    block scalar or a quoted string is not a token, so it is left alone.
    """
    scanner = _Parser(text)
    places: list[int] = []
    glued: str | None = None
    try:
        while (token := scanner.get_token()) is not None:
            if isinstance(token, yaml.TagToken) and token.value == (None, "!"):
                places.append(token.start_mark.index)
            glued = glued or _glued_comment(text, token)
    except yaml.YAMLError:
        pass  # the real parse reports it; keep what was found before the error
    finally:
        scanner.dispose()
    for place in reversed(places):
        text = f"{text[:place]}!!str{text[place + 1 :]}"
    return text, glued


def _glued_comment(text: str, token: yaml.Token) -> str | None:
    """Why the npm parser refuses a `#` straight after `token`, if one follows it there."""
    closes = isinstance(token, _CLOSERS) or (isinstance(token, yaml.ScalarToken) and token.style in ('"', "'"))
    if closes and text[token.end_mark.index : token.end_mark.index + 1] == "#":
        return "a comment must be separated from the value before it by a space"
    if isinstance(token, yaml.ScalarToken) and token.style in ("|", ">"):
        header = _BLOCK_HEADER.match(text, token.start_mark.index)
        if header and text[header.end() : header.end() + 1] == "#":
            return "a comment must be separated from a block scalar's header by a space"
    return None


# An anchor or alias whose name holds a character libyaml does not take (`&https://x`, `*a.b`):
# the npm parser reads the name up to whitespace or a flow indicator.
_WIDE_ANCHOR = re.compile(r"(?:^|(?<=[\s\[{,]))[&*][^\s,\[\]{}]*[^A-Za-z0-9_\-\s,\[\]{}]", re.MULTILINE)
_NAME_END = re.compile(r"[\s,\[\]{}]|$")


# Each repair pass re-reads the whole text: bounded by passes and by the bytes read in all, so a
# large file full of repairable spots costs seconds, not minutes (and is then left to the parser).
REPAIR_PASSES = 200
REPAIR_BYTES = 16 * 1024 * 1024


def _passes(text: str) -> range:
    return range(max(1, min(REPAIR_PASSES, REPAIR_BYTES // max(1, len(text)))))


def _rename_anchors(text: str) -> str:
    """Give anchors and aliases that the npm parser names more widely than libyaml does a name
    libyaml takes, the same for every use. libyaml's tokens (or its error) say where they are."""
    names: dict[str, str] = {}
    for _ in _passes(text):
        scanner = _Parser(text)
        place = -1
        try:
            while (token := scanner.get_token()) is not None:
                if isinstance(token, yaml.AnchorToken | yaml.AliasToken):
                    end = _NAME_END.search(text, token.start_mark.index + 1)
                    if end is not None and end.start() > token.end_mark.index:
                        place = token.start_mark.index
                        break
        except yaml.MarkedYAMLError as err:
            if err.context in ("while scanning an anchor", "while scanning an alias") and err.context_mark:
                place = err.context_mark.index
        except yaml.YAMLError:
            pass
        finally:
            scanner.dispose()
        if place < 0:
            return text
        end = _NAME_END.search(text, place + 1)
        stop = end.start() if end is not None else len(text)
        safe = names.setdefault(text[place + 1 : stop], f"catalint-anchor-{len(names)}")
        text = text[: place + 1] + safe + text[stop:]
    return text


def _repair(text: str, yaml11: bool) -> str:
    """Rewrite what libyaml refuses but the npm parser reads, at the places libyaml names.

    * `\\uD83D\\uDE00` escapes in double-quoted scalars: JavaScript strings are UTF-16, so the
      npm parser joins a pair into one character and keeps a lone half; a pair becomes one `\\U`
      escape, a lone half U+FFFD (neither is whitespace nor matches any format, as the half
      would not).
    * Tabs after a block indicator (`-\\tx`, `? \\tkey`): separation to the npm parser, unless a
      further indicator follows (then both refuse it). They become spaces, keeping columns.

    libyaml reports where each one is, which also tells a scalar from text that only looks alike.
    """
    for _ in _passes(text):
        composer = _Composer11(text) if yaml11 else _Composer(text)
        try:
            while composer.check_node():
                composer.get_node()
            return text
        except yaml.MarkedYAMLError as err:
            mark = err.problem_mark
            fixed = _repaired(text, err.problem or "", mark.index if mark is not None else -1)
            if fixed is None:
                return text
            text = fixed
        except yaml.YAMLError:
            return text
        finally:
            composer.dispose()
    return text


def _repaired(text: str, problem: str, at: int) -> str | None:
    if problem == "found invalid Unicode character escape code" and text[at - 2 : at] == "\\u":
        start = at - 2
        pair = _SURROGATE_PAIR.match(text, start)
        if pair:
            code = 0x10000 + ((int(pair[1], 16) - 0xD800) << 10) + (int(pair[2], 16) - 0xDC00)
            return f"{text[:start]}\\U{code:08X}{text[pair.end() :]}"
        return f"{text[:start]}\\uFFFD{text[start + 6 :]}"
    if problem == "found character that cannot start any token" and text[at : at + 1] == "\t":
        line_start = text.rfind("\n", 0, at) + 1
        match = _TAB_AFTER_INDICATOR.match(text, line_start)
        if (
            match
            and match.end() > at
            and not _INDICATOR_NEXT.match(text, match.end())
            and not _IMPLICIT_KEY.match(text, match.end())  # a mapping after the tab: indentation
        ):
            return text[:line_start] + match.group(0).replace("\t", " ") + text[match.end() :]
    if problem in ("found a tab character that violates indentation", "found character that cannot start any token"):
        # A line of only tabs and a comment inside what libyaml takes for a plain scalar going on:
        # to the npm parser just a comment line.
        line_start = text.rfind("\n", 0, at) + 1
        line_end = text.find("\n", at)
        line = text[line_start : line_end if line_end != -1 else len(text)]
        if _TAB_COMMENT.match(line):
            return text[:line_start] + line.replace("\t", " ") + text[line_start + len(line) :]
    return None


# Characters the npm parser takes as ordinary content but libyaml refuses (controls,
# non-characters) or reads as something else (a CR alone, NEL, LS and PS as line breaks, a BOM
# at the start of a line as nothing). They are swapped for stand-ins in plane 15, which libyaml
# takes as content, and swapped back in every scalar.
_FOREIGN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]|\r(?!\n)")
# Its two halves apart: a pattern that is one character class scans far faster than one that
# branches, and a CR is rarely there to look for.
_FOREIGN_CHAR = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_LONE_CR = re.compile("\r(?!\n)")
_STAND_IN = 0xF0000
_UNMASK = {
    _STAND_IN + c: c
    for c in (*range(0x00, 0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, 0xFEFF, 0xFFFE, 0xFFFF)
}


def _mask(text: str) -> str:
    def swap(match: re.Match[str]) -> str:
        return chr(_STAND_IN + ord(match.group(0)))

    # After `:` or `,` the npm parser takes a lone CR as the separating space, and keeps it.
    text = re.sub(r"(?<=[:,])\r(?!\n)", " \r", text)
    return _FOREIGN.sub(swap, text)


def _unmask(text: str) -> str:
    return text.translate(_UNMASK)


def _offset(mark: Any, lines: int) -> Span:
    return Span.point(int(mark.line) + lines + 1, int(mark.column) + 1)


def load_text(text: str, *, max_alias_expansion: int = DEFAULT_MAX_ALIAS_EXPANSION) -> LoadedFile:
    loaded = LoadedFile([], [], 0)  # `count` is the stream index of the next document meanwhile
    for chunk in _chunks(text):
        if chunk.empty:
            loaded.count += 1
            continue
        for node in _nodes(chunk, loaded):
            constructor = _Constructor(max_alias_expansion, chunk.yaml11, chunk.masked, chunk.text)
            found = constructor.document(node, chunk.line, loaded.count)
            if isinstance(found, YamlProblem):
                loaded.problems.append(found)
            elif found is not None:
                loaded.documents.append(found)
            loaded.count += 1
    return loaded


def _nodes(chunk: _Chunk, loaded: LoadedFile) -> Iterator[Node]:
    """The root nodes of a chunk's documents, to be constructed one by one. A chunk the npm
    parser refuses as a whole, and a syntax error that ends the chunk, are recorded in `loaded`
    instead, each taking a stream index as the npm parser counts them."""
    composer: _Composer | _Composer11 | None = None
    chunk_start = loaded.count
    try:
        composer = _Composer11(chunk.text) if chunk.yaml11 else _Composer(chunk.text)
        while composer.check_node():
            node = composer.get_node()
            if node is None:  # pragma: no cover - libyaml returns a node when check_node is true
                break
            if chunk.broken:
                span = Span.point(chunk.line + chunk.text.count("\n") + 1)
                loaded.problems.append(YamlProblem("syntax", f"YAML syntax error: {chunk.broken}", span, loaded.count))
                loaded.count += 1
                continue
            yield node
    except yaml.MarkedYAMLError as err:
        if loaded.count > chunk_start and err.problem == "did not find expected <document start>":
            # Content after a complete document: the npm parser rejects that document itself.
            loaded.count -= 1
            loaded.documents[:] = [d for d in loaded.documents if d.index != loaded.count]
        loaded.problems.append(YamlProblem("syntax", _describe(err), _error_span(err, chunk), loaded.count))
        loaded.count += 1
    except yaml.YAMLError as err:  # reader errors: control characters and the like
        loaded.problems.append(_reader_problem(err, chunk, loaded.count))
        loaded.count += 1
    finally:
        if composer is not None:
            composer.dispose()


def _reader_problem(err: yaml.YAMLError, chunk: _Chunk, index: int) -> YamlProblem:
    line = chunk.line + 1
    position = getattr(err, "position", None)
    if isinstance(position, int):
        line += chunk.text.count("\n", 0, position)
    return YamlProblem("syntax", f"YAML error: {str(err).splitlines()[0]}", Span.point(line), index)


def _alias_message(err: _AliasBudgetExceeded, max_alias_expansion: int) -> str:
    if err.node is None:
        return (
            f"aliases expand to more than {max_alias_expansion} nodes; "
            "refusing to expand what looks like an alias bomb"
        )
    return (
        "an anchor is used through aliases more often than Backstage's YAML parser allows "
        f"(uses times the aliases inside its value over {MAX_ALIAS_COUNT}); it refuses the file"
    )


def _error_span(err: yaml.MarkedYAMLError, chunk: _Chunk) -> Span:
    mark = err.problem_mark or err.context_mark
    if err.context_mark is not None and mark is not None and not chunk.text[mark.index :].strip():
        # "did not find the closing ]" is reported at the end of the stream; the construct
        # that was left open is where the reader has to look.
        mark = err.context_mark
    return _offset(mark, chunk.line) if mark is not None else Span.point(chunk.line + 1)


def _has_content(lines: list[str]) -> bool:
    for line in lines:
        stripped = line.strip()
        if stripped and not stripped.startswith(("#", "%")):
            return True
    return False


def _describe(err: yaml.MarkedYAMLError) -> str:
    parts = [p for p in (err.context, err.problem) if p]
    text = ", ".join(parts) if parts else "invalid YAML"
    return f"YAML syntax error: {text}"
