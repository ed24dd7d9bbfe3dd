"""The run memo (lint/memo.py): a repeated `catalint lint` over unchanged inputs is answered from
what the last run printed, before click is imported; any changed input, and every run that is not
purely local, runs normally.

Every run here is a real process started through the console script's entry point (`entry`), so
what a hit imports and what it prints are what a user gets. A memo is recorded only for inputs
that did not change in the last moments before the run (a file system clock tick could hide a
second change), so the tests let a moment pass after changing files (`settle`).
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

from catalint.lint import cache as cachemod
from catalint.lint import memo
from tests.fakes.bitbucket import FakeBitbucket

# Runs `entry` as the console script does; on exit, the modules the process imported go to the
# file named by MEMO_TEST_MODULES, to tell a replay (no click) from a run.
RUNNER = """
import atexit, os, sys
def _modules():
    with open(os.environ["MEMO_TEST_MODULES"], "w") as handle:
        handle.write("\\n".join(sorted(sys.modules)))
atexit.register(_modules)
from catalint.cli import entry
entry()
"""


@dataclass(frozen=True)
class Ran:
    code: int
    out: bytes
    err: bytes
    modules: frozenset[str]

    @property
    def replayed(self) -> bool:
        return "click" not in self.modules

    @property
    def answer(self) -> tuple[int, bytes, bytes]:
        return self.code, self.out, self.err


class Catalint:
    """`catalint ARGS` in `cwd`, with a cache folder of the test's own."""

    def __init__(self, tmp_path: Path) -> None:
        self.cache = tmp_path / "cache"
        self.modules = tmp_path / "modules.txt"
        self.env = dict(os.environ, MEMO_TEST_MODULES=str(self.modules))
        self.env.pop("PYTHONPATH", None)

    def __call__(
        self, *args: str, cwd: Path, env: Mapping[str, str] | None = None, cache: bool = True, stdin: bytes | None = None
    ) -> Ran:
        argv = [*args[:1], *(["--cache-dir", str(self.cache)] if cache else ["--no-cache"]), *args[1:]]
        done = subprocess.run(
            [sys.executable, "-c", RUNNER, *argv],
            cwd=cwd,
            env={**self.env, **(env or {})},
            input=stdin,
            capture_output=True,
            timeout=120,
            check=False,
        )
        assert b"Traceback" not in done.stderr, done.stderr.decode()
        return Ran(done.returncode, done.stdout, done.stderr, frozenset(self.modules.read_text().split()))

    def memos(self) -> list[Path]:
        folder = self.cache / memo.FOLDER
        return sorted(p for p in folder.iterdir() if p.name != "key" and not p.name.startswith("tmp-")) if folder.is_dir() else []


def settle() -> None:
    time.sleep(0.12)  # past the memo's "changed just now" margin (50 ms)


def component(name: str, extra: str = "") -> str:
    return (
        "apiVersion: backstage.io/v1alpha1\nkind: Component\nmetadata:\n"
        f"  name: {name}\n{extra}spec:\n  type: service\n  lifecycle: production\n  owner: group:team\n"
    )


def make_tree(root: Path) -> Path:
    """A small catalog: a group, components (one with a `$json` description), a Location whose
    glob target is a folder of descriptors."""
    (root / "repo").mkdir()
    repo = root / "repo"
    (repo / "catalog-info.yaml").write_text(
        "apiVersion: backstage.io/v1alpha1\nkind: Group\nmetadata:\n  name: team\nspec:\n  type: team\n  children: []\n"
        "---\n"
        "apiVersion: backstage.io/v1alpha1\nkind: Location\nmetadata:\n  name: more\nspec:\n  targets: ['./more/*.yaml']\n"
    )
    (repo / "svc").mkdir()
    (repo / "svc" / "catalog-info.yaml").write_text(component("svc", "  description:\n    $json: ./about.json\n"))
    (repo / "svc" / "about.json").write_text('"abcdef"\n')
    (repo / "lib").mkdir()
    (repo / "lib" / "catalog-info.yaml").write_text(component("lib", "  description: 42\n"))  # an error
    (repo / "more").mkdir()
    (repo / "more" / "one.yaml").write_text(component("one"))
    settle()
    return repo


