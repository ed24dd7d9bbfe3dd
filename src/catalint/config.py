"""One settings object: command-line options, `.catalint.yaml`, Backstage app-config, environment."""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from catalint.facts import DEFAULT_MAX_BYTES
from catalint.model import Severity

if TYPE_CHECKING:
    from catalint.rules.policy import Policy

CONFIG_NAMES = (".catalint.yaml", ".catalint.yml")
YAMLLINT_NAMES = (".yamllint", ".yamllint.yaml", ".yamllint.yml")


class ConfigError(Exception):
    """A configuration file is wrong; the message names the file, the key and what is expected."""


# A catalog-tuned yamllint profile: style problems are warnings, and checks that fight common
# descriptor style (no `---`, long descriptions and URLs) are relaxed. Duplicate keys are
# reported by catalint's own parser, so yamllint's copy is off.
DEFAULT_YAMLLINT = """\
extends: default
rules:
  document-start: disable
  document-end: disable
  key-duplicates: disable
  comments-indentation: disable
  comments:
    min-spaces-from-content: 1
    level: warning
  line-length:
    max: 200
    allow-non-breakable-words: true
    allow-non-breakable-inline-mappings: true
    level: warning
  truthy:
    allowed-values: ["true", "false"]
    check-keys: false
    level: warning
  indentation:
    spaces: consistent
    indent-sequences: whatever
    level: warning
  braces: {level: warning}
  brackets: {level: warning}
  colons: {level: warning}
  commas: {level: warning}
  empty-lines: {level: warning}
  hyphens: {level: warning}
  new-line-at-end-of-file: {level: warning}
  new-lines: {level: warning}
  trailing-spaces: {level: warning}
"""


@dataclass(slots=True)
class CatalogLocation:
    type: str
    target: str
    allow: list[str] | None = None
    base: Path | None = None  # the folder of the app-config that listed it


@dataclass(slots=True)
class CatalogRule:
    allow: list[tuple[str, str | None]]
    locations: list[dict[str, str]] | None = None


@dataclass(slots=True)
class AppConfig:
    locations: list[CatalogLocation] = field(default_factory=list)
    rules: list[CatalogRule] | None = None
    bitbucket_cloud: list[dict[str, Any]] = field(default_factory=list)
    reading_allow: list[dict[str, Any]] = field(default_factory=list)
    integration_hosts: list[str] = field(default_factory=list)
    given: bool = False


@dataclass(slots=True)
class Settings:
    severity: dict[str, str] = field(default_factory=dict)
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    yamllint: str | None = DEFAULT_YAMLLINT
    yamllint_origin: str = "catalint default"
    max_file_size: int = DEFAULT_MAX_BYTES
    kinds: dict[str, list[str]] = field(default_factory=dict)
    allowed_hosts: list[str] = field(default_factory=list)
    policies: tuple[Policy, ...] = ()
    app: AppConfig = field(default_factory=AppConfig)

    def fingerprint(self) -> str:
        """What changes lint results: the cache is keyed on it."""
        policies = [(p.name, p.severity.label, p.kinds, p.types, p.schema) for p in self.policies]
        data = [self.yamllint, self.max_file_size, sorted(self.kinds.items()), self.trusted_hosts(), policies]
        return hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def trusted_hosts(self) -> list[str]:
        """Host patterns besides Bitbucket that targets may name: `allowed-hosts`, and from an
        app-config its integrations' hosts and `backend.reading.allow` (ports dropped)."""
        hosts = list(self.allowed_hosts) + list(self.app.integration_hosts)
        for entry in self.app.reading_allow:
            host = entry.get("host")
            if isinstance(host, str) and host:
                hosts.append(host.split(":", 1)[0])
        return sorted(set(hosts))

    def severity_for(self, rule_id: str, default: Severity) -> Severity | None:
        """The configured severity of a rule, `default` when not configured, None when off."""
        setting = self.severity.get(rule_id)
        if setting is None and rule_id.startswith("yamllint/"):
            setting = self.severity.get("yamllint")
        if setting is None:
            return default
        if setting == "off":
            return None
        return Severity.parse(setting)


