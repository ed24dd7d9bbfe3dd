"""The fast validity check must agree with jsonschema on every real document and every case."""

from __future__ import annotations

from pathlib import Path

import pytest

from catalint.schemas import KINDS, quick, validator
from catalint.schemas.fast import Unsupported, compile_schema
from catalint.yaml.loader import load_text

REPO = Path(__file__).resolve().parents[2]
SOURCES = [REPO.parent / "shared" / "corpus" / "real" / "files", REPO / "tests" / "conformance" / "cases", REPO / "examples"]


def _documents() -> list[object]:
    docs: list[object] = []
    for folder in SOURCES:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".json"):
                try:
                    text = path.read_text(encoding="utf-8")
                except UnicodeDecodeError:
                    continue
                docs.extend(d.data for d in load_text(text).documents)
    return docs


def test_fast_path_agrees_with_jsonschema_everywhere() -> None:
    docs = _documents()
    assert len(docs) > 50
    names = ["entity.json", *(schema for _, schema in KINDS.values())]
    disagreements = []
    for data in docs:
        spec = data.get("spec") if isinstance(data, dict) else None
        for name in names:
            value = data if name == "entity.json" else spec
            if value is None:
                continue
            if quick(name)(value) != validator(name).is_valid(value):
                disagreements.append((name, str(value)[:120]))
    assert disagreements == []


@pytest.mark.parametrize(
    ("schema", "value", "valid"),
    [
        ({"type": "integer"}, True, False),
        ({"type": "integer"}, 2.0, True),
        ({"type": ["string", "boolean"]}, False, True),
        ({"enum": ["required", "optional"]}, "Optional", False),
        ({"oneOf": [{"type": "object"}, {"type": "array"}]}, [], True),
        ({"patternProperties": {"^.+$": {"type": "string"}}}, {"": 5}, True),
        ({"patternProperties": {"^.+$": {"type": "string"}}}, {"a": 5}, False),
        ({"additionalProperties": {"type": "string"}, "properties": {"links": {"type": "array"}}}, {"links": [], "x": 1}, False),
        ({"minimum": 1}, 0, False),
        ({"minLength": 1}, "", False),
        ({"required": ["a"]}, {"b": 1}, False),
    ],
)
def test_keywords(schema: dict[str, object], value: object, valid: bool) -> None:
    assert compile_schema(schema)(value) is valid


def test_unknown_keywords_are_refused_not_ignored() -> None:
    with pytest.raises(Unsupported):
        compile_schema({"pattern": "^a$"})
