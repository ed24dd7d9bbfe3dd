"""Mutation operators of the differential fuzzer (see fuzz.py).

Each operator takes a random generator and one seed (a valid single-document descriptor) and
returns the text of a mutated file, or None when it does not apply to that seed. Operators are
pure functions of their arguments, so a case is reproduced from (seed, case number) alone.
Data-level operators change the parsed value and write it back out (block YAML or JSON);
text-level operators edit the seed's own text, which keeps the author's quoting and layout and
so reaches the YAML reader's corners.
"""

from __future__ import annotations

import copy
import json
import random
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import yaml

Pointer = tuple[str | int, ...]


@dataclass(frozen=True)
class Seed:
    """One document Backstage accepts: where it came from, its text and its value."""

    origin: str
    text: str
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        kind = self.data.get("kind")
        return kind if isinstance(kind, str) else ""


# A case is the descriptor's text, or the descriptor ("") with files next to it (placeholder
# targets); a case with such files is judged with its placeholders read, not assumed.
Files = dict[str, "str | bytes"]
Operator = Callable[[random.Random, Seed], "str | bytes | Files | None"]


# ---------------------------------------------------------------------------------------------
# helpers


def dump(data: Any, rng: random.Random) -> str:
    """Write `data` back out; JSON now and then, since descriptors are also written as JSON."""
    if rng.random() < 0.15:
        return json.dumps(data, indent=2, ensure_ascii=rng.random() < 0.5) + "\n"
    return str(yaml.safe_dump(data, sort_keys=False, allow_unicode=rng.random() < 0.7, width=1 << 16))


