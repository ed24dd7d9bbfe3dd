"""Pull-request mode: which files and lines a change touches, from git.

The change is the diff between the merge base of a base revision and HEAD, and the working
tree (so local, uncommitted edits count, and untracked files count as wholly added). Everything
is still linted, so references resolve against the whole catalog; only the findings of the
touched descriptors, and of descriptors whose referenced files changed, are reported, and the
filter mode (reviewdog's semantics) narrows that down to lines.

CI checkouts are often shallow. When the base or the merge base is missing, history is fetched
(`--depth=1` for the base only when the clone is already shallow, then `--deepen`); when that is
impossible, `ChangesError` says which `fetch-depth` would have been enough.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import re
import stat
import subprocess
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from catalint.model import Finding, RunResult
from catalint.redact import redact_url
from catalint.resolve.globs import GLOB_DEP, parse_glob_dep
from catalint.rules.unverified import NOT_VERIFIED

if TYPE_CHECKING:
    from catalint.sources.gitlist import GitListing

FILTER_MODES = ("added", "diff_context", "file", "nofilter")
DEEPEN_STEPS = (50, 500)  # then --unshallow
_V = TypeVar("_V")
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class ChangesError(Exception):
    """The change cannot be computed; the CLI exits 2 with this message."""


@dataclass(slots=True)
class FileDiff:
    added: set[int] = field(default_factory=set)
    hunks: set[int] = field(default_factory=set)  # added and context lines
    whole: bool = False  # untracked: every line is new
    # Old-side line -> new-side line, for the lines inside hunks (a removed line maps to where it was);
    # past a hunk, old lines move by the shift recorded at its end.
    moved: dict[int, int] = field(default_factory=dict)
    shifts: list[tuple[int, int]] = field(default_factory=list)  # (first old line after a hunk, shift)

    def new_line(self, old: int) -> int:
        """Where an old-side line is (or, removed, was) on the new side."""
        if old in self.moved:
            return self.moved[old]
        shift = 0
        for start, delta in self.shifts:
            if old >= start:
                shift = delta
        return max(1, old + shift)


@dataclass(slots=True)
class ChangeSet:
    root: Path
    base: str  # the merge-base commit the diff starts from
    files: dict[str, FileDiff] = field(default_factory=dict)  # new-side paths, relative to root
    removed: set[str] = field(default_factory=set)


# ------------------------------------------------------------------- git access
class GitFailed(Exception):
    """A git command that exited non-zero; `stderr` is what git said."""

    def __init__(self, command: str, stderr: str) -> None:
        super().__init__(f"git {command} failed: {stderr}")
        self.stderr = stderr


class Repo:
    """A working tree, asked through the git command line, one short process per question.

    gitpython cost more than the questions: importing it, and its `untracked_files` (a full
    `git status` parsed line by line in Python), were a sixth of a pull request's run at 30,000 files.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def run(self, *args: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.root), *args], stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
        if done.returncode != 0:
            raise GitFailed(args[0] if args else "", done.stderr.decode("utf-8", "replace"))
        return done.stdout.decode("utf-8", "surrogateescape")

    def start(self, *args: str) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            ["git", "-C", str(self.root), *args], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )

    @staticmethod
    def output(started: subprocess.Popen[bytes], command: str) -> str:
        out, err = started.communicate()
        if started.returncode != 0:
            raise GitFailed(command, err.decode("utf-8", "replace"))
        return out.decode("utf-8", "surrogateescape")

    def feed(self, args: Sequence[str], data: bytes) -> bytes:
        """A git command that reads `data` on stdin; its raw output."""
        done = subprocess.run(["git", "-C", str(self.root), *args], input=data, capture_output=True, check=False)
        if done.returncode != 0:
            raise GitFailed(args[0] if args else "", done.stderr.decode("utf-8", "replace"))
        return done.stdout


def _redact(text: str) -> str:
    return redact_url(text)


def _git_error(err: Exception) -> str:
    stderr = getattr(err, "stderr", "") or ""
    text = " ".join(str(stderr).split()) or type(err).__name__
    return _redact(text.removeprefix("stderr: ").strip("'"))