@pytest.fixture
def catalint(tmp_path: Path) -> Catalint:
    return Catalint(tmp_path)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    return make_tree(tmp_path)


def recorded_then_replayed(catalint: Catalint, repo: Path, *args: str, env: Mapping[str, str] | None = None) -> Ran:
    first = catalint("lint", *args, cwd=repo, env=env)
    assert not first.replayed
    assert len(catalint.memos()) == 1
    second = catalint("lint", *args, cwd=repo, env=env)
    assert second.replayed
    assert second.answer == first.answer
    return second


# ------------------------------------------------------------------ replay
@pytest.mark.parametrize("fmt", ["json", "text"])
def test_a_repeated_run_replays_its_output_without_click(catalint: Catalint, repo: Path, fmt: str) -> None:
    ran = recorded_then_replayed(catalint, repo, "--format", fmt, ".")
    assert b"more/one.yaml" in ran.out or fmt == "text"  # the whole report, Location targets too
    uncached = catalint("lint", "--format", fmt, ".", cwd=repo, cache=False)
    assert uncached.answer == ran.answer
    # A hit imports nothing of click, catalint's commands, or the heavier parts of the stdlib.
    assert not {"click", "catalint.cli.app", "catalint.lint.run", "json", "typing", "hashlib", "re"} & ran.modules
    assert {"catalint.lint.memo"} <= ran.modules


def test_replay_keeps_the_exit_code_and_fail_on(catalint: Catalint, repo: Path) -> None:
    ran = recorded_then_replayed(catalint, repo, "--fail-on", "never", ".")
    assert ran.code == 0
    other = catalint("lint", ".", cwd=repo)  # another command line: its own memo
    assert not other.replayed
    assert other.code == 1


def test_stdout_and_stderr_are_replayed_in_the_order_written(catalint: Catalint, repo: Path, tmp_path: Path) -> None:
    """A memo made by hand with interleaved segments (as a run warning between reports writes them):
    played back in order, bytes as recorded."""
    catalint("lint", ".", cwd=repo)
    (path,) = catalint.memos()
    header = (memo.FORMAT, (), (), ((2, 5), (1, 4), (2, 3), (1, 2)), b"warn\nend", 3, 6)
    blob = marshal_dumps(header)
    path.write_bytes(b"out\nok" + blob + len(blob).to_bytes(memo.TRAILER, "big"))
    argv = ["lint", "--cache-dir", str(catalint.cache), "."]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *argv], cwd=repo, env=catalint.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False
    )
    assert (done.returncode, done.stdout) == (3, b"warn\nout\nendok")


def marshal_dumps(value: object) -> bytes:
    import marshal

    return marshal.dumps(value)


# ------------------------------------------------------------------ what makes it run again
def same_size_same_mtime(path: Path, text: str) -> None:
    before = path.stat()
    assert len(text.encode()) == before.st_size
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_mtime_ns == before.st_mtime_ns  # only ctime (and content) tell


def _edit_descriptor(repo: Path) -> None:
    path = repo / "lib" / "catalog-info.yaml"
    same_size_same_mtime(path, path.read_text().replace("description: 42", "description: ok"))


def _add_file(repo: Path) -> None:
    (repo / "lib" / "catalog-info.yml").write_text(component("lib2"))


def _remove_file(repo: Path) -> None:
    (repo / "lib" / "catalog-info.yaml").unlink()


def _add_folder(repo: Path) -> None:
    (repo / "new").mkdir()
    (repo / "new" / "catalog-info.yaml").write_text(component("new", "  description: 42\n"))


def _edit_json_target(repo: Path) -> None:
    same_size_same_mtime(repo / "svc" / "about.json", "123456789")  # a number: no description


def _remove_json_target(repo: Path) -> None:
    (repo / "svc" / "about.json").unlink()


def _glob_folder_gains_a_file(repo: Path) -> None:
    (repo / "more" / "two.yaml").write_text(component("two", "  description: 42\n"))


