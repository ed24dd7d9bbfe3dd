"""`$text`, `$json` and `$yaml` substitution, as Backstage's PlaceholderProcessor does it.

An object whose only key is `$text`, `$json` or `$yaml` with a string value is replaced by the
file it names: `$text` by its text, the others by the parsed data. Objects with several keys
where any is a `$` key, unknown resolvers (`$openapi`, `$ref`) and non-string values are left
untouched, exactly as Backstage leaves them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from catalint.facts import Fetched, FetchStatus, Problem
from catalint.yaml.loader import Pointer, load_text

RESOLVERS = ("text", "json", "yaml")
# What a placeholder's problem is; rules/placeholder.py names the rule each is a finding of.
REJECTED = "rejected"  # Backstage refuses the entity: unreadable, unparseable, not allowed
ESCAPES = "escapes"  # the target leaves the repository; not read
UNANSWERED = "unanswered"  # Bitbucket could not be asked
UNFETCHED = "unfetched"  # not fetched by design: offline, or a host catalint does not read
MISREAD = "misread"  # Backstage reads the URL as another ref


Reader = Callable[[str], Fetched]


@dataclass(slots=True)
class Substitution:
    data: Any
    problems: list[tuple[str, Problem]] = field(default_factory=list)
    found: int = 0


_STAND_IN: dict[str, Any] = {"text": "placeholder", "json": {}, "yaml": {}}


def substitute(data: Any, read: Reader | None) -> Substitution:
    """Replace placeholders; `read=None` puts type-shaped stand-ins in (the conformance mode)."""
    result = Substitution(data)
    result.data = _walk(data, (), read, result)
    return result


def _no_constant(name: str) -> Any:
    """JSON.parse knows no NaN or Infinity, which Python's json module accepts."""
    raise ValueError(f"{name} is not JSON")


def _walk(value: Any, pointer: Pointer, read: Reader | None, out: Substitution) -> Any:
    if isinstance(value, list):
        items = [_walk(v, (*pointer, i), read, out) for i, v in enumerate(value)]
        return items if any(a is not b for a, b in zip(items, value, strict=True)) else value
    if not isinstance(value, dict):
        return value
    keys = list(value)
    if not any(k.startswith("$") for k in keys):
        changed = {k: _walk(v, (*pointer, k), read, out) for k, v in value.items()}
        return changed if any(changed[k] is not value[k] for k in keys) else value
    if len(keys) != 1 or pointer == ("metadata", "annotations"):
        # Backstage adds its location annotations to `metadata.annotations` before substituting,
        # so a placeholder standing for the whole mapping always has company and stays as is.
        return value
    name = keys[0][1:]
    target = value[keys[0]]
    if name not in RESOLVERS:
        return value
    if not isinstance(target, str):
        out.problems.append(
            (
                REJECTED,
                Problem(
                    f"${name} expects a string (a relative path or an absolute URL), not {target!r}",
                    (*pointer, keys[0]),
                ),
            )
        )
        return value
    out.found += 1
    if read is None:
        return _STAND_IN[name]
    fetched = read(target)
    where = (*pointer, keys[0])
    if fetched.note:
        out.problems.append((MISREAD, Problem(f"${name} target {target!r}: {fetched.note}", where)))
    if fetched.status is FetchStatus.ESCAPES:
        out.problems.append(
            (ESCAPES, Problem(f"${name} target {target!r} leaves the repository; not read", where))
        )
        return value
    if fetched.status is FetchStatus.FOREIGN:
        out.problems.append((REJECTED, Problem(f"${name} {fetched.detail}", where)))
        return _STAND_IN[name]
    if fetched.status is FetchStatus.OFFLINE:
        detail = fetched.detail or "not verified: the run is offline"
        out.problems.append((UNFETCHED, Problem(f"${name} target {target!r} {detail}", where)))
        return _STAND_IN[name]
    if fetched.status in (FetchStatus.UNVERIFIED, FetchStatus.SKIPPED):
        if fetched.detail:
            out.problems.append((UNANSWERED, Problem(f"${name} target {target!r} {fetched.detail}", where)))
        return _STAND_IN[name]
    if fetched.status is FetchStatus.MISSING or fetched.text is None:
        detail = fetched.detail or f"{fetched.where or target} does not exist"
        out.problems.append((REJECTED, Problem(f"${name} could not read {target!r}: {detail}", where)))
        return _STAND_IN[name]
    if name == "text":
        return fetched.text
    if name == "json":
        try:
            return json.loads(fetched.text, parse_constant=_no_constant)
        except ValueError as err:
            out.problems.append((REJECTED, Problem(f"$json target {target!r} is not valid JSON: {err}", where)))
            return _STAND_IN[name]
        except RecursionError:
            # Backstage parses it, then overflows its stack merging it (from about 2,000 levels).
            out.problems.append((REJECTED, Problem(f"$json target {target!r} is nested too deeply", where)))
            return _STAND_IN[name]
    loaded = load_text(fetched.text)
    if loaded.problems:
        first = loaded.problems[0]
        out.problems.append(
            (
                REJECTED,
                Problem(f"$yaml target {target!r} does not parse (line {first.span.line}): {first.message}", where),
            )
        )
        return _STAND_IN[name]
    if loaded.count != 1:
        out.problems.append(
            (
                REJECTED,
                Problem(f"$yaml target {target!r} must hold exactly one document, found {loaded.count}", where),
            )
        )
        return _STAND_IN[name]
    # One document with no content (`---`, `~`) reads as null.
    return loaded.documents[0].data if loaded.documents else None