def pointers(value: Any, prefix: Pointer = ()) -> Iterator[Pointer]:
    """Every pointer into `value`, the root excluded."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield (*prefix, key)
            yield from pointers(item, (*prefix, key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield (*prefix, i)
            yield from pointers(item, (*prefix, i))


def get(data: Any, pointer: Pointer) -> Any:
    for part in pointer:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]  # a branch of its own: mypy narrows the index type per branch
        else:
            return None
    return data


def put(data: dict[str, Any], pointer: Pointer, value: Any) -> dict[str, Any]:
    """A copy of `data` with `value` at `pointer`, creating mappings on the way."""
    out = copy.deepcopy(data)
    node: Any = out
    for part in pointer[:-1]:
        if isinstance(node, dict):
            if not isinstance(node.get(part), dict | list):
                node[part] = {}
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and part < len(node):
            node = node[part]
        else:
            return out
    last = pointer[-1]
    if isinstance(node, dict):
        node[last] = value
    elif isinstance(node, list) and isinstance(last, int):
        if last < len(node):
            node[last] = value
        else:
            node.append(value)
    return out


def drop(data: dict[str, Any], pointer: Pointer) -> dict[str, Any] | None:
    out = copy.deepcopy(data)
    parent: Any = get(out, pointer[:-1]) if len(pointer) > 1 else out
    if isinstance(parent, dict) and pointer[-1] in parent:
        del parent[pointer[-1]]
        return out
    return None


# Lines of block mappings with a plain one-line value: (indent, "- " or "", key, value).
_LINE = re.compile(
    r"^(?P<indent>[ ]*)(?P<dash>-[ ]+)?(?P<key>[A-Za-z0-9_.\-/$]+):[ ]+(?P<value>[^\s#|>&*!'\"{\[][^#]*?)[ ]*$"
)


def value_lines(text: str) -> list[tuple[int, re.Match[str]]]:
    lines = text.split("\n")
    return [(i, m) for i, line in enumerate(lines) if (m := _LINE.match(line))]


def edit_line(text: str, rng: random.Random, change: Callable[[re.Match[str]], str]) -> str | None:
    found = value_lines(text)
    if not found:
        return None
    number, match = rng.choice(found)
    lines = text.split("\n")
    lines[number] = change(match)
    return "\n".join(lines)


def head(match: re.Match[str]) -> str:
    return f"{match['indent']}{match['dash'] or ''}{match['key']}: "


# ---------------------------------------------------------------------------------------------
# value pools

ODD_VALUES: tuple[Any, ...] = (
    0,
    1,
    -1,
    0.5,
    1e21,
    2**53 + 1,
    2**64,
    -0.0,
    True,
    False,
    None,
    [],
    {},
    ["x"],
    {"a": "b"},
    "",
    " ",
    "0",
    "true",
    "null",
    "~",
    "x\n",
    "\tx",
    "x ",
    "\u00a0x",
    "\ufeffx",
    "x\u2028",
    "\U0001f600",
    "\x7f",
    "\x85",
    "A" * 64,
    "a" * 254,
)

FORMATTED: tuple[Pointer, ...] = (
    ("metadata", "name"),
    ("metadata", "namespace"),
    ("metadata", "title"),
    ("metadata", "description"),
    ("metadata", "labels", "@"),
    ("metadata", "annotations", "@"),
    ("metadata", "tags", 0),
    ("metadata", "links", 0, "url"),
    ("metadata", "links", 0, "title"),
    ("metadata", "links", 0, "icon"),
    ("metadata", "links", 0, "type"),
    ("apiVersion",),
    ("kind",),
)

_NAME_CHARS = "abcXYZ019-_.~ /:@+\u00e9\u0131\u212a\U0001f600\t\n\r\u00a0\u2028\u3000\ufeff"


def boundary_string(rng: random.Random) -> str:
    """Lengths at and around the limits, odd characters at the ends and inside."""
    length = rng.choice((0, 1, 2, 62, 63, 64, 65, 252, 253, 254, 255, 316, 317))
    base = "".join(rng.choice("abcdefghij0123456789") for _ in range(length))
    shape = rng.randrange(6)
    char = rng.choice(_NAME_CHARS)
    if shape == 0 or not base:
        return base + (char if shape else "")
    if shape == 1:
        return char + base[1:]
    if shape == 2:
        return base[:-1] + char
    if shape == 3:
        middle = len(base) // 2
        return base[:middle] + char + base[middle + 1 :]
    if shape == 4:
        return base.upper()
    return char * rng.choice((1, 2, 3)) + base + char


def boundary_key(rng: random.Random) -> str:
    """Label and annotation keys: `[prefix/]name`, prefixes a DNS subdomain of up to 253."""
    name = boundary_string(rng)
    roll = rng.randrange(5)
    if roll == 0:
        return name
    prefix = rng.choice(
        (
            "backstage.io",
            "a",
            "a.b",
            "a..b",
            ".a",
            "a.",
            "-a",
            "a-",
            "A.B",
            "x" * 253,
            "x" * 254,
            ".".join(["y" * 63] * 4)[:253],
            "y" * 64 + ".z",
            "",
            "a_b",
            "\u00e9.io",
        )
    )
    if roll == 1:
        return f"{prefix}/{name}"
    if roll == 2:
        return f"{prefix}/"
    if roll == 3:
        return f"{prefix}/{name}/{name}"
    return f"{prefix}/abc"


URLS: tuple[str, ...] = (
    "https://example.com",
    "http://a",
    "https://EXAMPLE.com/x",
    "https://127.0.0.1",
    "https://0x7f.1",
    "https://1.2.3",
    "https://4294967296",
    "https://0300.0250.0.1",
    "https://[::1]",
    "https://[::1",
    "https://ex%41mple.com",
    "https://ex%zzmple.com",
    "https://xn--nxasmq6b.com",
    "https://xn--a.com",
    "https://b\u00fccher.de",
    "https://\u00df.de",
    "https:// example.com",
    "https://exa mple.com",
    "https://example.com:99999",
    "https://example.com:-1",
    "https://user:pw@host",
    "https:example.com",
    "https:/example.com",
    "https:///example.com",
    "//example.com",
    "/relative",
    "relative",
    "mailto:x@y",
    "file:///etc",
    "ftp://x",
    "javascript:alert(1)",
    "data:text/plain,x",
    "https://",
    "https://.",
    "https://a..b",
    "https://a.b.",
    "https://\t example.com",
    "https://example.com\n",
    " https://x.y ",
    "https://x.y/\u0000",
    "https://ex\u00adample.com",
    "https://\uff45xample.com",
    "HTTPS://X.Y",
    "https://x_y.com",
    "https://x*y.com",
    "https://x%2Fy.com",
    "https://999.1.1.1",
    "https://1.2.3.4.5",
    "https://0x100000000",
    "https://0.0.0.0x",
    "https://a.0x1",
    "https://1.2.3.08",
    "https://\u3002x",
    "wss://x",
    "blob:https://x",
    "https://example.com#frag",
    "https://example.com?q=1",
    "x:",
)

ODD_REFS: tuple[Any, ...] = (
    "",
    " ",
    "x",
    "group:x",
    "Group:default/x",
    "user:",
    ":x",
    "x/",
    "/x",
    "a/b/c",
    "a:b:c",
    "group:a/b/c",
    "default/",
    "group:/x",
    "a:/b",
    " group:x",
    "group:x ",
    "GROUP:X",
    "component:default/x",
    "x\n",
    "\u00e9",
    "a" * 300,
    0,
    1,
    False,
    True,
    None,
    [],
    {},
    [""],
    ["x", ""],
    ["x", None],
    [0],
    [[]],
    [{"kind": "Group", "name": "x"}],
    {"kind": "Group", "name": "x"},
    {"kind": "Group"},
    ["a:b:c"],
    "group:default/x/y",
    "x:y/z",
    "::",
    "//",
    "resource:x",
    ["resource:x", "api:y"],
    0.0,
    "0",
)

RELATIONS: dict[str, tuple[str, ...]] = {
    "Component": ("owner", "system", "subcomponentOf", "providesApis", "consumesApis", "dependsOn", "dependencyOf"),
    "API": ("owner", "system"),
    "Resource": ("owner", "system", "dependsOn", "dependencyOf"),
    "System": ("owner", "domain"),
    "Domain": ("owner", "subdomainOf"),
    "Group": ("parent", "children", "members"),
    "User": ("memberOf",),
    "Template": ("owner", "owners"),
    "Location": ("target", "targets"),
}

REQUIRED: dict[str, tuple[Pointer, ...]] = {
    "": (("apiVersion",), ("kind",), ("metadata",), ("metadata", "name"), ("spec",)),
    "Component": (("spec", "type"), ("spec", "lifecycle"), ("spec", "owner")),
    "API": (("spec", "type"), ("spec", "lifecycle"), ("spec", "owner"), ("spec", "definition")),
    "Resource": (("spec", "type"), ("spec", "owner")),
    "System": (("spec", "owner"),),
    "Domain": (("spec", "owner"),),
    "Group": (("spec", "type"), ("spec", "children"), ("spec", "profile")),
    "User": (("spec", "memberOf"), ("spec", "profile")),
    "Template": (("spec", "type"), ("spec", "steps"), ("spec", "parameters"), ("spec", "owner")),
    "Location": (("spec", "target"), ("spec", "targets"), ("spec", "type")),
}

ROOT_FIELDS: tuple[str, ...] = (
    "status",
    "relations",
    "foo",
    "Spec",
    "$text",
    "metadata2",
    "",
    "apiversion",
    "__proto__",
    "constructor",
    "toString",
    "hasOwnProperty",
    "kind ",
    "0",
)

TAGS: tuple[str, ...] = (
    "!!str",
    "!!int",
    "!!float",
    "!!bool",
    "!!null",
    "!!binary",
    "!!timestamp",
    "!!seq",
    "!!map",
    "!!set",
    "!!omap",
    "!!pairs",
    "!!merge",
    "!!value",
    "!!yaml",
    "!foo",
    "!",
    "!<tag:yaml.org,2002:str>",
    "!<tag:yaml.org,2002:int>",
    "!<!bar>",
    "!!Str",
    "!e!x",
)

YAML11_SCALARS: tuple[str, ...] = (
    "yes",
    "no",
    "on",
    "off",
    "y",
    "n",
    "Yes",
    "OFF",
    "0o17",
    "017",
    "0x1F",
    "0b101",
    "1_000",
    "1:20",
    "-1:20:30",
    "190:20:30.15",
    "1_000.5",
    ".5",
    "+12",
    "1e3",
    "1E+3",
    "1.0e+3",
    ".inf",
    "-.Inf",
    ".nan",
    "~",
    "null",
    "Null",
    "2001-12-14",
    "2001-12-14t21:59:43.10-05:00",
    "=",
    "<<",
    "0.",
    "08",
    "0o8",
    "+0x1",
    "-0b11",
    "1__2",
    "_1",
    "1_",
    "12e03",
    "+.inf",
    "0001",
)

DOC_VALUES: tuple[str, ...] = (
    "1",
    "1.0",
    "0x1",
    "0o1",
    "1e0",
    "+1",
    "01",
    "true",
    "True",
    "TRUE",
    "null",
    "~",
    "Null",
    ".inf",
    ".NaN",
    "-0",
    "0.0",
    "1e400",
    "123456789012345678901234567890",
    "9007199254740993",
    "1e21",
    "1e-7",
)


# ---------------------------------------------------------------------------------------------
# data-level operators


def scalar_type(rng: random.Random, seed: Seed) -> str | None:
    targets = list(pointers(seed.data))
    if not targets:
        return None
    pointer = rng.choice(targets)
    return dump(put(seed.data, pointer, copy.deepcopy(rng.choice(ODD_VALUES))), rng)


def _concrete(rng: random.Random, seed: Seed, pointer: Pointer) -> Pointer:
    """Fill `@` (a map key) in a formatted-field pointer with one of the seed's keys or a new one."""
    if "@" not in pointer:
        return pointer
    parent = get(seed.data, pointer[:-1])
    keys = list(parent) if isinstance(parent, dict) else []
    return (*pointer[:-1], rng.choice(keys) if keys and rng.random() < 0.5 else "example.com/key")