def _config_created(repo: Path) -> None:
    (repo / ".catalint.yaml").write_text("max-file-size: 100\n")


def _yamllint_created(repo: Path) -> None:
    (repo / ".yamllint").write_text("extends: default\nrules:\n  document-start: enable\n")


CHANGES = {
    "descriptor edited, same size and mtime": _edit_descriptor,
    "file added": _add_file,
    "file removed": _remove_file,
    "folder added": _add_folder,
    "$json target edited, same size and mtime": _edit_json_target,
    "$json target removed": _remove_json_target,
    "glob folder gains a file": _glob_folder_gains_a_file,
    ".catalint.yaml created": _config_created,
    ".yamllint created": _yamllint_created,
}


@pytest.mark.parametrize("change", list(CHANGES))
def test_a_changed_input_runs_again(catalint: Catalint, repo: Path, change: str) -> None:
    before = recorded_then_replayed(catalint, repo, "--format", "json", ".")
    CHANGES[change](repo)
    settle()
    after = catalint("lint", "--format", "json", ".", cwd=repo)
    assert not after.replayed
    assert after.answer == catalint("lint", "--format", "json", ".", cwd=repo, cache=False).answer
    assert after.out != before.out  # each change shows in the report
    assert catalint("lint", "--format", "json", ".", cwd=repo).replayed  # and is remembered in turn


def test_folders_answered_from_kept_listings_are_inputs_too(catalint: Catalint, repo: Path) -> None:
    """The walk answers an unchanged folder from its kept listing (sources/listings.py), without
    listing it: the memo still watches it."""
    catalint("lint", "--format", "json", ".", cwd=repo)  # the folders listed, and kept
    _add_file(repo)  # lib changes: the next run lists lib, and answers svc and more from the store
    settle()
    assert not catalint("lint", "--format", "json", ".", cwd=repo).replayed
    assert catalint("lint", "--format", "json", ".", cwd=repo).replayed
    (repo / "svc" / "catalog-info.yml").write_text(component("svc2", "  description: 42\n"))
    settle()
    after = catalint("lint", "--format", "json", ".", cwd=repo)
    assert not after.replayed
    assert b"svc/catalog-info.yml" in after.out
    assert after.answer == catalint("lint", "--format", "json", ".", cwd=repo, cache=False).answer


def test_a_config_edited_runs_again(catalint: Catalint, repo: Path) -> None:
    _config_created(repo)
    settle()
    recorded_then_replayed(catalint, repo, ".")
    config = repo / ".catalint.yaml"
    same_size_same_mtime(config, "max-file-size: 999\n")
    settle()
    after = catalint("lint", ".", cwd=repo)
    assert not after.replayed
    assert after.answer == catalint("lint", ".", cwd=repo, cache=False).answer
    assert b"file-too-large" not in after.out


def test_an_environment_variable_changed_runs_again(catalint: Catalint, repo: Path) -> None:
    plain = recorded_then_replayed(catalint, repo, "--format", "text", ".")
    coloured = catalint("lint", "--format", "text", ".", cwd=repo, env={"FORCE_COLOR": "1"})
    assert not coloured.replayed
    assert b"\x1b[" in coloured.out and b"\x1b[" not in plain.out
    # Any variable at all: an app-config's ${VAR} may read it.
    other = catalint("lint", "--format", "text", ".", cwd=repo, env={"SOME_VARIABLE": "x"})
    assert not other.replayed


def test_arguments_and_working_directory_are_part_of_the_command(catalint: Catalint, repo: Path) -> None:
    whole = recorded_then_replayed(catalint, repo, "--format", "json", ".")
    assert not catalint("lint", "--format", "json", "--no-style", ".", cwd=repo).replayed
    elsewhere = catalint("lint", "--format", "json", ".", cwd=repo / "svc")
    assert not elsewhere.replayed
    assert json.loads(elsewhere.out)["summary"]["files"] == 1 < json.loads(whole.out)["summary"]["files"]


