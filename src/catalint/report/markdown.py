"""Untrusted text in the Markdown of a job summary (GITHUB_STEP_SUMMARY): shown, never rendered.

A file name, entity name or message may hold HTML (`<img>`, `<a>`), Markdown images and links,
backticks, pipes or line breaks that would end a table row. In a cell every one of them shows as
written: HTML is entity-escaped, Markdown punctuation backslash-escaped, breaks become `<br>`.
"""

from __future__ import annotations

import re

from catalint.redact import redact_url

_BREAK = re.compile("\r\n|[\r\n\u2028\u2029\x85]")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_PUNCTUATION = re.compile(r"([\\`*_\[\]()!|~])")
_HTML = {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}


def _controls(text: str) -> str:
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}" if ord(m.group()) < 0x100 else f"\\u{ord(m.group()):04x}", text)


def cell(text: str) -> str:
    """`text` for a table cell or a line of a summary: inert, on one line."""
    text = _controls(_PUNCTUATION.sub(r"\\\1", redact_url(text)))
    text = "".join(_HTML.get(ch, ch) for ch in text)
    return _BREAK.sub("<br>", text)


def code(text: str) -> str:
    """`text` as a code span, on one line: fenced by more backticks than it holds in a row,
    so none of them ends it (nothing inside a code span is markup)."""
    text = _BREAK.sub(" ", _controls(redact_url(text)))
    longest = max((len(run) for run in re.findall("`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"