def rules_registry() -> dict[str, Any]:
    from catalint.rules import REGISTRY

    return REGISTRY


def _fail(path: Path, key: str, problem: str) -> ConfigError:
    return ConfigError(f"{path}: {key}: {problem}")


def _load_yaml_file(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    import yaml  # only when there is a config file to read

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ConfigError(f"{path}: not valid YAML{where}: {getattr(err, 'problem', err)}") from None


def _find_upwards(start: Path, names: Sequence[str]) -> Path | None:
    """The first of `names` in `start` or above it, stopping at the repository root."""
    for folder in (start, *start.parents):
        for name in names:
            candidate = folder / name
            if candidate.is_file():
                return candidate
        if (folder / ".git").exists():
            break
    return None


def find_config(start: Path) -> Path | None:
    return _find_upwards(start, CONFIG_NAMES)


def load_settings(
    config: Path | None, cwd: Path, *, explicit: bool = False, starts: Sequence[Path] = ()
) -> Settings:
    """Settings from `config`, else the first `.catalint.yaml` above a linted folder (`starts`),
    else above the working directory; a project's `.yamllint` is found the same way."""
    settings = Settings()
    path = config
    for start in (*starts, cwd):
        if path is None:
            path = find_config(start.resolve())
    if path is not None:
        if explicit and not path.is_file():
            raise ConfigError(f"{path}: no such file")
        _apply_file(settings, path)
    if settings.yamllint is not None and settings.yamllint_origin == "catalint default":
        for start in (*starts, cwd):
            found = _find_upwards(start.resolve(), YAMLLINT_NAMES)
            if found is not None:
                settings.yamllint = _yamllint_file(found)
                settings.yamllint_origin = str(found)
                break
    return settings


def _yamllint_file(path: Path) -> str:
    """A project's `.yamllint`, refused (exit 2, with the reason) when yamllint could not use it."""
    from catalint.style import check_config

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"{path}: cannot read it: {err}") from None
    problem = check_config(text)
    if problem:
        raise ConfigError(f"{path}: not a usable yamllint config: {problem}")
    return text


_KNOWN_KEYS = {"rules", "include", "exclude", "yamllint", "max-file-size", "kinds", "allowed-hosts", "policies"}


def _apply_file(settings: Settings, path: Path) -> None:
    """`.catalint.yaml`: each key checked by its own parser, a broken one named with its file."""
    data = _load_yaml_file(path)
    if data is None:
        return
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: expected a mapping at the top level, found {type(data).__name__}")
    for key in data:
        if key not in _KNOWN_KEYS:
            raise _fail(path, str(key), f"unknown key; expected one of {', '.join(sorted(_KNOWN_KEYS))}")
    if "policies" in data:
        settings.policies = _policies(path, data["policies"])
    settings.severity.update(_severities(path, data.get("rules") or {}, {p.rule_id for p in settings.policies}))
    settings.include = _strings(path, data, "include")
    settings.exclude = _strings(path, data, "exclude")
    settings.allowed_hosts = _strings(path, data, "allowed-hosts")
    if "max-file-size" in data:
        settings.max_file_size = _max_file_size(path, data["max-file-size"])
    settings.kinds = _kinds(path, data.get("kinds", {}))
    if "yamllint" in data:
        settings.yamllint = _yamllint(path, data["yamllint"])
        settings.yamllint_origin = str(path)
    from catalint.style import check_config

    if settings.yamllint is not None:
        problem = check_config(settings.yamllint)
        if problem:
            raise _fail(path, "yamllint", problem)


