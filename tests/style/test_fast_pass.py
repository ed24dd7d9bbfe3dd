"""The fast pass (`style._Pass`) must report exactly what yamllint's own driver reports, for every
file under every configuration: same problems, same order, and the same stop on unreadable text.

Both sides scan with libyaml here (so files PyYAML's scanner refuses are compared too); the other
test in this folder compares libyaml's tokens with PyYAML's."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import yamllint.rules

from bench.generate import generate
from catalint import style
from catalint.config import DEFAULT_YAMLLINT

REPO = Path(__file__).resolve().parents[2]
REAL = REPO.parent / "shared" / "corpus" / "real" / "files"
FUZZ = REPO.parent / "baseline" / "fuzz"
LOCAL = [REPO / "tests" / "conformance" / "cases", REPO / "examples"]

# Every rule on, most with options away from their defaults (short lines, 4-space indents...).
EVERY_RULE = """\
extends: default
rules:
  anchors: {forbid-undeclared-aliases: true, forbid-duplicated-anchors: true, forbid-unused-anchors: true}
  braces: {min-spaces-inside: 1, max-spaces-inside: 2, min-spaces-inside-empty: 0, max-spaces-inside-empty: 0}
  brackets: {forbid: non-empty}
  colons: {max-spaces-before: 1, max-spaces-after: 2}
  commas: {max-spaces-before: 1, min-spaces-after: 2, max-spaces-after: 3}
  comments: {require-starting-space: true, ignore-shebangs: false, min-spaces-from-content: 3}
  comments-indentation: enable
  document-end: {present: true}
  document-start: {present: false}
  empty-lines: {max: 0, max-start: 1, max-end: 1}
  empty-values: {forbid-in-block-mappings: true, forbid-in-flow-mappings: true, forbid-in-block-sequences: true}
  float-values: {forbid-inf: true, forbid-nan: true, forbid-scientific-notation: true, require-numeral-before-decimal: true}
  hyphens: {max-spaces-after: 2}
  indentation: {spaces: 4, indent-sequences: consistent, check-multi-line-strings: true}
  key-duplicates: {forbid-duplicated-merge-keys: true}
  key-ordering: {ignored-keys: ["^x-"]}
  line-length: {max: 40, allow-non-breakable-words: false}
  new-line-at-end-of-file: enable
  new-lines: {type: dos}
  octal-values: {forbid-implicit-octal: true, forbid-explicit-octal: true}
  quoted-strings: {quote-type: double, required: only-when-needed, extra-allowed: ["^http"], check-keys: true}
  trailing-spaces: enable
  truthy: {allowed-values: ["yes", "no"], check-keys: true}
"""

# Every rule on again, with the other choices (forbidden flow maps, required single quotes...),
# and one rule ignored for the path the tests lint.
EVERY_RULE_OTHERWISE = """\
extends: default
rules:
  anchors: {forbid-undeclared-aliases: false, forbid-duplicated-anchors: true, forbid-unused-anchors: false}
  braces: {forbid: true}
  brackets: {min-spaces-inside: 1, max-spaces-inside: 1, min-spaces-inside-empty: 1, max-spaces-inside-empty: 3}
  colons: {max-spaces-before: -1, max-spaces-after: -1}
  commas: {max-spaces-before: -1, min-spaces-after: 0, max-spaces-after: -1}
  comments: {require-starting-space: false, min-spaces-from-content: -1}
  comments-indentation: {level: warning}
  document-end: {present: false}
  document-start: {present: true}
  empty-lines: {max: 1, max-start: 0, max-end: 0}
  empty-values: {forbid-in-block-mappings: false, forbid-in-flow-mappings: true, forbid-in-block-sequences: false}
  float-values: {forbid-nan: true}
  hyphens: {max-spaces-after: 1, level: warning}
  indentation: {spaces: 2, indent-sequences: false, check-multi-line-strings: false}
  key-duplicates: {ignore: "catalog-*.yaml"}
  key-ordering: enable
  line-length: {max: 50, allow-non-breakable-words: true, allow-non-breakable-inline-mappings: true}
  new-line-at-end-of-file: {level: warning}
  new-lines: {type: unix}
  octal-values: {forbid-implicit-octal: false, forbid-explicit-octal: true}
  quoted-strings: {quote-type: single, required: false, extra-required: ["^a"], allow-quoted-quotes: true}
  trailing-spaces: {level: warning}
  truthy: {check-keys: false}
