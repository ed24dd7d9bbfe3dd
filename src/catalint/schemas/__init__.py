"""Our JSON Schemas, written from Backstage's documented descriptor format, compiled once per process."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from jsonschema import Draft7Validator

# (apiVersion values, kind) pairs that a stock catalog backend recognises, and their spec schema.
KINDS: dict[str, tuple[frozenset[str], str]] = {
    kind: (frozenset({"backstage.io/v1alpha1", "backstage.io/v1beta1"}), f"spec-{kind.lower()}.json")
    for kind in ("Component", "API", "Resource", "System", "Domain", "Group", "User", "Location")
}
KINDS["Template"] = (frozenset({"scaffolder.backstage.io/v1beta3"}), "spec-template.json")


@cache
def validator(name: str) -> Draft7Validator:
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    schema = json.loads(text)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema)
