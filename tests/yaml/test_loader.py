from __future__ import annotations

from catalint.yaml.loader import load_text


def test_yaml_12_scalars_stay_what_backstage_sees() -> None:
    loaded = load_text("a: yes\nb: on\nc: 2023-01-01\nd: 017\ne: 0o17\nf: 0x1F\ng: True\nh: ~\n<<: x\ni: 1_000\n")
    assert loaded.problems == []
    data = loaded.documents[0].data
    assert data == {
        "a": "yes",
        "b": "on",
        "c": "2023-01-01",
        "d": 17,
        "e": 15,
        "f": 31,
        "g": True,
        "h": None,
        "<<": "x",
        "i": "1_000",
    }


def test_a_broken_document_does_not_hide_the_others() -> None:
    loaded = load_text("a: 1\n---\nb: [\n---\nc: 3\n")
    assert [d.data for d in loaded.documents] == [{"a": 1}, {"c": 3}]
    assert [(p.kind, p.span.line, p.index) for p in loaded.problems] == [("syntax", 4, 1)]
    assert loaded.documents[1].line == 5 and loaded.documents[1].index == 2


def test_duplicate_keys_are_errors_at_the_second_key() -> None:
    loaded = load_text("x: 1\nspec:\n  owner: a\n  owner: b\n")
    assert loaded.documents == []
    (problem,) = loaded.problems
    assert problem.kind == "duplicate-key"
    assert (problem.span.line, problem.span.column) == (4, 3)
    assert "first defined at line 3" in problem.message


def test_empty_documents_are_skipped_but_counted() -> None:
    loaded = load_text("---\n---\na: 1\n---\n~\n")
    assert [(d.index, d.data) for d in loaded.documents] == [(1, {"a": 1})]


def test_alias_bomb_is_refused_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    loaded = load_text("\n".join(lines) + "\n")
    assert [p.kind for p in loaded.problems] == ["aliases"]
    assert loaded.documents == []


def test_small_alias_use_is_fine_and_shared() -> None:
    loaded = load_text("a: &l {x: 1}\nb: *l\n")
    data = loaded.documents[0].data
    assert data == {"a": {"x": 1}, "b": {"x": 1}}


def test_positions_of_keys_and_values() -> None:
    doc = load_text("# c\nkind: Component\nmetadata:\n  name: my-name\n").documents[0]
    assert (doc.span(("metadata", "name")).line, doc.span(("metadata", "name")).column) == (4, 9)
    assert doc.span(("metadata", "name")).end_column == 16
    assert doc.span(("metadata", "name"), "key").column == 3
    assert doc.line == 2


def test_json_and_flow_collections_as_keys() -> None:
    loaded = load_text('{"kind": "Component", "metadata": {"name": {{x}}}}\n')
    assert loaded.problems == []
    name = loaded.documents[0].data["metadata"]["name"]
    assert isinstance(name, dict)


def test_control_characters_are_content_as_for_backstage() -> None:
    # The npm parser keeps controls, NEL, LS, a lone CR and a line-leading BOM as characters.
    loaded = load_text("a: \x07bell\nb: x\x85y\u2028z\rw\nc: \ufeffv\n")
    assert loaded.problems == []
    assert loaded.documents[0].data == {"a": "\x07bell", "b": "x\x85y\u2028z\rw", "c": "\ufeffv"}


def test_a_yaml_11_directive_switches_that_document_to_yaml_11() -> None:
    text = (
        "%YAML 1.1\n---\na: yes\nb: n\nc: 017\nd: 1_000\ne: 1:20\nf: 2001-12-14\n"
        "base: &b {p: 1, q: 2}\nm:\n  <<: *b\n  q: 3\n"
    )
    data = load_text(text).documents[0].data
    assert data["a"] is True and data["b"] is False
    assert (data["c"], data["d"], data["e"]) == (15, 1000, 80)
    assert data["f"] == "2001-12-14T00:00:00.000Z"
    assert data["m"] == {"p": 1, "q": 3}, "merged keys fill in, the mapping's own keys win"


