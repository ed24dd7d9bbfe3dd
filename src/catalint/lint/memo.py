"""The run memo: the same `catalint lint` command over the same inputs prints the same output.

Like ccache's direct mode or make, a run that finished cleanly leaves in its cache folder what
it printed (stdout and stderr, in the order written, and the exit code) under a hash of the
command's identity, with the stat signature (size, mtime, ctime, inode, device, mode; or
"absent") of every input its answer depended on: each descriptor, every folder the walk listed,
every dependency a result recorded (placeholder targets, glob folders, Location and TechDocs
targets), every file the run opened outside the cache and the Python installation (settings,
app-configs, policy schemas, `.yamllint`), every place above the working directory and the
linted paths where `.catalint.yaml`, `.yamllint` or `.git` is looked for (present or not), and
the code that ran (catalint's own files, the libraries it uses, the installed distributions).

The console script checks for a memo before click or anything of catalint's is imported: when
the identity matches and no input's signature changed, it writes the recorded bytes and exits
with the recorded code. Anything else (no memo, a mismatch, an unreadable or damaged memo) falls
through to the normal run, having cost only the check.

The identity is the arguments, the working directory, catalint's version, the interpreter,
whether stdout and stderr are terminals (and their size), and the whole environment but for a
few variables shells keep for themselves. catalint itself reads `CATALINT_*`, `BACKSTAGE_URL`,
`BACKSTAGE_TOKEN`, `GITHUB_*`, `INPUT_GITHUB-TOKEN`, `BITBUCKET_*`, `NO_COLOR`, `FORCE_COLOR`,
`XDG_CACHE_HOME`, `HOME`, and an app-config's `${VAR}` may name any variable; Python reads
`PYTHON*`, `LANG` and `LC_*`, requests its proxies and CA bundles, gitpython `GIT_*`. It
is hashed with a key kept in the cache folder (BLAKE2 in keyed mode, the key random per folder,
readable by its owner only), and only the hash is stored: a token in the environment or on the
command line can neither be read from a memo nor checked against it without the key.

Only stdlib is imported here, and only what a hit needs is here (recording is in
lint/memo_record.py): this module runs before click, and is compiled afresh on every start where
bytecode is not written (PYTHONDONTWRITEBYTECODE), so its size is part of a hit's cost.
"""

from __future__ import annotations

import marshal
import os
import sys

from catalint import __version__

# `typing` and `collections.abc` cost more to import than a whole hit: for the type checker only.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from typing import Any, BinaryIO

FORMAT = 1  # raised whenever a memo's layout or meaning changes
FOLDER = "memo"  # inside the cache folder: deleting the cache deletes the memos
KEY_BYTES = 32
# Set by shells themselves and read by nothing catalint runs; a new shell or `cd` changes them.
VOLATILE_ENV = frozenset({"_", "OLDPWD", "SHLVL"})
TRAILER = 8  # the header's length, big-endian, at the very end of a memo file

Signature = tuple[int, int, int, int, int, int] | None
# The recorder of this process's run (lint/memo_record.py), when the console script started one:
# kept here so that a run that records nothing never loads the recording code.
ACTIVE: Any = None


# Options of runs that never leave a memo (cli/lint_memo.py says why), known from the command
# line alone: such a run is not recorded at all, and a pull request's run costs nothing more.
_NEVER = frozenset(
    {
        "--no-cache",
        "-",
        "--help",
        "-h",
        "--version",
        "--changed-since",
        "--filter-mode",
        "--output",
        "--report",
        "--summary",
        "--workspace",
        "-w",
        "--state",
        "--full",
        "--full-every",
        "--shard",
        "--backstage-url",
        "--verbose",
        "-v",
    }
)


# ------------------------------------------------------------------ where and who
def cache_root(args: Sequence[str], env: Mapping[str, str]) -> str | None:
    """The absolute cache folder of `catalint ARGS` (ARGS = argv[1:]) as `catalint lint` picks it,
    or None when the command is not a lint run that may leave a memo: no cache, stdin, help."""
    if not args or args[0] != "lint":
        return None
    chosen: str | None = None
    rest = iter(args[1:])
    for arg in rest:
        if arg == "--":
            break
        if arg.partition("=")[0] in _NEVER or "://" in arg:
            return None
        if arg == "--cache-dir":
            chosen = next(rest, None)
            if chosen is None:
                return None
        elif arg.startswith("--cache-dir="):
            chosen = arg[len("--cache-dir=") :]
    if any(arg == "-" for arg in args):
        return None
    if chosen is None:
        # As lint/cache.py's `default_dir`, which a test keeps in step with this.
        base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        chosen = os.path.join(base, "catalint", "results")
    return os.path.abspath(chosen)


def _blake2b(data: bytes, key: bytes) -> str:
    try:
        from _blake2 import blake2b  # hashlib's own import costs more than a whole memo hit
    except ImportError:  # pragma: no cover - an interpreter built without it
        from hashlib import blake2b
    return blake2b(data, key=key, digest_size=20).hexdigest()


def _terminals() -> tuple[tuple[int, int] | None, ...]:
    found: list[tuple[int, int] | None] = []
    for fd in (1, 2):
        try:
            size = os.get_terminal_size(fd) if os.isatty(fd) else None
        except OSError:
            size = None
        found.append(None if size is None else (size.columns, size.lines))
    return tuple(found)


