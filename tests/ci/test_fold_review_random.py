"""Adversarial differential (fold review): sequences of runs, PR mode or not, sharing one cache
folder, over catalogs with directives, Location targets that come and go, placeholders, symlinks,
':' and non-UTF-8 names, duplicates differing in case, broken documents; every run's stdout and
report file (SARIF, JUnit, Code Climate, JSON, text, Mermaid, DOT) and job summary against the same
run with --no-cache, byte for byte, in every format and filter mode, with or without an app-config's
catalog rules, a fake Bitbucket and a fake Backstage; after each run, every pack's fold is the sum
of its plain entries."""

from __future__ import annotations

import os
import random
import re
import shutil
from pathlib import Path

import pytest

from tests.cli_run import RunCli
from tests.descriptors import HEADER
from tests.fakes import FakeBitbucket
from tests.fakes.backstage import FakeBackstage
from tests.gitrepo import commit_all, git
from tests.lint.test_fold import _folds

NAMES = ["svc-0", "svc-1", "svc-2", "Svc-1", "svc-3", "api-0", *(f"n{i}" for i in range(30))]
MODES = ("file", "added", "diff_context", "nofilter")


def _doc(rng: random.Random) -> str:
    kind = rng.choice(["Component", "Component", "API", "System", "Group"])
    name = rng.choice(NAMES)
    line = ""
    if rng.random() < 0.04:
        line = "  # catalint: disable=" + rng.choice(
            ["unresolved-ref", "duplicate-entity", "unresolved-ref,duplicate-entity"]
        )
    if kind == "Group":
        return f"{HEADER}kind: Group\nmetadata:\n  name: {rng.choice(['team-a', 'team-b'])}\nspec:\n  type: team\n  children: []\n"
    owner = rng.choice(["team-a", "team-b", "nobody"])
    if kind == "System":
        return f"{HEADER}kind: System\nmetadata:\n  name: {name}{line}\nspec:\n  owner: {owner}\n"
    if kind == "API":
        definition = "    $text: ./README.md\n" if rng.random() < 0.5 else "    $text: ./missing.md\n"
        return (
            f"{HEADER}kind: API\nmetadata:\n  name: {name}{line}\nspec:\n  type: openapi\n  lifecycle: production\n"
            f"  owner: {owner}\n  definition:\n{definition}"
        )
    spec_type = "7" if rng.random() < 0.1 else "service"
    text = (
        f"{HEADER}kind: Component\nmetadata:\n  name: {name}{line}\nspec:\n  type: {spec_type}\n  lifecycle: production\n"
        f"  owner: {owner}\n"
    )
    targets = rng.sample([*NAMES, "missing"], k=rng.randint(0, 2))
    if targets:
        text += f"  dependsOn: [{', '.join(f'component:{t}' for t in targets)}]{line if rng.random() < 0.5 else ''}\n"
    if rng.random() < 0.3:
        text += f"  system: {rng.choice(NAMES)}\n"
    if rng.random() < 0.2:
        text += f"  providesApis: [{rng.choice(NAMES)}]\n"
    return text


def _file(rng: random.Random) -> str:
    docs = [_doc(rng) for _ in range(rng.choice([1, 1, 1, 2, 3]))]
    text = "---\n".join(docs)
    if rng.random() < 0.05:
        text = "# catalint: disable-file=unresolved-ref\n" + text
    return text


FOLDERS = [
    "a",
    "b",
    "c",
    "d",
    "e:colon",
    "caf\u00e9",
    os.fsdecode(b"raw\xff"),
    "deep/x",
    "deep/y",
    "g",
    *(f"f{i}" for i in range(30)),
]


def _write(path: Path, text: str) -> None:
    for parent in reversed(path.parents):
        if parent.is_file():
            return
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.is_symlink():
        path.unlink()
    path.write_text(text, encoding="utf-8")