"""

CONFIGS = {
    "catalog-profile": DEFAULT_YAMLLINT,
    "yamllint-default": "extends: default\n",
    "yamllint-relaxed": "extends: relaxed\n",
    "every-rule": EVERY_RULE,
    "every-rule-otherwise": EVERY_RULE_OTHERWISE,
}

# Pieces a mutation inserts: what each rule or skip condition of the fast pass looks at.
SNIPPETS = [
    "  ",
    "\t",
    " # comment",
    "#comment",
    "    # indented comment\n",
    "# yamllint disable-line rule:line-length\n",
    "# yamllint disable\n",
    "x-anchor: &base {a: 1}\n",
    "copy: *base\n",
    "merge:\n  <<: *base\n",
    "alias: *missing\n",
    "dup: &dup 1\nagain: &dup 2\n",
    "flow: { a: 1 , b : 2 }\n",
    "empty: {}\n",
    "list: [ ]\n",
    "list2: [a,b ,  c]\n",
    "---\n",
    "...\n",
    "%YAML 1.2\n---\n",
    "%YAML 1.1\n",
    "truthy: yes\non: off\nTrue: True\n",
    "octal: 010\nexplicit: 0o17\n",
    "floats: [.5, 1e3, .nan, .inf, -.Inf]\n",
    "quoted: 'single'\ndouble: \"double\"\nplain: http://x\n",
    "? explicit key\n: explicit value\n",
    "key:   spaced\n",
    "key :value\n",
    "-   item\n",
    "- \n",
    "empty_value:\nnext: 1\n",
    "block: |\n  line one\n    line two\n",
    "folded: >\n     deep\n  shallow\n",
    "long: " + "word " * 12 + "\n",
    "unbroken: " + "x" * 60 + "\n",
    "# " + "y" * 60 + "\n",
    "- " + "z" * 50 + "\n",
    "inline: {k: " + "v" * 40 + "}\n",
    "\n\n\n",
    "\r\n",
    "\r",
    "\x85",
    "\u2028",
    "\x07",
    "\ufeff",
    "'unterminated\n",
    "[unclosed\n",
    "b: !!str 1\nc: !custom x\n",
    "z_key: 1\na_key: 2\n",
    "dupkey: 1\ndupkey: 2\n",
]


def _mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        choice = rng.randrange(9)
        lines = text.split("\n")
        at = rng.randrange(len(lines))
        if choice <= 2:
            lines.insert(at, rng.choice(SNIPPETS).rstrip("\n"))
        elif choice == 3:
            lines[at] += rng.choice(["  ", "\t", " # trailing comment", "#x", " \t "])
        elif choice == 4:
            lines[at] = " " * rng.randint(1, 5) + lines[at]
        elif choice == 5:
            return rng.choice(["\r\n", "\r", "\n\n"]).join(lines)
        elif choice == 6:
            return text[: rng.randrange(len(text) + 1)]
        elif choice == 7:
            text = text.rstrip("\n") if rng.random() < 0.5 else "\n" * rng.randint(1, 3) + text + "\n\n"
            continue
        else:
            cut = rng.randrange(len(text) + 1)
            text = text[:cut] + rng.choice(SNIPPETS) + text[cut:]
            continue
        text = "\n".join(lines)
    return text


def _files(*folders: Path) -> Iterator[str]:
    for folder in folders:
        if not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".yaml", ".yml", ".json"):
                yield path.read_bytes().decode("utf-8", "replace").removeprefix("\ufeff")


def _report(config: str, text: str, fast: bool) -> list[object]:
    """What `style.run` gives, and the exception that ends it if any, as the linter sees it."""
    style.use_fast_pass(fast)
    out: list[object] = []
    try:
        out.extend(style.run(config, text, "catalog-info.yaml"))
    except Exception as err:  # the same failure must end both drivers
        out.append(("raised", type(err).__name__, str(err)))
    finally:
        style.use_fast_pass(True)
    return out


def _compare(config: str, texts: list[str]) -> list[tuple[int, list[object], list[object]]]:
    differences = []
    for number, text in enumerate(texts):
        slow = _report(config, text, fast=False)
        fast = _report(config, text, fast=True)
        if slow != fast:
            differences.append((number, slow[:4], fast[:4]))
    return differences


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Real descriptors, the conformance cases and examples, generated files, and mutants of all
    of them that put every rule's trigger (and the fast pass's shortcuts) in odd places."""
    generated = tmp_path_factory.mktemp("generated")
    generate(generated, 100)
    texts = list(_files(REAL, *LOCAL, generated))
    rng = random.Random(15)
    texts += [_mutate(rng.choice(texts), rng) for _ in range(1200)]
    texts += [*SNIPPETS, "", "\n", "a", "a: 1", "\n\n", "# only a comment", "---", "a: 1\r\nb: 2\r\n"]
    return texts


