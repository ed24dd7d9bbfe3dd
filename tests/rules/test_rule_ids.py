"""A finding leads to its rule in one step: each rule id is written out only in its own module;
every other module names it through that module's `ID`."""

from __future__ import annotations

import ast
from pathlib import Path

from catalint.rules import REGISTRY

SRC = Path(__file__).resolve().parents[2] / "src" / "catalint"

# The same spelling used for something else, each with its reason.
ELSEWHERE = {
    # the static registry lists modules by name; one-word ids are spelled like their module
    ("rules/__init__.py", "envelope"),
    ("rules/__init__.py", "placeholder"),
    ("rules/__init__.py", "unverified"),
    ("rules/__init__.py", "offline"),
    # `Fetched.status` values: what reading a target gave, which rules turn into findings
    ("facts.py", "unverified"),
    ("facts.py", "offline"),
    ("sources/local.py", "unverified"),
    ("sources/local.py", "offline"),
    ("sources/bitbucket.py", "unverified"),
    ("sources/bitbucket.py", "offline"),
    ("resolve/placeholders.py", "unverified"),
    ("resolve/placeholders.py", "offline"),
    ("rules/unverified.py", "offline"),
    # a stand-in text for a `$text` placeholder not read, and the purpose of a read
    ("resolve/placeholders.py", "placeholder"),
    ("lint/file.py", "placeholder"),
    ("sources/local.py", "placeholder"),
    ("sources/bitbucket.py", "placeholder"),
    # the JSON report's summary key and the client's outcome name
    ("report/json.py", "unverified"),
    ("bitbucket/client.py", "unverified"),
}


def _literals(path: Path) -> set[str]:
    return {
        n.value
        for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_each_rule_id_is_written_only_in_its_own_module() -> None:
    ids = set(REGISTRY)
    stray = []
    for path in sorted(SRC.rglob("*.py")):
        where = path.relative_to(SRC).as_posix()
        for literal in sorted(_literals(path) & ids):
            own = f"rules/{literal.replace('-', '_')}.py"
            if where != own and (where, literal) not in ELSEWHERE:
                stray.append(f"{where}: {literal!r}")
    assert stray == []
