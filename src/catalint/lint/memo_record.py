"""Recording a run for its memo (lint/memo.py says what a memo is): what the run prints, and
what it opens, lists and changes, watched through an audit hook."""

from __future__ import annotations

import atexit
import contextlib
import io
import marshal
import os
import sys
from collections.abc import Collection, Iterable, Sequence
from typing import Any, BinaryIO

from catalint.lint import memo
from catalint.lint.memo import FOLDER, FORMAT, KEY_BYTES, TRAILER, cache_root, identity, read_key, signature
from catalint.sources.listings import changed_lately

MAX_GLOB_FOLDERS = 5000  # a glob dependency over a larger tree leaves no memo
KEEP = 8  # memos kept per cache folder (one per command identity), the most recent


def _make_key(folder: str) -> bytes | None:
    """The folder's key, made on first need (owner-readable only)."""
    key = read_key(folder)
    if key is not None:
        return key
    path = os.path.join(folder, "key")
    try:
        os.makedirs(folder, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return read_key(folder)  # another run made it first
    except OSError:
        return None
    with os.fdopen(fd, "wb") as handle:
        handle.write(os.urandom(KEY_BYTES))
    return read_key(folder)


class _Tee(io.BufferedIOBase):
    """A binary stream under `sys.stdout` or `sys.stderr` that passes every write on to the
    stream's own buffer and keeps a copy of it. It flushes when the text layer above asks (a
    terminal's line buffering, an explicit flush), as the stream did on its own: flushing every
    write cost a text report at 2,000 files a tenth more CPU."""

    def __init__(self, target: BinaryIO, stream: int, recorder: Recorder) -> None:
        super().__init__()
        self.target = target
        self.stream = stream
        self.recorder = recorder

    def write(self, data: Any) -> int:
        view = memoryview(data)
        try:
            while view:
                # Unbuffered (`python -u`, PYTHONUNBUFFERED), the target is a raw file, which may
                # take part of a write.
                written = self.target.write(view)
                view = view[written if isinstance(written, int) else len(view) :]
        except OSError:
            self._lost()
            raise
        self.recorder.note(self.stream, data)
        return len(data)

    def flush(self) -> None:
        if not self.closed:
            try:
                self.target.flush()
            except OSError:
                self._lost()
                raise

    def _lost(self) -> None:
        # What a reader gone early (`catalint lint | head`) did not take, and the warning the run
        # then prints, are not the answer to replay to the next reader (`> report.json`).
        self.recorder.spoil("output could not be written")

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return self.target.isatty()

    def fileno(self) -> int:
        return self.target.fileno()


# Events after which a run's answer may depend on something no stat signature shows.
_FOREIGN = frozenset(
    {
        "subprocess.Popen",
        "os.system",
        "os.exec",
        "os.posix_spawn",
        "os.spawn",
        "os.startfile",
        "os.chdir",
        "socket.connect",
        "socket.getaddrinfo",
        "socket.gethostbyname",
        "socket.gethostbyaddr",
        "socket.sendto",
        "http.client.connect",
        "urllib.Request",
        "sqlite3.connect",
    }
)
# Events that change the file system: allowed inside the cache folder only.
_CHANGES = frozenset(
    {"os.rename", "os.remove", "os.rmdir", "os.mkdir", "os.symlink", "os.link", "os.truncate", "os.chmod", "os.utime"}
)
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
_SYSTEM = ("/dev/", "/proc/", "/sys/")
# Where a run publishes to its CI job, is scoped to a pull request, or logs for debugging: it
# leaves no memo (cli/lint_memo.py), so it is not recorded at all.
_CI_ENVIRONMENT = (
    "GITHUB_ACTIONS",
    "GITHUB_STEP_SUMMARY",
    "GITHUB_OUTPUT",
    "BITBUCKET_COMMIT",
    "BITBUCKET_PR_DESTINATION_BRANCH",
    "BACKSTAGE_URL",
    "CATALINT_DEBUG",
)


class Recorder:
    """What one run reads, lists and writes, and what it prints, for its memo."""

    def __init__(self, args: Sequence[str], root: str, key: bytes) -> None:
        self.args = list(args)
        self.root = root
        self.folder = os.path.join(root, FOLDER)
        self.cwd = os.getcwd()
        self.name = identity(args, self.cwd, os.environ, key)
        self.started = _now_ns()
        self.reads: set[str] = set()
        self.spoiled: str | None = None
        self.segments: list[list[int]] = []
        self.err: list[bytes] = []
        self.out_size = 0
        self.active = True
        self.finished = False
        self.sink_path = os.path.join(self.folder, f"tmp-{os.getpid()}-{self.name[:8]}")
        self.sink = open(self.sink_path, "wb")  # noqa: SIM115 - open for the run
        self._quiet = (*_python_prefixes(), self.root + os.sep)

    # -- output
    def note(self, stream: int, data: bytes) -> None:
        if not self.active or not data:
            return
        data = bytes(data)
        if stream == 1:
            try:
                self.sink.write(data)
            except OSError as err:
                self.spoil(f"the memo could not be written: {err}")
                return
            self.out_size += len(data)
        else:
            self.err.append(data)
        if self.segments and self.segments[-1][0] == stream:
            self.segments[-1][1] += len(data)
        else:
            self.segments.append([stream, len(data)])

    # -- file system and network
    def spoil(self, why: str) -> None:
        if self.spoiled is None:
            self.spoiled = why
        self.active = False  # nothing more to watch or keep: this run leaves no memo

    def audit(self, event: str, args: tuple[Any, ...]) -> None:
        if event == "open":
            self._opened(args[0], args[1], args[2])
        elif event in ("os.scandir", "os.listdir"):
            path = args[0] if args and args[0] is not None else "."
            if isinstance(path, str | bytes):
                self._read(os.fsdecode(path))
            else:
                self.spoil("a folder was listed by descriptor")
        elif event in _CHANGES:
            for path in args[:2]:
                if isinstance(path, str | bytes) and not self._ours(os.fsdecode(path)):
                    self.spoil(f"{event} outside the cache folder")
        elif event in _FOREIGN:
            self.spoil(event)

    def _opened(self, path: object, mode: object, flags: object) -> None:
        if isinstance(path, int):
            return  # an open descriptor wrapped (stdin, a pipe): what it was opened from was audited
        if not isinstance(path, str | bytes):
            self.spoil("a file was opened by an unusual name")
            return
        name = os.fsdecode(path)
        writes = any(c in mode for c in "wax+") if isinstance(mode, str) else bool((flags or 0) & _WRITE_FLAGS)  # type: ignore[operator]
        if writes:
            if not self._ours(name):
                self.spoil(f"wrote {name}")
        else:
            self._read(name)

    def _ours(self, name: str) -> bool:
        return _absolute(name).startswith(self.root + os.sep)

    def _read(self, name: str) -> None:
        full = _absolute(name)
        if not full.startswith(self._quiet):
            self.reads.add(full)

    # -- the end
    def finish(self, eligible: bool, code: int, inputs: Iterable[str], required: Collection[str] = ()) -> bool:
        """Write the memo when the run may have one (and every `required` input exists); whether
        it was written."""
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                self.spoil("output could not be flushed")
        self.active = False
        self.finished = True
        written = False
        try:
            if eligible and self.spoiled is None:
                written = self._write(code, inputs, required)
        except Exception:
            written = False
        finally:
            if not written:
                self._discard()
        return written

    def abandon(self) -> None:
        if not self.finished:
            self.active = False
            self._discard()

    def _discard(self) -> None:
        try:
            self.sink.close()
            os.unlink(self.sink_path)
        except OSError:
            pass

    def _write(self, code: int, inputs: Iterable[str], required: Collection[str]) -> bool:
        inputs = list(inputs)
        # What the run listed or opened under the cache folder, the Python installation or /dev
        # went unnoted (`_quiet`): a tree linted there (`--cache-dir .`, a checkout in /dev/shm or
        # under a system Python's /usr) could gain a file no signature shows.
        if any(_absolute(path).startswith(self._quiet) for path in (*inputs, *required)):
            return False
        known = dict.fromkeys(self.reads)
        known.update(dict.fromkeys(inputs))
        known.update(dict.fromkeys(required))
        known.update(dict.fromkeys(code_files()))
        for path in known:
            sig = known[path] = signature(path)
            if sig is not None and changed_lately(sig[1], sig[2], self.started):
                return False  # (an input that may change again unseen: no memo this time)
        if any(known[p] is None for p in required):
            return False
        paths, signatures = tuple(known), tuple(known.values())
        header = marshal.dumps(
            (
                FORMAT,
                paths,
                signatures,
                tuple((s, n) for s, n in self.segments),
                b"".join(self.err),
                code,
                self.out_size,
            )
        )
        self.sink.write(header)
        self.sink.write(len(header).to_bytes(TRAILER, "big"))
        self.sink.close()
        os.replace(self.sink_path, os.path.join(self.folder, self.name))
        _prune(self.folder)
        return True


def _absolute(name: str) -> str:
    # The walk lists every folder of a large checkout by its absolute, normal name: taken as it
    # is, which halves what the audit hook costs there (abspath normalises, even when no need).
    if name.startswith(os.sep) and os.sep + "." not in name and os.sep + os.sep not in name:
        return name
    return os.path.abspath(name)


def _now_ns() -> int:
    import time

    return time.time_ns()


def _prune(folder: str) -> None:
    """Keep the `KEEP` most recent memos; drop what runs that died left half-written."""
    memos: list[tuple[int, str]] = []
    old = _now_ns() - 24 * 3600 * 1_000_000_000
    with os.scandir(folder) as listing:
        for entry in listing:
            try:
                mtime = entry.stat().st_mtime_ns
            except OSError:
                continue
            if entry.name.startswith("tmp-"):
                if mtime < old:
                    _unlink(entry.path)
            elif entry.name != "key":
                memos.append((mtime, entry.path))
    memos.sort(reverse=True)
    for _, path in memos[KEEP:]:
        _unlink(path)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


def _python_prefixes() -> tuple[str, ...]:
    """Where reads are the code itself (the interpreter, the libraries, catalint), which
    `code_files` covers, or no input at all (devices, /proc)."""
    here = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    found = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix, here}
    return tuple(os.path.join(p, "") for p in sorted(found)) + _SYSTEM