def _open_repo(cwd: Path) -> Repo:
    try:
        top = Repo(cwd).run("rev-parse", "--show-toplevel").rstrip("\n")
    except (GitFailed, OSError) as err:
        said = getattr(err, "stderr", "")
        if isinstance(err, OSError) or "not a git repository" in said or "cannot change to" in said:
            raise ChangesError(f"--changed-since needs a git repository, and {cwd} is not inside one") from None
        raise ChangesError(f"git cannot open the repository: {_git_error(err)}") from None  # e.g. dubious ownership
    if not top:
        raise ChangesError(f"git cannot open the repository: {cwd} has no working tree")
    return Repo(Path(top))


def _rev(repo: Repo, ref: str) -> str | None:
    try:
        out = repo.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}")
    except GitFailed:
        return None
    return out.strip() or None


def _shallow(repo: Repo) -> bool:
    return repo.run("rev-parse", "--is-shallow-repository").strip() == "true"


def _has_origin(repo: Repo) -> bool:
    return "origin" in repo.run("remote").split()


def check_ref(ref: str) -> str:
    """`ref` when it can only name a revision: one starting with `-` would reach git as an option
    (`--upload-pack=…` runs a command), and whitespace or control characters name nothing."""
    if not ref or ref.startswith("-") or any(ch.isspace() or ord(ch) < 32 or ord(ch) == 127 for ch in ref):
        raise ChangesError(f"--changed-since: {ref!r} is not a revision (a branch, tag or commit)")
    return ref


def _fetch(repo: Repo, *args: str, remote: str = "origin", refs: tuple[str, ...] = ()) -> str | None:
    """Runs `git fetch --no-tags … origin -- refs…`; returns git's complaint, or None on success."""
    try:
        # `--` ends git's options: nothing after it is ever read as one, whatever it starts with.
        repo.run("fetch", "--no-tags", "--quiet", *args, "--", remote, *refs)
    except GitFailed as err:
        return _git_error(err)
    return None


def _merge_base(repo: Repo, a: str, b: str) -> str | None:
    try:
        out = repo.run("merge-base", a, b)
    except GitFailed:
        return None
    return out.strip() or None


def _raw_parents(repo: Repo, sha: str) -> list[str]:
    """Parents recorded in the commit object, even when a shallow clone cut them off."""
    raw = repo.run("cat-file", "-p", sha)
    return [line.split()[1] for line in raw.splitlines() if line.startswith("parent ")]


def _depth(repo: Repo) -> int:
    try:
        return int(repo.run("rev-list", "--count", "HEAD").strip())
    except (GitFailed, ValueError):  # pragma: no cover - unborn HEAD
        return 0


def _hint(repo: Repo, head: str, base: str | None, ref: str) -> str:
    depth = _depth(repo)
    if base is not None and base in _raw_parents(repo, head):
        need = "`fetch-depth: 2` on actions/checkout is enough (the base is a parent of HEAD)"
    else:
        need = "use `fetch-depth: 0` on actions/checkout (`clone: depth: full` in bitbucket-pipelines.yml)"
    return (
        f"the clone is shallow (HEAD has {depth} commit{'s' if depth != 1 else ''} of history) and the merge base "
        f"of HEAD and {ref} is not in it; {need}, or fetch the history before running catalint"
    )


def _find_base(repo: Repo, ref: str, problems: list[str]) -> str:
    """The commit `ref` names, locally, as `origin/ref`, or fetched from origin."""
    base = _rev(repo, ref) or _rev(repo, f"origin/{ref}")
    if base is None and _has_origin(repo):
        depth = ["--depth=1"] if _shallow(repo) else []
        problem = _fetch(repo, *depth, refs=(ref,))
        if problem is None:
            base = _rev(repo, "FETCH_HEAD")
        else:
            problems.append(problem)
    if base is not None:
        return base
    detail = f" (git fetch: {problems[-1]})" if problems else ""
    if _shallow(repo):
        detail += (
            "; the clone is shallow and may lack it: use `fetch-depth: 0` on actions/checkout "
            "(`clone: depth: full` in bitbucket-pipelines.yml)"
        )
    raise ChangesError(f"--changed-since: {ref!r} is not a known revision{detail}")


def _deepen_to_merge_base(repo: Repo, base: str, head: str, problems: list[str]) -> str | None:
    """Fetch more history, step by step, until the merge base of `base` and `head` is in it."""
    found = None
    for step in [*DEEPEN_STEPS, 0]:
        args = ["--unshallow"] if step == 0 else [f"--deepen={step}"]
        problem = _fetch(repo, *args, refs=(head, base))
        if problem is not None:
            problems.append(problem)
            break
        found = _merge_base(repo, base, head)
        if found is not None or not _shallow(repo):
            break
    return found


