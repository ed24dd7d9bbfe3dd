"""YAML 1.1, for the documents that ask for it with a `%YAML 1.1` directive.

Backstage's parser (the `yaml` npm package) switches such a document to its YAML 1.1 schema:
`yes`, `no`, `on`, `off`, `y` and `n` are booleans, `017` is octal, `1_000` and `1:20` are
numbers, dates are timestamps (JSON turns them into ISO strings), and `<<` merges mappings.
Without the directive, everything stays YAML 1.2 (yaml/resolver.py).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from catalint.yaml.resolver import (
    BOOL,
    FLOAT,
    INT,
    MAX_DOUBLE_BITS,
    NULL,
    STR,
    ImplicitResolver,
    float_value,
    js_integer,
    set_implicit_types,
)

MERGE = "tag:yaml.org,2002:merge"
TIMESTAMP = "tag:yaml.org,2002:timestamp"

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")
_FALSE = re.compile(r"^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")
# The `yaml` package's 1.1 number forms, in the order it tries them; the first match wins.
_INT_FORMS: tuple[tuple[re.Pattern[str], int, int], ...] = (  # (test, prefix length, radix)
    (re.compile(r"^[-+]?0b[0-1_]+$"), 2, 2),
    (re.compile(r"^[-+]?0[0-7_]+$"), 1, 8),
    (re.compile(r"^[-+]?[0-9][0-9_]*$"), 0, 10),
    (re.compile(r"^[-+]?0x[0-9a-fA-F_]+$"), 2, 16),
)
_NAN_INF = re.compile(r"^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$")
_FLOAT_EXP = re.compile(r"^[-+]?(?:[0-9][0-9_]*)?(?:\.[0-9_]*)?[eE][-+]?[0-9]+$")
_FLOAT_DOT = re.compile(r"^[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*$")
_INT_TIME = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+$")
_FLOAT_TIME = re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$")
_INT = re.compile("|".join(p.pattern for p, _, _ in _INT_FORMS) + "|" + _INT_TIME.pattern)
_FLOAT = re.compile("|".join(p.pattern for p in (_NAN_INF, _FLOAT_EXP, _FLOAT_DOT, _FLOAT_TIME)))
_TIMESTAMP = re.compile(
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:t|T|[ \t]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{1,2}):(?P<S>[0-9]{1,2})(?P<f>\.[0-9]+)?"
    r"(?:[ \t]*(?P<tz>Z|[-+][012]?[0-9](?::[0-9]{2})?))?)?$"
)


class Yaml11Resolver(ImplicitResolver):
    """The implicit types of the `yaml` package's YAML 1.1 schema."""


_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON|n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")

set_implicit_types(
    Yaml11Resolver,
    [
        (NULL, _NULL, ["~", "n", "N", ""]),
        (BOOL, _BOOL, list("yYnNtTfFoO")),
        (INT, re.compile("|".join(p.pattern for p, _, _ in _INT_FORMS)), list("-+0123456789")),
        (FLOAT, re.compile("|".join(p.pattern for p in (_NAN_INF, _FLOAT_EXP, _FLOAT_DOT))), list("-+.0123456789")),
        (INT, _INT_TIME, list("-+0123456789")),
        (FLOAT, _FLOAT_TIME, list("-+0123456789")),
        (TIMESTAMP, _TIMESTAMP, list("0123456789")),
        (MERGE, re.compile(r"^(?:<<)$"), ["<"]),
    ],
)


def construct_scalar_11(tag: str, value: str) -> Any:
    """A resolved YAML 1.1 scalar's value; text that its tag's forms do not match stays the very
    string it was (the loader tells a refused `!!timestamp` by that)."""
    if tag == STR:
        return value
    if tag == NULL and _NULL.match(value):
        return None
    if tag == BOOL and (_TRUE.match(value) or _FALSE.match(value)):
        return bool(_TRUE.match(value))
    if tag == INT:
        return _integer_11(value)
    if tag == FLOAT:
        return _float_11(value)
    if tag == TIMESTAMP:
        match = _TIMESTAMP.match(value)
        if match:
            return _timestamp(match, value)
    return value


def _integer_11(value: str) -> Any:
    for test, prefix, radix in _INT_FORMS:
        if test.match(value):
            return _int(value, prefix, radix)
    if _INT_TIME.match(value):
        return _sexagesimal(value)
    return value


def _float_11(value: str) -> Any:
    if _NAN_INF.match(value):
        return float_value(value)
    if _FLOAT_EXP.match(value) or _FLOAT_DOT.match(value):
        return parse_float(value.replace("_", ""))
    if _FLOAT_TIME.match(value):
        return _sexagesimal(value)
    return value


def _int(text: str, prefix: int, radix: int) -> int | float:
    """`parseInt` of the digits after the sign and prefix; no digits at all is NaN."""
    sign = -1 if text.startswith("-") else 1
    offset = prefix + (1 if text[:1] in "+-" else 0)
    digits = text[offset:].replace("_", "")
    return sign * js_integer(digits, radix) if digits else math.nan


_FLOAT_PREFIX = re.compile(r"^[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def parse_float(text: str) -> float:
    """JavaScript's `parseFloat`: the longest numeric prefix, NaN when there is none."""
    match = _FLOAT_PREFIX.match(text)
    return float(match.group(0)) if match else math.nan


def _sexagesimal(text: str) -> int | float:
    sign = -1 if text.startswith("-") else 1
    total: int | float = 0
    for part in text.lstrip("+-").replace("_", "").split(":"):
        number: int | float = float(part) if "." in part else js_integer(part, 10)
        total = total * 60 + number
        if isinstance(total, int) and total.bit_length() > MAX_DOUBLE_BITS:
            total = math.inf
    return sign * total


def _timestamp(match: re.Match[str], text: str) -> str:
    """The ISO string JSON gives the JavaScript Date (`Date.UTC` rolls over out-of-range parts)."""
    parts = match.groupdict()
    year = int(parts["y"])
    if year <= 99:
        year += 1900  # Date.UTC reads a two-digit year as 19xx, even written `0042`
    month = int(parts["m"]) - 1
    year, month = year + month // 12, month % 12
    millis = int((parts["f"] or ".").ljust(4, "0")[1:4])
    try:
        moment = dt.datetime(year, month + 1, 1, tzinfo=dt.UTC) + dt.timedelta(
            days=int(parts["d"]) - 1,
            hours=int(parts["H"] or 0),
            minutes=int(parts["M"] or 0),
            seconds=int(parts["S"] or 0),
            milliseconds=millis,
        )
        tz = parts["tz"]
        if tz and tz != "Z":
            offset = _sexagesimal(tz)
            minutes = offset * 60 if abs(offset) < 30 else offset
            moment -= dt.timedelta(minutes=minutes)
    except (ValueError, OverflowError):
        return text  # beyond what a Date holds in this range; rare enough to read as text
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
