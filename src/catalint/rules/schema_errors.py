"""Turn jsonschema errors into problems that name the field and say what is expected."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from catalint.rules.base import EntityDoc, Problem, describe_type, dotted
from catalint.schemas import errors
from catalint.yaml.loader import Pointer

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

_REQUIRED = re.compile(r"^'(.*)' is a required property$")
_TYPE_WORDS = {
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}


def _expected(types: Any) -> str:
    if isinstance(types, list):
        return " or ".join(_TYPE_WORDS.get(str(t), str(t)) for t in types)
    return _TYPE_WORDS.get(types, str(types))


def problems_from(errors: Iterable[ValidationError], base: Pointer = ()) -> Iterator[Problem]:
    for error in sorted(errors, key=lambda e: [str(p) for p in e.absolute_path]):  # type: ignore[misc]
        assert isinstance(error.validator, str)
        pointer: Pointer = base + tuple(error.absolute_path)
        field = dotted(pointer)
        keyword = error.validator
        if keyword == "required":
            # jsonschema reports one error per missing property, each carrying the whole list.
            match = _REQUIRED.match(error.message)
            name = match.group(1) if match else error.message
            where = f"{field} is" if pointer else "the entity is"
            yield Problem(f'{where} missing the required field "{name}"', pointer, "key")
        elif keyword == "type":
            yield Problem(
                f"{field} must be {_expected(error.validator_value)}, not {describe_type(error.instance)}",
                pointer,
            )
        elif keyword == "minLength":
            yield Problem(f"{field} must not be empty", pointer)
        elif keyword == "enum":
            options = ", ".join(str(v) for v in error.validator_value)  # type: ignore[union-attr]
            yield Problem(f"{field} must be one of {options}; found {error.instance!r}", pointer)
        elif keyword == "minimum":
            yield Problem(f"{field} must be at least {error.validator_value}", pointer)
        elif keyword == "oneOf":
            yield Problem(f"{field} must be a mapping or a list of mappings", pointer)
        else:  # pragma: no cover - our schemas use only the keywords above
            yield Problem(f"{field}: {error.message}", pointer)


def entity_errors(doc: EntityDoc) -> list[ValidationError]:
    """The envelope/metadata schema's errors for a document, computed once and shared by rules."""
    cached = doc.memo.get("entity_errors")
    if cached is None:
        cached = errors("entity.json", doc.data)
        doc.memo["entity_errors"] = cached
    return cached  # type: ignore[no-any-return]