def _mutate(rng: random.Random, root: Path) -> None:
    files = sorted(
        {
            p.resolve()
            for p in root.rglob("*.yaml")
            if ".git" not in p.parts and not p.is_symlink() and p.resolve().is_relative_to(root.resolve())
        }
    )
    for path in rng.sample(files, k=min(len(files), rng.randint(0, 3))):
        action = rng.choice(["rewrite", "remove", "touch", "rename-entity", "copy"])
        if action == "rewrite":
            _write(path, _file(rng))
        elif action == "remove":
            path.unlink()
        elif action == "touch":
            st = path.stat()
            os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 10**9))
        elif action == "rename-entity":
            old = rng.choice(NAMES)
            path.write_text(path.read_text().replace(f"name: {old}\n", f"name: {old}-renamed\n"))
        else:
            _write(root / rng.choice(FOLDERS) / f"copy{rng.randint(0, 3)}" / "catalog-info.yaml", path.read_text())
    for _ in range(rng.randint(0, 2)):
        _write(root / rng.choice(FOLDERS) / "catalog-info.yaml", _file(rng))
    r = rng.random()
    if r < 0.25:
        target = root / "loc" / "other.yaml"
        _write(
            root / "loc" / "catalog-info.yaml",
            f"{HEADER}kind: Location\nmetadata:\n  name: loc\nspec:\n  targets:\n    - ./other.yaml\n",
        )
        if target.exists():
            target.unlink()
        else:
            _write(target, _file(rng))
    elif r < 0.4:
        readme = root / "a" / "README.md"
        if readme.exists() and rng.random() < 0.5:
            readme.unlink()
        else:
            _write(readme, f"# readme {rng.random()}\n")
    elif r < 0.5:
        link = root / "linked"
        if link.is_symlink():
            link.unlink()
        else:
            link.symlink_to(rng.choice(["b", "c", "deep"]), target_is_directory=True)
    elif r < 0.6:
        link = root / "linked"
        if link.is_symlink():
            link.unlink()
        link.symlink_to(rng.choice(["b", "c", "deep", ".", "deep/x", "nowhere"]), target_is_directory=True)
    elif r < 0.65:
        folder = root / rng.choice(FOLDERS)
        if folder.is_dir() and not folder.is_symlink() and rng.random() < 0.5:
            shutil.rmtree(folder)
            folder.write_text("not a folder\n")
        elif folder.is_file():
            folder.unlink()
            _write(folder / "catalog-info.yaml", _file(rng))
    elif r < 0.7:
        link = root / "h" / "catalog-info.yaml"
        if link.is_symlink():
            link.unlink()
        elif not link.exists():
            link.parent.mkdir(exist_ok=True)
            link.symlink_to("../a/catalog-info.yaml")


def _base(rng: random.Random, root: Path) -> None:
    root.mkdir()
    git(root, "init", "-q", "-b", "main")
    _write(
        root / "teams" / "catalog-info.yaml",
        f"{HEADER}kind: Group\nmetadata:\n  name: team-a\nspec:\n  type: team\n  children: []\n",
    )
    for folder in rng.sample(FOLDERS, k=rng.randint(3, 30)):
        _write(root / folder / "catalog-info.yaml", _file(rng))
    _write(root / "a" / "README.md", "# readme\n")
    if rng.random() < 0.3:
        rules = rng.choice(
            [
                "rules:\n  duplicate-entity: warning\n",
                "rules:\n  unresolved-ref: off\n",
                "rules:\n  unresolved-ref: error\n  duplicate-entity: off\n",
            ]
        )
        (root / ".catalint.yaml").write_text(rules)
    commit_all(root, "base")


