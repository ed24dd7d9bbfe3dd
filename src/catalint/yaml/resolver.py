"""YAML 1.2 core schema tag resolution and scalar construction.

Backstage parses descriptors with the `yaml` npm package (YAML 1.2 core schema, merge keys off).
PyYAML resolves YAML 1.1, where `yes`, `on`, `2023-01-01`, `017` and `<<` mean something else;
this resolver registers only the 1.2 core types so those stay what Backstage sees.
"""

from __future__ import annotations

import decimal
import math
import re
from typing import Any

from yaml.nodes import Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

NULL = "tag:yaml.org,2002:null"
BOOL = "tag:yaml.org,2002:bool"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
STR = "tag:yaml.org,2002:str"
SEQ = BaseResolver.DEFAULT_SEQUENCE_TAG
MAP = BaseResolver.DEFAULT_MAPPING_TAG

_NULL_RE = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL_RE = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_INT_RE = re.compile(r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$")
_FLOAT_RE = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)

# An explicit `!!float` needs a point, an exponent or inf/nan: `!!float 12` stays the string "12".
_FLOAT_FORM = re.compile(
    r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*|(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+)"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)


class ImplicitResolver(BaseResolver):
    """A resolver of implicit types only, each listed under the first characters it can start
    with (`set_implicit_types`): no path resolvers, no patterns tried on every scalar.

    libyaml's composer calls `resolve` for every node it builds, so it is one of the costs of
    every file; this one answers as `BaseResolver.resolve` does for such a table, with less work."""

    def resolve(self, kind: type[Node], value: Any, implicit: Any) -> str:
        # `value` is the scalar's text (None for a collection); `implicit` (plain, quoted) for a
        # scalar: only a plain untagged scalar is resolved by its text.
        if kind is ScalarNode:
            if implicit[0]:
                table: dict[str, list[tuple[str, re.Pattern[str]]]] = self.yaml_implicit_resolvers
                for tag, pattern in table.get(value[:1], ()):
                    if pattern.match(value):
                        return tag
            return STR
        return SEQ if kind is SequenceNode else MAP


class Core12Resolver(ImplicitResolver):
    """Only the YAML 1.2 core implicit types; everything else is a string."""


def set_implicit_types(resolver: type[ImplicitResolver], table: list[tuple[str, re.Pattern[str], list[str]]]) -> None:
    """Give `resolver` exactly these implicit types: (tag, pattern, possible first characters).
    Every type must list its first characters: `ImplicitResolver` looks nowhere else."""
    resolver.yaml_implicit_resolvers = {}
    for tag, pattern, first in table:
        resolver.add_implicit_resolver(tag, pattern, first)


set_implicit_types(
    Core12Resolver,
    [
        (NULL, _NULL_RE, ["~", "n", "N", ""]),
        (BOOL, _BOOL_RE, list("tTfF")),
        (INT, _INT_RE, list("-+0123456789")),
        (FLOAT, _FLOAT_RE, list("-+.0123456789")),
    ],
)


def construct_scalar(tag: str, value: str) -> Any:
    """Turn a resolved scalar into the value the `yaml` npm package would produce."""
    if tag == STR:
        return value
    if tag == NULL and _NULL_RE.match(value):
        return None
    if tag == BOOL and _BOOL_RE.match(value):
        return value[0] in "tT"
    if tag == INT and _INT_RE.match(value):
        return _int(value)
    if tag == FLOAT and _FLOAT_FORM.match(value):
        return float_value(value)
    # Explicit tags (`!!str 1`, `!custom x`) and mismatches keep the text, as the npm parser does.
    return value


def _int(value: str) -> int | float:
    if value.startswith("0o"):
        return js_integer(value[2:], 8)
    if value.startswith("0x"):
        return js_integer(value[2:], 16)
    # YAML 1.2: a leading zero is decimal (`017` is 17), unlike PyYAML's YAML 1.1 octal.
    return js_integer(value, 10)


MAX_DOUBLE_BITS = 1024  # an integer this wide is beyond every JavaScript number: Infinity


def js_integer(digits: str, base: int) -> int | float:
    """An integer scalar as a JavaScript number can hold it: exact, or ±Infinity past a double's
    range. Python refuses to convert (or print) decimal integers past 4,300 digits, so such a
    value must never become an int."""
    body = digits.lstrip("+-").lstrip("0")
    negative = digits.startswith("-")
    if base == 10 and len(body) > 330:  # 10**330 > 2**1024
        return -math.inf if negative else math.inf
    number = int(digits, base)
    if number.bit_length() > MAX_DOUBLE_BITS:
        return -math.inf if negative else math.inf
    return number


def float_value(value: str) -> float:
    """A float from YAML text, `.inf` and `.nan` included."""
    lowered = value.lower()
    if lowered.endswith(".inf"):
        return -math.inf if lowered.startswith("-") else math.inf
    if lowered == ".nan":
        return math.nan
    return float(value)


def js_number(value: float) -> str:
    """`String(n)` for a JavaScript number: the shortest round-trip digits, placed as ECMAScript does."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    exact = decimal.Decimal(repr(abs(value))).normalize()
    _, digit_tuple, exponent = exact.as_tuple()
    assert isinstance(exponent, int)
    digits = "".join(map(str, digit_tuple))
    k = len(digits)
    n = exponent + k
    if k <= n <= 21:
        return sign + digits + "0" * (n - k)
    if 0 < n <= 21:
        return sign + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return sign + "0." + "0" * (-n) + digits
    power = n - 1
    mantissa = digits if k == 1 else digits[0] + "." + digits[1:]
    return f"{sign}{mantissa}e{'+' if power > 0 else '-'}{abs(power)}"


def js_key(value: Any) -> str:
    """Stringify a mapping key the way JavaScript's object keys do after `toJSON()`."""
    if isinstance(value, str):
        return value
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        # Every YAML integer is a double in JavaScript: large ones lose digits or overflow.
        return js_number(_as_double(value))
    if isinstance(value, float):
        return js_number(value)
    return str(value)


def _as_double(value: int) -> float:
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf
