"""Folder listings kept from one run to the next, so that the walk of an unchanged folder costs one
stat rather than a listing (a pull request's run lists some 31,500 folders of a 30,000-file
checkout, and only the few it changed differ).

A folder's listing is reused only while the folder's stat signature (size, mtime, ctime, inode,
device) is the one it had when listed: adding, removing or renaming an entry changes the folder's
mtime and ctime, and ctime cannot be set back. What is kept of an entry is its name and what kind
of entry it is; a symlink is kept as a symlink only, since its target can change without its
folder changing: what it points at is looked up afresh, as the walk of a fresh listing does.
A folder changed just before or during the run is not kept (git's "racy clean" problem: it may
change again within one tick of the file system's clock and keep its signature).
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import stat
import struct
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from catalint.atomic import write_atomic

# Raised when what a store holds changes meaning; a store of another format is not read.
FORMAT = b"1"
_MAGIC = b"catalint-listings " + FORMAT + b"\n"
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000  # timestamps in whole seconds: a file system with a coarse clock

# A folder's record is one bytes object (a tuple of parts was 100 bytes more a folder, 3 MB at
# 30,000 files): its signature, packed, then its listing: one letter per entry for its kind, a NUL,
# and its entries' names (sorted, as the file system spells them), each followed by a NUL (no
# name holds one).
_SIGNATURE = struct.Struct("<QqqQQ")  # size, mtime, ctime, inode, device
_AT = _SIGNATURE.size

_LINK, _FOLDER, _FILE, _OTHER = "l", "d", "f", "o"


class Entry(Protocol):
    """What the walk asks of a folder entry: `os.DirEntry`, or a `StoredEntry`."""

    @property
    def name(self) -> str: ...

    @property
    def path(self) -> str: ...

    def is_symlink(self) -> bool: ...

    def is_dir(self, *, follow_symlinks: bool = True) -> bool: ...

    def is_file(self, *, follow_symlinks: bool = True) -> bool: ...


class StoredEntry:
    """An entry of a kept listing, answering as the `os.DirEntry` it was would: from its kind,
    but for a symlink followed, which is looked at on the disk (and that answer kept, as
    `os.DirEntry` keeps it)."""

    __slots__ = ("_kind", "_mode", "name", "path")

    def __init__(self, path: str, name: str, kind: str) -> None:
        self.path = path
        self.name = name
        self._kind = kind
        self._mode: int | None = None  # a followed symlink's target's mode (0: no target)

    def __repr__(self) -> str:
        return f"<StoredEntry {self.name!r}>"

    def is_symlink(self) -> bool:
        return self._kind == _LINK

    def is_dir(self, *, follow_symlinks: bool = True) -> bool:
        if self._kind == _LINK:
            return follow_symlinks and stat.S_ISDIR(self._target())
        return self._kind == _FOLDER

    def is_file(self, *, follow_symlinks: bool = True) -> bool:
        if self._kind == _LINK:
            return follow_symlinks and stat.S_ISREG(self._target())
        return self._kind == _FILE

    def _target(self) -> int:
        # As `os.DirEntry`: a target that is not there is neither a file nor a folder; any other
        # failure (a loop of symlinks) is raised, and asked again next time.
        if self._mode is None:
            try:
                self._mode = os.stat(self.path).st_mode
            except FileNotFoundError:
                self._mode = 0
        return self._mode


def scan(folder: str) -> list[os.DirEntry[str]] | None:
    """`folder`'s entries by name; None when it cannot be listed."""
    try:
        with os.scandir(folder) as listing:
            return sorted(listing, key=_name)
    except OSError:
        return None


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _kind(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return _LINK
    if entry.is_dir(follow_symlinks=False):
        return _FOLDER
    return _FILE if entry.is_file(follow_symlinks=False) else _OTHER


class Listings:
    """The kept listings of one kind of run (the pack's: same settings and roots), in one file
    next to the pack. Rewritten at the end of a run whose walk went through to the end, with
    exactly the folders it consulted, and only when one of them changed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.started = time.time_ns()
        self._old: dict[str, bytes] | None = None
        self._new: dict[str, bytes] = {}
        self._changed = False
        self.complete = False  # set once every root was walked: a partial walk is not kept
        self.consulted: list[str] = []  # folders answered from the store (stat-checked, not listed)

    def _load(self) -> dict[str, bytes]:
        old: dict[str, bytes] = {}
        with contextlib.suppress(OSError, ValueError, EOFError, TypeError):
            data = self.path.read_bytes()
            head = len(_MAGIC) + 64
            body = memoryview(data)[head:]  # (not copied)
            if data.startswith(_MAGIC) and data[len(_MAGIC) : head] == hashlib.sha256(body).hexdigest().encode():
                loaded = marshal.loads(body)
                if isinstance(loaded, dict):
                    old = loaded
        return old

    def listing(self, folder: str) -> Sequence[Entry]:
        """`folder`'s entries by name, as `scan` gives them: from the store when the folder is
        unchanged since it was kept (no entry kept for a folder that cannot be listed)."""
        old = self._old if self._old is not None else self._set_old()
        try:
            info = os.stat(folder)
        except OSError:
            return scan(folder) or []
        signature = _SIGNATURE.pack(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        record = old.get(folder)
        if record is not None and record.startswith(signature):
            kinds, *names = os.fsdecode(record[_AT:]).split("\0")
            names.pop()  # (after the last name's NUL)
            if len(names) == len(kinds):
                self._new[folder] = record
                self.consulted.append(folder)
                base = folder if folder.endswith(os.sep) else folder + os.sep
                return [StoredEntry(base + name, name, kind) for name, kind in zip(names, kinds, strict=True)]
        entries = scan(folder)
        if entries is not None and stat.S_ISDIR(info.st_mode) and not self._racy(info):
            with contextlib.suppress(OSError):  # (an entry whose kind cannot be told: not kept)
                listing = "".join(map(_kind, entries)) + "\0" + "".join(entry.name + "\0" for entry in entries)
                self._new[folder] = signature + os.fsencode(listing)
        # (a folder kept neither before nor now, racy or unreadable, is no change to the store)
        self._changed = self._changed or self._new.get(folder) != record
        return entries or []

    def _set_old(self) -> dict[str, bytes]:
        self._old = self._load()
        return self._old

    def _racy(self, info: os.stat_result) -> bool:
        mtime, ctime = info.st_mtime_ns, info.st_ctime_ns
        coarse = mtime % 1_000_000_000 == 0 and ctime % 1_000_000_000 == 0
        return max(mtime, ctime) >= self.started - (RACY_COARSE_NS if coarse else RACY_NS)

    def save(self) -> None:
        """Write the store if the walk went to the end and any folder changed (or went); then let
        go of it (it is saved as soon as the walk ends: the run's peak comes later)."""
        old = self._old
        if not self.complete or old is None:
            return
        if self._changed or len(self._new) != len(old):
            body = marshal.dumps(self._new)
            with contextlib.suppress(OSError):
                write_atomic(self.path, _MAGIC + hashlib.sha256(body).hexdigest().encode() + body)
        self._old, self._new = None, {}
        self.complete = False  # (saved: a later call writes nothing)