def format_boundary(rng: random.Random, seed: Seed) -> str | None:
    pointer = _concrete(rng, seed, rng.choice(FORMATTED))
    if pointer[-1] == "url" and rng.random() < 0.7:
        value: Any = rng.choice(URLS)
    else:
        value = boundary_string(rng)
    data = put(seed.data, pointer, value)
    if pointer[1:2] in (("labels",), ("annotations",)) and rng.random() < 0.5:
        parent = get(data, pointer[:-1])
        if isinstance(parent, dict):
            # The key's turn: move the value under an odd key.
            parent.pop(pointer[-1], None)
            parent[boundary_key(rng)] = "v" if rng.random() < 0.5 else value
    return dump(data, rng)


def relation_ref(rng: random.Random, seed: Seed) -> str | None:
    fields = RELATIONS.get(seed.kind)
    if not fields:
        return None
    value = copy.deepcopy(rng.choice(ODD_REFS))
    return dump(put(seed.data, ("spec", rng.choice(fields)), value), rng)


def remove_required(rng: random.Random, seed: Seed) -> str | None:
    candidates = list(REQUIRED[""] + REQUIRED.get(seed.kind, ()))
    spec = seed.data.get("spec")
    if isinstance(spec, dict):
        candidates.extend(("spec", k) for k in spec)
    meta = seed.data.get("metadata")
    if isinstance(meta, dict):
        candidates.extend(("metadata", k) for k in meta)
    rng.shuffle(candidates)
    for pointer in candidates:
        data = drop(seed.data, pointer)
        if data is not None:
            return dump(data, rng)
    return None