def _run(run_cli: RunCli, root: Path, out: Path, cache: list[str], args: list[str], env: dict[str, str]) -> list[str]:
    out.mkdir(parents=True, exist_ok=True)
    summary = out / "summary.md"
    summary.write_text("")
    for old in out.iterdir():
        if old != summary:
            old.unlink()
    outputs = []
    for fmt in ("sarif", "junit", "codeclimate", "json", "text", "mermaid", "dot"):
        outputs += ["--output", f"{fmt}:{out / fmt}"]
    result = run_cli(
        "lint",
        "--fail-on",
        "never",
        "--offline",
        *cache,
        *args,
        *outputs,
        ".",
        cwd=root,
        env={**env, "GITHUB_STEP_SUMMARY": str(summary)},
        catch_exceptions=True,
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    files = [
        (out / fmt).read_text(errors="replace") if (out / fmt).exists() else ""
        for fmt in ("sarif", "junit", "codeclimate", "json", "text", "mermaid", "dot")
    ]
    assert "Traceback" not in result.stderr
    said = [str(result.exit_code), result.stdout, result.stderr, summary.read_text(), *files]
    said = [re.sub(r'timestamp="[^"]*"', "", text) for text in said]
    return [re.sub(r"\b[0-9a-f]{32}\b", "TOKEN", text) for text in said]


def _sequence(
    tmp_path: Path, run_cli: RunCli, seed: int, net: tuple[FakeBitbucket, FakeBackstage | None] | None = None
) -> None:
    """Runs over one cache folder, each against the same run with --no-cache; `net`: a fake
    Bitbucket the catalog's Location and a placeholder point into (and this checkout's origin),
    and a fake Backstage that `--backstage-url` asks."""
    rng = random.Random(seed)
    root, cache = tmp_path / "repo", tmp_path / "cache"
    _base(rng, root)
    extra_args: list[str] = []
    extra_env: dict[str, str] = {}
    if net is not None:
        fake, backstage = net
        web = fake.web_url
        git(root, "remote", "add", "origin", f"{web}/acme/catalog.git")
        for i in range(3):
            fake.add_repo(
                "acme", f"svc-r{i}", branches={"main": {"catalog-info.yaml": _file(rng).encode(), "README.md": b"hi"}}
            )
        fake.add_repo("acme", "catalog", branches={"main": {}})
        fake.add_user("dev@acme.test", "api-token", workspaces=["acme"])
        extra_env = fake.env(BITBUCKET_USERNAME="dev@acme.test", BITBUCKET_TOKEN="api-token")
        if backstage is not None:
            extra_args = ["--backstage-url", backstage.url, "--backstage-token", "backstage-static-token"]
        targets = [f"{web}/acme/svc-r{i}/src/main/catalog-info.yaml" for i in range(3)]
        targets.append(f"{web}/acme/catalog/src/main/a/catalog-info.yaml")  # into this checkout
        listed = "".join(f"    - {t}\n" for t in rng.sample(targets, k=rng.randint(1, 4)))
        _write(
            root / "remote" / "catalog-info.yaml",
            f"{HEADER}kind: Location\nmetadata:\n  name: remote\nspec:\n  targets:\n{listed}",
        )
        _write(
            root / "b" / "catalog-info.yaml",
            _file(rng)
            + f"---\n{HEADER}kind: API\nmetadata:\n  name: remote-api\nspec:\n  type: openapi\n  lifecycle: production\n  owner: team-a\n  definition:\n    $text: {web}/acme/svc-r0/src/main/README.md\n",
        )
        commit_all(root, "net")
    git(root, "checkout", "-q", "-b", "feature")
    app = []
    if rng.random() < 0.15:
        (tmp_path / "app.yaml").write_text("catalog:\n  rules:\n    - allow: [Component, System, Group, Location]\n")
        app = ["--app-config", str(tmp_path / "app.yaml")]
    for step in range(int(os.environ.get("FOLD_STEPS", "7"))):
        _mutate(rng, root)
        if rng.random() < 0.5:
            git(root, "add", "-A")
            git(root, "commit", "-q", "--allow-empty", "-m", f"step {step}")
        pr = rng.random() < 0.75
        fmt = rng.choice(["json", "text", "github"])
        args = ["--format", fmt, *app, *extra_args]
        if pr:
            args += ["--changed-since", "main", "--filter-mode", rng.choice(MODES)]
        if rng.random() < 0.3:
            args += ["--summary", "--summary-graph"]
        env = {"GITHUB_ACTIONS": "true"} if fmt == "github" else {}
        env.update(extra_env)
        offline = [] if net is not None else ["--offline"]
        uncached = _run(run_cli, root, tmp_path / "o", ["--no-cache", *offline], args, env)
        cached = _run(run_cli, root, tmp_path / "o", ["--cache-dir", str(cache), *offline], args, env)
        assert cached == uncached, (seed, step, args)
        packs = list(cache.rglob("*.pack"))
        for pack in packs:
            stored, made = _folds(pack)
            assert stored == made, (seed, step, pack)


# FOLD_SEEDS / FOLD_SEED0 / FOLD_STEPS widen a search (the review ran 280 sequences of 7 to 10 runs).
SEEDS = range(
    int(os.environ.get("FOLD_SEED0", "0")),
    int(os.environ.get("FOLD_SEED0", "0")) + int(os.environ.get("FOLD_SEEDS", "4")),
)


@pytest.mark.parametrize("seed", SEEDS)
def test_sequences_of_runs_through_one_cache_print_what_uncached_runs_print(
    tmp_path: Path, run_cli: RunCli, seed: int
) -> None:
    _sequence(tmp_path, run_cli, seed)


@pytest.mark.parametrize("seed", SEEDS)
def test_with_bitbucket_and_backstage(
    tmp_path: Path, run_cli: RunCli, seed: int, fake_bitbucket: FakeBitbucket
) -> None:
    if seed % 2:
        entities = ["component:default/n5", "Group:default/Team-B", "component:default/missing"]
        with FakeBackstage("backstage-static-token", entities) as backstage:
            _sequence(tmp_path, run_cli, seed, (fake_bitbucket, backstage))
    else:
        _sequence(tmp_path, run_cli, seed, (fake_bitbucket, None))