def test_edited_code_runs_again(catalint: Catalint, repo: Path, tmp_path: Path) -> None:
    """A catalint whose code changed (an edited editable install): the memo of the old code is not used."""
    import shutil

    import catalint as package

    copy = tmp_path / "site"
    shutil.copytree(Path(package.__file__).parent, copy / "catalint", ignore=shutil.ignore_patterns("__pycache__"))
    catalint.env["PYTHONPATH"] = str(copy)
    settle()
    ran = recorded_then_replayed(catalint, repo, ".")
    assert "catalint" in ran.modules
    rule = copy / "catalint" / "rules" / "owner_kind.py"
    rule.write_text(rule.read_text() + "\n# edited\n")
    settle()
    assert not catalint("lint", ".", cwd=repo).replayed


def test_a_damaged_memo_is_ignored(catalint: Catalint, repo: Path) -> None:
    first = recorded_then_replayed(catalint, repo, ".")
    (path,) = catalint.memos()
    whole = path.read_bytes()
    for damaged in (whole[: len(whole) // 2], whole[:-3], b"", b"\0" * 64, whole[:-8] + (10**12).to_bytes(8, "big")):
        path.write_bytes(damaged)
        ran = catalint("lint", ".", cwd=repo)  # (no traceback: checked for every run)
        assert not ran.replayed
        assert ran.answer == first.answer
    (catalint.cache / memo.FOLDER / "key").write_bytes(b"short")
    assert catalint("lint", ".", cwd=repo).answer == first.answer


def test_a_cache_deleted_takes_its_memos(catalint: Catalint, repo: Path) -> None:
    import shutil

    recorded_then_replayed(catalint, repo, ".")
    shutil.rmtree(catalint.cache)
    assert not catalint("lint", ".", cwd=repo).replayed


# ------------------------------------------------------------------ runs that leave no memo
def _bitbucket_source(repo: Path, fake: FakeBitbucket) -> dict[str, str]:
    fake.add_repo("acme", "svc", branches={"main": {"catalog-info.yaml": component("remote")}})
    (repo / "lib" / "catalog-info.yaml").write_text(
        component("lib", f"  annotations:\n    backstage.io/source-location: url:{fake.web_url}/acme/svc/src/main/\n")
    )
    return fake.env()


def test_no_memo_for_runs_that_are_not_purely_local(
    catalint: Catalint, repo: Path, tmp_path: Path, fake_bitbucket: FakeBitbucket
) -> None:
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    env = _bitbucket_source(repo, fake_bitbucket)
    bitbucket = {"CATALINT_BITBUCKET_URL": env["CATALINT_BITBUCKET_URL"]}
    settle()
    summary = tmp_path / "summary.md"
    summary.write_text("")
    cases: list[tuple[list[str], dict[str, str], bytes | None]] = [
        (["."], env, None),  # a Bitbucket URL checked on the (fake) Bitbucket
        (["--offline", "."], bitbucket, None),  # the same URL, not verified
        (["--output", f"json:{tmp_path / 'out.json'}", "--offline", "svc"], {}, None),
        (["--offline", "--changed-since", "HEAD", "svc"], {}, None),
        (["--offline", "svc"], {"GITHUB_ACTIONS": "true"}, None),
        (["--offline", "svc"], {"GITHUB_STEP_SUMMARY": str(summary)}, None),
        (["--offline", "--summary", "svc"], {}, None),
        (["--offline", "--annotations", "checks", "svc"], {}, None),
        (["--offline", "--report", "bitbucket", "svc"], {}, None),
        (["--offline", "--state", str(tmp_path / "state.json"), "svc"], {}, None),
        (["--offline", "--verbose", "svc"], {}, None),
        (["--offline", "svc"], {"CATALINT_DEBUG": "1"}, None),
        (["--offline", "--backstage-url", "http://127.0.0.1:9", "svc"], {}, None),
        (["--offline", "-"], {}, (repo / "svc" / "catalog-info.yaml").read_bytes()),
        ([f"{fake_bitbucket.web_url}/acme/svc/src/main/catalog-info.yaml"], env, None),
    ]
    for args, extra, stdin in cases:
        for _ in range(2):
            catalint("lint", *args, cwd=repo, env=extra, stdin=stdin)
        assert catalint.memos() == [], args
    assert not list((catalint.cache / memo.FOLDER).glob("tmp-*"))  # nothing half-written left behind


def test_a_run_that_fails_early_leaves_nothing(catalint: Catalint, repo: Path) -> None:
    ran = catalint("lint", "missing", cwd=repo)
    assert ran.code == 2 and b"no such file or folder" in ran.err
    assert sorted(p.name for p in (catalint.cache / memo.FOLDER).iterdir()) == ["key"]


def test_no_memo_without_a_cache(catalint: Catalint, repo: Path) -> None:
    catalint("lint", ".", cwd=repo, cache=False)
    assert not catalint.cache.exists()
    assert memo.cache_root(["lint", "--no-cache", "."], {}) is None


def test_the_memo_keeps_no_secret(catalint: Catalint, repo: Path) -> None:
    secrets = {
        "GITHUB_TOKEN": "ghp_memoSecretToken123456",
        "BITBUCKET_TOKEN": "bb-memo-secret-token-654321",
        "BACKSTAGE_TOKEN": "backstage-memo-secret-777",
    }
    recorded_then_replayed(catalint, repo, "--github-token", "argv-memo-secret-888", ".", env=secrets)
    (path,) = catalint.memos()
    blob = path.read_bytes()
    for secret in [*secrets.values(), "argv-memo-secret-888"]:
        for form in (secret, hashlib.sha256(secret.encode()).hexdigest(), hashlib.blake2b(secret.encode()).hexdigest()):
            assert form.encode() not in blob
    assert b"GITHUB_TOKEN" not in blob  # not even the names: the command is only a keyed hash
    key = catalint.cache / memo.FOLDER / "key"
    assert key.stat().st_mode & 0o077 == 0
    # Without the folder's key, the same command under another key names another memo.
    args = ["lint", "--cache-dir", str(catalint.cache), "."]
    assert memo.identity(args, str(repo), secrets, key.read_bytes()) != memo.identity(args, str(repo), secrets, b"k" * 32)


def test_the_memo_finds_the_cache_as_the_run_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for xdg in (None, str(tmp_path / "xdg"), "relative/xdg"):
        if xdg is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", xdg)
        assert memo.cache_root(["lint", "."], os.environ) == os.path.abspath(cachemod.default_dir())
    assert memo.cache_root(["lint", "--cache-dir", "c", "."], {}) == os.path.abspath("c")
    assert memo.cache_root(["lint", "--cache-dir=c", "--cache-dir", "d"], {}) == os.path.abspath("d")
    assert memo.cache_root(["rules"], {}) is None
    assert memo.cache_root(["lint", "-", "--stdin-filename", "x"], {}) is None
    assert memo.cache_root(["lint", "--cache-dir"], {}) is None


# ------------------------------------------------------------------ differential
def _mutate(rng: random.Random, repo: Path, step: int) -> str:
    files = sorted(p for p in repo.rglob("*") if p.is_file() and ".git" not in p.parts)
    folders = sorted({p.parent for p in files})
    action = rng.choice(["edit", "add", "remove", "rename", "dep", "config", "folder", "touch"])
    target = rng.choice(files) if files else None
    if action == "edit" and target is not None and target.suffix in (".yaml", ".yml"):
        text = target.read_text()
        target.write_text(text.replace("production", "experimental") if "production" in text else text + "# c\n")
    elif action == "add":
        (rng.choice(folders) / rng.choice(["catalog-info.yaml", "catalog-info.yml", f"x{step}.yaml"])).write_text(
            component(f"c{step}", rng.choice(["", "  description: 42\n", "  description:\n    $text: ./about.txt\n"]))
        )
    elif action == "remove" and target is not None and len(files) > 2:
        target.unlink()
    elif action == "rename" and target is not None:
        target.rename(target.with_name(rng.choice(["catalog-info.yaml", "renamed.yaml", "about.txt"])))
    elif action == "dep":
        folder = rng.choice(folders)
        about = folder / "about.txt"
        about.unlink() if about.exists() and rng.random() < 0.4 else about.write_text(f"about {step}\n")
    elif action == "config":
        config = repo / ".catalint.yaml"
        config.unlink() if config.exists() and rng.random() < 0.5 else config.write_text(
            f"rules:\n  owner-kind: {rng.choice(['off', 'info', 'error'])}\n"
        )
    elif action == "folder":
        sub = rng.choice(folders) / f"f{step}"
        sub.mkdir(exist_ok=True)
        (sub / "catalog-info.yaml").write_text(component(f"f{step}"))
    elif target is not None:
        os.utime(target)
    return action


def test_randomised_changes_always_match_an_uncached_run(catalint: Catalint, repo: Path) -> None:
    rng = random.Random(15)
    replays = 0
    for step in range(14):
        action = _mutate(rng, repo, step)
        settle()
        truth = catalint("lint", "--format", "json", ".", cwd=repo, cache=False).answer
        for _ in range(2):
            ran = catalint("lint", "--format", "json", ".", cwd=repo)
            assert ran.answer == truth, (step, action)
            replays += ran.replayed
        json.loads(truth[1])  # a whole report each time
    assert replays >= 10  # the memo did answer: most second runs replayed


# ------------------------------------------------------------------ more inputs
def test_an_app_config_location_appearing_where_it_is_looked_for_first(catalint: Catalint, repo: Path) -> None:
    """A `file` location is looked for from the working directory, then from the app-config's
    folder: a file appearing at the first place changes which file is linted."""
    (repo / "config").mkdir()
    (repo / "config" / "app-config.yaml").write_text("catalog:\n  locations:\n    - type: file\n      target: ./app.yaml\n")
    (repo / "config" / "app.yaml").write_text(component("from-config"))
    settle()
    args = ("--format", "json", "--app-config", "config/app-config.yaml", "svc")
    before = recorded_then_replayed(catalint, repo, *args)
    assert b"component:default/from-config" in before.out
    (repo / "app.yaml").write_text(component("from-cwd"))
    settle()
    after = catalint("lint", *args, cwd=repo)
    assert not after.replayed
    assert b"component:default/from-cwd" in after.out
    assert after.answer == catalint("lint", *args, cwd=repo, cache=False).answer


def test_an_app_config_variable_is_part_of_the_command(catalint: Catalint, repo: Path) -> None:
    (repo / "app-config.yaml").write_text("catalog:\n  locations:\n    - type: file\n      target: ${WHICH}\n")
    settle()
    args = ("--format", "json", "--app-config", "app-config.yaml", "svc")
    recorded_then_replayed(catalint, repo, *args, env={"WHICH": "lib/catalog-info.yaml"})
    other = catalint("lint", *args, cwd=repo, env={"WHICH": "more/one.yaml"})
    assert not other.replayed
    assert b"component:default/one" in other.out


def test_a_lone_surrogate_is_replayed_escaped(catalint: Catalint, tmp_path: Path) -> None:
    root = tmp_path / "surrogate"
    root.mkdir()
    (root / "target.json").write_text('"\\ud800"\n')
    (root / "catalog-info.yaml").write_text(component("x").replace("owner: group:team", "owner:\n    $json: ./target.json"))
    settle()
    ran = recorded_then_replayed(catalint, root, ".")
    assert b'owner: "\\ud800" can never match' in ran.out


@pytest.mark.parametrize("name", [".catalint.yaml", ".yamllint"])
def test_a_config_created_above_the_linted_folder(catalint: Catalint, repo: Path, name: str) -> None:
    """Only `svc` is walked: the folder above it, where the config is looked for, is never listed."""
    before = recorded_then_replayed(catalint, repo / "svc", "--format", "json", ".")
    {".catalint.yaml": _config_created, ".yamllint": _yamllint_created}[name](repo)
    settle()
    after = catalint("lint", "--format", "json", ".", cwd=repo / "svc")
    assert not after.replayed
    assert after.out != before.out
    assert after.answer == catalint("lint", "--format", "json", ".", cwd=repo / "svc", cache=False).answer