# Libraries whose code decides results in the worker processes, which the main process of a
# run answered from the cache never imports.
_LIBRARIES = ("yaml", "_yaml", "yamllint", "jsonschema", "jsonschema_specifications", "referencing", "pathspec", "idna")


def code_files() -> list[str]:
    """The code a run's answer depends on: catalint's own files, the files of every module this
    process imported and of the libraries the workers use, and the folders packages are installed
    in (an upgrade renames a distribution's folder there)."""
    import importlib.util

    files: list[str] = []
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    files.extend(_tree(package))
    for name in _LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        origin = spec.origin if spec is not None else None
        if origin and os.path.isabs(origin):
            files.extend(_tree(os.path.dirname(origin)) if spec and spec.submodule_search_locations else [origin])
    for module in list(sys.modules.values()):
        origin = getattr(module, "__file__", None)
        if isinstance(origin, str) and os.path.isabs(origin):
            files.append(origin)
    files.extend(p for p in sys.path if p and os.path.isdir(p))
    return files


def _tree(top: str) -> list[str]:
    found = [top]
    for folder, subfolders, names in os.walk(top):
        subfolders[:] = [s for s in subfolders if s != "__pycache__"]
        found.append(folder)
        found.extend(os.path.join(folder, n) for n in names)
    return found


