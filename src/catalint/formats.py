"""Backstage's field-format predicates (catalog-model's Kubernetes/Common validator functions).

Each predicate answers exactly what Backstage's default `makeValidator()` answers, so a
verdict computed here matches the catalog's.
"""

from __future__ import annotations

import re
from typing import Any

_DNS_LABEL = re.compile(r"^[a-z0-9]+(?:-+[a-z0-9]+)*\Z")
_OBJECT_NAME = re.compile(r"^(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_KIND = re.compile(r"^[a-zA-Z][a-z0-9A-Z]*\Z")
_API_VERSION_SUFFIX = re.compile(r"^[a-z0-9A-Z]+\Z")
_TAG = re.compile(r"^[a-z0-9:+#]+(?:-[a-z0-9:+#]+)*\Z")

EXPECT_NAME = "a string that is sequences of [a-zA-Z0-9] separated by any of [-_.], at most 63 characters in total"
EXPECT_NAMESPACE = "a string that is sequences of [a-z0-9] separated by [-], at most 63 characters in total"
EXPECT_PREFIXED = "a valid prefix and/or suffix"
EXPECT_KIND = "a string that is sequences of [a-zA-Z][a-z0-9A-Z], at most 63 characters in total"
EXPECT_TAG = "a string that is sequences of [a-z0-9:+#] separated by [-], at most 63 characters in total"


def is_dns_label(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and bool(_DNS_LABEL.match(value))


def is_dns_subdomain(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 253 and all(is_dns_label(p) for p in value.split("."))


def is_object_name(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and bool(_OBJECT_NAME.match(value))


def _prefix_and_or_suffix(value: Any, suffix_ok: Any) -> bool:
    if not isinstance(value, str):
        return False
    parts = value.split("/")
    if len(parts) == 1:
        return bool(suffix_ok(parts[0]))
    if len(parts) == 2:
        return is_dns_subdomain(parts[0]) and bool(suffix_ok(parts[1]))
    return False


def is_api_version(value: Any) -> bool:
    return _prefix_and_or_suffix(value, lambda s: 1 <= len(s) <= 63 and bool(_API_VERSION_SUFFIX.match(s)))


def is_kind(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and bool(_KIND.match(value))


def is_namespace(value: Any) -> bool:
    return is_dns_label(value)


def is_label_key(value: Any) -> bool:
    return _prefix_and_or_suffix(value, is_object_name)


def is_label_value(value: Any) -> bool:
    return value == "" or is_object_name(value)


def is_annotation_key(value: Any) -> bool:
    return _prefix_and_or_suffix(value, is_object_name)


def is_tag(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and bool(_TAG.match(value))


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):(.*)$", re.DOTALL)
_SPECIAL = {"http", "https", "ws", "wss", "ftp", "file"}
_FORBIDDEN_HOST = set(" #%/:<>?@[\\]^|\t\n\r\x00")
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))


def is_url(value: Any) -> bool:
    """Whether `new URL(value)` succeeds in Node (WHATWG URL parsing), closely enough for links."""
    if not isinstance(value, str):
        return False
    text = value.strip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    match = _SCHEME.match(text)
    if not match:
        return False
    scheme, rest = match.group(1).lower(), match.group(2)
    if scheme not in _SPECIAL:
        return True
    rest = rest.replace("\\", "/")
    if scheme == "file":
        return True
    authority = rest.lstrip("/")
    host_port = re.split(r"[/?#]", authority, maxsplit=1)[0]
    if "@" in host_port:
        host_port = host_port.rsplit("@", 1)[1]
    if host_port.startswith("["):
        end = host_port.find("]")
        if end < 0:
            return False
        host, port = host_port[: end + 1], host_port[end + 1 :]
        port = port[1:] if port.startswith(":") else port
        return not (port and not (port.isdigit() and int(port) <= 65535))
    host, _, port = host_port.partition(":")
    if not host:
        return False
    if port and not (port.isdigit() and int(port) <= 65535):
        return False
    return not any(ch in _FORBIDDEN_HOST for ch in host)
