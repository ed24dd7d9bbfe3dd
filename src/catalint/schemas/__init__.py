"""Our JSON Schemas, written from Backstage's documented descriptor format, compiled once per process."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalint.schemas.fast import compile_schema

if TYPE_CHECKING:
    from jsonschema import Draft7Validator
    from jsonschema.exceptions import ValidationError

# (apiVersion values, kind) pairs that a stock catalog backend recognises, and their spec schema.
KINDS: dict[str, tuple[frozenset[str], str]] = {
    kind: (frozenset({"backstage.io/v1alpha1", "backstage.io/v1beta1"}), f"spec-{kind.lower()}.json")
    for kind in ("Component", "API", "Resource", "System", "Domain", "Group", "User", "Location")
}
KINDS["Template"] = (frozenset({"scaffolder.backstage.io/v1beta3"}), "spec-template.json")


@cache
def schema(name: str) -> dict[str, Any]:
    text = (Path(__file__).parent / name).read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded


@cache
def quick(name: str) -> Callable[[Any], bool]:
    """A fast "is this valid?" for one of our schemas; jsonschema explains the failures."""
    return compile_schema(schema(name))


def errors(name: str, value: Any) -> list[ValidationError]:
    if quick(name)(value):
        return []
    return list(validator(name).iter_errors(value))


@cache
def validator(name: str) -> Draft7Validator:
    # Imported here: most runs meet only valid documents and never need jsonschema at all.
    from jsonschema import Draft7Validator

    loaded = schema(name)
    Draft7Validator.check_schema(loaded)
    return Draft7Validator(loaded)
