"""The descriptor files of a checkout as git already knows them, in place of the walk.

A pull request's run needs every descriptor of the checkout (what each declares), yet reads
only the few that changed. Walking 30,000 folders and stating 30,000 files cost more than the
rest of such a run, and in a fresh clone (every CI run) no stat signature matched the cache's,
so every file was read again. Git's index already holds every tracked file's path and blob id,
with stat data git keeps fresh itself. So a run that asks git about a change anyway
(`--changed-since`) takes its files from git: the index's, less those `git status` says differ on
disk, plus the untracked and ignored files `status` lists (a folder it lists whole, an ignored
`build/`, is walked as usual). A file git vouches for is known by its blob id, which the cache
keys results by (lint/cache.py): it is neither stated nor read. The same `status` gives the
change its untracked files and the paths that differ from HEAD (ci/changes.py).

The walk's answer, exactly: the same paths, real paths and order. Where the listing could differ
from it, it gives way to the walk (`None`): a symlink anywhere git lists one, a submodule, an
entry git holds but does not check (sparse, assume-unchanged, unmerged), a tracked descriptor
that is no longer a regular file on disk, a root git holds nothing of. Where the bytes on disk
may not be the blob's (an attributes file anywhere, `core.autocrlf`) or git may miss a change
(`core.checkStat`, `core.ignoreStat`, an fsmonitor), the files are listed but none is vouched
for: each is stated and read as the walk's would be.
"""

from __future__ import annotations

import os
import re
import shutil
import stat
import subprocess
from collections.abc import Iterable, Sequence
from pathlib import Path

from catalint.sources.files import DEFAULT_NAMES, SKIP_DIRS, walk

# Index entries as `ls-files -s -v` prints them for a file git checks (tag H), by mode: the only
# two a checkout writes as a regular file. Any other (a symlink, a submodule, a tag of a file git
# does not check) is no file the walk would see the same.
_PLAIN = ("H 100644 ", "H 100755 ")
_SHA1_HEX = 40  # a SHA-256 repository's ids are not the blob ids the cache computes
_ATTRIBUTES = ".gitattributes"
_TIMEOUT = 120
_DOUBTFUL = r"^core\.(autocrlf|attributesfile|sparsecheckout|checkstat|trustctime|ignorestat|fsmonitor)$"