def extra_root(rng: random.Random, seed: Seed) -> str | None:
    key = rng.choice(ROOT_FIELDS)
    value = copy.deepcopy(rng.choice(ODD_VALUES))
    where = rng.random()
    if where < 0.6:
        return dump({**seed.data, key: value}, rng)
    if where < 0.8:
        return dump(put(seed.data, ("metadata", key), value), rng)
    return dump(put(seed.data, ("spec", key), value), rng)


def placeholder(rng: random.Random, seed: Seed) -> str | None:
    name = rng.choice(("$text", "$json", "$yaml", "$texts", "$", "$TEXT", "$env", "$include"))
    target: Any = copy.deepcopy(
        rng.choice(("./x.yaml", "x", "", "https://example.com/a.json", 0, None, [], {}, True, "../../../x", "x/"))
    )
    holder: dict[str, Any] = {name: target}
    if rng.random() < 0.2:
        holder["other"] = "x"
    if rng.random() < 0.1:
        holder = {"wrap": [holder]}
    targets = list(pointers(seed.data))
    if not targets:
        return None
    pointer = rng.choice([("metadata", "name"), ("kind",), ("apiVersion",), ("spec",), ("metadata",), *targets])
    if rng.random() < 0.1:
        # A placeholder spelled as a key elsewhere than at a value's top.
        return dump(put(seed.data, ("spec", name), target), rng)
    return dump(put(seed.data, pointer, holder), rng)


# ---------------------------------------------------------------------------------------------
# text-level operators


