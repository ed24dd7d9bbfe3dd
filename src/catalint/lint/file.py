"""Lint one file: read, parse, validate each document, resolve what it points at, collect facts.

Everything here depends only on the file and the files it names, so a result can be cached by
the content hashes of both, and files can be linted in parallel processes. What needs every
file at once (duplicates, unresolved references, catalog rules) runs later on the facts.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterable
from typing import Any

from catalint import rules
from catalint.backstage.refs import RefError
from catalint.facts import (
    Declared,
    FileResult,
    Options,
    Problem,
    Reference,
    Source,
    StyleProblem,
    line_texts,
    style_skip,
)
from catalint.model import DocumentSummary, Finding, Severity, Span
from catalint.redact import redact_url
from catalint.resolve.placeholders import Substitution, substitute
from catalint.rules import (
    file_encoding,
    file_too_large,
    file_unreadable,
    internal_error,
    placeholder,
    policy,
    style_skipped,
    unverified,
    yaml_aliases,
    yaml_duplicate_key,
    yaml_syntax,
)
from catalint.rules.base import EntityDoc
from catalint.rules.entity_ref_format import parsed_refs
from catalint.rules.unknown_kind import recognised
from catalint.yaml.loader import LoadedFile, load_text

# The loader's kinds of problem, and the rules they are findings of.
YAML_RULES = {"syntax": yaml_syntax.ID, "duplicate-key": yaml_duplicate_key.ID, "aliases": yaml_aliases.ID}


def build_options(
    *,
    yamllint: str | None,
    max_bytes: int,
    kinds: dict[str, list[str]],
    assume_placeholders: bool,
    policies: tuple[policy.Policy, ...] = (),
) -> Options:
    """Options for a run: `yamllint` is the yamllint config text, or None for no style checks."""
    style = None
    if yamllint is not None:
        from catalint import style as stylemod  # yamllint is loaded only when style is on

        config = yamllint

        def style(content: str, location: str) -> Iterable[StyleProblem]:
            return stylemod.run(config, content, location)

    return Options(
        max_bytes=max_bytes, assume_placeholders=assume_placeholders, settings={"kinds": kinds, "policies": policies}, yamllint=style
    )


_DISABLE = re.compile(r"#\s*catalint:\s*(disable(?:-file)?)(?:=([\w\-/,\s]+))?")


def _directives(text: str) -> tuple[dict[int, frozenset[str]], frozenset[str]]:
    lines: dict[int, frozenset[str]] = {}
    whole: set[str] = set()
    if "catalint:" not in text:
        return lines, frozenset()
    for number, line in enumerate(text.splitlines(), start=1):
        match = _DISABLE.search(line)
        if not match:
            continue
        rules = frozenset(r.strip() for r in (match.group(2) or "all").split(",") if r.strip())
        if match.group(1) == "disable-file":
            whole |= rules
        else:
            # A comment alone on its line silences the next line; at the end of a line, that line.
            target = number + 1 if line.lstrip().startswith("#") else number
            lines[target] = lines.get(target, frozenset()) | rules
    return lines, frozenset(whole)


def _too_large(size: int, limit: int, display: str) -> Finding:
    return file_finding(
        file_too_large.ID,
        f"the file is {size:,} bytes, over the {limit:,}-byte limit; not parsed "
        "(raise max-file-size in .catalint.yaml if this is intended)",
        display,
    )


def lint_source(source: Source, options: Options) -> FileResult:
    result = FileResult(source.display)
    try:
        _lint_file(source, options, result)
    except Exception as err:  # one file's crash must not hide every other file's result
        result.findings.append(
            file_finding(internal_error.ID, f"catalint failed on this file: {type(err).__name__}: {err}", source.display)
        )
    # A target written with `user:password@` must not reach the cache or the nightly state, which
    # keep file results as they are here (the run's report redacts again, for results kept before).
    result.findings = [
        dataclasses.replace(f, message=redact_url(f.message)) if "@" in f.message else f for f in result.findings
    ]
    return result


def _lint_file(source: Source, options: Options, result: FileResult) -> None:
    raw = _read(source, options, result)
    if raw is None:
        return
    text = _decode(raw, source, result)
    result.disabled, result.disabled_file = _directives(text)
    loaded = load_text(text)
    others = len(loaded.documents) + len(loaded.problems) - 1
    for problem in loaded.problems:
        message = problem.message
        if others > 0:
            # Backstage stores nothing from a file it could not read whole.
            message += "; until it is fixed, Backstage ingests none of this file's other entities either"
        result.findings.append(_finding(YAML_RULES[problem.kind], message, source, problem.span, problem.index, None))
    if options.yamllint is not None:
        _style(text, loaded, source, options.yamllint, result)
    # Most files have no placeholder at all; skip walking every value looking for one. Any `$`
    # counts, since a quoted key may spell `$text` with escapes.
    placeholders = "$" in text or "\\x24" in text or "\\u0024" in text or "\\U00000024" in text
    for ydoc in loaded.documents:
        doc = EntityDoc(ydoc, ydoc.data, source.display, options.settings)
        _lint_document(doc, source, options, result, placeholders, "__proto__" in text)
    wanted = [f.span.line for f in result.findings]
    wanted.extend(d.span.line for d in result.declared)
    wanted.extend(r.span.line for r in result.references)
    result.lines = line_texts(text, wanted)


def _read(source: Source, options: Options, result: FileResult) -> bytes | None:
    """The file's bytes, or None with the finding that says why there are none to lint."""
    try:
        known = source.size()
    except OSError:
        known = None
    if known is not None and known > options.max_bytes:
        # Said before a byte is read: a 1 GB file must not be loaded to be told it is too large.
        result.findings.append(_too_large(known, options.max_bytes, source.display))
        return None
    try:
        raw = source.read_bytes()
    except OSError as err:
        result.findings.append(file_finding(file_unreadable.ID, f"cannot read the file: {err.strerror or err}", source.display))
        return None
    if len(raw) > options.max_bytes:
        result.findings.append(_too_large(len(raw), options.max_bytes, source.display))
        return None
    return raw


