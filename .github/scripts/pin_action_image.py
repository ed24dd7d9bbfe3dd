#!/usr/bin/env python3
"""Point action.yml at a published image instead of the Dockerfile: `runs.image: docker://IMAGE@sha256:DIGEST`.

Run by the release workflow after the image is pushed, so that users of a release tag pull the image instead of
rebuilding it on every workflow run. Only the `image:` line of `runs:` changes; the rest of the file is kept
byte for byte.

    python .github/scripts/pin_action_image.py ghcr.io/catalint/catalint@sha256:<64 hex> [action.yml]
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

REFERENCE = re.compile(r"[a-z0-9.-]+(?::\d+)?(?:/[a-z0-9._-]+)+@sha256:[0-9a-f]{64}")
IMAGE_LINE = re.compile(r"^(  image:[ \t]*)(\S.*)$", re.M)


def pin(text: str, reference: str) -> str:
    if not REFERENCE.fullmatch(reference):
        raise ValueError(f"not an image reference by digest (registry/name@sha256:<64 hex>): {reference!r}")
    runs = text.index("\nruns:\n")
    head, tail = text[:runs], text[runs:]
    new, count = IMAGE_LINE.subn(lambda m: m.group(1) + "docker://" + reference, tail, count=1)
    if count != 1:
        raise ValueError("action.yml has no `image:` line under `runs:`")
    return head + new


def main(argv: list[str]) -> int:
    if not 1 <= len(argv) <= 2:
        print(__doc__, file=sys.stderr)
        return 2
    path = Path(argv[1] if len(argv) == 2 else "action.yml")
    try:
        path.write_text(pin(path.read_text(encoding="utf-8"), argv[0]), encoding="utf-8")
    except (OSError, ValueError) as err:
        print(f"pin_action_image: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
