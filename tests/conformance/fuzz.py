"""Differential fuzzer: mutated descriptors, Backstage's verdict against catalint's.

Seeds are the documents Backstage accepts among the real corpus (../shared/corpus/real, or
$CATALINT_CORPUS) and our examples. Each case applies one operator of mutators.py to one seed;
both validators then read the same file and are compared per (file, document index): the
verdict, which documents exist, and that catalint did not crash. Everything is a function of the
seed number, so a disagreement is reproduced with the same `--seed` and `--cases`.

    python -m tests.conformance.fuzz --cases 10000 --seed 1

prints the agreement rate and the disagreements grouped by operator; `--keep DIR` leaves the
case files behind for a closer look.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from catalint.config import Settings
from catalint.lint.run import LintRequest, run
from catalint.model import DocumentSummary, Finding
from catalint.yaml.loader import load_text
from tests.conformance.mutators import OPERATORS, Seed
from tests.conformance.oracle import FileVerdict, run_oracle

REPO = Path(__file__).resolve().parents[2]
CORPUS = Path(os.environ.get("CATALINT_CORPUS", REPO.parent / "shared" / "corpus" / "real")) / "files"
EXAMPLES = REPO / "examples"
_SUFFIXES = (".yaml", ".yml", ".json")
_MARKER = re.compile(r"^---[ \t]*$", re.MULTILINE)
# Findings that mean catalint itself failed on the file rather than judged it.
CRASH_RULES = frozenset({"internal-error"})


@dataclass
class Outcome:
    """What one comparison found."""

    cases: int = 0
    documents: int = 0
    agreed: int = 0
    crashes: list[str] = field(default_factory=list)
    # operator -> descriptions of disagreeing documents
    disagreements: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))

    @property
    def disagreeing(self) -> int:
        return sum(len(v) for v in self.disagreements.values())

    @property
    def rate(self) -> float:
        return self.agreed / self.documents if self.documents else 1.0


def _source_files(limit: int | None = None) -> list[Path]:
    files: list[Path] = []
    if CORPUS.is_dir():
        files.extend(sorted(p for p in CORPUS.iterdir() if p.is_file() and p.suffix in _SUFFIXES))
    if EXAMPLES.is_dir():
        # Only documents Backstage accepts become seeds, so other YAML here (CI files) drops out.
        files.extend(sorted(p for p in EXAMPLES.rglob("*") if p.is_file() and p.suffix in _SUFFIXES))
    if limit is not None and len(files) > limit:
        files = random.Random(0).sample(files, limit)
    return files


def _pieces(path: Path) -> Iterable[str]:
    try:
        text = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return
    text = text.lstrip("\ufeff")
    for piece in _MARKER.split(text):
        if piece.strip():
            yield piece.lstrip("\n")


def collect_seeds(workdir: Path, limit: int | None = None) -> list[Seed]:
    """The documents of the corpus and examples that Backstage accepts, each as its own text."""
    candidates: list[tuple[str, str, Path]] = []
    for path in _source_files(limit):
        for number, piece in enumerate(_pieces(path)):
            target = workdir / f"seed-{len(candidates):05d}.yaml"
            target.write_text(piece, encoding="utf-8")
            candidates.append((f"{path.name}#{number}", piece, target))
    verdicts = run_oracle([c[2] for c in candidates])
    seeds: list[Seed] = []
    for origin, piece, target in candidates:
        verdict = verdicts[str(target.resolve())]
        target.unlink()
        if len(verdict.documents) != 1 or not verdict.valid:
            continue
        loaded = load_text(piece)
        if len(loaded.documents) != 1 or loaded.problems or not isinstance(loaded.documents[0].data, dict):
            continue
        seeds.append(Seed(origin, piece, loaded.documents[0].data))
    return seeds


@dataclass(frozen=True)
class Case:
    number: int
    operator: str
    seed: Seed
    path: Path
    # "read" when the case comes with its placeholder targets, which both sides then read
    placeholders: str = "assume"


def make_cases(
    seeds: Sequence[Seed], count: int, seed: int, workdir: Path, operators: Sequence[str] = ()
) -> list[Case]:
    """`count` mutated files in `workdir`; the operators take turns so each gets its share."""
    workdir.mkdir(parents=True, exist_ok=True)
    names = sorted(operators or OPERATORS)
    # Seeds are drawn file first, so one file of hundreds of documents does not crowd out the rest.
    by_file: dict[str, list[Seed]] = defaultdict(list)
    for item in seeds:
        by_file[item.origin.rsplit("#", 1)[0]].append(item)
    groups = [by_file[k] for k in sorted(by_file)]
    cases: list[Case] = []
    number = 0
    attempts = 0
    while len(cases) < count and attempts < count * 5:
        attempts += 1
        rng = random.Random(f"{seed}:{number}")
        number += 1
        operator = names[len(cases) % len(names)]
        base = rng.choice(rng.choice(groups))
        mutated = OPERATORS[operator](rng, base)
        if mutated is None:
            continue
        files = mutated if isinstance(mutated, dict) else {"": mutated}
        folder = workdir / f"case-{number - 1:06d}" if len(files) > 1 else workdir
        folder.mkdir(exist_ok=True)
        path = folder / f"case-{number - 1:06d}-{operator}.yaml"
        for name, content in files.items():
            raw = content if isinstance(content, bytes) else content.encode("utf-8", "surrogatepass")
            (folder / name if name else path).write_bytes(raw)
        cases.append(Case(number - 1, operator, base, path, "read" if len(files) > 1 else "assume"))
    return cases


def _lint(
    paths: list[Path], assume: bool = True
) -> tuple[dict[str, list[DocumentSummary]], dict[str, list[Finding]]]:
    request = LintRequest(
        paths=paths, settings=Settings(include=["*"]), cwd=Path("/"), assume_placeholders=assume, style=False
    )
    result = run(request)
    docs: dict[str, list[DocumentSummary]] = defaultdict(list)
    findings: dict[str, list[Finding]] = defaultdict(list)
    for doc in result.documents:
        docs["/" + doc.path.lstrip("/")].append(doc)
    for finding in result.findings:
        findings["/" + finding.path.lstrip("/")].append(finding)
    return docs, findings


def lint_isolating_crashes(
    paths: list[Path], assume: bool = True
) -> tuple[dict[str, list[DocumentSummary]], dict[str, list[Finding]], list[tuple[Path, str]]]:
    """catalint over `paths`; a batch that raises is split until the files that crash are found."""
    try:
        docs, findings = _lint(paths, assume)
        return docs, findings, []
    except Exception as err:  # a crash of the code under test is what we look for
        if len(paths) == 1:
            return {}, {}, [(paths[0], f"{type(err).__name__}: {err}")]
    middle = len(paths) // 2
    left = lint_isolating_crashes(paths[:middle], assume)
    right = lint_isolating_crashes(paths[middle:], assume)
    return {**left[0], **right[0]}, {**left[1], **right[1]}, left[2] + right[2]


def compare(
    key: str, verdict: FileVerdict, docs: list[DocumentSummary], findings: list[Finding]
) -> tuple[int, list[str]]:
    """(documents compared, disagreements) for one file."""
    mine = {d.index: d for d in docs}
    problems: list[str] = []
    compared = 0
    last = max((d.index for d in verdict.documents), default=-1)
    for theirs in verdict.documents:
        compared += 1
        ours = mine.get(theirs.index)
        backstage_valid = theirs.valid and not theirs.parse_error
        our_valid = ours is not None and ours.valid
        if backstage_valid != our_valid:
            reason = " ".join((theirs.error or "accepted").split())
            problems.append(
                f"doc {theirs.index}: catalint valid={our_valid}"
                f"{'' if ours is not None else ' (no document)'}, Backstage valid={backstage_valid}: {reason[:300]}"
            )
    seen = {d.index for d in verdict.documents}
    for index, doc in sorted(mine.items()):
        if index in seen or (verdict.truncated and index > last):
            continue
        compared += 1
        problems.append(f"doc {index}: catalint reports a document (valid={doc.valid}) Backstage does not see")
    for finding in findings:
        index = finding.document
        if not finding.rule.startswith("yaml-") or index is None or index in seen or index in mine:
            continue
        if verdict.truncated and index > last:
            continue
        compared += 1
        problems.append(f"doc {index}: catalint finds {finding.rule} in a document Backstage reads as empty")
    if verdict.error is not None:
        problems.append(f"Backstage could not read the file: {verdict.error}")
    return compared, problems


def evaluate(cases: Sequence[Case]) -> Outcome:
    outcome = Outcome(cases=len(cases))
    for mode in ("assume", "read"):
        batch = [c for c in cases if c.placeholders == mode]
        if batch:
            _evaluate(batch, mode, outcome)
    return outcome


def _evaluate(cases: Sequence[Case], mode: str, outcome: Outcome) -> None:
    paths = [c.path for c in cases]
    oracle = run_oracle(paths, mode)
    docs, findings, crashed = lint_isolating_crashes(paths, assume=mode == "assume")
    crashed_paths = {str(p.resolve()): why for p, why in crashed}
    for case in cases:
        key = str(case.path.resolve())
        crash = crashed_paths.get(key)
        crash = crash or next((f.message for f in findings.get(key, []) if f.rule in CRASH_RULES), None)
        if crash is not None:
            outcome.crashes.append(f"{case.path.name}: {crash}")
        compared, problems = compare(key, oracle[key], docs.get(key, []), findings.get(key, []))
        outcome.documents += compared
        outcome.agreed += compared - min(compared, len(problems))
        for problem in problems:
            outcome.disagreements[case.operator].append(f"{case.path.name} (seed {case.seed.origin}) {problem}")


def fuzz(
    count: int, seed: int, workdir: Path, operators: Sequence[str] = (), seed_limit: int | None = None, batch: int = 2000
) -> Outcome:
    seeds = collect_seeds(workdir, seed_limit)
    if not seeds:
        raise RuntimeError(f"no seed documents: neither {CORPUS} nor {EXAMPLES} gave a valid document")
    cases = make_cases(seeds, count, seed, workdir, operators)
    total = Outcome()
    for start in range(0, len(cases), batch):
        part = evaluate(cases[start : start + batch])
        total.cases += part.cases
        total.documents += part.documents
        total.agreed += part.agreed
        total.crashes.extend(part.crashes)
        for operator, items in part.disagreements.items():
            total.disagreements[operator].extend(items)
    return total


def report(outcome: Outcome, show: int) -> str:
    lines = [
        f"cases: {outcome.cases}  documents compared: {outcome.documents}  "
        f"agreement: {outcome.agreed}/{outcome.documents} = {100 * outcome.rate:.3f}%  crashes: {len(outcome.crashes)}"
    ]
    for crash in outcome.crashes[:show]:
        lines.append(f"  CRASH {crash}")
    counts = Counter({op: len(items) for op, items in outcome.disagreements.items()})
    for operator, number in counts.most_common():
        lines.append(f"{operator}: {number} disagreement(s)")
        lines.extend(f"  {item}" for item in outcome.disagreements[operator][:show])
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.conformance.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--show", type=int, default=5, help="disagreements printed per operator")
    parser.add_argument("--keep", type=Path, help="write the case files here and leave them")
    parser.add_argument("--operator", action="append", choices=sorted(OPERATORS), help="only these (repeatable)")
    args = parser.parse_args(argv)
    operators = tuple(args.operator or ())
    started = time.monotonic()
    if args.keep is not None:
        args.keep.mkdir(parents=True, exist_ok=True)
        outcome = fuzz(args.cases, args.seed, args.keep, operators)
    else:
        with tempfile.TemporaryDirectory(prefix="catalint-fuzz-") as tmp:
            outcome = fuzz(args.cases, args.seed, Path(tmp), operators)
    print(report(outcome, args.show))
    print(f"({time.monotonic() - started:.0f} s)")
    return 0 if not outcome.crashes and outcome.rate >= 0.999 else 1


if __name__ == "__main__":
    sys.exit(main())