def resolve_base(repo: Repo, ref: str) -> str:
    """The merge base of `ref` and HEAD, fetching what a shallow or partial clone lacks."""
    check_ref(ref)
    head = _rev(repo, "HEAD")
    if head is None:
        raise ChangesError("HEAD does not name a commit (empty repository?)")
    problems: list[str] = []
    base = _find_base(repo, ref, problems)
    found = _merge_base(repo, base, head)
    if found is None and _shallow(repo) and _has_origin(repo):
        found = _deepen_to_merge_base(repo, base, head, problems)
    if found is not None:
        return found
    if _shallow(repo):
        detail = f" Fetching more history failed: {problems[-1]}." if problems else ""
        raise ChangesError(_hint(repo, head, base, ref) + "." + detail)
    raise ChangesError(f"HEAD and {ref} have no common history; cannot tell what changed")


# ---------------------------------------------------------------- diff parsing
def unquote_c(path: str) -> str:
    """Git's quoting of unusual paths: `"a/caf\\303\\251.yaml"` → `a/café.yaml`."""
    if not (len(path) >= 2 and path[0] == path[-1] == '"'):
        return path
    body = path[1:-1]
    out = bytearray()
    i = 0
    simple = {"n": 10, "t": 9, "r": 13, '"': 34, "\\": 92, "a": 7, "b": 8, "f": 12, "v": 11}
    while i < len(body):
        ch = body[i]
        if ch == "\\" and i + 1 < len(body):
            nxt = body[i + 1]
            if nxt in "01234567" and i + 4 <= len(body):
                out.append(int(body[i + 1 : i + 4], 8))
                i += 4
                continue
            out.append(simple.get(nxt, ord(nxt)))
            i += 2
            continue
        out.extend(ch.encode("utf-8"))
        i += 1
    return out.decode("utf-8", errors="surrogateescape")


class _DiffReader:
    """A unified diff read line by line: the new-side lines of each file, and where old lines went."""

    def __init__(self) -> None:
        self.files: dict[str, FileDiff] = {}
        self.current: FileDiff | None = None
        self.old_left = self.new_left = 0
        self.old_no = self.new_no = 0

    def feed(self, line: str) -> None:
        if self.old_left > 0 or self.new_left > 0:
            self._hunk_line(line)
        elif line.startswith("diff --git "):
            self.current = None
        elif line.startswith("+++ "):
            name = unquote_c(line[4:].rstrip("\t"))
            self.current = None if name == "/dev/null" else self.files.setdefault(name.removeprefix("b/"), FileDiff())
        elif line.startswith("@@") and self.current is not None:
            self._hunk_start(line)

    def _hunk_start(self, line: str) -> None:
        match = _HUNK.match(line)
        if match:
            self.old_no = int(match.group(1))
            self.old_left = int(match.group(2)) if match.group(2) is not None else 1
            self.new_left = int(match.group(4)) if match.group(4) is not None else 1
            self.new_no = int(match.group(3))

    def _hunk_line(self, line: str) -> None:
        current = self.current
        if current is None:  # pragma: no cover - a hunk always follows +++
            self.old_left = self.new_left = 0
            return
        tag = line[:1]
        if tag == "\\":  # "\ No newline at end of file"
            return
        if tag == "+":
            current.added.add(self.new_no)
            current.hunks.add(self.new_no)
            self.new_no += 1
            self.new_left -= 1
        elif tag == "-":
            current.moved[self.old_no] = max(self.new_no, 1)
            self.old_no += 1
            self.old_left -= 1
        else:  # context (a blank line is context too)
            current.hunks.add(self.new_no)
            current.moved[self.old_no] = self.new_no
            self.old_no, self.new_no = self.old_no + 1, self.new_no + 1
            self.old_left, self.new_left = self.old_left - 1, self.new_left - 1
        if self.old_left <= 0 and self.new_left <= 0:
            current.shifts.append((self.old_no, self.new_no - self.old_no))


def parse_diff(text: str) -> dict[str, FileDiff]:
    """Line numbers (new side) per file of a unified diff made with `a/` and `b/` prefixes."""
    reader = _DiffReader()
    for line in text.split("\n"):
        reader.feed(line)
    return reader.files