@pytest.mark.parametrize("name", sorted(CONFIGS))
def test_fast_pass_reports_what_yamllint_reports(name: str, corpus: list[str]) -> None:
    assert style.check_config(CONFIGS[name]) is None
    assert len(corpus) > 1500
    assert _compare(CONFIGS[name], corpus) == []


@pytest.mark.skipif(not REAL.is_dir(), reason=f"the real descriptors ({REAL}) are not on this machine: the corpus above is without them")
def test_the_real_descriptors_are_in_the_corpus(corpus: list[str]) -> None:
    """The comparison above runs on a smaller corpus where /work/shared is absent; this says so."""
    real = list(_files(REAL))
    assert len(real) >= 450 and set(real) <= set(corpus)


@pytest.mark.skipif(not FUZZ.is_dir(), reason=f"the fuzzed baseline cases ({FUZZ}) are not on this machine")
@pytest.mark.parametrize(("name", "share"), [("catalog-profile", 1), ("every-rule", 3)])
def test_fast_pass_on_the_fuzzed_baseline(name: str, share: int) -> None:
    """All 8,421 cases under the profile catalint runs by default, a third under every rule."""
    texts = list(_files(FUZZ))[::share]
    assert len(texts) > 8000 // share
    assert _compare(CONFIGS[name], texts) == []


def test_fast_pass_keeps_yamllint_problems_and_levels() -> None:
    text = "a:  1 #no space\nb: [ 1]\nc: yes   \n\n\n\nd: " + "x " * 110 + "\n"
    found = {(p[0], p[1]) for p in style.run(DEFAULT_YAMLLINT, text, "catalog-info.yaml")}
    assert found == {
        ("colons", "warning"),
        ("comments", "warning"),
        ("brackets", "warning"),
        ("trailing-spaces", "warning"),
        ("truthy", "warning"),
        ("empty-lines", "warning"),
        ("line-length", "warning"),
    }
    assert style._fast_pass_applies(text)


def test_directives_go_to_yamllint_s_driver() -> None:
    text = "a: 1   # yamllint disable-line rule:trailing-spaces  \nb: 2   \n"
    assert not style._fast_pass_applies(text)
    assert [p[3] for p in style.run(DEFAULT_YAMLLINT, text, "catalog-info.yaml")] == [2]


def test_the_tables_name_rules_of_the_right_kind() -> None:
    for rule in style._TOKEN_TYPES:
        assert yamllint.rules.get(rule).TYPE == "token"
    for rule in style._LINE_GATES:
        assert yamllint.rules.get(rule).TYPE == "line"


def test_other_yamllint_releases_get_yamllint_s_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(style, "_VERIFIED_YAMLLINT", "0.0.0")
    assert not style._fast_pass_applies("a: 1\n")
    assert list(style.run(DEFAULT_YAMLLINT, "a:  1\n", "catalog-info.yaml")) == [
        ("colons", "warning", "too many spaces after colon", 1, 4)
    ]
