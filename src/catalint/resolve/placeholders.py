"""`$text`, `$json` and `$yaml` substitution, as Backstage's PlaceholderProcessor does it.

An object whose only key is `$text`, `$json` or `$yaml` with a string value is replaced by the
file it names: `$text` by its text, the others by the parsed data. Objects with several keys
where any is a `$` key, unknown resolvers (`$openapi`, `$ref`) and non-string values are left
untouched, exactly as Backstage leaves them.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
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
    # Where a placeholder was not read (assumed, failed, or its content refused): what stands
    # there is no file's content, and a message must not say it was read.
    unread: set[Pointer] = field(default_factory=set)


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
    return _placeholder(keys[0], value, pointer, read, out)


def _placeholder(key: str, value: dict[str, Any], pointer: Pointer, read: Reader | None, out: Substitution) -> Any:
    """What the mapping `{key: target}` at `pointer` becomes: the target's content, a stand-in
    of its type when it cannot be had, or the mapping itself when Backstage leaves it as is."""
    name = key[1:]
    target = value[key]
    where = (*pointer, key)
    if name not in RESOLVERS:
        return value
    if not isinstance(target, str):
        message = f"${name} expects a string (a relative path or an absolute URL), not {target!r}"
        out.problems.append((REJECTED, Problem(message, where)))
        return value
    out.found += 1
    out.unread.add(pointer)  # until its content is in
    if read is None:
        return _STAND_IN[name]
    fetched = read(target)
    if fetched.note:
        out.problems.append((MISREAD, Problem(f"${name} target {target!r}: {fetched.note}", where)))
    if fetched.status is FetchStatus.ESCAPES:
        out.problems.append((ESCAPES, Problem(f"${name} target {target!r} leaves the repository; not read", where)))
        return value
    if fetched.status is not FetchStatus.OK or fetched.text is None:
        out.problems.extend(_unread(name, target, fetched, where))
        return _STAND_IN[name]
    if name == "text":
        out.unread.discard(pointer)
        return fetched.text
    problems = len(out.problems)
    content = _json(target, fetched.text, where, out) if name == "json" else _yaml(target, fetched.text, where, out)
    if len(out.problems) == problems:
        out.unread.discard(pointer)
    return content


def _unread(name: str, target: str, fetched: Fetched, where: Pointer) -> Iterator[tuple[str, Problem]]:
    """What a placeholder whose target was not read says, if anything."""
    if fetched.status is FetchStatus.FOREIGN:
        yield REJECTED, Problem(f"${name} {fetched.detail}", where)
    elif fetched.status is FetchStatus.OFFLINE:
        detail = fetched.detail or "not verified: the run is offline"
        yield UNFETCHED, Problem(f"${name} target {target!r} {detail}", where)
    elif fetched.status in (FetchStatus.UNVERIFIED, FetchStatus.SKIPPED):
        if fetched.detail:
            yield UNANSWERED, Problem(f"${name} target {target!r} {fetched.detail}", where)
    else:  # missing, or read without text
        detail = fetched.detail or f"{fetched.where or target} does not exist"
        yield REJECTED, Problem(f"${name} could not read {target!r}: {detail}", where)


def _json(target: str, text: str, where: Pointer, out: Substitution) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except ValueError as err:
        out.problems.append((REJECTED, Problem(f"$json target {target!r} is not valid JSON: {err}", where)))
    except RecursionError:
        # Backstage parses it, then overflows its stack merging it (from about 2,000 levels).
        out.problems.append((REJECTED, Problem(f"$json target {target!r} is nested too deeply", where)))
    return _STAND_IN["json"]


def _yaml(target: str, text: str, where: Pointer, out: Substitution) -> Any:
    loaded = load_text(text)
    if loaded.problems:
        first = loaded.problems[0]
        message = f"$yaml target {target!r} does not parse (line {first.span.line}): {first.message}"
        out.problems.append((REJECTED, Problem(message, where)))
        return _STAND_IN["yaml"]
    if loaded.count != 1:
        message = f"$yaml target {target!r} must hold exactly one document, found {loaded.count}"
        out.problems.append((REJECTED, Problem(message, where)))
        return _STAND_IN["yaml"]
    # One document with no content (`---`, `~`) reads as null.
    return loaded.documents[0].data if loaded.documents else None