def split_raw(text: str) -> tuple[list[tuple[str, str]], str]:
    """`git diff --patch-with-raw -z` output: its (status, path) records, and the patch after them."""
    records: list[tuple[str, str]] = []
    at = 0
    while text.startswith(":", at):
        meta_end = text.index("\0", at)
        path_end = text.index("\0", meta_end + 1)
        records.append((text[at:meta_end].rsplit(" ", 1)[-1], text[meta_end + 1 : path_end]))
        at = path_end + 1
    return records, text[at:].lstrip("\0")


class PendingChanges:
    """The change being computed: git's passes over the working tree (the diff against the base,
    the untracked files) run as processes of their own until `result` collects them, so a caller
    can set them going and do its own work meanwhile.

    With the run's listing of the checkout (sources/gitlist.py), whose `git status` goes over the
    working tree anyway, the diff goes over none of it: the base is diffed with HEAD's tree, and
    only the paths `status` says differ from HEAD (in the index or on disk) with the disk."""

    def __init__(self, repo: Repo, base: str, listing: GitListing | None = None) -> None:
        self.repo, self.base = repo, base
        self.listing = listing
        if listing is None:
            self._diff = self._start_diff(base)
            self._untracked: subprocess.Popen[bytes] | None = self._list_untracked()
        else:
            self._diff, self._untracked = self._start_diff(base, "HEAD"), None

    def _start_diff(self, *revisions: str, paths: Sequence[str] = ()) -> subprocess.Popen[bytes]:
        # One pass gives both what changed (the raw records) and where (the patch).
        return self.repo.start(
            "--literal-pathspecs",
            "diff",
            "--no-color",
            "--no-ext-diff",
            "--no-renames",
            "--ignore-submodules",
            "--patch-with-raw",
            "-z",
            "-U3",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            *revisions,
            "--",
            *paths,
        )

    def _list_untracked(self) -> subprocess.Popen[bytes]:
        return self.repo.start("ls-files", "-z", "--others", "--exclude-standard")

    def result(self) -> ChangeSet:
        try:
            raw, on_disk, touched, untracked = self._outputs()
        except GitFailed as err:
            raise ChangesError(f"git diff failed: {_git_error(err)}") from None
        records, patch = split_raw(raw)
        lines = parse_diff(patch)
        if touched:
            # HEAD's change, but for the paths the index or the disk change again: those as they are.
            again = set(touched)
            more, more_patch = split_raw(on_disk)
            records = sorted([r for r in records if r[1] not in again] + more, key=_git_order)
            lines = {path: diff for path, diff in lines.items() if path not in again} | parse_diff(more_patch)
        changes = ChangeSet(self.repo.root.resolve(), self.base)
        for kind, path in records:
            if kind.startswith("D"):
                changes.removed.add(path)
            else:
                changes.files[path] = lines.get(path, FileDiff())
        for path in untracked:
            if path:
                changes.files[path] = FileDiff(whole=True)
        return changes

    def _outputs(self) -> tuple[str, str, list[str] | None, list[str]]:
        """git's answers: the diff, the diff of the `touched` paths from the disk (with them:
        else the diff is the whole working tree's), and the untracked files."""
        raw = self.repo.output(self._diff, "diff")
        listing = self.listing
        listed, touched = (listing.untracked(), listing.touched()) if listing is not None else (None, None)
        if listing is not None and (listed is None or touched is None or len(touched) > _PATHSPECS):
            # (the listing cannot say, or says too much for a command line: the whole tree)
            raw, touched = self.repo.output(self._start_diff(self.base), "diff"), None
        on_disk = self.repo.output(self._start_diff(self.base, paths=touched), "diff") if touched else ""
        if listed is None:
            listed = self.repo.output(self._untracked or self._list_untracked(), "ls-files").split("\0")
        return raw, on_disk, touched, listed


def _git_order(record: tuple[str, str]) -> bytes:
    """Where git's diff puts a record: by its path's bytes (a name that is not UTF-8 holds
    surrogate escapes, which Python's own order puts elsewhere)."""
    return record[1].encode("utf-8", "surrogateescape")


_PATHSPECS = 500  # paths named on a diff's command line at most (else it goes over the whole tree)