def folders_above(path: str) -> list[str]:
    """`path` and every folder above it (where a config file or `.git` may appear), for the
    path as given and as resolved."""
    found: list[str] = []
    for start in {os.path.abspath(path), os.path.realpath(path)}:
        current = start
        while True:
            found.append(current)
            parent = os.path.dirname(current)
            if parent == current:
                break
            current = parent
    return found


def glob_folders(pattern: str, boundary: str) -> list[str] | None:
    """Every folder a `glob:` dependency's walk may list (its fixed part and all below it, through
    symlinked folders that stay inside `boundary`, as the glob follows them), or None when there
    are too many to watch."""
    parts = pattern.split(os.sep)
    fixed = next((i for i, part in enumerate(parts) if any(c in part for c in "*?[")), len(parts))
    root = os.sep.join(parts[:fixed]) or os.sep
    inside = os.path.join(os.path.realpath(boundary or root), "")
    found = [os.path.dirname(root), root]
    seen: set[str] = set()
    for folder, subfolders, _ in os.walk(root, followlinks=True):
        real = os.path.join(os.path.realpath(folder), "")
        if real in seen or not real.startswith(inside):
            subfolders[:] = []  # (a link out of the checkout, or back up a loop: the glob stops too)
            continue
        seen.add(real)
        found.append(folder)
        found.extend(os.path.join(folder, s) for s in subfolders)
        if len(found) > MAX_GLOB_FOLDERS:
            return None
    return found


