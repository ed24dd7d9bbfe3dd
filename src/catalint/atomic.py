"""Files that are either wholly old or wholly new: reports, the sync state, caches.

A run killed (or out of disk) while writing must not leave a truncated file at the final path,
where the next reader (a CI upload, the next sync) would take it for the real thing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

# A lone surrogate (from a `$json` target's "\ud800") is written as `\ud800`: valid JSON, readable text.
_LONE = "backslashreplace"


def write_atomic(path: Path, data: str | bytes | Iterable[str | bytes], *, sync: bool = False) -> None:
    """Write `data` next to `path` and rename it into place; an existing file keeps its mode.
    `sync`: flush to disk first, for files whose loss costs more than a re-run (the sync state)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            if isinstance(data, str | bytes):
                handle.write(data.encode("utf-8", _LONE) if isinstance(data, str) else data)
            else:  # pieces, so that a large file is never held whole
                for piece in data:
                    handle.write(piece.encode("utf-8", _LONE) if isinstance(piece, str) else piece)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(tmp, mode if mode is not None else 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