def _severities(path: Path, rules: Any, policies: set[str]) -> dict[str, str]:
    if not isinstance(rules, dict):
        raise _fail(path, "rules", "expected a mapping of rule id to error, warning, info or off")
    out: dict[str, str] = {}
    for rule_id, level in rules.items():
        known = rule_id in rules_registry() or rule_id in policies or str(rule_id).startswith("yamllint")
        if not known:
            raise _fail(path, f"rules.{rule_id}", "unknown rule; `catalint rules` lists them")
        out[str(rule_id)] = _level(path, f"rules.{rule_id}", level, allow_off=True)
    return out


def _level(path: Path, key: str, level: Any, *, allow_off: bool) -> str:
    text = "off" if level is False else str(level).lower()
    choices = ("error", "warning", "info", "off") if allow_off else ("error", "warning", "info")
    if text not in choices:
        raise _fail(path, key, f"expected {', '.join(choices[:-1])} or {choices[-1]}, found {level!r}")
    return text


_POLICY_KEYS = {"description", "kinds", "types", "severity", "schema"}


def _policies(path: Path, value: Any) -> tuple[Policy, ...]:
    """`policies:`: name -> {description, kinds, types, severity, schema}; each schema is checked now,
    so a broken one stops the run before any file is linted."""
    from catalint.rules.policy import NAME

    if not isinstance(value, dict):
        raise _fail(path, "policies", "expected a mapping of policy name to {description, kinds, schema, ...}")
    policies = []
    for name, entry in value.items():
        key = f"policies.{name}"
        if not isinstance(name, str) or not NAME.match(name):
            raise _fail(path, key, "a policy name is lowercase letters, digits, '-' and '_'")
        if not isinstance(entry, dict):
            raise _fail(path, key, "expected a mapping with description, kinds and schema")
        unknown = sorted(set(map(str, entry)) - _POLICY_KEYS)
        if unknown:
            raise _fail(path, f"{key}.{unknown[0]}", f"unknown key; expected one of {', '.join(sorted(_POLICY_KEYS))}")
        policies.append(_policy(path, name, entry))
    return tuple(policies)


def _policy(path: Path, name: str, entry: dict[str, Any]) -> Policy:
    from catalint.rules.policy import Policy

    key = f"policies.{name}"
    description = entry.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _fail(path, f"{key}.description", "expected a description (`catalint explain policy/NAME` prints it)")
    kinds = _names(path, f"{key}.kinds", entry.get("kinds"), required=True)
    types = _names(path, f"{key}.types", entry.get("types", []), required=False)
    severity = Severity.parse(_level(path, f"{key}.severity", entry.get("severity", "error"), allow_off=False))
    schema = _policy_schema(path, name, entry.get("schema"))
    try:
        text = json.dumps(schema, sort_keys=True)
    except (TypeError, ValueError) as err:  # YAML gave a date, or keys that are not strings
        raise _fail(path, f"{key}.schema", f"not expressible as JSON: {err}") from None
    return Policy(name, description.strip(), severity, kinds, types, text)


def _names(path: Path, key: str, value: Any, *, required: bool) -> tuple[str, ...]:
    """A kind or spec.type, or a list of them, lowercased (Backstage compares them so)."""
    items = [value] if isinstance(value, str) else value
    if not isinstance(items, list) or not all(isinstance(v, str) and v for v in items) or (required and not items):
        raise _fail(path, key, "expected a name or a list of names")
    return tuple(v.lower() for v in items)


def _policy_schema(path: Path, name: str, value: Any) -> Any:
    """An inline schema, or a JSON/YAML file relative to the config; checked against its dialect."""
    from catalint.rules.policy import pointer, schema_problem

    if isinstance(value, str):
        where = path.parent / value
        schema = _load_json_file(where) if where.suffix == ".json" else _load_yaml_file(where)
        at = ""
    elif isinstance(value, dict):
        where, schema, at = path, value, pointer(("policies", name, "schema"))
    else:
        raise _fail(path, f"policies.{name}.schema", "expected a JSON Schema mapping or the path of a schema file")
    problem = schema_problem(schema)
    if problem is not None:
        raise ConfigError(f"{where}: {at + problem[0] or '/'}: {problem[1]} (policy {name})")
    return schema