# ------------------------------------------------------------------ the process's recorder
_HOOKED = False


def start(argv: Sequence[str]) -> Recorder | None:
    """Start recording this process's run when its command may leave a memo: every write to
    stdout and stderr is kept, and what it opens, lists and changes is watched."""
    global _HOOKED
    args = list(argv[1:])
    root = cache_root(args, os.environ)
    if root is None or any(os.environ.get(name) for name in _CI_ENVIRONMENT):
        return None
    try:
        key = _make_key(os.path.join(root, FOLDER))
        if key is None:
            return None
        recorder = Recorder(args, root, key)
    except Exception:
        return None
    memo.ACTIVE = recorder
    # A run that ends before its last step (a usage error, an interruption) leaves no half memo.
    atexit.register(recorder.abandon)
    if not _HOOKED:
        _HOOKED = True
        sys.addaudithook(_audit)
        # A worker process forked from the run records nothing: its reads are its results' deps.
        if hasattr(os, "register_at_fork"):
            # Flushed before a fork, so that no child holds a copy of the memo's pending bytes.
            os.register_at_fork(before=_flush_sink, after_in_child=_forget)
    _tee(recorder)
    return recorder


def _audit(event: str, args: tuple[Any, ...]) -> None:
    recorder: Recorder | None = memo.ACTIVE
    if recorder is not None and recorder.active:
        recorder.audit(event, args)


def _flush_sink() -> None:
    recorder: Recorder | None = memo.ACTIVE
    if recorder is not None and recorder.active:
        try:
            recorder.sink.flush()
        except (OSError, ValueError):
            recorder.spoil("the memo could not be written")


def _forget() -> None:
    if memo.ACTIVE is not None:
        memo.ACTIVE.active = False  # (the child's copy: what it writes is not the run's output)
    memo.ACTIVE = None


def _tee(recorder: Recorder) -> None:
    for name, number in (("stdout", 1), ("stderr", 2)):
        stream = getattr(sys, name)
        buffer = getattr(stream, "buffer", None)
        if buffer is None:
            recorder.spoil(f"{name} has no byte stream")
            continue
        wrapped = io.TextIOWrapper(
            _Tee(buffer, number, recorder),  # type: ignore[type-var]  # (typeshed wants a BufferedIOBase subclass it knows)
            encoding=stream.encoding,
            errors=stream.errors,
            line_buffering=stream.line_buffering,
            write_through=True,
        )
        setattr(sys, name, wrapped)


def recorder() -> Recorder | None:
    """The run's recorder, when the console script started one."""
    found: Recorder | None = memo.ACTIVE
    return found


__all__ = ["Recorder", "code_files", "folders_above", "glob_folders", "recorder", "start"]
