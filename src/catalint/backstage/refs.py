"""Entity references as Backstage parses them, and which spec fields hold them."""

from __future__ import annotations

from dataclasses import dataclass

from catalint.model import EntityRef


class RefError(ValueError):
    pass


def parse_entity_ref(ref: str, default_kind: str | None, default_namespace: str) -> EntityRef:
    """Parse `[kind:][namespace/]name` exactly as catalog-model's `parseEntityRef` does.

    The first `:` ends the kind unless a `/` comes before it; the first `/` ends the namespace;
    the rest (which may hold `:` or `/`) is the name. Nothing is trimmed or validated further.
    """
    if not ref:
        raise RefError("Entity reference must not be empty")
    colon = ref.find(":")
    slash = ref.find("/")
    if slash != -1 and slash < colon:
        colon = -1
    kind = None if colon == -1 else ref[:colon]
    namespace = None if slash == -1 else ref[colon + 1 : slash]
    name = ref[max(colon + 1, slash + 1) :]
    if kind == "" or namespace == "" or name == "":
        raise RefError(f'"{ref}" is not of the form [<kind>:][<namespace>/]<name>')
    kind = kind if kind is not None else default_kind
    namespace = namespace if namespace is not None else default_namespace
    if not kind:
        raise RefError(f'"{ref}" has no kind, and this field has no default kind; write it as e.g. "component:{ref}"')
    return EntityRef(kind, namespace, name)


@dataclass(frozen=True, slots=True)
class RelationField:
    field: str
    default_kind: str | None
    many: bool


def _f(name: str, kind: str | None, many: bool = False) -> RelationField:
    return RelationField(name, kind, many)


_OWNER = _f("owner", "Group")
_SYSTEM = _f("system", "System")
_DEPENDS = (_f("dependsOn", None, True), _f("dependencyOf", None, True))

# Keyed by kind in lowercase; fields as BuiltinKindsEntityProcessor / ScaffolderEntitiesProcessor read them.
RELATION_FIELDS: dict[str, tuple[RelationField, ...]] = {
    "component": (
        _OWNER,
        _SYSTEM,
        _f("subcomponentOf", "Component"),
        _f("providesApis", "API", True),
        _f("consumesApis", "API", True),
        *_DEPENDS,
    ),
    "api": (_OWNER, _SYSTEM),
    "resource": (_OWNER, _SYSTEM, *_DEPENDS),
    "system": (_OWNER, _f("domain", "Domain")),
    "domain": (_OWNER, _f("subdomainOf", "Domain")),
    "group": (_f("parent", "Group"), _f("children", "Group", True), _f("members", "User", True)),
    "user": (_f("memberOf", "Group", True),),
    "template": (_OWNER,),
}
