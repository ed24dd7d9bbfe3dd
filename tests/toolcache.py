"""Where test tools installed from registries are kept between runs, and how installs take turns."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path


def cache_root(name: str = "") -> Path:
    """`$CATALINT_CACHE/<name>` (default `~/.cache/catalint/<name>`), shared by every checkout."""
    configured = os.environ.get("CATALINT_CACHE")
    base = Path(configured).expanduser() if configured else Path.home() / ".cache" / "catalint"
    return base / name if name else base


@contextlib.contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on `path`, so parallel test workers install one at a time."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
