"""Time catalint against the bare parse floor, yamllint and Backstage's validator, at several sizes.

Usage: python bench/run.py [--files 2000,10000,30000] [--repeat 3] [--tools floor,j1,...]

Every tool runs on the same generated files (bench/generate.py). The runs of one size are
interleaved (one of each tool, then again) and each figure is the median, because the machine is
shared and a burst of someone else's work should cost one sample, not one tool. Peak RSS is the
largest resident set of any process of the run (the kernel's ru_maxrss of the child and of the
processes it waited for: a worker pool's largest process, not their sum).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

# The bare floor: libyaml's C loader and jsonschema against the entity schema, one process,
# nothing of catalint's (no positions, no rules, no report).
FLOOR = """
import json, sys, yaml
from pathlib import Path
from jsonschema import Draft7Validator
entity = Draft7Validator(json.loads(Path(sys.argv[2]).read_text()))
for path in Path(sys.argv[1]).rglob("catalog-info.yaml"):
    with path.open("rb") as handle:
        for data in yaml.load_all(handle, Loader=yaml.CSafeLoader):
            list(entity.iter_errors(data))
"""


@dataclass
class Tool:
    key: str
    label: str
    command: list[str]
    env: dict[str, str] | None = None
    stdin: Path | None = None
    before: Callable[[], None] | None = None
    times: list[float] = field(default_factory=list)
    rss: list[int] = field(default_factory=list)  # KiB
    cpu: list[float] = field(default_factory=list)  # user + system seconds of the run and its workers
    failed: str = ""

    def once(self, cwd: Path) -> None:
        if self.before is not None:
            self.before()
        handle = self.stdin.open("rb") if self.stdin else subprocess.DEVNULL
        try:
            start = time.perf_counter()
            child = subprocess.Popen(
                self.command, stdin=handle, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=self.env, cwd=cwd
            )
            assert child.stderr is not None
            err = child.stderr.read()
            _, status, usage = os.wait4(child.pid, 0)
            elapsed = time.perf_counter() - start
            child.returncode = os.waitstatus_to_exitcode(status)
        finally:
            if self.stdin:
                handle.close()  # type: ignore[union-attr]
        if child.returncode not in (0, 1):
            self.failed = f"exit {child.returncode}: {err.decode(errors='replace').strip().splitlines()[-1:]}"
            return
        self.times.append(elapsed)
        self.rss.append(usage.ru_maxrss)
        self.cpu.append(usage.ru_utime + usage.ru_stime)

    @property
    def time(self) -> float | None:
        return statistics.median(self.times) if self.times and not self.failed else None

    @property
    def cpu_time(self) -> float | None:
        return statistics.median(self.cpu) if self.cpu and not self.failed else None

    @property
    def peak(self) -> float | None:
        return statistics.median(self.rss) / 1024 if self.rss and not self.failed else None


def tools_for(work: Path, corpus: Path, files: list[str], wanted: set[str]) -> list[Tool]:
    python = sys.executable
    bindir = Path(python).parent
    catalint = [str(bindir / "catalint"), "lint", "--format", "json", "--fail-on", "never"]
    cache = work / "cache"
    entity = REPO / "src" / "catalint" / "schemas" / "entity.json"
    tools = [
        Tool("floor", "bare floor: CSafeLoader + jsonschema", [python, "-c", FLOOR, str(corpus), str(entity)]),
        # A folder, not 30,000 arguments: the command line would be over the kernel's limit.
        Tool("yamllint", "yamllint alone (default config)", [str(bindir / "yamllint"), "-f", "parsable", str(corpus)]),
        Tool("j1", "catalint --no-style -j 1", [*catalint, "--no-cache", "--no-style", "-j", "1", str(corpus)]),
        Tool("nostyle", "catalint --no-style (default jobs)", [*catalint, "--no-cache", "--no-style", str(corpus)]),
        Tool(
            "cold",
            "catalint default profile, cold",
            [*catalint, "--cache-dir", str(cache), str(corpus)],
            before=lambda: shutil.rmtree(cache, ignore_errors=True),
        ),
        Tool("warm", "catalint default profile, warm", [*catalint, "--cache-dir", str(cache), str(corpus)]),
        # The same warm run after one file's mtime moved (its content did not): the run-level memo
        # misses, so this is what a warm run costs when anything at all changed.
        Tool(
            "touched",
            "catalint default profile, warm, 1 file touched",
            [*catalint, "--cache-dir", str(cache), str(corpus)],
            before=lambda: os.utime(files[0]),
        ),
    ]
    if "backstage" in wanted:
        try:
            from tests.conformance.oracle import ORACLE_DIR, ensure_installed

            modules = ensure_installed()
            listing = work / "oracle-input.json"
            # The file list goes in on stdin: as arguments it would not fit at 30,000 files.
            listing.write_text(json.dumps({"files": files, "placeholders": "assume"}))
            env = dict(os.environ, NODE_PATH=str(modules))
            tools.insert(2, Tool("backstage", "Backstage validator (Node)", ["node", str(ORACLE_DIR / "validate.js")], env, listing))
        except Exception as err:  # the benchmark still reports the rest
            print(f"  Backstage validator unavailable: {err}", file=sys.stderr)
    return [t for t in tools if t.key in wanted]


def bench_size(size: int, repeat: int, wanted: set[str]) -> dict[str, Tool]:
    work = Path(tempfile.mkdtemp(prefix="catalint-bench-"))
    try:
        corpus = work / "corpus"
        docs = generate(corpus, size)
        files = sorted(str(p) for p in corpus.rglob("catalog-info.yaml"))
        megabytes = sum(os.path.getsize(f) for f in files) / 1e6
        print(f"{size:,} files, {docs:,} documents, {megabytes:.1f} MB", file=sys.stderr, flush=True)
        tools = tools_for(work, corpus, files, wanted)
        for round_ in range(repeat):
            for tool in tools:
                if not tool.failed:
                    tool.once(work)
            done = ", ".join(f"{t.key} {t.times[-1]:.2f}s" for t in tools if t.times and not t.failed)
            print(f"  round {round_ + 1}/{repeat}: {done}", file=sys.stderr, flush=True)
        if "pr" in wanted or "prclone" in wanted:
            tools.extend(t for t in pr_mode(work, corpus, repeat) if t.key in wanted)
        for tool in tools:
            if tool.failed:
                print(f"  {tool.label} failed: {tool.failed}", file=sys.stderr)
        return {t.key: t for t in tools}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _git(corpus: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(corpus), *args], check=True, stdout=subprocess.DEVNULL)


def pr_mode(work: Path, corpus: Path, repeat: int) -> list[Tool]:
    """A pull request that changes 3 files of the corpus, linted with the cache the base left (as
    a CI cache restores it): `--changed-since` the base, default profile. Twice: in the checkout
    the base was linted in, and (as CI runs it) in a fresh clone at the same path, with the cache
    the base left in a clone of its own there: no file's stat signature is the cached one's."""
    _git(corpus, "init", "-q", "-b", "main")
    _git(corpus, "add", "-A")
    _git(corpus, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-m", "base")
    bindir = Path(sys.executable).parent
    base_cache, cache = work / "pr-base-cache", work / "pr-cache"
    lint = [str(bindir / "catalint"), "lint", "--format", "json", "--fail-on", "never"]
    subprocess.run([*lint, "--cache-dir", str(base_cache), "."], cwd=corpus, stdout=subprocess.DEVNULL, check=False)
    _git(corpus, "checkout", "-q", "-b", "change")
    changed = sorted(corpus.rglob("catalog-info.yaml"))[:: max(1, len(list(corpus.glob("repo-*/*"))) // 3)][:3]
    for path in changed:
        path.write_text(path.read_text().replace("description: Synthetic", "description: Changed", 1))
    _git(corpus, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit", "-q", "-am", "change")

    def restore() -> None:
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(base_cache, cache)

    command = [*lint, "--cache-dir", str(cache), "--changed-since", "main", "."]
    tool = Tool("pr", "PR mode (3 files changed), warm", command, before=restore)
    for _ in range(repeat):
        tool.once(corpus)
    origin = work / "origin"
    corpus.rename(origin)
    # As CI has it: the base's cache, too, comes from a clone at that path (a clone's `origin` is
    # not the repository it was cloned from's: the cache makes its keys again where that differs).
    cloned_cache = work / "pr-clone-base-cache"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(origin), str(corpus)], check=True)
    subprocess.run([*lint, "--cache-dir", str(cloned_cache), "."], cwd=corpus, stdout=subprocess.DEVNULL, check=False)

    def clone() -> None:
        shutil.rmtree(corpus, ignore_errors=True)
        subprocess.run(["git", "clone", "-q", "-b", "change", str(origin), str(corpus)], check=True)
        _git(corpus, "branch", "-q", "main", "origin/main")
        shutil.rmtree(cache, ignore_errors=True)
        shutil.copytree(cloned_cache, cache)

    fresh = Tool("prclone", "PR mode (3 files changed), warm, fresh clone", command, before=clone)
    for _ in range(repeat):
        fresh.once(corpus)
    return [tool, fresh]


RATIOS = [
    ("`--no-style -j 1` / bare floor", "j1", "floor", "<= 1.3"),
    ("`--no-style` (default jobs) / Backstage's validator", "nostyle", "backstage", "<= 0.7"),
    ("default profile, cold / yamllint alone", "cold", "yamllint", "<= 0.3"),
    ("warm / cold", "warm", "cold", "<= 0.05"),
    ("warm / bare floor", "warm", "floor", "<= 0.3"),
    ("warm, 1 file touched / cold", "touched", "cold", "(none)"),
]


def _cell(value: float | None, fmt: str) -> str:
    return "n/a" if value is None else format(value, fmt)


def table(sizes: list[int], results: list[dict[str, Tool]], repeat: int) -> str:
    head = "| {} | " + " | ".join(f"{s:,} files" for s in sizes) + " |{}"
    rule = "|---|" + "---|" * len(sizes)
    keys = list(dict.fromkeys(k for r in results for k in r))
    labels = {k: r[k].label for r in results for k in r}
    lines = [head.format(f"seconds (median of {repeat})", ""), rule]
    for key in keys:
        lines.append(f"| {labels[key]} | " + " | ".join(_cell(r[key].time if key in r else None, ".2f") for r in results) + " |")
    lines += ["", head.format("CPU seconds, user + system (median)", ""), rule]
    for key in keys:
        lines.append(
            f"| {labels[key]} | " + " | ".join(_cell(r[key].cpu_time if key in r else None, ".2f") for r in results) + " |"
        )
    lines += ["", head.format("peak RSS (MB)", ""), rule]
    for key in keys:
        lines.append(f"| {labels[key]} | " + " | ".join(_cell(r[key].peak if key in r else None, ".0f") for r in results) + " |")
    for title, measure in (("ratio (wall)", "time"), ("ratio (CPU seconds)", "cpu_time")):
        lines += ["", head.format(title, " target |"), rule + "---|"]
        for label, top, bottom, target in RATIOS:
            cells = []
            for r in results:
                a = getattr(r[top], measure) if top in r else None
                b = getattr(r[bottom], measure) if bottom in r else None
                cells.append(_cell(a / b if a is not None and b else None, ".2f"))
            lines.append(f"| {label} | " + " | ".join(cells) + f" | {target} |")
    for key, label in (("pr", "PR mode, 3 files changed, warm"), ("prclone", "the same in a fresh clone")):
        if any(key in r for r in results):
            cells = [_cell(r[key].time if key in r else None, ".2f") for r in results]
            lines.append(f"| {label} (seconds) | " + " | ".join(cells) + " | <= 1 s |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--files", default="2000", help="comma-separated corpus sizes, e.g. 2000,10000,30000")
    parser.add_argument("--repeat", type=int, default=3, help="interleaved runs per tool; the median is reported")
    parser.add_argument(
        "--tools",
        default="floor,yamllint,backstage,j1,nostyle,cold,warm,touched,pr,prclone",
        help="which of floor,yamllint,backstage,j1,nostyle,cold,warm,touched,pr,prclone to run (pr: a pull "
        "request's 3 changed files in a git checkout of the corpus, linted warm with --changed-since; prclone: "
        "the same in a fresh clone, as CI runs it)",
    )
    args = parser.parse_args()
    sizes = [int(s.replace("_", "")) for s in args.files.split(",") if s.strip()]
    wanted = {t.strip() for t in args.tools.split(",")}
    # An installed package ships bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE
    # would otherwise recompile every module on every run and time the compiler, not catalint.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(REPO / "src")], check=False, stdout=subprocess.DEVNULL)
    results: list[dict[str, Tool]] = []
    for size in sizes:
        results.append(bench_size(size, args.repeat, wanted))
        if len(results) < len(sizes):  # what is known so far, in case a long run is cut short
            print(table(sizes[: len(results)], results, args.repeat) + "\n", file=sys.stderr, flush=True)
    print(table(sizes, results, args.repeat))


if __name__ == "__main__":
    main()