def stream(rng: random.Random, seed: Seed) -> str | None:
    text = seed.text if seed.text.endswith("\n") else seed.text + "\n"
    body = text
    directive = rng.choice(
        (
            "%YAML 1.2",
            "%YAML 1.1",
            "%YAML 1.0",
            "%YAML 1.3",
            "%YAML 2.0",
            "%YAML 1.2.3",
            "%YAML 1",
            "%TAG ! tag:example.com,2000:",
            "%TAG !e! tag:e,2000:",
            "%FOO bar",
            "%YAML  1.2",
            "%YAML 1.2 # c",
        )
    )
    variants: tuple[Callable[[], str], ...] = (
        lambda: "---\n" + body,
        lambda: body + "...\n",
        lambda: body + "...\n" + body,
        lambda: body + "...\n---\n" + body,
        lambda: body + "---\n" + body,
        lambda: body + "---\n",
        lambda: body + "---\n...\n",
        lambda: "---\n---\n" + body,
        lambda: f"{directive}\n---\n" + body,
        lambda: body + f"...\n{directive}\n---\n" + body,
        lambda: body + f"{directive}\n---\n" + body,
        lambda: f"{directive}\n{directive}\n---\n" + body,
        lambda: "--- # c\n" + body + "... # c\n",
        lambda: body + "... x\n",
        lambda: body + "---x\n",
        lambda: "---\n" + body + "--- \n" + body,
        lambda: body + "\n...\n\n\n" + body,
        lambda: body + "# end\n...\n# after\n",
        lambda: body + "...\n...\n" + body,
        lambda: body + "---\n" + "{}\n",
        lambda: body + "---\n" + "[]\n",
        lambda: body + "--- |\n  text\n",
        lambda: body + "---\n" + "just a string\n",
        lambda: body + "---\n" + "null\n",
    )
    return rng.choice(variants)()


def bom(rng: random.Random, seed: Seed) -> str | None:
    text = seed.text
    where = rng.randrange(6)
    if where == 0:
        return "\ufeff" + text
    if where == 1:
        return text + "---\n\ufeff" + text
    if where == 2:
        return text + "...\n\ufeff" + text
    if where == 3:
        return "\ufeff\ufeff" + text
    if where == 4:
        return edit_line(text, rng, lambda m: head(m) + "\ufeff" + m["value"])
    return edit_line(text, rng, lambda m: m["indent"] + "\ufeff" + m.group(0)[len(m["indent"]) :])


def line_ends(rng: random.Random, seed: Seed) -> str | None:
    text = seed.text.replace("\r\n", "\n")
    roll = rng.randrange(5)
    if roll == 0:
        return text.replace("\n", "\r\n")
    if roll == 1:
        return text.replace("\n", "\r")
    if roll == 2:
        return "".join(ch + ("\r" if ch == "\n" and rng.random() < 0.5 else "") for ch in text).replace("\n\r", "\r\n")
    if roll == 3:
        lines = text.split("\n")
        return "".join(line + rng.choice(("\n", "\r\n", "\r")) for line in lines)
    return text.replace("\n", rng.choice(("\u2028", "\u0085", "\u2029", "\x0b", "\x0c")), rng.randrange(1, 4))


def tabs(rng: random.Random, seed: Seed) -> str | None:
    roll = rng.randrange(5)
    if roll == 0:
        return edit_line(seed.text, rng, lambda m: m["indent"] + (m["dash"] or "") + m["key"] + ":\t" + m["value"])
    if roll == 1:
        return edit_line(seed.text, rng, lambda m: head(m) + m["value"] + "\t")
    if roll == 2:
        return edit_line(seed.text, rng, lambda m: "\t" + m.group(0)) if rng.random() < 0.5 else None
    if roll == 3:
        return edit_line(seed.text, rng, lambda m: head(m) + m["value"] + "\t# c")
    return edit_line(seed.text, rng, lambda m: head(m) + "\t" + m["value"])


CONTROL = (
    *(chr(c) for c in (*range(0, 9), 11, 12, *range(14, 32), 0x7F, 0x80, 0x85, 0x9F, 0xA0)),
    "\u2028",
    "\u2029",
    "\ufeff",
    "\ufffe",
    "\uffff",
    "\ud800",
    "\U0001f600",
    "\U000e0001",
    "\U0010ffff",
    "\u200b",
    "\u3000",
    "\u1680",
    "\u180e",
    "\u00e9",
)


def characters(rng: random.Random, seed: Seed) -> str | None:
    char = rng.choice(CONTROL)
    roll = rng.randrange(4)
    if roll == 0:
        return edit_line(seed.text, rng, lambda m: head(m) + m["value"] + char)
    if roll == 1:
        return edit_line(seed.text, rng, lambda m: head(m) + char + m["value"])
    if roll == 2:
        return edit_line(seed.text, rng, lambda m: head(m) + json.dumps(m["value"] + char, ensure_ascii=False))
    return edit_line(seed.text, rng, lambda m: head(m) + "'" + char + m["value"].replace("'", "''") + "'")


