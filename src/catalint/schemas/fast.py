"""A quick yes/no check of a value against our own schemas, for the common case of valid input.

jsonschema builds a validator object per keyword and per level, which is most of a lint's cost
on valid files. Our schemas use a small set of keywords, so they compile here into plain Python
closures that answer only "valid?"; when the answer is no, jsonschema runs to produce the
errors. Tests check that both agree on every document of the corpus.

Every document of a run goes through these closures, so they are built for speed: one closure
per schema where the keywords allow (a `{"type": "string", "minLength": 1}` field is one
`isinstance` and one `len`), plain loops rather than generators, set operations for `required`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_integer(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": _is_number,
    "integer": _is_integer,
}
# The types that are exactly one `isinstance` test (None's class stands for null).
_CLASSES: dict[str, type] = {"string": str, "object": dict, "array": list, "boolean": bool, "null": type(None)}
_IGNORED = {"$schema", "$id", "title", "description", "examples", "default"}
_KNOWN = {
    "type",
    "required",
    "properties",
    "patternProperties",
    "additionalProperties",
    "items",
    "minLength",
    "minimum",
    "enum",
    "oneOf",
}


class Unsupported(ValueError):
    pass


def compile_schema(schema: dict[str, Any]) -> Check:
    unknown = set(schema) - _KNOWN - _IGNORED
    if unknown:
        raise Unsupported(f"keywords not supported by the fast path: {sorted(unknown)}")
    if set(schema) - _IGNORED == {"type", "minLength"} and schema["type"] == "string":
        least = schema["minLength"]
        return lambda v: isinstance(v, str) and len(v) >= least
    return _every([build(schema) for keywords, build in _BUILDERS if any(k in schema for k in keywords)])


def _always(v: Any) -> bool:
    return True


def _every(checks: list[Check]) -> Check:
    """One check that passes when all of `checks` pass, in their order."""
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    if len(checks) == 2:
        first, second = checks
        return lambda v: first(v) and second(v)
    if len(checks) == 3:  # an object's type, required and properties
        first, second, third = checks
        return lambda v: first(v) and second(v) and third(v)

    def every(v: Any) -> bool:
        for check in checks:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not check(v):
                return False
        return True

    return every


def _type(schema: dict[str, Any]) -> Check:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    if all(n in _CLASSES for n in names):
        classes = tuple(_CLASSES[n] for n in names)
        return lambda v: isinstance(v, classes)
    tests = [_TYPES[n] for n in names]
    return lambda v: any(t(v) for t in tests)


def _enum(schema: dict[str, Any]) -> Check:
    options = schema["enum"]
    if all(type(o) is str for o in options):
        strings = frozenset(options)
        return lambda v: type(v) is str and v in strings
    return lambda v: any(v == o and type(v) is type(o) for o in options)


def _min_length(schema: dict[str, Any]) -> Check:
    least = schema["minLength"]
    return lambda v: not isinstance(v, str) or len(v) >= least


def _minimum(schema: dict[str, Any]) -> Check:
    low = schema["minimum"]
    return lambda v: not _is_number(v) or v >= low


def _required(schema: dict[str, Any]) -> Check:
    required = frozenset(schema["required"])
    return lambda v: not isinstance(v, dict) or v.keys() >= required


def _mapping(schema: dict[str, Any]) -> Check:
    """`properties`, `patternProperties` and `additionalProperties` together: a key is checked
    against every schema it matches, and against `additionalProperties` when it matches none."""
    props = {k: compile_schema(s) for k, s in schema.get("properties", {}).items()}
    patterns = [(re.compile(p), compile_schema(s)) for p, s in schema.get("patternProperties", {}).items()]
    extra_schema = schema.get("additionalProperties", True)
    extra = compile_schema(extra_schema) if isinstance(extra_schema, dict) else None
    if not patterns:
        return _properties(props, extra)

    def mapping(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key, value in v.items():
            matched = False
            check = props.get(key)
            if check is not None:
                matched = True
                if not check(value):
                    return False
            for pattern, pcheck in patterns:
                if pattern.search(key):
                    matched = True
                    if not pcheck(value):
                        return False
            if not matched and extra is not None and not extra(value):
                return False
        return True

    return mapping


def _properties(props: dict[str, Check], extra: Check | None) -> Check:
    """`_mapping` without `patternProperties`, the common case: a key's schema is its property's,
    else `additionalProperties`."""

    def properties(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key, value in v.items():
            check = props.get(key, extra)
            if check is not None and not check(value):
                return False
        return True

    return properties


def _items(schema: dict[str, Any]) -> Check:
    item = compile_schema(schema["items"])

    def items(v: Any) -> bool:
        if not isinstance(v, list):
            return True
        for i in v:  # noqa: SIM110 - a loop is faster than all() over a generator
            if not item(i):
                return False
        return True

    return items


def _one_of(schema: dict[str, Any]) -> Check:
    options = [compile_schema(s) for s in schema["oneOf"]]

    def one_of(v: Any) -> bool:
        passed = 0
        for option in options:
            if option(v):
                passed += 1
        return passed == 1

    return one_of


# The keywords each check stands for, in the order the checks run (cheap ones first).
_BUILDERS: tuple[tuple[tuple[str, ...], Callable[[dict[str, Any]], Check]], ...] = (
    (("type",), _type),
    (("enum",), _enum),
    (("minLength",), _min_length),
    (("minimum",), _minimum),
    (("required",), _required),
    (("properties", "patternProperties", "additionalProperties"), _mapping),
    (("items",), _items),
    (("oneOf",), _one_of),
)