def identity(args: Sequence[str], cwd: str, env: Mapping[str, str], key: bytes) -> str:
    """The keyed hash naming a command's memo."""
    facts = (
        FORMAT,
        __version__,
        sys.version,
        sys.executable,
        sys.prefix,
        repr(sys.flags),
        os.geteuid() if hasattr(os, "geteuid") else None,  # (what the user may read)
        tuple(args),
        cwd,
        _terminals(),
        tuple(sorted((k, v) for k, v in env.items() if k not in VOLATILE_ENV)),
    )
    # repr, not marshal: marshal's bytes depend on which strings are interned or shared, and the
    # same facts must hash the same before and after the run's imports.
    return _blake2b(repr(facts).encode("utf-8", "surrogatepass"), key)


def read_key(folder: str) -> bytes | None:
    try:
        with open(os.path.join(folder, "key"), "rb") as handle:
            key = handle.read(KEY_BYTES + 1)
    except OSError:
        return None
    return key if len(key) == KEY_BYTES else None


def signature(path: str) -> Signature:
    try:
        st = os.stat(path)
    except (OSError, ValueError):
        return None
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_mode)


# ------------------------------------------------------------------ replay
def replay(argv: Sequence[str]) -> None:
    """Write the output of the memo of this command and exit with its code, when there is one and
    no input changed since; otherwise return, having written nothing."""
    try:
        found = _lookup(argv[1:])
    except Exception:  # a damaged memo is no memo
        return
    if found is None:
        return
    handle, header = found
    with handle:
        code = _play(handle, header)
    sys.exit(code)


def _lookup(args: Sequence[str]) -> tuple[BinaryIO, tuple[Any, ...]] | None:
    root = cache_root(args, os.environ)
    if root is None:
        return None
    folder = os.path.join(root, FOLDER)
    key = read_key(folder)
    if key is None:
        return None
    name = identity(args, os.getcwd(), os.environ, key)
    try:
        handle: BinaryIO = open(os.path.join(folder, name), "rb")  # noqa: SIM115 - handed to the caller
    except OSError:
        return None
    try:
        header = _header(handle)
        if header is not None and _unchanged(header[1], header[2]):
            return handle, header
    except BaseException:
        handle.close()
        raise
    handle.close()
    return None


def _header(handle: BinaryIO) -> tuple[Any, ...] | None:
    """(format, paths, signatures, segments, stderr bytes, exit code, stdout length), checked
    against the file's size: a memo cut short or written by another format is ignored."""
    size = os.fstat(handle.fileno()).st_size
    if size < TRAILER:
        return None
    handle.seek(size - TRAILER)
    length = int.from_bytes(handle.read(TRAILER), "big")
    if length > size - TRAILER:
        return None
    handle.seek(size - TRAILER - length)
    header = marshal.loads(handle.read(length))
    if not isinstance(header, tuple) or len(header) != 7 or header[0] != FORMAT:
        return None
    _, paths, signatures, segments, err, code, out_size = header
    ok = (
        isinstance(paths, tuple)
        and isinstance(signatures, tuple)
        and len(paths) == len(signatures)
        and isinstance(err, bytes)
        and isinstance(code, int)
        and out_size == size - TRAILER - length
        and _segments_fit(segments, out_size, len(err))
    )
    return header if ok else None


def _segments_fit(segments: object, out_size: int, err_size: int) -> bool:
    if not isinstance(segments, tuple):
        return False
    totals = {1: 0, 2: 0}
    for segment in segments:
        if not (isinstance(segment, tuple) and len(segment) == 2 and segment[0] in totals):
            return False
        if type(segment[1]) is not int or segment[1] < 0:  # (what a float or negative size would copy)
            return False
        totals[segment[0]] += segment[1]
    return totals[1] == out_size and totals[2] == err_size


def _unchanged(paths: tuple[str, ...], signatures: tuple[Signature, ...]) -> bool:
    # The whole cost of a hit at 30,000 files: one stat per input, nothing else.
    stat = os.stat
    for path, known in zip(paths, signatures, strict=True):
        try:
            st = stat(path)
        except (OSError, ValueError):
            if known is not None:
                return False
            continue
        if known != (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino, st.st_dev, st.st_mode):
            return False
    return True


def _play(handle: BinaryIO, header: tuple[Any, ...]) -> int:
    """Write the recorded output in the order it was written; the recorded exit code, or 120
    (Python's own for output it could not flush) when stdout or stderr is gone."""
    segments, err, code = header[3], header[4], header[5]
    out_at = err_at = 0
    try:
        for stream, length in segments:
            if stream == 1:
                _copy(handle, out_at, length)
                out_at += length
            else:
                _write_all(2, err[err_at : err_at + length])
                err_at += length
    except OSError:
        return 120
    return int(code)


def _copy(handle: BinaryIO, offset: int, length: int) -> None:
    """`length` bytes of the memo from `offset` to stdout, by the kernel when it can."""
    end = offset + length
    sendfile = getattr(os, "sendfile", None)
    while sendfile is not None and offset < end:
        try:
            sent = sendfile(1, handle.fileno(), offset, end - offset)
        except OSError:
            break  # a terminal, or a kernel that cannot: copied through memory below
        if sent == 0:
            break
        offset += sent
    handle.seek(offset)
    while offset < end:
        chunk = handle.read(min(1 << 20, end - offset))
        if not chunk:
            raise OSError("the memo is shorter than it says")
        _write_all(1, chunk)
        offset += len(chunk)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
