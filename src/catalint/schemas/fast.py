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
    checks: list[Check] = []
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        tests = [_TYPES[n] for n in names]
        checks.append(lambda v: any(t(v) for t in tests))
    if "enum" in schema:
        options = schema["enum"]
        checks.append(lambda v: any(v == o and type(v) is type(o) for o in options))
    if "minLength" in schema:
        least = schema["minLength"]
        checks.append(lambda v: not isinstance(v, str) or len(v) >= least)
    if "minimum" in schema:
        low = schema["minimum"]
        checks.append(lambda v: not _TYPES["number"](v) or v >= low)
    if "required" in schema:
        required = tuple(schema["required"])
        checks.append(lambda v: not isinstance(v, dict) or all(n in v for n in required))
    if "properties" in schema or "patternProperties" in schema or "additionalProperties" in schema:
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

        checks.append(mapping)
    if "items" in schema:
        item = compile_schema(schema["items"])
        checks.append(lambda v: not isinstance(v, list) or all(item(i) for i in v))
    if "oneOf" in schema:
        options = [compile_schema(s) for s in schema["oneOf"]]
        checks.append(lambda v: sum(1 for o in options if o(v)) == 1)
    return lambda v: all(c(v) for c in checks)
