"""Organisation policies: JSON Schemas, named in `.catalint.yaml`, that entities of some kinds (and
optionally some `spec.type`s) must satisfy on top of Backstage's own rules.

Each policy is a rule of its own, `policy/<name>`, with the severity and the description its
configuration gives it; `catalint explain policy/<name>` prints that description. Findings land on
the node the schema complains about (a missing field: on the mapping that lacks it), and are
silenced like any other rule's (`# catalint: disable=policy/<name>`). A policy is the
organisation's rule, not Backstage's: its findings never make a document invalid.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, NamedTuple

from catalint.facts import Pointer, Problem
from catalint.model import Severity
from catalint.words import counted

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

    from catalint.rules.base import EntityDoc

PREFIX = "policy/"
# What `# catalint: disable=` comments can spell, lowercased like every rule id.
NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


@dataclass(frozen=True, slots=True)
class Policy:
    """One policy as the configuration states it. The schema is kept as JSON text: hashable for the
    cache key, and cheap to hand to worker processes, each of which compiles it once."""

    name: str
    description: str
    severity: Severity
    kinds: tuple[str, ...]  # lowercased; Backstage compares kinds case-insensitively
    types: tuple[str, ...]  # lowercased spec.type values; empty: every type
    schema: str

    @property
    def rule_id(self) -> str:
        return PREFIX + self.name

    def applies_to(self, kind: str | None, spec_type: Any) -> bool:
        if kind is None or kind.lower() not in self.kinds:
            return False
        return not self.types or (isinstance(spec_type, str) and spec_type.lower() in self.types)


def pointer(parts: Sequence[str | int]) -> str:
    """RFC 6901: `("properties", "a/b")` -> `/properties/a~1b`."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


def schema_problem(schema: Any) -> tuple[str, str] | None:
    """(JSON pointer, what is wrong) when `schema` is not a JSON Schema catalint can apply, else None."""
    if not isinstance(schema, dict):
        return "", "expected a JSON Schema object"
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import SchemaError
    from jsonschema.validators import validator_for

    if "$schema" in schema and validator_for(schema, default=None) is None:  # type: ignore[arg-type]
        return "/$schema", f"unknown JSON Schema dialect {schema['$schema']!r}"
    try:
        validator_for(schema, default=Draft7Validator).check_schema(schema)
    except SchemaError as err:
        return pointer(list(err.absolute_path)), err.message
    return _remote_ref(schema, ())


def _remote_ref(node: Any, at: tuple[str | int, ...]) -> tuple[str, str] | None:
    """A `$ref` that leaves the schema would be fetched from the network: refused."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            return pointer((*at, "$ref")), f"only references inside the schema (#/...) are supported, found {ref!r}"
        items: Iterator[tuple[str | int, Any]] = iter(node.items())
    elif isinstance(node, list):
        items = iter(enumerate(node))
    else:
        return None
    for key, value in items:
        found = _remote_ref(value, (*at, key))
        if found:
            return found
    return None


@functools.cache
def _validator(schema_text: str) -> Any:
    # jsonschema is imported by runs that have policies only.
    from jsonschema import Draft7Validator
    from jsonschema.validators import validator_for

    schema = json.loads(schema_text)
    return validator_for(schema, default=Draft7Validator)(schema)


def check(doc: EntityDoc) -> Iterator[tuple[Policy, Problem]]:
    """Every policy that applies to `doc`, with each of its complaints."""
    policies: Sequence[Policy] = doc.settings.get("policies") or ()
    if not policies or not isinstance(doc.data, dict):
        return
    kind, spec_type = doc.kind, doc.spec.get("type")
    raw = doc.memo.get("raw", doc.data)
    unread: AbstractSet[Pointer] = doc.memo.get("unread", frozenset())
    for policy in policies:
        if policy.applies_to(kind, spec_type):
            errors = _validator(policy.schema).iter_errors(doc.data)
            for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):
                written = None if raw is doc.data else placeholder_at(raw, tuple(error.absolute_path), unread)
                yield policy, problem(error, written)


_RESOLVERS = ("$text", "$json", "$yaml")


class Written(NamedTuple):
    """The placeholder that gave a value, as the descriptor writes it."""

    placeholder: str  # `$text: ./owner.txt`
    exact: bool  # it gave exactly that value, not a mapping or list holding it
    read: bool = True  # False: assumed, or not read; what stands there is no file's content


def placeholder_at(raw: Any, at: Pointer, unread: AbstractSet[Pointer] = frozenset()) -> Written | None:
    """The placeholder that gave the value at `at` of the substituted document (`unread`: the
    pointers of placeholders whose target was not read)."""
    node = raw
    for depth, part in enumerate((*at, None)):
        if isinstance(node, dict) and len(node) == 1:
            ((key, target),) = node.items()
            if key in _RESOLVERS and isinstance(target, str):
                return Written(f"{key}: {target}", depth == len(at), at[:depth] not in unread)
        if part is None:
            return None
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return None


def problem(error: ValidationError, written: Written | None = None) -> Problem:
    """A jsonschema error as a finding on the node concerned, in the words catalint uses elsewhere.
    A value a placeholder gave is shown as the descriptor writes it (`written`), with what it read;
    a placeholder not read is said to be so, never to have read its stand-in."""
    from catalint.rules.base import describe_type, dotted

    at: Pointer = tuple(error.absolute_path)
    field, value = dotted(at), error.instance
    expected: Any = error.validator_value
    keyword = str(error.validator)
    if keyword == "required":  # worded and placed as for Backstage's own required fields
        from catalint.rules.schema_errors import problems_from

        return next(problems_from([error]))
    words = {
        "pattern": lambda: f"must match the pattern {expected}",
        "const": lambda: f"must be {json.dumps(expected)}",
        "enum": lambda: f"must be one of {', '.join(json.dumps(v) for v in expected)}",
        "type": lambda: f"must be {' or '.join(expected) if isinstance(expected, list) else expected}, "
        f"not {describe_type(value)}",
        "minLength": lambda: f"must be at least {counted(expected, 'character')} long",
        "maxLength": lambda: f"must be at most {counted(expected, 'character')} long",
        "minItems": lambda: f"must have at least {counted(expected, 'item')}",
        "maxItems": lambda: f"must have at most {counted(expected, 'item')}",
    }
    explain = words.get(keyword)
    if explain is None:
        return Problem(f"{field}: {_short(error.message)}{_origin(written)}", at)
    if keyword in ("type", "minItems", "maxItems"):
        return Problem(f"{field} {explain()}{_origin(written)}", at)
    if written is not None and not written.read:
        return Problem(f"{field} {explain()}{_origin(written)}", at)
    found = _short(json.dumps(value, default=str))
    if written is None:
        return Problem(f"{field} {explain()}; found {found}", at)
    placeholder, exact, _ = written
    shown = f"{placeholder}, which reads {found}" if exact else f"{found} in {placeholder}"
    return Problem(f"{field} {explain()}; found {shown}", at)


def _origin(written: Written | None) -> str:
    if written is None:
        return ""
    return f"; from {written.placeholder}" + ("" if written.read else " (not read)")


def _short(text: str, limit: int = 200) -> str:
    """jsonschema quotes the whole value it rejects, which may be a long description or the entity."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