def _load_json_file(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ConfigError(f"{path}: cannot read: {err.strerror or err}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{path}: not valid JSON (line {err.lineno}, column {err.colno}): {err.msg}") from None


def _strings(path: Path, data: dict[str, Any], key: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise _fail(path, key, "expected a list of strings")
    return list(value)


def _max_file_size(path: Path, size: Any) -> int:
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise _fail(path, "max-file-size", f"expected a positive number of bytes, found {size!r}")
    return size


def _kinds(path: Path, kinds: Any) -> dict[str, list[str]]:
    if not isinstance(kinds, dict) or not all(
        isinstance(k, str) and isinstance(v, list) and all(isinstance(x, str) for x in v) for k, v in kinds.items()
    ):
        raise _fail(path, "kinds", "expected a mapping of Kind to a list of apiVersions")
    return {k: list(v) for k, v in kinds.items()}


def _yamllint(path: Path, value: Any) -> str | None:
    """The yamllint config text: none (`false`/`off`), an inline mapping, or a file next to this one."""
    if value is False or value == "off":
        return None
    if isinstance(value, dict):
        import yaml

        return yaml.safe_dump(value)
    if isinstance(value, str):
        target = (path.parent / value).resolve()
        if not target.is_file():
            raise _fail(path, "yamllint", f"no yamllint config file at {target}")
        return target.read_text(encoding="utf-8")
    raise _fail(path, "yamllint", "expected false, a yamllint config mapping, or a path to one")


_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


def substitute_env(value: Any, env: dict[str, str]) -> Any:
    """Backstage's `${VAR}` substitution in app-config strings; `$${X}` escapes it."""
    if isinstance(value, str):
        if "${" not in value:
            return value
        parts = re.split(r"(\$\$\{)", value)
        out = []
        for part in parts:
            if part == "$${":
                out.append("${")
            else:
                out.append(_VAR.sub(lambda m: env.get(m.group(1), ""), part))
        return "".join(out)
    if isinstance(value, list):
        return [substitute_env(v, env) for v in value]
    if isinstance(value, dict):
        return {k: substitute_env(v, env) for k, v in value.items()}
    return value


def _merge(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        merged = dict(base)
        for key, value in over.items():
            merged[key] = _merge(base.get(key), value) if key in base else value
        return merged
    return over


def load_app_config(paths: list[Path], env: dict[str, str] | None = None) -> AppConfig:
    """Merge app-config files like Backstage: later files override earlier ones, lists replace."""
    merged, locations_from = _merged(paths, dict(os.environ) if env is None else env)
    source = paths[-1] if paths else Path("app-config")
    app = AppConfig(given=bool(paths))
    _read_catalog(app, source, merged.get("catalog") or {}, locations_from)
    integrations = merged.get("integrations") or {}
    if isinstance(integrations, dict):
        app.bitbucket_cloud = _bitbucket_entries(source, integrations)
        app.integration_hosts = _integration_hosts(integrations)
    backend = merged.get("backend") or {}
    if isinstance(backend, dict) and isinstance(backend.get("reading"), dict):
        app.reading_allow = [a for a in backend["reading"].get("allow") or [] if isinstance(a, dict)]
    return app


def _merged(paths: list[Path], env: dict[str, str]) -> tuple[dict[str, Any], Path | None]:
    """The files merged with `${VAR}`s substituted, and the folder of the last file that lists
    catalog.locations (its relative `file` targets are resolved there)."""
    merged: Any = {}
    locations_from: Path | None = None
    for path in paths:
        data = _load_yaml_file(path)
        if data is None:
            continue
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a mapping at the top level")
        if isinstance(data.get("catalog"), dict) and "locations" in data["catalog"]:
            locations_from = path.resolve().parent
        merged = _merge(merged, data)
    return substitute_env(merged, env), locations_from


def _read_catalog(app: AppConfig, source: Path, catalog: Any, locations_from: Path | None) -> None:
    if not isinstance(catalog, dict):
        raise _fail(source, "catalog", "expected a mapping")
    app.locations = [
        _catalog_location(source, i, entry, locations_from) for i, entry in enumerate(catalog.get("locations") or [])
    ]
    if "rules" in catalog:
        app.rules = [_catalog_rule(source, i, rule) for i, rule in enumerate(catalog.get("rules") or [])]


def _catalog_location(source: Path, i: int, entry: Any, base: Path | None) -> CatalogLocation:
    """`catalog.locations[i]`: a type, a target, and the kinds its `rules` allow."""
    if not isinstance(entry, dict) or not isinstance(entry.get("type"), str) or not isinstance(entry.get("target"), str):
        raise _fail(source, f"catalog.locations[{i}]", "expected a mapping with string type and target")
    allow: list[str] | None = None
    for rule in entry.get("rules") or []:
        if not isinstance(rule, dict) or not isinstance(rule.get("allow"), list):
            raise _fail(source, f"catalog.locations[{i}].rules", "expected a list of {allow: [Kind, ...]}")
        allow = (allow or []) + [str(k) for k in rule["allow"]]
    return CatalogLocation(entry["type"], entry["target"], allow, base)


def _catalog_rule(source: Path, i: int, rule: Any) -> CatalogRule:
    """`catalog.rules[i]`: the kinds (optionally with a spec.type) it allows, and from which locations."""
    if not isinstance(rule, dict) or not isinstance(rule.get("allow"), list):
        raise _fail(source, f"catalog.rules[{i}].allow", "expected a list of kinds")
    allowed: list[tuple[str, str | None]] = []
    for item in rule["allow"]:
        if isinstance(item, str):
            allowed.append((item, None))
        elif isinstance(item, dict) and isinstance(item.get("kind"), str):
            spec_type = item.get("spec.type")
            allowed.append((item["kind"], spec_type if isinstance(spec_type, str) else None))
        else:
            raise _fail(source, f"catalog.rules[{i}].allow", f"expected a kind or {{kind, spec.type}}, found {item!r}")
    locations = rule.get("locations")
    for loc in locations or []:
        if not isinstance(loc, dict) or ("exact" in loc and "pattern" in loc):
            raise _fail(source, f"catalog.rules[{i}].locations", "each needs a type and one of exact or pattern")
    return CatalogRule(allowed, locations)


def _bitbucket_entries(source: Path, integrations: dict[str, Any]) -> list[dict[str, object]]:
    entries = integrations.get("bitbucketCloud") or []
    if not isinstance(entries, list):
        raise _fail(source, "integrations.bitbucketCloud", "expected a list")
    return [e for e in entries if isinstance(e, dict)]


def _integration_hosts(integrations: dict[str, Any]) -> list[str]:
    """The hosts of the other integrations: URLs on them are Backstage-readable, so not foreign."""
    hosts: list[str] = []
    for provider, listed in integrations.items():
        if provider == "bitbucketCloud" or not isinstance(listed, list):
            continue
        for entry in listed:
            host = entry.get("host") if isinstance(entry, dict) else None
            host = host if isinstance(host, str) and host else _DEFAULT_INTEGRATION_HOSTS.get(provider)
            if host:
                hosts.append(host)
    return hosts


# The host an integrations.<provider> entry without `host` stands for, as in @backstage/integration.
_DEFAULT_INTEGRATION_HOSTS = {
    "github": "github.com",
    "gitlab": "gitlab.com",
    "azure": "dev.azure.com",
    "gitea": "gitea.com",
    "googleGcs": "storage.cloud.google.com",
}
