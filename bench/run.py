"""Time catalint against yamllint, Backstage's validator and the parse-plus-jsonschema floor.

Usage: python bench/run.py [--files 2000]. Every tool runs on the same generated files in this
one process tree; the figures are wall-clock seconds and ratios, printed as a table.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(HERE))

from generate import generate  # noqa: E402

REPEAT = 3


def timed(label: str, command: list[str], env: dict[str, str] | None = None, before: object = None) -> float:
    """Best of REPEAT runs: the machine is shared, and the minimum is the least disturbed run."""
    best = float("inf")
    for _ in range(REPEAT):
        if callable(before):
            before()
        start = time.perf_counter()
        subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, check=False)
        best = min(best, time.perf_counter() - start)
    print(f"  {label:<44} {best:7.2f} s", flush=True)
    return best


FLOOR = """
import sys, yaml
from pathlib import Path
from jsonschema import Draft7Validator
from catalint.schemas import validator
from catalint.yaml.loader import _Composer
entity = validator("entity.json")
for path in Path(sys.argv[1]).rglob("catalog-info.yaml"):
    loader = _Composer(path.read_text())
    while loader.check_node():
        node = loader.get_node()
        data = yaml.SafeLoader.construct_document(yaml.SafeLoader(""), node)
        list(entity.iter_errors(data))
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs per tool")
    args = parser.parse_args()
    global REPEAT
    REPEAT = args.repeat
    work = Path(tempfile.mkdtemp(prefix="catalint-bench-"))
    corpus = work / "corpus"
    docs = generate(corpus, args.files)
    files = sorted(str(p) for p in corpus.rglob("catalog-info.yaml"))
    print(f"{len(files)} files, {docs} documents, {sum(os.path.getsize(f) for f in files) / 1e6:.1f} MB")
    python = sys.executable
    # An installed package ships bytecode; an editable checkout under PYTHONDONTWRITEBYTECODE
    # would otherwise recompile every module on every run and time the compiler, not catalint.
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "src")], check=False, stdout=subprocess.DEVNULL)
    catalint = [str(Path(python).parent / "catalint")]
    cache = work / "cache"
    results: dict[str, float] = {}
    results["floor"] = timed("parse + jsonschema floor (C parser)", [python, "-c", FLOOR, str(corpus)])
    results["nostyle"] = timed("catalint lint --no-style (cold)", [*catalint, "lint", "--no-cache", "--no-style", "--fail-on", "never", str(corpus)])
    results["default"] = timed(
        "catalint lint (default profile, cold)",
        [*catalint, "lint", "--cache-dir", str(cache), "--fail-on", "never", str(corpus)],
        before=lambda: shutil.rmtree(cache, ignore_errors=True),
    )
    results["warm"] = timed("catalint lint (default, warm cache)", [*catalint, "lint", "--cache-dir", str(cache), "--fail-on", "never", str(corpus)])
    yamllint = Path(python).parent / "yamllint"
    results["yamllint"] = timed("yamllint alone (default config)", [str(yamllint), "-f", "parsable", *files])
    oracle = None
    try:
        from tests.conformance.oracle import ORACLE_DIR, ensure_installed

        modules = ensure_installed()
        env = dict(os.environ, NODE_PATH=str(modules))
        listing = work / "oracle-input.json"
        listing.write_text(json.dumps({"files": files, "placeholders": "assume"}))
        oracle = float("inf")
        for _ in range(REPEAT):
            start = time.perf_counter()
            with listing.open() as handle:
                subprocess.run(
                    ["node", str(ORACLE_DIR / "validate.js")], stdin=handle, stdout=subprocess.DEVNULL, env=env, check=True
                )
            oracle = min(oracle, time.perf_counter() - start)
        print(f"  {'Backstage validator (catalog-model, Node)':<44} {oracle:7.2f} s")
    except Exception as err:  # the benchmark still reports the rest
        print(f"  Backstage validator unavailable: {err}")
    print("\nratios")
    print(f"  catalint --no-style / floor            {results['nostyle'] / results['floor']:.2f}x  (target <= 1.5)")
    if oracle:
        print(f"  catalint --no-style / Backstage        {results['nostyle'] / oracle:.2f}x  (target <= 1.0)")
    print(f"  catalint default / yamllint alone      {results['default'] / results['yamllint']:.2f}x  (target <= 0.5)")
    print(f"  warm / cold (default profile)          {results['warm'] / results['default']:.2f}x  (target <= 0.1)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
