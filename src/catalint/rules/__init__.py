"""The rules: one module each, with an id, a default severity, a summary, a doc and examples.

A rule with `BACKSTAGE = True` mirrors a check of Backstage's own catalog: any finding of it
means the catalog would reject the entity, which is what `documents[].valid` reports.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from catalint.facts import FileResult, Options, Source
    from catalint.rules.base import DocumentCheck, EntityDoc, Problem, Rule

    Resolution = Callable[[EntityDoc, Source, FileResult, Options], Iterator[tuple[str, Problem]]]
    REGISTRY: dict[str, Rule]
    CHECKS: tuple[tuple[str, DocumentCheck], ...]
    RESOLUTION_RULES: tuple[Resolution, ...]

# Order matters only for readability of `catalint rules`: Backstage's own checks first.
MODULES = (
    "yaml_syntax",
    "yaml_duplicate_key",
    "yaml_aliases",
    "file_encoding",
    "file_too_large",
    "style_skipped",
    "file_unreadable",
    "internal_error",
    "not_an_object",
    "envelope",
    "root_fields",
    "metadata_fields",
    "field_format",
    "link_format",
    "unknown_kind",
    "spec_schema",
    "entity_ref_format",
    "placeholder",
    "location_target",
    "techdocs_ref",
    "source_location",
    "path_escape",
    "duplicate_entity",
    "breaks_references",
    "unresolved_ref",
    "ref_target_format",
    "owner_kind",
    "catalog_rules",
    "foreign_host",
    "backstage_url",
    "unverified",
    "offline",
)


def _load(name: str) -> Rule:
    from catalint.rules.base import Rule

    module: ModuleType = importlib.import_module(f"{__name__}.{name}")
    doc = (module.__doc__ or "").strip()
    return Rule(module.ID, module.SEVERITY, module.SUMMARY, doc, module.BACKSTAGE, module)


def __getattr__(name: str) -> Any:
    # The registry is built on first use: a run answered from the cache never loads a rule.
    if name == "REGISTRY":
        registry = {rule.id: rule for rule in map(_load, MODULES)}
        globals()["REGISTRY"] = registry
        return registry
    if name == "CHECKS":
        # (rule id, check) of every rule that checks documents: looked up once, not per document.
        checks = tuple((r.id, r.check) for r in __getattr__("REGISTRY").values() if r.check is not None)
        globals()["CHECKS"] = checks
        return checks
    if name == "RESOLUTION_RULES":
        resolutions = tuple(r.module.resolve for r in __getattr__("REGISTRY").values() if hasattr(r.module, "resolve"))
        globals()["RESOLUTION_RULES"] = resolutions
        return resolutions
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