ESCAPES: tuple[str, ...] = (
    "\\0",
    "\\a",
    "\\b",
    "\\t",
    "\\\t",
    "\\n",
    "\\v",
    "\\f",
    "\\r",
    "\\e",
    "\\ ",
    '\\"',
    "\\/",
    "\\\\",
    "\\N",
    "\\_",
    "\\L",
    "\\P",
    "\\x41",
    "\\x4",
    "\\xZZ",
    "\\u0041",
    "\\u00e9",
    "\\ud83d\\ude00",
    "\\ud83d",
    "\\U0001F600",
    "\\U00110000",
    "\\q",
    "\\'",
    "\\u000a",
    "\\x00",
    "\\u2028",
    "\\uFEFF",
)


def escapes(rng: random.Random, seed: Seed) -> str | None:
    escape = rng.choice(ESCAPES)

    def change(m: re.Match[str]) -> str:
        value = m["value"].replace("\\", "\\\\").replace('"', '\\"')
        cut = rng.randrange(len(value) + 1)
        return head(m) + '"' + value[:cut] + escape + value[cut:] + '"'

    if rng.random() < 0.2:
        # An escape in a key: `"n\x61me"` spells `name`.
        return edit_line(
            seed.text, rng, lambda m: f'{m["indent"]}{m["dash"] or ""}"{_escape_key(m["key"], rng)}": {m["value"]}'
        )
    return edit_line(seed.text, rng, change)


def _escape_key(key: str, rng: random.Random) -> str:
    if not key:
        return key
    i = rng.randrange(len(key))
    return (
        key[:i] + rng.choice((f"\\x{ord(key[i]):02x}", f"\\u{ord(key[i]):04x}", f"\\U{ord(key[i]):08x}")) + key[i + 1 :]
    )


def tags(rng: random.Random, seed: Seed) -> str | None:
    tag = rng.choice(TAGS)
    roll = rng.randrange(4)
    if roll == 0:
        return edit_line(seed.text, rng, lambda m: head(m) + tag + " " + m["value"])
    if roll == 1:
        value = rng.choice(
            ("aGVsbG8=", "1.5", "12", "true", "~", "2001-12-14", "[a, b]", "{a: 1}", "{? a}", "[{a: 1}]", '""')
        )
        return edit_line(seed.text, rng, lambda m: head(m) + tag + " " + value)
    if roll == 2:
        return edit_line(seed.text, rng, lambda m: f"{m['indent']}{m['dash'] or ''}{tag} {m['key']}: {m['value']}")
    text = seed.text
    lines = text.split("\n")
    for i, line in enumerate(lines):
        if line.startswith(("spec:", "metadata:")) and line.rstrip().endswith(":"):
            lines[i] = line.rstrip() + " " + tag
            return "\n".join(lines)
    return None


def anchors(rng: random.Random, seed: Seed) -> str | None:
    text = seed.text if seed.text.endswith("\n") else seed.text + "\n"
    roll = rng.randrange(6)
    if roll == 0:
        count = rng.choice((1, 50, 99, 100, 101, 102, 150, 1000))
        items = ", ".join(["*a"] * count)
        return (
            text + f"x-anchors:\n  base: &a v\n  list: [{items}]\n"
            if rng.random() < 0.3
            else text.replace("\nspec:", f"\nx-a: &a v\nx-list: [{items}]\nspec:", 1)
        )
    if roll == 1:
        # A merge: `<<` is an ordinary key for Backstage's reader, a merge for YAML 1.1.
        return text.replace("\nmetadata:", "\nbase: &m {tags: [a]}\nmetadata:\n  <<: *m", 1)
    if roll == 2:
        return text.replace("\nspec:", "\nspec: *nowhere\nx-spec:", 1)
    if roll == 3:
        lines = text.split("\n")
        found = value_lines(text)
        if len(found) < 2:
            return None
        (a, ma), (b, mb) = sorted(rng.sample(found, 2))
        lines[a] = head(ma) + "&x " + ma["value"]
        lines[b] = head(mb) + "*x"
        return "\n".join(lines)
    if roll == 4:
        depth = rng.choice((2, 5, 10, 20))
        chain = "".join(f"l{i}: &l{i} [*l{i - 1}, *l{i - 1}, *l{i - 1}]\n" for i in range(1, depth))
        return text + "x-bomb:\n  l0: &l0 [a]\n" + "".join("  " + line + "\n" for line in chain.splitlines())
    return (
        text.replace("\nmetadata:", "\nmetadata: &meta", 1)
        + "---\n"
        + text.replace("\nmetadata:", "\nmetadata: *meta\nx:", 1)
    )


