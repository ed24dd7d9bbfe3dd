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
import operator
import os
import stat
import struct
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from catalint.atomic import write_atomic

# Raised when what a store holds changes meaning; a store of another format is not read.
FORMAT = b"1"
_MAGIC = b"catalint-listings " + FORMAT + b"\n"
RACY_NS = 50_000_000
RACY_COARSE_NS = 2_000_000_000  # timestamps in whole seconds: a file system with a coarse clock


def changed_lately(mtime_ns: int, ctime_ns: int, started_ns: int) -> bool:
    """Whether something with these timestamps changed so close before `started_ns` (or after it)
    that it may change again within one tick of the file system's clock and keep its stat
    signature (git's "racy clean" problem): what is kept by signature must not be kept then."""
    if mtime_ns < started_ns - RACY_COARSE_NS and ctime_ns < started_ns - RACY_COARSE_NS:
        return False  # (nearly everything: one comparison each)
    coarse = mtime_ns % 1_000_000_000 == 0 and ctime_ns % 1_000_000_000 == 0
    return max(mtime_ns, ctime_ns) >= started_ns - (RACY_COARSE_NS if coarse else RACY_NS)


# The store: `_MAGIC`, a record per folder, then the SHA-256 digest of all before it. A record is
# framed by the lengths of its folder's path and of its body (`_FRAME`), then the path (UTF-8, as
# the file system spells it), then the body: the folder's signature, packed, and its listing: one
# letter per entry for its kind, a NUL, and its entries' names (sorted), each followed by a NUL (no
# name holds one).
_FRAME = struct.Struct("<II")
_SIGNATURE = struct.Struct("<QqqQQ")  # size, mtime, ctime, inode, device
_AT = _SIGNATURE.size
_DIGEST = 32

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


# (In C: a Python function called per entry was a noticeable part of a fresh walk.)
_name = operator.attrgetter("name")


def _kind(entry: os.DirEntry[str]) -> str:
    if entry.is_symlink():
        return _LINK
    if entry.is_dir(follow_symlinks=False):
        return _FOLDER
    return _FILE if entry.is_file(follow_symlinks=False) else _OTHER


class Listings:
    """The kept listings of one kind of run (the pack's: same settings and roots), in one file in
    the cache folder, rewritten after a walk that went to its end, with exactly the folders it
    consulted in the order it did, and only when anything changed.

    The store is held as the bytes read, never as an object per folder (those were 7 MB at 30,000
    files, held at the run's peak): records are in the walk's order, so an unchanged tree is read
    front to back with a cursor. Once the walk leaves that order (a folder added, removed or
    changed), the rest is looked up by name and the new store is gathered as it goes."""

    def __init__(self, path: Path, consulted: Callable[[str], object] | None = None) -> None:
        self.path = path
        # Told each folder answered from the store (stat-checked, not listed): a run's inputs. Not
        # kept here: a list of 31,500 folders' names held them all to the end of the walk.
        self.consulted = consulted
        self.started = time.time_ns()
        self.complete = False  # set once every root was walked: a partial walk is not kept
        self._data: bytes | None = None  # the store as read (empty when there is none, or damaged)
        self._end = 0  # where its records end (its digest follows)
        self._at = len(_MAGIC)  # the record the walk is expected to ask for next
        self._index: dict[str, tuple[int, int, int]] | None = None  # the rest by name, once out of order
        # Once anything changed: the stored records kept as they are (up to `_kept`), then the new
        # store's records; None while the new store is the old one's records up to `_at`.
        self._kept = 0
        self._records: list[bytes] | None = None

    def _load(self) -> bytes:
        with contextlib.suppress(OSError):
            data = self.path.read_bytes()
            body = memoryview(data)[: len(data) - _DIGEST]  # (not copied)
            if data.startswith(_MAGIC) and data[len(data) - _DIGEST :] == hashlib.sha256(body).digest():
                self._end = len(data) - _DIGEST
                return data
        return b""

    def lookup(self, folder: str) -> Kept | list[os.DirEntry[str]]:
        """`folder`'s kept listing when the folder is unchanged since it was kept, else its
        entries by name as `scan` gives them (none for a folder that cannot be listed).

        The walk's per-folder path (31,500 folders at 30,000 files): one stat, the stored
        record found at the cursor, its listing parsed once for all the folders that share it,
        and no object per entry."""
        try:
            info = os.stat(folder)
            key = folder.encode("utf-8", "surrogateescape")
        except (OSError, UnicodeEncodeError):
            return scan(folder) or []
        signature = _SIGNATURE.pack(info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino, info.st_dev)
        data = self._data if self._data is not None else self._open()
        at = self._at
        found = self._find(folder, key, data)
        if found is not None and data.startswith(signature, found[1]):
            body = data[found[1] + _AT : found[2]]
            kept = _PARSED.get(body) or _kept(body)  # (most folders: a listing parsed before, no call)
            if kept is not None:
                if self._records is not None:
                    self._records.append(data[found[0] : found[2]])
                if self.consulted is not None:
                    self.consulted(folder)
                return kept
        return self._relist(folder, info, signature, key, None if found is None else found[0], at)

    def _relist(
        self, folder: str, info: os.stat_result, signature: bytes, key: bytes, stored: int | None, at: int
    ) -> Kept | list[os.DirEntry[str]]:
        """`folder` listed afresh (it changed, or was not kept), and kept if it can be. `stored`:
        where its old record was; `at`: where the walk was in the store when it came to it.

        A folder kept is answered as the next run will answer it, from its kept listing: the
        kinds of its entries were just told for the record, and are not asked again."""
        fresh = scan(folder)
        racy = changed_lately(info.st_mtime_ns, info.st_ctime_ns, self.started)
        record = None if fresh is None or racy else _record(fresh, info, signature)
        if stored is not None or record is not None:  # (neither kept before nor now: no change)
            self._change(at if stored is None else stored)
            if record is not None:
                assert self._records is not None
                self._records.append(_FRAME.pack(len(key), len(record)) + key + record)
                return _kept(record[_AT:]) or fresh or []
        return fresh or []

    def _open(self) -> bytes:
        self._data = self._load()
        return self._data

    def _find(self, folder: str, key: bytes, data: bytes) -> tuple[int, int, int] | None:
        """Where `folder`'s stored record is (its frame, its record, its end), taken: at the cursor
        while the walk keeps the stored order, else by name."""
        at = self._at
        if self._index is None and at < self._end:
            size, length = _FRAME.unpack_from(data, at)
            start = at + _FRAME.size + size
            if size == len(key) and start + length <= self._end and data.startswith(key, at + _FRAME.size):
                self._at = start + length
                return at, start, start + length
        if self._index is None:
            self._change(at)  # (what follows is no longer in the walk's order)
            self._index = _index(data, at, self._end)
        return self._index.pop(folder, None)

    def _change(self, kept: int) -> None:
        """From here on the new store differs from the old: gathered record by record, after the
        old records up to `kept`, which the walk found in order."""
        if self._records is None:
            self._kept, self._records = kept, []

    def save(self) -> None:
        """Write the store if the walk went to the end and anything changed (or went); then let
        go of it (saved as soon as the walk ends: the run's peak comes later)."""
        data = self._data
        if not self.complete or data is None:
            return
        if self._records is not None:
            pieces = [data[len(_MAGIC) : self._kept], *self._records]
        elif self._at != self._end:  # (the last folders of the walk went)
            pieces = [data[len(_MAGIC) : self._at]]
        else:
            pieces = None
        if pieces is not None:
            digest = hashlib.sha256(_MAGIC)
            for piece in pieces:
                digest.update(piece)
            with contextlib.suppress(OSError):
                write_atomic(self.path, b"".join([_MAGIC, *pieces, digest.digest()]))
        self._data, self._index, self._records = None, None, None
        self.complete = False  # (saved: a later call writes nothing)