def _style(
    text: str, loaded: LoadedFile, source: Source, yamllint: Callable[[str, str], Iterable[StyleProblem]], result: FileResult
) -> None:
    skip = style_skip(text)
    if skip is not None:
        line, why = skip
        message = f"yamllint's style checks were skipped: {why}; everything else was checked"
        result.findings.append(Finding(style_skipped.ID, style_skipped.SEVERITY, message, source.display, Span.point(line, 1)))
        return
    first_error = min((p.span.line for p in loaded.problems if p.kind == "syntax"), default=None)
    for rule, level, message, line, column in yamllint(text, source.location):
        if first_error is None or line < first_error:
            severity = Severity.ERROR if level == "error" else Severity.WARNING
            result.findings.append(Finding(f"yamllint/{rule}", severity, message, source.display, Span.point(line, column)))


def _decode(raw: bytes, source: Source, result: FileResult) -> str:
    if b"\x00" in raw[:8192]:
        # Backstage's YAML reader takes NUL as an ordinary character, so the file is still judged.
        result.findings.append(
            file_finding(
                file_encoding.ID,
                "the file looks binary (it contains NUL bytes); Backstage reads them as characters",
                source.display,
            )
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        # Backstage decodes with U+FFFD for every bad sequence and goes on; so do we, and warn.
        line = raw[: err.start].count(b"\n") + 1
        result.findings.append(
            Finding(
                file_encoding.ID,
                file_encoding.SEVERITY,
                f"the file is not valid UTF-8 (byte 0x{raw[err.start]:02x} at offset {err.start}); "
                "Backstage reads each bad byte sequence as U+FFFD",
                source.display,
                Span.point(line),
            )
        )
        text = raw.decode("utf-8", "replace")
    return text[1:] if text.startswith("\ufeff") else text


def _lint_document(
    doc: EntityDoc,
    source: Source,
    options: Options,
    result: FileResult,
    placeholders: bool = True,
    prototypes: bool = True,
) -> None:
    original = _normalise_annotations(doc.data)
    read = None if options.assume_placeholders else (lambda t: source.fetch(t, purpose="placeholder"))
    sub = substitute(original, read) if placeholders else Substitution(original)
    doc.memo["raw"] = original
    if sub.unread:
        doc.memo["unread"] = sub.unread
    doc.data = _without_prototypes(sub.data) if sub.found or prototypes else sub.data
    ref = doc.ref
    entity = ref.key if ref else None
    problems: list[tuple[str, Problem]] = [(placeholder.RULE_OF[kind], problem) for kind, problem in sub.problems]
    problems.extend(_problems(doc, source, options, result))
    backstage_broken = any(rules.REGISTRY[rule_id].backstage for rule_id, _ in problems if rule_id in rules.REGISTRY)
    for rule_id, problem in problems:
        rule = rules.REGISTRY[rule_id]
        span = doc.span(problem.pointer, problem.on)
        result.findings.append(_finding(rule_id, problem.message, source, span, doc.index, entity, rule.severity))
    result.findings.extend(_policy_findings(doc, source.display, entity))
    result.documents.append(
        DocumentSummary(source.display, doc.index, doc.yaml.line, doc.kind, entity, not backstage_broken)
    )
    if ref is not None and not backstage_broken:
        spec_type = doc.spec.get("type")
        kind_type = spec_type if isinstance(spec_type, str) else None
        result.declared.append(Declared(ref.key, ref.kind, kind_type, doc.index, doc.span(("metadata", "name"))))
    _references(doc, entity, result)


def _problems(doc: EntityDoc, source: Source, options: Options, result: FileResult) -> list[tuple[str, Problem]]:
    """Every rule's problems with the document, then (for a kind Backstage knows) its targets'."""
    found: list[tuple[str, Problem]] = []
    for rule_id, check in rules.CHECKS:
        for problem in check(doc):
            found.append((rule_id, problem))
    if not (recognised(doc) and isinstance(doc.data, dict)):
        return found
    for resolution in rules.RESOLUTION_RULES:
        try:
            found.extend(resolution(doc, source, result, options))
        except (OSError, ValueError) as err:  # a name too long for the file system, a NUL in a path
            found.append((unverified.ID, Problem(f"a target could not be checked: {err}")))
    return found


def _references(doc: EntityDoc, entity: str | None, result: FileResult) -> None:
    for pointer, _, _, target in parsed_refs(doc):
        if isinstance(target, RefError):
            continue
        # Interned: the same few targets (owners, systems) are named from thousands of files.
        key = sys.intern(target.key)
        result.references.append(Reference(key, str(pointer[1]), doc.index, entity, doc.span(pointer)))


def _policy_findings(doc: EntityDoc, display: str, entity: str | None) -> Iterable[Finding]:
    """The organisation's policies (`policy/<name>`): findings, but no part of Backstage's verdict."""
    for rule_of, problem in policy.check(doc):
        span = doc.span(problem.pointer, problem.on)
        yield Finding(rule_of.rule_id, rule_of.severity, problem.message, display, span, doc.index, entity)


# Backstage writes these two itself (the file's location) before it validates the entity.
_OVERWRITTEN = ("backstage.io/managed-by-location", "backstage.io/managed-by-origin-location")


def _normalise_annotations(data: Any) -> Any:
    """Backstage replaces an empty `annotations:` with `{}`, and sets its location annotations,
    before validating; so do we."""
    if not isinstance(data, dict):
        return data
    meta = data.get("metadata")
    if not isinstance(meta, dict) or "annotations" not in meta:
        return data
    value = meta["annotations"]
    if not value and value != {} and not isinstance(value, list):
        return {**data, "metadata": {**meta, "annotations": {}}}
    if isinstance(value, dict) and any(not isinstance(value.get(k, ""), str) for k in _OVERWRITTEN):
        fixed = {k: (v if k not in _OVERWRITTEN or isinstance(v, str) else "file:") for k, v in value.items()}
        return {**data, "metadata": {**meta, "annotations": fixed}}
    return data


def _without_prototypes(value: Any) -> Any:
    """Drop `__proto__` keys holding a mapping or list, at any depth: in JavaScript such a key
    sets the object's prototype when Backstage merges its annotations in, and is gone after."""
    if isinstance(value, list):
        return [_without_prototypes(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {
        k: _without_prototypes(v) for k, v in value.items() if not (k == "__proto__" and isinstance(v, dict | list))
    }


def _finding(
    rule: str,
    message: str,
    source: Source,
    span: Span,
    document: int | None,
    entity: str | None,
    severity: Severity | None = None,
) -> Finding:
    return Finding(rule, severity or rules.REGISTRY[rule].severity, message, source.display, span, document, entity)


def file_finding(rule: str, message: str, path: str) -> Finding:
    """A finding about a whole file, placed at its start."""
    return Finding(rule, rules.REGISTRY[rule].severity, message, path, Span(1, 1, 1, 1))