def test_without_the_directive_yaml_12_rules() -> None:
    data = load_text("a: yes\nc: 017\nm:\n  <<: {x: 1}\n").documents[0].data
    assert data == {"a": "yes", "c": 17, "m": {"<<": {"x": 1}}}


def test_positions_in_a_yaml_11_document_follow_its_keys() -> None:
    doc = load_text("%YAML 1.1\n---\nspec:\n  on: 1\n").documents[0]
    assert doc.data == {"spec": {"true": 1}}
    assert doc.span(("spec", "true"), "key").line == 4


def test_repairs_of_a_large_file_are_bounded() -> None:
    from catalint.yaml.loader import REPAIR_BYTES, REPAIR_PASSES, _passes

    assert len(_passes("a: 1\n")) == REPAIR_PASSES  # small files: every spot is repaired
    large = "x" * (2 * 1024 * 1024)
    assert len(_passes(large)) * len(large) <= REPAIR_BYTES  # a 2 MiB file is re-read a few times at most


def test_documents_with_and_without_anchors_read_alike() -> None:
    """Without an anchor the loader builds values on its lean path; with one, on the path that
    counts aliases. Both must give the same values and the same problems."""
    bodies = [
        "a: 1\nb: [x, 'y', {c: null}]\n? [k, l]\n: v\n1: one\n1.0: dup\n",
        "? [a]\n: 1\n? [a]\n: 2\n? !!binary aGk=\n: 3\n? !!binary aGk=\n: 4\n",  # collection keys never repeat
        "s: !!set {a, b}\no: !!omap [{a: 1}]\nt: !!timestamp 2020-01-02\nm: !!merge x\n",
        "q: 'a\n  b'\nf: [a,\n  b]\n",
        "q: 'a\nb'\n",  # a quoted scalar going on at the key's column
        "%YAML 1.1\n---\nbase: {a: 1}\nmore:\n  <<: {a: 2, b: 3}\n  c: 4\n",  # `<<` sends it to the full path
        "a: " + "[" * 150 + "x" + "]" * 150 + "\n",  # deeper than the lean path goes
        "k: 1\nk: 2\n",
    ]
    for body in bodies:
        lean = load_text(body)
        # One line more, before the body's first line of content.
        marker = "---\n" if body.startswith("%") else ""
        anchored = load_text(body.replace(marker, marker + "anchor: &unused 0\n", 1) if marker else "anchor: &unused 0\n" + body)
        assert [(p.kind, p.span.line) for p in lean.problems] == [(p.kind, p.span.line - 1) for p in anchored.problems], body
        for mine, theirs in zip(lean.documents, anchored.documents, strict=True):
            assert mine.data == {k: v for k, v in theirs.data.items() if k != "anchor"}, body


def test_collection_keys_are_never_duplicates_of_each_other() -> None:
    # A key in between: the first list is dropped before the second is built, and the second
    # may then take its place in memory; it is still no repeat.
    loaded = load_text("? [a]\n: 1\nb: 2\n? [a]\n: 3\n? !!binary aGk=\n: 4\nc: 5\n? !!binary aGk=\n: 6\n")
    assert loaded.problems == []
    assert loaded.documents[0].data == {"['a']": 3, "b": 2, "{'type': 'Buffer', 'data': [104, 105]}": 6, "c": 5}


def test_a_merge_key_in_a_document_without_anchors() -> None:
    loaded = load_text("%YAML 1.1\n---\nm:\n  <<: [{a: 1}, {b: 2}]\n  a: 0\n")
    assert loaded.problems == []
    assert loaded.documents[0].data == {"m": {"a": 0, "b": 2}}


def test_deep_nesting_past_the_lean_path_still_reads() -> None:
    loaded = load_text("a: " + "{b: " * 300 + "x" + "}" * 300 + "\n")
    assert loaded.problems == []
    value = loaded.documents[0].data["a"]
    for _ in range(300):
        value = value["b"]
    assert value == "x"