def start_changes(
    cwd: Path, ref: str, unless_inside: Sequence[Path] = (), listing: Callable[[], GitListing | None] | None = None
) -> PendingChanges | None:
    """`compute_changes`, set going: None when one of `unless_inside` (what the caller will write
    before it collects the result) is inside the working tree, which git must then see afterwards.
    `listing`: starts the run's listing of the working tree (sources/gitlist.py), which the
    change then takes its untracked files from; started once the base is known, as git's short
    questions are answered quicker before its passes over the tree begin."""
    repo = _open_repo(cwd)
    if ref == "HEAD" and _rev(repo, "HEAD") is None:
        return None  # nothing to overlap: no diff is run before the first commit
    root = os.path.realpath(repo.root)
    for path in unless_inside:
        real = os.path.realpath(path)
        if real == root or real.startswith(root.rstrip(os.sep) + os.sep):
            return None
    base = resolve_base(repo, ref)
    return PendingChanges(repo, base, listing() if listing is not None else None)


def compute_changes(cwd: Path, ref: str) -> ChangeSet:
    """The files and lines changed between the merge base of `ref` and HEAD, and the working tree."""
    repo = _open_repo(cwd)
    if ref == "HEAD" and _rev(repo, "HEAD") is None:
        return _before_the_first_commit(repo)
    return PendingChanges(repo, resolve_base(repo, ref)).result()


def _before_the_first_commit(repo: Repo) -> ChangeSet:
    """`--changed-since HEAD` where HEAD names no commit yet (a new repository, the pre-commit hook
    on its first commit): every file, staged or untracked, is wholly new."""
    try:
        staged = [p for p in repo.run("ls-files", "-z").split("\0") if p]
        untracked = [p for p in repo.run("ls-files", "-z", "--others", "--exclude-standard").split("\0") if p]
        # The empty tree stands for the base: nothing was there (no file is read from it).
        empty = repo.run("hash-object", "-t", "tree", os.devnull).strip()
    except GitFailed as err:
        raise ChangesError(f"git ls-files failed: {_git_error(err)}") from None
    return ChangeSet(repo.root.resolve(), empty, {path: FileDiff(whole=True) for path in [*staged, *untracked]})


# ------------------------------------------------------------------ selection
def _abs(path: Path) -> str:
    return os.path.normpath(os.path.realpath(path))


class _Reals:
    """`_abs`, with each folder resolved once: resolving every dependency of 30,000 descriptors
    afresh lstats each component of each path, most of a pull request's run at that size."""

    def __init__(self) -> None:
        self._folders: dict[str, str] = {}

    def __call__(self, path: Path | str) -> str:
        text = os.fspath(path)
        folder, name = os.path.split(text)
        if not os.path.isabs(text) or name in ("", ".", "..") or folder == text or os.path.islink(text):
            return _abs(Path(text))
        real = self._folders.get(folder)
        if real is None:
            # A folder is its parent's real path plus its name unless it is a link itself: one
            # lstat per folder, each folder of a checkout once.
            real = self._folders[folder] = self(folder)
        return os.path.normpath(os.path.join(real, name))


@dataclass(slots=True)
class Selection:
    """What a change selects: per linted file (display path), how it is touched."""

    changed: dict[str, FileDiff]  # the descriptor itself changed
    dependent: set[str]  # a file it reads changed

    @property
    def files(self) -> set[str]:
        return set(self.changed) | self.dependent


class _Touched:
    """The real paths a change touches, and a cheap first test of whether a path is one of them:
    a file that exists is the same file as a touched one only if it has its device and inode, so
    one `stat` rules out nearly every linted file without resolving its path."""

    def __init__(self, reals: _Reals, paths: Iterable[str]) -> None:
        self.reals = reals
        self.paths = set(paths)
        self.names = {os.path.basename(path) for path in self.paths}
        self.ids: set[tuple[int, int]] = set()
        for path in self.paths:
            with contextlib.suppress(OSError, ValueError):
                info = os.stat(path)
                self.ids.add((info.st_dev, info.st_ino))

    def real(self, path: str) -> str | None:
        """`path`'s real path when it is a touched one, else None."""
        link = False
        try:
            # (`lstat` first: a missing target, which many files name, is then one system call)
            info = os.lstat(path)
            link = stat.S_ISLNK(info.st_mode)
            if link:
                info = os.stat(path)
        except (OSError, ValueError):
            # Not there (or not a path): only resolving it can tell, unless its name is none of
            # the touched ones and it is no link (resolving keeps such a name as it is).
            name = os.path.basename(path)
            if name not in self.names and name not in ("", ".", "..") and not link:
                return None
        else:
            if (info.st_dev, info.st_ino) not in self.ids:
                return None
        real = self.reals(path)
        return real if real in self.paths else None


