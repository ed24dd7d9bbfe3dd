"""Backstage's field-format predicates (catalog-model's Kubernetes/Common validator functions).

Each predicate answers exactly what Backstage's default `makeValidator()` answers, so a
verdict computed here matches the catalog's.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import urllib.parse
from functools import lru_cache
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
    return isinstance(value, str) and _api_version(value)


# The prefixed predicates are cached: every document names an apiVersion and annotation keys
# from a small set (`backstage.io/v1alpha1`, `backstage.io/techdocs-ref`), and splitting and
# matching each anew is most of what checking them costs.
@lru_cache(maxsize=1024)
def _api_version(value: str) -> bool:
    return _prefix_and_or_suffix(value, lambda s: 1 <= len(s) <= 63 and bool(_API_VERSION_SUFFIX.match(s)))


@lru_cache(maxsize=4096)
def _prefixed_name(value: str) -> bool:
    return _prefix_and_or_suffix(value, is_object_name)


def is_kind(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and bool(_KIND.match(value))


def is_namespace(value: Any) -> bool:
    return is_dns_label(value)


def is_label_key(value: Any) -> bool:
    return isinstance(value, str) and _prefixed_name(value)


def is_label_value(value: Any) -> bool:
    return value == "" or is_object_name(value)


def is_annotation_key(value: Any) -> bool:
    return isinstance(value, str) and _prefixed_name(value)


# What JavaScript's String.prototype.trim() removes: WhiteSpace and LineTerminator. Unlike
# Python's str.strip(), it takes U+FEFF but not U+001C-U+001F or U+0085.
_JS_WHITESPACE = "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"


def js_trim(value: str) -> str:
    return value.strip(_JS_WHITESPACE)


def is_non_empty_string(value: Any) -> bool:
    """catalog-model's isNonEmptyString: a string with something left after trim()."""
    return isinstance(value, str) and bool(js_trim(value))


def is_tag(value: Any) -> bool:
    return isinstance(value, str) and 1 <= len(value) <= 63 and bool(_TAG.match(value))


_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.\-]*):(.*)$", re.DOTALL)
_AUTHORITY_END = re.compile(r"[/?#]")
_SPECIAL = {"http", "https", "ws", "wss", "ftp", "file"}
_C0_OR_SPACE = "".join(chr(c) for c in range(0x21))
# WHATWG's forbidden domain code points: forbidden host code points, C0 controls, `%` and DEL.
_FORBIDDEN_DOMAIN = set(" #%/:<>?@[\\]^|\x7f") | {chr(c) for c in range(0x20)}


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
    host_port = _AUTHORITY_END.split(authority, maxsplit=1)[0]
    if "@" in host_port:
        host_port = host_port.rsplit("@", 1)[1]
    if host_port.startswith("["):
        end = host_port.find("]")
        if end < 0 or not _is_ipv6(host_port[1:end]):
            return False
        port = host_port[end + 1 :]
        if port and not port.startswith(":"):
            return False
        return _is_port(port[1:])
    host, _, port = host_port.partition(":")
    return bool(host) and _is_port(port) and _is_domain(host)


def _is_port(port: str) -> bool:
    return not port or (port.isascii() and port.isdigit() and int(port) <= 65535)


def _is_ipv6(text: str) -> bool:
    if "%" in text:
        return False  # no zone identifiers in URLs
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_domain(host: str) -> bool:
    """The WHATWG host parser for a special URL: percent-decode, UTS #46 to ASCII, IPv4 forms."""
    if "%" not in host and host.isascii():
        decoded = host  # what decoding leaves as it was, without the round trip through bytes
    else:
        decoded = urllib.parse.unquote_to_bytes(host.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")
    ascii_host = _to_ascii(decoded)
    if not ascii_host or not _FORBIDDEN_DOMAIN.isdisjoint(ascii_host):
        return False
    labels = ascii_host.split(".")
    last = labels[-1] if labels[-1] or len(labels) == 1 else labels[-2]
    if _IPV4_NUMBER.match(last):
        return _is_ipv4(labels)
    return True


def _to_ascii(domain: str) -> str | None:
    """domainToASCII without hyphen or DNS-length checks (CheckHyphens=false, beStrict=false);
    None where it fails."""
    if domain.isascii() and "xn--" not in domain.lower():
        return domain.lower()
    # Imported here: idna's tables take a while to load, and most hosts are plain ASCII.
    import idna

    try:
        return _uts46_to_ascii(domain)
    except (idna.IDNAError, UnicodeError):
        return None


def _uts46_to_ascii(domain: str) -> str:
    import idna

    mapped = idna.uts46_remap(domain, std3_rules=False, transitional=False)
    out: list[str] = []
    for label in mapped.split("."):
        if label.lower().startswith("xn--"):
            decoded = label[4:].encode("ascii").decode("punycode")
            if not decoded or decoded.isascii() or idna.uts46_remap(decoded, std3_rules=False) != decoded:
                raise idna.IDNAError(f"invalid punycode label {label!r}")
            _check_label(decoded)
            out.append(label.lower())
        elif label.isascii():
            out.append(label)
        else:
            _check_label(label)
            out.append("xn--" + label.encode("punycode").decode("ascii"))
    return ".".join(out)


def _check_label(label: str) -> None:
    import idna

    if unicodedata.category(label[0]).startswith("M"):
        raise idna.IDNAError("a label must not begin with a combining mark")


_IPV4_NUMBER = re.compile(r"^(?:[0-9]+|0[xX][0-9a-fA-F]*)$")


def _is_ipv4(labels: list[str]) -> bool:
    parts = labels[:-1] if len(labels) > 1 and labels[-1] == "" else labels
    if len(parts) > 4:
        return False
    numbers: list[int] = []
    for part in parts:
        if not part:
            return False
        if part[:2] in ("0x", "0X"):
            digits, radix = part[2:], 16
        elif len(part) > 1 and part.startswith("0"):
            digits, radix = part[1:], 8
        else:
            digits, radix = part, 10
        try:
            numbers.append(int(digits, radix) if digits else 0)
        except ValueError:
            return False
    if any(n > 255 for n in numbers[:-1]):
        return False
    limit: int = 256 ** (5 - len(numbers))
    return numbers[-1] < limit
