"""Which credentials talk to Bitbucket Cloud, read from the environment and the app-config.

Environment variables win over `integrations.bitbucketCloud` field by field. The method follows
from the fields present (see `Credentials.method`); combinations Backstage would silently
misread are refused with a `CredentialsError` that names the fields and never their values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

ENV_FIELDS = {
    "username": "BITBUCKET_USERNAME",
    "token": "BITBUCKET_TOKEN",
    "appPassword": "BITBUCKET_APP_PASSWORD",
    "clientId": "BITBUCKET_CLIENT_ID",
    "clientSecret": "BITBUCKET_CLIENT_SECRET",
}

APP_PASSWORD_WARNING = (
    "Bitbucket app passwords are retired (none can be created since 2025-09-09, all stop working on "
    "2026-06-09); use an API token (username + token) or an access token instead"
)


class CredentialsError(Exception):
    """The configured credentials are incomplete or contradictory; the message names fields only."""


@dataclass(frozen=True, slots=True)
class Credentials:
    """How to authenticate; `repr` shows the method and username, never a secret."""

    method: str = "anonymous"  # basic | app-password | bearer | oauth | anonymous
    username: str | None = None
    secret: str | None = field(default=None, repr=False)  # token or app password
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    origin: str = "none"  # where the fields came from: env, app-config, or both
    warnings: tuple[str, ...] = ()

    def __repr__(self) -> str:
        who = f", username={self.username!r}" if self.username else ""
        client = f", client_id={self.client_id!r}" if self.client_id else ""
        return f"Credentials(method={self.method!r}{who}{client}, origin={self.origin!r})"

    __str__ = __repr__

    def secrets(self) -> list[str]:
        """Every secret value, for redaction."""
        return [s for s in (self.secret, self.client_secret) if s]

    @property
    def description(self) -> str:
        return {
            "basic": "API token (username + token, HTTP Basic)",
            "app-password": "app password (username + appPassword, HTTP Basic; retired)",
            "bearer": "access token (HTTP Bearer)",
            "oauth": "OAuth 2.0 client credentials (clientId + clientSecret)",
            "anonymous": "anonymous (public repositories only)",
        }[self.method]


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _where(name: str) -> str:
    return f"{name} ({ENV_FIELDS[name]})"


def _merged(env: Mapping[str, str], entry: Mapping[str, Any]) -> tuple[dict[str, str | None], str]:
    """Each field, the environment winning over the file, and where the values came from."""
    values: dict[str, str | None] = {}
    sources: set[str] = set()
    for name, var in ENV_FIELDS.items():
        from_env = _clean(env.get(var))
        from_file = _clean(entry.get(name))
        values[name] = from_env or from_file
        if from_env:
            sources.add("env")
        elif from_file:
            sources.add("app-config")
    return values, "+".join(sorted(sources)) or "none"


def _check_characters(values: Mapping[str, str | None]) -> None:
    for name, value in values.items():
        if value and not all(" " < ch < "\x7f" for ch in value):
            # requests would fail on it as a "connection" problem, or raise outright; name the field.
            raise CredentialsError(
                f"{_where(name)} holds a newline, space, control or non-ASCII character, which an HTTP "
                "header cannot carry; check how it was set"
            )


def _check_methods(values: Mapping[str, str | None]) -> None:
    """Incomplete or conflicting fields, named (never their values)."""
    _check_oauth(values)
    username, token, app_password = values["username"], values["token"], values["appPassword"]
    if token and app_password:
        raise CredentialsError(f"conflicting methods: both {_where('token')} and {_where('appPassword')}; choose one")
    if app_password and not username:
        raise CredentialsError(f"{_where('appPassword')} is set without {_where('username')}; it would never be sent")
    if username and not (token or app_password):
        raise CredentialsError(f"{_where('username')} is set without {_where('token')} or {_where('appPassword')}")


def _check_oauth(values: Mapping[str, str | None]) -> None:
    client_id, client_secret = values["clientId"], values["clientSecret"]
    if bool(client_id) != bool(client_secret):
        have, missing = ("clientId", "clientSecret") if client_id else ("clientSecret", "clientId")
        raise CredentialsError(f"{_where(have)} is set but {_where(missing)} is not; OAuth needs both")
    others = sorted(k for k, v in values.items() if v and k not in ("clientId", "clientSecret"))
    if client_id and others:
        listed = ", ".join(_where(n) for n in others)
        raise CredentialsError(f"conflicting methods: OAuth (clientId/clientSecret) and {listed}; choose one")


def load_credentials(env: Mapping[str, str], entries: Sequence[Mapping[str, Any]] = ()) -> Credentials:
    """Merge `entries` (app-config `integrations.bitbucketCloud`) with `env` and pick the method."""
    if len(entries) > 1:
        raise CredentialsError(f"integrations.bitbucketCloud has {len(entries)} entries; at most one is allowed")
    values, origin = _merged(env, entries[0] if entries else {})
    _check_characters(values)
    _check_methods(values)
    username, token, app_password = values["username"], values["token"], values["appPassword"]
    if values["clientId"]:
        return Credentials("oauth", None, None, values["clientId"], values["clientSecret"], origin)
    if username and token:
        return Credentials("basic", username, token, origin=origin)
    if username and app_password:
        return Credentials("app-password", username, app_password, origin=origin, warnings=(APP_PASSWORD_WARNING,))
    if token:
        return Credentials("bearer", None, token, origin=origin)
    return Credentials(origin=origin)
