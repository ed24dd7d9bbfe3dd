"""A quick yes/no check of a value against our own schemas, for the common case of valid input.

jsonschema builds a validator object per keyword and per level, which is most of a lint's cost
on valid files. Our schemas use a small set of keywords, so they compile here into plain Python
closures that answer only "valid?"; when the answer is no, jsonschema runs to produce the
errors. Tests check that both agree on every document of the corpus.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

_TYPES: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "integer": lambda v: (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer()),
}
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
    checks = [build(schema) for keywords, build in _BUILDERS if any(k in schema for k in keywords)]
    return lambda v: all(c(v) for c in checks)


def _type(schema: dict[str, Any]) -> Check:
    names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
    tests = [_TYPES[n] for n in names]
    return lambda v: any(t(v) for t in tests)


def _enum(schema: dict[str, Any]) -> Check:
    options = schema["enum"]
    return lambda v: any(v == o and type(v) is type(o) for o in options)


def _min_length(schema: dict[str, Any]) -> Check:
    least = schema["minLength"]
    return lambda v: not isinstance(v, str) or len(v) >= least


def _minimum(schema: dict[str, Any]) -> Check:
    low = schema["minimum"]
    return lambda v: not _TYPES["number"](v) or v >= low


def _required(schema: dict[str, Any]) -> Check:
    required = tuple(schema["required"])
    return lambda v: not isinstance(v, dict) or all(n in v for n in required)


def _mapping(schema: dict[str, Any]) -> Check:
    """`properties`, `patternProperties` and `additionalProperties` together: a key is checked
    against every schema it matches, and against `additionalProperties` when it matches none."""
    props = {k: compile_schema(s) for k, s in schema.get("properties", {}).items()}
    patterns = [(re.compile(p), compile_schema(s)) for p, s in schema.get("patternProperties", {}).items()]
    extra_schema = schema.get("additionalProperties", True)
    extra = compile_schema(extra_schema) if isinstance(extra_schema, dict) else None

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


def _items(schema: dict[str, Any]) -> Check:
    item = compile_schema(schema["items"])
    return lambda v: not isinstance(v, list) or all(item(i) for i in v)


def _one_of(schema: dict[str, Any]) -> Check:
    options = [compile_schema(s) for s in schema["oneOf"]]
    return lambda v: sum(1 for o in options if o(v)) == 1


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