DUP_SPELLINGS: tuple[Callable[[str], str], ...] = (
    lambda k: k,
    lambda k: f"'{k}'",
    lambda k: f'"{k}"',
    lambda k: f'"{k[:1]}\\x{ord(k[1]):02x}{k[2:]}"' if len(k) > 1 else f'"{k}"',
    lambda k: f"? {k}\n",
    lambda k: f"!!str {k}",
)

NUMERIC_KEYS: tuple[tuple[str, str], ...] = (
    ("1", "1.0"),
    ("1", "0x1"),
    ("1", "0o1"),
    ("1", "1e0"),
    ("1", "+1"),
    ("1", "01"),
    ("0", "-0"),
    ("true", "True"),
    ("null", "~"),
    ("null", ""),
    ("1", "'1'"),
    (".inf", ".Inf"),
    ("1e400", ".inf"),
    ("9007199254740993", "9007199254740992"),
    ("123456789012345678901234567890", "1.2345678901234568e+29"),
    ("0.1", "0.10"),
    ("1_0", "10"),
    ("yes", "true"),
)


def duplicate_key(rng: random.Random, seed: Seed) -> str | None:
    if rng.random() < 0.35:
        first, second = rng.choice(NUMERIC_KEYS)
        text = seed.text if seed.text.endswith("\n") else seed.text + "\n"
        if rng.random() < 0.3:
            text = "%YAML 1.1\n---\n" + text
        return (
            text.replace("\nspec:", f"\nx-dup:\n  {first}: a\n  {second}: b\nspec:", 1)
            if rng.random() < 0.5
            else (text + f"x-dup: {{{first}: a, {second}: b}}\n")
        )
    spelling = rng.choice(DUP_SPELLINGS)

    def change(m: re.Match[str]) -> str:
        key = spelling(m["key"])
        again = f"{m['indent']}{'  ' if m['dash'] else ''}{key}"
        if key.endswith("\n"):
            again += f"{m['indent']}{'  ' if m['dash'] else ''}: other"
        else:
            again += ": other"
        return m.group(0) + "\n" + again

    return edit_line(seed.text, rng, change)


def yaml11(rng: random.Random, seed: Seed) -> str | None:
    scalar = rng.choice(YAML11_SCALARS + DOC_VALUES)
    header = rng.choice(("%YAML 1.1\n---\n", "%YAML 1.1\n--- ", "", "%YAML 1.2\n---\n", "%YAML 1.0\n---\n"))
    roll = rng.randrange(3)
    if roll == 0:
        body = edit_line(seed.text, rng, lambda m: head(m) + scalar)
    elif roll == 1:
        body = edit_line(seed.text, rng, lambda m: f"{m['indent']}{m['dash'] or ''}{scalar}: {m['value']}")
    else:
        text = seed.text if seed.text.endswith("\n") else seed.text + "\n"
        body = text.replace("\nspec:", f"\nspec:\n  x-{rng.randrange(9)}: {scalar}", 1)
    if body is None:
        return None
    if header.endswith("--- ") and body.startswith("---"):
        body = body[3:].lstrip("\n")
    return header + body


BAD_BYTES: tuple[bytes, ...] = (
    b"\xff",
    b"\xfe",
    b"\xc3",
    b"\xc3(",
    b"\xe2\x82",
    b"\xed\xa0\x80",
    b"\xc0\xaf",
    b"\xf4\x90\x80\x80",
    b"\x80",
    b"\xf0\x9f\x98",
    b"\xef\xbb",
)


def encoding(rng: random.Random, seed: Seed) -> bytes | None:
    """Invalid UTF-8 inside a value, a key or a comment."""
    raw = seed.text.encode("utf-8")
    bad = rng.choice(BAD_BYTES)
    found = value_lines(seed.text)
    if not found or rng.random() < 0.2:
        return raw + b"# " + bad + b"\n"
    number, match = rng.choice(found)
    lines = raw.split(b"\n")
    lines[number] = head(match).encode("utf-8") + bad + match["value"].encode("utf-8")
    return b"\n".join(lines)