def _record(entries: list[os.DirEntry[str]], info: os.stat_result, signature: bytes) -> bytes | None:
    """A listed folder's record (None: a folder whose entries' kinds cannot all be told)."""
    if not stat.S_ISDIR(info.st_mode):
        return None
    try:
        listing = "".join(map(_kind, entries)) + "\0" + "".join(entry.name + "\0" for entry in entries)
    except OSError:
        return None
    return signature + listing.encode("utf-8", "surrogateescape")


class Kept:
    """A stored listing, parsed: its entries' names and kinds, and the names of its folders and
    of its files apart (what the walk asks of most folders, without an object per entry).
    Shared by every folder that lists the same: it knows no folder."""

    __slots__ = ("files", "folders", "kinds", "links", "names")

    def __init__(self, names: list[str], kinds: str) -> None:
        self.names = names
        self.kinds = kinds
        self.links = _LINK in kinds  # (a symlink is followed afresh: asked of the disk)
        self.folders = tuple(_of_kind(names, kinds, _FOLDER))
        # A set: the walk asks for its few descriptor names, whatever the number of files.
        self.files = frozenset(_of_kind(names, kinds, _FILE))

    def __repr__(self) -> str:
        return f"<Kept {self.names!r}>"

    def entries(self, folder: str) -> list[StoredEntry]:
        """The entries of `folder`, kept with this listing, as `scan` gave them."""
        base = folder if folder.endswith(os.sep) else folder + os.sep
        return [StoredEntry(base + name, name, kind) for name, kind in zip(self.names, self.kinds, strict=True)]


def _of_kind(names: list[str], kinds: str, kind: str) -> list[str]:
    # Most listings hold one kind of entry (a catalog's folders, or a folder's one descriptor):
    # told apart at C speed; only a mixed listing is gone through name by name.
    if kind not in kinds:
        return []
    if kinds.count(kind) == len(kinds):
        return names
    return [name for name, other in zip(names, kinds, strict=True) if other == kind]


# Listings parsed, by their bytes: most folders of a catalog list the same (one descriptor), and
# parsing each again was a third of answering a folder from the store.
_PARSED: dict[bytes, Kept] = {}


def _kept(listing: bytes) -> Kept | None:
    """A stored listing, parsed (None: not a listing)."""
    kept = _PARSED.get(listing)
    if kept is None:
        kinds, *names = listing.decode("utf-8", "surrogateescape").split("\0")
        if not names or names.pop() or len(names) != len(kinds):
            return None
        kept = Kept(names, kinds)
        if len(_PARSED) >= 64:  # (few: the common listings come back at once)
            _PARSED.clear()
        _PARSED[listing] = kept
    return kept


def _index(data: bytes, at: int, end: int) -> dict[str, tuple[int, int, int]]:
    """The stored records from `at` on, by folder (as `Listings._find` gives them)."""
    index: dict[str, tuple[int, int, int]] = {}
    with contextlib.suppress(struct.error):
        while at < end:
            size, length = _FRAME.unpack_from(data, at)
            start = at + _FRAME.size + size
            if start + length > end:
                break
            index.setdefault(
                data[at + _FRAME.size : start].decode("utf-8", "surrogateescape"), (at, start, start + length)
            )
            at = start + length
    return index
