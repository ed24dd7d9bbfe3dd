"""Secrets out of everything catalint prints, logs or writes: the credentials it was given, and the
`user:password@` of any URL."""

from __future__ import annotations

import base64
import logging
import re
import threading
from urllib.parse import urlsplit, urlunsplit

_USERINFO = re.compile(r"(?P<scheme>\b[A-Za-z][A-Za-z0-9+.-]*://)[^/?#\s]*@")


def redact_url(text: str) -> str:
    """`text` with the userinfo of every URL in it (`user:password@`) replaced by `***@`."""
    return _USERINFO.sub(r"\g<scheme>***@", text)


def strip_userinfo(url: str) -> str:
    """`url` without `user:password@`: credentials come from the environment, never from a URL."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rsplit("@", 1)[1]))


class Redactor(logging.Filter):
    """Replaces every known secret in log records with `***` (install on handlers or loggers)."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, *secrets: str | None) -> None:
        with self._lock:
            for secret in secrets:
                if secret and len(secret) >= 4:
                    self._secrets.add(secret)
                    self._secrets.add(base64.b64encode(secret.encode("utf-8", "surrogateescape")).decode())

    def redact(self, text: str) -> str:
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            text = text.replace(secret, "***")
        return redact_url(text)  # e.g. CATALINT_BITBUCKET_API_URL=https://user:pw@host in -v lines

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = self.redact(record.getMessage())
        record.args = None
        return True


REDACTOR = Redactor()
