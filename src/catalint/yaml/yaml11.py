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

from yaml.resolver import BaseResolver

from catalint.yaml.resolver import (
    BOOL,
    FLOAT,
    INT,
    MAX_DOUBLE_BITS,
    NULL,
    STR,
    float_value,
    js_number,
    set_implicit_types,
)

MERGE = "tag:yaml.org,2002:merge"
TIMESTAMP = "tag:yaml.org,2002:timestamp"

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_TRUE = re.compile(r"^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON)$")
_FALSE = re.compile(r"^(?:n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")
_INT = re.compile(
    r"^(?:[-+]?0b[01_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+)$"
)
_FLOAT = re.compile(
    r"^(?:[-+]?(?:[0-9][0-9_]*)?\.[0-9_]*(?:[eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
)
_TIMESTAMP = re.compile(
    r"^(?P<y>[0-9]{4})-(?P<m>[0-9]{1,2})-(?P<d>[0-9]{1,2})"
    r"(?:(?:[Tt]|[ \t]+)(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2}):(?P<S>[0-9]{2})(?:\.(?P<f>[0-9]*))?"
    r"(?:[ \t]*(?P<tz>Z|[-+][0-9]{1,2}(?::?[0-9]{2})?))?)?$"
)


class Yaml11Resolver(BaseResolver):
    """The implicit types of the `yaml` package's YAML 1.1 schema."""


_BOOL = re.compile(r"^(?:y|Y|yes|Yes|YES|true|True|TRUE|on|On|ON|n|N|no|No|NO|false|False|FALSE|off|Off|OFF)$")

set_implicit_types(
    Yaml11Resolver,
    [
        (NULL, _NULL, ["~", "n", "N", ""]),
        (BOOL, _BOOL, list("yYnNtTfFoO")),
        (INT, _INT, list("-+0123456789")),
        (FLOAT, _FLOAT, list("-+.0123456789")),
        (TIMESTAMP, _TIMESTAMP, list("0123456789")),
        (MERGE, re.compile(r"^(?:<<)$"), ["<"]),
    ],
)


def construct_scalar_11(tag: str, value: str) -> Any:
    if tag == STR:
        return value
    if tag == NULL and _NULL.match(value):
        return None
    if tag == BOOL and (_TRUE.match(value) or _FALSE.match(value)):
        return bool(_TRUE.match(value))
    if tag == INT and _INT.match(value):
        return _int(value.replace("_", ""))
    if tag == FLOAT and _FLOAT.match(value):
        return _float(value.replace("_", ""))
    if tag == TIMESTAMP:
        match = _TIMESTAMP.match(value)
        if match:
            return _timestamp(match)
    if tag == MERGE:
        return value
    return value


def _int(text: str) -> int | float:
    sign = -1 if text.startswith("-") else 1
    digits = text.lstrip("+-")
    if ":" in digits:
        total: int | float = 0
        for part in digits.split(":"):
            total = total * 60 + js_number(part, 10)
            if isinstance(total, int) and total.bit_length() > MAX_DOUBLE_BITS:
                total = math.inf
        return sign * total
    if digits.startswith("0b"):
        return sign * js_number(digits[2:], 2)
    if digits.startswith("0x"):
        return sign * js_number(digits[2:], 16)
    if len(digits) > 1 and digits.startswith("0"):
        return sign * js_number(digits, 8)
    return sign * js_number(digits, 10)


def _float(text: str) -> float:
    if ":" in text:
        sign = -1.0 if text.startswith("-") else 1.0
        total = 0.0
        for part in text.lstrip("+-").split(":"):
            total = total * 60 + float(part)
        return sign * total
    return float_value(text)


def _timestamp(match: re.Match[str]) -> str:
    """The ISO string JSON gives a JavaScript Date: what Backstage then validates."""
    parts = match.groupdict()
    moment = dt.datetime(int(parts["y"]), int(parts["m"]), int(parts["d"]), tzinfo=dt.UTC)
    if parts["H"] is not None:
        fraction = (parts["f"] or "0")[:6].ljust(6, "0")
        moment = moment.replace(
            hour=int(parts["H"]), minute=int(parts["M"]), second=int(parts["S"]), microsecond=int(fraction)
        )
        tz = parts["tz"]
        if tz and tz != "Z":
            sign = -1 if tz.startswith("-") else 1
            hours, _, minutes = tz[1:].partition(":")
            if not minutes and len(hours) > 2:
                hours, minutes = hours[:2], hours[2:]
            offset = dt.timedelta(hours=int(hours), minutes=int(minutes or 0))
            moment = moment - sign * offset
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