def select(
    changes: ChangeSet, linted: Mapping[str, Iterable[str]], cwd: Path, known: Mapping[str, str] | None = None
) -> Selection:
    """`linted`: display path → the absolute paths (or `glob:` patterns) the file read; `known`:
    the real paths of (some of) those files, as the run found them."""
    reals = _Reals()
    root = os.fspath(changes.root)
    by_abs = {reals(os.path.join(root, rel)): diff for rel, diff in changes.files.items()}
    touched = set(by_abs) | {reals(os.path.join(root, rel)) for rel in changes.removed}
    changed_files, touched_files = _Touched(reals, by_abs), _Touched(reals, touched)
    changed: dict[str, FileDiff] = {}
    dependent: set[str] = set()
    known = known or {}
    base = os.fspath(cwd)
    for display, deps in linted.items():
        real = known.get(display)
        if real is None:
            real = changed_files.real(display if os.path.isabs(display) else os.path.join(base, display))
        elif real not in by_abs:
            real = None
        if real is not None:
            changed[display] = by_abs[real]
            continue
        for dep in deps:
            if dep.startswith(GLOB_DEP):
                pattern = parse_glob_dep(dep)[0]
                if any(fnmatch.fnmatchcase(t, pattern) for t in touched):
                    dependent.add(display)
                    break
            elif touched_files.real(dep) is not None:
                dependent.add(display)
                break
    return Selection(changed, dependent)


def keep(finding: Finding, selection: Selection, mode: str) -> bool:
    """reviewdog's filter modes; a descriptor selected through a changed dependency counts as
    wholly changed, since the change can affect any of its lines.

    As in reviewdog, a finding that spans several lines is reported when any one of them
    qualifies: an added line for `added`, a line of a diff hunk (added or context) for
    `diff_context`."""
    if mode == "nofilter":
        return True
    if finding.path in selection.dependent:
        return True
    diff = selection.changed.get(finding.path)
    if diff is None:
        return False
    if mode == "file" or diff.whole:
        return True
    span = range(max(finding.span.line, 1), max(finding.span.end_line, finding.span.line, 1) + 1)
    if mode == "added":
        return any(n in diff.added for n in span)
    if mode == "diff_context":
        return any(n in diff.hunks for n in span)
    raise ValueError(f"unknown filter mode {mode!r}")


def _with_remote_files(result: RunResult, selection: Selection) -> Selection:
    """A file read from Bitbucket behind a selected descriptor's Location counts as wholly changed:
    the change may be exactly the target that now leads there."""
    behind = {remote for remote, via in result.reached_from.items() if via in selection.files}
    return Selection(selection.changed, selection.dependent | behind) if behind else selection


def _of_files(by_path: Mapping[str, _V], files: set[str]) -> dict[str, _V]:
    return {path: value for path, value in by_path.items() if path in files}


def filter_result(result: RunResult, selection: Selection, mode: str) -> RunResult:
    if mode == "nofilter":
        return result
    selection = _with_remote_files(result, selection)
    files = selection.files
    filtered = RunResult(files=len(files))
    filtered.documents = result.documents_of(files)
    filtered.findings = [f for f in result.findings if keep(f, selection, mode)]
    filtered.deps = _of_files(result.deps, files)
    filtered.digests = _of_files(result.digests, files)
    filtered.lines = _of_files(result.lines, files)
    filtered.unverified = sum(1 for f in filtered.findings if f.rule in NOT_VERIFIED)
    filtered.unreadable = dict(result.unreadable)
    filtered.reached_from = _of_files(result.reached_from, files)
    filtered.copy_relations(result)  # a graph of the change shows its neighbours too
    return filtered


# ------------------------------------------------------------- CI detection
def detect_base(env: Mapping[str, str]) -> tuple[str, str] | None:
    """(base revision, where it came from) on a GitHub pull_request event or a Bitbucket PR pipeline."""
    from catalint.report.github import GithubEnv  # one reading of GitHub's event payload

    github = GithubEnv.from_env(env)
    if github.event_name in ("pull_request", "pull_request_target") and github.base_sha:
        return github.base_sha, "the pull request's base commit (GITHUB_EVENT_PATH)"
    branch = env.get("BITBUCKET_PR_DESTINATION_BRANCH")
    if branch:
        return branch, "the pull request's destination branch (BITBUCKET_PR_DESTINATION_BRANCH)"
    return None
