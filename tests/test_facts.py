"""`Fetched.status` is a `FetchStatus` member everywhere: made, compared and printed as one."""

from __future__ import annotations

import ast
import json
from pathlib import Path

from catalint.facts import Fetched, FetchStatus

SRC = Path(__file__).resolve().parents[1] / "src" / "catalint"


def test_a_status_reads_as_its_value_in_text_and_json() -> None:
    for status in FetchStatus:
        assert str(status) == f"{status}" == status.value
        assert json.dumps({"status": status}) == json.dumps({"status": status.value})
    assert Fetched().status is FetchStatus.OK


def _plain_string_statuses(tree: ast.Module) -> list[int]:
    """Lines that make a Fetched with `status="…"` or compare a `.status` to a string literal."""
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "Fetched":
            lines += [k.value.lineno for k in node.keywords if k.arg == "status" and isinstance(k.value, ast.Constant)]
        elif isinstance(node, ast.Compare) and isinstance(node.left, ast.Attribute) and node.left.attr == "status":
            literals = [c for c in node.comparators if isinstance(c, ast.Constant) and isinstance(c.value, str)]
            literals += [
                e
                for c in node.comparators
                if isinstance(c, ast.Tuple | ast.Set | ast.List)
                for e in c.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            ]
            lines += [node.lineno] if literals else []
    return lines


def test_no_module_spells_a_fetch_status_as_a_plain_string() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        for line in _plain_string_statuses(ast.parse(path.read_text(encoding="utf-8"))):
            found.append(f"{path.relative_to(SRC).as_posix()}:{line}")
    assert found == []


def test_the_check_catches_a_plain_string_status() -> None:
    code = 'Fetched(status="missing")\nif f.status == "ok": pass\nif f.status in ("a", "b"): pass\n'
    assert _plain_string_statuses(ast.parse(code)) == [1, 2, 3]


def test_kept_lines_are_numbered_as_the_loader_numbers_them() -> None:
    """Only LF (and CRLF) ends a line for the loader; a form feed, NEL, LS, PS or a lone CR inside a
    line is content there, so line 3 is the third LF-ended line, whatever it holds."""
    from catalint.facts import line_texts, unpack_lines
    from catalint.yaml.loader import load_text

    text = "a: 'x\x0cy\x85z\u2028w\u2029v\x1cu'\r\nb: 1\rc\nname: svc\r\n"
    loaded = load_text(text)
    assert loaded.documents and not loaded.problems
    assert loaded.documents[0].span(("name",)).line == 3
    kept = unpack_lines(line_texts(text, [1, 2, 3]))
    assert kept[3] == "name: svc" and kept[2] == "b: 1 c"