class GitListing:
    """The listing of one working tree, set going as processes at once (`start`), collected the
    first time a root asks (`descriptors`) or the change asks for the untracked files."""

    def __init__(self, top: str, attributes: str) -> None:
        self.top = top
        self.attributes = attributes  # the repository's own attributes file (`info/attributes`)
        self._started = [
            _git(top, "ls-files", "-z", "-s", "-v"),
            # (one pass over the tree for what differs on disk, what is untracked and what is
            # ignored: an ignored folder as a whole, as the walk's own pass will go through it)
            _git(top, "status", "--porcelain=v2", "-z", "--untracked-files=all", "--ignored=matching", "--no-renames"),
            # (settings under which the disk's bytes may not be the blob's, or git may miss a
            # change: any of them set, and nothing is vouched for)
            _git(top, "config", "-z", "--get-regexp", _DOUBTFUL),
        ]
        self._indexed = self._collected = False
        self._index: _Known | None = None  # the index read (before `git status` is)
        self._known: _Known | None = None  # then with all of git's answers

    @classmethod
    def start(cls, cwd: Path) -> GitListing | None:
        """The listing of the working tree `cwd` is in, set going; None outside one."""
        try:
            done = subprocess.run(
                # (where git reads the repository's own attributes from: the common folder's, in a
                # linked worktree)
                ["git", "-C", str(cwd), "rev-parse", "--show-toplevel", "--git-path", "info/attributes"],
                stdin=subprocess.DEVNULL,
                capture_output=True,
                check=False,
                timeout=_TIMEOUT,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        lines = done.stdout.decode("utf-8", "surrogateescape").splitlines()
        if done.returncode != 0 or len(lines) != 2:
            return None
        try:
            return cls(os.path.realpath(lines[0]), os.path.join(cwd, lines[1]))
        except OSError:
            return None

    def busy(self) -> bool:
        """Whether git is still at it (asking now would wait)."""
        return not self._collected and any(started.poll() is None for started in self._started)

    def untracked(self) -> list[str] | None:
        """The untracked files (a nested repository as its folder, "sub/"), relative to the top,
        as `git ls-files --others --exclude-standard` lists them; None if git failed."""
        known = self._collect()
        return None if known is None or known.touched is None else known.untracked

    def touched(self) -> list[str] | None:
        """The tracked paths whose index entry or file on disk differs from HEAD, relative to the
        top; None if git failed or said what this does not read (a merge in progress)."""
        known = self._collect()
        return None if known is None else known.touched

    def descriptors(self, root: Path) -> list[tuple[str, str, str]] | None:
        """The descriptor files under the folder `root` as `walk(root)` finds them, each with its
        real path and blob id ("" where git does not vouch for its bytes); None where the walk
        must answer instead."""
        known = self._collect()
        if known is None or known.tracked is None:
            return None
        real_root = os.path.realpath(root)
        if real_root == self.top:
            prefix = ""
        elif real_root.startswith(self.top + os.sep):
            prefix = real_root[len(self.top) + 1 :].replace(os.sep, "/") + "/"
        else:
            return None
        if _SKIPPED.search(prefix):
            return None  # (in a folder skipped from the top, but walked from here)
        if any(folder.startswith(prefix) or prefix.startswith(folder) for folder in known.links):
            return None
        return known.under(str(root), real_root, prefix)

    def early(self, root: Path) -> list[tuple[str, str, str]]:
        """The tracked descriptors under `root` (the top only: else none) as the index alone has
        them, while `git status` still goes through the tree: each as `descriptors` would give
        it if nothing differed on disk (path, real path, blob id), in no particular order. For
        looking up ahead what `descriptors` will most likely vouch for; nothing here is vouched."""
        known = self._read_index()
        if known is None or known.tracked is None or os.path.realpath(root) != self.top:
            return []
        base, real_base = str(root).rstrip(os.sep) + os.sep, self.top.rstrip(os.sep) + os.sep
        return [(base + path, real_base + path, blob) for path, blob in known.tracked.items() if blob]

    def _read_index(self) -> _Known | None:
        if not self._indexed:
            self._indexed = True
            try:
                index = _output(self._started[0])
                self._index = _Known(self.top, index) if index is not None else None
            except (OSError, subprocess.SubprocessError):
                self._index = None
        return self._index

    def _collect(self) -> _Known | None:
        if not self._collected:
            self._collected = True
            known = self._read_index()  # (read while git's pass over the tree goes on)
            try:
                status, config = _output(self._started[1]), _output(self._started[2])
                if known is not None and status is not None:
                    known.settle(status, config, self.attributes)
                    self._known = known
            except (OSError, subprocess.SubprocessError):
                self._known = None
        return self._known

    def close(self) -> None:
        """Let go of any process still running (a run that never asked: nor can anything now)."""
        if not self._collected:
            self._indexed = self._collected = True
            self._index = self._known = None
        for started in self._started:
            if started.poll() is None:
                started.kill()
            started.wait()
            if started.stdout is not None:
                started.stdout.close()


def _git(top: str, *args: str) -> subprocess.Popen[bytes]:
    # (`--no-optional-locks`: `status` would otherwise write the index it refreshes)
    return subprocess.Popen(
        ["git", "-C", top, "--no-optional-locks", "--literal-pathspecs", *args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
    )


def _output(started: subprocess.Popen[bytes]) -> str | None:
    """The process's output; None when it failed (`git config` finding nothing says 1)."""
    out, _ = started.communicate(timeout=_TIMEOUT)
    return out.decode("utf-8", "surrogateescape") if started.returncode == 0 else None


class _Known:
    """What git said, read: the descriptors it tracks (path relative to the top -> blob id, or
    None where git's listing cannot stand for the walk), and what else is there. Read in two
    steps: the index as soon as it is listed (while git still goes through the tree), then the
    rest (`settle`)."""

    def __init__(self, top: str, index: str) -> None:
        self.top = top
        self.untracked: list[str] = []
        self.touched: list[str] | None = []  # tracked paths that differ from HEAD (None: unknown)
        self.files: list[str] = []  # untracked or ignored descriptors
        self.folders: list[str] = []  # folders git lists as a whole, not file by file ("a/b/")
        self.links: list[str] = []  # where a symlink is, as a folder prefix ("a/link/")
        self.attributes = False  # whether an attributes file is in the tree (tracked or not)
        self.tracked = self._index(index)
        # The tracked descriptors in walk order from the top, ready before git's pass ends.
        self.ordered = None if self.tracked is None else _walk_keys(list(self.tracked))

    def _index(self, index: str) -> dict[str, str] | None:
        """The tracked descriptors and their blob ids; None for an entry the walk may see
        otherwise (not a regular file, or one git does not check)."""
        tracked: dict[str, str] = {}
        for entry in index.split("\0"):
            if not entry.startswith(_PLAIN):
                if entry:
                    return None
                continue
            tab = entry.find("\t", 9)
            path = entry[tab + 1 :]
            name = path.rpartition("/")[2]
            if name == _ATTRIBUTES:
                self.attributes = True
            elif name in DEFAULT_NAMES:
                blob = entry[9 : tab - 2]
                tracked[path] = blob if len(blob) == _SHA1_HEX and entry.endswith(" 0", 0, tab) else ""
        return tracked

    def settle(self, status: str, config: str | None, attributes: str) -> None:
        """Takes in `git status` and what may make bytes on disk differ from their blob's (an
        attributes file, `core.autocrlf`: then no file is vouched for)."""
        dirty = self._status(status)
        if dirty is None:
            self.touched = self.tracked = None
            return
        if self.tracked is None:
            return
        if any(path in self.tracked and not self._on_disk(path) for path in dirty):
            self.tracked = None
        elif self.attributes or config is not None or _attributes_outside(attributes):  # (`config` found a setting)
            self.tracked = dict.fromkeys(self.tracked, "")

    def _status(self, status: str) -> list[str] | None:
        """Reads `git status`: notes the untracked and ignored files and folders; returns the
        tracked paths that differ on disk (None: an entry the listing cannot stand for)."""
        dirty: list[str] = []
        touched: list[str] = []
        for entry in status.split("\0"):
            kind = entry[:2]
            if kind == "1 ":
                path = entry.split(" ", 8)[8]
                touched.append(path)
                if entry[3] != ".":  # (its worktree column: the disk differs from the index)
                    dirty.append(path)
            elif kind in ("? ", "! "):
                path = entry[2:]
                if kind == "? ":
                    self.untracked.append(path)
                self.other(path)
            elif entry:
                return None  # (unmerged, or a rename despite --no-renames)
        self.touched = touched
        return dirty

    def other(self, path: str) -> None:
        """An untracked or ignored entry: a folder to walk, a symlink, or a descriptor."""
        if _SKIPPED.search(path):
            return  # (in a folder the walk skips, or one itself: nothing there is looked at)
        if path.endswith("/"):
            self.folders.append(path)
            return
        self.attributes = self.attributes or path.rpartition("/")[2] == _ATTRIBUTES
        try:
            mode = os.lstat(os.path.join(self.top, path)).st_mode
        except OSError:
            return  # (gone since: the walk would not see it either)
        if stat.S_ISLNK(mode):
            self.links.append(path + "/")
        elif path.rpartition("/")[2] in DEFAULT_NAMES and stat.S_ISREG(mode):
            self.files.append(path)

    def _on_disk(self, path: str) -> bool:
        """A tracked descriptor git says differs on disk, looked at: gone (dropped), still a
        regular file at the same real path (listed, not vouched for), or anything else (False)."""
        assert self.tracked is not None
        full = os.path.join(self.top, path)
        try:
            mode = os.lstat(full).st_mode
        except FileNotFoundError:
            del self.tracked[path]
            return True
        except OSError:
            return False
        if not stat.S_ISREG(mode) or os.path.realpath(full) != full:
            return False
        self.tracked[path] = ""
        return True

    def under(self, root: str, real_root: str, prefix: str) -> list[tuple[str, str, str]] | None:
        """The descriptors under `prefix` (a folder of the top, "" for the top), in walk order."""
        if any(prefix.startswith(folder) for folder in self.folders):
            return None  # (a root git lists as a whole: walked)
        cut = len(prefix)
        base, real_base = root.rstrip(os.sep) + os.sep, real_root.rstrip(os.sep) + os.sep
        tracked = self.tracked
        assert tracked is not None
        if not (prefix or self.files or self.folders) and self.ordered is not None:
            # (the common case: the top, and nothing but tracked files: in the order made early)
            return [(base + path, real_base + path, tracked[path]) for path in self.ordered if path in tracked]
        found = [(path[cut:], real_base + path[cut:], blob) for path, blob in self._within(prefix)]
        folders = self._folders_below(prefix, base)
        for path, real in walk(Path(root), within=folders) if folders else ():
            relative = path[len(base) :].replace(os.sep, "/")
            if real != real_base + relative:
                return None  # (through a symlink: where the whole walk goes through it depends on its order)
            found.append((relative, real, ""))
        return _in_walk_order(base, found)

    def _folders_below(self, prefix: str, base: str) -> list[str]:
        """The folders under `prefix` git lists as a whole, as paths under `base`, to be walked
        (but for those the walk skips: `_order` of a file in them is empty)."""
        cut = len(prefix)
        return [
            base + folder[cut:].rstrip("/")
            for folder in self.folders
            if folder.startswith(prefix) and _order(folder[cut:] + "x") != ""
        ]

    def _within(self, prefix: str) -> Iterable[tuple[str, str]]:
        assert self.tracked is not None
        for path, blob in self.tracked.items():
            if path.startswith(prefix):
                yield path, blob
        for path in self.files:
            if path.startswith(prefix):
                yield path, ""


def _in_walk_order(base: str, found: list[tuple[str, str, str]]) -> list[tuple[str, str, str]] | None:
    """(path below `base`, real path, blob) as the walk of `base` yields them: in its order, with
    its path, and none it would skip; None if a name cannot be ordered."""
    by_path = {relative: (real, blob) for relative, real, blob in found}
    ordered = _walk_keys(list(by_path))
    return None if ordered is None else [(base + relative, *by_path[relative]) for relative in ordered]


def _walk_keys(paths: list[str]) -> list[str] | None:
    """`paths` (below a root) in the walk's order, less those it never reaches; None if a name
    cannot be ordered (see `_order`)."""
    keyed: list[tuple[str, str]] = []
    for path in paths:
        order = _order(path)
        if order is None:
            return None
        if order:
            keyed.append((order, path))
    keyed.sort()
    return [path for _, path in keyed]


def _order(relative: str) -> str | None:
    """Where the walk finds the file at `relative` (below its root): a text that sorts as the
    walk goes (a folder's files by name, then its subfolders by name, each walked whole): each
    folder's name after \\x02, the file's after \\x02\\x01. Empty for a file the walk never
    reaches (inside a folder it skips); None for a name holding either mark."""
    if "\x01" in relative or "\x02" in relative:
        return None
    if _SKIPPED.search(relative):
        return ""
    key = ("/" + relative).replace("/", "\x02")
    cut = key.rfind("\x02") + 1
    return key[:cut] + "\x01" + key[cut:]


# A folder the walk skips, anywhere on a path.
_SKIPPED = re.compile("(?:^|/)(?:" + "|".join(map(re.escape, sorted(SKIP_DIRS))) + ")/")


def _attributes_outside(own: str) -> bool:
    """Whether an attributes file outside the tree may apply (the repository's own at `own`, the
    user's, the system's: under /etc, or under the prefix git is installed in, as Homebrew's is):
    then a file's bytes on disk may not be its blob's."""
    config_home = os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")
    installed = shutil.which("git")
    prefix = os.path.dirname(os.path.dirname(os.path.realpath(installed))) if installed else ""
    places: Sequence[str] = (
        own,
        os.path.join(config_home, "git", "attributes"),
        "/etc/gitattributes",
        *([os.path.join(prefix, "etc", "gitattributes")] if prefix else []),
    )
    return any(os.path.exists(place) for place in places)