def _nested(depth: int, opener: str, closer: str) -> str:
    return opener * depth + closer * depth


TARGET_CONTENTS: dict[str, tuple[str | bytes, ...]] = {
    "json": (
        "{}", '{"a": 1}', '"text"', "NaN", "Infinity", "-Infinity", "1e400", "[1,]", '{"a": 1,}', "{'a': 1}",
        "\ufeff{}", " {} ", "{}\n\n", "", "null", "true", "12345678901234567890", '"\\ud800"', '{"a": "\x01"}',
        '{"__proto__": {"a": 1}}', '{"a": 1, "a": 2}', '{"a": 01}', ".5", "0x10", "/* c */ {}", b'{"a": "\xff"}',
        '{"type": "service"}', '"service"', '"x\\n"', _nested(50, "[", "]"), _nested(5000, "[", "]"),
        '{"a":' * 40 + "{}" + "}" * 40, '{"a":' * 3000 + "{}" + "}" * 3000, "[]", '{"a": -0}', '"\\u0000"',
    ),
    "yaml": (
        "", "---\n", "a: 1\n", "a: 1\n---\nb: 2\n", "---\n---\n", "x\n", "[\n", "{a: 1}\n...\n",
        "%YAML 1.1\n---\na: yes\n", "a: *x\n", "&a [*a]\n", "# only a comment\n", "\ufeffa: 1\n",
        _nested(50, "[", "]"), _nested(3000, "[", "]"), "a: !!binary aGk=\n", "a: 1\na: 2\n", b"a: \xff\n",
        "type: service\n", "service\n", "a: 1\n...\n", "a: 1\n--- \n", "null\n", "~\n", "[a, b]\n",
        "a: 1\n...\nb: 2\n", "<<: {a: 1}\n", "a: \x07\n",
    ),
    "text": ("", "x", "x\n", "\ufeffx", "a" * 300, b"\xff\xfe", "a\x00b", "service", "  ", "\r\n"),
}

PLACEHOLDER_SPOTS: tuple[Pointer, ...] = (
    ("metadata", "description"),
    ("metadata", "name"),
    ("metadata", "title"),
    ("metadata", "annotations", "example.com/a"),
    ("metadata", "labels"),
    ("metadata", "tags"),
    ("spec",),
    ("spec", "type"),
    ("spec", "owner"),
    ("spec", "x-extra"),
    ("metadata", "annotations"),
)


def placeholder_content(rng: random.Random, seed: Seed) -> Files | None:
    """A placeholder whose target exists, with odd contents: read and parsed, not assumed."""
    if "$" in seed.text:
        return None  # its own placeholders name files that are not here
    kind = rng.choice(sorted(TARGET_CONTENTS))
    content = rng.choice(TARGET_CONTENTS[kind])
    name = f"target.{kind}"
    holder: dict[str, Any] = {f"${kind}": rng.choice((f"./{name}", name))}
    data = put(seed.data, rng.choice(PLACEHOLDER_SPOTS), holder)
    return {"": dump(data, rng), name: content}


SYNTAX_CHARACTERS = ":-#'\"[]{},&*!|>%@`? \t\n"


def syntax(rng: random.Random, seed: Seed) -> str | None:
    """One YAML indicator character inserted, deleted or replaced anywhere: the reader's corners."""
    text = seed.text
    if not text:
        return None
    at = rng.randrange(len(text))
    char = rng.choice(SYNTAX_CHARACTERS)
    roll = rng.randrange(3)
    if roll == 0:
        return text[:at] + char + text[at:]
    if roll == 1:
        return text[:at] + text[at + 1 :]
    return text[:at] + char + text[at + 1 :]


OPERATORS: dict[str, Operator] = {
    "scalar-type": scalar_type,
    "format-boundary": format_boundary,
    "relation-ref": relation_ref,
    "remove-required": remove_required,
    "extra-root": extra_root,
    "placeholder": placeholder,
    "stream": stream,
    "bom": bom,
    "line-ends": line_ends,
    "tabs": tabs,
    "characters": characters,
    "escapes": escapes,
    "tags": tags,
    "anchors": anchors,
    "duplicate-key": duplicate_key,
    "yaml11": yaml11,
    "encoding": encoding,
    "placeholder-content": placeholder_content,
    "syntax": syntax,
}
